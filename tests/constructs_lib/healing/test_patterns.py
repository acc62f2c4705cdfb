"""The healing rules' event patterns, taken from the synthesized template, against real-shaped events.

Matching uses moto's EventBridge pattern engine (``moto.events.models.EventPattern``), which
implements prefix, anything-but (with wildcard), exists and array semantics the way EventBridge
documents them; the SNS path uses moto's SNS filter-policy engine (``FilterPolicyMatcher``) with
the message-body scope. Sample events: tests/events/ (see its README).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from moto.events.models import EventPattern
from moto.sns.utils import FilterPolicyMatcher

from constructs_lib._core import Naming
from constructs_lib.alerting import PauseSwitch
from constructs_lib.healing import (
    AutoHealing,
    alarm_state_change_pattern,
    auto_scaling_failure_pattern,
    ec2_health_pattern,
    ec2_state_change_pattern,
    rds_instance_event_pattern,
)
from tests.events import load_event

ENV = cdk.Environment(account="123456789012", region="ap-northeast-1")
ALARM_ARN = "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:"
RULES = ("Ec2StateChange", "Ec2Health", "AlarmStateChange", "AutoScalingFailure", "RdsInstanceEvent")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def variant(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``event`` with dotted paths replaced: ``variant(e, **{"detail.state": "running"})``."""
    changed = copy.deepcopy(event)
    for path, value in changes.items():
        node = changed
        *parents, leaf = path.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return changed


def resolve(node: Any) -> Any:
    """Resolve the pseudo parameters and Fn::Join CDK leaves in a pattern (partition: aws)."""
    if isinstance(node, dict):
        if set(node) == {"Ref"}:
            pseudo = {"AWS::Partition": "aws", "AWS::Region": ENV.region, "AWS::AccountId": ENV.account}
            return pseudo.get(node["Ref"], f"<{node['Ref']}>")
        if set(node) == {"Fn::Join"}:
            separator, parts = node["Fn::Join"]
            return separator.join(str(resolve(part)) for part in parts)
        return {key: resolve(value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value) for value in node]
    return node


def make_topic(stack: cdk.Stack, id: str) -> sns.Topic:
    key = kms.Key(stack, f"{id}Key", enable_key_rotation=True)
    return sns.Topic(stack, id, master_key=key, enforce_ssl=True)


# --------------------------------------------------------------------------------------------
# one synthesis for the module
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Any]:
    """Stack name -> {"template": ..., "rules": rule id -> logical id}."""
    outdir = tmp_path_factory.mktemp("patterns")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)

    stack = cdk.Stack(app, "Patterns", env=ENV)
    high = make_topic(stack, "High")
    prod = AutoHealing(
        stack,
        "Healing",
        naming=Naming(app="web", environment="prod"),
        notification_topics={"high": high},
        pause_switch=PauseSwitch.from_parameter_name(stack, "Pause", "/web/prod/pause"),
        alarm_topics_to_subscribe=[high],
    )
    stg_stack = cdk.Stack(app, "PatternsStg", env=ENV)
    stg = AutoHealing(
        stg_stack,
        "Healing",
        naming=Naming(app="web", environment="stg"),
        notification_topics={"high": make_topic(stg_stack, "High")},
        pause_switch=PauseSwitch.from_parameter_name(stg_stack, "Pause", "/web/stg/pause"),
    )
    scoped_stack = cdk.Stack(app, "Scoped", env=ENV)
    scoped = AutoHealing(
        scoped_stack,
        "Healing",
        naming=Naming(app="web", environment="prod"),
        notification_topics={"high": make_topic(scoped_stack, "High")},
        pause_switch=PauseSwitch.from_parameter_name(scoped_stack, "Pause", "/web/prod/pause"),
        auto_scaling_group_names=["web-prod-asg"],
        db_instance_identifiers=["web-prod-db"],
    )
    assembly = app.synth()
    return {
        healing_stack.stack_name: {
            "template": assembly.get_stack_by_name(healing_stack.stack_name).template,
            "rules": {
                rule_id: healing_stack.get_logical_id(rule.node.default_child)
                for rule_id, rule in healing.rules.items()
            },
        }
        for healing_stack, healing in ((stack, prod), (stg_stack, stg), (scoped_stack, scoped))
    }


def pattern(templates: dict[str, Any], rule: str, stack: str = "Patterns") -> dict[str, Any]:
    logical_id = templates[stack]["rules"][rule]
    return resolve(templates[stack]["template"]["Resources"][logical_id]["Properties"]["EventPattern"])


def matches(templates: dict[str, Any], rule: str, event: dict[str, Any], stack: str = "Patterns") -> bool:
    return EventPattern.load(json.dumps(pattern(templates, rule, stack))).matches_event(event)


