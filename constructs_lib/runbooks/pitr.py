"""Point-in-time restore into a new instance (the accidental-deletion scenario):
:func:`pitr_restore_document` and :class:`PitrRestoreRunbook` (deploy it in the primary's region)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import Naming, Severity
from constructs_lib.nag import acknowledge, nag_arn
from constructs_lib.runbooks._base import (
    _base_parameters,
    _db_arn,
    _document,
    _nag_account,
    _nag_region,
    _parameter_arn,
    _rds_arn,
    _Runbook,
    _validate_identifier,
    _validate_topics,
    acknowledge_rds_wildcards,
    acknowledge_unscoped_reads,
)
from constructs_lib.runbooks.instance_document import COMMAND_ACTIONS, COMMAND_STEP_TIMEOUT_SECONDS
from constructs_lib.runbooks.props import DatabasePlacement, EndpointSwitch
from constructs_lib.runbooks.scripts import list_in_service_instances
from constructs_lib.runbooks.steps import _api, _notify, _script, _wait_for_db_status

__all__ = ["PitrRestoreRunbook", "pitr_restore_document"]


_RESTORE_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
#: The steps that point the application at the restored instance (see :func:`_switch_steps`).
SWITCH_STEP, LIST_STEP, RESTART_STEP = "SwitchDatabaseEndpoint", "ListAppInstances", "RestartApp"
# Read-only calls of the switch that accept no resource ARN (Service Authorization Reference):
# the script's DescribeAutoScalingGroups, and the two calls aws:runCommand makes to follow its command.
_SWITCH_UNSCOPED_READS = (
    "autoscaling:DescribeAutoScalingGroups",
    "ssm:ListCommands",
    "ssm:ListCommandInvocations",
)


def _switch_steps(switch: EndpointSwitch) -> list[dict[str, Any]]:
    """Write the restored endpoint where the app reads it, then restart the app so that it reads it.

    ``PutParameter`` (``Overwrite``) of ``DescribeRestoredDatabase.Endpoint``; the group's
    ``InService`` instances (none: the branch skips the restart, instances read the parameter when
    they start); one ``aws:runCommand`` of the Command document with ``Action=RestartService`` on all
    of them at once (the app should not write to both databases for longer than a restart), which
    restarts the unit and fails unless ``health_path`` answers 2xx on every instance (the document's
    own retries and probes; Systems Manager's ``MaxErrors`` default 0 stops at the first failure).
    """
    _, restart = COMMAND_ACTIONS
    return [
        _api(
            SWITCH_STEP,
            "ssm",
            "PutParameter",
            Name=switch.endpoint_parameter_name,
            Value="{{ DescribeRestoredDatabase.Endpoint }}",
            Type="String",
            Overwrite=True,
            onFailure="step:NotifyFailure",
        ),
        _script(
            LIST_STEP,
            list_in_service_instances,
            {"AutoScalingGroupName": switch.auto_scaling_group_name},
            outputs=[("InstanceIds", "StringList"), ("Count", "Integer"), ("Others", "String")],
            timeoutSeconds=120,
            onFailure="step:NotifyFailure",
        ),
        {
            "name": "HasAppInstances",
            "action": "aws:branch",
            "inputs": {
                "Choices": [
                    {
                        "NextStep": "NotifyRestored",
                        "Variable": f"{{{{ {LIST_STEP}.Count }}}}",
                        "NumericEquals": 0,
                    }
                ],
                "Default": RESTART_STEP,
            },
        },
        {
            "name": RESTART_STEP,
            "action": "aws:runCommand",
            "timeoutSeconds": COMMAND_STEP_TIMEOUT_SECONDS + 60,
            "onFailure": "step:NotifyFailure",
            "inputs": {
                "DocumentName": switch.command_document_name,
                "InstanceIds": f"{{{{ {LIST_STEP}.InstanceIds }}}}",
                "Comment": "Read the restored database endpoint: {{ automation:EXECUTION_ID }}",
                "Parameters": {"Action": restart, "HealthCheckPath": switch.health_path},
            },
        },
    ]


def pitr_restore_document(
    *,
    automation_role_arn: str,
    source_identifier: str,
    subnet_group_name: str,
    security_group_ids: Sequence[str],
    instance_class: str,
    parameter_group_name: str | None,
    environment_tag: tuple[str, str],
    success_topic_arn: str,
    failure_topic_arn: str,
    endpoint_switch: EndpointSwitch | None = None,
) -> dict[str, Any]:
    """Restore ``source_identifier`` as it was at ``RestoreTime`` into a new, deletion-protected instance.

    ``RestoreToPointInTime -> WaitForRestoredDatabase -> DescribeRestoredDatabase ->
    [SwitchDatabaseEndpoint -> ListAppInstances -> HasAppInstances -> RestartApp ->] NotifyRestored``;
    any failure -> ``NotifyFailure``. The new instance uses the source's subnets and security group
    (the application can reach it) and carries the environment tag. Its name must start with
    ``<source>-`` (the role may create nothing else). With ``endpoint_switch`` the run ends with the
    application reading the restored instance (see :func:`_switch_steps`); without, the notification
    names the endpoint and pointing the application at it is a person's change.
    """
    tag_key, tag_value = environment_tag
    parameters = {
        **_base_parameters(automation_role_arn),
        "RestoreTime": {
            "type": "String",
            "description": "UTC time to restore to, e.g. 2026-01-31T09:15:00Z (within the PITR window).",
            "allowedPattern": _RESTORE_TIME_PATTERN,
        },
        "TargetDBInstanceIdentifier": {
            "type": "String",
            "description": f"Name of the new instance; must start with '{source_identifier}-'.",
            "allowedPattern": rf"^{re.escape(source_identifier)}-[a-z0-9]+(-[a-z0-9]+)*$",
        },
        "DBInstanceClass": {"type": "String", "description": "Instance class.", "default": instance_class},
    }
    restore = _api(
        "RestoreToPointInTime",
        "rds",
        "RestoreDBInstanceToPointInTime",
        SourceDBInstanceIdentifier=source_identifier,
        TargetDBInstanceIdentifier="{{ TargetDBInstanceIdentifier }}",
        RestoreTime="{{ RestoreTime }}",
        DBInstanceClass="{{ DBInstanceClass }}",
        DBSubnetGroupName=subnet_group_name,
        VpcSecurityGroupIds=list(security_group_ids),
        MultiAZ=False,
        PubliclyAccessible=False,
        DeletionProtection=True,
        CopyTagsToSnapshot=True,
        EnableIAMDatabaseAuthentication=True,
        Tags=[
            {"Key": tag_key, "Value": tag_value},
            {"Key": "RestoredFrom", "Value": source_identifier},
            {"Key": "RestoreTime", "Value": "{{ RestoreTime }}"},
            {"Key": "RestoredBy", "Value": "{{ automation:EXECUTION_ID }}"},
        ],
        outputs=[{"Name": "RestoredInstanceArn", "Selector": "$.DBInstance.DBInstanceArn", "Type": "String"}],
        onFailure="step:NotifyFailure",
    )
    if parameter_group_name:
        restore["inputs"]["DBParameterGroupName"] = parameter_group_name
    steps = [
        restore,
        _wait_for_db_status(
            "WaitForRestoredDatabase",
            "{{ TargetDBInstanceIdentifier }}",
            "available",
            7200,
            onFailure="step:NotifyFailure",
        ),
        _api(
            "DescribeRestoredDatabase",
            "rds",
            "DescribeDBInstances",
            DBInstanceIdentifier="{{ TargetDBInstanceIdentifier }}",
            outputs=[
                {"Name": "Endpoint", "Selector": "$.DBInstances[0].Endpoint.Address", "Type": "String"},
                {"Name": "Port", "Selector": "$.DBInstances[0].Endpoint.Port", "Type": "Integer"},
            ],
            onFailure="step:NotifyFailure",
        ),
        *(_switch_steps(endpoint_switch) if endpoint_switch is not None else []),
        _notify(
            "NotifyRestored",
            success_topic_arn,
            f"PITR restore of {source_identifier} ready",
            f"{source_identifier} restored to {{{{ RestoreTime }}}} as {{{{ TargetDBInstanceIdentifier }}}} "
            "at {{ DescribeRestoredDatabase.Endpoint }}:{{ DescribeRestoredDatabase.Port }} "
            + (
                f"(deletion protection on). The application now uses it: "
                f"{endpoint_switch.endpoint_parameter_name} names it and {{{{ {LIST_STEP}.Count }}}} "
                f"InService instance(s) of {endpoint_switch.auto_scaling_group_name} restarted and "
                f"answered {endpoint_switch.health_path}; others ({{{{ {LIST_STEP}.Others }}}}) read it "
                f"when their app starts. {source_identifier} is untouched: to switch back, write its "
                "endpoint there and restart the app again."
                if endpoint_switch is not None
                else "(deletion protection on; delete it when the data is recovered). Nothing in this "
                "runbook points the application at it."
            ),
            isEnd=True,
        ),
        _notify(
            "NotifyFailure",
            failure_topic_arn,
            f"PITR restore of {source_identifier} FAILED",
            "Restore {{ automation:EXECUTION_ID }} to {{ RestoreTime }} failed; see the execution's "
            "failed step (a partially created instance is kept for inspection)."
            + (
                f" If {SWITCH_STEP} ran, {endpoint_switch.endpoint_parameter_name} already names the "
                "restored instance: finish the restart, or write the original endpoint back."
                if endpoint_switch is not None
                else ""
            ),
            isEnd=True,
        ),
    ]
    return _document(
        f"Restore RDS {source_identifier} to a point in time, into a new instance.",
        parameters,
        steps,
        outputs=["RestoreToPointInTime.RestoredInstanceArn", "DescribeRestoredDatabase.Endpoint"],
    )


class PitrRestoreRunbook(_Runbook):
    """Point-in-time restore of the database into a new instance (the accidental-deletion scenario).

    Parameters of a run: ``RestoreTime`` (UTC, ``YYYY-MM-DDThh:mm:ssZ``), ``TargetDBInstanceIdentifier``
    (must start with ``<source>-``), ``DBInstanceClass``. See :func:`pitr_restore_document`.

    :param naming: the app and environment; the restored instance gets the environment tag
        (``environment_tag_key`` = ``naming.environment``).
    :param source_identifier: database to restore from.
    :param placement: DB subnet group and security groups of the new instance (the source's, so its
        clients can reach it).
    :param encryption_key: key of the source's storage (RDS creates a grant on it for the restore).
    :param notification_topics: topics keyed by severity.
    :param instance_class: default of the run parameter ``DBInstanceClass``. Default: ``db.t4g.medium``.
    :param parameter_group_name: parameter group of the new instance. Default: the engine's default.
    :param success_severity: topic of the success message. Default: ``high``.
    :param failure_severity: topic of the failure message. Default: ``critical``.
    :param environment_tag_key: tag key set on the new instance (and required on the instances the
        switch restarts). Default: ``Environment``.
    :param document_name: SSM document name. Default: generated by CloudFormation.
    :param endpoint_switch: where the application reads its database host and how it is restarted:
        the run then ends with the application using the restored instance. The role may overwrite
        that one parameter, describe groups, and send that one Command document to instances
        carrying the environment tag. Default: none (the runbook restores; a person points the
        application at the new instance, and the recovery budget reports the scenario not covered).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        source_identifier: str,
        placement: DatabasePlacement,
        encryption_key: kms.IKey,
        notification_topics: Mapping[str, sns.ITopic],
        instance_class: str = "db.t4g.medium",
        parameter_group_name: str | None = None,
        success_severity: Severity = Severity.HIGH,
        failure_severity: Severity = Severity.CRITICAL,
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
        endpoint_switch: EndpointSwitch | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the point-in-time restore runbook (SSM Automation).")
        _validate_identifier(source_identifier, prop="source_identifier")
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
        self.naming = naming
        subnet_group_name = placement.subnet_group_name
        restored = _db_arn(self, f"{source_identifier}-*")
        self._allow(
            "RestoreIntoNewInstance",
            ["rds:RestoreDBInstanceToPointInTime"],
            [
                _db_arn(self, source_identifier),
                restored,
                _rds_arn(self, "subgrp", subnet_group_name),
                _rds_arn(self, "og", "*"),
                _rds_arn(self, "pg", parameter_group_name or "*"),
            ],
        )
        self._allow(
            "TagAndDescribeRestored", ["rds:AddTagsToResource", "rds:DescribeDBInstances"], [restored]
        )
        self._allow_kms_for_rds("UseDatabaseKey", [encryption_key.key_arn])
        self._allow_publish(success_topic, failure_topic)
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:{_nag_region(self)}:{_nag_account(self)}:"
            f"db:{source_identifier}-*]",
            "The restored instance's name is a run parameter (it must start with '<source>-'); the role "
            "may only create, tag and describe instances named so, and may delete or modify none.",
        )
        acknowledge_rds_wildcards(self, self.role, ("og",) if parameter_group_name else ("og", "pg"))
        if endpoint_switch is not None:
            self._allow_switch(endpoint_switch, environment_tag_key)
        self._publish_document(
            pitr_restore_document(
                automation_role_arn=self.role.role_arn,
                source_identifier=source_identifier,
                subnet_group_name=subnet_group_name,
                security_group_ids=placement.security_group_ids,
                instance_class=instance_class,
                parameter_group_name=parameter_group_name,
                environment_tag=(environment_tag_key, naming.environment),
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
                endpoint_switch=endpoint_switch,
            ),
            document_name,
        )
        #: How the run points the application at the restored instance (``None``: it does not).
        self.endpoint_switch = endpoint_switch

    def _allow_switch(self, switch: EndpointSwitch, tag_key: str) -> None:
        """PutParameter on the one parameter; SendCommand of the one document to tagged instances."""
        stack = cdk.Stack.of(self)
        self._allow(
            "PointAppAtRestoredDatabase",
            ["ssm:PutParameter"],
            [_parameter_arn(self, switch.endpoint_parameter_name)],
        )
        self._allow(
            "RestartAppWithCommandDocumentOnly",
            ["ssm:SendCommand"],
            [
                stack.format_arn(
                    service="ssm", resource="document", resource_name=switch.command_document_name
                )
            ],
        )
        self._allow(
            "RestartAppOnTaggedInstancesOnly",
            ["ssm:SendCommand"],
            [stack.format_arn(service="ec2", resource="instance", resource_name="*")],
            StringEquals={f"aws:ResourceTag/{tag_key}": self.naming.environment},
        )
        self._allow("FindAndFollowAppInstances", list(_SWITCH_UNSCOPED_READS), ["*"])
        acknowledge_unscoped_reads(self.role, _SWITCH_UNSCOPED_READS)
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{nag_arn(self, 'ec2', 'instance/*')}]",
            "ssm:SendCommand of the library's own Command document (fixed steps: restart the app's unit "
            "and verify it) on instances carrying the environment tag only (aws:ResourceTag condition): "
            "which instances are InService is known only at run time.",
        )
