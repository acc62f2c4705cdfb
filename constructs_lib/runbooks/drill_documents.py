"""The drills' Automation documents (schema 0.3), pure functions of their arguments:
:func:`pitr_drill_document`, :func:`backup_restore_drill_document`,
:func:`database_failover_drill_document`; the constructs of :mod:`constructs_lib.runbooks.drills` publish
them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from constructs_lib.runbooks._base import _base_parameters, _document, _pause_parameter
from constructs_lib.runbooks.scripts import delete_instance, describe_database, find_latest_recovery_point
from constructs_lib.runbooks.steps import _api, _notify, _pause_check, _script, _wait_for_db_status

__all__ = [
    "BACKUP_DRILL_MARKER",
    "DRILL_TAG_KEY",
    "PITR_DRILL_MARKER",
    "backup_restore_drill_document",
    "database_failover_drill_document",
    "pitr_drill_document",
]

#: Tag every drill instance carries (its value names the drill); only a tagged instance may be deleted.
DRILL_TAG_KEY = "Drill"
PITR_DRILL_MARKER = "pitr"
BACKUP_DRILL_MARKER = "backup-restore"


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
            Tags=[{"Key": tag_key, "Value": tag_value}, {"Key": DRILL_TAG_KEY, "Value": PITR_DRILL_MARKER}],
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
            Tags=[
                {"Key": tag_key, "Value": tag_value},
                {"Key": DRILL_TAG_KEY, "Value": BACKUP_DRILL_MARKER},
            ],
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
