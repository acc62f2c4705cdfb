"""Point-in-time restore into a new instance (the accidental-deletion scenario):
:func:`pitr_restore_document` and :class:`PitrRestoreRunbook` (deploy it in the primary's region)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import Naming, Severity
from constructs_lib.nag import acknowledge
from constructs_lib.runbooks._base import (
    _base_parameters,
    _db_arn,
    _document,
    _nag_account,
    _nag_region,
    _rds_arn,
    _Runbook,
    _validate_identifier,
    _validate_topics,
    acknowledge_rds_wildcards,
)
from constructs_lib.runbooks.props import DatabasePlacement
from constructs_lib.runbooks.steps import _api, _notify, _wait_for_db_status

__all__ = ["PitrRestoreRunbook", "pitr_restore_document"]


_RESTORE_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


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
) -> dict[str, Any]:
    """Restore ``source_identifier`` as it was at ``RestoreTime`` into a new, deletion-protected instance.

    ``RestoreToPointInTime -> WaitForRestoredDatabase -> DescribeRestoredDatabase -> NotifyRestored``;
    any failure -> ``NotifyFailure``. The new instance uses the source's subnets and security group
    (the application can reach it to copy rows back) and carries the environment tag. Its name must
    start with ``<source>-`` (the role may create nothing else).
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
        _notify(
            "NotifyRestored",
            success_topic_arn,
            f"PITR restore of {source_identifier} ready",
            f"{source_identifier} restored to {{{{ RestoreTime }}}} as {{{{ TargetDBInstanceIdentifier }}}} "
            "at {{ DescribeRestoredDatabase.Endpoint }}:{{ DescribeRestoredDatabase.Port }} "
            "(deletion protection on; delete it when the data is recovered).",
            isEnd=True,
        ),
        _notify(
            "NotifyFailure",
            failure_topic_arn,
            f"PITR restore of {source_identifier} FAILED",
            "Restore {{ automation:EXECUTION_ID }} to {{ RestoreTime }} failed; see the execution's "
            "failed step (a partially created instance is kept for inspection).",
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
    :param environment_tag_key: tag key set on the new instance. Default: ``Environment``.
    :param document_name: SSM document name. Default: generated by CloudFormation.
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
            ),
            document_name,
        )
