"""Region restore (backup & restore strategy): bring the service back in the DR region after losing
the primary's: :func:`region_restore_document` and :class:`RegionRestoreRunbook`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import IPauseSwitch, Naming, Severity
from constructs_lib.nag import acknowledge
from constructs_lib.runbooks._base import (
    _asg_arn,
    _base_parameters,
    _db_arn,
    _document,
    _health_check_arn,
    _nag_account,
    _nag_region,
    _rds_arn,
    _Runbook,
    _validate_topics,
    acknowledge_rds_wildcards,
    acknowledge_unscoped_reads,
)
from constructs_lib.runbooks.props import RegionSwitches, RestoreSource, RestoreTarget, WebCapacity
from constructs_lib.runbooks.scripts import (
    choose_restore_source,
    find_latest_recovery_point,
    wait_for_in_service_instances,
    wait_until_endpoint_healthy,
)
from constructs_lib.runbooks.steps import _api, _notify, _script, _set_pause, _wait_for_db_status

__all__ = ["RegionRestoreRunbook", "region_restore_document"]


_DB_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):db:(?P<id>[a-z][a-z0-9-]*)$"
)
_AUTOMATED_BACKUPS_ARN_PATTERN = r"^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:auto-backup:ab-[A-Za-z0-9]+)?$"


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


class RegionRestoreRunbook(_Runbook):
    """Region restore (backup & restore strategy): restore the service in this stack's region after
    losing the primary's. Deploy it in the DR region (where the replicated backups and the vault are).

    Flow in :func:`region_restore_document`. The role may: set this region's pause switch; describe
    the target instance and the automated backups replicated here; restore into the target
    only (from replicated automated backups, or from AWS Backup snapshots ``awsbackup:*``), in the
    given subnet group; list the vault's recovery points; use the two keys through RDS; update the
    web service group only while it carries the environment tag and read group sizes; flip the two
    region switches and read the endpoint health check when given; publish to the two topics.

    :param naming: the app and environment; the restored instance gets the environment tag
        (``environment_tag_key`` = ``naming.environment``) and the group must carry it.
    :param pause_switch: this region's pause switch (``true`` during the run, ``false`` at the end).
    :param notification_topics: topics keyed by severity.
    :param source: what is restored: the lost primary, the vault and the keys of both copies.
    :param target: the instance restored here: identifier, placement, class, Multi-AZ, retention.
    :param capacity: this region's web service group (a fixed name) and its production capacity.
    :param dns: the two region switches (this region's is opened, the lost one's closed) and this
        region's endpoint health check (when given, the runbook waits until Route 53 sees the
        endpoint healthy). Default: none (DNS is changed by hand; the success message says so).
    :param success_severity: topic of the success message. Default: ``high``.
    :param failure_severity: topic of the failure message. Default: ``critical``.
    :param environment_tag_key: tag key of the IAM conditions and of the restored instance's tag.
        Default: ``Environment``.
    :param document_name: SSM document name. Default: generated by CloudFormation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        pause_switch: IPauseSwitch,
        notification_topics: Mapping[str, sns.ITopic],
        source: RestoreSource,
        target: RestoreTarget,
        capacity: WebCapacity,
        dns: RegionSwitches | None = None,
        success_severity: Severity = Severity.HIGH,
        failure_severity: Severity = Severity.CRITICAL,
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description="Runs the region restore runbook (SSM Automation).")
        source_database_arn = source.database_arn
        match = _DB_ARN_PATTERN.match(source_database_arn)
        if not match:
            raise ValueError(
                f"source.database_arn ({source_database_arn!r}) must be an RDS DB instance ARN; build it "
                "with constructs_lib.data.database_arn()."
            )
        stack = cdk.Stack.of(self)
        if not cdk.Token.is_unresolved(stack.region) and match["region"] == stack.region:
            raise ValueError(
                f"source.database_arn is in {match['region']}, this stack's region: deploy the region "
                "restore runbook in the DR region (the region that survives the loss of the primary's)."
            )
        source_automated_backups_arn = source.automated_backups_arn
        if source_automated_backups_arn and not re.match(
            _AUTOMATED_BACKUPS_ARN_PATTERN, source_automated_backups_arn
        ):
            raise ValueError(
                f"source.automated_backups_arn ({source_automated_backups_arn!r}) must be a replicated "
                "automated backups ARN (arn:aws:rds:<region>:<account>:auto-backup:ab-...)."
            )
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
        self.naming = naming
        environment_name = naming.environment
        target_identifier = target.identifier
        subnet_group_name = target.placement.subnet_group_name
        parameter_group_name = target.parameter_group_name
        vault_name = source.vault_name
        auto_scaling_group_name = capacity.auto_scaling_group_name
        open_switch_id = dns.open_switch_id if dns else None
        close_switch_id = dns.close_switch_id if dns else None
        endpoint_health_check_id = dns.endpoint_health_check_id if dns else None
        tagged = {f"aws:ResourceTag/{environment_tag_key}": environment_name}
        target_arn = _db_arn(self, target_identifier)
        auto_backups = _rds_arn(self, "auto-backup", "*")
        restore_into = [
            target_arn,
            _rds_arn(self, "subgrp", subnet_group_name),
            _rds_arn(self, "og", "*"),
            _rds_arn(self, "pg", parameter_group_name or "*"),
        ]

        self._allow("SetPauseSwitch", ["ssm:PutParameter"], [pause_switch.parameter_arn])
        self._allow(
            "TagAndDescribeRestored", ["rds:AddTagsToResource", "rds:DescribeDBInstances"], [target_arn]
        )
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
        self._allow_kms_for_rds(
            "UseBackupKeys", [source.encryption_key.key_arn, source.recovery_point_key.key_arn]
        )
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

        acknowledge_rds_wildcards(
            self,
            self.role,
            ("auto-backup", "og", "snapshot:awsbackup") + (() if parameter_group_name else ("pg",)),
        )
        acknowledge_unscoped_reads(self.role, ["autoscaling:DescribeAutoScalingGroups"])
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
                security_group_ids=target.placement.security_group_ids,
                instance_class=target.instance_class,
                multi_az=target.multi_az,
                parameter_group_name=parameter_group_name,
                backup_retention_days=target.backup_retention_days,
                auto_scaling_group_name=auto_scaling_group_name,
                min_capacity=capacity.min_capacity,
                max_capacity=capacity.max_capacity,
                desired_capacity=capacity.desired,
                pause_parameter_name=pause_switch.parameter_name,
                environment_tag=(environment_tag_key, environment_name),
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
                open_switch_id=open_switch_id,
                close_switch_id=close_switch_id,
                endpoint_health_check_id=endpoint_health_check_id,
            ),
            document_name,
        )
