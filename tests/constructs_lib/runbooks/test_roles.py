"""Every DR runbook synthesized: each role grants what its steps and scripts call and nothing more,
mutations need the environment tag, SSM of this account only assumes it, grant_start, cdk-nag,
cfn-lint."""

from __future__ import annotations

import json

import pytest

from constructs_lib.runbooks.validation import (
    granted_iam_actions,
    missing_iam_actions,
    required_iam_actions,
    validate_automation_document,
)
from tests.constructs_lib.runbooks.helpers import (
    ACCOUNT,
    DOCUMENTS,
    document_and_role,
    role_statements,
    script_actions,
)
from tests.unit.quality import cfn_lint


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_role_grants_every_api_its_steps_and_scripts_call(dr_synthesized, name):
    template, content, role_id = document_and_role(dr_synthesized, name)
    assert validate_automation_document(content) == []
    required = required_iam_actions(content) | script_actions(content)
    if "Tags" in json.dumps(content):
        required.add("rds:AddTagsToResource")  # RDS authorizes tags given at creation separately
    assert missing_iam_actions(required, granted_iam_actions(template, role_id)) == set()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_role_grants_nothing_its_runbook_does_not_use(dr_synthesized, name):
    template, content, role_id = document_and_role(dr_synthesized, name)
    required = required_iam_actions(content) | script_actions(content) | {"rds:AddTagsToResource"}
    extra = {a for a in granted_iam_actions(template, role_id) if not a.startswith("kms:")} - required
    assert extra == set()


def test_mutating_permissions_on_shared_resources_require_the_environment_tag(dr_synthesized):
    for name in (
        "failover",
        "failback",
        "db_failover_drill",
        "pitr_drill",
        "backup_drill",
        "region_restore",
        "region_restore_no_dns",
    ):
        template, _, role_id = document_and_role(dr_synthesized, name)
        for statement in role_statements(template, role_id):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if {"autoscaling:UpdateAutoScalingGroup", "rds:RebootDBInstance", "rds:DeleteDBInstance"} & set(
                actions
            ):
                condition = statement["Condition"]["StringEquals"]
                assert condition["aws:ResourceTag/Environment"] == "prod", name
                assert set(condition) <= {"aws:ResourceTag/Environment", "aws:ResourceTag/Drill"}, name


def test_roles_trust_only_this_account_s_automation(dr_synthesized):
    template, _, role_id = document_and_role(dr_synthesized, "failover")
    (statement,) = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "ssm.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


def test_grant_start_lets_a_caller_start_the_runbook_with_its_role(dr_synthesized):
    _, templates, _ = dr_synthesized
    policies = [
        r["Properties"]["PolicyDocument"]
        for k, r in templates["Tokyo"]["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy" and k.startswith("IncidentDetector")
    ]
    text = json.dumps(policies)
    assert "ssm:StartAutomationExecution" in text and "automation-definition" in text
    assert "iam:PassRole" in text and "ssm:GetAutomationExecution" in text
    # The runbook's role may be passed to SSM only.
    pass_role = [st for p in policies for st in p["Statement"] if st["Action"] == "iam:PassRole"]
    assert pass_role and all(
        st["Condition"] == {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}} for st in pass_role
    )


def test_cdk_nag_finds_nothing_unacknowledged(dr_synthesized):
    assert dr_synthesized[2] == []


@pytest.mark.parametrize(("stack", "region"), [("Osaka", "ap-northeast-3"), ("Tokyo", "ap-northeast-1")])
def test_cfn_lint_is_clean(dr_synthesized, stack, region):
    assert cfn_lint(dr_synthesized[1][stack], region) == []
