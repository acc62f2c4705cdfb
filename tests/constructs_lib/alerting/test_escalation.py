"""EscalationPolicy: the synthesized state machine, run for real in moto's Step Functions.

moto executes the definition (Wait, Choice, Pass with intrinsics, aws-sdk DescribeAlarms and
GetParameter, SNS publish); SNS -> SQS subscriptions show who was notified, in which order.
moto has no PutCompositeAlarm API, so composite alarms are stored through its backend (which keeps
AlarmRule and returns them under CompositeAlarms), and "the alarm clears after tier 1" is a hook on
moto's SNS publish: both are named in the tests that use them.
"""

from __future__ import annotations

import json
import time
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template
from moto import mock_aws

from constructs_lib._core import Naming, SeverityAlarm
from constructs_lib.alerting.escalation import EscalationPolicy, EscalationTier, default_tiers
from constructs_lib.alerting.pause_switch import PauseSwitch
from constructs_lib.alerting.topics import SeverityTopics
from tests.unit.quality import cfn_lint, synth_with_nag

ACCOUNT, REGION = "123456789012", "ap-northeast-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)
ESCALATED = ["webapp-prod-web-incident-critical", "webapp-prod-web-incident-high"]
PAUSE = "/webapp/prod/pause"
NAMING = Naming(app="webapp", environment="prod")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("escalation")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Escalation", env=ENV)
    topics = SeverityTopics(stack, "Alerts", naming=NAMING)
    lead = sns.Topic(
        stack, "TeamLead", topic_name="webapp-prod-team-lead", master_key=topics.key, enforce_ssl=True
    )
    policy = EscalationPolicy(
        stack,
        "Escalation",
        naming=NAMING,
        tiers=default_tiers(
            on_call_email_topic=topics.topic("high"),
            on_call_sms_topic=topics.topic("critical"),
            team_lead_topic=lead,
        ),
        alarm_names=ESCALATED,
        pause_switch=PauseSwitch.from_parameter_name(stack, "PauseSwitch", PAUSE),
    )
    templates, violations = synth_with_nag(app, outdir)
    raw = templates["Escalation"]
    return policy, Template.from_json(raw), raw, violations


def _resolve(node: Any, refs: dict[str, str]) -> Any:
    """Resolve the intrinsics CDK leaves in a DefinitionString (Ref, Fn::Join) against known values."""
    if isinstance(node, dict) and set(node) == {"Ref"}:
        return refs[node["Ref"]]
    if isinstance(node, dict) and set(node) == {"Fn::Join"}:
        separator, parts = node["Fn::Join"]
        return separator.join(str(_resolve(p, refs)) for p in parts)
    return node


def _definition(raw: dict, refs: dict[str, str]) -> dict:
    (machine,) = [r for r in raw["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    return json.loads(_resolve(machine["Properties"]["DefinitionString"], refs))


def _topic_ids(raw: dict) -> dict[str, str]:
    """Topic name -> logical id."""
    return {
        r["Properties"]["TopicName"]: logical_id
        for logical_id, r in raw["Resources"].items()
        if r["Type"] == "AWS::SNS::Topic"
    }


# ------------------------------------------------------------------------------------------------
# The template
# ------------------------------------------------------------------------------------------------


def test_definition_walks_the_tiers_in_order_and_rechecks_composites(synthesized):
    _, _, raw, _ = synthesized
    ids = _topic_ids(raw)
    definition = _definition(raw, {"AWS::Partition": "aws"} | {i: f"topic:{n}" for n, i in ids.items()})
    states = definition["States"]
    # then: default waits are the library's 15 / 30 / 60 minutes as deltas
    assert states["UseConfiguredWaits"]["Result"] == [900, 900, 1800]
    # each tier: wait from the input -> DescribeAlarms (both types) -> still ALARM? -> paused? -> notify
    for number, (name, topic) in enumerate(
        [
            ("on-call-email", "webapp-prod-alerts-high"),
            ("on-call-sms", "webapp-prod-alerts-critical"),
            ("team-lead", "webapp-prod-team-lead"),
        ],
        start=1,
    ):
        wait = states[f"Wait before tier {number} ({name})"]
        assert wait["SecondsPath"] == f"$.waitSeconds[{number - 1}]"
        check = states[wait["Next"]]
        assert check["Resource"] == "arn:aws:states:::aws-sdk:cloudwatch:describeAlarms"
        assert check["Parameters"]["AlarmTypes"] == ["CompositeAlarm", "MetricAlarm"]
        choice = states[states[check["Next"]]["Next"]]
        assert choice["Default"] == "AlarmCleared"
        pause = states[choice["Choices"][0]["Next"]]
        assert pause["Resource"] == "arn:aws:states:::aws-sdk:ssm:getParameter"
        assert pause["Parameters"] == {"Name": PAUSE}
        paused = states[pause["Next"]]
        # fail closed: notify only while the switch reads exactly "false"
        (off,) = paused["Choices"]
        assert (off["Variable"], off["StringEquals"]) == ("$.pauseSwitch.value", "false")
        assert states[paused["Default"]]["Type"] == "Succeed" and paused["Default"] == "Paused"
        notify = states[off["Next"]]
        assert notify["Resource"] == "arn:aws:states:::sns:publish"
        assert notify["Parameters"]["TopicArn"] == f"topic:{topic}"
        assert notify["Parameters"]["Subject"].startswith(f"ESCALATION {number}/3 ({name})")
    assert states[notify["Next"]]["Type"] == "Succeed"


def test_rule_starts_it_on_escalated_alarms_entering_alarm_with_the_configured_waits(synthesized):
    _, template, _, _ = synthesized
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.cloudwatch"],
                "detail-type": ["CloudWatch Alarm State Change"],
                "detail": {"state": {"value": ["ALARM"]}, "alarmName": ESCALATED},
            },
            "Targets": [
                Match.object_like(
                    {
                        "InputTransformer": {
                            "InputPathsMap": {"detail-alarmName": "$.detail.alarmName", "time": "$.time"},
                            "InputTemplate": '{"alarmName":<detail-alarmName>,"enteredAlarmAt":<time>,'
                            '"waitSeconds":[900,900,1800]}',
                        }
                    }
                )
            ],
        },
    )


