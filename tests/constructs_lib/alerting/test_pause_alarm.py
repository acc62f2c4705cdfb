"""PauseSwitchAlarm: the alarm follows the switch, and the publisher really runs (moto Step Functions)."""

from __future__ import annotations

import json
import time

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Template
from moto import mock_aws

from constructs_lib._core import Naming
from constructs_lib.alerting.pause_alarm import PauseSwitchAlarm
from constructs_lib.alerting.pause_switch import PauseSwitch
from tests.unit.quality import cfn_lint, synth_with_nag

ACCOUNT, REGION = "123456789012", "ap-northeast-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)
NAMING = Naming(app="webapp", environment="prod")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("pause_switch")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Monitoring", env=ENV)
    switch = PauseSwitch.from_parameter_name(stack, "PauseSwitch", "/webapp/prod/pause")
    pause = PauseSwitchAlarm(stack, "Pause", naming=NAMING, pause_switch=switch)
    templates, violations = synth_with_nag(app, outdir)
    return {
        "pause": pause,
        "raw": templates["Monitoring"],
        "template": Template.from_json(templates["Monitoring"]),
        "violations": violations,
    }


def _alarm(raw: dict, name: str) -> dict:
    found = [
        r["Properties"]
        for r in raw["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("AlarmName") == name
    ]
    assert len(found) == 1, f"no alarm named {name}"
    return found[0]


def test_pause_alarm_holds_its_state_between_publications(synthesized):
    props = _alarm(synthesized["raw"], "webapp-prod-operations-paused-low")
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (
        "webapp/Operations",
        "Paused",
        "Maximum",
    )
    assert props["Dimensions"] == [
        {"Name": "Application", "Value": "webapp"},
        {"Name": "Environment", "Value": "prod"},
    ]
    assert (props["Threshold"], props["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert props["TreatMissingData"] == "ignore"
    template = synthesized["template"]
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.ssm"],
                "detail-type": ["Parameter Store Change"],
                "detail": {"name": ["/webapp/prod/pause"], "operation": ["Create", "Update"]},
            }
        },
    )
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(5 minutes)"})
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {"StateMachineName": "webapp-prod-pause-switch", "StateMachineType": "EXPRESS"},
    )


def test_only_false_publishes_running_everything_else_is_paused(synthesized):
    # given the publisher's definition
    (machine,) = synthesized["template"].find_resources("AWS::StepFunctions::StateMachine").values()
    states = json.loads(machine["Properties"]["DefinitionString"])["States"]
    # then the one choice is "exactly false -> 0", and its default (any other value) publishes 1
    (off,) = states["IsPaused"]["Choices"]
    assert (off["Variable"], off["StringEquals"]) == ("$.switch.value", "false")
    assert states[off["Next"]]["Parameters"]["MetricData"][0]["Value"] == 0
    assert states[states["IsPaused"]["Default"]]["Parameters"]["MetricData"][0]["Value"] == 1


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


@pytest.mark.parametrize(
    ("switch", "published"),
    [("false", 0.0), ("true", 1.0), ("scheduled", 1.0), ("False", 1.0), ("maintenance", 1.0)],
    ids=["off", "by-operator", "by-schedule", "not-exactly-false", "unknown"],
)
def test_pause_publisher_turns_the_parameter_into_the_metric__in_moto(synthesized, aws, switch, published):
    # given the synthesized publisher definition and the switch in moto
    (machine,) = [
        r["Properties"]
        for r in synthesized["raw"]["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
        and r["Properties"]["StateMachineName"] == "webapp-prod-pause-switch"
    ]
    definition = machine["DefinitionString"]
    assert isinstance(definition, str), "the publisher definition should need no CloudFormation resolution"
    boto3.client("ssm").put_parameter(Name="/webapp/prod/pause", Value=switch, Type="String")
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="pause", definition=definition, roleArn=f"arn:aws:iam::{ACCOUNT}:role/x"
    )["stateMachineArn"]
    # when it runs
    execution_arn = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    for _ in range(100):
        status = sfn.describe_execution(executionArn=execution_arn)["status"]
        if status != "RUNNING":
            break
        time.sleep(0.05)
    # then the Paused metric carries the switch
    assert status == "SUCCEEDED"
    data = boto3.client("cloudwatch").list_metrics(Namespace="webapp/Operations", MetricName="Paused")[
        "Metrics"
    ]
    assert data and data[0]["Dimensions"] == [
        {"Name": "Application", "Value": "webapp"},
        {"Name": "Environment", "Value": "prod"},
    ]
    from moto.cloudwatch.models import cloudwatch_backends

    values = [d.value for d in cloudwatch_backends[ACCOUNT][REGION].get_all_metrics() if d.name == "Paused"]
    assert values == [published]


def test_cdk_nag_has_no_unacknowledged_findings(synthesized):
    assert synthesized["violations"] == [], json.dumps(synthesized["violations"], indent=1)[:3000]


def test_cfn_lint_is_clean(synthesized):
    assert cfn_lint(synthesized["raw"], REGION) == []


def test_a_switch_with_a_token_name_is_watched_by_that_name():
    # given a switch whose name is only known at deploy time (another parameter's name)
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    other = ssm.StringParameter(stack, "Other", string_value="false")
    switch = PauseSwitch.from_parameter_name(stack, "Switch", other.parameter_name)
    PauseSwitchAlarm(stack, "Pause", naming=NAMING, pause_switch=switch)
    template = Template.from_stack(stack)
    name = {"Ref": stack.get_logical_id(other.node.default_child)}
    # then the change rule matches it, and the publisher reads it by that name
    template.has_resource_properties(
        "AWS::Events::Rule", {"EventPattern": {"detail": {"name": [name], "operation": ["Create", "Update"]}}}
    )
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    assert name in machine["Properties"]["DefinitionString"]["Fn::Join"][1]


def test_fails_when_the_pause_switch_is_a_plain_name():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(TypeError, match=r"pause_switch must be a pause switch \(IPauseSwitch\), got str"):
        PauseSwitchAlarm(stack, "Pause", naming=NAMING, pause_switch="/webapp/prod/pause")
