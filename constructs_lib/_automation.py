"""What every SSM Automation runbook construct of this library shares."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib._nag import acknowledge, nag_arn


def grant_start(
    *, document: ssm.CfnDocument, role: iam.IRole, automation_definition_arn: str, grantee: iam.IGrantable
) -> iam.Grant:
    """Let ``grantee`` start the runbook with its role and follow the executions it starts.

    ``ssm:StartAutomationExecution`` on the document (any version), ``ssm:GetAutomationExecution``
    on executions, and ``iam:PassRole`` of ``role`` to SSM only (``iam:PassedToService``). The two
    wildcards this needs are acknowledged for cdk-nag when ``grantee`` is a construct of the
    document's stack (elsewhere the document's id in the finding is an export name: acknowledge it
    there).
    """
    stack = cdk.Stack.of(document)
    grant = iam.Grant.add_to_principal(
        grantee=grantee, actions=["ssm:StartAutomationExecution"], resource_arns=[automation_definition_arn]
    )
    iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["ssm:GetAutomationExecution"],
        resource_arns=[stack.format_arn(service="ssm", resource="automation-execution", resource_name="*")],
    )
    iam.Grant.add_to_principal(
        grantee=grantee,
        actions=["iam:PassRole"],
        resource_arns=[role.role_arn],
        conditions={"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}},
    )
    if isinstance(grantee, Construct) and cdk.Stack.of(grantee) is stack:
        definition = f"automation-definition/<{stack.get_logical_id(document)}>:*"
        acknowledge(
            grantee,
            f"AwsSolutions-IAM5[Resource::{nag_arn(document, 'ssm', definition)}]",
            "Starting a runbook authorizes its document at every version (':*'); the document is this "
            "one only.",
        )
        acknowledge(
            grantee,
            f"AwsSolutions-IAM5[Resource::{nag_arn(document, 'ssm', 'automation-execution/*')}]",
            "Execution ids exist only once started; GetAutomationExecution only reads their status.",
        )
    return grant
