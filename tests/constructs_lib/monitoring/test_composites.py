"""Composites: system health and one paging composite per severity."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from constructs_lib._core import Severity, SeverityAlarm
from constructs_lib.monitoring.composites import SeverityCompositeAlarms
from constructs_lib.monitoring.metrics import WebServiceMetricFactory
from constructs_lib.monitoring.service_alarms import ServiceAlarms
from tests.constructs_lib.monitoring.alarm_app import ASG, ENV, NAMING, find_alarm, rule_children


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


def test_composites_are_handed_out_in_the_one_alarm_shape(monitoring_app):
    incidents = monitoring_app["incidents"]
    assert [(a.severity, a.signal) for a in incidents.alarms] == [
        (s, "incident") for s in ("low", "medium", "high", "critical")
    ]
    assert all(isinstance(a, SeverityAlarm) for a in incidents.alarms)
    assert incidents.alarms[2].alarm is incidents.alarm("high")
    assert incidents.severities == tuple(Severity)


def _stack_with_alarms() -> tuple[cdk.Stack, ServiceAlarms, dict[str, sns.ITopic]]:
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    alarms = ServiceAlarms(
        stack, "Web", naming=NAMING, metrics=WebServiceMetricFactory(auto_scaling_group_name=ASG)
    )
    topics = {s: sns.Topic(stack, s.label) for s in Severity}
    return stack, alarms, topics


def test_any_alarm_source_plain_severity_alarms_and_lists_of_them_mix():
    # given a construct, one imported alarm wrapped with its severity and a list of wrapped alarms
    stack, alarms, topics = _stack_with_alarms()
    imported = cloudwatch.Alarm.from_alarm_arn(
        stack, "Imported", f"arn:aws:cloudwatch:{ENV.region}:{ENV.account}:alarm:someone-elses-critical"
    )
    incidents = SeverityCompositeAlarms(
        stack, "Incidents", naming=NAMING, notification_topics=topics,
        sources=[alarms, SeverityAlarm(imported, Severity.CRITICAL), [SeverityAlarm(imported, "high")]],
    )  # fmt: skip
    # then each lands in its severity's composite
    assert incidents.severities == tuple(Severity)
    rule = stack.resolve(incidents.alarm("critical").node.default_child.alarm_rule)
    assert "someone-elses-critical" in str(rule)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda a: {"high": [a.alarm("cpu")]}, r"sources\[0\] is a dict, not an alarm source"),
        (lambda a: a.alarm("cpu"), r"sources\[0\] is a bare Alarm without a severity"),
        (lambda a: [a.alarm("cpu")], r"sources\[0\]\[0\] is a Alarm, not a SeverityAlarm"),
        (lambda a: "webapp-prod-web-cpu-medium", r"sources\[0\] is a str, not an alarm source"),
        (lambda a: 42, r"sources\[0\] \(int\) has no 'alarms'"),
        (
            lambda a: type("OldHealing", (), {"alarms": [a.alarm("cpu")]})(),
            r"sources\[0\]\.alarms \(OldHealing\)\[0\] is a Alarm, not a SeverityAlarm",
        ),
    ],
    ids=["mapping", "bare-alarm", "list-of-alarms", "string", "number", "source-with-plain-alarms"],
)
def test_fails_with_a_clear_type_error_when_a_source_has_the_wrong_shape(wrong, message):
    # given the retired shapes (a severity mapping, bare alarms) and other mistakes
    stack, alarms, topics = _stack_with_alarms()
    # then the error names the entry and the fix, before jsii sees anything
    with pytest.raises(TypeError, match=message) as raised:
        SeverityCompositeAlarms(
            stack, "Incidents", naming=NAMING, sources=[wrong(alarms)], notification_topics=topics
        )
    assert "SeverityAlarm(alarm, Severity.HIGH)" in str(raised.value)


def test_fails_when_sources_is_a_mapping():
    stack, alarms, topics = _stack_with_alarms()
    with pytest.raises(TypeError, match="sources must be a list, got dict"):
        SeverityCompositeAlarms(
            stack, "Incidents", naming=NAMING, sources={"high": alarms}, notification_topics=topics
        )


def test_fails_when_a_severity_has_alarms_but_no_topic():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    alarms = ServiceAlarms(
        stack, "Web", naming=NAMING, metrics=WebServiceMetricFactory(auto_scaling_group_name=ASG)
    )
    with pytest.raises(
        ValueError, match="notification_topics has no 'low' topic but alarms carry that severity"
    ):
        SeverityCompositeAlarms(
            stack, "Incidents", naming=NAMING, sources=[alarms],
            notification_topics={"medium": sns.Topic(stack, "M"), "high": sns.Topic(stack, "H")},
        )  # fmt: skip


@pytest.mark.parametrize("add", ["add_alarm_action", "add_ok_action", "add_insufficient_data_action"])
def test_fails_at_synth_when_a_child_pages_on_its_own(add):
    # given a child alarm that notifies a topic itself, under a composite that pages for it
    stack, alarms, topics = _stack_with_alarms()
    getattr(alarms.alarm("cpu"), add)(cloudwatch_actions.SnsAction(topics[Severity.MEDIUM]))
    SeverityCompositeAlarms(stack, "Incidents", naming=NAMING, sources=[alarms], notification_topics=topics)
    # then the synth fails, naming the child and why
    with pytest.raises(
        RuntimeError, match=r"S/Web/CpuMedium is a child of the medium incident composite"
    ) as raised:
        Template.from_stack(stack)
    assert "page twice, once past the actions suppressor" in str(raised.value)


def test_children_without_actions_synthesize():
    stack, alarms, topics = _stack_with_alarms()
    SeverityCompositeAlarms(stack, "Incidents", naming=NAMING, sources=[alarms], notification_topics=topics)
    Template.from_stack(stack).resource_count_is("AWS::CloudWatch::CompositeAlarm", 3)
