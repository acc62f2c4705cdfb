"""Environment configuration: read once from the CDK context, validated, frozen.

The context key ``environments`` in ``cdk.json`` holds one block per environment (``dev``, ``stg``,
``prod``); the optional key ``defaults`` holds values every environment inherits (deep-merged, the
environment wins). ``app_name`` names the application. :func:`load_config` turns that raw JSON into
:class:`AppConfig`; every problem raises :class:`ConfigError` whose message names the key path, the
bad value and the fix, so a bad value fails ``cdk synth`` before anything is deployed.

Stacks receive the typed objects below and hand plain props to the constructs; constructs never see
this module.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Regions this project knows how to label. Stack names use the label: ``Prod/Tokyo-Network``.
REGION_LABELS: Mapping[str, str] = {
    "ap-northeast-1": "Tokyo",
    "ap-northeast-3": "Osaka",
    "us-east-1": "Global",
}
ENVIRONMENT_NAMES: tuple[str, ...] = ("dev", "stg", "prod")
DR_STRATEGIES: tuple[str, ...] = ("backup_restore", "pilot_light", "warm_standby")
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
#: Retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_APP_NAME = re.compile(r"^[a-z][a-z0-9-]{1,20}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9]+$")
_CERT_ARN = re.compile(r"^arn:aws:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+$")
_CRON_FIELD = re.compile(r"^[0-9*,/-]+$")


class ConfigError(ValueError):
    """A configuration value is missing or wrong. The message says which, why and how to fix it."""


# --------------------------------------------------------------------------------------------
# Typed configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionConfig:
    """One region of an environment."""

    region: str
    availability_zones: tuple[str, ...]
    vpc_cidr: str
    #: ACM certificate for the ALB's HTTPS listener in this region. ``None``: HTTP only.
    certificate_arn: str | None = None

    @property
    def label(self) -> str:
        return REGION_LABELS[self.region]


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


@dataclass(frozen=True)
class AlarmThresholds:
    """The ops plan's monitoring table."""

    cpu_percent: float = 80.0
    memory_percent: float = 85.0
    latency_p95_ms: float = 500.0
    error_rate_5xx_percent: float = 1.0


@dataclass(frozen=True)
class SeverityEndpoints:
    emails: tuple[str, ...] = ()
    sms: tuple[str, ...] = ()
    https: tuple[str, ...] = ()
    slack_channel_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotificationConfig:
    """Where each severity is delivered. ``slack_workspace_id`` enables AWS Chatbot channels."""

    endpoints: Mapping[str, SeverityEndpoints]
    slack_workspace_id: str | None = None

    def for_severity(self, severity: str) -> SeverityEndpoints:
        return self.endpoints.get(severity, SeverityEndpoints())


@dataclass(frozen=True)
class ScheduleConfig:
    """Night stop / morning start (ops guide: 22:00 and 08:00 JST), cron fields in ``timezone``."""

    stop_cron: str = "0 22 * * MON-FRI"
    start_cron: str = "0 8 * * MON-FRI"
    timezone: str = "Asia/Tokyo"


@dataclass(frozen=True)
class HealingConfig:
    """The auto-healing function's safety settings."""

    dry_run: bool = False
    max_actions_per_resource_per_hour: int = 3
    incident_window_seconds: int = 900
    #: Reserved concurrency of the healing function; ``None`` leaves it unreserved (accounts that
    #: still have the default concurrency quota of 10 cannot reserve any).
    reserved_concurrency: int | None = None


@dataclass(frozen=True)
class EscalationTierConfig:
    """One tier of the staged escalation: tell ``severity``'s topic after ``after_minutes`` in ALARM."""

    name: str
    severity: str
    after_minutes: int


#: The ops plan's escalation policy: 15 min -> email on-call, 30 min -> SMS, 60 min -> team lead.
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
    backup_retention_days: int = 7
    multi_az: bool = False
    deletion_protection: bool = False
    generations: Mapping[str, int] = field(default_factory=dict)

    @property
    def memory_gib(self) -> float:
        return DB_INSTANCE_MEMORY_GIB[self.instance_class]

    def generation(self, region: str) -> int:
        return self.generations.get(region, 1)


