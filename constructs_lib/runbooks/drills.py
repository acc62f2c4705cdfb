"""Recovery drills that prove a recovery path works and leave nothing behind: PITR restore
(:class:`PitrDrillRunbook`), restore of the newest AWS Backup copy (:class:`BackupRestoreDrillRunbook`)
and Multi-AZ failover (:class:`DatabaseFailoverDrillRunbook`), each with its ``*_document`` function."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import IPauseSwitch, Naming, Severity
from constructs_lib.nag import acknowledge
from constructs_lib.runbooks._base import (
    _base_parameters,
    _db_arn,
    _document,
    _nag_account,
    _nag_region,
    _pause_parameter,
    _rds_arn,
    _Runbook,
    _validate_identifier,
    _validate_topics,
)
from constructs_lib.runbooks.props import DatabasePlacement
from constructs_lib.runbooks.scripts import delete_instance, describe_database, find_latest_recovery_point
from constructs_lib.runbooks.steps import _api, _notify, _pause_check, _script, _wait_for_db_status

__all__ = [
    "BackupRestoreDrillRunbook",
    "DatabaseFailoverDrillRunbook",
    "PitrDrillRunbook",
    "backup_restore_drill_document",
    "database_failover_drill_document",
    "pitr_drill_document",
]


def _drill_tail(
    *,
    drill_identifier: str,
    drill_name: str,
    success_message: str,
    success_topic_arn: str,
    failure_topic_arn: str,
) -> list[dict[str, Any]]:
    """Wait, check, delete and verify deletion; on failure delete anyway, then notify."""
    return [
        _wait_for_db_status(
            "WaitForDrillDatabase", drill_identifier, "available", 7200, onFailure="step:CleanUpAfterFailure"
        ),
        _script(
            "CheckDrillDatabase",
            describe_database,
            {"DBInstanceIdentifier": drill_identifier},
            outputs=[("Status", "String"), ("Endpoint", "String")],
            onFailure="step:CleanUpAfterFailure",
        ),
        _script(
            "DeleteDrillDatabase",
            delete_instance,
            {"DBInstanceIdentifier": drill_identifier, "TimeoutSeconds": 540, "PollSeconds": 15},
            outputs=[("Deleted", "Boolean")],
            maxAttempts=2,
            onFailure="step:NotifyFailure",
        ),
        _notify("NotifySuccess", success_topic_arn, f"{drill_name} passed", success_message, isEnd=True),
        _script(
            "CleanUpAfterFailure",
            delete_instance,
            {"DBInstanceIdentifier": drill_identifier, "TimeoutSeconds": 540, "PollSeconds": 15},
            outputs=[("Deleted", "Boolean")],
            maxAttempts=3,
            onFailure="step:NotifyFailure",
            nextStep="NotifyFailure",
        ),
        _notify(
            "NotifyFailure",
            failure_topic_arn,
            f"{drill_name} FAILED",
            f"{drill_name} {{{{ automation:EXECUTION_ID }}}} failed; the drill instance {drill_identifier} "
            "was deleted unless the CleanUpAfterFailure step failed too (check it).",
            isEnd=True,
        ),
    ]


def pitr_drill_document(
    *,
    automation_role_arn: str,
    source_identifier: str,
    drill_identifier: str,
    subnet_group_name: str,
    security_group_ids: Sequence[str],
    instance_class: str,
    environment_tag: tuple[str, str],
    success_topic_arn: str,
    failure_topic_arn: str,
) -> dict[str, Any]:
    """Prove point-in-time recovery works, then leave nothing behind.

    ``RecordLatestRestorableTime -> RestoreLatest -> WaitForDrillDatabase -> CheckDrillDatabase ->
    DeleteDrillDatabase (waits until gone) -> NotifySuccess``; a failure after the restore started goes
    to ``CleanUpAfterFailure`` (delete) then ``NotifyFailure``. ``LatestRestorableTime`` is the data
    the drill would lose (usually under 5 minutes behind).
    """
    tag_key, tag_value = environment_tag
    steps = [
        _api(
            "RecordLatestRestorableTime",
            "rds",
            "DescribeDBInstances",
            DBInstanceIdentifier=source_identifier,
            outputs=[
                {
                    "Name": "LatestRestorableTime",
                    "Selector": "$.DBInstances[0].LatestRestorableTime",
                    "Type": "String",
                }
            ],
            onFailure="step:NotifyFailure",
        ),
        _api(
            "RestoreLatest",
            "rds",
            "RestoreDBInstanceToPointInTime",
            SourceDBInstanceIdentifier=source_identifier,
            TargetDBInstanceIdentifier=drill_identifier,
            UseLatestRestorableTime=True,
            DBInstanceClass=instance_class,
            DBSubnetGroupName=subnet_group_name,
            VpcSecurityGroupIds=list(security_group_ids),
            MultiAZ=False,
            PubliclyAccessible=False,
            DeletionProtection=False,
            Tags=[{"Key": tag_key, "Value": tag_value}, {"Key": "Drill", "Value": "pitr"}],
            onFailure="step:NotifyFailure",
        ),
        *_drill_tail(
            drill_identifier=drill_identifier,
            drill_name="PITR drill",
            success_message=(
                f"PITR drill {{{{ automation:EXECUTION_ID }}}}: {source_identifier} restored to its latest "
                "restorable time ({{ RecordLatestRestorableTime.LatestRestorableTime }}) as "
                f"{drill_identifier}, which reached 'available' and was deleted."
            ),
            success_topic_arn=success_topic_arn,
            failure_topic_arn=failure_topic_arn,
        ),
    ]
    return _document(
        f"PITR drill: restore {source_identifier} to its latest restorable time, check, delete.",
        _base_parameters(automation_role_arn),
        steps,
        outputs=["RecordLatestRestorableTime.LatestRestorableTime", "CheckDrillDatabase.Status"],
    )


def backup_restore_drill_document(
    *,
    automation_role_arn: str,
    vault_name: str,
    source_database_arn: str,
    drill_identifier: str,
    subnet_group_name: str,
    security_group_ids: Sequence[str],
    instance_class: str,
    environment_tag: tuple[str, str],
    success_topic_arn: str,
    failure_topic_arn: str,
) -> dict[str, Any]:
    """Prove the copies in this region's vault restore, and measure how old the newest one is.

    ``FindLatestRecoveryPoint -> RestoreRecoveryPoint -> WaitForDrillDatabase -> CheckDrillDatabase ->
    DeleteDrillDatabase -> NotifySuccess``; failures after the restore started are cleaned up.
    ``FindLatestRecoveryPoint.AgeMinutes`` is the data a backup-and-restore recovery would lose now.
    """
    tag_key, tag_value = environment_tag
    steps = [
        _script(
            "FindLatestRecoveryPoint",
            find_latest_recovery_point,
            {"BackupVaultName": vault_name, "ResourceArn": source_database_arn},
            outputs=[
                ("RecoveryPointArn", "String"),
                ("SnapshotIdentifier", "String"),
                ("CreationDate", "String"),
                ("AgeMinutes", "Integer"),
            ],
            onFailure="step:NotifyFailure",
        ),
        _api(
            "RestoreRecoveryPoint",
            "rds",
            "RestoreDBInstanceFromDBSnapshot",
            DBInstanceIdentifier=drill_identifier,
            DBSnapshotIdentifier="{{ FindLatestRecoveryPoint.SnapshotIdentifier }}",
            DBInstanceClass=instance_class,
            DBSubnetGroupName=subnet_group_name,
            VpcSecurityGroupIds=list(security_group_ids),
            MultiAZ=False,
            PubliclyAccessible=False,
            DeletionProtection=False,
            Tags=[{"Key": tag_key, "Value": tag_value}, {"Key": "Drill", "Value": "backup-restore"}],
            onFailure="step:NotifyFailure",
        ),
        *_drill_tail(
            drill_identifier=drill_identifier,
            drill_name="Backup-restore drill",
            success_message=(
                "Backup-restore drill {{ automation:EXECUTION_ID }}: recovery point "
                "{{ FindLatestRecoveryPoint.RecoveryPointArn }} (created "
                "{{ FindLatestRecoveryPoint.CreationDate }}, {{ FindLatestRecoveryPoint.AgeMinutes }} "
                f"minutes old) restored as {drill_identifier}, reached 'available', and was deleted."
            ),
            success_topic_arn=success_topic_arn,
            failure_topic_arn=failure_topic_arn,
        ),
    ]
    return _document(
        f"Backup-restore drill: restore the newest copy in vault {vault_name}, check, delete.",
        _base_parameters(automation_role_arn),
        steps,
        outputs=["FindLatestRecoveryPoint.AgeMinutes", "FindLatestRecoveryPoint.RecoveryPointArn"],
    )


def database_failover_drill_document(
    *,
    automation_role_arn: str,
    database_identifier: str,
    pause_parameter_name: str,
    success_topic_arn: str,
    failure_topic_arn: str,
) -> dict[str, Any]:
    """Force a Multi-AZ failover (reboot with failover) and verify the primary moved zone.

    ``CheckPauseOverride -> AssertNotPaused -> DescribeBeforeFailover (refuses a single-AZ instance) ->
    RebootWithFailover -> WaitForFailoverToStart -> WaitForDatabaseAvailable -> VerifyZoneChanged ->
    NotifySuccess``; failures -> ``NotifyFailure``. Nothing to clean up: the instance stays Multi-AZ
    with its standby in the former primary's zone.
    """
    steps = [
        *_pause_check(pause_parameter_name, "DescribeBeforeFailover"),
        _script(
            "DescribeBeforeFailover",
            describe_database,
            {"DBInstanceIdentifier": database_identifier, "RequireMultiAz": True},
            outputs=[("AvailabilityZone", "String"), ("SecondaryAvailabilityZone", "String")],
            onFailure="step:NotifyFailure",
        ),
        _api(
            "RebootWithFailover",
            "rds",
            "RebootDBInstance",
            DBInstanceIdentifier=database_identifier,
            ForceFailover=True,
            onFailure="step:NotifyFailure",
        ),
        {"name": "WaitForFailoverToStart", "action": "aws:sleep", "inputs": {"Duration": "PT30S"}},
        _wait_for_db_status(
            "WaitForDatabaseAvailable", database_identifier, "available", 1800, onFailure="step:NotifyFailure"
        ),
        _script(
            "VerifyZoneChanged",
            describe_database,
            {
                "DBInstanceIdentifier": database_identifier,
                "RequireZoneOtherThan": "{{ DescribeBeforeFailover.AvailabilityZone }}",
            },
            outputs=[("AvailabilityZone", "String")],
            onFailure="step:NotifyFailure",
        ),
        _notify(
            "NotifySuccess",
            success_topic_arn,
            f"Database failover drill passed ({database_identifier})",
            f"Drill {{{{ automation:EXECUTION_ID }}}}: {database_identifier} failed over from "
            "{{ DescribeBeforeFailover.AvailabilityZone }} to {{ VerifyZoneChanged.AvailabilityZone }} "
            "and is available.",
            isEnd=True,
        ),
        _notify(
            "NotifyFailure",
            failure_topic_arn,
            f"Database failover drill FAILED ({database_identifier})",
            "Drill {{ automation:EXECUTION_ID }} failed, was refused (single-AZ instance, pause switch "
            "on), or the primary did not change zone; see the execution's failed step.",
            isEnd=True,
        ),
    ]
    return _document(
        f"Database failover drill: reboot {database_identifier} with failover and verify.",
        {**_base_parameters(automation_role_arn), **_pause_parameter()},
        steps,
        outputs=["DescribeBeforeFailover.AvailabilityZone", "VerifyZoneChanged.AvailabilityZone"],
    )


def _drill_identifier(source_identifier: str, kind: str) -> str:
    base = source_identifier[: 63 - len(kind) - 7].rstrip("-")
    return f"{base}-{kind}-drill"


class _DrillRunbook(_Runbook):
    """Shared permissions of the restore drills: create, check and delete one named instance."""

    def _allow_drill_instance(
        self, *, drill_identifier: str, environment_tag_key: str, naming: Naming
    ) -> None:
        drill = _db_arn(self, drill_identifier)
        self._allow(
            "TagAndDescribeDrillInstance", ["rds:AddTagsToResource", "rds:DescribeDBInstances"], [drill]
        )
        self._allow(
            "DeleteOnlyTheDrillInstance",
            ["rds:DeleteDBInstance"],
            [drill],
            StringEquals={f"aws:ResourceTag/{environment_tag_key}": naming.environment},
        )


class PitrDrillRunbook(_DrillRunbook):
    """PITR drill: restore the latest restorable time into ``<source>-pitr-drill``, check, delete.

    See :func:`pitr_drill_document`.

    :param naming: the app and environment; the drill instance gets the environment tag and only an
        instance carrying it may be deleted.
    :param source_identifier: database to restore from.
    :param placement: DB subnet group and security groups of the drill instance.
    :param encryption_key: key of the source's storage (RDS creates a grant on it for the restore).
    :param notification_topics: topics keyed by severity.
    :param instance_class: class of the drill instance. Default: ``db.t4g.medium``.
    :param success_severity: topic of the success message. Default: ``low``.
    :param failure_severity: topic of the failure message. Default: ``high``.
    :param environment_tag_key: tag key of the IAM conditions. Default: ``Environment``.
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
        success_severity: Severity = Severity.LOW,
        failure_severity: Severity = Severity.HIGH,
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the PITR drill runbook (SSM Automation).")
        _validate_identifier(source_identifier, prop="source_identifier")
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
        self.naming = naming
        subnet_group_name = placement.subnet_group_name
        self.drill_identifier = _drill_identifier(source_identifier, "pitr")
        self._allow("DescribeSource", ["rds:DescribeDBInstances"], [_db_arn(self, source_identifier)])
        self._allow(
            "RestoreIntoDrillInstance",
            ["rds:RestoreDBInstanceToPointInTime"],
            [
                _db_arn(self, source_identifier),
                _db_arn(self, self.drill_identifier),
                _rds_arn(self, "subgrp", subnet_group_name),
                _rds_arn(self, "og", "*"),
                _rds_arn(self, "pg", "*"),
            ],
        )
        self._allow_drill_instance(
            drill_identifier=self.drill_identifier,
            environment_tag_key=environment_tag_key,
            naming=naming,
        )
        self._allow_kms_for_rds("UseDatabaseKey", [encryption_key.key_arn])
        self._allow_publish(success_topic, failure_topic)
        for resource in ("og", "pg"):
            acknowledge(
                self.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:{_nag_region(self)}:"
                f"{_nag_account(self)}:{resource}:*]",
                "The drill restores with the engine's default option and parameter groups, whose names "
                "vary with the version; the instance itself is fixed.",
            )
        self._publish_document(
            pitr_drill_document(
                automation_role_arn=self.role.role_arn,
                source_identifier=source_identifier,
                drill_identifier=self.drill_identifier,
                subnet_group_name=subnet_group_name,
                security_group_ids=placement.security_group_ids,
                instance_class=instance_class,
                environment_tag=(environment_tag_key, naming.environment),
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
            ),
            document_name,
        )


