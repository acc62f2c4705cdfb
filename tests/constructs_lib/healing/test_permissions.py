"""Least privilege of the function's and the detector's roles: every action granted is called by the
handler code, wildcards only for reads, every mutation tag-conditioned or named, the detector mutates
nothing."""

from __future__ import annotations

import ast
import json
import re

import pytest

from constructs_lib._handlers import handler_folder
from tests.constructs_lib.healing.support import as_list, join, logical_id, role_statements, statements

MUTATING = re.compile(
    r"^(ec2:(Start|Stop|Reboot|Terminate)Instances|autoscaling:(Set|Terminate|Update|Detach)\w+|"
    r"ssm:(SendCommand|StartAutomationExecution)|iam:PassRole)$"
)


READ_ONLY = re.compile(r"^[a-z0-9-]+:(Describe|Get|List)\w*$|^xray:Put(TraceSegments|TelemetryRecords)$")
READS = re.compile(r"^[a-z0-9-]+:(Describe|Get|List|Query)\w*$")


def test_function_may_only_read_and_write_ledger_items(synthesized, full):
    ledger_id = logical_id(synthesized, "Full", synthesized["full"].ledger)
    ledger_statements = [
        s for s in statements(full) if {"Fn::GetAtt": [ledger_id, "Arn"]} in as_list(s["Resource"])
    ]
    granted = {a for s in ledger_statements for a in as_list(s["Action"])}
    assert granted == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
    }


def test_every_mutating_action_is_tag_conditioned_or_scoped_to_named_resources(synthesized):
    healing = synthesized["full"]
    checked = set()
    for statement in role_statements(synthesized, "Full", healing.role):
        actions = [a for a in as_list(statement["Action"]) if MUTATING.match(a)]
        if not actions:
            continue
        checked.update(actions)
        condition = statement.get("Condition", {})
        tagged = condition.get("StringEquals", {}).get("aws:ResourceTag/Environment") == "prod"
        resources = [json.dumps(r) for r in as_list(statement["Resource"])]
        named = all("*" not in r or "automation-definition/" in r for r in resources)
        assert tagged or named, f"{actions} on {resources} is neither tag-conditioned nor scoped"
    assert checked >= {
        "ec2:StartInstances",
        "ec2:StopInstances",
        "ec2:RebootInstances",
        "autoscaling:SetInstanceHealth",
        "autoscaling:SetDesiredCapacity",
        "ssm:SendCommand",
        "ssm:StartAutomationExecution",
        "iam:PassRole",
    }


@pytest.mark.parametrize("role", ["role", "detector_role"])
def test_wildcard_resources_only_for_read_only_actions(synthesized, role):
    for statement in role_statements(synthesized, "Full", getattr(synthesized["full"], role)):
        if "*" in as_list(statement["Resource"]):
            offending = [a for a in as_list(statement["Action"]) if not READ_ONLY.match(a)]
            assert offending == [], f"{offending} granted on '*'"


POWERTOOLS_IDEMPOTENCY = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
}
"""What Powertools' DynamoDB idempotency store calls on the ledger (not through the adapter)."""
GRANTED_BY_THE_PLATFORM = re.compile(
    r"^(logs|xray|kms):|^iam:PassRole$|^sqs:(SendMessage|GetQueueAttributes|GetQueueUrl)$"
)
"""Log writes, trace writes, the topics' key for SNS encryption, passing the runbook's role to SSM, and
the dead-letter queue: Lambda sends a failed asynchronous event to the on-failure destination with the
function's own role (Lambda Developer Guide, "Adding a destination": the execution role needs
permission for the destination's service)."""


IAM_NAMES = {"lambda:Invoke": "lambda:InvokeFunction"}
"""API operations whose IAM action has another name (Service Authorization Reference, AWS Lambda)."""


