"""The Step Functions fills (tools/gameday/fills_stepfunctions.py) against moto itself: what moto
does without them, and what AWS documents with them."""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest
from moto import mock_aws

from tests.gameday.conftest import REGION
from tools.gameday import fills_stepfunctions, moto_gaps

ACCOUNT = "123456789012"
CATCH_MISSING = {
    "StartAt": "Read",
    "States": {
        "Read": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
            "Parameters": {"Name": "/nowhere"},
            "Catch": [{"ErrorEquals": ["Ssm.ParameterNotFoundException"], "Next": "Missing"}],
            "End": True,
        },
        "Missing": {"Type": "Succeed"},
    },
}
"""A Catch written for the error name AWS reports for a missing parameter."""


@pytest.fixture
def executing(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


def _run(definition: dict) -> dict:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = sfn.create_state_machine(
        name=f"m{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name=uuid.uuid4().hex, input="{}")["executionArn"]
    for _ in range(400):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError("execution still running")


def test_plain_moto_names_the_service_as_the_resource_writes_it(executing):
    # without the fill, AWS's name never matches: the execution fails where AWS would catch
    execution = _run(CATCH_MISSING)
    assert (execution["status"], execution["error"]) == ("FAILED", "ssm.ParameterNotFoundException")


def test_with_the_fill_the_error_has_the_name_aws_reports(executing, monkeypatch):
    fills_stepfunctions.install_error_names(monkeypatch.setattr)
    assert _run(CATCH_MISSING)["status"] == "SUCCEEDED"
    failing = {
        **CATCH_MISSING,
        "States": {**CATCH_MISSING["States"], "Read": {**CATCH_MISSING["States"]["Read"]}},
    }
    del failing["States"]["Read"]["Catch"]
    execution = _run(failing)
    assert (execution["status"], execution["error"]) == ("FAILED", "Ssm.ParameterNotFoundException")


@pytest.mark.parametrize(
    ("service", "name"), [("ssm", "Ssm"), ("lambda", "Lambda"), ("dynamodb", "DynamoDb"), ("sfn", "Sfn")]
)
def test_service_names_are_pascal_case_as_aws_reports_them(service, name):
    assert fills_stepfunctions.aws_error_service_name(service) == name


PASS_MACHINE = {
    "Resources": {
        "Machine": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {
                "StateMachineName": "pass",
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
                "DefinitionString": json.dumps(
                    {
                        "StartAt": "Done",
                        "States": {"Done": {"Type": "Pass", "Result": {"ran": True}, "End": True}},
                    }
                ),
            },
        }
    },
    "Outputs": {"Arn": {"Value": {"Ref": "Machine"}}},
}


def _create_machine_stack() -> str:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(StackName="machine", TemplateBody=json.dumps(PASS_MACHINE))
    (output,) = cloudformation.describe_stacks(StackName="machine")["Stacks"][0]["Outputs"]
    return output["OutputValue"]


def test_plain_moto_runs_no_execution_of_a_machine_cloudformation_created(executing):
    # CloudFormation creates the machine in the backend that does not run executions; the one that
    # does (execute_state_machine) has never heard of it
    arn = _create_machine_stack()
    sfn = boto3.client("stepfunctions", region_name=REGION)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn=arn, name="x", input="{}")


def test_with_the_fills_a_machine_cloudformation_created_runs(gaps):
    arn = _create_machine_stack()
    sfn = boto3.client("stepfunctions", region_name=REGION)
    execution = sfn.start_execution(stateMachineArn=arn, name="x", input="{}")["executionArn"]
    for _ in range(200):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.05)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"ran": True}


def test_the_stepfunctions_fills_are_listed_and_come_off_with_the_others():
    import moto.stepfunctions.responses as responses

    names = {gap.name for gap in moto_gaps.GAPS}
    assert {"behaviour:stepfunctions:AWS SDK error names", "behaviour:stepfunctions:executions"} <= names
    plain = responses.get_backend
    with moto_gaps.applied():
        assert responses.get_backend is not plain
    assert responses.get_backend is plain
