"""Recovery drills that prove a recovery path works and leave nothing behind: PITR restore
(:class:`PitrDrillRunbook`), restore of the newest AWS Backup copy (:class:`BackupRestoreDrillRunbook`)
and Multi-AZ failover (:class:`DatabaseFailoverDrillRunbook`), each publishing its ``*_document``
function (in :mod:`constructs_lib.runbooks.drill_documents`) with its own role."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import IPauseSwitch, Naming, Severity
from constructs_lib.runbooks._base import (
    _db_arn,
    _rds_arn,
    _Runbook,
    _validate_identifier,
    _validate_topics,
    acknowledge_rds_wildcards,
)
from constructs_lib.runbooks.drill_documents import (
    BACKUP_DRILL_MARKER,
    DRILL_TAG_KEY,
    PITR_DRILL_MARKER,
    backup_restore_drill_document,
    database_failover_drill_document,
    pitr_drill_document,
)
from constructs_lib.runbooks.props import DatabasePlacement

__all__ = [
    "BACKUP_DRILL_MARKER",
    "DRILL_TAG_KEY",
    "PITR_DRILL_MARKER",
    "BackupRestoreDrillRunbook",
    "DatabaseFailoverDrillRunbook",
    "PitrDrillRunbook",
    "backup_restore_drill_document",
    "database_failover_drill_document",
    "pitr_drill_document",
]


def _drill_identifier(source_identifier: str, kind: str) -> str:
    base = source_identifier[: 63 - len(kind) - 7].rstrip("-")
    return f"{base}-{kind}-drill"


class _DrillRunbook(_Runbook):
    """Shared permissions of the restore drills: create, check and delete one named instance.

    The drill creates its instance with two tags (the environment's and ``Drill=<marker>``); RDS
    authorizes tags given at creation as ``rds:AddTagsToResource`` ("If tags are specified in the create
    action, RDS performs additional authorization on the rds:AddTagsToResource action", RDS User Guide,
    "Grant permission to tag Amazon RDS resources during creation"), so the role needs that action. It
    is held to what the drill's own restore sends and nothing else:

    - the restore itself must carry ``Drill=<marker>`` (``aws:RequestTag/Drill``);
    - ``AddTagsToResource`` only on the drill's identifier, only with exactly these keys
      (``ForAllValues:StringEquals`` on ``aws:TagKeys``) and values (``aws:RequestTag/<key>``);
    - ``DeleteDBInstance`` only on the drill's identifier and only while it carries both tags
      (``aws:ResourceTag/<key>``).

    ``aws:RequestTag/${TagKey}``, ``aws:TagKeys`` and ``rds:req-tag/${TagKey}`` (RDS's own spelling of
    the first) are the condition keys the Service Authorization Reference lists for
    ``rds:AddTagsToResource`` and the ``Restore*`` actions. So the drill's tags cannot be put on any
    database of the environment (their identifiers are outside the role's resources), and the
    delete can reach only an instance named like the drill *and* tagged as one: the identifier
    ``<source>-<kind>-drill`` is reserved for the drill.
    """

    def _allow_drill_instance(
        self, *, drill_identifier: str, environment_tag_key: str, naming: Naming, marker: str
    ) -> None:
        drill = _db_arn(self, drill_identifier)
        self._allow("DescribeDrillInstance", ["rds:DescribeDBInstances"], [drill])
        self._allow(
            "TagTheDrillInstanceAtCreation",
            ["rds:AddTagsToResource"],
            [drill],
            **_drill_request_tags(environment_tag_key, naming, marker),
        )
        self._allow(
            "DeleteOnlyTheDrillInstance",
            ["rds:DeleteDBInstance"],
            [drill],
            StringEquals={
                f"aws:ResourceTag/{environment_tag_key}": naming.environment,
                f"aws:ResourceTag/{DRILL_TAG_KEY}": marker,
            },
        )


def _drill_request_tags(environment_tag_key: str, naming: Naming, marker: str) -> dict[str, Any]:
    """Conditions: the request sets exactly the drill's two tags, with the drill's values."""
    return {
        "StringEquals": {
            f"aws:RequestTag/{environment_tag_key}": naming.environment,
            f"aws:RequestTag/{DRILL_TAG_KEY}": marker,
        },
        "ForAllValues:StringEquals": {"aws:TagKeys": [environment_tag_key, DRILL_TAG_KEY]},
    }


def _drill_marker_required(marker: str) -> dict[str, Any]:
    """Condition of the restore: the new instance is created with ``Drill=<marker>``."""
    return {"StringEquals": {f"aws:RequestTag/{DRILL_TAG_KEY}": marker}}


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
            **_drill_marker_required(PITR_DRILL_MARKER),
        )
        self._allow_drill_instance(
            drill_identifier=self.drill_identifier,
            environment_tag_key=environment_tag_key,
            naming=naming,
            marker=PITR_DRILL_MARKER,
        )
        self._allow_kms_for_rds("UseDatabaseKey", [encryption_key.key_arn])
        self._allow_publish(success_topic, failure_topic)
        acknowledge_rds_wildcards(self, self.role, ("og", "pg"))
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
            **_drill_marker_required(BACKUP_DRILL_MARKER),
        )
        self._allow_drill_instance(
            drill_identifier=self.drill_identifier,
            environment_tag_key=environment_tag_key,
            naming=naming,
            marker=BACKUP_DRILL_MARKER,
        )
        self._allow_kms_for_rds("UseRecoveryPointKey", [recovery_point_key.key_arn])
        self._allow_publish(success_topic, failure_topic)
        acknowledge_rds_wildcards(self, self.role, ("og", "pg", "snapshot:awsbackup"))
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
