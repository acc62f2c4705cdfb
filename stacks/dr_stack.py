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

from constructs_lib.alerting import PauseSwitch
from constructs_lib.data import database_arn
from constructs_lib.dr import DrStrategy, RegionalFailover
from constructs_lib.runbooks import (
    BackupRestoreDrillRunbook,
    DatabaseFailoverDrillRunbook,
    DatabasePlacement,
    EndpointSwitch,
    PitrDrillRunbook,
    PitrRestoreRunbook,
    RegionFailbackRunbook,
    RegionFailoverRunbook,
    RegionRestoreRunbook,
    RegionSwitches,
    RestoreSource,
    RestoreTarget,
    ServingRegion,
    StandbyDatabase,
    WebCapacity,
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
        command_document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, config=config, region=region, description="disaster-recovery runbooks")
        strategy = DrStrategy.parse(config.dr_strategy)
        active = region == config.active_region
        subnet_group = data.network.subnet_group_name
        security_groups = [data.network.security_group.security_group_id]
        db_class = f"db.{config.database.instance_class}"
        placement = DatabasePlacement(subnet_group_name=subnet_group, security_group_ids=security_groups)
        common = {"naming": config.naming, "notification_topics": notification_topics}
        # This region's pause switch (created by the compute stack), addressed by name.
        pause = PauseSwitch.from_parameter_name(self, "PauseSwitch", config.pause_parameter_name)
        capacity = config.capacity
        web_capacity = WebCapacity(
            auto_scaling_group_name=config.web_group_name,
            min_capacity=capacity.min,
            desired_capacity=capacity.desired,
            max_capacity=capacity.max,
        )
        self.runbooks: dict[str, object] = {}

        if active and data.database is not None:
            source = config.database_identifier(region)
            key = data.database.encryption_key
            # The restore ends with the app pointed at the restored instance (the parameter's contract:
            # the app reads it when it starts, so the switch restarts the app through the healing
            # package's Command document, verifying each instance).
            switch = (
                EndpointSwitch(
                    endpoint_parameter_name=data.endpoint_parameter.parameter_name,
                    auto_scaling_group_name=config.web_group_name,
                    command_document_name=command_document_name,
                    # the deep path: the restart succeeds only once every instance reaches the restore
                    health_path=config.app_probe.deep_health_path or config.app_probe.health_path,
                )
                if data.endpoint_parameter is not None and command_document_name is not None
                else None
            )
            self.runbooks["pitr_restore"] = PitrRestoreRunbook(
                self, "PitrRestore", **common, source_identifier=source, placement=placement,
                encryption_key=key, instance_class=db_class, endpoint_switch=switch,
            )  # fmt: skip
            self.runbooks["pitr_drill"] = PitrDrillRunbook(
                self, "PitrDrill", **common, source_identifier=source, placement=placement,
                encryption_key=key, instance_class=db_class,
            )  # fmt: skip
            self.runbooks["db_failover_drill"] = DatabaseFailoverDrillRunbook(
                self, "DatabaseFailoverDrill", **common, database_identifier=source, pause_switch=pause,
            )  # fmt: skip

        home_database_arn = database_arn(
            account=config.account, region=config.home_region,
            instance_identifier=config.database_identifier(config.home_region),
        )  # fmt: skip
        if region == config.dr.region:
            self.runbooks["backup_restore_drill"] = BackupRestoreDrillRunbook(
                self, "BackupRestoreDrill", **common, vault_name=config.backup_vault_name,
                source_database_arn=home_database_arn, placement=placement,
                recovery_point_key=data.backup_vault.key, instance_class=db_class,
            )  # fmt: skip

        # This region's switch opens, the active region's closes (only ever built here while not active).
        switches = (
            RegionSwitches(
                open_switch_id=failover.switch_id(region),
                close_switch_id=failover.switch_id(config.active_region),
                endpoint_health_check_id=failover.endpoint_health_check_id(region),
            )
            if failover is not None and not active
            else None
        )
        if region == config.dr.region and not active and not strategy.has_standby_database:
            # Backup & restore: no replica to promote; rebuild the database here from the replicated
            # automated backups (or the newest copied recovery point) and scale the web tier out.
            self.runbooks["region_restore"] = RegionRestoreRunbook(
                self, "RegionRestore", **common, pause_switch=pause,
                source=RestoreSource(
                    database_arn=home_database_arn, vault_name=config.backup_vault_name,
                    encryption_key=data.data_key, recovery_point_key=data.backup_vault.key,
                ),
                target=RestoreTarget(
                    identifier=config.database_identifier(region), placement=placement,
                    instance_class=db_class, multi_az=config.database.multi_az,
                    backup_retention_days=config.database.backup_retention_days,
                ),
                capacity=web_capacity, dns=switches,
            )  # fmt: skip

        if switches is not None and strategy.fails_over_by_promotion and not active:
            switch = {
                **common,
                "pause_switch": pause,
                "standby": StandbyDatabase(
                    identifier=config.database_identifier(region),
                    backup_retention_days=config.database.backup_retention_days,
                ),
                "capacity": web_capacity,
                "dns": switches,
            }
            if region == config.home_region:
                # Traffic is in the DR region: bring it home, explicitly.
                serving = ServingRegion(
                    region=config.active_region,
                    auto_scaling_group_name=config.web_group_name,
                    pause_switch=PauseSwitch.from_parameter_name(
                        self, "ServingRegionPauseSwitch", config.pause_parameter_name
                    ),
                )
                self.runbooks["failback"] = RegionFailbackRunbook(
                    self, "RegionFailback", **switch, serving=serving
                )
            else:
                self.runbooks["failover"] = RegionFailoverRunbook(self, "RegionFailover", **switch)
