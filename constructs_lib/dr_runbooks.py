"""Disaster-recovery runbooks (SSM Automation, schema 0.3), each with its own least-privilege role.

=====================================  ==========================================================
construct                              what it does (deploy it in ...)
=====================================  ==========================================================
:class:`RegionFailoverRunbook`         Unplanned: promote this region's replica, scale the web
                                       service out, open this region's DNS switch, close the
                                       other's, verify, notify. (the DR region: a runbook in the
                                       failed region could not run)
:class:`RegionFailbackRunbook`         Planned, explicit: freeze writes in the region serving now
                                       (pause switch on, its group to zero), wait for this
                                       region's replica to catch up, then the failover steps.
                                       (the region traffic returns to, the home region)
:class:`PitrRestoreRunbook`            Restore the database to a new instance at a given time
                                       (accidental deletion). (the primary's region)
:class:`PitrDrillRunbook`              Restore to the latest restorable time, check, delete.
:class:`BackupRestoreDrillRunbook`     Restore the newest AWS Backup copy in the DR vault, check,
                                       delete; reports the copy's age (the achieved RPO).
:class:`DatabaseFailoverDrillRunbook`  Reboot the Multi-AZ primary with failover, verify the zone
                                       changed.
:class:`RegionRestoreRunbook`          Backup & restore after losing the primary region: pause
                                       healing, restore the database from the replicated automated
                                       backups (else the newest AWS Backup copy), scale the web
                                       service out, optionally switch DNS, notify. (the DR region)
=====================================  ==========================================================

Every document is built by a pure function (``*_document``) so tests can check the step graph
with :mod:`constructs_lib.runbook_validation` without synthesizing. Steps call AWS through
``aws:executeAwsApi``/``aws:waitForAwsResourceProperty`` where a single call suffices, and through
``aws:executeScript`` (Python 3.11, boto3) where a decision needs more than a JSONPath: whether an
instance is still a replica (an absent field), polling until a promotion ends, health-check
observations, replica lag, the newest recovery point, another region's resources. The scripts are
the plain functions at the bottom of this module, shipped with :func:`inspect.getsource`; their
boto3 calls are listed in :data:`SCRIPT_IAM_ACTIONS` and granted to the role (the tests compare the
two). Every failing step goes to a ``NotifyFailure`` step, so the final status is *Failed* and the
on-call is told; drills delete what they created on every path.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib._automation import grant_start
from constructs_lib._nag import acknowledge
from constructs_lib.notifications import SEVERITIES

__all__ = [
    "SCRIPT_IAM_ACTIONS",
    "BackupRestoreDrillRunbook",
    "DatabaseFailoverDrillRunbook",
    "PitrDrillRunbook",
    "PitrRestoreRunbook",
    "RegionFailbackRunbook",
    "RegionFailoverRunbook",
    "RegionRestoreRunbook",
    "backup_restore_drill_document",
    "database_failover_drill_document",
    "pitr_drill_document",
    "pitr_restore_document",
    "region_restore_document",
    "region_switch_document",
]

SCRIPT_RUNTIME = "python3.11"
_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_RESTORE_TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_BOOLEAN_STRING = ["true", "false"]
_DB_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):db:(?P<id>[a-z][a-z0-9-]*)$"
)
_AUTOMATED_BACKUPS_ARN_PATTERN = r"^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:auto-backup:ab-[A-Za-z0-9]+)?$"


# ==============================================================================================
# Step builders
# ==============================================================================================
def _api(name: str, service: str, api: str, **inputs_and_step: Any) -> dict[str, Any]:
    step_keys = {"outputs", "onFailure", "nextStep", "isEnd", "timeoutSeconds", "maxAttempts", "isCritical"}
    step = {k: v for k, v in inputs_and_step.items() if k in step_keys}
    inputs = {k: v for k, v in inputs_and_step.items() if k not in step_keys}
    return {
        "name": name,
        "action": "aws:executeAwsApi",
        "inputs": {"Service": service, "Api": api, **inputs},
        **step,
    }


def _wait_for_db_status(
    name: str, identifier: str, status: str, timeout_seconds: int, **step: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "action": "aws:waitForAwsResourceProperty",
        "timeoutSeconds": timeout_seconds,
        "inputs": {
            "Service": "rds",
            "Api": "DescribeDBInstances",
            "DBInstanceIdentifier": identifier,
            "PropertySelector": "$.DBInstances[0].DBInstanceStatus",
            "DesiredValues": [status],
        },
        **step,
    }


def _script(
    name: str,
    handler: Callable[[dict, Any], dict],
    payload: Mapping[str, Any],
    outputs: Sequence[tuple[str, str]] = (),
    **step: Any,
) -> dict[str, Any]:
    """An ``aws:executeScript`` step running ``handler`` (a function of this module)."""
    return {
        "name": name,
        "action": "aws:executeScript",
        "timeoutSeconds": step.pop("timeoutSeconds", 600),
        "inputs": {
            "Runtime": SCRIPT_RUNTIME,
            "Handler": handler.__name__,
            "Script": textwrap.dedent(inspect.getsource(handler)),
            "InputPayload": dict(payload),
        },
        "outputs": [
            {"Name": output, "Selector": f"$.Payload.{output}", "Type": kind} for output, kind in outputs
        ],
        **step,
    }


def _notify(name: str, topic_arn: str, subject: str, message: str, **step: Any) -> dict[str, Any]:
    return _api(name, "sns", "Publish", TopicArn=topic_arn, Subject=subject, Message=message, **step)


def _pause_check(pause_parameter_name: str, next_step: str) -> list[dict[str, Any]]:
    """Refuse to run while the environment's pause switch is on, unless ``IgnorePauseSwitch``."""
    return [
        {
            "name": "CheckPauseOverride",
            "action": "aws:branch",
            "inputs": {
                "Choices": [
                    {"NextStep": next_step, "Variable": "{{ IgnorePauseSwitch }}", "StringEquals": "true"}
                ],
                "Default": "AssertNotPaused",
            },
        },
        {
            "name": "AssertNotPaused",
            "action": "aws:assertAwsResourceProperty",
            "onFailure": "step:NotifyFailure",
            "inputs": {
                "Service": "ssm",
                "Api": "GetParameter",
                "Name": pause_parameter_name,
                "PropertySelector": "$.Parameter.Value",
                "DesiredValues": ["false"],
            },
            "nextStep": next_step,
        },
    ]


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
# Documents
# ==============================================================================================
def region_switch_document(
    *,
    automation_role_arn: str,
    database_identifier: str,
    auto_scaling_group_name: str,
    min_capacity: int,
    max_capacity: int,
    desired_capacity: int,
    open_switch_id: str,
    close_switch_id: str,
    endpoint_health_check_id: str,
    pause_parameter_name: str,
    backup_retention_days: int,
    success_topic_arn: str,
    failure_topic_arn: str,
    planned_from: Mapping[str, str] | None = None,
    max_replica_lag_seconds: int = 0,
) -> dict[str, Any]:
    """Move the service into this document's region.

    Unplanned (``planned_from`` is ``None``, the failover)::

        CheckPauseOverride -> AssertNotPaused -> DescribeStandbyDatabase -> IsStandbyReplica
          replica:  PromoteReplica -> WaitForPromotionToStart -> WaitForDatabaseAvailable
          else (already promoted by an earlier run): WaitForDatabaseAvailable
        -> VerifyPromoted -> ScaleOutWebService -> OpenRegionSwitch -> CloseOtherRegionSwitch
        -> VerifyEndpointHealthy -> NotifySuccess            (any failure -> NotifyFailure)

    Planned (``planned_from`` = ``{"region", "auto_scaling_group_name", "pause_parameter_name"}`` of
    the region serving now, the failback) inserts after ``IsStandbyReplica``:
    ``FreezeWritesInServingRegion`` (its pause switch on, its group to zero) and
    ``WaitForReplicaToCatchUp`` (``ReplicaLag`` <= ``max_replica_lag_seconds``), so no committed
    write is left behind.
    """
    planned = planned_from is not None
    after_replica_check = "FreezeWritesInServingRegion" if planned else "PromoteReplica"
    kind = "Failback" if planned else "Failover"
    parameters = {
        **_base_parameters(automation_role_arn),
        **_pause_parameter(),
        "MinSize": {
            "type": "Integer",
            "description": "Minimum instances after the switch.",
            "default": min_capacity,
        },
        "MaxSize": {
            "type": "Integer",
            "description": "Maximum instances after the switch.",
            "default": max_capacity,
        },
        "DesiredCapacity": {
            "type": "Integer",
            "description": "Instances to start with (production capacity).",
            "default": desired_capacity,
        },
    }
    steps: list[dict[str, Any]] = [
        *_pause_check(pause_parameter_name, "DescribeStandbyDatabase"),
        _script(
            "DescribeStandbyDatabase",
            describe_database,
            {"DBInstanceIdentifier": database_identifier},
            outputs=[("IsReplica", "Boolean"), ("Status", "String"), ("AvailabilityZone", "String")],
            onFailure="step:NotifyFailure",
        ),
        {
            "name": "IsStandbyReplica",
            "action": "aws:branch",
            "inputs": {
                "Choices": [
                    {
                        "NextStep": after_replica_check,
                        "Variable": "{{ DescribeStandbyDatabase.IsReplica }}",
                        "BooleanEquals": True,
                    }
                ],
                "Default": "WaitForDatabaseAvailable",
            },
        },
    ]
    if planned:
        steps += [
            _script(
                "FreezeWritesInServingRegion",
                freeze_region,
                {
                    "Region": planned_from["region"],
                    "AutoScalingGroupName": planned_from["auto_scaling_group_name"],
                    "PauseParameterName": planned_from["pause_parameter_name"],
                },
                outputs=[("PreviousDesiredCapacity", "Integer")],
                onFailure="step:NotifyFailure",
            ),
            _script(
                "WaitForReplicaToCatchUp",
                wait_for_replica_lag,
                {
                    "DBInstanceIdentifier": database_identifier,
                    "MaxReplicaLagSeconds": max_replica_lag_seconds,
                    "MinimumWaitSeconds": 60,
                    "TimeoutSeconds": 540,
                    "PollSeconds": 15,
                },
                outputs=[("ReplicaLagSeconds", "Integer")],
                maxAttempts=2,
                onFailure="step:NotifyFailure",
            ),
        ]
    steps += [
        _api(
            "PromoteReplica",
            "rds",
            "PromoteReadReplica",
            DBInstanceIdentifier=database_identifier,
            BackupRetentionPeriod=backup_retention_days,
            onFailure="step:NotifyFailure",
        ),
        # The status stays "available" for a moment after the call; do not mistake it for the end.
        {"name": "WaitForPromotionToStart", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}},
        _wait_for_db_status(
            "WaitForDatabaseAvailable", database_identifier, "available", 3600, onFailure="step:NotifyFailure"
        ),
        _script(
            "VerifyPromoted",
            wait_until_promoted,
            {"DBInstanceIdentifier": database_identifier, "TimeoutSeconds": 540, "PollSeconds": 15},
            outputs=[("SecondsWaited", "Integer")],
            maxAttempts=3,
            onFailure="step:NotifyFailure",
        ),
        _api(
            "ScaleOutWebService",
            "autoscaling",
            "UpdateAutoScalingGroup",
            AutoScalingGroupName=auto_scaling_group_name,
            MinSize="{{ MinSize }}",
            MaxSize="{{ MaxSize }}",
            DesiredCapacity="{{ DesiredCapacity }}",
            onFailure="step:NotifyFailure",
        ),
        _api(
            "OpenRegionSwitch",
            "route53",
            "UpdateHealthCheck",
            HealthCheckId=open_switch_id,
            Inverted=False,
            onFailure="step:NotifyFailure",
        ),
        _api(
            "CloseOtherRegionSwitch",
            "route53",
            "UpdateHealthCheck",
            HealthCheckId=close_switch_id,
            Inverted=True,
            onFailure="step:NotifyFailure",
        ),
        _script(
            "VerifyEndpointHealthy",
            wait_until_endpoint_healthy,
            {"HealthCheckId": endpoint_health_check_id, "TimeoutSeconds": 540, "PollSeconds": 15},
            outputs=[("HealthyObservations", "Integer"), ("Observations", "Integer")],
            maxAttempts=2,
            onFailure="step:NotifyFailure",
        ),
        _notify(
            "NotifySuccess",
            success_topic_arn,
            f"Region {kind.lower()} complete: {{{{ global:REGION }}}} serves traffic",
            f"Region {kind.lower()} {{{{ automation:EXECUTION_ID }}}} succeeded. Database "
            f"{database_identifier} is the primary in {{{{ global:REGION }}}}; the DNS switch points "
            f"here; {{{{ VerifyEndpointHealthy.HealthyObservations }}}} of "
            f"{{{{ VerifyEndpointHealthy.Observations }}}} Route 53 checkers see the endpoint healthy. "
            "Next: set active_region to this region in the environment config and deploy; rebuild the "
            "other region's database as a replica before any failback."
            + (
                f" {planned_from['region']} stays paused at zero capacity: unpause it once it is the "
                "standby again."
                if planned
                else ""
            ),
            isEnd=True,
        ),
        _notify(
            "NotifyFailure",
            failure_topic_arn,
            f"Region {kind.lower()} FAILED in {{{{ global:REGION }}}}",
            f"Region {kind.lower()} {{{{ automation:EXECUTION_ID }}}} failed (or the pause switch is on). "
            "Open the execution in Systems Manager > Automation to see the failed step; the steps are "
            "safe to re-run (an already promoted database is not promoted again).",
            isEnd=True,
        ),
    ]
    return _document(
        f"Region {kind.lower()}: make {{{{ global:REGION }}}} the primary region (database, capacity, DNS).",
        parameters,
        steps,
        outputs=["VerifyPromoted.SecondsWaited", "VerifyEndpointHealthy.HealthyObservations"],
    )


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


