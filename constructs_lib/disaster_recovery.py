"""Cross-region disaster recovery: DR strategies, backup copies to the DR region, DNS failover.

- :class:`DrStrategy` names what stands ready in the DR region (``backup_restore``, ``pilot_light``,
  ``warm_standby``) and answers the questions stacks ask of it.
- :class:`CrossRegionBackup` (primary region): an AWS Backup vault and a daily plan whose copy rule
  sends every recovery point to a vault of the DR region; :class:`DrBackupVault` (DR region) is that
  vault, encrypted with a key of the DR region. Both sides derive the vault's ARN from its name
  (:func:`backup_vault_arn`), so no ARN is copied between stacks.
- :class:`RegionalFailover`: Route 53 failover records for the two regions' load balancers, the
  endpoint health checks, and the *region switches* the failover runbook flips (see the class).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_route53 as route53
from constructs import Construct

from constructs_lib._nag import acknowledge

__all__ = [
    "CrossRegionBackup",
    "DrBackupVault",
    "DrStrategy",
    "FailoverEndpoint",
    "RegionalFailover",
    "backup_vault_arn",
    "health_check_arn",
    "region_switch_states",
]

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")
_ALIAS = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")
_DAY = cdk.Duration.days(1)


def _validate_region(value: str, *, prop: str) -> str:
    if not _REGION.match(value):
        raise ValueError(f"{prop} ({value!r}) must be a region code such as 'ap-northeast-3'.")
    return value


# ----------------------------------------------------------------------------------------------
# Strategy
# ----------------------------------------------------------------------------------------------
class DrStrategy(StrEnum):
    """How much of the service stands ready in the DR region. Each includes the one before.

    ==================  ==================================================================
    ``backup_restore``  Backup copies and replicated automated backups in the DR region; its
                        network exists, compute is at zero. Recovery = restore + deploy.
    ``pilot_light``     Plus a cross-region read replica (encrypted with the DR region's key)
                        and the web service deployed at zero instances.
    ``warm_standby``    Plus the web service running at minimum capacity (>= 1) behind its own
                        load balancer, ready to scale out.
    ==================  ==================================================================
    """

    BACKUP_RESTORE = "backup_restore"
    PILOT_LIGHT = "pilot_light"
    WARM_STANDBY = "warm_standby"

    @classmethod
    def parse(cls, value: DrStrategy | str) -> DrStrategy:
        """The strategy named ``value``; a ``ValueError`` lists the valid names otherwise."""
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(repr(s.value) for s in cls)
            raise ValueError(f"DR strategy {value!r} is not one of {allowed}.") from None

    @property
    def copies_backups(self) -> bool:
        """AWS Backup copies recovery points to the DR region (every strategy)."""
        return True

    @property
    def replicates_automated_backups(self) -> bool:
        """RDS automated backups (and logs, for PITR) are replicated to the DR region (every strategy)."""
        return True

    @property
    def has_standby_database(self) -> bool:
        """A cross-region read replica runs in the DR region."""
        return self is not DrStrategy.BACKUP_RESTORE

    @property
    def has_standby_web_service(self) -> bool:
        """The web service (load balancer, group) is deployed in the DR region."""
        return self is not DrStrategy.BACKUP_RESTORE

    @property
    def fails_over_by_promotion(self) -> bool:
        """Region recovery promotes the standby replica (the failover runbook); else it restores."""
        return self.has_standby_database

    def standby_capacity(self, *, minimum: int = 1) -> int:
        """Instances the DR region's web service runs while it is standby.

        0 for ``backup_restore`` and ``pilot_light``; ``max(1, minimum)`` for ``warm_standby``.
        """
        if minimum < 0:
            raise ValueError(f"minimum ({minimum}) must be >= 0.")
        return max(1, minimum) if self is DrStrategy.WARM_STANDBY else 0


# ----------------------------------------------------------------------------------------------
# Backups
# ----------------------------------------------------------------------------------------------
def backup_vault_arn(*, account: str, region: str, vault_name: str, partition: str = "aws") -> str:
    """ARN of an AWS Backup vault, from its name."""
    return f"arn:{partition}:backup:{region}:{account}:backup-vault:{vault_name}"


def _validate_vault_name(value: str, *, prop: str) -> str:
    if not _VAULT_NAME.match(value):
        raise ValueError(
            f"{prop} ({value!r}) must be 2-50 letters, digits, '-' or '_' (AWS Backup vault names)."
        )
    return value


class DrBackupVault(Construct):
    """The DR region's AWS Backup vault that :class:`CrossRegionBackup` copies recovery points into.

    Encrypted with a customer-managed key of the DR region (created here, rotated yearly, with
    ``key_alias``). Its name is deterministic, so the primary region's plan names it with
    :func:`backup_vault_arn` instead of a copied ARN.

    :param vault_name: Vault name (the same string the primary region's ``destination_vault_name`` uses).
    :param key_alias: Alias of the vault key, e.g. ``alias/webapp-prod-backup``.
        Default: ``alias/<vault_name>``.
    :param removal_policy: What happens to the vault and key when they leave the stack.
        Default: ``RETAIN`` (a vault with recovery points cannot be deleted anyway).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vault_name: str,
        key_alias: str | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id)
        _validate_vault_name(vault_name, prop="vault_name")
        if key_alias is not None and not _ALIAS.match(key_alias):
            raise ValueError(f"key_alias ({key_alias!r}) must look like 'alias/<name>'.")
        self.key = kms.Key(
            self,
            "Key",
            description=f"AWS Backup vault {vault_name} (cross-region copies)",
            enable_key_rotation=True,
            alias=key_alias or f"alias/{vault_name}",
            removal_policy=removal_policy,
        )
        self.vault = backup.BackupVault(
            self,
            "Resource",
            backup_vault_name=vault_name,
            encryption_key=self.key,
            removal_policy=removal_policy,
        )
        self.vault_name = vault_name
        self.vault_arn = self.vault.backup_vault_arn


class CrossRegionBackup(Construct):
    """Daily AWS Backup of the environment's resources, copied to a vault in the DR region.

    A vault encrypted with a customer-managed key, a plan with one rule (``schedule``, kept for
    ``retention``) whose copy action sends each recovery point to ``destination_vault_name`` in
    ``destination_region`` (a :class:`DrBackupVault`, which re-encrypts it with the DR region's key),
    and a selection. The selection takes the resources whose ARN matches ``resource_arns`` *and*
    whose tags match ``selection_tags`` (AWS Backup ``Conditions``, AND logic), so tagging a
    resource ``Environment=<env>`` is enough to back it up.

    :param vault_name: Name of this region's vault.
    :param destination_region: DR region of the copies.
    :param destination_vault_name: Name of the DR region's vault. Default: ``vault_name``.
    :param selection_tags: Tags a resource must carry to be selected, e.g. ``{"Environment": "prod"}``.
        Default: no tag condition (then ``resource_arns`` must be given).
    :param resource_arns: ARN patterns of the selected resources. Default: every RDS DB instance
        of this account and region (``arn:aws:rds:<region>:<account>:db:*``).
    :param retention: How long recovery points are kept here. Default: 14 days (the ops plan's).
    :param copy_retention: How long the copies are kept in the DR region. Default: ``retention``.
    :param schedule: When the daily backup starts. Default: 18:00 UTC (03:00 JST), after the
        RDS backup window.
    :param encryption_key: Key of this region's vault. Default: a new customer-managed key.
    :param removal_policy: What happens to the vault and key. Default: ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vault_name: str,
        destination_region: str,
        destination_vault_name: str | None = None,
        selection_tags: Mapping[str, str] | None = None,
        resource_arns: Sequence[str] | None = None,
        retention: cdk.Duration | None = None,
        copy_retention: cdk.Duration | None = None,
        schedule: events.Schedule | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        _validate_vault_name(vault_name, prop="vault_name")
        _validate_region(destination_region, prop="destination_region")
        destination_vault_name = _validate_vault_name(
            destination_vault_name or vault_name, prop="destination_vault_name"
        )
        if not cdk.Token.is_unresolved(stack.region) and destination_region == stack.region:
            raise ValueError(
                f"destination_region ({destination_region!r}) is this stack's region: copies must go "
                "to the DR region."
            )
        retention = retention or cdk.Duration.days(14)
        copy_retention = copy_retention or retention
        for name, value in (("retention", retention), ("copy_retention", copy_retention)):
            if value.to_days() < 1:
                raise ValueError(f"{name} ({value.to_days()} days) must be at least 1 day.")
        if not selection_tags and resource_arns is not None and not resource_arns:
            raise ValueError(
                "resource_arns is empty and selection_tags is not given: nothing would be selected."
            )
        if not selection_tags and resource_arns is None:
            raise ValueError(
                "give selection_tags (e.g. {'Environment': 'prod'}) or resource_arns: without either "
                "AWS Backup would select every RDS instance of the account."
            )

        self.key = encryption_key or kms.Key(
            self,
            "Key",
            description=f"AWS Backup vault {vault_name}",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=vault_name,
            encryption_key=self.key,
            removal_policy=removal_policy,
        )
        #: ARN of the DR region's vault the copy rule writes to.
        self.destination_vault_arn = backup_vault_arn(
            account=stack.account,
            region=destination_region,
            vault_name=destination_vault_name,
            partition=stack.partition,
        )
        destination = backup.BackupVault.from_backup_vault_arn(
            self, "DestinationVault", self.destination_vault_arn
        )
        schedule = schedule or events.Schedule.cron(minute="0", hour="18")
        self.plan = backup.BackupPlan(
            self,
            "Resource",
            backup_vault=self.vault,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name="DailyWithCopyToDrRegion",
                    schedule_expression=schedule,
                    delete_after=retention,
                    start_window=cdk.Duration.hours(1),
                    completion_window=cdk.Duration.hours(8),
                    copy_actions=[
                        backup.BackupPlanCopyActionProps(
                            destination_backup_vault=destination, delete_after=copy_retention
                        )
                    ],
                )
            ],
        )

        self.role = iam.Role(
            self,
            "Role",
            description=f"AWS Backup: back up and copy the resources of plan {vault_name}",
            assumed_by=iam.ServicePrincipal("backup.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSBackupServiceRolePolicyForBackup"
                ),
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSBackupServiceRolePolicyForRestores"
                ),
            ],
        )
        for policy in ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"):
            acknowledge(
                self.role,
                f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{policy}]",
                "The AWS Backup service role policies cover every resource type Backup supports and "
                "track new ones; AWS maintains them and the selection below limits what is backed up.",
            )
        self.resource_arns = list(
            resource_arns
            if resource_arns is not None
            else [
                stack.format_arn(
                    service="rds",
                    resource="db",
                    resource_name="*",
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ]
        )
        conditions = None
        if selection_tags:
            conditions = {
                "StringEquals": [
                    {"ConditionKey": f"aws:ResourceTag/{key}", "ConditionValue": value}
                    for key, value in sorted(selection_tags.items())
                ]
            }
        self.selection = backup.CfnBackupSelection(
            self,
            "Selection",
            backup_plan_id=self.plan.backup_plan_id,
            backup_selection=backup.CfnBackupSelection.BackupSelectionResourceTypeProperty(
                selection_name="TaggedResources",
                iam_role_arn=self.role.role_arn,
                resources=self.resource_arns,
                conditions=conditions,
            ),
        )
        self.retention = retention
        self.copy_retention = copy_retention
        self.destination_region = destination_region

    def metric_failed_copy_jobs(self, *, period: cdk.Duration | None = None) -> cloudwatch.Metric:
        """Copy jobs that failed (``AWS/Backup NumberOfCopyJobsFailed``), sum per day by default."""
        return cloudwatch.Metric(
            namespace="AWS/Backup",
            metric_name="NumberOfCopyJobsFailed",
            statistic="Sum",
            period=period or _DAY,
        )

    def metric_failed_backup_jobs(self, *, period: cdk.Duration | None = None) -> cloudwatch.Metric:
        """Backup jobs that failed (``AWS/Backup NumberOfBackupJobsFailed``), sum per day by default."""
        return cloudwatch.Metric(
            namespace="AWS/Backup",
            metric_name="NumberOfBackupJobsFailed",
            statistic="Sum",
            period=period or _DAY,
        )


# ----------------------------------------------------------------------------------------------
# DNS failover
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class FailoverEndpoint:
    """One region's entry point: its load balancer, as an alias target, and what to health-check."""

    region: str
    """Region code, e.g. ``ap-northeast-1``."""
    load_balancer_dns_name: str
    """DNS name of the region's load balancer (a token is fine)."""
    load_balancer_hosted_zone_id: str
    """Canonical hosted zone id of that load balancer (``load_balancer_canonical_hosted_zone_id``)."""
    health_check_fqdn: str | None = None
    """Name the endpoint health check requests. Default: ``load_balancer_dns_name``."""


def region_switch_states(*, regions: Sequence[str], active_region: str) -> dict[str, bool]:
    """Whether each region's switch lets traffic in (``True``) for ``active_region``: exactly one is open."""
    if active_region not in regions:
        raise ValueError(
            f"active_region ({active_region!r}) must be one of the failover regions {list(regions)}."
        )
    return {region: region == active_region for region in regions}


class RegionalFailover(Construct):
    """Route 53 failover between two regions, switched by the failover runbook, never by itself.

    Records: one alias ``A`` record per region, ``PRIMARY`` for ``primary`` (the home region) and
    ``SECONDARY`` for ``secondary``, each tied to that region's *switch*, with
    ``EvaluateTargetHealth: false``. They are L1 ``AWS::Route53::RecordSet`` resources because the
    L2 ``ARecord`` insists on ``EvaluateTargetHealth: true`` for failover aliases: then, with the
    serving region's targets briefly unhealthy, *both* records would be unhealthy and Route 53 would
    answer with the primary record, sending users back to the region that was failed away from.

    **Why switches, not endpoint health.** Failover records move traffic when the primary's health
    check fails. Tied to the load balancer's health, that would send users to the DR region while
    its database is still a read-only replica, and back again as soon as the home region answers,
    whatever happened to the data in between. So each record's health check is a region switch:
    a ``CALCULATED`` health check with ``HealthThreshold`` 0, which Route 53 always considers
    healthy, turned off with ``Inverted: true`` (then always unhealthy). Nothing observes an
    endpoint, so nothing flips by itself; the failover runbook opens the DR region's switch only
    after the promotion succeeded (``route53:UpdateHealthCheck``, ``Inverted=false``) and then closes
    the home region's; the failback runbook does the reverse. With both switches closed, Route 53
    answers with the primary record (its documented behaviour when every record is unhealthy).

    Considered and not chosen: Route 53 ARC routing controls do the same with safety rules, but a
    cluster costs about USD 2.5 an hour per environment; an alarm-based (``CLOUDWATCH_METRIC``)
    switch would need a metric published for ever and fail open on missing data.

    The switches' state in the template follows ``active_region``: after a failover, set the
    environment's ``active_region`` to the DR region before the next deploy and the template agrees
    with what the runbook did (CloudFormation sends ``Inverted`` only when the template changes it).

    Endpoint health checks (HTTP(S) on each load balancer) are created too: they feed alarms
    (their ``HealthCheckStatus`` metric exists in us-east-1 only) and the runbooks' verification
    step, never the routing.

    :param zone_id: Hosted zone id (``from_hosted_zone_attributes``, no lookup).
    :param zone_name: Hosted zone name, e.g. ``example.com``.
    :param record_name: Name of the records, relative to the zone or fully qualified, e.g. ``app``.
    :param primary: Home-region endpoint (``PRIMARY`` record).
    :param secondary: DR-region endpoint (``SECONDARY`` record).
    :param active_region: The region whose switch is open. Default: the primary's.
    :param health_check_path: Path the endpoint checks request. Default: ``/health``.
    :param health_check_protocol: ``HTTPS`` or ``HTTP``. Default: ``HTTPS``.
    :param health_check_port: Port. Default: 443 for HTTPS, 80 for HTTP.
    :param request_interval_seconds: 10 or 30. Default: 30 (10 costs more).
    :param failure_threshold: Consecutive failures before unhealthy, 1-10. Default: 3.
    :param name_prefix: Prefix of the health checks' ``Name`` tags, e.g. ``webapp-prod``.
        Default: ``record_name``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        zone_id: str,
        zone_name: str,
        record_name: str,
        primary: FailoverEndpoint,
        secondary: FailoverEndpoint,
        active_region: str | None = None,
        health_check_path: str = "/health",
        health_check_protocol: str = "HTTPS",
        health_check_port: int | None = None,
        request_interval_seconds: int = 30,
        failure_threshold: int = 3,
        name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        for prop, endpoint in (("primary", primary), ("secondary", secondary)):
            _validate_region(endpoint.region, prop=f"{prop}.region")
        if primary.region == secondary.region:
            raise ValueError(
                f"primary and secondary are both in {primary.region!r}: failover needs two regions."
            )
        active_region = active_region or primary.region
        self.switch_open = region_switch_states(
            regions=[primary.region, secondary.region], active_region=active_region
        )
        if health_check_protocol not in ("HTTP", "HTTPS"):
            raise ValueError(f"health_check_protocol ({health_check_protocol!r}) must be 'HTTP' or 'HTTPS'.")
        if request_interval_seconds not in (10, 30):
            raise ValueError(f"request_interval_seconds ({request_interval_seconds}) must be 10 or 30.")
        if not 1 <= failure_threshold <= 10:
            raise ValueError(f"failure_threshold ({failure_threshold}) must be 1-10.")
        if not health_check_path.startswith("/"):
            raise ValueError(f"health_check_path ({health_check_path!r}) must start with '/'.")
        port = health_check_port or (443 if health_check_protocol == "HTTPS" else 80)
        prefix = name_prefix or record_name

        self.zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=zone_id, zone_name=zone_name
        )
        self.zone_id = zone_id
        self.primary_region = primary.region
        self.secondary_region = secondary.region
        self.active_region = active_region
        self.request_interval_seconds = request_interval_seconds
        self.failure_threshold = failure_threshold
        self.endpoint_health_checks: dict[str, route53.CfnHealthCheck] = {}
        self.switches: dict[str, route53.CfnHealthCheck] = {}
        self.records: dict[str, route53.CfnRecordSet] = {}
        self.domain_name = record_name if record_name.endswith(zone_name) else f"{record_name}.{zone_name}"

        for label, endpoint, failover in (
            ("Primary", primary, "PRIMARY"),
            ("Secondary", secondary, "SECONDARY"),
        ):
            region = endpoint.region
            endpoint_check = route53.CfnHealthCheck(
                self,
                f"{label}EndpointHealthCheck",
                health_check_config=route53.CfnHealthCheck.HealthCheckConfigProperty(
                    type=health_check_protocol,
                    fully_qualified_domain_name=endpoint.health_check_fqdn or endpoint.load_balancer_dns_name,
                    port=port,
                    resource_path=health_check_path,
                    request_interval=request_interval_seconds,
                    failure_threshold=failure_threshold,
                    enable_sni=health_check_protocol == "HTTPS",
                ),
                health_check_tags=[
                    route53.CfnHealthCheck.HealthCheckTagProperty(
                        key="Name", value=f"{prefix}-endpoint-{region}"
                    )
                ],
            )
            switch = route53.CfnHealthCheck(
                self,
                f"{label}Switch",
                health_check_config=route53.CfnHealthCheck.HealthCheckConfigProperty(
                    type="CALCULATED",
                    child_health_checks=[endpoint_check.attr_health_check_id],
                    health_threshold=0,  # 0 of 1 children: always healthy, unless inverted
                    inverted=not self.switch_open[region],
                ),
                health_check_tags=[
                    route53.CfnHealthCheck.HealthCheckTagProperty(
                        key="Name", value=f"{prefix}-switch-{region}"
                    )
                ],
            )
            record = route53.CfnRecordSet(
                self,
                f"{label}Record",
                hosted_zone_id=zone_id,
                name=self.domain_name + ".",
                type="A",
                set_identifier=f"{failover.lower()}-{region}",
                failover=failover,
                health_check_id=switch.attr_health_check_id,
                alias_target=route53.CfnRecordSet.AliasTargetProperty(
                    dns_name=endpoint.load_balancer_dns_name,
                    hosted_zone_id=endpoint.load_balancer_hosted_zone_id,
                    evaluate_target_health=False,
                ),
            )
            self.endpoint_health_checks[region] = endpoint_check
            self.switches[region] = switch
            self.records[region] = record

        self.domain_name = (
            f"{record_name}.{zone_name}" if not record_name.endswith(zone_name) else record_name
        )

    # -- attributes ------------------------------------------------------------------------------
    def switch_id(self, region: str) -> str:
        """Health-check id of ``region``'s switch (what the runbooks flip)."""
        return self._by_region(self.switches, region).attr_health_check_id

    def endpoint_health_check_id(self, region: str) -> str:
        """Health-check id of ``region``'s endpoint check."""
        return self._by_region(self.endpoint_health_checks, region).attr_health_check_id

    def _by_region(self, table: Mapping[str, route53.CfnHealthCheck], region: str) -> route53.CfnHealthCheck:
        if region not in table:
            raise ValueError(f"region ({region!r}) is not one of the failover regions {sorted(table)}.")
        return table[region]

    def metric_endpoint_health(self, region: str, *, period: cdk.Duration | None = None) -> cloudwatch.Metric:
        """``AWS/Route53 HealthCheckStatus`` of ``region``'s endpoint (1 healthy, 0 not), minimum per minute.

        Route 53 publishes it in us-east-1 only: alarm on it from a us-east-1 stack.
        """
        return cloudwatch.Metric(
            namespace="AWS/Route53",
            metric_name="HealthCheckStatus",
            dimensions_map={"HealthCheckId": self.endpoint_health_check_id(region)},
            statistic="Minimum",
            period=period or cdk.Duration.minutes(1),
            region="us-east-1",
        )

    def health_check_arns(self) -> list[str]:
        """ARNs of every health check here (switches and endpoint checks), for IAM statements."""
        checks = [*self.switches.values(), *self.endpoint_health_checks.values()]
        return [health_check_arn(c.attr_health_check_id) for c in checks]

    def grant_switch(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` open and close the region switches and read every health check's status."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["route53:UpdateHealthCheck"],
            resource_arns=[health_check_arn(s.attr_health_check_id) for s in self.switches.values()],
        )
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["route53:GetHealthCheck", "route53:GetHealthCheckStatus"],
            resource_arns=self.health_check_arns(),
        )
        return grant


def health_check_arn(health_check_id: str, *, partition: str = "aws") -> str:
    """IAM resource ARN of a Route 53 health check."""
    return f"arn:{partition}:route53:::healthcheck/{health_check_id}"
