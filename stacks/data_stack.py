"""Data layer of one region: the database (primary or standby replica), backups and their copies."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_lib.data import (
    BackupReplication,
    CrossRegionBackup,
    DatabaseBackup,
    DatabaseCredentials,
    DatabaseEndpointParameter,
    DatabaseMaintenance,
    DatabaseMonitoring,
    DatabaseNetwork,
    DrBackupVault,
    ReplicaSource,
    ReplicationHeartbeat,
    ResilientDatabase,
    database_arn,
)
from constructs_lib.monitoring import DatabaseTarget
from stacks.base import RegionalStack
from stacks.config import EnvironmentConfig


class DataStack(RegionalStack):
    """The active region holds the primary; the standby region a replica (pilot light, warm standby)
    or only the network to restore into (backup & restore). The home region runs the backup plan,
    copying to a vault in the other region."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        region: str,
        vpc: ec2.IVpc,
        web_security_group: ec2.ISecurityGroup,
        data_key: kms.IKey,
    ) -> None:
        super().__init__(scope, id, config=config, region=region, description="data (database, backups)")
        db = config.database
        self.data_key = data_key
        if config.account_shared_with:
            cdk.Annotations.of(self).add_warning_v2(
                "webapp:config:sharedAccount",
                f"environments.{config.name}.account ({config.account}) is shared with "
                f"{', '.join(config.account_shared_with)}: allowed because none keeps its data, but a "
                "mistake in one can reach the other. Give each environment its own account when you can.",
            )
        active = region == config.active_region
        other = config.standby_region if active else config.active_region
        self.database: ResilientDatabase | None = None
        if config.has_database(region):
            home = region == config.home_region
            self.database = ResilientDatabase(
                self,
                "Database",
                vpc=vpc,
                naming=config.naming,
                instance_identifier=config.database_identifier(region),
                role="primary" if active else "replica",
                replica_source=None
                if active
                else ReplicaSource(
                    database_arn=database_arn(
                        account=config.account,
                        region=config.active_region,
                        instance_identifier=config.database_identifier(config.active_region),
                    ),
                    region=config.active_region,
                ),
                promoted=active and config.database_created_as_replica(region),
                client_security_groups=[web_security_group],
                instance_type=ec2.InstanceType(db.instance_class),
                # A standby replica runs single-AZ; promotion makes it the primary with the configured HA.
                multi_az=db.multi_az if active else False,
                deletion_protection=db.deletion_protection,
                storage=db.storage(),
                backup=DatabaseBackup(
                    retention_days=db.backup_retention_days,
                    preferred_window=db.backup_window_utc,
                    # Automated backups and transaction logs follow to the other region (PITR there too).
                    replication=BackupReplication(region=other, kms_key_arn=config.data_key_alias_arn(other))
                    if active
                    else None,
                ),
                credentials=DatabaseCredentials(
                    secret_name=config.master_secret_name,
                    owns_secret=home,
                    secret_replica_regions={other: config.data_key_alias_arn(other)} if home else {},
                ),
                maintenance=DatabaseMaintenance(preferred_window=db.maintenance_window_utc),
                # The monitoring stack builds the replica-lag alarm next to the composites that page on it.
                monitoring=DatabaseMonitoring(log_retention=self.log_retention, replica_lag_alarm=False),
                encryption_key=data_key,
                removal_policy=self.removal_policy,
            )
            self.network = self.database.network
            if active and config.dr_strategy.has_standby_database:
                # Commits on the primary every 30 s, so the standby's lag alarm does not page in quiet hours.
                self.heartbeat = ReplicationHeartbeat(
                    self,
                    "ReplicationHeartbeat",
                    database=self.database,
                    log_retention=self.log_retention,
                    removal_policy=self.removal_policy,
                )
            # The host the application uses; the point-in-time restore switches it to the restored instance.
            self.endpoint_parameter: DatabaseEndpointParameter | None = DatabaseEndpointParameter(
                self,
                "EndpointParameter",
                naming=config.naming,
                endpoint_address=self.database.endpoint_address,
            )
        else:
            self.endpoint_parameter = None
            # Backup & restore: nothing runs here, but the restore has its subnets and firewall ready.
            self.network = DatabaseNetwork(
                self, "DatabaseNetwork", vpc=vpc, client_security_groups=[web_security_group]
            )

        if region == config.home_region and config.backup.account_copy is not None:
            # RDS snapshots keep the database's own key: the backup account must be able to use it too.
            config.backup.account_copy.grant_key_use(data_key)
        if region == config.home_region:
            self.backup = CrossRegionBackup(
                self,
                "Backup",
                naming=config.naming,
                destination_region=config.dr.region,
                selection_tags={"Environment": config.name},
                retention=cdk.Duration.days(config.backup.retention_days),
                vault_lock=config.backup.vault_lock,
                account_copy=config.backup.account_copy,
                schedule=None
                if config.backup.start_hour_utc is None
                else events.Schedule.cron(minute="0", hour=str(config.backup.start_hour_utc)),
                removal_policy=self.removal_policy,
            )
        else:
            self.backup_vault = DrBackupVault(
                self,
                "BackupVault",
                naming=config.naming,
                vault_lock=config.backup.vault_lock,
                removal_policy=self.removal_policy,
            )

    def database_target(self) -> DatabaseTarget | None:
        """What the monitoring stack alarms on (by name: no cross-stack reference needed)."""
        if self.database is None:
            return None
        return DatabaseTarget(
            instance_identifier=self.config.database_identifier(self.region),
            allocated_storage_gib=self.config.database.allocated_storage_gib,
            memory_gib=self.config.database.memory_gib,
        )