def test_role_is_least_privilege(synthesized):
    _, template, raw, _ = synthesized
    (role_id,) = [
        k
        for k, r in raw["Resources"].items()
        if r["Type"] == "AWS::IAM::Role" and "states.amazonaws.com" in json.dumps(r["Properties"])
    ]
    (policy,) = [
        r
        for r in raw["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy" and r["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    by_action: dict[str, list] = {}
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            by_action.setdefault(action, []).append(statement["Resource"])
    alarm_arns = [
        {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, f":cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"],
            ]
        }
        for name in ESCALATED
    ]
    assert by_action["cloudwatch:DescribeAlarms"] == [alarm_arns]
    assert by_action["ssm:GetParameter"] == [
        {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, f":ssm:{REGION}:{ACCOUNT}:parameter/webapp/prod/pause"],
            ]
        }
    ]
    ids = _topic_ids(raw)
    published = {r["Ref"] for resources in by_action["sns:Publish"] for r in [resources]}
    assert published == {
        ids["webapp-prod-alerts-high"],
        ids["webapp-prod-alerts-critical"],
        ids["webapp-prod-team-lead"],
    }
    (key_id,) = template.find_resources("AWS::KMS::Key")
    assert {"Fn::GetAtt": [key_id, "Arn"]} in by_action["kms:GenerateDataKey*"]
    wildcard = {a for a, resources in by_action.items() if "*" in resources}
    assert all(a.startswith(("logs:", "xray:")) for a in wildcard), wildcard


def test_execution_log_has_retention_and_failures_raise_a_high_alarm(synthesized):
    _, template, _, _ = synthesized
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": "/aws/vendedlogs/states/webapp-prod-escalation", "RetentionInDays": 30},
    )
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineName": "webapp-prod-escalation",
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": Match.object_like({"Level": "ALL"}),
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "webapp-prod-escalation-failed-high",
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "Metrics": Match.array_with(
                [
                    Match.object_like(
                        {
                            "MetricStat": Match.object_like(
                                {"Metric": Match.object_like({"MetricName": "ExecutionsFailed"})}
                            )
                        }
                    )
                ]
            ),
        },
    )
    policy = synthesized[0]
    assert policy.alarms == [SeverityAlarm(alarm=policy.failure_alarm, severity="high", signal="failed")]


def test_cdk_nag_has_no_unacknowledged_findings(synthesized):
    violations = synthesized[3]
    assert violations == [], json.dumps(violations, indent=1)[:3000]


def test_cfn_lint_is_clean(synthesized):
    assert cfn_lint(synthesized[2], REGION) == []


# ------------------------------------------------------------------------------------------------
# Running the definition in moto
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