def _set_pause(name: str, pause_parameter_name: str, value: str, **step: Any) -> dict[str, Any]:
    return _api(
        name,
        "ssm",
        "PutParameter",
        Name=pause_parameter_name,
        Value=value,
        Type="String",
        Overwrite=True,
        **step,
    )


def region_restore_document(
    *,
    automation_role_arn: str,
    source_database_arn: str,
    target_identifier: str,
    source_automated_backups_arn: str | None,
    vault_name: str,
    subnet_group_name: str,
    security_group_ids: Sequence[str],
    instance_class: str,
    multi_az: bool,
    parameter_group_name: str | None,
    backup_retention_days: int,
    auto_scaling_group_name: str,
    min_capacity: int,
    max_capacity: int,
    desired_capacity: int,
    pause_parameter_name: str,
    environment_tag: tuple[str, str],
    success_topic_arn: str,
    failure_topic_arn: str,
    open_switch_id: str | None = None,
    close_switch_id: str | None = None,
    endpoint_health_check_id: str | None = None,
) -> dict[str, Any]:
    """Backup & restore: bring the service back in this document's region after losing the primary's.

    ::

        PauseHealing (pause switch "true") -> ChooseRestoreSource -> RestoreSourceBranch
          replicated-backups: RestoreFromReplicatedBackups (PITR, latest restorable time)
          recovery-point:     FindLatestRecoveryPoint -> RestoreFromRecoveryPoint (newest vault copy)
          existing-instance (an earlier run restored it): straight on
        -> WaitForDatabaseAvailable -> DescribeRestoredDatabase -> ScaleOutWebService
        -> WaitForInServiceInstances [-> OpenRegionSwitch -> CloseOtherRegionSwitch]
        [-> VerifyEndpointHealthy] -> ResumeHealing (pause switch "false") -> NotifySuccess
        any failure -> UnpauseAfterFailure (pause switch "false") -> NotifyFailure

    The database is restored as ``target_identifier`` from the automated backups RDS replicates into
    this region (``SourceDBInstanceAutomatedBackupsArn``; empty: looked up by the source's identifier);
    when there are none, from the newest completed AWS Backup copy of ``source_database_arn`` in
    ``vault_name`` (that copy is encrypted with the vault's key and is up to a backup interval old).
    Without ``open_switch_id``/``close_switch_id`` DNS is not touched and the success message says so.
    """
    if (open_switch_id is None) != (close_switch_id is None):
        raise ValueError("open_switch_id and close_switch_id go together: give both or neither.")
    source_identifier = source_database_arn.rsplit(":db:", 1)[-1]
    tag_key, tag_value = environment_tag
    parameters = {
        **_base_parameters(automation_role_arn),
        "SourceDBInstanceAutomatedBackupsArn": {
            "type": "String",
            "description": (
                "ARN of the replicated automated backups to restore from (arn:...:auto-backup:ab-...). "
                f"Empty: the replicated backups of {source_identifier} in this region, found by name."
            ),
            "allowedPattern": _AUTOMATED_BACKUPS_ARN_PATTERN,
            "default": source_automated_backups_arn or "",
        },
        "DBInstanceClass": {"type": "String", "description": "Instance class.", "default": instance_class},
        "MultiAZ": {"type": "Boolean", "description": "Multi-AZ restored instance.", "default": multi_az},
        "MinSize": {
            "type": "Integer",
            "description": "Minimum instances after the restore.",
            "default": min_capacity,
        },
        "MaxSize": {
            "type": "Integer",
            "description": "Maximum instances after the restore.",
            "default": max_capacity,
        },
        "DesiredCapacity": {
            "type": "Integer",
            "description": "Instances to start with (production capacity).",
            "default": desired_capacity,
        },
    }
    placement = {
        "DBInstanceClass": "{{ DBInstanceClass }}",
        "DBSubnetGroupName": subnet_group_name,
        "VpcSecurityGroupIds": list(security_group_ids),
        "MultiAZ": "{{ MultiAZ }}",
        "PubliclyAccessible": False,
        "DeletionProtection": True,
        "CopyTagsToSnapshot": True,
        "EnableIAMDatabaseAuthentication": True,
        "BackupRetentionPeriod": backup_retention_days,
        **({"DBParameterGroupName": parameter_group_name} if parameter_group_name else {}),
    }

    def tags(restored_from: str) -> list[dict[str, str]]:
        return [
            {"Key": tag_key, "Value": tag_value},
            {"Key": "RestoredFrom", "Value": restored_from},
            {"Key": "RestoredBy", "Value": "{{ automation:EXECUTION_ID }}"},
        ]

    failed = {"onFailure": "step:UnpauseAfterFailure"}
    steps: list[dict[str, Any]] = [
        _set_pause("PauseHealing", pause_parameter_name, "true", **failed),
        _script(
            "ChooseRestoreSource",
            choose_restore_source,
            {
                "TargetDBInstanceIdentifier": target_identifier,
                "SourceDBInstanceIdentifier": source_identifier,
                "SourceDatabaseArn": source_database_arn,
                "AutomatedBackupsArn": "{{ SourceDBInstanceAutomatedBackupsArn }}",
            },
            outputs=[
                ("Source", "String"),
                ("AutomatedBackupsArn", "String"),
                ("LatestRestorableTime", "String"),
            ],
            **failed,
        ),
        {
            "name": "RestoreSourceBranch",
            "action": "aws:branch",
            "inputs": {
                "Choices": [
                    {
                        "NextStep": "RestoreFromReplicatedBackups",
                        "Variable": "{{ ChooseRestoreSource.Source }}",
                        "StringEquals": "replicated-backups",
                    },
                    {
                        "NextStep": "WaitForDatabaseAvailable",
                        "Variable": "{{ ChooseRestoreSource.Source }}",
                        "StringEquals": "existing-instance",
                    },
                ],
                "Default": "FindLatestRecoveryPoint",
            },
        },
        _api(
            "RestoreFromReplicatedBackups",
            "rds",
            "RestoreDBInstanceToPointInTime",
            SourceDBInstanceAutomatedBackupsArn="{{ ChooseRestoreSource.AutomatedBackupsArn }}",
            UseLatestRestorableTime=True,
            TargetDBInstanceIdentifier=target_identifier,
            **placement,
            Tags=tags("{{ ChooseRestoreSource.AutomatedBackupsArn }}"),
            nextStep="WaitForDatabaseAvailable",
            **failed,
        ),
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
            **failed,
        ),
        _api(
            "RestoreFromRecoveryPoint",
            "rds",
            "RestoreDBInstanceFromDBSnapshot",
            DBInstanceIdentifier=target_identifier,
            DBSnapshotIdentifier="{{ FindLatestRecoveryPoint.SnapshotIdentifier }}",
            **placement,
            Tags=tags("{{ FindLatestRecoveryPoint.RecoveryPointArn }}"),
            **failed,
        ),
        _wait_for_db_status("WaitForDatabaseAvailable", target_identifier, "available", 7200, **failed),
        _api(
            "DescribeRestoredDatabase",
            "rds",
            "DescribeDBInstances",
            DBInstanceIdentifier=target_identifier,
            outputs=[
                {"Name": "Endpoint", "Selector": "$.DBInstances[0].Endpoint.Address", "Type": "String"},
                {"Name": "Port", "Selector": "$.DBInstances[0].Endpoint.Port", "Type": "Integer"},
            ],
            **failed,
        ),
        _api(
            "ScaleOutWebService",
            "autoscaling",
            "UpdateAutoScalingGroup",
            AutoScalingGroupName=auto_scaling_group_name,
            MinSize="{{ MinSize }}",
            MaxSize="{{ MaxSize }}",
            DesiredCapacity="{{ DesiredCapacity }}",
            **failed,
        ),
        _script(
            "WaitForInServiceInstances",
            wait_for_in_service_instances,
            {
                "AutoScalingGroupName": auto_scaling_group_name,
                "MinimumInService": "{{ MinSize }}",
                "TimeoutSeconds": 540,
                "PollSeconds": 15,
            },
            outputs=[("InServiceInstances", "Integer")],
            maxAttempts=3,
            **failed,
        ),
    ]
    if open_switch_id is not None:
        steps += [
            _api(
                "OpenRegionSwitch",
                "route53",
                "UpdateHealthCheck",
                HealthCheckId=open_switch_id,
                Inverted=False,
                **failed,
            ),
            _api(
                "CloseOtherRegionSwitch",
                "route53",
                "UpdateHealthCheck",
                HealthCheckId=close_switch_id,
                Inverted=True,
                **failed,
            ),
        ]
        dns = "The DNS switch points here."
    else:
        dns = (
            "DNS was NOT changed (this runbook has no region switch): point clients at this region's load "
            "balancer by hand now."
        )
    if endpoint_health_check_id is not None:
        steps.append(
            _script(
                "VerifyEndpointHealthy",
                wait_until_endpoint_healthy,
                {"HealthCheckId": endpoint_health_check_id, "TimeoutSeconds": 540, "PollSeconds": 15},
                outputs=[("HealthyObservations", "Integer"), ("Observations", "Integer")],
                maxAttempts=2,
                **failed,
            )
        )
    steps += [
        _set_pause("ResumeHealing", pause_parameter_name, "false", **failed),
        _notify(
            "NotifySuccess",
            success_topic_arn,
            "Region restore complete: {{ global:REGION }} serves the service",
            "Region restore {{ automation:EXECUTION_ID }} succeeded. Database "
            f"{target_identifier} was restored (source: {{{{ ChooseRestoreSource.Source }}}}; latest "
            "restorable time of the replicated backups: {{ ChooseRestoreSource.LatestRestorableTime }}; "
            "for a recovery point, see the FindLatestRecoveryPoint step) and is available at "
            "{{ DescribeRestoredDatabase.Endpoint }}:{{ DescribeRestoredDatabase.Port }}; "
            f"{auto_scaling_group_name} runs {{{{ WaitForInServiceInstances.InServiceInstances }}}} "
            f"healthy instances and healing is resumed. {dns} Next: make this region the active region "
            "in the environment config (its database is a primary now) and deploy.",
            isEnd=True,
        ),
        _set_pause(
            "UnpauseAfterFailure",
            pause_parameter_name,
            "false",
            onFailure="step:NotifyFailure",
            nextStep="NotifyFailure",
        ),
        _notify(
            "NotifyFailure",
            failure_topic_arn,
            "Region restore FAILED in {{ global:REGION }}",
            "Region restore {{ automation:EXECUTION_ID }} failed; see the execution's failed step in "
            "Systems Manager > Automation. The pause switch was set back to false unless the "
            "UnpauseAfterFailure step failed too. Re-running is safe: an instance already restored as "
            f"{target_identifier} is not restored again.",
            isEnd=True,
        ),
    ]
    return _document(
        "Region restore (backup & restore): restore the database and the web service in {{ global:REGION }}.",
        parameters,
        steps,
        outputs=[
            "ChooseRestoreSource.Source",
            "ChooseRestoreSource.LatestRestorableTime",
            "DescribeRestoredDatabase.Endpoint",
        ],
    )


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


