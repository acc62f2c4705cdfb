"""What every SSM Automation runbook construct of this library shares: the document skeleton and
its parameters, the ``_Runbook`` construct (an Automation document with its own role), prop checks,
ARN helpers and :func:`grant_start`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib._core import IPauseSwitch
from constructs_lib._core.severity import SEVERITIES, validate_severity
from constructs_lib.nag import acknowledge, nag_arn

# RDS DB instance identifiers: 1-63 letters, digits or hyphens, starting with a letter, no two
# consecutive hyphens, not ending with one (RDS User Guide, "Naming constraints in Amazon RDS").
_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
_BOOLEAN_STRING = ["true", "false"]


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


# ==============================================================================================
# Documents and their parameters
# ==============================================================================================
_ASSUME_ROLE_PARAMETER = "AutomationAssumeRole"


def _base_parameters(role_arn: str) -> dict[str, Any]:
    return {
        _ASSUME_ROLE_PARAMETER: {
            "type": "AWS::IAM::Role::Arn",
            "description": "Role the automation runs as. Default: the runbook's own role.",
            "default": role_arn,
        }
    }


def _pause_parameter() -> dict[str, Any]:
    return {
        "IgnorePauseSwitch": {
            "type": "String",
            "description": "Run even while the environment's pause switch is on (a human decided).",
            "allowedValues": _BOOLEAN_STRING,
            "default": "false",
        }
    }


def _document(description: str, parameters: dict, steps: list, outputs: Sequence[str] = ()) -> dict[str, Any]:
    content: dict[str, Any] = {
        "schemaVersion": "0.3",
        "description": description,
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": parameters,
        "mainSteps": steps,
    }
    if outputs:
        content["outputs"] = list(outputs)
    return content


# ==============================================================================================
# Constructs
# ==============================================================================================
def _validate_identifier(value: str, *, prop: str) -> str:
    if not cdk.Token.is_unresolved(value) and not _IDENTIFIER.match(value):
        raise ValueError(
            f"{prop} ({value!r}) must be an RDS identifier: 1-63 lowercase letters, digits or '-', "
            "starting with a letter, no '--', not ending with '-'."
        )
    return value


def _validate_topics(
    topics: Mapping[str, sns.ITopic], success_severity: str, failure_severity: str
) -> tuple[sns.ITopic, sns.ITopic]:
    success_severity = validate_severity(success_severity, prop="success_severity")
    failure_severity = validate_severity(failure_severity, prop="failure_severity")
    unknown = sorted(set(topics) - set(SEVERITIES))
    if unknown:
        raise ValueError(
            f"notification_topics has unknown severities {unknown}; use keys from {list(SEVERITIES)}."
        )
    for prop, severity in (("success_severity", success_severity), ("failure_severity", failure_severity)):
        if severity not in topics:
            raise ValueError(
                f"{prop} ({severity!r}) has no topic in notification_topics (keys: {sorted(topics)}); "
                "add that topic or choose another severity."
            )
    return topics[success_severity], topics[failure_severity]


class _Runbook(Construct):
    """An Automation document with its own role, assumed by SSM for this account's executions only."""

    def __init__(self, scope: Construct, id: str, *, description: str) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            description=description,
            assumed_by=iam.ServicePrincipal(
                "ssm.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="ssm", region="*", resource="automation-execution", resource_name="*"
                        )
                    },
                },
            ),
        )

    def _publish_document(self, content: dict[str, Any], document_name: str | None) -> None:
        if document_name is not None and not re.fullmatch(r"[A-Za-z0-9_.-]{3,128}", document_name):
            raise ValueError(
                f"document_name ({document_name!r}) must be 3-128 letters, digits, '_', '.' or '-'."
            )
        stack = cdk.Stack.of(self)
        self.content = content
        self.document = ssm.CfnDocument(
            self,
            "Resource",
            document_type="Automation",
            document_format="JSON",
            content=content,
            name=document_name,
            update_method="NewVersion",
        )
        #: Name of the SSM document (``StartAutomationExecution``'s ``DocumentName``).
        self.document_name: str = self.document.ref
        #: ARN callers of ``StartAutomationExecution`` need in their policy (every version).
        self.automation_definition_arn: str = stack.format_arn(
            service="ssm", resource="automation-definition", resource_name=f"{self.document_name}:*"
        )

    # -- policy helpers ------------------------------------------------------------------------
    def _allow(self, sid: str, actions: Sequence[str], resources: Sequence[str], **conditions: Any) -> None:
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid=sid, actions=list(actions), resources=list(resources), conditions=conditions or None
            )
        )

    def _allow_publish(self, *topics: sns.ITopic) -> None:
        for topic in {id(t): t for t in topics}.values():
            topic.grant_publish(self.role)
        if any(t.master_key is not None for t in topics):
            acknowledge_topic_key(self.role)

    def _allow_pause_read(self, pause_switch: IPauseSwitch) -> None:
        # GetParameter only (the one call of the AssertNotPaused step), not the switch's grant_read.
        self._allow("ReadPauseSwitch", ["ssm:GetParameter"], [pause_switch.parameter_arn])

    def _allow_kms_for_rds(self, sid: str, keys: Sequence[str]) -> None:
        if not keys:
            return
        self._allow(
            sid,
            ["kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"],
            keys,
            StringEquals={"kms:ViaService": f"rds.{cdk.Stack.of(self).region}.amazonaws.com"},
        )

    def grant_start(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start this runbook with its role and follow the execution
        (see :func:`grant_start`)."""
        return grant_start(
            document=self.document,
            role=self.role,
            automation_definition_arn=self.automation_definition_arn,
            grantee=grantee,
        )


# -- acknowledgements, worded once --------------------------------------------------------------
def acknowledge_topic_key(role: iam.IRole) -> None:
    """The ``kms:GenerateDataKey*`` that ``topic.grant_publish`` adds for an encrypted topic."""
    acknowledge(
        role,
        "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
        "topic.grant_publish grants kms:Decrypt and kms:GenerateDataKey* on the notification topics' own "
        "KMS key only (publishing to an SNS topic with server-side encryption needs both); the '*' also "
        "covers GenerateDataKeyPair* and GenerateDataKeyWithoutPlaintext, which SNS never calls.",
    )


def acknowledge_unscoped_reads(role: iam.IRole, actions: Sequence[str]) -> None:
    """``Resource::*`` of read-only actions that accept no resource ARN."""
    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        f"Only {', '.join(actions)} on '*': read-only, and the Service Authorization Reference lists no "
        "resource types for them (only '*' can grant them); every other action of this role names its "
        "resources.",
    )


#: Why a restore needs an RDS resource wildcard, by the resource part of the ARN.
RDS_WILDCARD_REASONS = {
    "og": "The restore is authorized on the option group it uses: the engine's default "
    "(default:<engine>-<major version>), whose name changes with the engine version. The instance the "
    "role may create is named in its policy.",
    "pg": "Without a parameter group of its own the restore uses, and is authorized on, the engine's "
    "default parameter group (default.<engine><major version>), whose name changes with the version.",
    "snapshot:awsbackup": "RestoreDBInstanceFromDBSnapshot on AWS Backup's recovery points only: AWS "
    "Backup names each snapshot awsbackup:job-<id>, and the newest is chosen at run time.",
    "auto-backup": "Replicated automated backups are named by a generated id (ab-...) chosen at run time; "
    "the role may describe them and restore from them into its one fixed target instance only.",
}


def acknowledge_rds_wildcards(scope: Construct, role: iam.IRole, resources: Sequence[str]) -> None:
    """``Resource::arn:...:rds:<region>:<account>:<resource>:*`` for each of ``resources``."""
    for resource in resources:
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:{_nag_region(scope)}:{_nag_account(scope)}:"
            f"{resource}:*]",
            RDS_WILDCARD_REASONS[resource],
        )


def _parameter_arn(scope: Construct, name: str, region: str | None = None) -> str:
    return cdk.Stack.of(scope).format_arn(
        service="ssm", region=region, resource="parameter", resource_name=name.lstrip("/")
    )


def _db_arn(scope: Construct, identifier: str, region: str | None = None) -> str:
    return cdk.Stack.of(scope).format_arn(
        service="rds",
        region=region,
        resource="db",
        resource_name=identifier,
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )


def _rds_arn(scope: Construct, resource: str, name: str) -> str:
    return cdk.Stack.of(scope).format_arn(
        service="rds", resource=resource, resource_name=name, arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
    )


def _asg_arn(scope: Construct, name: str, region: str | None = None) -> str:
    return cdk.Stack.of(scope).format_arn(
        service="autoscaling",
        region=region,
        resource="autoScalingGroup",
        resource_name=f"*:autoScalingGroupName/{name}",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )


def _health_check_arn(health_check_id: str) -> str:
    return f"arn:{cdk.Aws.PARTITION}:route53:::healthcheck/{health_check_id}"


def _nag_region(scope: Construct) -> str:
    region = cdk.Stack.of(scope).region
    return "<AWS::Region>" if cdk.Token.is_unresolved(region) else region


def _nag_account(scope: Construct) -> str:
    account = cdk.Stack.of(scope).account
    return "<AWS::AccountId>" if cdk.Token.is_unresolved(account) else account
