"""The events the drills build, checked three ways: their shape against the documented samples,
the healing function's own parser, and the healing rules' real patterns (moto's matcher)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from constructs_lib.healing import (
    alarm_state_change_pattern,
    auto_scaling_failure_pattern,
    ec2_state_change_pattern,
)
from lambda_src.auto_heal.events import (
    AlarmStateChange,
    GroupActivityFailed,
    InstanceStateChange,
    parse_event,
)
from tests.events import load_event
from tools.gameday import aws_events
from tools.gameday.emulator import Emulator
from tools.gameday.routing import matches, route, target_input

ACCOUNT, REGION = "111111111111", "ap-northeast-1"
ALARMS = alarm_state_change_pattern("webapp-dev-", "webapp-dev-autoheal-")
GROUP = "Dev-Tokyo-Compute-WebGroupASG5FD1935A-ABCDEFGH1234"
AT = datetime(2026, 11, 20, 3, 4, 40, 551000, tzinfo=UTC)


def _keys(node: object, prefix: str = "") -> set[str]:
    if not isinstance(node, dict):
        return set()
    return {f"{prefix}{k}" for k in node} | {
        key for k, v in node.items() if k != "dimensions" for key in _keys(v, f"{prefix}{k}.")
    }


def _metric_alarm(name: str = "webapp-dev-web-cpu-medium", **extra: object) -> dict:
    return {
        "AlarmName": name,
        "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}",
        "AlarmDescription": "CPU above 80 %",
        "StateValue": "ALARM",
        "StateReason": "Threshold Crossed: 2 datapoint(s) were greater than the threshold (80.0).",
        "StateUpdatedTimestamp": AT,
        "Namespace": "AWS/EC2",
        "MetricName": "CPUUtilization",
        "Dimensions": [{"Name": "AutoScalingGroupName", "Value": GROUP}],
        "Period": 60,
        "Statistic": "Average",
        **extra,
    }


def _alarm_event(alarm: dict) -> dict:
    return aws_events.alarm_state_change(
        account=ACCOUNT, region=REGION, alarm=alarm, previous_value="OK", previous_reason="", previous_at=AT
    )


# --------------------------------------------------------------------------------------------
# EC2 state change
# --------------------------------------------------------------------------------------------
def test_an_instance_state_change_has_the_documented_shape_and_parses():
    event = aws_events.ec2_state_change(
        account=ACCOUNT, region=REGION, instance_id="i-0abcd1111aaaa2222", state="stopped", at=AT
    )

    assert _keys(event) == _keys(load_event("ec2-instance-state-change-stopped.json"))
    assert event["time"] == "2026-11-20T03:04:40Z"
    (parsed,) = parse_event(event)
    assert parsed == InstanceStateChange(event["id"], event["time"], "i-0abcd1111aaaa2222", "stopped")


@pytest.mark.parametrize(("state", "routed"), [("stopped", True), ("stopping", True), ("running", False)])
def test_the_state_change_rule_takes_going_instances_only(state, routed):
    event = aws_events.ec2_state_change(
        account=ACCOUNT, region=REGION, instance_id="i-0abcd1111aaaa2222", state=state
    )

    assert matches(ec2_state_change_pattern(), event) is routed


# --------------------------------------------------------------------------------------------
# alarm state change
# --------------------------------------------------------------------------------------------
def test_an_alarm_state_change_has_the_documented_shape_and_parses():
    event = _alarm_event(_metric_alarm())

    sample = load_event("cloudwatch-alarm-state-change-alarm.json")
    assert _keys(event) == _keys(sample)
    assert event["detail"]["state"]["timestamp"] == "2026-11-20T03:04:40.551+0000"
    (parsed,) = parse_event(event)
    assert isinstance(parsed, AlarmStateChange)
    assert (parsed.alarm_name, parsed.state, parsed.composite) == (
        "webapp-dev-web-cpu-medium",
        "ALARM",
        False,
    )
    assert parsed.metrics[0].dimension("AutoScalingGroupName") == GROUP


def test_a_metric_math_alarm_event_carries_every_query():
    alarm = _metric_alarm(
        "webapp-dev-web-5xx-rate-high",
        Namespace=None,
        MetricName=None,
        Dimensions=[],
        Metrics=[
            {"Id": "rate", "Expression": "100 * errors", "Label": "5xx rate", "ReturnData": True},
            {
                "Id": "errors",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/ApplicationELB",
                        "MetricName": "HTTPCode_Target_5XX_Count",
                        "Dimensions": [{"Name": "LoadBalancer", "Value": "app/web/1"}],
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
        ],
    )

    metrics = _alarm_event(alarm)["detail"]["configuration"]["metrics"]

    sample = load_event("cloudwatch-metric-math-alarm-state-change-alarm.json")["detail"]["configuration"][
        "metrics"
    ]
    assert [m["id"] for m in metrics] == ["rate", "errors"]
    assert [_keys(m) for m in metrics] == [_keys(sample[0]), _keys(sample[1])]
    assert metrics[0] == {"id": "rate", "returnData": True, "expression": "100 * errors", "label": "5xx rate"}
    assert metrics[1]["metricStat"]["metric"]["dimensions"] == {"LoadBalancer": "app/web/1"}


def test_the_alarm_rule_takes_this_environments_metric_alarms_only():
    assert matches(ALARMS, _alarm_event(_metric_alarm()))
    assert not matches(ALARMS, _alarm_event(_metric_alarm("webapp-prod-web-cpu-medium")))
    assert not matches(ALARMS, _alarm_event(_metric_alarm("webapp-dev-autoheal-errors-high")))
    assert not matches(ALARMS, _alarm_event(_metric_alarm(StateValue="OK")))


def test_the_alarm_rule_leaves_composite_alarms_to_escalation():
    composite = _alarm_event(_metric_alarm("webapp-dev-web-incident-medium", AlarmRule='ALARM("x")'))

    assert composite["detail"]["configuration"]["alarmRule"] == 'ALARM("x")'
    assert "metrics" not in composite["detail"]["configuration"]
    assert not matches(ALARMS, composite)


# --------------------------------------------------------------------------------------------
# launch failure
# --------------------------------------------------------------------------------------------
def test_a_launch_failure_has_the_documented_shape_parses_and_routes_for_its_group_only():
    event = aws_events.launch_unsuccessful(
        account=ACCOUNT,
        region=REGION,
        group_name=GROUP,
        group_arn=f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:1:autoScalingGroupName/{GROUP}",
        availability_zone="ap-northeast-1a",
        subnet_id="subnet-0a1b2c3d4e5f60718",
        status_message="We currently do not have sufficient t3.micro capacity in ap-northeast-1a.",
        cause="An instance was started in response to a difference between desired and actual capacity.",
    )

    assert _keys(event) == _keys(load_event("autoscaling-launch-unsuccessful.json"))
    (parsed,) = parse_event(event)
    assert isinstance(parsed, GroupActivityFailed)
    assert (parsed.activity, parsed.group_name, parsed.availability_zone) == (
        "launch",
        GROUP,
        "ap-northeast-1a",
    )
    assert matches(auto_scaling_failure_pattern([GROUP]), event)
    assert not matches(auto_scaling_failure_pattern(["another-group"]), event)


# --------------------------------------------------------------------------------------------
# routing through rules stored in the emulator
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def emulator():
    with Emulator(account=ACCOUNT) as running:
        yield running


def test_routes_to_the_targets_of_enabled_matching_rules_only(emulator):
    events = emulator.client("events", REGION)
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:heal"
    for name, state in (("stopped", "ENABLED"), ("stopped-disabled", "DISABLED")):
        events.put_rule(Name=name, EventPattern=json.dumps(ec2_state_change_pattern()), State=state)
        events.put_targets(Rule=name, Targets=[{"Id": "heal", "Arn": function}])
    events.put_rule(Name="alarms", EventPattern=json.dumps(ALARMS))
    events.put_targets(Rule="alarms", Targets=[{"Id": "heal", "Arn": function}])

    routes = route(
        emulator,
        aws_events.ec2_state_change(
            account=ACCOUNT, region=REGION, instance_id="i-0abcd1111aaaa2222", state="stopped"
        ),
        region=REGION,
    )

    assert [(r.rule_name, r.target_arn) for r in routes] == [("stopped", function)]


def test_a_target_with_an_input_path_gets_that_part_of_the_event(emulator):
    events = emulator.client("events", REGION)
    events.put_rule(Name="launches", EventPattern=json.dumps(auto_scaling_failure_pattern()))
    events.put_targets(
        Rule="launches",
        Targets=[
            {"Id": "t", "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:x", "InputPath": "$.detail"}
        ],
    )
    event = aws_events.launch_unsuccessful(
        account=ACCOUNT,
        region=REGION,
        group_name=GROUP,
        group_arn="arn",
        availability_zone="ap-northeast-1a",
        subnet_id="subnet-1",
        status_message="",
        cause="",
    )

    (matched,) = route(emulator, event, region=REGION)
    assert matched.payload == event["detail"]


def test_an_input_transformer_renders_its_template_as_eventbridge_documents():
    # EventBridge User Guide, "Transforming target input": outside quotes a value is inserted as JSON,
    # inside a JSON string as text; predefined variables name the rule.
    event = {"time": "2026-12-04T10:00:00Z", "detail": {"alarmName": "webapp-prod-incident-high", "n": 3}}
    target = {
        "InputTransformer": {
            "InputPathsMap": {"name": "$.detail.alarmName", "time": "$.time", "n": "$.detail.n"},
            "InputTemplate": (
                '{"alarmName":<name>,"enteredAlarmAt":<time>,'
                '"text":"<name> x<n> by <aws.events.rule-name>","count":<n>}'
            ),
        }
    }
    payload = target_input(target, event, rule_name="OnAlarm", rule_arn="arn:aws:events:r:1:rule/OnAlarm")
    assert payload == {
        "alarmName": "webapp-prod-incident-high",
        "enteredAlarmAt": "2026-12-04T10:00:00Z",
        "text": "webapp-prod-incident-high x3 by OnAlarm",
        "count": 3,
    }
    assert target_input({"Input": '{"fixed": true}'}, event, rule_name="r", rule_arn="a") == {"fixed": True}
    assert target_input({}, event, rule_name="r", rule_arn="a") == event