def _validate_capacity(production_capacity: tuple[int, int, int]) -> tuple[int, int, int]:
    minimum, desired, maximum = production_capacity
    if not 0 <= minimum <= desired <= maximum or maximum < 1:
        raise ValueError(
            f"production_capacity {production_capacity} must be (min, desired, max) with "
            "0 <= min <= desired <= max and max >= 1."
        )
    return minimum, desired, maximum


def _drill_identifier(source_identifier: str, kind: str) -> str:
    base = source_identifier[: 63 - len(kind) - 7].rstrip("-")
    return f"{base}-{kind}-drill"


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
            acknowledge(
                self.role,
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "Added by topic.grant_publish for the notification topics' KMS key only (SNS "
                "server-side encryption); scoped to that key.",
            )

    def _allow_pause_read(self, pause_parameter_name: str, region: str | None = None) -> None:
        self._allow(
            "ReadPauseSwitch", ["ssm:GetParameter"], [_parameter_arn(self, pause_parameter_name, region)]
        )

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
        (see :func:`constructs_lib._automation.grant_start`)."""
        return grant_start(
            document=self.document,
            role=self.role,
            automation_definition_arn=self.automation_definition_arn,
            grantee=grantee,
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


class RegionFailoverRunbook(_Runbook):
    """Region failover (unplanned): make this stack's region the primary. Deploy it in the DR region.

    Flow in :func:`region_switch_document`. The role may: read the pause switch; describe and
    promote ``database_identifier``; update Auto Scaling groups of this region that carry the
    environment tag (the group name may be another stack's token, so the ARN cannot name it); flip
    the two region switches and read the endpoint health check; publish to the two topics. The
    failback's role may also set the serving region's pause switch, scale in its group (by name,
    tag required), and read ``ReplicaLag`` and group sizes.

    :param environment_name: Value of the ``Environment`` tag the role may act on.
    :param database_identifier: This region's replica (becomes the primary).
    :param auto_scaling_group_name: This region's web service group.
    :param production_capacity: ``(min, desired, max)`` instances after the switch.
    :param open_switch_id: This region's switch (``RegionalFailover.switch_id(<this region>)``).
    :param close_switch_id: The other region's switch.
    :param endpoint_health_check_id: This region's endpoint health check, for the verification.
    :param pause_parameter_name: This region's pause switch parameter (``/{app}/{env}/pause``).
    :param notification_topics: Topics keyed by severity.
    :param backup_retention_days: Automated-backup retention the promoted database gets. Default: 7.
    :param success_severity: Topic of the success message. Default: ``high``.
    :param failure_severity: Topic of the failure message. Default: ``critical``.
    :param environment_tag_key: Tag key of the IAM conditions. Default: ``Environment``.
    :param document_name: SSM document name. Default: generated by CloudFormation.
    """

    _planned_from: Mapping[str, str] | None = None
    _kind = "failover"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment_name: str,
        database_identifier: str,
        auto_scaling_group_name: str,
        production_capacity: tuple[int, int, int],
        open_switch_id: str,
        close_switch_id: str,
        endpoint_health_check_id: str,
        pause_parameter_name: str,
        notification_topics: Mapping[str, sns.ITopic],
        backup_retention_days: int = 7,
        success_severity: str = "high",
        failure_severity: str = "critical",
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description=f"Runs the region {self._kind} runbook (SSM Automation).")
        _validate_identifier(database_identifier, prop="database_identifier")
        minimum, desired, maximum = _validate_capacity(production_capacity)
        if not 1 <= backup_retention_days <= 35:
            raise ValueError(f"backup_retention_days ({backup_retention_days}) must be 1-35.")
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
        tagged = {f"aws:ResourceTag/{environment_tag_key}": environment_name}

        self._allow_pause_read(pause_parameter_name)
        self._allow(
            "DescribeAndPromoteDatabase",
            ["rds:DescribeDBInstances", "rds:PromoteReadReplica"],
            [_db_arn(self, database_identifier)],
        )
        # Any group of this region carrying the environment tag: the group's name may be a token of
        # another stack, which would make the ARN (and its cdk-nag finding id) unpredictable here.
        self._allow(
            "ScaleTaggedWebService",
            ["autoscaling:UpdateAutoScalingGroup"],
            [_asg_arn(self, "*")],
            StringEquals=tagged,
        )
        self._allow(
            "FlipRegionSwitches",
            ["route53:UpdateHealthCheck"],
            [_health_check_arn(open_switch_id), _health_check_arn(close_switch_id)],
        )
        self._allow(
            "ReadEndpointHealth",
            ["route53:GetHealthCheckStatus"],
            [_health_check_arn(endpoint_health_check_id)],
        )
        self._allow_publish(success_topic, failure_topic)
        self._add_planned_permissions(database_identifier=database_identifier, tagged=tagged)
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:"
            f"{_nag_region(self)}:{_nag_account(self)}:autoScalingGroup:*:autoScalingGroupName/*]",
            "UpdateAutoScalingGroup only on groups carrying the environment tag (aws:ResourceTag "
            "condition); the group name may be another stack's token, so the ARN cannot name it.",
        )

        self._publish_document(
            region_switch_document(
                automation_role_arn=self.role.role_arn,
                database_identifier=database_identifier,
                auto_scaling_group_name=auto_scaling_group_name,
                min_capacity=minimum,
                max_capacity=maximum,
                desired_capacity=desired,
                open_switch_id=open_switch_id,
                close_switch_id=close_switch_id,
                endpoint_health_check_id=endpoint_health_check_id,
                pause_parameter_name=pause_parameter_name,
                backup_retention_days=backup_retention_days,
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
                planned_from=self._planned_from,
            ),
            document_name,
        )

    def _add_planned_permissions(self, *, database_identifier: str, tagged: Mapping[str, str]) -> None:
        """Failover needs nothing more; failback adds the freeze of the serving region."""


class RegionFailbackRunbook(RegionFailoverRunbook):
    """Region failback (planned, explicit): return the service to this stack's region.

    Deploy it in the region traffic returns to (the home region, healthy again), after this region's
    database was rebuilt as a replica of the serving region's. Same flow as the failover plus, before
    the promotion, ``FreezeWritesInServingRegion`` (pause switch ``true`` and group to zero *in
    ``serving_region``*) and ``WaitForReplicaToCatchUp``; the serving region stays paused at zero
    until it is rebuilt as the standby.

    Takes the props of :class:`RegionFailoverRunbook` plus:

    :param serving_region: Region serving traffic now (the DR region).
    :param serving_auto_scaling_group_name: Its web service group (a fixed name: this is another region).
    :param serving_pause_parameter_name: Its pause switch parameter.
    :param max_replica_lag_seconds: Lag at which the replica counts as caught up. Default: 0.
    """

    _kind = "failback"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        serving_region: str,
        serving_auto_scaling_group_name: str,
        serving_pause_parameter_name: str,
        max_replica_lag_seconds: int = 0,
        **props: Any,
    ) -> None:
        if not _REGION.match(serving_region):
            raise ValueError(
                f"serving_region ({serving_region!r}) must be a region code such as 'ap-northeast-3'."
            )
        if cdk.Token.is_unresolved(serving_auto_scaling_group_name):
            raise ValueError(
                "serving_auto_scaling_group_name must be a plain name (it is in another region, so a "
                "token of this app cannot be resolved here); give the group a fixed name."
            )
        if max_replica_lag_seconds < 0:
            raise ValueError(f"max_replica_lag_seconds ({max_replica_lag_seconds}) must be >= 0.")
        self._planned_from = {
            "region": serving_region,
            "auto_scaling_group_name": serving_auto_scaling_group_name,
            "pause_parameter_name": serving_pause_parameter_name,
        }
        self._max_replica_lag_seconds = max_replica_lag_seconds
        super().__init__(scope, id, **props)
        stack = cdk.Stack.of(self)
        if not cdk.Token.is_unresolved(stack.region) and serving_region == stack.region:
            raise ValueError(
                f"serving_region ({serving_region!r}) is this stack's region: deploy the failback runbook "
                "in the region traffic returns to."
            )

    def _add_planned_permissions(self, *, database_identifier: str, tagged: Mapping[str, str]) -> None:
        planned = self._planned_from
        assert planned is not None
        self._allow(
            "PauseServingRegion",
            ["ssm:PutParameter"],
            [_parameter_arn(self, planned["pause_parameter_name"], planned["region"])],
        )
        self._allow(
            "ScaleInServingRegion",
            ["autoscaling:UpdateAutoScalingGroup"],
            [_asg_arn(self, planned["auto_scaling_group_name"], planned["region"])],
            StringEquals=dict(tagged),
        )
        self._allow(
            "ReadReplicaLagAndGroups",
            ["cloudwatch:GetMetricStatistics", "autoscaling:DescribeAutoScalingGroups"],
            ["*"],
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "cloudwatch:GetMetricStatistics and autoscaling:DescribeAutoScalingGroups support no "
            "resource-level permissions; both are read-only.",
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:"
            f"{planned['region']}:{_nag_account(self)}:autoScalingGroup:*:autoScalingGroupName/"
            f"{planned['auto_scaling_group_name']}]",
            "Auto Scaling group ARNs contain a generated id; the wildcard stands for it only, the "
            "serving region's group name is fixed and the environment tag is required.",
        )


class PitrRestoreRunbook(_Runbook):
    """Point-in-time restore of the database into a new instance (the accidental-deletion scenario).

    Parameters of a run: ``RestoreTime`` (UTC, ``YYYY-MM-DDThh:mm:ssZ``), ``TargetDBInstanceIdentifier``
    (must start with ``<source>-``), ``DBInstanceClass``. See :func:`pitr_restore_document`.

    :param environment_name: Value of the environment tag set on the restored instance.
    :param source_identifier: Database to restore from.
    :param subnet_group_name: DB subnet group of the new instance (``ResilientDatabase.subnet_group``).
    :param security_group_ids: Its security groups (the database's, so clients can reach it).
    :param encryption_key: Key of the source's storage (RDS creates a grant on it for the restore).
    :param notification_topics: Topics keyed by severity.
    :param instance_class: Default ``DBInstanceClass``. Default: ``db.t4g.medium``.
    :param parameter_group_name: Parameter group of the new instance. Default: the engine default.
    :param success_severity: Default: ``high``. :param failure_severity: Default: ``critical``.
    :param environment_tag_key: Default: ``Environment``.
    :param document_name: Default: generated by CloudFormation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment_name: str,
        source_identifier: str,
        subnet_group_name: str,
        security_group_ids: Sequence[str],
        encryption_key: kms.IKey,
        notification_topics: Mapping[str, sns.ITopic],
        instance_class: str = "db.t4g.medium",
        parameter_group_name: str | None = None,
        success_severity: str = "high",
        failure_severity: str = "critical",
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the point-in-time restore runbook (SSM Automation).")
        _validate_identifier(source_identifier, prop="source_identifier")
        if not security_group_ids:
            raise ValueError("security_group_ids is empty: give the database's security group.")
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
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
            "The restored instance's name is a run parameter; the role may only create, tag and "
            "describe instances named after the source.",
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:{_nag_region(self)}:{_nag_account(self)}:og:*]",
            "RestoreDBInstanceToPointInTime authorizes the option group of the restore; PostgreSQL uses "
            "the engine's default option group, whose name varies with the version.",
        )
        if parameter_group_name is None:
            acknowledge(
                self.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:{_nag_region(self)}:"
                f"{_nag_account(self)}:pg:*]",
                "Without a parameter group the restore uses the engine's default group, whose name "
                "varies with the version.",
            )
        self._publish_document(
            pitr_restore_document(
                automation_role_arn=self.role.role_arn,
                source_identifier=source_identifier,
                subnet_group_name=subnet_group_name,
                security_group_ids=security_group_ids,
                instance_class=instance_class,
                parameter_group_name=parameter_group_name,
                environment_tag=(environment_tag_key, environment_name),
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
            ),
            document_name,
        )