@dataclass(frozen=True)
class BackupConfig:
    """AWS Backup: daily, copied to the DR region (the ops plan keeps 14 days)."""

    retention_days: int = 14


@dataclass(frozen=True)
class DnsConfig:
    """Route 53 failover for ``record_name`` in an existing public hosted zone."""

    hosted_zone_id: str
    zone_name: str
    record_name: str


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything one environment (dev, stg or prod) needs, validated."""

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
    dr_strategy: str
    warm_pool_size: int
    schedule: ScheduleConfig | None
    retain_data: bool
    log_retention_days: int
    app_port: int = 8080
    service_unit: str = "webapp"
    healing: HealingConfig = field(default_factory=HealingConfig)
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    dns: DnsConfig | None = None
    #: Per-metric overrides of the alarm table, e.g. ``{"cpu": {"evaluation_periods": 5}}``.
    alarm_overrides: Mapping[str, Any] = field(default_factory=dict)
    extra_tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def stage_name(self) -> str:
        return self.name.capitalize()

    @property
    def regions(self) -> tuple[RegionConfig, RegionConfig]:
        return (self.primary, self.dr)

    @property
    def pause_parameter_name(self) -> str:
        return f"/{self.app_name}/{self.name}/pause"

    @property
    def web_group_name(self) -> str:
        """Fixed Auto Scaling group name (the same in both regions) for cross-region runbooks."""
        return f"{self.app_name}-{self.name}-web"

    @property
    def data_key_alias(self) -> str:
        return f"alias/{self.app_name}-{self.name}-data"

    def data_key_alias_arn(self, region: str) -> str:
        return f"arn:aws:kms:{region}:{self.account}:{self.data_key_alias}"

    @property
    def backup_vault_name(self) -> str:
        return f"{self.app_name}-{self.name}-backup"

    @property
    def master_secret_name(self) -> str:
        return f"{self.app_name}/{self.name}/db-master"

    @property
    def home_region(self) -> str:
        """Where the database was first created (the primary region of the config)."""
        return self.primary.region

    @property
    def standby_region(self) -> str:
        return self.dr.region if self.active_region == self.primary.region else self.primary.region

    def database_identifier(self, region: str) -> str:
        label = REGION_LABELS[region].lower()
        generation = self.database.generation(region)
        suffix = f"-g{generation}" if generation > 1 else ""
        return f"{self.app_name}-{self.name}-db-{label}{suffix}"

    def database_created_as_replica(self, region: str) -> bool:
        """Only the first generation of the home region's database started life as a primary."""
        return region != self.home_region or self.database.generation(region) > 1

    def has_database(self, region: str) -> bool:
        """The active region always has the database; the standby one only with a standby replica."""
        return region == self.active_region or self.dr_strategy in ("pilot_light", "warm_standby")

    def alarm_table(self):
        """The alarm threshold table: the library's defaults, the ops plan's thresholds from
        ``alarm_thresholds``, then per-metric ``alarms`` overrides."""
        from constructs_lib.alarms import thresholds_with_overrides

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
                f"-c env={env!r}: unknown environment. Use one of: {known} "
                "(or leave -c env out to synthesize all)."
            )
        return [self.environments[env]]


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