class BackupRestoreDrillRunbook(_DrillRunbook):
    """Backup-restore drill: restore the newest recovery point of ``vault_name`` (DR region), check, delete.

    Deploy it where the copies are (the DR region). The drill instance is
    ``<source identifier>-backup-drill`` in the given placement (a
    :class:`~constructs_lib.data.DatabaseNetwork` in a region without a standing database).

    :param naming: the app and environment; the drill instance gets the environment tag and only an
        instance carrying it may be deleted.
    :param vault_name: the vault holding the copies (``DrBackupVault``).
    :param source_database_arn: ARN of the backed-up database (in the primary region; copies keep it).
    :param placement: DB subnet group and security groups of the drill instance.
    :param recovery_point_key: key the copies are encrypted with (the DR vault's key).
    :param notification_topics: topics keyed by severity.
    :param instance_class: class of the drill instance. Default: ``db.t4g.medium``.
    :param success_severity: topic of the success message. Default: ``low``.
    :param failure_severity: topic of the failure message. Default: ``high``.
    :param environment_tag_key: tag key of the IAM conditions. Default: ``Environment``.
    :param document_name: SSM document name. Default: generated by CloudFormation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        vault_name: str,
        source_database_arn: str,
        placement: DatabasePlacement,
        recovery_point_key: kms.IKey,
        notification_topics: Mapping[str, sns.ITopic],
        instance_class: str = "db.t4g.medium",
        success_severity: Severity = Severity.LOW,
        failure_severity: Severity = Severity.HIGH,
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the backup-restore drill runbook (SSM Automation).")
        match = re.match(r"^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:(?P<id>.+)$", source_database_arn)
        if not match:
            raise ValueError(
                f"source_database_arn ({source_database_arn!r}) must be an RDS DB instance ARN; build it "
                "with constructs_lib.data.database_arn()."
            )
        self.naming = naming
        subnet_group_name = placement.subnet_group_name
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
        stack = cdk.Stack.of(self)
        self.drill_identifier = _drill_identifier(match["id"], "backup")
        self._allow(
            "ListRecoveryPoints",
            ["backup:ListRecoveryPointsByBackupVault"],
            [
                stack.format_arn(
                    service="backup",
                    resource="backup-vault",
                    resource_name=vault_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        self._allow(
            "RestoreIntoDrillInstance",
            ["rds:RestoreDBInstanceFromDBSnapshot"],
            [
                _rds_arn(self, "snapshot", "awsbackup:*"),
                _db_arn(self, self.drill_identifier),
                _rds_arn(self, "subgrp", subnet_group_name),
                _rds_arn(self, "og", "*"),
                _rds_arn(self, "pg", "*"),
            ],
        )
        self._allow_drill_instance(
            drill_identifier=self.drill_identifier,
            environment_tag_key=environment_tag_key,
            naming=naming,
        )
        self._allow_kms_for_rds("UseRecoveryPointKey", [recovery_point_key.key_arn])
        self._allow_publish(success_topic, failure_topic)
        for resource in ("og", "pg", "snapshot:awsbackup"):
            acknowledge(
                self.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:{_nag_region(self)}:"
                f"{_nag_account(self)}:{resource}:*]",
                "AWS Backup names each recovery point's snapshot (awsbackup:job-...) and the engine's "
                "default option/parameter groups vary with the version; the drill instance is fixed.",
            )
        self._publish_document(
            backup_restore_drill_document(
                automation_role_arn=self.role.role_arn,
                vault_name=vault_name,
                source_database_arn=source_database_arn,
                drill_identifier=self.drill_identifier,
                subnet_group_name=subnet_group_name,
                security_group_ids=placement.security_group_ids,
                instance_class=instance_class,
                environment_tag=(environment_tag_key, naming.environment),
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
            ),
            document_name,
        )


class DatabaseFailoverDrillRunbook(_Runbook):
    """Database failover drill: reboot the Multi-AZ primary with failover and verify the zone changed.

    See :func:`database_failover_drill_document`. Refused while the pause switch is on (unless
    ``IgnorePauseSwitch``) and for a single-AZ instance (it would be an outage, not a drill).

    :param naming: the app and environment; the reboot requires the instance to carry the environment tag.
    :param database_identifier: the Multi-AZ primary.
    :param pause_switch: the environment's pause switch in this region.
    :param notification_topics: topics keyed by severity.
    :param success_severity: topic of the success message. Default: ``low``.
    :param failure_severity: topic of the failure message. Default: ``high``.
    :param environment_tag_key: tag key of the IAM condition. Default: ``Environment``.
    :param document_name: SSM document name. Default: generated by CloudFormation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        database_identifier: str,
        pause_switch: IPauseSwitch,
        notification_topics: Mapping[str, sns.ITopic],
        success_severity: Severity = Severity.LOW,
        failure_severity: Severity = Severity.HIGH,
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the database failover drill runbook (SSM Automation).")
        _validate_identifier(database_identifier, prop="database_identifier")
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
        self.naming = naming
        database = _db_arn(self, database_identifier)
        self._allow_pause_read(pause_switch)
        self._allow("DescribeDatabase", ["rds:DescribeDBInstances"], [database])
        self._allow(
            "RebootTaggedDatabase",
            ["rds:RebootDBInstance"],
            [database],
            StringEquals={f"aws:ResourceTag/{environment_tag_key}": naming.environment},
        )
        self._allow_publish(success_topic, failure_topic)
        self._publish_document(
            database_failover_drill_document(
                automation_role_arn=self.role.role_arn,
                database_identifier=database_identifier,
                pause_parameter_name=pause_switch.parameter_name,
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
            ),
            document_name,
        )