class _DrillRunbook(_Runbook):
    """Shared permissions of the restore drills: create, check and delete one named instance."""

    def _allow_drill_instance(
        self, *, drill_identifier: str, environment_tag_key: str, environment_name: str
    ) -> None:
        drill = _db_arn(self, drill_identifier)
        self._allow(
            "TagAndDescribeDrillInstance", ["rds:AddTagsToResource", "rds:DescribeDBInstances"], [drill]
        )
        self._allow(
            "DeleteOnlyTheDrillInstance",
            ["rds:DeleteDBInstance"],
            [drill],
            StringEquals={f"aws:ResourceTag/{environment_tag_key}": environment_name},
        )


class PitrDrillRunbook(_DrillRunbook):
    """PITR drill: restore the latest restorable time into ``<source>-pitr-drill``, check, delete.

    See :func:`pitr_drill_document`. Props as :class:`PitrRestoreRunbook` (minus ``parameter_group_name``);
    success goes to ``low``, failure to ``high`` by default.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment_name: str,
        source_identifier: str,
        subnet_group_name: str,
        security_group_ids: Sequence[str],
        encryption_key: kms.IKey,
        notification_topics: Mapping[str, sns.ITopic],
        instance_class: str = "db.t4g.medium",
        success_severity: str = "low",
        failure_severity: str = "high",
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the PITR drill runbook (SSM Automation).")
        _validate_identifier(source_identifier, prop="source_identifier")
        if not security_group_ids:
            raise ValueError("security_group_ids is empty: give the database's security group.")
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
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
            environment_name=environment_name,
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
                security_group_ids=security_group_ids,
                instance_class=instance_class,
                environment_tag=(environment_tag_key, environment_name),
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
            ),
            document_name,
        )


class BackupRestoreDrillRunbook(_DrillRunbook):
    """Backup-restore drill: restore the newest recovery point of ``vault_name`` (DR region), check, delete.

    Deploy it where the copies are (the DR region). The drill instance is
    ``<source identifier>-backup-drill`` in the given subnet group and security group
    (a :class:`~constructs_lib.database.DatabaseNetwork` in a region without a standing database).

    :param environment_name: Environment tag value.
    :param vault_name: The vault holding the copies (``DrBackupVault``).
    :param source_database_arn: ARN of the backed-up database (in the primary region; copies keep it).
    :param subnet_group_name: DB subnet group for the drill instance.
    :param security_group_ids: Its security groups.
    :param recovery_point_key: Key the copies are encrypted with (the DR vault's key).
    :param notification_topics: Topics keyed by severity.
    :param instance_class: Default: ``db.t4g.medium``.
    :param success_severity: Default: ``low``. :param failure_severity: Default: ``high``.
    :param environment_tag_key: Default: ``Environment``. :param document_name: Default: generated.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment_name: str,
        vault_name: str,
        source_database_arn: str,
        subnet_group_name: str,
        security_group_ids: Sequence[str],
        recovery_point_key: kms.IKey,
        notification_topics: Mapping[str, sns.ITopic],
        instance_class: str = "db.t4g.medium",
        success_severity: str = "low",
        failure_severity: str = "high",
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the backup-restore drill runbook (SSM Automation).")
        match = re.match(r"^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:(?P<id>.+)$", source_database_arn)
        if not match:
            raise ValueError(
                f"source_database_arn ({source_database_arn!r}) must be an RDS DB instance ARN; build it "
                "with constructs_lib.database.database_arn()."
            )
        if not security_group_ids:
            raise ValueError("security_group_ids is empty: give the drill instance's security group.")
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
            environment_name=environment_name,
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
                security_group_ids=security_group_ids,
                instance_class=instance_class,
                environment_tag=(environment_tag_key, environment_name),
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
            ),
            document_name,
        )