class _Reader:
    """Reads one JSON object, remembering its key path for error messages and refusing typos."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{path} must be an object, got {data!r}.")
        self._data = data
        self._path = path
        self._used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self._path}.{name}"

    def has(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str, default: Any = ...) -> Any:
        self._used.add(name)
        if name not in self._data:
            if default is ...:
                raise ConfigError(f"{self.key(name)} is missing: add it to cdk.json.")
            return default
        return self._data[name]

    def str(self, name: str, default: Any = ...) -> Any:
        value = self.raw(name, default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{self.key(name)} must be a string, got {value!r}.")
        return value

    def int(self, name: str, default: Any = ..., *, low: int | None = None, high: int | None = None) -> int:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{self.key(name)} must be a whole number, got {value!r}.")
        _check_range(self.key(name), value, low, high)
        return value

    def number(self, name: str, default: Any = ..., *, low: float, high: float) -> float:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{self.key(name)} must be a number, got {value!r}.")
        _check_range(self.key(name), value, low, high)
        return float(value)

    def bool(self, name: str, default: Any = ...) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise ConfigError(f"{self.key(name)} must be true or false, got {value!r}.")
        return value

    def str_list(self, name: str, default: Any = ...) -> tuple[str, ...]:
        value = self.raw(name, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.key(name)} must be a list of strings, got {value!r}.")
        return tuple(value)

    def child(self, name: str, default: Any = ...) -> _Reader:
        return _Reader(self.raw(name, default), self.key(name))

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._used)
        if unknown:
            allowed = ", ".join(sorted(self._used))
            raise ConfigError(
                f"{self._path}: unknown key(s) {', '.join(unknown)}. "
                f"Check the spelling; allowed here: {allowed}."
            )


def _check_range(key: str, value: float, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"{key} is {value!r}: it must be {bounds}.")


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = dict(base)
    for k, v in override.items():
        if isinstance(v, Mapping) and isinstance(merged.get(k), Mapping):
            merged[k] = _deep_merge(merged[k], v)
        else:
            merged[k] = v
    return merged


def _parse_region(r: _Reader, expected_region: str | None = None) -> RegionConfig:
    region = r.str("region")
    if region not in REGION_LABELS or region == "us-east-1":
        known = ", ".join(k for k in REGION_LABELS if k != "us-east-1")
        raise ConfigError(f"{r.key('region')} is {region!r}: this app deploys its web tier to {known}.")
    azs = r.str_list("availability_zones")
    if not 2 <= len(azs) <= 3:
        raise ConfigError(
            f"{r.key('availability_zones')} has {len(azs)} zone(s) {list(azs)}: "
            f"give 2 or 3 zones of {region}."
        )
    for az in azs:
        if not re.fullmatch(re.escape(region) + r"[a-z]", az):
            raise ConfigError(
                f"{r.key('availability_zones')} contains {az!r}, which is not a zone of {region}: "
                f"use names like {region}a, {region}c, {region}d."
            )
    if len(set(azs)) != len(azs):
        raise ConfigError(f"{r.key('availability_zones')} lists a zone twice: {list(azs)}.")
    cidr = r.str("vpc_cidr")
    try:
        net = ipaddress.ip_network(cidr, strict=True)
    except ValueError as exc:
        raise ConfigError(f"{r.key('vpc_cidr')} is {cidr!r}: not a valid IPv4 network ({exc}).") from None
    if net.version != 4 or not 16 <= net.prefixlen <= 20:
        raise ConfigError(
            f"{r.key('vpc_cidr')} is {cidr!r}: use an IPv4 /16 to /20 "
            "(room for public and private subnets in 3 zones)."
        )
    cert = r.str("certificate_arn", None)
    if cert is not None:
        m = _CERT_ARN.match(cert)
        if not m:
            raise ConfigError(
                f"{r.key('certificate_arn')} is {cert!r}: expected an ACM certificate ARN "
                "(arn:aws:acm:<region>:<account>:certificate/<id>) or remove the key for HTTP only."
            )
        if m.group("region") != region:
            raise ConfigError(
                f"{r.key('certificate_arn')} is in {m.group('region')} but the ALB is in {region}: "
                f"an ALB needs a certificate from its own region; issue one in {region}."
            )
    r.done()
    return RegionConfig(region=region, availability_zones=azs, vpc_cidr=cidr, certificate_arn=cert)


def _parse_capacity(r: _Reader, *, min_low: int = 0) -> Capacity:
    cap = Capacity(
        min=r.int("min", low=min_low, high=100),
        max=r.int("max", low=0, high=100),
        desired=r.int("desired", low=0, high=100),
    )
    if cap.min > cap.max:
        raise ConfigError(
            f"{r.key('min')} ({cap.min}) must be <= {r.key('max')} ({cap.max}): lower min or raise max."
        )
    if not cap.min <= cap.desired <= cap.max:
        raise ConfigError(
            f"{r.key('desired')} ({cap.desired}) must be between min ({cap.min}) and max ({cap.max})."
        )
    r.done()
    return cap


def _parse_health_check(r: _Reader) -> HealthCheckConfig:
    d = HealthCheckConfig()
    hc = HealthCheckConfig(
        path=r.str("path", d.path),
        port=r.int("port", d.port, low=1, high=65535),
        interval_seconds=r.int("interval_seconds", d.interval_seconds, low=5, high=300),
        timeout_seconds=r.int("timeout_seconds", d.timeout_seconds, low=2, high=120),
        healthy_threshold=r.int("healthy_threshold", d.healthy_threshold, low=2, high=10),
        unhealthy_threshold=r.int("unhealthy_threshold", d.unhealthy_threshold, low=2, high=10),
        grace_period_seconds=r.int("grace_period_seconds", d.grace_period_seconds, low=0, high=7200),
    )
    if not hc.path.startswith("/"):
        raise ConfigError(f"{r.key('path')} is {hc.path!r}: a health-check path starts with '/'.")
    if hc.timeout_seconds >= hc.interval_seconds:
        raise ConfigError(
            f"{r.key('timeout_seconds')} ({hc.timeout_seconds}) must be less than "
            f"{r.key('interval_seconds')} ({hc.interval_seconds}): the ALB requires it."
        )
    r.done()
    return hc


def _parse_thresholds(r: _Reader) -> AlarmThresholds:
    d = AlarmThresholds()
    t = AlarmThresholds(
        cpu_percent=r.number("cpu_percent", d.cpu_percent, low=1, high=100),
        memory_percent=r.number("memory_percent", d.memory_percent, low=1, high=100),
        latency_p95_ms=r.number("latency_p95_ms", d.latency_p95_ms, low=1, high=60_000),
        error_rate_5xx_percent=r.number(
            "error_rate_5xx_percent", d.error_rate_5xx_percent, low=0.01, high=100
        ),
    )
    r.done()
    return t


def _parse_notifications(r: _Reader) -> NotificationConfig:
    workspace = r.str("slack_workspace_id", None)
    endpoints: dict[str, SeverityEndpoints] = {}
    for severity in SEVERITIES:
        if not r.has(severity):
            r.raw(severity, None)
            continue
        s = r.child(severity)
        emails = s.str_list("emails", [])
        for e in emails:
            if not _EMAIL.match(e):
                raise ConfigError(
                    f"{s.key('emails')} contains {e!r}, which is not an email address: "
                    "write it as name@example.com."
                )
        sms = s.str_list("sms", [])
        for n in sms:
            if not _E164.match(n):
                raise ConfigError(
                    f"{s.key('sms')} contains {n!r}: phone numbers must be E.164, e.g. +819012345678."
                )
        https = s.str_list("https", [])
        for u in https:
            if not u.startswith("https://"):
                raise ConfigError(f"{s.key('https')} contains {u!r}: webhooks must be https:// URLs.")
        slack = s.str_list("slack_channel_ids", [])
        if slack and not workspace:
            raise ConfigError(
                f"{s.key('slack_channel_ids')} is set but {r.key('slack_workspace_id')} is not: "
                "add the Slack workspace id authorised in AWS Chatbot."
            )
        s.done()
        endpoints[severity] = SeverityEndpoints(emails=emails, sms=sms, https=https, slack_channel_ids=slack)
    unknown = [k for k in r._data if k not in (*SEVERITIES, "slack_workspace_id")]
    if unknown:
        raise ConfigError(
            f"{r.key(unknown[0])}: unknown severity {unknown[0]!r}. Use one of {', '.join(SEVERITIES)}."
        )
    r.done()
    return NotificationConfig(endpoints=endpoints, slack_workspace_id=workspace)


def _parse_schedule(r: _Reader) -> ScheduleConfig:
    d = ScheduleConfig()
    sc = ScheduleConfig(
        stop_cron=r.str("stop_cron", d.stop_cron),
        start_cron=r.str("start_cron", d.start_cron),
        timezone=r.str("timezone", d.timezone),
    )
    for key, expr in (("stop_cron", sc.stop_cron), ("start_cron", sc.start_cron)):
        fields = expr.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields[:4]):
            raise ConfigError(
                f"{r.key(key)} is {expr!r}: use 5 cron fields 'minute hour day month weekday', "
                "e.g. '0 22 * * MON-FRI'."
            )
    r.done()
    return sc


def _parse_healing(r: _Reader) -> HealingConfig:
    d = HealingConfig()
    reserved = r.raw("reserved_concurrency", None)
    if reserved is not None and (isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 1):
        raise ConfigError(
            f"{r.key('reserved_concurrency')} is {reserved!r}: use a whole number >= 1, or null for none."
        )
    h = HealingConfig(
        dry_run=r.bool("dry_run", d.dry_run),
        max_actions_per_resource_per_hour=r.int(
            "max_actions_per_resource_per_hour", d.max_actions_per_resource_per_hour, low=1, high=60
        ),
        incident_window_seconds=r.int(
            "incident_window_seconds", d.incident_window_seconds, low=60, high=86400
        ),
        reserved_concurrency=reserved,
    )
    r.done()
    return h


def _parse_monitoring(r: _Reader) -> MonitoringConfig:
    d = MonitoringConfig()
    tiers = d.escalation
    raw_tiers = r.raw("escalation", None)
    if raw_tiers is not None:
        if not isinstance(raw_tiers, list) or not raw_tiers:
            raise ConfigError(f"{r.key('escalation')} must be a non-empty list of tiers, got {raw_tiers!r}.")
        parsed = []
        for i, raw in enumerate(raw_tiers):
            t = _Reader(raw, f"{r.key('escalation')}[{i}]")
            tier = EscalationTierConfig(
                name=t.str("name"),
                severity=t.str("severity"),
                after_minutes=t.int("after_minutes", low=1, high=1440),
            )
            if tier.severity not in SEVERITIES:
                raise ConfigError(
                    f"{t.key('severity')} is {tier.severity!r}: use one of {', '.join(SEVERITIES)}."
                )
            if parsed and tier.after_minutes <= parsed[-1].after_minutes:
                raise ConfigError(
                    f"{t.key('after_minutes')} ({tier.after_minutes}) must be later than the previous tier's "
                    f"({parsed[-1].after_minutes}): list tiers in escalation order."
                )
            t.done()
            parsed.append(tier)
        tiers = tuple(parsed)
    m = MonitoringConfig(
        slo_availability_percent=r.number(
            "slo_availability_percent", d.slo_availability_percent, low=90, high=99.999
        ),
        escalation=tiers,
        audit_rules=r.bool("audit_rules", d.audit_rules),
    )
    r.done()
    return m


def _parse_database(r: _Reader) -> DatabaseConfig:
    d = DatabaseConfig()
    db = DatabaseConfig(
        instance_class=r.str("instance_class", d.instance_class),
        allocated_storage_gib=r.int("allocated_storage_gib", d.allocated_storage_gib, low=20, high=65536),
        backup_retention_days=r.int("backup_retention_days", d.backup_retention_days, low=1, high=35),
        multi_az=r.bool("multi_az", d.multi_az),
        deletion_protection=r.bool("deletion_protection", d.deletion_protection),
        generations=_parse_generations(r),
    )
    if db.instance_class not in DB_INSTANCE_MEMORY_GIB:
        raise ConfigError(
            f"{r.key('instance_class')} is {db.instance_class!r}: use one of "
            f"{', '.join(DB_INSTANCE_MEMORY_GIB)} (without the 'db.' prefix), or add its memory to "
            "DB_INSTANCE_MEMORY_GIB."
        )
    if not re.fullmatch(r"[a-z][a-z0-9-]*\d[a-z0-9-]*\.[a-z0-9]+", db.instance_class):
        raise ConfigError(
            f"{r.key('instance_class')} is {db.instance_class!r}: expected e.g. t4g.micro or r7g.large "
            "(without the 'db.' prefix)."
        )
    r.done()
    return db


def _parse_generations(r: _Reader) -> dict[str, int]:
    raw = r.raw("generations", {})
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{r.key('generations')} must map regions to generation numbers, got {raw!r}.")
    for region, gen in raw.items():
        if region not in REGION_LABELS or isinstance(gen, bool) or not isinstance(gen, int) or gen < 1:
            raise ConfigError(
                f"{r.key('generations')}.{region} is {gen!r}: use a region of this app and a number >= 1."
            )
    return dict(raw)


def _parse_backup(r: _Reader) -> BackupConfig:
    b = BackupConfig(retention_days=r.int("retention_days", BackupConfig().retention_days, low=1, high=3650))
    r.done()
    return b


def _parse_dns(r: _Reader) -> DnsConfig:
    dns = DnsConfig(
        hosted_zone_id=r.str("hosted_zone_id"), zone_name=r.str("zone_name"), record_name=r.str("record_name")
    )
    if not re.fullmatch(r"Z[A-Z0-9]{4,32}", dns.hosted_zone_id):
        raise ConfigError(
            f"{r.key('hosted_zone_id')} is {dns.hosted_zone_id!r}: a Route 53 hosted zone id looks like "
            "Z0123456789ABCDEFGHIJ."
        )
    zone = dns.zone_name.rstrip(".")
    if not (dns.record_name == zone or dns.record_name.endswith("." + zone)):
        raise ConfigError(
            f"{r.key('record_name')} is {dns.record_name!r}, which is not inside {r.key('zone_name')} "
            f"({dns.zone_name!r}): use a name such as www.{zone}."
        )
    r.done()
    return dns


def _parse_alarm_overrides(r: _Reader) -> dict[str, Any]:
    """``alarms``: the typed threshold table's overrides, checked against the library's table."""
    raw = r.raw("alarms", {})
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{r.key('alarms')} must be an object keyed by metric, got {raw!r}.")
    from constructs_lib.alarms import thresholds_with_overrides

    try:
        thresholds_with_overrides(raw)
    except ValueError as exc:
        raise ConfigError(f"{r.key('alarms')}: {exc}") from None
    return dict(raw)


def parse_environment(name: str, raw: Mapping[str, Any], *, app_name: str) -> EnvironmentConfig:
    """Parse and validate one environment block. Raises :class:`ConfigError`."""
    r = _Reader(raw, f"environments.{name}")
    account = r.str("account")
    if not _ACCOUNT.match(account):
        raise ConfigError(f"{r.key('account')} is {account!r}: an AWS account id is 12 digits.")
    primary = _parse_region(r.child("primary"))
    dr = _parse_region(r.child("dr"))
    if primary.region == dr.region:
        raise ConfigError(
            f"{r.key('dr')}.region is {dr.region!r}, the same as the primary region: "
            "disaster recovery needs a second region (ap-northeast-3)."
        )
    active = r.str("active_region", primary.region)
    if active not in (primary.region, dr.region):
        raise ConfigError(
            f"{r.key('active_region')} is {active!r}: it must be the primary ({primary.region}) "
            f"or the DR region ({dr.region})."
        )
    instance_type = r.str("instance_type")
    if not _INSTANCE_TYPE.match(instance_type):
        raise ConfigError(
            f"{r.key('instance_type')} is {instance_type!r}: expected e.g. t3.micro or m7g.large."
        )
    capacity = _parse_capacity(r.child("capacity"), min_low=1)
    strategy = r.str("dr_strategy")
    if strategy not in DR_STRATEGIES:
        raise ConfigError(f"{r.key('dr_strategy')} is {strategy!r}: use one of {', '.join(DR_STRATEGIES)}.")
    if r.has("dr_capacity"):
        dr_capacity = _parse_capacity(r.child("dr_capacity"))
    else:
        # Default: warm standby keeps one instance ready in the DR region; the others run none.
        standby = 1 if strategy == "warm_standby" else 0
        dr_capacity = Capacity(min=standby, max=capacity.max, desired=standby)
    if strategy == "warm_standby" and dr_capacity.min < 1:
        raise ConfigError(
            f"{r.key('dr_capacity')}.min is {dr_capacity.min}: warm_standby keeps at least one instance "
            "running in the DR region; set min >= 1 or choose pilot_light."
        )
    if strategy != "warm_standby" and dr_capacity.min > 0:
        raise ConfigError(
            f"{r.key('dr_capacity')}.min is {dr_capacity.min}: with {strategy} the DR region runs no "
            "instances; set min to 0 or choose warm_standby."
        )
    nat = r.int("nat_gateways", low=0, high=3)
    if nat > len(primary.availability_zones):
        raise ConfigError(
            f"{r.key('nat_gateways')} is {nat} but only {len(primary.availability_zones)} zones are "
            "configured: use at most one NAT gateway per zone."
        )
    warm_pool = r.int("warm_pool_size", 0, low=0, high=20)
    schedule = _parse_schedule(r.child("schedule")) if r.raw("schedule", None) is not None else None
    config = EnvironmentConfig(
        name=name,
        app_name=app_name,
        account=account,
        primary=primary,
        dr=dr,
        active_region=active,
        instance_type=instance_type,
        capacity=capacity,
        dr_capacity=dr_capacity,
        nat_gateways=nat,
        health_check=_parse_health_check(r.child("health_check", {})),
        alarm_thresholds=_parse_thresholds(r.child("alarm_thresholds", {})),
        notifications=_parse_notifications(r.child("notifications", {})),
        dr_strategy=strategy,
        warm_pool_size=warm_pool,
        schedule=schedule,
        retain_data=r.bool("retain_data"),
        log_retention_days=r.int("log_retention_days", 30, low=1, high=3653),
        app_port=r.int("app_port", 8080, low=1024, high=65535),
        service_unit=r.str("service_unit", "webapp"),
        healing=_parse_healing(r.child("healing", {})),
        monitoring=_parse_monitoring(r.child("monitoring", {})),
        database=_parse_database(r.child("database", {})),
        backup=_parse_backup(r.child("backup", {})),
        dns=_parse_dns(r.child("dns")) if r.raw("dns", None) is not None else None,
        alarm_overrides=_parse_alarm_overrides(r),
        extra_tags=dict(r.raw("tags", {})),
    )
    if config.active_region != primary.region and strategy == "backup_restore":
        raise ConfigError(
            f"{r.key('active_region')} is {active!r} but dr_strategy is backup_restore: there is no standby "
            "database to promote. Restore into the DR region with the backup-restore runbook first, or use "
            "pilot_light / warm_standby."
        )
    if config.log_retention_days not in LOG_RETENTION_DAYS:
        raise ConfigError(
            f"{r.key('log_retention_days')} is {config.log_retention_days}: CloudWatch Logs accepts "
            f"only {', '.join(map(str, LOG_RETENTION_DAYS))} days."
        )
    if config.health_check.port != config.app_port:
        raise ConfigError(
            f"{r.key('health_check')}.port ({config.health_check.port}) differs from "
            f"{r.key('app_port')} ({config.app_port}): the app's own process answers /health, "
            "so both must be the same port."
        )
    r.done()
    return config


def _check_cidr_overlaps(envs: Mapping[str, EnvironmentConfig]) -> None:
    seen: list[tuple[str, ipaddress.IPv4Network]] = []
    for env in envs.values():
        for role, rc in (("primary", env.primary), ("dr", env.dr)):
            key = f"environments.{env.name}.{role}.vpc_cidr"
            net = ipaddress.ip_network(rc.vpc_cidr)
            for other_key, other in seen:
                if net.overlaps(other):
                    raise ConfigError(
                        f"{key} ({net}) overlaps {other_key} ({other}): give every VPC its own range "
                        "so environments and regions can be peered or routed later."
                    )
            seen.append((key, net))


def load_config(context: Mapping[str, Any]) -> AppConfig:
    """Build the validated :class:`AppConfig` from the CDK context (``cdk.json``'s ``context``)."""
    app_name = context.get("app_name", "webapp")
    if not isinstance(app_name, str) or not _APP_NAME.match(app_name):
        raise ConfigError(
            f"app_name is {app_name!r}: use 2-21 lowercase letters, digits or '-', starting with a letter."
        )
    raw_envs = context.get("environments")
    if not isinstance(raw_envs, Mapping) or not raw_envs:
        raise ConfigError("environments is missing or empty: define dev, stg and prod in cdk.json's context.")
    defaults = context.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise ConfigError(f"defaults must be an object, got {defaults!r}.")
    envs: dict[str, EnvironmentConfig] = {}
    for name, raw in raw_envs.items():
        if name not in ENVIRONMENT_NAMES:
            raise ConfigError(
                f"environments.{name}: unknown environment name. Use {', '.join(ENVIRONMENT_NAMES)}."
            )
        if not isinstance(raw, Mapping):
            raise ConfigError(f"environments.{name} must be an object, got {raw!r}.")
        envs[name] = parse_environment(name, _deep_merge(defaults, raw), app_name=app_name)
    _check_cidr_overlaps(envs)
    return AppConfig(app_name=app_name, environments=envs)
