"""AvailabilityBurnRateAlarms: multi-window, multi-burn-rate pairs."""

from __future__ import annotations

import pytest

from tests.constructs_lib.monitoring.alarm_app import find_alarm, metric_math, rule_children


def test_burn_rate_pairs_follow_the_sre_workbook(monitoring_app):
    raw = monitoring_app["raw"]
    for window, period, threshold, severity in [
        ("1h", 3600, 14.4 * 0.001, "critical"),
        ("5m", 300, 14.4 * 0.001, "critical"),
        ("6h", 21600, 6 * 0.001, "high"),
        ("30m", 1800, 6 * 0.001, "high"),
    ]:
        _, props = find_alarm(raw, f"webapp-prod-web-slo-burn-{window}-{severity}")
        expression, inputs = metric_math(props)
        assert expression == (
            f"(FILL(target5xx_{period}s, 0) + FILL(elb5xx_{period}s, 0)) / "
            f"(FILL(requests_{period}s, 0) + FILL(elb5xx_{period}s, 0))"
        )
        assert {v["Period"] for v in inputs.values()} == {period}
        assert props["Threshold"] == pytest.approx(threshold)
        assert props["TreatMissingData"] == "notBreaching"
    for pair, children, severity in [("fast", ("1h", "5m"), "critical"), ("slow", ("6h", "30m"), "high")]:
        _, props = find_alarm(raw, f"webapp-prod-web-slo-burn-{pair}-{severity}")
        rendered = "".join(p if isinstance(p, str) else "X" for p in props["AlarmRule"]["Fn::Join"][1])
        assert rendered == '(ALARM("X") AND ALARM("X"))'
        assert rule_children(props["AlarmRule"]) == {
            find_alarm(raw, f"webapp-prod-web-slo-burn-{c}-{severity}")[0] for c in children
        }