class DatabaseFailoverDrillRunbook(_Runbook):
    """Database failover drill: reboot the Multi-AZ primary with failover and verify the zone changed.

    See :func:`database_failover_drill_document`. Refused while the pause switch is on (unless
    ``IgnorePauseSwitch``) and for a single-AZ instance (it would be an outage, not a drill).

    :param environment_name: Environment tag value; the reboot requires the instance to carry it.
    :param database_identifier: The primary.
    :param pause_parameter_name: The pause switch parameter.
    :param notification_topics: Topics keyed by severity.
    :param success_severity: Default: ``low``. :param failure_severity: Default: ``high``.
    :param environment_tag_key: Default: ``Environment``. :param document_name: Default: generated.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment_name: str,
        database_identifier: str,
        pause_parameter_name: str,
        notification_topics: Mapping[str, sns.ITopic],
        success_severity: str = "low",
        failure_severity: str = "high",
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the database failover drill runbook (SSM Automation).")
        _validate_identifier(database_identifier, prop="database_identifier")
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
        database = _db_arn(self, database_identifier)
        self._allow_pause_read(pause_parameter_name)
        self._allow("DescribeDatabase", ["rds:DescribeDBInstances"], [database])
        self._allow(
            "RebootTaggedDatabase",
            ["rds:RebootDBInstance"],
            [database],
            StringEquals={f"aws:ResourceTag/{environment_tag_key}": environment_name},
        )
        self._allow_publish(success_topic, failure_topic)
        self._publish_document(
            database_failover_drill_document(
                automation_role_arn=self.role.role_arn,
                database_identifier=database_identifier,
                pause_parameter_name=pause_parameter_name,
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
            ),
            document_name,
        )


class RegionRestoreRunbook(_Runbook):
    """Region restore (backup & restore strategy): restore the service in this stack's region after
    losing the primary's. Deploy it in the DR region (where the replicated backups and the vault are).

    Flow in :func:`region_restore_document`. The role may: set this region's pause switch; describe
    ``target_identifier`` and the automated backups replicated here; restore into
    ``target_identifier`` only (from replicated automated backups, or from AWS Backup snapshots
    ``awsbackup:*``), in the given subnet group; list the vault's recovery points; use the two keys
    through RDS; update the web service group only while it carries the environment tag and read
    group sizes; flip the two region switches and read the endpoint health check when given;
    publish to the two topics.

    :param environment_name: Environment tag value (set on the restored instance, required on the group).
    :param source_database_arn: The lost primary's ARN (``constructs_lib.database.database_arn``); its
        identifier finds the replicated backups, its ARN the vault's recovery points.
    :param target_identifier: The restored instance, e.g. ``config.database_identifier(<DR region>)``.
    :param vault_name: The vault holding the copies (``DrBackupVault``), the fallback.
    :param subnet_group_name: DB subnet group here (``DatabaseNetwork.subnet_group_name``).
    :param security_group_ids: Its security groups (the database network's, so the web tier connects).
    :param encryption_key: Key of the replicated automated backups (this region's data key).
    :param recovery_point_key: Key of the vault's copies.
    :param auto_scaling_group_name: This region's web service group (a fixed name).
    :param production_capacity: ``(min, desired, max)`` instances after the restore.
    :param pause_parameter_name: This region's pause switch (``true`` during the run, ``false`` at the end).
    :param notification_topics: Topics keyed by severity.
    :param source_automated_backups_arn: Default of ``SourceDBInstanceAutomatedBackupsArn``. Default:
        none (the runbook finds the replicated backups by the source's identifier).
    :param instance_class: Default ``DBInstanceClass``. Default: ``db.t4g.medium``.
    :param multi_az: Default ``MultiAZ``. Default: ``False``.
    :param parameter_group_name: Parameter group of the restored instance. Default: the engine default.
    :param backup_retention_days: Automated-backup retention of the restored instance. Default: 7.
    :param open_switch_id: This region's DNS switch; with ``close_switch_id`` (the lost region's), the
        runbook opens one and closes the other. Default: none (DNS is changed by hand; the success
        message says so).
    :param close_switch_id: See ``open_switch_id``.
    :param endpoint_health_check_id: This region's endpoint health check; when given, the runbook waits
        until Route 53 sees the endpoint healthy. Default: none.
    :param success_severity: Default: ``high``. :param failure_severity: Default: ``critical``.
    :param environment_tag_key: Default: ``Environment``. :param document_name: Default: generated.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment_name: str,
        source_database_arn: str,
        target_identifier: str,
        vault_name: str,
        subnet_group_name: str,
        security_group_ids: Sequence[str],
        encryption_key: kms.IKey,
        recovery_point_key: kms.IKey,
        auto_scaling_group_name: str,
        production_capacity: tuple[int, int, int],
        pause_parameter_name: str,
        notification_topics: Mapping[str, sns.ITopic],
        source_automated_backups_arn: str | None = None,
        instance_class: str = "db.t4g.medium",
        multi_az: bool = False,
        parameter_group_name: str | None = None,
        backup_retention_days: int = 7,
        open_switch_id: str | None = None,
        close_switch_id: str | None = None,
        endpoint_health_check_id: str | None = None,
        success_severity: str = "high",
        failure_severity: str = "critical",
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the region restore runbook (SSM Automation).")
        match = _DB_ARN_PATTERN.match(source_database_arn)
        if not match:
            raise ValueError(
                f"source_database_arn ({source_database_arn!r}) must be an RDS DB instance ARN; build it "
                "with constructs_lib.database.database_arn()."
            )
        stack = cdk.Stack.of(self)
        if not cdk.Token.is_unresolved(stack.region) and match["region"] == stack.region:
            raise ValueError(
                f"source_database_arn is in {match['region']}, this stack's region: deploy the region "
                "restore runbook in the DR region (the region that survives the loss of the primary's)."
            )
        _validate_identifier(target_identifier, prop="target_identifier")
        if not security_group_ids:
            raise ValueError("security_group_ids is empty: give the database network's security group.")
        minimum, desired, maximum = _validate_capacity(production_capacity)
        if not 1 <= backup_retention_days <= 35:
            raise ValueError(f"backup_retention_days ({backup_retention_days}) must be 1-35.")
        if (open_switch_id is None) != (close_switch_id is None):
            raise ValueError("open_switch_id and close_switch_id go together: give both or neither.")
        if source_automated_backups_arn and not re.match(
            _AUTOMATED_BACKUPS_ARN_PATTERN, source_automated_backups_arn
        ):
            raise ValueError(
                f"source_automated_backups_arn ({source_automated_backups_arn!r}) must be a replicated "
                "automated backups ARN (arn:aws:rds:<region>:<account>:auto-backup:ab-...)."
            )
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
        tagged = {f"aws:ResourceTag/{environment_tag_key}": environment_name}
        target = _db_arn(self, target_identifier)
        auto_backups = _rds_arn(self, "auto-backup", "*")
        restore_into = [
            target,
            _rds_arn(self, "subgrp", subnet_group_name),
            _rds_arn(self, "og", "*"),
            _rds_arn(self, "pg", parameter_group_name or "*"),
        ]

        self._allow("SetPauseSwitch", ["ssm:PutParameter"], [_parameter_arn(self, pause_parameter_name)])
        self._allow("TagAndDescribeRestored", ["rds:AddTagsToResource", "rds:DescribeDBInstances"], [target])
        # Replicated backups keep the source's identifier and ARN; RDS authorizes the listing on them.
        self._allow(
            "FindReplicatedBackups",
            ["rds:DescribeDBInstanceAutomatedBackups"],
            [auto_backups, _db_arn(self, match["id"]), source_database_arn],
        )
        self._allow(
            "RestoreFromReplicatedBackups",
            ["rds:RestoreDBInstanceToPointInTime"],
            [auto_backups, *restore_into],
        )
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
            "RestoreFromRecoveryPoint",
            ["rds:RestoreDBInstanceFromDBSnapshot"],
            [_rds_arn(self, "snapshot", "awsbackup:*"), *restore_into],
        )
        self._allow_kms_for_rds("UseBackupKeys", [encryption_key.key_arn, recovery_point_key.key_arn])
        group_is_token = cdk.Token.is_unresolved(auto_scaling_group_name)
        self._allow(
            "ScaleTaggedWebService",
            ["autoscaling:UpdateAutoScalingGroup"],
            [_asg_arn(self, "*" if group_is_token else auto_scaling_group_name)],
            StringEquals=tagged,
        )
        self._allow("ReadGroupInstances", ["autoscaling:DescribeAutoScalingGroups"], ["*"])
        if open_switch_id is not None and close_switch_id is not None:
            self._allow(
                "FlipRegionSwitches",
                ["route53:UpdateHealthCheck"],
                [_health_check_arn(open_switch_id), _health_check_arn(close_switch_id)],
            )
        if endpoint_health_check_id is not None:
            self._allow(
                "ReadEndpointHealth",
                ["route53:GetHealthCheckStatus"],
                [_health_check_arn(endpoint_health_check_id)],
            )
        self._allow_publish(success_topic, failure_topic)

        rds_prefix = (
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:{_nag_region(self)}:{_nag_account(self)}"
        )
        acknowledge(
            self.role,
            f"{rds_prefix}:auto-backup:*]",
            "Replicated automated backups are named by a generated id (ab-...) that is a run parameter; "
            "the restore can only create the one fixed target instance.",
        )
        for resource in ("og", "snapshot:awsbackup") + (() if parameter_group_name else ("pg",)):
            acknowledge(
                self.role,
                f"{rds_prefix}:{resource}:*]",
                "AWS Backup names each recovery point's snapshot (awsbackup:job-...) and the engine's "
                "default option/parameter groups vary with the version; the restored instance is fixed.",
            )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "autoscaling:DescribeAutoScalingGroups supports no resource-level permissions; it is read-only.",
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:"
            f"{_nag_region(self)}:{_nag_account(self)}:autoScalingGroup:*:autoScalingGroupName/"
            f"{'*' if group_is_token else auto_scaling_group_name}]",
            "Auto Scaling group ARNs contain a generated id; UpdateAutoScalingGroup only on groups carrying "
            "the environment tag (aws:ResourceTag condition).",
        )

        #: The restored database's identifier.
        self.target_identifier = target_identifier
        self._publish_document(
            region_restore_document(
                automation_role_arn=self.role.role_arn,
                source_database_arn=source_database_arn,
                target_identifier=target_identifier,
                source_automated_backups_arn=source_automated_backups_arn,
                vault_name=vault_name,
                subnet_group_name=subnet_group_name,
                security_group_ids=security_group_ids,
                instance_class=instance_class,
                multi_az=multi_az,
                parameter_group_name=parameter_group_name,
                backup_retention_days=backup_retention_days,
                auto_scaling_group_name=auto_scaling_group_name,
                min_capacity=minimum,
                max_capacity=maximum,
                desired_capacity=desired,
                pause_parameter_name=pause_parameter_name,
                environment_tag=(environment_tag_key, environment_name),
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
                open_switch_id=open_switch_id,
                close_switch_id=close_switch_id,
                endpoint_health_check_id=endpoint_health_check_id,
            ),
            document_name,
        )


