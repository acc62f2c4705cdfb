"""Composites: the Lab's system health and one paging composite per severity."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns

from constructs_lib.monitoring.composites import SeverityCompositeAlarms
from constructs_lib.monitoring.service_alarms import ServiceAlarms
from tests.constructs_lib.monitoring.alarm_app import ASG, ENV, find_alarm, rule_children


def test_system_health_is_cpu_or_memory_and_latency_anomaly(monitoring_app):
    raw = monitoring_app["raw"]
    _, props = find_alarm(raw, "webapp-prod-web-system-health-high")
    cpu, _ = find_alarm(raw, "webapp-prod-web-cpu-medium")
    memory, _ = find_alarm(raw, "webapp-prod-web-memory-medium")
    anomaly, _ = find_alarm(raw, "webapp-prod-web-latency-anomaly-medium")
    rendered = "".join(
        p if isinstance(p, str) else f"<{p['Fn::GetAtt'][0]}>" for p in props["AlarmRule"]["Fn::Join"][1]
    )
    assert rendered == f'((ALARM("<{cpu}>") OR ALARM("<{memory}>")) AND ALARM("<{anomaly}>"))'
    assert "AlarmActions" not in props


def test_one_composite_per_severity_from_the_alarms_carrying_it_with_paging_actions(monitoring_app):
    raw = monitoring_app["raw"]
    topics = {
        r["Properties"]["TopicName"].rsplit("-", 1)[1]: logical_id
        for logical_id, r in raw["Resources"].items()
        if r["Type"] == "AWS::SNS::Topic"
    }
    (pause_id, _) = find_alarm(raw, "webapp-prod-operations-paused-low")
    expected_children = {
        "low": ["cpu-early-warning-low"],
        "medium": ["cpu-medium", "memory-medium", "latency-medium", "latency-anomaly-medium"],
        "high": [
            "5xx-rate-high", "unhealthy-hosts-high", "in-service-shortfall-high", "status-check-failed-high",
            "healing-errors-high", "healing-dlq-depth-high", "db-cpu-high", "db-free-storage-high",
            "db-freeable-memory-high", "system-health-high", "slo-burn-slow-high",
        ],
        "critical": ["slo-burn-fast-critical"],
    }  # fmt: skip
    for severity, children in expected_children.items():
        _, props = find_alarm(raw, f"webapp-prod-web-incident-{severity}")
        assert rule_children(props["AlarmRule"]) == {
            find_alarm(raw, f"webapp-prod-web-{c}")[0] for c in children
        }
        assert props["AlarmActions"] == [{"Ref": topics[severity]}]
        assert props["OKActions"] == [{"Ref": topics[severity]}]
        assert props["ActionsSuppressor"] == {"Fn::GetAtt": [pause_id, "Arn"]}
        assert (props["ActionsSuppressorWaitPeriod"], props["ActionsSuppressorExtensionPeriod"]) == (120, 300)
    # and their literal names feed EscalationPolicy(alarm_names=...)
    assert monitoring_app["incidents"].alarm_names("high", "critical") == [
        "webapp-prod-web-incident-high",
        "webapp-prod-web-incident-critical",
    ]


def test_fails_when_a_severity_has_alarms_but_no_topic():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    alarms = ServiceAlarms(
        stack, "Web", app_name="webapp", environment_name="prod", component="web", auto_scaling_group=ASG
    )
    with pytest.raises(
        ValueError, match="notification_topics has no 'low' topic but alarms carry that severity"
    ):
        SeverityCompositeAlarms(
            stack, "Incidents", app_name="webapp", environment_name="prod", component="web", sources=[alarms],
            notification_topics={"medium": sns.Topic(stack, "M"), "high": sns.Topic(stack, "H")},
        )  # fmt: skip