class Emulator:
    """moto resources standing in for the template's: topics -> one SQS queue, alarm, pause switch."""

    def __init__(self, raw: dict) -> None:
        self.sns = boto3.client("sns", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        self.ssm = boto3.client("ssm", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.queue_url = self.sqs.create_queue(QueueName="pager-inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        refs = {"AWS::Partition": "aws"}
        self.topic_names: dict[str, str] = {}
        for name, logical_id in _topic_ids(raw).items():
            arn = self.sns.create_topic(Name=name)["TopicArn"]
            self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
            refs[logical_id] = arn
            self.topic_names[arn] = name
        self.ssm.put_parameter(Name=PAUSE, Value="false", Type="String")
        definition = _definition(raw, refs)
        self.machine_arn = self.sfn.create_state_machine(
            name="webapp-prod-escalation",
            definition=json.dumps(definition),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/escalation",
        )["stateMachineArn"]

    def metric_alarm_in_alarm(self, name: str) -> None:
        self.cloudwatch.put_metric_alarm(
            AlarmName=name, Namespace="AWS/EC2", MetricName="CPUUtilization", Statistic="Average", Period=60,
            EvaluationPeriods=1, Threshold=80, ComparisonOperator="GreaterThanThreshold",
        )  # fmt: skip
        self.cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")

    def composite_alarm_in_alarm(self, name: str) -> None:
        """moto lacks PutCompositeAlarm: store it through the backend, which keeps AlarmRule."""
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[ACCOUNT][REGION].put_metric_alarm(
            name=name, namespace=None, metric_name=None, comparison_operator=None, evaluation_periods=None,
            period=None, threshold=None, statistic=None, description="composite", dimensions=[],
            alarm_actions=[], rule='ALARM("arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:child")',
        )  # fmt: skip
        self.cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")

    def run(self, execution_input: dict, *, timeout: float = 30) -> dict:
        arn = self.sfn.start_execution(stateMachineArn=self.machine_arn, input=json.dumps(execution_input))[
            "executionArn"
        ]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution = self.sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return execution
            time.sleep(0.1)
        raise AssertionError(f"execution still running after {timeout} s")

    def last_state(self, execution: dict) -> str:
        events = self.sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
        entered = [e for e in events if e["type"].endswith("StateEntered")]
        return entered[-1]["stateEnteredEventDetails"]["name"]

    def notifications(self) -> list[tuple[str, str]]:
        """(topic name, subject) of every message delivered, in order."""
        received = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return received
            for message in messages:
                body = json.loads(message["Body"])
                received.append((self.topic_names[body["TopicArn"]], body.get("Subject", "")))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def _input(alarm: str, waits: tuple[int, ...] = (1, 1, 1)) -> dict:
    return {"alarmName": alarm, "enteredAlarmAt": "2025-01-01T00:00:00Z", "waitSeconds": list(waits)}


def test_composite_still_firing_notifies_every_tier_in_order__composite_stored_via_moto_backend(
    synthesized, aws
):
    # given an escalated composite alarm that stays in ALARM
    emulator = Emulator(synthesized[2])
    emulator.composite_alarm_in_alarm(ESCALATED[0])
    # when the escalation runs with 1-second waits
    execution = emulator.run(_input(ESCALATED[0]))
    # then every tier was notified, in order, and the execution ends after the last tier
    assert execution["status"] == "SUCCEEDED", execution
    assert emulator.notifications() == [
        ("webapp-prod-alerts-high", "ESCALATION 1/3 (on-call-email): alarm still in ALARM"),
        ("webapp-prod-alerts-critical", "ESCALATION 2/3 (on-call-sms): alarm still in ALARM"),
        ("webapp-prod-team-lead", "ESCALATION 3/3 (team-lead): alarm still in ALARM"),
    ]
    assert emulator.last_state(execution) == "AllTiersNotified"


def test_alarm_cleared_after_tier_1_stops_the_escalation__moto_sns_publish_hook(
    synthesized, aws, monkeypatch
):
    # given an alarm in ALARM that an operator fixes as soon as tier 1 is told (hook on moto's publish)
    from moto.sns import models as sns_models

    emulator = Emulator(synthesized[2])
    emulator.metric_alarm_in_alarm(ESCALATED[1])
    original_publish = sns_models.Topic.publish

    def publish_then_fix(topic, message, subject=None, **kwargs):
        message_id = original_publish(topic, message, subject=subject, **kwargs)
        if subject and subject.startswith("ESCALATION 1/"):
            boto3.client("cloudwatch", region_name=REGION).set_alarm_state(
                AlarmName=ESCALATED[1], StateValue="OK", StateReason="fixed by the on-call"
            )
        return message_id

    monkeypatch.setattr(sns_models.Topic, "publish", publish_then_fix)
    # when (tier 1 is due at once, tier 2 one second later)
    execution = emulator.run(_input(ESCALATED[1], (0, 1, 1)))
    # then tier 1 only, and the execution ends at AlarmCleared
    assert execution["status"] == "SUCCEEDED", execution
    assert [topic for topic, _ in emulator.notifications()] == ["webapp-prod-alerts-high"]
    assert emulator.last_state(execution) == "AlarmCleared"


def test_alarm_already_ok_notifies_nobody(synthesized, aws):
    emulator = Emulator(synthesized[2])
    emulator.metric_alarm_in_alarm(ESCALATED[0])
    emulator.cloudwatch.set_alarm_state(AlarmName=ESCALATED[0], StateValue="OK", StateReason="flap")
    execution = emulator.run(_input(ESCALATED[0], (0, 1, 1)))
    assert execution["status"] == "SUCCEEDED"
    assert emulator.notifications() == []
    assert emulator.last_state(execution) == "AlarmCleared"


@pytest.mark.parametrize("switch", ["true", "scheduled", "FALSE", "off"])
def test_pause_switch_on_stops_before_notifying(synthesized, aws, switch):
    # given a person's pause, the nightly stop's, or a value nobody defined (fail closed)
    emulator = Emulator(synthesized[2])
    emulator.metric_alarm_in_alarm(ESCALATED[0])
    emulator.ssm.put_parameter(Name=PAUSE, Value=switch, Type="String", Overwrite=True)
    execution = emulator.run(_input(ESCALATED[0], (0, 1, 1)))
    assert execution["status"] == "SUCCEEDED"
    assert emulator.notifications() == []
    assert emulator.last_state(execution) == "Paused"


def test_manual_start_without_waits_uses_the_configured_schedule(synthesized, aws):
    emulator = Emulator(synthesized[2])
    arn = emulator.sfn.start_execution(
        stateMachineArn=emulator.machine_arn, input=json.dumps({"alarmName": ESCALATED[0]})
    )["executionArn"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = emulator.sfn.get_execution_history(executionArn=arn)["events"]
        waits = [e for e in events if e["type"] == "WaitStateEntered"]
        if waits:
            break
        time.sleep(0.05)
    emulator.sfn.stop_execution(executionArn=arn)
    assert json.loads(waits[0]["stateEnteredEventDetails"]["input"])["waitSeconds"] == [900, 900, 1800]


# ------------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------------


def _policy(**overrides):
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    topic = sns.Topic(stack, "T")
    props = {
        "naming": NAMING,
        "tiers": default_tiers(on_call_email_topic=topic, on_call_sms_topic=topic, team_lead_topic=topic),
        "alarm_names": ESCALATED,
    } | overrides
    if callable(props["tiers"]):
        props["tiers"] = props["tiers"](topic)
    return EscalationPolicy(stack, "Escalation", **props)


def test_fails_when_tiers_are_out_of_order():
    def tiers(topic):
        return [
            EscalationTier(name="sms", topic=topic, escalate_after=cdk.Duration.minutes(30)),
            EscalationTier(name="email", topic=topic, escalate_after=cdk.Duration.minutes(15)),
        ]

    with pytest.raises(ValueError, match=r"tiers\[1\]\.escalate_after \(15 minutes\) must be later"):
        _policy(tiers=tiers)


def test_fails_when_a_tier_name_repeats():
    def tiers(topic):
        return [
            EscalationTier(name="on-call", topic=topic, escalate_after=cdk.Duration.minutes(15)),
            EscalationTier(name="on-call", topic=topic, escalate_after=cdk.Duration.minutes(30)),
        ]

    with pytest.raises(ValueError, match=r"tiers\[1\]\.name \('on-call'\) is used twice"):
        _policy(tiers=tiers)


def test_fails_without_alarm_names_or_prefix():
    with pytest.raises(ValueError, match="exactly one of alarm_names"):
        _policy(alarm_names=None)


def test_fails_when_an_alarm_name_has_a_wildcard():
    with pytest.raises(ValueError, match=r"alarm_names: 'webapp-prod-\*' must be a literal alarm name"):
        _policy(alarm_names=["webapp-prod-*"])


def test_fails_when_the_pause_switch_is_a_plain_name():
    with pytest.raises(TypeError, match=r"pause_switch must be a pause switch \(IPauseSwitch\), got str"):
        _policy(pause_switch=PAUSE)