def _nag_region(scope: Construct) -> str:
    region = cdk.Stack.of(scope).region
    return "<AWS::Region>" if cdk.Token.is_unresolved(region) else region


def _nag_account(scope: Construct) -> str:
    account = cdk.Stack.of(scope).account
    return "<AWS::AccountId>" if cdk.Token.is_unresolved(account) else account


# ==============================================================================================
# Scripts (aws:executeScript handlers). Self-contained: each is shipped alone with
# inspect.getsource, so it imports what it needs and uses no module globals.
# ==============================================================================================
#: IAM actions each script calls (the role must grant them; tests read the scripts' boto3 calls).
SCRIPT_IAM_ACTIONS: dict[str, frozenset[str]] = {
    "describe_database": frozenset({"rds:DescribeDBInstances"}),
    "wait_until_promoted": frozenset({"rds:DescribeDBInstances"}),
    "wait_until_endpoint_healthy": frozenset({"route53:GetHealthCheckStatus"}),
    "freeze_region": frozenset(
        {"ssm:PutParameter", "autoscaling:UpdateAutoScalingGroup", "autoscaling:DescribeAutoScalingGroups"}
    ),
    "wait_for_replica_lag": frozenset({"cloudwatch:GetMetricStatistics"}),
    "find_latest_recovery_point": frozenset({"backup:ListRecoveryPointsByBackupVault"}),
    "delete_instance": frozenset({"rds:DeleteDBInstance", "rds:DescribeDBInstances"}),
    "choose_restore_source": frozenset({"rds:DescribeDBInstances", "rds:DescribeDBInstanceAutomatedBackups"}),
    "wait_for_in_service_instances": frozenset({"autoscaling:DescribeAutoScalingGroups"}),
}


