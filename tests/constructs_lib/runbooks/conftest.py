"""Fixtures of the runbook tests: every DR runbook synthesized once, with cdk-nag."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from constructs_lib.runbooks.drills import (
    BackupRestoreDrillRunbook,
    DatabaseFailoverDrillRunbook,
    PitrDrillRunbook,
)
from constructs_lib.runbooks.pitr import PitrRestoreRunbook
from constructs_lib.runbooks.region_restore import RegionRestoreRunbook
from constructs_lib.runbooks.region_switch import RegionFailbackRunbook, RegionFailoverRunbook
from tests.constructs_lib.runbooks.helpers import (
    AUTO_BACKUPS_ARN,
    DB,
    DR_DB,
    OSAKA,
    PAUSE,
    SEVERITIES,
    SOURCE_ARN,
    TOKYO,
)
from tests.unit.quality import synth_with_nag


def _topics(stack: cdk.Stack) -> dict[str, sns.ITopic]:
    key = kms.Key(stack, "AlertsKey", enable_key_rotation=True)
    return {s: sns.Topic(stack, f"Alerts{s.title()}", master_key=key, enforce_ssl=True) for s in SEVERITIES}


@pytest.fixture(scope="session")
def dr_synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("dr_runbooks")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    osaka = cdk.Stack(app, "Osaka", env=OSAKA)
    osaka_topics = _topics(osaka)
    group_name = cdk.CfnParameter(osaka, "WebGroupName").value_as_string  # a token, as from another stack
    runbooks: dict[str, tuple[str, object]] = {}
    runbooks["failover"] = (
        "Osaka",
        RegionFailoverRunbook(
            osaka,
            "RegionFailover",
            environment_name="prod",
            database_identifier=DB,
            auto_scaling_group_name=group_name,
            production_capacity=(2, 2, 6),
            open_switch_id="hc-osaka",
            close_switch_id="hc-tokyo",
            endpoint_health_check_id="hc-osaka-endpoint",
            pause_parameter_name=PAUSE,
            notification_topics=osaka_topics,
        ),
    )
    vault_key = kms.Key(osaka, "VaultKey", enable_key_rotation=True)
    runbooks["backup_drill"] = (
        "Osaka",
        BackupRestoreDrillRunbook(
            osaka,
            "BackupRestoreDrill",
            environment_name="prod",
            vault_name="webapp-prod-backup",
            source_database_arn=SOURCE_ARN,
            subnet_group_name="webapp-prod-db",
            security_group_ids=["sg-0123"],
            recovery_point_key=vault_key,
            notification_topics=osaka_topics,
        ),
    )
    restore = {
        "environment_name": "prod",
        "source_database_arn": SOURCE_ARN,
        "target_identifier": DR_DB,
        "vault_name": "webapp-prod-backup",
        "subnet_group_name": "webapp-prod-db",
        "security_group_ids": ["sg-0123"],
        "encryption_key": kms.Key(osaka, "DataKey", enable_key_rotation=True),
        "recovery_point_key": vault_key,
        "auto_scaling_group_name": "webapp-prod-web",
        "production_capacity": (2, 3, 6),
        "pause_parameter_name": PAUSE,
        "notification_topics": osaka_topics,
        "multi_az": True,
        "backup_retention_days": 14,
    }
    runbooks["region_restore"] = (
        "Osaka",
        RegionRestoreRunbook(
            osaka,
            "RegionRestore",
            **restore,
            source_automated_backups_arn=AUTO_BACKUPS_ARN,
            open_switch_id="hc-osaka",
            close_switch_id="hc-tokyo",
            endpoint_health_check_id="hc-osaka-endpoint",
        ),
    )
    runbooks["region_restore_no_dns"] = (
        "Osaka",
        RegionRestoreRunbook(osaka, "RegionRestoreWithoutDns", **restore),
    )
    tokyo = cdk.Stack(app, "Tokyo", env=TOKYO)
    tokyo_topics = _topics(tokyo)
    db_key = kms.Key(tokyo, "DbKey", enable_key_rotation=True)
    runbooks["failback"] = (
        "Tokyo",
        RegionFailbackRunbook(
            tokyo,
            "RegionFailback",
            environment_name="prod",
            database_identifier=f"{DB}-g2",
            auto_scaling_group_name="webapp-prod-web",
            production_capacity=(2, 2, 6),
            open_switch_id="hc-tokyo",
            close_switch_id="hc-osaka",
            endpoint_health_check_id="hc-tokyo-endpoint",
            pause_parameter_name=PAUSE,
            notification_topics=tokyo_topics,
            serving_region="ap-northeast-3",
            serving_auto_scaling_group_name="webapp-prod-web",
            serving_pause_parameter_name=PAUSE,
        ),
    )
    placement = {"subnet_group_name": "webapp-prod-db", "security_group_ids": ["sg-0123"]}
    runbooks["pitr_restore"] = (
        "Tokyo",
        PitrRestoreRunbook(
            tokyo,
            "PitrRestore",
            environment_name="prod",
            source_identifier=DB,
            encryption_key=db_key,
            notification_topics=tokyo_topics,
            **placement,
        ),
    )
    runbooks["pitr_drill"] = (
        "Tokyo",
        PitrDrillRunbook(
            tokyo,
            "PitrDrill",
            environment_name="prod",
            source_identifier=DB,
            encryption_key=db_key,
            notification_topics=tokyo_topics,
            **placement,
        ),
    )
    runbooks["db_failover_drill"] = (
        "Tokyo",
        DatabaseFailoverDrillRunbook(
            tokyo,
            "DatabaseFailoverDrill",
            environment_name="prod",
            database_identifier=DB,
            pause_parameter_name=PAUSE,
            notification_topics=tokyo_topics,
        ),
    )
    starter = iam.Role(tokyo, "IncidentDetector", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    runbooks["pitr_restore"][1].grant_start(starter)
    templates, violations = synth_with_nag(app, outdir)
    return runbooks, templates, violations
