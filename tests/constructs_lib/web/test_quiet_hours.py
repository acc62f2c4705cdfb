"""NightlyAlarmMute: the nightly stop's window for alarms no pause switch can silence.

The template is checked with aws_cdk.assertions; then each schedule's synthesized target (the API its
ARN names, with its synthesized input) is called against moto's CloudWatch, in order, to show the
night is quiet and a still-breaching alarm pages again in the morning.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Template
from moto import mock_aws

from constructs_lib._core import Naming
from constructs_lib.web import NightlyAlarmMute, NightlyStop
from constructs_lib.web.quiet_hours import REARM_DELAY_MINUTES
from tests.unit.quality import cfn_lint, synth_with_nag

ACCOUNT, REGION = "123456789012", "us-east-1"
ALARMS = ("webapp-stg-public-availability-critical", "webapp-stg-tokyo-alb-availability-critical")
STOP = NightlyStop(timezone="Asia/Tokyo", stop_cron="0 22 * * MON-FRI", start_cron="0 8 * * MON-FRI")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("quiet_hours")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Global", env=cdk.Environment(account=ACCOUNT, region=REGION))
    alarms = [cloudwatch.Alarm.from_alarm_name(stack, f"Alarm{i}", name) for i, name in enumerate(ALARMS)]
    NightlyAlarmMute(stack, "QuietHours", nightly_stop=STOP, alarms=alarms)
    templates, violations = synth_with_nag(app, outdir)
    return {
        "raw": templates["Global"],
        "template": Template.from_json(templates["Global"]),
        "violations": violations,
    }


def _schedules(raw: dict) -> dict[str, dict]:
    return {
        k.removeprefix("QuietHours")[:-8]: r["Properties"]
        for k, r in raw["Resources"].items()
        if r["Type"] == "AWS::Scheduler::Schedule"
    }


def test_mutes_with_the_pause_switch_and_re_arms_a_minute_after_unmuting(synthesized):
    schedules = _schedules(synthesized["raw"])
    assert {k: s["ScheduleExpression"] for k, s in schedules.items()} == {
        "MuteBeforeStop": "cron(55 21 ? * MON-FRI *)",  # the pause switch's 5 minutes before the stop
        "UnmuteAfterStart": "cron(15 8 ? * MON-FRI *)",  # ... and 15 after the start
        "Rearm0": f"cron({15 + REARM_DELAY_MINUTES} 8 ? * MON-FRI *)",
        "Rearm1": f"cron({15 + REARM_DELAY_MINUTES} 8 ? * MON-FRI *)",
    }
    assert {s["ScheduleExpressionTimezone"] for s in schedules.values()} == {"Asia/Tokyo"}
    for schedule in schedules.values():
        policy = schedule["Target"]["RetryPolicy"]
        assert (policy["MaximumRetryAttempts"], policy["MaximumEventAgeInSeconds"]) == (5, 600)


def test_each_role_may_call_only_its_api_on_only_these_alarms(synthesized):
    statements = [
        s
        for r in synthesized["raw"]["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    # (CDK gives both re-arm schedules one role: their targets are alike)
    assert sorted(s["Action"] for s in statements) == [
        "cloudwatch:DisableAlarmActions",
        "cloudwatch:EnableAlarmActions",
        "cloudwatch:SetAlarmState",
    ]
    for statement in statements:
        resources = json.dumps(statement["Resource"])
        assert all(name in resources for name in ALARMS) and "*" not in resources


def test_cdk_nag_has_no_unacknowledged_findings(synthesized):
    assert synthesized["violations"] == []


def test_cfn_lint_is_clean(synthesized):
    assert cfn_lint(synthesized["raw"], region=REGION) == []


def test_fails_without_alarms():
    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account=ACCOUNT, region=REGION))
    with pytest.raises(ValueError, match="alarms is empty"):
        NightlyAlarmMute(stack, "Q", nightly_stop=STOP, alarms=[])


def _call(client, schedule: dict) -> None:
    """Call the API a Scheduler universal target names (``arn:aws:scheduler:::aws-sdk:cloudwatch:<api>``)."""
    arn = schedule["Target"]["Arn"]
    api = arn if isinstance(arn, str) else "".join(p for p in arn["Fn::Join"][1] if isinstance(p, str))
    api = api.rsplit(":", 1)[-1]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in api)
    getattr(client, snake)(**json.loads(schedule["Target"]["Input"]))


@mock_aws
def test_the_night_is_quiet_and_an_alarm_still_breaching_in_the_morning_pages_again__in_moto(synthesized):
    cw = boto3.client("cloudwatch", region_name=REGION)
    for name in ALARMS:
        cw.put_metric_alarm(
            AlarmName=name, MetricName="HealthCheckStatus", Namespace="AWS/Route53", Statistic="Minimum",
            Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold",
            AlarmActions=[f"arn:aws:sns:{REGION}:{ACCOUNT}:critical"],
        )  # fmt: skip
    schedules = _schedules(synthesized["raw"])

    def enabled() -> set[bool]:
        return {a["ActionsEnabled"] for a in cw.describe_alarms(AlarmNames=list(ALARMS))["MetricAlarms"]}

    _call(cw, schedules["MuteBeforeStop"])
    assert enabled() == {False}
    for name in ALARMS:  # the stop: the checks fail all night
        cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="scaled to zero")
    _call(cw, schedules["UnmuteAfterStart"])
    assert enabled() == {True}
    # Enabling acts on no state already held: still ALARM, no transition, no page. Re-arming sets OK,
    # so the next evaluation of a still-failing check is a transition to ALARM again, which pages.
    _call(cw, schedules["Rearm0"])
    _call(cw, schedules["Rearm1"])
    states = {
        a["AlarmName"]: a["StateValue"] for a in cw.describe_alarms(AlarmNames=list(ALARMS))["MetricAlarms"]
    }
    assert states == dict.fromkeys(ALARMS, "OK")


def test_its_schedules_have_a_group_of_their_own_whose_dropped_count_pages():
    app = cdk.App()
    stack = cdk.Stack(app, "Global", env=cdk.Environment(account=ACCOUNT, region=REGION))
    alarms = [cloudwatch.Alarm.from_alarm_name(stack, "Alarm", ALARMS[0])]
    high = cdk.aws_sns.Topic.from_topic_arn(stack, "High", f"arn:aws:sns:{REGION}:{ACCOUNT}:high")
    NightlyAlarmMute(
        stack,
        "QuietHours",
        nightly_stop=STOP,
        alarms=alarms,
        naming=Naming(app="webapp", environment="stg"),
        notification_topic=high,
    )
    template = Template.from_stack(stack)
    ((group_id, group),) = template.find_resources("AWS::Scheduler::ScheduleGroup").items()
    assert group["Properties"]["Name"] == "webapp-stg-quiet-hours"
    assert group["DeletionPolicy"] == "Delete"
    for schedule in template.find_resources("AWS::Scheduler::Schedule").values():
        # a literal name (the L2 writes it so): the explicit dependency orders the creation
        assert schedule["Properties"]["GroupName"] == "webapp-stg-quiet-hours"
        assert group_id in schedule["DependsOn"]
    (alarm,) = template.find_resources("AWS::CloudWatch::Alarm").values()
    props = alarm["Properties"]
    assert props["AlarmName"] == "webapp-stg-operations-quiet-hours-dropped-high"
    assert (props["MetricName"], props["Namespace"], props["Statistic"]) == (
        "InvocationDroppedCount",
        "AWS/Scheduler",
        "Sum",
    )
    assert props["Dimensions"] == [{"Name": "ScheduleGroup", "Value": "webapp-stg-quiet-hours"}]
    assert props["AlarmActions"] == [f"arn:aws:sns:{REGION}:{ACCOUNT}:high"]
    assert props["TreatMissingData"] == "notBreaching"
