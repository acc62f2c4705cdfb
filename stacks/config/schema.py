"""The typed, frozen configuration of the app: one :class:`EnvironmentConfig` per environment.

Stacks receive these objects and hand plain props to the constructs; constructs never see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from constructs_lib import AppProbe, Naming
from constructs_lib.alerting import SeverityEndpoints
from constructs_lib.data import DEFAULT_VAULT_LOCK, BackupAccountCopy, DatabaseStorage, VaultLock
from constructs_lib.dr import DrStrategy
from constructs_lib.web import NightlyStop, TargetHealthCheck
from stacks.config import naming
from stacks.config.errors import ConfigError, did_you_mean

#: The library's DR strategies (:class:`DrStrategy`), by name.
DR_STRATEGIES: tuple[str, ...] = tuple(s.value for s in DrStrategy)
#: Retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


#: Certificate ids containing this are placeholders (shipped in cdk.json so the app synthesizes
#: offline); the synth warns, and CloudFormation would fail to find them.
PLACEHOLDER_CERTIFICATE_MARK = "PLACEHOLDER"


@dataclass(frozen=True)
class RegionConfig:
    """One region of an environment."""

    region: str
    #: Names the region in stack names (``Prod/Tokyo-Network``) and database identifiers.
    label: str
    availability_zones: tuple[str, ...]
    vpc_cidr: str
    #: ACM certificate for the ALB's HTTPS listener in this region. ``None``: HTTP only (allowed only
    #: without ``dns`` and ``retain_data``, or with ``allow_plain_http``). An id containing
    #: :data:`PLACEHOLDER_CERTIFICATE_MARK` marks a placeholder that synthesizes but cannot deploy.
    certificate_arn: str | None = None


@dataclass(frozen=True)
class Capacity:
    min: int
    max: int
    desired: int


@dataclass(frozen=True)
class HealthCheckConfig:
    """ALB target-group health check and the Auto Scaling grace period.

    Defaults detect a dead instance in ``interval_seconds * unhealthy_threshold`` = 10 s x 2 = 20 s,
    against the seed's 30 s x 3 = 90 s.
    """

    path: str = "/health"
    port: int = 8080
    interval_seconds: int = 10
    timeout_seconds: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 2
    #: Boot (~2 min) plus passing the ALB check (interval x healthy threshold) with a margin: a
    #: shorter grace kills replacements before they are ready (the recovery budget warns of it).
    grace_period_seconds: int = 180

    def target(self) -> TargetHealthCheck:
        """The load balancer's timing of the check as the library's value object (the path and port
        are the app probe's: :attr:`EnvironmentConfig.app_probe`)."""
        return TargetHealthCheck(
            interval_seconds=self.interval_seconds,
            timeout_seconds=self.timeout_seconds,
            healthy_threshold=self.healthy_threshold,
            unhealthy_threshold=self.unhealthy_threshold,
        )


@dataclass(frozen=True)
class AlarmThresholds:
    """The environment's monitoring table (thresholds per signal)."""

    cpu_percent: float = 80.0
    memory_percent: float = 85.0
    latency_p95_ms: float = 500.0
    error_rate_5xx_percent: float = 1.0


@dataclass(frozen=True)
class NotificationConfig:
    """Where each severity is delivered, as the library's :class:`SeverityEndpoints` (validated by it).

    Config keys per severity: ``emails``, ``sms``, ``https``, ``slack_channel_ids``.
    ``slack_workspace_id`` enables AWS Chatbot channels.
    """

    endpoints: Mapping[str, SeverityEndpoints]
    slack_workspace_id: str | None = None

    def for_severity(self, severity: str) -> SeverityEndpoints:
        return self.endpoints.get(severity, SeverityEndpoints())


@dataclass(frozen=True)
class ScheduleConfig:
    """Night stop / morning start, cron fields in ``timezone`` (an IANA name; no default: the
    config names it). Default times: the ops guide's 22:00 stop and 08:00 start, weekdays."""

    timezone: str
    stop_cron: str = "0 22 * * MON-FRI"
    start_cron: str = "0 8 * * MON-FRI"

    def nightly_stop(
        self,
        *,
        log_retention: logs.RetentionDays | None = None,
        log_removal_policy: cdk.RemovalPolicy | None = None,
    ) -> NightlyStop:
        """The schedule as the library's value object, with the stack's retention and removal policy
        for the pause state machine's log (the library's defaults where not given)."""
        given = {"log_retention": log_retention, "log_removal_policy": log_removal_policy}
        return NightlyStop(
            stop_cron=self.stop_cron,
            start_cron=self.start_cron,
            timezone=self.timezone,
            **{k: v for k, v in given.items() if v is not None},
        )


@dataclass(frozen=True)
class HealingConfig:
    """The auto-healing function's safety settings."""

    dry_run: bool = False
    max_actions_per_resource_per_hour: int = 3
    incident_window_seconds: int = 900
    #: Reserved concurrency of the healing function (1-100, the library's range); ``None`` leaves it
    #: unreserved (accounts that still have the default concurrency quota of 10 cannot reserve any).
    reserved_concurrency: int | None = None

    def limits(self) -> dict[str, Any]:
        """The AutoHealing props these settings give: its rate limit, incident window and concurrency."""
        return {
            "max_actions_per_resource_per_hour": self.max_actions_per_resource_per_hour,
            "incident_window": cdk.Duration.seconds(self.incident_window_seconds),
            "reserved_concurrency": self.reserved_concurrency,
        }


@dataclass(frozen=True)
class EscalationTierConfig:
    """One tier of the staged escalation: tell ``severity``'s topic after ``after_minutes`` in ALARM."""

    name: str
    severity: str
    after_minutes: int

    @property
    def escalate_after(self) -> cdk.Duration:
        """``after_minutes`` as the library's tiers count it (``constructs_lib.alerting.validate_tiers``)."""
        return cdk.Duration.minutes(self.after_minutes)


#: The app's escalation policy: 15 min -> email on-call, 30 min -> SMS, 60 min -> team lead.
DEFAULT_ESCALATION: tuple[EscalationTierConfig, ...] = (
    EscalationTierConfig("on-call-email", "high", 15),
    EscalationTierConfig("on-call-sms", "critical", 30),
    EscalationTierConfig("team-lead", "critical", 60),
)


@dataclass(frozen=True)
class MonitoringConfig:
    slo_availability_percent: float = 99.9
    escalation: tuple[EscalationTierConfig, ...] = DEFAULT_ESCALATION
    #: AWS Config managed rules for the ops guide's audit items.
    audit_rules: bool = False


#: Memory of the RDS instance classes this project knows, GiB (turns FreeableMemory into a percentage).
DB_INSTANCE_MEMORY_GIB: Mapping[str, float] = {
    "t4g.micro": 1, "t4g.small": 2, "t4g.medium": 4, "t4g.large": 8, "t4g.xlarge": 16,
    "m7g.large": 8, "m7g.xlarge": 16, "m7g.2xlarge": 32, "r7g.large": 16, "r7g.xlarge": 32, "r7g.2xlarge": 64,
}  # fmt: skip


@dataclass(frozen=True)
class DatabaseConfig:
    """The PostgreSQL database of the environment.

    ``generations`` (per region, default 1) name the instance of each region:
    ``{app}-{env}-db-{region label}`` and ``-g<N>`` from generation 2. A database cannot turn from
    primary back into a replica in place, so after a failover the old primary's region gets the next
    generation (a fresh replica); see the README's failover procedure.
    """

    instance_class: str = "t4g.micro"
    allocated_storage_gib: int = 20
    #: Storage autoscaling ceiling (``MaxAllocatedStorage``); at least ``allocated_storage_gib``.
    max_allocated_storage_gib: int = 100
    backup_retention_days: int = 7
    multi_az: bool = False
    deletion_protection: bool = False
    generations: Mapping[str, int] = field(default_factory=dict)
    #: Daily automated-backup window, ``hh24:mi-hh24:mi`` in UTC; ``None`` lets RDS choose one.
    backup_window_utc: str | None = None
    #: Weekly maintenance window, ``ddd:hh24:mi-ddd:hh24:mi`` in UTC; ``None`` lets RDS choose one.
    maintenance_window_utc: str | None = None

    @property
    def memory_gib(self) -> float:
        return DB_INSTANCE_MEMORY_GIB[self.instance_class]

    def storage(self) -> DatabaseStorage:
        """The storage as the library's value object (it checks the sizes: 20-65,536 GiB gp3)."""
        return DatabaseStorage(
            allocated_gib=self.allocated_storage_gib, max_allocated_gib=self.max_allocated_storage_gib
        )

    def generation(self, region: str) -> int:
        return self.generations.get(region, 1)


@dataclass(frozen=True)
class BackupConfig:
    """AWS Backup: daily, copied to the DR region (14 days by default)."""

    retention_days: int = 14
    #: Hour (UTC) the daily backup starts; ``None`` keeps the library's default (AWS Backup's 05:00 UTC).
    start_hour_utc: int | None = None
    #: Vault Lock of both vaults (``mode``: governance, or compliance with ``changeable_for_days``).
    vault_lock: VaultLock = DEFAULT_VAULT_LOCK
    #: Optional copy of every recovery point to a separate backup account's vault.
    account_copy: BackupAccountCopy | None = None


@dataclass(frozen=True)
class DnsConfig:
    """Route 53 failover for ``record_name`` in an existing public hosted zone."""

    hosted_zone_id: str
    zone_name: str
    record_name: str


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything one environment (any name of ``cdk.json``'s ``environments``) needs, validated."""

    name: str
    app_name: str
    account: str
    primary: RegionConfig
    dr: RegionConfig
    active_region: str
    instance_type: str
    capacity: Capacity
    dr_capacity: Capacity
    nat_gateways: int
    health_check: HealthCheckConfig
    alarm_thresholds: AlarmThresholds
    notifications: NotificationConfig
    dr_strategy: DrStrategy
    warm_pool_size: int
    schedule: ScheduleConfig | None
    retain_data: bool
    log_retention_days: int
    app_port: int = 8080
    service_unit: str = "webapp"
    #: Zonal autoshift with weekly practice runs on the active region's load balancer.
    zonal_autoshift: bool = False
    #: Why this environment may serve plain HTTP although it has ``dns`` or ``retain_data`` (a
    #: written reason; the synth warns with it). ``None``: such an environment needs certificates.
    allow_plain_http: str | None = None
    healing: HealingConfig = field(default_factory=HealingConfig)
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    dns: DnsConfig | None = None
    #: Per-metric overrides of the alarm table, e.g. ``{"cpu": {"evaluation_periods": 5}}``.
    alarm_overrides: Mapping[str, Any] = field(default_factory=dict)
    extra_tags: Mapping[str, str] = field(default_factory=dict)
    #: Other environments deployed into the same AWS account (allowed only where none keeps data).
    account_shared_with: tuple[str, ...] = ()

    @property
    def stage_name(self) -> str:
        return naming.stage_name(self.name)

    @property
    def naming(self) -> Naming:
        """The library's naming value for this environment (app and environment; no component)."""
        return Naming(app=self.app_name, environment=self.name)

    @property
    def app_probe(self) -> AppProbe:
        """The app's port, systemd unit and health path as the library's value object."""
        return AppProbe(
            port=self.app_port, service_unit=self.service_unit, health_path=self.health_check.path
        )

    @property
    def regions(self) -> tuple[RegionConfig, RegionConfig]:
        return (self.primary, self.dr)

    @property
    def pause_parameter_name(self) -> str:
        return naming.pause_parameter_name(self.app_name, self.name)

    @property
    def web_group_name(self) -> str:
        """Fixed Auto Scaling group name (the same in both regions) for cross-region runbooks."""
        return naming.web_group_name(self.app_name, self.name)

    @property
    def data_key_alias(self) -> str:
        return naming.data_key_alias(self.app_name, self.name)

    def data_key_alias_arn(self, region: str) -> str:
        return f"arn:aws:kms:{region}:{self.account}:{self.data_key_alias}"

    @property
    def backup_vault_name(self) -> str:
        return naming.backup_vault_name(self.app_name, self.name)

    @property
    def master_secret_name(self) -> str:
        return naming.master_secret_name(self.app_name, self.name)

    @property
    def home_region(self) -> str:
        """Where the database was first created (the primary region of the config)."""
        return self.primary.region

    @property
    def standby_region(self) -> str:
        return self.dr.region if self.active_region == self.primary.region else self.primary.region

    def database_identifier(self, region: str) -> str:
        return naming.database_identifier(
            self.app_name, self.name, self.region_config(region).label, self.database.generation(region)
        )

    def database_created_as_replica(self, region: str) -> bool:
        """Only the first generation of the home region's database started life as a primary."""
        return region != self.home_region or self.database.generation(region) > 1

    def has_database(self, region: str) -> bool:
        """The active region always has the database; the standby one only with a standby replica."""
        return region == self.active_region or self.dr_strategy.has_standby_database

    def alarm_table(self):
        """The alarm threshold table: the library's defaults, this app's thresholds from
        ``alarm_thresholds``, then per-metric ``alarms`` overrides."""
        from constructs_lib.monitoring import thresholds_with_overrides

        t = self.alarm_thresholds
        base = thresholds_with_overrides(
            {
                "cpu": {"threshold": t.cpu_percent},
                "memory": {"threshold": t.memory_percent},
                "latency": {"threshold": t.latency_p95_ms / 1000},
                "5xx-rate": {"threshold": t.error_rate_5xx_percent},
            }
        )
        return thresholds_with_overrides(self.alarm_overrides, base=base) if self.alarm_overrides else base

    def region_config(self, region: str) -> RegionConfig:
        for r in self.regions:
            if r.region == region:
                return r
        raise KeyError(region)

    def capacity_for(self, region: str) -> Capacity:
        """Production capacity in the active region; the DR strategy's capacity in the other."""
        return self.capacity if region == self.active_region else self.dr_capacity


@dataclass(frozen=True)
class AppConfig:
    app_name: str
    environments: Mapping[str, EnvironmentConfig]

    def selected(self, env: str | None) -> list[EnvironmentConfig]:
        """The environments to synthesize: all when ``env`` is None, else the one named."""
        if env is None or env == "":
            return list(self.environments.values())
        if env not in self.environments:
            known = ", ".join(self.environments)
            raise ConfigError(
                f"-c env={env!r}: unknown environment.{did_you_mean(env, self.environments)} "
                f"Use one of: {known} (or leave -c env out to synthesize all)."
            )
        return [self.environments[env]]
