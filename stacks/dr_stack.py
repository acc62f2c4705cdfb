"""Disaster-recovery automation of one region: the runbooks that must run *there*.

- Standby region: the region failover runbook (a runbook in Tokyo cannot run while Tokyo is down),
  or with backup & restore the region restore runbook, and the backup-restore drill (the backup
  copies live there).
- Active region: point-in-time restore, the PITR drill and the Multi-AZ failover drill.
- Home region while the other one serves (after a failover): the explicit failback runbook.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib.data import database_arn
from constructs_lib.dr import DrStrategy, RegionalFailover
from constructs_lib.runbooks import (
    BackupRestoreDrillRunbook,
    DatabaseFailoverDrillRunbook,
    PitrDrillRunbook,
    PitrRestoreRunbook,
    RegionFailbackRunbook,
    RegionFailoverRunbook,
    RegionRestoreRunbook,
)
from stacks.base import RegionalStack
from stacks.config import EnvironmentConfig
from stacks.data_stack import DataStack


class DrStack(RegionalStack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        region: str,
        data: DataStack,
        notification_topics: Mapping[str, sns.ITopic],
        failover: RegionalFailover | None,
    ) -> None:
        super().__init__(scope, id, config=config, region=region, description="disaster-recovery runbooks")
        env = config.name
        strategy = DrStrategy.parse(config.dr_strategy)
        active = region == config.active_region
        subnet_group = data.network.subnet_group_name
        security_groups = [data.network.security_group.security_group_id]
        db_class = f"db.{config.database.instance_class}"
        common = {"environment_name": env, "notification_topics": notification_topics}
        self.runbooks: dict[str, object] = {}

        if active and data.database is not None:
            source = config.database_identifier(region)
            key = data.database.encryption_key
            self.runbooks["pitr_restore"] = PitrRestoreRunbook(
                self, "PitrRestore", **common, source_identifier=source, subnet_group_name=subnet_group,
                security_group_ids=security_groups, encryption_key=key, instance_class=db_class,
            )  # fmt: skip
            if data.endpoint_parameter is not None:
                # The restore ends with the app pointed at the restored instance (the parameter's contract).
                data.endpoint_parameter.grant_switch(self.runbooks["pitr_restore"].role)
            self.runbooks["pitr_drill"] = PitrDrillRunbook(
                self, "PitrDrill", **common, source_identifier=source, subnet_group_name=subnet_group,
                security_group_ids=security_groups, encryption_key=key, instance_class=db_class,
            )  # fmt: skip
            self.runbooks["db_failover_drill"] = DatabaseFailoverDrillRunbook(
                self, "DatabaseFailoverDrill", **common, database_identifier=source,
                pause_parameter_name=config.pause_parameter_name,
            )  # fmt: skip

        if region == config.dr.region:
            self.runbooks["backup_restore_drill"] = BackupRestoreDrillRunbook(
                self, "BackupRestoreDrill", **common, vault_name=config.backup_vault_name,
                source_database_arn=database_arn(
                    account=config.account, region=config.home_region,
                    instance_identifier=config.database_identifier(config.home_region),
                ),
                subnet_group_name=subnet_group, security_group_ids=security_groups,
                recovery_point_key=data.backup_vault.key, instance_class=db_class,
            )  # fmt: skip

        if region == config.dr.region and not active and not strategy.has_standby_database:
            # Backup & restore: no replica to promote; rebuild the database here from the replicated
            # automated backups (or the newest copied recovery point) and scale the web tier out.
            capacity = config.capacity
            self.runbooks["region_restore"] = RegionRestoreRunbook(
                self, "RegionRestore", **common,
                source_database_arn=database_arn(
                    account=config.account, region=config.home_region,
                    instance_identifier=config.database_identifier(config.home_region),
                ),
                target_identifier=config.database_identifier(region),
                vault_name=config.backup_vault_name,
                subnet_group_name=subnet_group, security_group_ids=security_groups,
                encryption_key=data.data_key, recovery_point_key=data.backup_vault.key,
                auto_scaling_group_name=config.web_group_name,
                production_capacity=(capacity.min, capacity.desired, capacity.max),
                pause_parameter_name=config.pause_parameter_name,
                instance_class=db_class, multi_az=config.database.multi_az,
                backup_retention_days=config.database.backup_retention_days,
                open_switch_id=failover.switch_id(region) if failover else None,
                close_switch_id=failover.switch_id(config.active_region) if failover else None,
                endpoint_health_check_id=failover.endpoint_health_check_id(region) if failover else None,
            )  # fmt: skip

        if failover is not None and strategy.fails_over_by_promotion and not active:
            capacity = config.capacity
            switch = {
                "environment_name": env,
                "notification_topics": notification_topics,
                "database_identifier": config.database_identifier(region),
                "auto_scaling_group_name": config.web_group_name,
                "production_capacity": (capacity.min, capacity.desired, capacity.max),
                "open_switch_id": failover.switch_id(region),
                "close_switch_id": failover.switch_id(config.active_region),
                "endpoint_health_check_id": failover.endpoint_health_check_id(region),
                "pause_parameter_name": config.pause_parameter_name,
                "backup_retention_days": config.database.backup_retention_days,
            }
            if region == config.home_region:
                # Traffic is in the DR region: bring it home, explicitly.
                self.runbooks["failback"] = RegionFailbackRunbook(
                    self, "RegionFailback", **switch, serving_region=config.active_region,
                    serving_auto_scaling_group_name=config.web_group_name,
                    serving_pause_parameter_name=config.pause_parameter_name,
                )  # fmt: skip
            else:
                self.runbooks["failover"] = RegionFailoverRunbook(self, "RegionFailover", **switch)