def describe_database(events: dict, context: object) -> dict:
    """Status of one DB instance; optionally refuse a single-AZ one or one still in a given zone."""
    import boto3

    rds = boto3.client("rds")
    instance = rds.describe_db_instances(DBInstanceIdentifier=events["DBInstanceIdentifier"])["DBInstances"][
        0
    ]
    zone = instance.get("AvailabilityZone", "")
    if events.get("RequireMultiAz") and not instance.get("MultiAZ"):
        raise RuntimeError(
            f"{events['DBInstanceIdentifier']} is not Multi-AZ: a forced failover would be an outage."
        )
    if events.get("RequireZoneOtherThan") and zone == events["RequireZoneOtherThan"]:
        raise RuntimeError(
            f"{events['DBInstanceIdentifier']} is still in {zone}: the failover did not happen."
        )
    return {
        "IsReplica": bool(instance.get("ReadReplicaSourceDBInstanceIdentifier")),
        "Status": instance["DBInstanceStatus"],
        "MultiAZ": bool(instance.get("MultiAZ")),
        "AvailabilityZone": zone,
        "SecondaryAvailabilityZone": instance.get("SecondaryAvailabilityZone", ""),
        "Endpoint": (instance.get("Endpoint") or {}).get("Address", ""),
    }


def wait_until_promoted(events: dict, context: object) -> dict:
    """Poll until the instance has no replication source and is ``available``; raise on timeout."""
    import time

    import boto3

    rds = boto3.client("rds")
    identifier = events["DBInstanceIdentifier"]
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    started = time.monotonic()
    while True:
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        promoted = not instance.get("ReadReplicaSourceDBInstanceIdentifier")
        if promoted and instance["DBInstanceStatus"] == "available":
            return {"SecondsWaited": int(time.monotonic() - started)}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(
                f"{identifier} is still {'a replica' if not promoted else instance['DBInstanceStatus']} "
                f"after {int(timeout)} s; the step is retried, then the runbook fails."
            )
        time.sleep(poll)


def wait_until_endpoint_healthy(events: dict, context: object) -> dict:
    """Poll a Route 53 health check until at least half of its checkers report success."""
    import time

    import boto3

    route53 = boto3.client("route53")
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    started = time.monotonic()
    while True:
        observations = route53.get_health_check_status(HealthCheckId=events["HealthCheckId"])[
            "HealthCheckObservations"
        ]
        healthy = sum(
            1 for o in observations if o.get("StatusReport", {}).get("Status", "").startswith("Success")
        )
        if observations and healthy * 2 >= len(observations):
            return {"HealthyObservations": healthy, "Observations": len(observations)}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(
                f"only {healthy} of {len(observations)} Route 53 checkers see the endpoint healthy after "
                f"{int(timeout)} s."
            )
        time.sleep(poll)