def handler_calls() -> set[str]:
    """Every AWS action the handler code calls: ``_call("service", "method")`` in its sources, named as
    IAM names them (the API operation of the boto3 method, from botocore's service model)."""
    import botocore.session

    session = botocore.session.get_session()
    methods: set[tuple[str, str]] = set()
    for path in handler_folder("auto_heal").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "_call"
                and len(node.args) >= 2
                and all(isinstance(a, ast.Constant) for a in node.args[:2])
            ):
                methods.add((node.args[0].value, node.args[1].value))
    actions = set(POWERTOOLS_IDEMPOTENCY)
    for service, method in methods:
        client = session.create_client(
            service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        api = client.meta.method_to_api_mapping[method]
        actions.add(IAM_NAMES.get(f"{service}:{api}", f"{service}:{api}"))
    return actions


def granted(synthesized, role) -> set[str]:
    return {a for s in role_statements(synthesized, "Full", role) for a in as_list(s["Action"])}


def test_every_granted_action_is_called_by_the_code_and_every_call_is_granted(synthesized):
    healing = synthesized["full"]
    calls = handler_calls()
    for role in (healing.role, healing.detector_role):
        unused = {a for a in granted(synthesized, role) if not GRANTED_BY_THE_PLATFORM.match(a)} - calls
        assert unused == set(), f"granted but never called: {sorted(unused)}"
    ungranted = calls - granted(synthesized, healing.role) - granted(synthesized, healing.detector_role)
    assert ungranted == set(), f"called but not granted: {sorted(ungranted)}"
    assert "autoscaling:TerminateInstanceInAutoScalingGroup" not in calls


def test_the_detector_role_changes_nothing(synthesized):
    healing = synthesized["full"]
    assert healing.detector_role is not healing.role
    actions = granted(synthesized, healing.detector_role)
    assert [a for a in actions if MUTATING.match(a)] == []
    assert "lambda:InvokeFunction" in actions  # it hands its findings to the function
    writes = {a for a in actions if not READS.match(a) and not GRANTED_BY_THE_PLATFORM.match(a)}
    assert writes == {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "sns:Publish",
        "lambda:InvokeFunction",
    }


def test_alarms_and_databases_are_read_by_resource_not_on_star(synthesized):
    healing = synthesized["full"]
    for statement in role_statements(synthesized, "Full", healing.role):
        actions = as_list(statement["Action"])
        if "cloudwatch:DescribeAlarms" in actions:
            (resource,) = as_list(statement["Resource"])
            assert join(resource).endswith(":alarm:webapp-prod-*")
        if "rds:DescribeDBInstances" in actions or "route53:GetHealthCheckStatus" in actions:
            assert "*" not in as_list(statement["Resource"])


def test_runbook_start_and_pass_role_are_scoped_to_the_runbook(synthesized):
    runbook = synthesized["runbook"]
    stack = synthesized["stacks"]["Full"]
    document_id = stack.get_logical_id(runbook.document)
    role_arn = {"Fn::GetAtt": [stack.get_logical_id(runbook.role.node.default_child), "Arn"]}
    found = {}
    for statement in role_statements(synthesized, "Full", synthesized["full"].role):
        for action in as_list(statement["Action"]):
            if action in ("ssm:StartAutomationExecution", "iam:PassRole"):
                found[action] = statement
    start = found["ssm:StartAutomationExecution"]
    (definition,) = as_list(start["Resource"])
    assert join(definition).endswith(f":automation-definition/<{document_id}>:*")
    pass_role = found["iam:PassRole"]
    assert pass_role["Resource"] == role_arn
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}}


def test_pause_switch_is_read_only(synthesized):
    (statement,) = [
        s
        for s in role_statements(synthesized, "Full", synthesized["full"].role)
        if "ssm:GetParameter" in as_list(s["Action"])
    ]
    assert as_list(statement["Action"]) == ["ssm:GetParameter"]
    assert join(statement["Resource"]).endswith(":parameter/webapp/prod/pause")


def test_no_aws_managed_policies(full):
    for role in full.find_resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_detector_can_read_route53_health_checks(synthesized):
    actions = granted(synthesized, synthesized["full"].detector_role)
    assert {
        "route53:ListHealthChecks",
        "route53:GetHealthCheckStatus",
        "route53:ListTagsForResources",
    } <= actions


DETECTOR_CALLS = {
    # scans (detector.scan)
    "ec2:DescribeInstanceStatus",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeInstanceRefreshes",
    "rds:DescribeDBInstances",
    "route53:ListHealthChecks",
    "route53:ListTagsForResources",
    "route53:GetHealthCheckStatus",
    # the pause switch, runbooks started for incidents, its ledger items, their notifications
    "ssm:GetParameter",
    "ssm:GetAutomationExecution",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "sns:Publish",
    # the hand-over
    "lambda:InvokeFunction",
}
"""What the detector's own code path calls (detector.py: scan, follow_executions, sightings, hand-over)."""


def test_the_detector_role_grants_exactly_what_the_detector_calls(synthesized):
    actions = granted(synthesized, synthesized["full"].detector_role)
    assert {a for a in actions if not GRANTED_BY_THE_PLATFORM.match(a)} == DETECTOR_CALLS
    assert handler_calls() >= DETECTOR_CALLS
