"""Fixtures of the runbook tests: every DR runbook synthesized once, with cdk-nag."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from constructs_lib import Naming
from constructs_lib.alerting import PauseSwitch
from constructs_lib.runbooks.drills import (
    BackupRestoreDrillRunbook,
    DatabaseFailoverDrillRunbook,
    PitrDrillRunbook,
)
from constructs_lib.runbooks.pitr import PitrRestoreRunbook
from constructs_lib.runbooks.props import (
    DatabasePlacement,
    EndpointSwitch,
    RegionSwitches,
    RestoreSource,
    RestoreTarget,
    ServingRegion,
    StandbyDatabase,
    WebCapacity,
)
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


NAMING = Naming(app="webapp", environment="prod")
SWITCH = EndpointSwitch(
    endpoint_parameter_name="/webapp/prod/db/endpoint",
    auto_scaling_group_name="webapp-prod-web",
    command_document_name="webapp-prod-instance-commands",
    health_path="/health/deep",
)


@pytest.fixture(scope="session")
def dr_synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("dr_runbooks")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    osaka = cdk.Stack(app, "Osaka", env=OSAKA)
    osaka_topics = _topics(osaka)
    osaka_pause = PauseSwitch.from_parameter_name(osaka, "Pause", PAUSE)
    group_name = cdk.CfnParameter(osaka, "WebGroupName").value_as_string  # a token, as from another stack
    placement = DatabasePlacement(subnet_group_name="webapp-prod-db", security_group_ids=["sg-0123"])
    runbooks: dict[str, tuple[str, object]] = {}
    runbooks["failover"] = (
        "Osaka",
        RegionFailoverRunbook(
            osaka,
            "RegionFailover",
            naming=NAMING,
            pause_switch=osaka_pause,
            notification_topics=osaka_topics,
            standby=StandbyDatabase(identifier=DB),
            capacity=WebCapacity(auto_scaling_group_name=group_name, min_capacity=2, max_capacity=6),
            dns=RegionSwitches(
                open_switch_id="hc-osaka",
                close_switch_id="hc-tokyo",
                endpoint_health_check_id="hc-osaka-endpoint",
            ),
        ),
    )
    vault_key = kms.Key(osaka, "VaultKey", enable_key_rotation=True)
    runbooks["backup_drill"] = (
        "Osaka",
        BackupRestoreDrillRunbook(
            osaka,
            "BackupRestoreDrill",
            naming=NAMING,
            vault_name="webapp-prod-backup",
            source_database_arn=SOURCE_ARN,
            placement=placement,
            recovery_point_key=vault_key,
            notification_topics=osaka_topics,
        ),
    )
    data_key = kms.Key(osaka, "DataKey", enable_key_rotation=True)
    restore = {
        "naming": NAMING,
        "pause_switch": osaka_pause,
        "notification_topics": osaka_topics,
        "target": RestoreTarget(
            identifier=DR_DB, placement=placement, multi_az=True, backup_retention_days=14
        ),
        "capacity": WebCapacity(
            auto_scaling_group_name="webapp-prod-web", min_capacity=2, desired_capacity=3, max_capacity=6
        ),
    }
    runbooks["region_restore"] = (
        "Osaka",
        RegionRestoreRunbook(
            osaka,
            "RegionRestore",
            **restore,
            source=RestoreSource(
                database_arn=SOURCE_ARN,
                vault_name="webapp-prod-backup",
                encryption_key=data_key,
                recovery_point_key=vault_key,
                automated_backups_arn=AUTO_BACKUPS_ARN,
            ),
            dns=RegionSwitches(
                open_switch_id="hc-osaka",
                close_switch_id="hc-tokyo",
                endpoint_health_check_id="hc-osaka-endpoint",
            ),
        ),
    )
    runbooks["region_restore_no_dns"] = (
        "Osaka",
        RegionRestoreRunbook(
            osaka,
            "RegionRestoreWithoutDns",
            **restore,
            source=RestoreSource(
                database_arn=SOURCE_ARN,
                vault_name="webapp-prod-backup",
                encryption_key=data_key,
                recovery_point_key=vault_key,
            ),
        ),
    )
    tokyo = cdk.Stack(app, "Tokyo", env=TOKYO)
    tokyo_topics = _topics(tokyo)
    tokyo_pause = PauseSwitch.from_parameter_name(tokyo, "Pause", PAUSE)
    db_key = kms.Key(tokyo, "DbKey", enable_key_rotation=True)
    runbooks["failback"] = (
        "Tokyo",
        RegionFailbackRunbook(
            tokyo,
            "RegionFailback",
            naming=NAMING,
            pause_switch=tokyo_pause,
            notification_topics=tokyo_topics,
            standby=StandbyDatabase(identifier=f"{DB}-g2"),
            capacity=WebCapacity(auto_scaling_group_name="webapp-prod-web", min_capacity=2, max_capacity=6),
            dns=RegionSwitches(
                open_switch_id="hc-tokyo",
                close_switch_id="hc-osaka",
                endpoint_health_check_id="hc-tokyo-endpoint",
            ),
            serving=ServingRegion(
                region="ap-northeast-3",
                auto_scaling_group_name="webapp-prod-web",
                pause_switch=PauseSwitch.from_parameter_name(tokyo, "ServingPause", PAUSE),
            ),
        ),
    )
    runbooks["pitr_restore"] = (
        "Tokyo",
        PitrRestoreRunbook(
            tokyo,
            "PitrRestore",
            naming=NAMING,
            source_identifier=DB,
            placement=placement,
            encryption_key=db_key,
            notification_topics=tokyo_topics,
        ),
    )
    runbooks["pitr_restore_switch"] = (
        "Tokyo",
        PitrRestoreRunbook(
            tokyo,
            "PitrRestoreSwitch",
            naming=NAMING,
            source_identifier=DB,
            placement=placement,
            encryption_key=db_key,
            notification_topics=tokyo_topics,
            endpoint_switch=SWITCH,
        ),
    )
    runbooks["pitr_drill"] = (
        "Tokyo",
        PitrDrillRunbook(
            tokyo,
            "PitrDrill",
            naming=NAMING,
            source_identifier=DB,
            placement=placement,
            encryption_key=db_key,
            notification_topics=tokyo_topics,
        ),
    )
    runbooks["db_failover_drill"] = (
        "Tokyo",
        DatabaseFailoverDrillRunbook(
            tokyo,
            "DatabaseFailoverDrill",
            naming=NAMING,
            database_identifier=DB,
            pause_switch=tokyo_pause,
            notification_topics=tokyo_topics,
        ),
    )
    starter = iam.Role(tokyo, "IncidentDetector", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    runbooks["pitr_restore"][1].grant_start(starter)
    templates, violations = synth_with_nag(app, outdir)
    return runbooks, templates, violations
