"""Every supported event shape parses into its dataclass; anything else becomes Ignored."""

from __future__ import annotations

import copy
import json

import pytest

from lambda_src.auto_heal.events import (
    AlarmStateChange,
    DatabaseEvent,
    Detection,
    GroupActivityFailed,
    Ignored,
    InstanceHealthEvent,
    InstanceStateChange,
    MetricRef,
    parse_event,
)
from tests.events import load_event


def only(raw):
    (parsed,) = parse_event(raw)
    return parsed


def test_ec2_state_change():
    parsed = only(load_event("ec2-instance-state-change-stopped"))
    assert parsed == InstanceStateChange(
        event_id="7bf73129-1428-4cd3-a780-95db273d1602",
        time="2026-11-20T02:41:54Z",
        instance_id="i-0abcd1111aaaa2222",
        state="stopped",
    )


def test_aws_health_event_names_the_instances():
    parsed = only(load_event("aws-health-ec2-auto-recovery-failure"))
    assert isinstance(parsed, InstanceHealthEvent)
    assert parsed.type_code == "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE"
    assert parsed.status_code == "open"
    assert parsed.instance_ids == ("i-0abcd1111aaaa2222",)


def test_alarm_state_change_by_eventbridge():
    parsed = only(load_event("cloudwatch-alarm-state-change-alarm"))
    assert isinstance(parsed, AlarmStateChange)
    assert (parsed.alarm_name, parsed.state, parsed.previous_state) == (
        "web-prod-instance-cpu-High",
        "ALARM",
        "OK",
    )
    assert parsed.metrics == (
        MetricRef("AWS/EC2", "CPUUtilization", (("InstanceId", "i-0abcd1111aaaa2222"),)),
    )
    assert parsed.delivered_by == "eventbridge"
    assert not parsed.composite


def test_alarm_notification_by_sns_matches_the_eventbridge_shape():
    by_sns = only(load_event("sns-cloudwatch-alarm-notification"))
    by_eventbridge = only(load_event("cloudwatch-alarm-state-change-alarm"))
    assert isinstance(by_sns, AlarmStateChange)
    assert by_sns.event_id == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"  # the SNS MessageId
    assert by_sns.delivered_by == "sns"
    assert (by_sns.alarm_name, by_sns.state, by_sns.metrics) == (
        by_eventbridge.alarm_name,
        by_eventbridge.state,
        by_eventbridge.metrics,
    )


def test_sns_metric_math_alarm_lists_its_metric_stats():
    raw = load_event("sns-cloudwatch-alarm-notification")
    message = json.loads(raw["Records"][0]["Sns"]["Message"])
    message["Trigger"] = {
        "Metrics": [
            {"Id": "e1", "Expression": "m1 * 1", "ReturnData": True},
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {
                        "Dimensions": [{"value": "webapp-prod-web", "name": "AutoScalingGroupName"}],
                        "MetricName": "mem_used_percent",
                        "Namespace": "CWAgent",
                    },
                    "Period": 60,
                    "Stat": "Average",
                },
                "ReturnData": False,
            },
        ]
    }
    raw["Records"][0]["Sns"]["Message"] = json.dumps(message)
    parsed = only(raw)
    assert parsed.metrics == (
        MetricRef("CWAgent", "mem_used_percent", (("AutoScalingGroupName", "webapp-prod-web"),)),
    )


def test_composite_alarm_is_marked_composite():
    parsed = only(load_event("cloudwatch-alarm-state-change-composite"))
    assert parsed.composite
    assert parsed.metrics == ()


def test_metric_math_alarm_keeps_only_its_metric_stats():
    parsed = only(load_event("cloudwatch-alarm-state-change-metric-math"))
    assert [m.name for m in parsed.metrics] == ["HTTPCode_Target_5XX_Count", "RequestCount"]


def test_launch_unsuccessful():
    parsed = only(load_event("autoscaling-launch-unsuccessful"))
    assert isinstance(parsed, GroupActivityFailed)
    assert (parsed.activity, parsed.group_name, parsed.availability_zone) == (
        "launch",
        "web-prod-asg",
        "ap-northeast-1c",
    )
    assert "sufficient t3.micro capacity" in parsed.status_message
    assert parsed.instance_id == ""


def test_terminate_unsuccessful():
    raw = load_event("autoscaling-launch-unsuccessful")
    raw["detail-type"] = "EC2 Instance Terminate Unsuccessful"
    assert only(raw).activity == "terminate"


