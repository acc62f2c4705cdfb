"""The runbook validator: each kind of problem in a step graph is found; required and granted IAM actions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constructs_lib.runbooks.validation import (
    granted_iam_actions,
    missing_iam_actions,
    required_iam_actions,
    validate_automation_document,
)


# --------------------------------------------------------------------------------------------
# the validator: each kind of problem is found
# --------------------------------------------------------------------------------------------
def valid() -> dict[str, Any]:
    """A small document that passes; each test below breaks one thing."""
    return {
        "schemaVersion": "0.3",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "AutomationAssumeRole": {"type": "AWS::IAM::Role::Arn"},
            "InstanceId": {"type": "String", "allowedPattern": "^i-[a-f0-9]{8,17}$"},
            "Mode": {"type": "String", "default": "fast", "allowedValues": ["fast", "slow"]},
        },
        "mainSteps": [
            {
                "name": "Describe",
                "action": "aws:executeAwsApi",
                "inputs": {"Service": "ec2", "Api": "DescribeInstances", "InstanceIds": ["{{ InstanceId }}"]},
                "outputs": [
                    {
                        "Name": "State",
                        "Selector": "$.Reservations[0].Instances[0].State.Name",
                        "Type": "String",
                    }
                ],
            },
            {
                "name": "Choose",
                "action": "aws:branch",
                "inputs": {
                    "Choices": [
                        {"NextStep": "Run", "Variable": "{{ Describe.State }}", "StringEquals": "running"}
                    ],
                    "Default": "Done",
                },
            },
            {
                "name": "Run",
                "action": "aws:runCommand",
                "onFailure": "step:Done",
                "inputs": {
                    "DocumentName": "AWS-RunShellScript",
                    "InstanceIds": ["{{ InstanceId }}"],
                    "Parameters": {"commands": ["echo {{ InstanceId }} {{ Mode }} {{ global:REGION }}"]},
                },
            },
            {"name": "Wait", "action": "aws:sleep", "inputs": {"Duration": "PT5S"}},
            {
                "name": "Done",
                "action": "aws:executeAwsApi",
                "isEnd": True,
                "inputs": {
                    "Service": "sns",
                    "Api": "Publish",
                    "TopicArn": "arn:aws:sns:ap-northeast-1:123456789012:t",
                    "Message": "{{ Run.Output }} {{ automation:EXECUTION_ID }}",
                },
            },
        ],
        "outputs": ["Describe.State", "Run.Output"],
    }


def broken(change) -> dict[str, Any]:
    doc = valid()
    change(doc)
    return doc


def steps_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in doc["mainSteps"]}


def test_the_base_document_is_valid():
    assert validate_automation_document(valid()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(schemaVersion="2.2"), r"schemaVersion is '2.2'"),
        (lambda d: d.update(mainSteps=[]), r"mainSteps must be a non-empty list"),
        (lambda d: d["mainSteps"][3].pop("name"), r"step #4 \(action 'aws:sleep'\) has no name"),
        (lambda d: d["mainSteps"][3].update(name="Run"), r"duplicate step name 'Run'"),
        (lambda d: d["mainSteps"][3].update(action="aws:nap"), r"step 'Wait' uses unknown action 'aws:nap'"),
        (lambda d: d["mainSteps"][0].update(nextStep="Ghost"), r"step 'Describe': nextStep targets 'Ghost'"),
        (
            lambda d: d["mainSteps"][2].update(onFailure="step:Ghost"),
            r"step 'Run': onFailure targets 'Ghost'",
        ),
        (lambda d: d["mainSteps"][2].update(onFailure="Retry"), r"step 'Run': onFailure is 'Retry'"),
        (lambda d: d["mainSteps"][2].update(onCancel="step:Ghost"), r"step 'Run': onCancel targets 'Ghost'"),
        (
            lambda d: d["mainSteps"][1]["inputs"]["Choices"][0].update(NextStep="Ghost"),
            r"step 'Choose': choice #1 NextStep targets 'Ghost'",
        ),
        (
            lambda d: d["mainSteps"][1]["inputs"].update(Default="Ghost"),
            r"step 'Choose': Default targets 'Ghost'",
        ),
        (
            lambda d: d["mainSteps"][1]["inputs"].update(Choices=[]),
            r"branch step 'Choose' has no inputs.Choices",
        ),
        (
            lambda d: d["mainSteps"][1]["inputs"]["Choices"][0].pop("StringEquals"),
            r"branch step 'Choose': choice #1 has no operator",
        ),
        (
            lambda d: d["mainSteps"][4].update(nextStep="Wait"),
            r"step 'Done' sets both isEnd: true and nextStep",
        ),
        (
            lambda d: d["mainSteps"][2]["inputs"]["Parameters"]["commands"].append("echo {{ Missing }}"),
            r"step 'Run': '\{\{ Missing \}\}' references parameter 'Missing', which is not declared",
        ),
        (
            lambda d: d["mainSteps"][4]["inputs"].update(Subject="{{ Describe.Size }}"),
            r"references output 'Size' that step 'Describe' does not declare \(declared: State\)",
        ),
        (
            lambda d: d["mainSteps"][4]["inputs"].update(Subject="{{ Ghost.Output }}"),
            r"references step 'Ghost', which does not exist",
        ),
        (
            lambda d: d.update(outputs=["Run.Nope"]),
            r"document outputs: .*'Nope' that step 'Run' does not declare",
        ),
        (
            lambda d: d.update(outputs=["RunOutput"]),
            r"document output 'RunOutput' must be 'StepName.OutputName'",
        ),
        (
            lambda d: d.update(assumeRole="{{ Role }}"),
            r"assumeRole: .*parameter 'Role', which is not declared",
        ),
        (lambda d: d["parameters"]["Mode"].update(type="Text"), r"parameter 'Mode' has unknown type 'Text'"),
        (
            lambda d: d["parameters"]["Mode"].update(default="medium"),
            r"parameter 'Mode': default 'medium' is not in allowedValues",
        ),
        (
            lambda d: d["parameters"]["InstanceId"].update(default="web-1"),
            r"parameter 'InstanceId': default 'web-1' does not match allowedPattern",
        ),
        (
            lambda d: d["parameters"]["InstanceId"].pop("allowedPattern"),
            r"String parameter 'InstanceId' is pasted into a shell command without allowedPattern",
        ),
        (
            lambda d: (
                d["mainSteps"][1]["inputs"].update(Default="Done")
                or d["mainSteps"][2].update(nextStep="Done", onFailure="Abort")
            ),
            r"step 'Wait' is unreachable from the first step 'Describe'",
        ),
    ],
)
def test_validator_finds(change, expected):
    problems = validate_automation_document(broken(change))
    assert any(re.search(expected, p) for p in problems), problems


def test_validator_knows_predefined_outputs_and_builtins():
    doc = valid()
    steps_of(doc)["Done"]["inputs"]["Message"] = (
        "{{ Run.CommandId }} {{ Run.Status }} {{ Run.ResponseCode }} {{ global:ACCOUNT_ID }} "
        "{{ global:AWS_PARTITION }} {{ ssm:/webapp/prod/pause }}"
    )
    assert validate_automation_document(doc) == []


def loop_document() -> dict[str, Any]:
    return {
        "schemaVersion": "0.3",
        "parameters": {"InstanceIds": {"type": "StringList"}},
        "mainSteps": [
            {
                "name": "EachInstance",
                "action": "aws:loop",
                "inputs": {
                    "Iterators": "{{ InstanceIds }}",
                    "Steps": [
                        {
                            "name": "Stop",
                            "action": "aws:changeInstanceState",
                            "inputs": {
                                "InstanceIds": ["{{ EachInstance.CurrentIteratorValue }}"],
                                "DesiredState": "stopped",
                            },
                            "nextStep": "Pause",
                        },
                        {"name": "Pause", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}},
                    ],
                },
            },
            {"name": "End", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}, "isEnd": True},
        ],
    }


def test_validator_follows_loops():
    assert validate_automation_document(loop_document()) == []
    doc = loop_document()
    doc["mainSteps"][0]["inputs"]["Steps"][0]["nextStep"] = "End"
    assert any(
        "nextStep targets 'End', which is not a step of loop 'EachInstance'" in p
        for p in validate_automation_document(doc)
    )
    doc = loop_document()
    doc["mainSteps"][0]["inputs"]["Steps"][1]["name"] = "End"
    doc["mainSteps"][0]["inputs"]["Steps"][0]["nextStep"] = "End"
    assert any("duplicate step name 'End'" in p for p in validate_automation_document(doc))
    assert required_iam_actions(loop_document()) == {
        "ec2:StopInstances",
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceStatus",
    }


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
        ),
        max_leaves=25,
    )
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_validator_never_raises_on_arbitrary_json(value):
    if isinstance(value, dict):
        assert isinstance(validate_automation_document(value), list)
        document_like = {"schemaVersion": "0.3", "mainSteps": [value] if value else [{}], "parameters": {}}
        assert isinstance(validate_automation_document(document_like), list)
        assert isinstance(required_iam_actions(document_like), set)


# --------------------------------------------------------------------------------------------
# required and granted IAM actions
# --------------------------------------------------------------------------------------------
def one_step(action: str, **inputs: Any) -> dict[str, Any]:
    return {"schemaVersion": "0.3", "mainSteps": [{"name": "S", "action": action, "inputs": inputs}]}


@pytest.mark.parametrize(
    ("document_content", "expected"),
    [
        (
            one_step("aws:executeAwsApi", Service="autoscaling", Api="SetInstanceHealth"),
            {"autoscaling:SetInstanceHealth"},
        ),
        (
            one_step("aws:executeAwsApi", Service="elbv2", Api="DescribeTargetHealth"),
            {"elasticloadbalancing:DescribeTargetHealth"},
        ),
        (
            one_step("aws:executeAwsApi", Service="rds", Api="promote_read_replica"),
            {"rds:PromoteReadReplica"},
        ),
        (one_step("aws:executeAwsApi", Service="s3", Api="ListObjectsV2"), {"s3:ListBucket"}),
        (
            one_step("aws:waitForAwsResourceProperty", Service="ec2", Api="DescribeInstanceStatus"),
            {"ec2:DescribeInstanceStatus"},
        ),
        (
            one_step("aws:assertAwsResourceProperty", Service="route53", Api="GetHealthCheckStatus"),
            {"route53:GetHealthCheckStatus"},
        ),
        (
            one_step("aws:runCommand", DocumentName="AWS-RunShellScript"),
            {"ssm:SendCommand", "ssm:ListCommands", "ssm:ListCommandInvocations"},
        ),
        (
            one_step("aws:changeInstanceState", DesiredState="running"),
            {"ec2:StartInstances", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus"},
        ),
        (
            one_step("aws:changeInstanceState", DesiredState="{{ State }}"),
            {
                "ec2:StartInstances",
                "ec2:StopInstances",
                "ec2:TerminateInstances",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
            },
        ),
        (
            one_step("aws:executeAutomation", DocumentName="Other"),
            {"ssm:StartAutomationExecution", "ssm:GetAutomationExecution"},
        ),
        (one_step("aws:invokeLambdaFunction", FunctionName="f"), {"lambda:InvokeFunction"}),
        (
            one_step("aws:executeStateMachine", stateMachineArn="arn"),
            {"states:StartExecution", "states:DescribeExecution"},
        ),
        (one_step("aws:createTags", ResourceType="EC2"), {"ec2:CreateTags"}),
        (one_step("aws:branch", Choices=[]), set()),
        (one_step("aws:sleep", Duration="PT1S"), set()),
        (one_step("aws:executeScript", Runtime="python3.11"), set()),
        (one_step("aws:executeAwsApi", Service="{{ Service }}", Api="Describe"), set()),
    ],
)
def test_required_iam_actions(document_content, expected):
    assert required_iam_actions(document_content) == expected


def test_granted_iam_actions_reads_inline_and_attached_policies_and_ignores_deny():
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {
                            "PolicyDocument": {
                                "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]
                            }
                        }
                    ]
                },
            },
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Roles": [{"Ref": "Role"}],
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["ec2:Describe*", "ssm:SendCommand"],
                                "Resource": "*",
                            },
                            {"Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*"},
                        ]
                    },
                },
            },
            "OtherPolicy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Roles": [{"Ref": "Other"}],
                    "PolicyDocument": {
                        "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]
                    },
                },
            },
        }
    }
    granted = granted_iam_actions(template, "Role")
    assert granted == {"sns:Publish", "ec2:Describe*", "ssm:SendCommand"}
    assert missing_iam_actions({"ec2:DescribeInstances", "EC2:describeinstancestatus"}, granted) == set()
    assert missing_iam_actions({"ec2:TerminateInstances", "iam:PassRole"}, granted) == {
        "ec2:TerminateInstances",
        "iam:PassRole",
    }
    with pytest.raises(KeyError, match="'Policy' is not an AWS::IAM::Role"):
        granted_iam_actions(template, "Policy")


@pytest.mark.parametrize(
    "document",
    [
        {"onFailure": []},
        {"mainSteps": [{"name": "A", "action": "aws:sleep", "onFailure": []}]},
        {"mainSteps": [{"name": [1], "action": "aws:sleep"}]},
        {"mainSteps": [{"name": "A", "action": {"a": []}}]},
        {"parameters": {"P": {"type": ["String"]}}, "mainSteps": []},
    ],
)
def test_values_of_the_wrong_type_are_reported_not_raised(document):
    # Found by the fuzzing above (a list where a string belongs is unhashable): a problem, not a crash.
    assert validate_automation_document(document)
