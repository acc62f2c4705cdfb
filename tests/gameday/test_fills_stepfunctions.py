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
from tools.gameday import fills_stepfunctions

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