def test_rds_event():
    parsed = only(load_event("rds-db-instance-event-failover"))
    assert isinstance(parsed, DatabaseEvent)
    assert (parsed.db_identifier, parsed.event_code, parsed.categories) == (
        "web-prod-db",
        "RDS-EVENT-0049",
        ("failover",),
    )


def test_several_sns_records_give_several_events():
    raw = load_event("sns-cloudwatch-alarm-notification")
    second = copy.deepcopy(raw["Records"][0])
    second["Sns"]["MessageId"] = "another-message-id"
    raw["Records"].append(second)
    assert [p.event_id for p in parse_event(raw)] == [
        "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "another-message-id",
    ]


def mutate(name, path, value):
    raw = load_event(name)
    target = raw
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "payload is a NoneType"),
        ([], "payload is a list"),
        ({}, "without a valid id"),
        ({"Records": []}, "Records is not a non-empty list"),
        ({"Records": [{"EventSource": "aws:sqs"}]}, "not an SNS notification"),
        (
            mutate("ec2-instance-state-change-stopped", ["detail", "instance-id"], "i-zzz"),
            "valid instance-id",
        ),
        (
            mutate("ec2-instance-state-change-stopped", ["detail", "instance-id"], ["i-0abcd1111aaaa2222"]),
            "instance-id",
        ),
        (mutate("ec2-instance-state-change-stopped", ["detail", "state"], "hibernating"), "unknown state"),
        (mutate("ec2-instance-state-change-stopped", ["detail"], "stopped"), "no detail object"),
        (mutate("ec2-instance-state-change-stopped", ["time"], KeyError), "without a valid time"),
        (mutate("ec2-instance-state-change-stopped", ["detail-type"], ["x"]), "unsupported event"),
        (mutate("ec2-instance-state-change-stopped", ["source"], "aws.s3"), "unsupported event"),
        (mutate("aws-health-ec2-auto-recovery-failure", ["detail", "service"], "RDS"), "for service 'RDS'"),
        (mutate("aws-health-ec2-auto-recovery-failure", ["detail", "affectedEntities"], []), None),
        (mutate("cloudwatch-alarm-state-change-alarm", ["detail", "state"], "ALARM"), "no state value"),
        (
            mutate("autoscaling-launch-unsuccessful", ["detail", "AutoScalingGroupName"], "a:b"),
            "AutoScalingGroupName",
        ),
        (mutate("rds-db-instance-event-failover", ["detail", "EventCategories"], "failover"), "not a list"),
        (mutate("rds-db-instance-event-failover", ["detail", "SourceType"], "CLUSTER"), "source type"),
        (
            mutate("sns-cloudwatch-alarm-notification", ["Records", 0, "Sns", "Message"], "{not json"),
            "not JSON",
        ),
        (
            mutate("sns-cloudwatch-alarm-notification", ["Records", 0, "Sns", "Message"], '{"a": 1}'),
            "not a CloudWatch",
        ),
        (mutate("sns-cloudwatch-alarm-notification", ["Records", 0, "Sns", "MessageId"], 7), "MessageId"),
    ],
)
def test_malformed_or_unknown_events_are_ignored_with_a_reason(raw, reason):
    parsed = parse_event(raw)
    if reason is None:  # the health event still names the instance in `resources`
        assert isinstance(parsed[0], InstanceHealthEvent)
        return
    (ignored,) = parsed
    assert isinstance(ignored, Ignored)
    assert reason in ignored.reason


def detection(**detail):
    return {
        "id": "detector-1",
        "source": "autoheal.detector",
        "detail-type": "Incident Detected",
        "account": "123456789012",
        "region": "ap-northeast-1",
        "time": "2026-11-20T02:41:54Z",
        "detail": detail,
    }


def test_a_finding_of_the_detector_parses_with_its_resource_checked_by_kind():
    parsed = only(detection(kind="group-capacity", resource_id="webapp-prod-web", facts={"severity": "high"}))
    assert isinstance(parsed, Detection)
    assert (parsed.kind, parsed.resource_id, parsed.facts) == (
        "group-capacity", "webapp-prod-web", (("severity", "high"),),
    )  # fmt: skip
    for detail, reason in (
        ({"kind": "meteor", "resource_id": "x"}, "unknown kind"),
        (
            {"kind": "instance-impaired-system", "resource_id": "webapp-prod-web"},
            "without a valid resource_id",
        ),
        ({"kind": "health-check", "resource_id": "../../etc"}, "without a valid resource_id"),
    ):
        ignored = only(detection(**detail))
        assert isinstance(ignored, Ignored) and reason in ignored.reason
