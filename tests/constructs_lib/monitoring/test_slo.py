"""AvailabilityBurnRateAlarms: multi-window, multi-burn-rate pairs."""

from __future__ import annotations

import dataclasses
import re

import aws_cdk as cdk
import pytest

from constructs_lib.monitoring import FAST_BURN, SLOW_BURN
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


@pytest.mark.parametrize(
    ("target", "windows", "message"),
    [
        (100, None, "slo_target_percent (100) must be between 0 and 100 exclusive, e.g. 99.9."),
        (0, None, "slo_target_percent (0) must be between 0 and 100 exclusive, e.g. 99.9."),
        (
            92,
            None,
            "windows['fast'].burn_rate (14.4) must be > 0 and below 1 / error budget (12.5) for SLO 92: "
            "raise slo_target_percent above 93.06 or lower the burn rate.",
        ),
        (99.9, (), "windows is empty: pass FAST_BURN, SLOW_BURN or your own BurnRateWindow."),
        (99.9, (FAST_BURN, FAST_BURN), "windows has two entries named 'fast': names must be unique."),
        (
            99.9,
            (dataclasses.replace(FAST_BURN, short_window=cdk.Duration.hours(2)),),
            "windows['fast']: short_window (2 hours) must be shorter than long_window (1 hour).",
        ),
        (
            99.9,
            (dataclasses.replace(SLOW_BURN, long_window=cdk.Duration.hours(25)),),
            "windows['slow']: window 1 day 1 hour must be whole minutes, at most one day.",
        ),
    ],
)
def test_validate_slo_fails_naming_the_value_and_the_fix(target, windows, message):
    from constructs_lib import validate_slo

    args = (target,) if windows is None else (target, windows)
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        validate_slo(*args)


def test_validate_slo_accepts_the_default_objective_and_anything_above_the_fast_burns_floor():
    from constructs_lib import validate_slo

    validate_slo(99.9)
    validate_slo(93.1)
    validate_slo(99.9999)
