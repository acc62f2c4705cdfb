"""ResilientDatabase: PostgreSQL on RDS that can be a primary or a cross-region read replica.

One construct for both regions of an environment, so that the region that is primary *now* is a
prop (``role``), not a different construct. The same CloudFormation resource (``Resource``, an
``AWS::RDS::DBInstance``) is used in every role, because what CloudFormation does on an update
depends on which properties change:

==========================  ==================================================================
change of ``role``           what the next deploy does
==========================  ==================================================================
replica -> primary           ``SourceDBInstanceIdentifier`` disappears: CloudFormation promotes
(``promoted=True``)          the replica (a no-op when the failover runbook already did). Pass
                             ``promoted=True`` so the create-only properties a replica never had
                             (``MasterUsername``, ``DBName``) stay absent: otherwise
                             CloudFormation would *replace* the promoted database.
primary -> replica           RDS cannot demote a primary. The instance must be rebuilt as a new
                             replica: give it a new ``instance_identifier`` (for example a
                             generation suffix). CloudFormation creates the replica, then fails
                             to delete the old, deletion-protected instance and leaves it for you
                             to snapshot and delete.
==========================  ==================================================================

Credentials: a generated Secrets Manager secret (``{"username", "password", "host", ...}``),
rotated by Secrets Manager's hosted single-user rotation for PostgreSQL. RDS-managed master
passwords (``ManageMasterUserPassword``) are not used: RDS does not allow cross-region read
replicas of instances whose password it manages. The secret lives in the region that created the
primary (``credentials.owns_secret``) and is replicated by Secrets Manager to the DR region
(``credentials.secret_replica_regions``); a replica or promoted database imports that replicated
copy by name.
Rotation runs only where the secret is owned *and* the database is the primary, so after a
failover the password stays the one the promoted replica inherited until failback.

Automated backups: point-in-time recovery from 1 to 35 days of automated backups; optionally
replicated to another region with ``backup.replication`` (CloudFormation has no
``AWS::RDS::DBInstanceAutomatedBackupsReplication`` resource, but ``AWS::RDS::DBInstance`` has the
``AutomaticBackupReplication*`` properties, which call ``StartDBInstanceAutomatedBackupsReplication``
for you).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from constructs_lib._core import Naming, SeverityAlarm
from constructs_lib.data.network import DatabaseNetwork
from constructs_lib.data.options import (
    DatabaseBackup,
    DatabaseCredentials,
    DatabaseMaintenance,
    DatabaseMonitoring,
    DatabaseStorage,
    ReplicaSource,
)
from constructs_lib.data.props import (
    DEFAULT_ENGINE_VERSION,
    POSTGRES_PORT,
    DatabaseRole,
    _validate_identifier,
    _validate_props,
    database_arn,
)
from constructs_lib.data.replication import ReplicaLagAlarm
from constructs_lib.nag import acknowledge

__all__ = ["ResilientDatabase"]

LOG_EXPORTS: tuple[str, ...] = ("postgresql", "upgrade")
#: The component of a database's names when its ``naming`` has none.
DEFAULT_COMPONENT = "db"
_PASSWORD_EXCLUDED = " %+~`#$&*()|[]{}:;<>?!'/@\"\\"


@jsii.implements(secretsmanager.ISecretAttachmentTarget)
class _InstanceAttachmentTarget:
    """Lets ``SecretTargetAttachment`` fill host/port/engine of the secret from an L1 instance."""

    def __init__(self, instance: rds.CfnDBInstance) -> None:
        self._instance = instance

    def as_secret_attachment_target(self) -> secretsmanager.SecretAttachmentTargetProps:
        return secretsmanager.SecretAttachmentTargetProps(
            target_id=self._instance.ref,
            target_type=secretsmanager.AttachmentTargetType.RDS_DB_INSTANCE,
        )


class ResilientDatabase(Construct):
    """RDS for PostgreSQL, encrypted with a customer-managed key, in private subnets.

    ``ResilientDatabase(self, "Db", vpc=vpc, naming=naming)`` is a complete primary: Multi-AZ,
    automated backups with point-in-time recovery for 7 days, deletion protection, master
    credentials in a generated secret with hosted rotation every 30 days. In role ``replica``: a
    cross-region read replica of ``replica_source``, encrypted with this region's key (an encrypted
    cross-region replica needs a key of its own region). See the module docstring for what a change
    of role does on the next deploy.

    Always: storage, Performance Insights and exported logs encrypted with the key; logs
    (``postgresql``, ``upgrade``) in log groups this construct creates with a retention; IAM
    database authentication on; TLS enforced (``rds.force_ssl``); tags copied to snapshots;
    automated backups kept after the instance is deleted.

    The instance is an ``AWS::RDS::DBInstance`` (``self.resource``, the construct's default child);
    :attr:`instance` wraps it as an ``rds.IDatabaseInstance`` for aws-cdk-lib's APIs (metrics,
    ``connections``, ``grant_connect``), resolving to the resource's own ``Ref`` and attributes.

    :param vpc: VPC of the database.
    :param naming: App and environment of the database. Its component defaults to ``db``.
    :param instance_identifier: RDS DB instance identifier (deterministic, so other stacks and
        regions can derive the ARN with :func:`database_arn`). Default: ``{app}-{env}-{component}``.
    :param role: ``"primary"`` or ``"replica"``. Default: primary.
    :param replica_source: For a replica: the primary it follows (ARN and region). Default: none
        (required with ``role="replica"``).
    :param promoted: For a primary that was created as a replica (promoted by the failover runbook):
        keeps the replica's create-only properties so CloudFormation updates it in place.
        Default: false.
    :param vpc_subnets: Subnets. Default: isolated subnets, else private subnets with egress.
    :param client_security_groups: Security groups allowed to connect on 5432 (the web instances').
        Default: none; add with :meth:`allow_from`.
    :param instance_type: Instance class. Default: ``db.t4g.medium``.
    :param engine_version: PostgreSQL version. Default: :data:`DEFAULT_ENGINE_VERSION` (17).
    :param multi_az: Standby in a second zone with automatic failover. Default: true.
    :param deletion_protection: Default: true.
    :param storage: Storage size and autoscaling. Default: :class:`DatabaseStorage` (20 GiB, up to 100).
    :param backup: Automated backups. Default: :class:`DatabaseBackup` (7 days, window chosen by RDS,
        not copied to another region).
    :param credentials: Initial database, master user and its secret. Default:
        :class:`DatabaseCredentials` (database ``app``, user ``dbadmin``, secret
        ``rds/<identifier>/master`` rotated every 30 days).
    :param maintenance: Maintenance window and minor upgrades. Default: :class:`DatabaseMaintenance`
        (window chosen by RDS, automatic minor upgrades).
    :param monitoring: Enhanced monitoring, Performance Insights, log retention. Default:
        :class:`DatabaseMonitoring` (60 s, on, one month).
    :param encryption_key: KMS key for storage, secret, Performance Insights and logs.
        Default: a new customer-managed key with yearly rotation and alias ``key_alias``.
    :param key_alias: Alias of the created key, e.g. ``alias/webapp-prod-data`` - the same alias in
        every region lets other regions name it without copying ARNs.
        Default: ``alias/<instance_identifier>``.
    :param parameters: Extra PostgreSQL parameters. Default: only ``rds.force_ssl=1``.
    :param removal_policy: What happens to the instance when it leaves the stack.
        Default: ``SNAPSHOT`` (CloudFormation ignores it for replicas).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        naming: Naming,
        instance_identifier: str | None = None,
        role: DatabaseRole | str = DatabaseRole.PRIMARY,
        replica_source: ReplicaSource | None = None,
        promoted: bool = False,
        vpc_subnets: ec2.SubnetSelection | None = None,
        client_security_groups: Sequence[ec2.ISecurityGroup] = (),
        instance_type: ec2.InstanceType | None = None,
        engine_version: rds.PostgresEngineVersion = DEFAULT_ENGINE_VERSION,
        multi_az: bool = True,
        deletion_protection: bool = True,
        storage: DatabaseStorage | None = None,
        backup: DatabaseBackup | None = None,
        credentials: DatabaseCredentials | None = None,
        maintenance: DatabaseMaintenance | None = None,
        monitoring: DatabaseMonitoring | None = None,
        encryption_key: kms.IKey | None = None,
        key_alias: str | None = None,
        parameters: Mapping[str, str] | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.SNAPSHOT,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self.naming = naming if naming.component else naming.for_component(DEFAULT_COMPONENT)
        storage = storage or DatabaseStorage()
        backup = backup or DatabaseBackup()
        credentials = credentials or DatabaseCredentials()
        maintenance = maintenance or DatabaseMaintenance()
        monitoring = monitoring or DatabaseMonitoring()
        self.role = DatabaseRole.parse(role)
        self.promoted = promoted
        instance_identifier = instance_identifier or self.naming.name(self.naming.component)
        self.instance_identifier = _validate_identifier(instance_identifier, prop="instance_identifier")
        self.owns_master_secret = (
            credentials.owns_secret
            if credentials.owns_secret is not None
            else self.role is DatabaseRole.PRIMARY and not promoted
        )
        secret_replica_regions = credentials.secret_replica_regions
        _validate_props(
            stack=stack,
            role=self.role,
            replica_source=replica_source,
            promoted=promoted,
            credentials=credentials,
            owns_master_secret=self.owns_master_secret,
            backup=backup,
        )
        monitoring_interval = monitoring.interval
        performance_insights = monitoring.performance_insights
        log_retention = monitoring.log_retention
        master_username = credentials.master_username
        rotation_interval = credentials.rotation_interval
        is_replica = self.role is DatabaseRole.REPLICA
        created_as_replica = is_replica or promoted
        engine = rds.DatabaseInstanceEngine.postgres(version=engine_version)
        self.master_secret_name = credentials.secret_name or f"rds/{instance_identifier}/master"

        # -- key ------------------------------------------------------------------------------
        log_group_prefix = f"/aws/rds/instance/{instance_identifier}"
        if encryption_key is None:
            key = kms.Key(
                self,
                "Key",
                description=f"RDS {instance_identifier}: storage, secret, Performance Insights, logs",
                enable_key_rotation=True,
                alias=key_alias or f"alias/{instance_identifier}",
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="CloudWatchLogsForThisDatabase",
                    principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                    actions=[
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    resources=["*"],
                    conditions={
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                                service="logs",
                                resource="log-group",
                                resource_name=f"{log_group_prefix}/*",
                                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                            )
                        }
                    },
                )
            )
            logs_key: kms.IKey | None = key
        else:
            key = encryption_key
            logs_key = None  # a shared key's policy is not ours to extend: logs use CloudWatch's key
        self.encryption_key = key

        # -- network --------------------------------------------------------------------------
        self.network = DatabaseNetwork(
            self,
            "Network",
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            client_security_groups=client_security_groups,
            description=f"RDS {instance_identifier}",
        )
        self.security_group = self.network.security_group
        self.subnet_group = self.network.subnet_group
        self.connections = ec2.Connections(
            security_groups=[self.security_group], default_port=ec2.Port.tcp(POSTGRES_PORT)
        )

        # -- logs, parameters, monitoring -----------------------------------------------------
        self.log_groups: dict[str, logs.LogGroup] = {
            export: logs.LogGroup(
                self,
                f"{export.capitalize()}Logs",
                log_group_name=f"{log_group_prefix}/{export}",
                retention=log_retention,
                encryption_key=logs_key,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            for export in LOG_EXPORTS
        }
        self.parameter_group = rds.CfnDBParameterGroup(
            self,
            "Parameters",
            family=engine.parameter_group_family or f"postgres{engine_version.postgres_major_version}",
            description=f"RDS {instance_identifier}",
            parameters={"rds.force_ssl": "1", **dict(parameters or {})},
        )
        monitoring_role = None
        if monitoring_interval is not None:
            monitoring_role = iam.Role(
                self,
                "MonitoringRole",
                description=f"Enhanced monitoring of RDS {instance_identifier}",
                assumed_by=iam.ServicePrincipal("monitoring.rds.amazonaws.com"),
                managed_policies=[
                    iam.ManagedPolicy.from_aws_managed_policy_name(
                        "service-role/AmazonRDSEnhancedMonitoringRole"
                    )
                ],
            )
            acknowledge(
                monitoring_role,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonRDSEnhancedMonitoringRole]",
                "The AWS-managed enhanced-monitoring policy only lets RDS write OS metrics to the "
                "RDSOSMetrics log group; AWS maintains it as the agent changes.",
            )

        # -- credentials ----------------------------------------------------------------------
        self._owned_secret: secretsmanager.Secret | None = None
        if self.owns_master_secret:
            self._owned_secret = secretsmanager.Secret(
                self,
                "Secret",
                secret_name=self.master_secret_name,
                description=f"Master user of RDS {instance_identifier} (rotated by Secrets Manager)",
                encryption_key=key,
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    secret_string_template=json.dumps({"username": master_username}),
                    generate_string_key="password",
                    exclude_characters=_PASSWORD_EXCLUDED,
                    password_length=32,
                ),
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            if secret_replica_regions:
                # CloudFormation accepts an alias name of the *replica* region here; the L2 would
                # format the alias ARN with this stack's region.
                cfn_secret = self._owned_secret.node.default_child
                assert isinstance(cfn_secret, secretsmanager.CfnSecret)
                cfn_secret.replica_regions = [
                    secretsmanager.CfnSecret.ReplicaRegionProperty(region=region, kms_key_id=region_key)
                    for region, region_key in sorted(secret_replica_regions.items())
                ]
            self.secret: secretsmanager.ISecret = self._owned_secret
        else:
            self.secret = secretsmanager.Secret.from_secret_name_v2(self, "Secret", self.master_secret_name)

        # -- the instance ---------------------------------------------------------------------
        instance_type = instance_type or ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM)
        instance_class = f"db.{instance_type.to_string()}"
        replication = {}
        if backup.replication is not None:
            replication = {
                "automatic_backup_replication_region": backup.replication.region,
                "automatic_backup_replication_kms_key_id": backup.replication.kms_key_arn,
                "automatic_backup_replication_retention_period": backup.replication.retention_days,
            }
        maintenance_window = {}
        if maintenance.preferred_window is not None:
            maintenance_window = {"preferred_maintenance_window": maintenance.preferred_window}
        self.resource = rds.CfnDBInstance(
            self,
            "Resource",
            db_instance_identifier=instance_identifier,
            engine="postgres",
            engine_version=engine_version.postgres_full_version,
            db_instance_class=instance_class,
            source_db_instance_identifier=replica_source.database_arn if replica_source else None,
            # Create-only properties: identical for a replica and the primary it is promoted to.
            master_username=None if created_as_replica else master_username,
            master_user_password=(
                None if created_as_replica else self.secret.secret_value_from_json("password").unsafe_unwrap()
            ),
            db_name=None if created_as_replica else credentials.database_name,
            allocated_storage=None if created_as_replica else str(storage.allocated_gib),
            # Also true for a replica (as aws-cdk-lib's DatabaseInstanceReadReplica does): the key
            # of a cross-region replica must be of its own region, and the create-only value must
            # not change when the replica is promoted.
            storage_encrypted=True,
            kms_key_id=key.key_arn,
            db_subnet_group_name=self.subnet_group.subnet_group_name,
            # Updatable properties.
            max_allocated_storage=storage.max_allocated_gib,
            storage_type="gp3",
            multi_az=multi_az,
            # Also on a replica, set on the resource (aws-cdk-lib's read replica refuses it for
            # PostgreSQL): RDS's PromoteReadReplica guidance asks for automated backups on a replica
            # before its promotion, so that the promotion does not take the first backup.
            backup_retention_period=backup.retention_days,
            preferred_backup_window=backup.preferred_window,
            deletion_protection=deletion_protection,
            delete_automated_backups=False,
            copy_tags_to_snapshot=True,
            publicly_accessible=False,
            auto_minor_version_upgrade=maintenance.auto_minor_version_upgrade,
            allow_major_version_upgrade=False,
            enable_iam_database_authentication=True,
            port=str(POSTGRES_PORT),
            vpc_security_groups=[self.security_group.security_group_id],
            db_parameter_group_name=self.parameter_group.ref,
            enable_cloudwatch_logs_exports=list(LOG_EXPORTS),
            monitoring_interval=int(monitoring_interval.to_seconds()) if monitoring_interval else 0,
            monitoring_role_arn=monitoring_role.role_arn if monitoring_role else None,
            enable_performance_insights=performance_insights,
            performance_insights_kms_key_id=key.key_arn if performance_insights else None,
            performance_insights_retention_period=7 if performance_insights else None,
            **replication,
            **maintenance_window,
        )
        self.resource.apply_removal_policy(removal_policy)
        if is_replica:
            # cfn-lint's E3020 says StorageEncrypted "should not" accompany SourceDBInstanceIdentifier,
            # while its E3720 requires it with KmsKeyId, which a cross-region replica must name.
            self.resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ["E3020"]}})
            acknowledge(
                self.resource,
                "CloudFormation-Validate::F3020",
                "Same contradiction in aws-cdk-lib's built-in validation: a cross-region replica names "
                "its region's KmsKeyId, which requires StorageEncrypted.",
            )
        for group in self.log_groups.values():
            self.resource.node.add_dependency(group)

        self.secret_attachment: secretsmanager.SecretTargetAttachment | None = None
        if self._owned_secret is not None and self.role is DatabaseRole.PRIMARY:
            # Host/port in the secret follow the primary; a replica never rewrites them, and its
            # password cannot be rotated (it is the source's).
            self.secret_attachment = secretsmanager.SecretTargetAttachment(
                self,
                "SecretAttachment",
                secret=self._owned_secret,
                target=_InstanceAttachmentTarget(self.resource),
            )
            self._add_rotation(vpc, rotation_interval or cdk.Duration.days(30))
        elif self._owned_secret is not None:
            acknowledge(
                self._owned_secret,
                "AwsSolutions-SMG4",
                "This region's database is the standby replica after a failover: the password belongs "
                "to the serving primary and cannot be rotated from here; rotation resumes when this "
                "region is primary again (failback).",
            )

        #: ARN of the instance.
        self.instance_arn: str = database_arn(
            account=stack.account,
            region=stack.region,
            instance_identifier=instance_identifier,
            partition=stack.partition,
        )
        #: ``DbiResourceId`` (what IAM database authentication policies name).
        self.instance_resource_id: str = self.resource.attr_dbi_resource_id
        self.endpoint_address: str = self.resource.attr_endpoint_address
        self.endpoint_port: str = self.resource.attr_endpoint_port
        #: The instance as aws-cdk-lib's ``IDatabaseInstance``: an import of this very resource (its
        #: ``Ref`` and attributes), so L2 APIs work on it and nothing about the resource changes.
        self.instance: rds.IDatabaseInstance = rds.DatabaseInstance.from_database_instance_attributes(
            self,
            "Instance",
            instance_identifier=self.resource.ref,
            instance_endpoint_address=self.resource.attr_endpoint_address,
            port=POSTGRES_PORT,
            security_groups=[self.security_group],
            instance_resource_id=self.resource.attr_dbi_resource_id,
            engine=engine,
        )
        self.multi_az = multi_az
        self.backup_retention_days = backup.retention_days
        #: Alarms of this database (the replica-lag alarm in role ``replica``), with their severities.
        self.alarms: list[SeverityAlarm] = []
        if is_replica and monitoring.replica_lag_alarm:
            self.replica_lag_alarm = ReplicaLagAlarm(
                self,
                "ReplicaLagAlarm",
                naming=self.naming,
                database_identifier=instance_identifier,
                threshold=monitoring.replica_lag_threshold,
            )
            self.alarms.extend(self.replica_lag_alarm.alarms)
        self._acknowledge_choices(multi_az=multi_az, deletion_protection=deletion_protection)

    # -- rotation -----------------------------------------------------------------------------
    def _add_rotation(self, vpc: ec2.IVpc, interval: cdk.Duration) -> None:
        rotation_sg = ec2.SecurityGroup(
            self,
            "RotationSecurityGroup",
            vpc=vpc,
            description=f"Secret rotation of RDS {self.instance_identifier}: to the database and HTTPS",
            allow_all_outbound=False,
        )
        ec2.CfnSecurityGroupEgress(
            self,
            "RotationToDatabase",
            group_id=rotation_sg.security_group_id,
            destination_security_group_id=self.security_group.security_group_id,
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            description="PostgreSQL to the database",
        )
        rotation_sg.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "Secrets Manager API (VPC endpoint or NAT)"
        )
        self.network.allow_from(rotation_sg, "PostgreSQL from the secret rotation function")
        self.rotation_security_group = rotation_sg
        assert self.secret_attachment is not None
        self.rotation_schedule = self.secret_attachment.add_rotation_schedule(
            "Rotation",
            automatically_after=interval,
            hosted_rotation=secretsmanager.HostedRotation.postgre_sql_single_user(
                vpc=vpc,
                vpc_subnets=self.network.vpc_subnets,
                security_groups=[rotation_sg],
                exclude_characters=_PASSWORD_EXCLUDED,
            ),
        )

    def _acknowledge_choices(self, *, multi_az: bool, deletion_protection: bool) -> None:
        acknowledge(
            self.resource,
            "AwsSolutions-RDS11",
            "PostgreSQL keeps its standard port 5432: the security group admits only the web "
            "instances and the rotation function, so a non-standard port would add no protection.",
        )
        if not multi_az:
            acknowledge(
                self.resource,
                "AwsSolutions-RDS3",
                "Single-AZ chosen by the caller (multi_az=False): a dev database or a cross-region "
                "standby replica whose promotion deploy turns Multi-AZ on.",
            )
        if not deletion_protection:
            acknowledge(
                self.resource,
                "AwsSolutions-RDS10",
                "Deletion protection turned off by the caller (deletion_protection=False) for a "
                "disposable environment; automated backups are still retained after deletion.",
            )

    # -- composition ----------------------------------------------------------------------------
    def allow_from(self, client: ec2.ISecurityGroup, description: str = "PostgreSQL from clients") -> None:
        """Allow ``client`` (for example the web instances' security group) to connect on 5432."""
        self.network.allow_from(client, description)

    def grant_read_secret(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the master secret (and decrypt it)."""
        return self.secret.grant_read(grantee)

    def grant_connect(self, grantee: iam.IGrantable, db_user: str) -> iam.Grant:
        """Let ``grantee`` log in as ``db_user`` with IAM database authentication."""
        stack = cdk.Stack.of(self)
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["rds-db:connect"],
            resource_arns=[
                stack.format_arn(
                    service="rds-db",
                    resource="dbuser",
                    resource_name=f"{self.instance_resource_id}/{db_user}",
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )

    # -- metrics --------------------------------------------------------------------------------
    def metric(
        self,
        metric_name: str,
        *,
        statistic: str = "Average",
        period: cdk.Duration | None = None,
        unit: cloudwatch.Unit | None = None,
    ) -> cloudwatch.Metric:
        """An ``AWS/RDS`` metric of this instance (dimension ``DBInstanceIdentifier``). Default: 1 minute."""
        return cloudwatch.Metric(
            namespace="AWS/RDS",
            metric_name=metric_name,
            dimensions_map={"DBInstanceIdentifier": self.instance_identifier},
            statistic=statistic,
            period=period or cdk.Duration.minutes(1),
            unit=unit,
        )

    def metric_cpu_utilization(self, **kwargs) -> cloudwatch.Metric:
        """Percent CPU used (``CPUUtilization``), average per minute by default."""
        return self.metric("CPUUtilization", **kwargs)

    def metric_free_storage_space(self, **kwargs) -> cloudwatch.Metric:
        """Free storage in bytes (``FreeStorageSpace``), minimum per minute by default."""
        return self.metric("FreeStorageSpace", **{"statistic": "Minimum", **kwargs})

    def metric_freeable_memory(self, **kwargs) -> cloudwatch.Metric:
        """Available RAM in bytes (``FreeableMemory``), minimum per minute by default."""
        return self.metric("FreeableMemory", **{"statistic": "Minimum", **kwargs})

    def metric_database_connections(self, **kwargs) -> cloudwatch.Metric:
        """Open connections (``DatabaseConnections``), maximum per minute by default."""
        return self.metric("DatabaseConnections", **{"statistic": "Maximum", **kwargs})

    def metric_replica_lag(self, **kwargs) -> cloudwatch.Metric:
        """Seconds this replica is behind its source (``ReplicaLag``; replicas only), maximum per minute."""
        return self.metric("ReplicaLag", **{"statistic": "Maximum", **kwargs})