def matching_rules(templates: dict[str, Any], event: dict[str, Any], stack: str = "Patterns") -> set[str]:
    return {rule for rule in RULES if matches(templates, rule, event, stack)}


# --------------------------------------------------------------------------------------------
# the template holds the documented patterns, and none is `source` alone
# --------------------------------------------------------------------------------------------
def test_template_patterns_are_the_documented_ones(templates):
    assert pattern(templates, "Ec2StateChange") == ec2_state_change_pattern()
    assert pattern(templates, "Ec2Health") == ec2_health_pattern()
    assert pattern(templates, "AlarmStateChange") == alarm_state_change_pattern(
        "web-prod-", "web-prod-autoheal-"
    )
    assert pattern(templates, "AutoScalingFailure") == auto_scaling_failure_pattern()
    assert pattern(templates, "RdsInstanceEvent") == rds_instance_event_pattern()
    assert pattern(templates, "AutoScalingFailure", "Scoped") == auto_scaling_failure_pattern(
        ["web-prod-asg"]
    )
    assert pattern(templates, "RdsInstanceEvent", "Scoped") == rds_instance_event_pattern(["web-prod-db"])


@pytest.mark.parametrize("rule", RULES)
def test_no_pattern_is_source_alone(templates, rule):
    event_pattern = pattern(templates, rule)
    assert event_pattern["source"] and len(event_pattern["source"]) == 1
    assert event_pattern["detail-type"], f"{rule} matches on source alone"


