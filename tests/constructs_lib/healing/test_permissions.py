"""Least privilege of the healing role: wildcards only for reads, every mutation tag-conditioned or named."""

from __future__ import annotations

import json
import re

from tests.constructs_lib.healing.support import as_list, join, logical_id, role_statements, statements

MUTATING = re.compile(
    r"^(ec2:(Start|Stop|Reboot|Terminate)Instances|autoscaling:(Set|Terminate|Update|Detach)\w+|"
    r"ssm:(SendCommand|StartAutomationExecution)|iam:PassRole)$"
)


READ_ONLY = re.compile(r"^[a-z0-9-]+:(Describe|Get|List)\w*$|^xray:Put(TraceSegments|TelemetryRecords)$")


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
        "autoscaling:TerminateInstanceInAutoScalingGroup",
        "ssm:SendCommand",
        "ssm:StartAutomationExecution",
        "iam:PassRole",
    }


def test_wildcard_resources_only_for_read_only_actions(synthesized):
    for statement in role_statements(synthesized, "Full", synthesized["full"].role):
        if "*" in as_list(statement["Resource"]):
            offending = [a for a in as_list(statement["Action"]) if not READ_ONLY.match(a)]
            assert offending == [], f"{offending} granted on '*'"


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


def test_detector_can_read_route53_health_checks_and_instance_refreshes(full):
    statements = json.dumps(full.find_resources("AWS::IAM::Policy"))
    for action in (
        "route53:ListHealthChecks",
        "route53:GetHealthCheckStatus",
        "route53:ListTagsForResources",
        "autoscaling:DescribeInstanceRefreshes",
    ):
        assert action in statements, action