def freeze_region(events: dict, context: object) -> dict:
    """Stop writes in another region: its pause switch on, its web service group to zero."""
    import boto3

    region = events["Region"]
    ssm = boto3.client("ssm", region_name=region)
    autoscaling = boto3.client("autoscaling", region_name=region)
    ssm.put_parameter(Name=events["PauseParameterName"], Value="true", Type="String", Overwrite=True)
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[events["AutoScalingGroupName"]])
    previous = groups["AutoScalingGroups"][0]["DesiredCapacity"] if groups["AutoScalingGroups"] else 0
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=events["AutoScalingGroupName"], MinSize=0, MaxSize=0, DesiredCapacity=0
    )
    return {"PreviousDesiredCapacity": previous}


def wait_for_replica_lag(events: dict, context: object) -> dict:
    """Wait ``MinimumWaitSeconds``, then until the replica's newest ``ReplicaLag`` is small enough."""
    import datetime
    import time

    import boto3

    cloudwatch = boto3.client("cloudwatch")
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    time.sleep(float(events.get("MinimumWaitSeconds", 60)))
    started = time.monotonic()
    lag = None
    while True:
        now = datetime.datetime.now(datetime.UTC)
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName="ReplicaLag",
            Dimensions=[{"Name": "DBInstanceIdentifier", "Value": events["DBInstanceIdentifier"]}],
            StartTime=now - datetime.timedelta(minutes=5),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        if points:
            lag = max(points, key=lambda p: p["Timestamp"])["Maximum"]
            if lag <= float(events.get("MaxReplicaLagSeconds", 0)):
                return {"ReplicaLagSeconds": int(lag)}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(
                f"ReplicaLag of {events['DBInstanceIdentifier']} is {lag} s (no data if None) after "
                f"{int(timeout)} s; writes may still be arriving."
            )
        time.sleep(poll)


def find_latest_recovery_point(events: dict, context: object) -> dict:
    """Newest COMPLETED recovery point of ``ResourceArn`` in the vault, and its age in minutes."""
    import datetime

    import boto3

    backup = boto3.client("backup")
    points, token = [], None
    while True:
        kwargs = {"BackupVaultName": events["BackupVaultName"], "ByResourceType": "RDS"}
        if token:
            kwargs["NextToken"] = token
        page = backup.list_recovery_points_by_backup_vault(**kwargs)
        points += [
            p
            for p in page.get("RecoveryPoints", [])
            if p.get("ResourceArn") == events["ResourceArn"] and p.get("Status") == "COMPLETED"
        ]
        token = page.get("NextToken")
        if not token:
            break
    if not points:
        raise RuntimeError(
            f"no completed recovery point of {events['ResourceArn']} in vault {events['BackupVaultName']}: "
            "the copy rule has not delivered one yet, or it fails (check AWS Backup copy jobs)."
        )
    newest = max(points, key=lambda p: p["CreationDate"])
    created = newest["CreationDate"]
    age = datetime.datetime.now(datetime.UTC) - created
    return {
        "RecoveryPointArn": newest["RecoveryPointArn"],
        "SnapshotIdentifier": newest["RecoveryPointArn"].split(":snapshot:", 1)[-1],
        "CreationDate": created.isoformat(),
        "AgeMinutes": int(age.total_seconds() // 60),
    }


def delete_instance(events: dict, context: object) -> dict:
    """Delete a drill instance without a final snapshot and wait until it is gone (absent is fine)."""
    import time

    import boto3

    rds = boto3.client("rds")
    identifier = events["DBInstanceIdentifier"]
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    started = time.monotonic()
    requested = False
    while True:
        try:
            status = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0][
                "DBInstanceStatus"
            ]
        except rds.exceptions.DBInstanceNotFoundFault:
            return {"Deleted": True}
        if not requested and status != "deleting":
            try:
                rds.delete_db_instance(
                    DBInstanceIdentifier=identifier, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
                )
                requested = True
            except rds.exceptions.InvalidDBInstanceStateFault:
                pass  # still creating or modifying: try again on the next poll
            except rds.exceptions.DBInstanceNotFoundFault:
                return {"Deleted": True}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(f"{identifier} is still {status} after {int(timeout)} s.")
        time.sleep(poll)


def choose_restore_source(events: dict, context: object) -> dict:
    """Where the region restore takes the database from (``Source``).

    ``existing-instance``: the target exists already (an earlier run restored it); ``replicated-backups``:
    restorable automated backups of the source replicated into this region (the given ARN, else the
    newest found by the source's identifier and ARN); ``recovery-point``: none, use the backup vault.
    A given ARN that cannot be restored from is an error, not a reason to restore older data.
    """
    import boto3

    rds = boto3.client("rds")
    try:
        instance = rds.describe_db_instances(DBInstanceIdentifier=events["TargetDBInstanceIdentifier"])[
            "DBInstances"
        ][0]
        return {
            "Source": "existing-instance",
            "AutomatedBackupsArn": "",
            "LatestRestorableTime": "",
            "Status": instance["DBInstanceStatus"],
        }
    except rds.exceptions.DBInstanceNotFoundFault:
        pass
    requested = events.get("AutomatedBackupsArn") or ""
    backups, marker = [], None
    while True:
        kwargs = (
            {"DBInstanceAutomatedBackupsArn": requested}
            if requested
            else {"DBInstanceIdentifier": events["SourceDBInstanceIdentifier"]}
        )
        if marker:
            kwargs["Marker"] = marker
        try:
            page = rds.describe_db_instance_automated_backups(**kwargs)
        except rds.exceptions.DBInstanceAutomatedBackupNotFoundFault:
            page = {}
        backups += page.get("DBInstanceAutomatedBackups", [])
        marker = page.get("Marker")
        if not marker:
            break
    usable = [
        b
        for b in backups
        if b.get("Status") in ("active", "replicating", "retained")
        and (b.get("RestoreWindow") or {}).get("LatestTime")
        and (requested or b.get("DBInstanceArn", events["SourceDatabaseArn"]) == events["SourceDatabaseArn"])
    ]
    if requested and not usable:
        raise RuntimeError(
            f"automated backups {requested} are not in this region or not restorable (statuses: "
            f"{[b.get('Status') for b in backups]}); run again with an empty "
            "SourceDBInstanceAutomatedBackupsArn to use the replicated backups found by name, else the "
            "newest copy in the backup vault."
        )
    if not usable:
        return {
            "Source": "recovery-point",
            "AutomatedBackupsArn": "",
            "LatestRestorableTime": "",
            "Status": "",
        }
    newest = max(usable, key=lambda b: b["RestoreWindow"]["LatestTime"])
    return {
        "Source": "replicated-backups",
        "AutomatedBackupsArn": newest["DBInstanceAutomatedBackupsArn"],
        "LatestRestorableTime": newest["RestoreWindow"]["LatestTime"].isoformat(),
        "Status": newest["Status"],
    }


def wait_for_in_service_instances(events: dict, context: object) -> dict:
    """Poll until the group has ``MinimumInService`` (at least 1) InService, healthy instances."""
    import time

    import boto3

    autoscaling = boto3.client("autoscaling")
    name = events["AutoScalingGroupName"]
    required = max(int(events.get("MinimumInService", 1)), 1)
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    started = time.monotonic()
    while True:
        groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        if not groups:
            raise RuntimeError(f"Auto Scaling group {name} does not exist in this region.")
        in_service = sum(
            1
            for i in groups[0].get("Instances", [])
            if i.get("LifecycleState") == "InService" and i.get("HealthStatus") == "Healthy"
        )
        if in_service >= required:
            return {"InServiceInstances": in_service}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(
                f"{name} has {in_service} InService healthy instances of the {required} required after "
                f"{int(timeout)} s; the step is retried, then the runbook fails."
            )
        time.sleep(poll)