# --------------------------------------------------------------------------------------------
# each sample reaches exactly the rule meant for it
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sample", "changes", "expected"),
    [
        ("ec2-instance-state-change-stopped.json", {}, {"Ec2StateChange"}),
        ("ec2-instance-state-change-stopped.json", {"detail.state": "stopping"}, {"Ec2StateChange"}),
        ("ec2-instance-state-change-stopped.json", {"detail.state": "terminated"}, {"Ec2StateChange"}),
        ("health-ec2-simplified-auto-recovery-failure.json", {}, {"Ec2Health"}),
        (
            "health-ec2-simplified-auto-recovery-failure.json",
            {"detail.eventTypeCode": "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS"},
            {"Ec2Health"},
        ),
        ("health-ec2-persistent-instance-retirement-scheduled.json", {}, {"Ec2Health"}),
        (
            "health-ec2-persistent-instance-retirement-scheduled.json",
            {"detail.eventTypeCode": "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED"},
            {"Ec2Health"},
        ),
        ("cloudwatch-alarm-state-change-alarm.json", {}, {"AlarmStateChange"}),
        ("cloudwatch-metric-math-alarm-state-change-alarm.json", {}, {"AlarmStateChange"}),
        ("autoscaling-launch-unsuccessful.json", {}, {"AutoScalingFailure"}),
        ("autoscaling-terminate-unsuccessful.json", {}, {"AutoScalingFailure"}),
        ("rds-db-instance-event-failover.json", {}, {"RdsInstanceEvent"}),
        ("rds-db-instance-event-failure.json", {}, {"RdsInstanceEvent"}),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_sample_reaches_exactly_its_rule(templates, sample, changes, expected):
    assert matching_rules(templates, variant(load_event(sample), **changes)) == expected


@pytest.mark.parametrize(
    ("sample", "changes", "why"),
    [
        ("ec2-instance-state-change-stopped.json", {"detail.state": "running"}, "running is healthy"),
        ("ec2-instance-state-change-stopped.json", {"detail.state": "pending"}, "pending is booting"),
        ("ec2-instance-state-change-stopped.json", {"detail.state": "shutting-down"}, "not a listed state"),
        ("ec2-instance-state-change-stopped.json", {"source": "custom.ec2"}, "another source"),
        (
            "ec2-instance-state-change-stopped.json",
            {"detail-type": "EC2 Spot Instance Interruption Warning"},
            "another detail-type",
        ),
        ("health-ec2-network-maintenance-scheduled.json", {}, "another Health event type"),
        ("health-ec2-simplified-auto-recovery-failure.json", {"detail.service": "RDS"}, "another service"),
        (
            "health-ec2-simplified-auto-recovery-failure.json",
            {"detail-type": "AWS Health Abuse Event"},
            "abuse events are not failures",
        ),
        ("cloudwatch-alarm-state-change-alarm.json", {"detail.state.value": "OK"}, "back to OK"),
        (
            "cloudwatch-alarm-state-change-alarm.json",
            {"detail.state.value": "INSUFFICIENT_DATA"},
            "no data is not a failure",
        ),
        (
            "cloudwatch-alarm-state-change-alarm.json",
            {
                "detail.alarmName": "web-stg-instance-cpu-High",
                "resources": [ALARM_ARN + "web-stg-instance-cpu-High"],
            },
            "another environment's alarm",
        ),
        (
            "cloudwatch-alarm-state-change-alarm.json",
            {
                "detail.alarmName": "web-prod2-instance-cpu-High",
                "resources": [ALARM_ARN + "web-prod2-instance-cpu-High"],
            },
            "an environment whose name merely starts with prod",
        ),
        (
            "cloudwatch-alarm-state-change-alarm.json",
            {
                "detail.alarmName": "web-prod-autoheal-errors-high",
                "resources": [ALARM_ARN + "web-prod-autoheal-errors-high"],
            },
            "the healing function's own alarm",
        ),
        ("cloudwatch-composite-alarm-state-change-alarm.json", {}, "composite alarms go to escalation"),
        ("cloudwatch-alarm-state-change-alarm.json", {"source": "aws.events"}, "another source"),
        (
            "autoscaling-launch-unsuccessful.json",
            {"detail-type": "EC2 Instance Launch Successful"},
            "a successful launch",
        ),
        ("rds-db-instance-event-backup.json", {}, "a backup notification"),
        ("rds-db-instance-event-failover.json", {"detail-type": "RDS DB Cluster Event"}, "cluster events"),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else None,
)
def test_event_reaches_no_rule(templates, sample, changes, why):
    assert matching_rules(templates, variant(load_event(sample), **changes)) == set(), why


# --------------------------------------------------------------------------------------------
# environments and scoping
# --------------------------------------------------------------------------------------------
def test_each_environment_receives_only_its_own_alarms(templates):
    prod_alarm = load_event("cloudwatch-alarm-state-change-alarm.json")
    stg_alarm = variant(
        prod_alarm,
        **{
            "detail.alarmName": "web-stg-instance-cpu-High",
            "resources": [ALARM_ARN + "web-stg-instance-cpu-High"],
        },
    )
    assert matches(templates, "AlarmStateChange", prod_alarm, "Patterns")
    assert not matches(templates, "AlarmStateChange", stg_alarm, "Patterns")
    assert matches(templates, "AlarmStateChange", stg_alarm, "PatternsStg")
    assert not matches(templates, "AlarmStateChange", prod_alarm, "PatternsStg")


def test_scoped_rules_accept_only_the_named_group_and_database(templates):
    launch = load_event("autoscaling-launch-unsuccessful.json")
    failover = load_event("rds-db-instance-event-failover.json")
    assert matches(templates, "AutoScalingFailure", launch, "Scoped")
    assert not matches(
        templates,
        "AutoScalingFailure",
        variant(launch, **{"detail.AutoScalingGroupName": "web-stg-asg"}),
        "Scoped",
    )
    assert matches(templates, "RdsInstanceEvent", failover, "Scoped")
    assert not matches(
        templates,
        "RdsInstanceEvent",
        variant(failover, **{"detail.SourceIdentifier": "web-stg-db"}),
        "Scoped",
    )


# --------------------------------------------------------------------------------------------
# the SNS path (alarm notifications delivered by a topic)
# --------------------------------------------------------------------------------------------
def alarm_notification(**changes: Any) -> str:
    record = load_event("sns-cloudwatch-alarm-notification.json")["Records"][0]["Sns"]
    message = json.loads(record["Message"])
    message.update(changes)
    return json.dumps(message)


@pytest.fixture(scope="module")
def subscription(templates) -> dict[str, Any]:
    found = [
        resolve(r["Properties"])
        for r in templates["Patterns"]["template"]["Resources"].values()
        if r["Type"] == "AWS::SNS::Subscription"
    ]
    assert len(found) == 1
    return found[0]


def test_sns_subscription_filters_the_message_body_and_has_a_dead_letter_queue(subscription):
    assert subscription["Protocol"] == "lambda"
    assert subscription["FilterPolicyScope"] == "MessageBody"
    assert "deadLetterTargetArn" in subscription["RedrivePolicy"]


@pytest.mark.parametrize(
    ("changes", "delivered"),
    [
        ({}, True),
        ({"NewStateValue": "OK"}, False),
        ({"NewStateValue": "INSUFFICIENT_DATA"}, False),
        (
            {
                "AlarmName": "web-stg-instance-cpu-High",
                "AlarmArn": ALARM_ARN + "web-stg-instance-cpu-High",
            },
            False,
        ),
        (
            {
                "AlarmName": "web-prod-autoheal-dlq-high",
                "AlarmArn": ALARM_ARN + "web-prod-autoheal-dlq-high",
            },
            False,
        ),
    ],
    ids=["prod-alarm", "ok", "insufficient-data", "other-environment", "own-alarm"],
)
def test_sns_filter_policy(subscription, changes, delivered):
    matcher = FilterPolicyMatcher(subscription["FilterPolicy"], subscription["FilterPolicyScope"])
    assert matcher.matches(None, alarm_notification(**changes)) is delivered
