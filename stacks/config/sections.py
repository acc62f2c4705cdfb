"""Parsers of the blocks inside one environment (regions, capacity, health check, notifications, ...)."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from constructs_lib import SEVERITIES, AppProbe, validate_severity, validate_slo
from constructs_lib.alerting import SeverityEndpoints, validate_severity_endpoints, validate_tiers
from constructs_lib.data import BackupAccountCopy, DatabaseBackup, DatabaseMaintenance, VaultLock
from constructs_lib.healing import validate_healing_limits
from constructs_lib.network import validate_zones
from constructs_lib.web import validate_capacity, validate_certificate_arn
from stacks.config.errors import ConfigError, library_errors
from stacks.config.reader import Reader
from stacks.config.schema import (
    DB_INSTANCE_MEMORY_GIB,
    AlarmThresholds,
    BackupConfig,
    Capacity,
    DatabaseConfig,
    DnsConfig,
    EscalationTierConfig,
    HealingConfig,
    HealthCheckConfig,
    MonitoringConfig,
    NotificationConfig,
    RegionConfig,
    ScheduleConfig,
)
from stacks.config.values import check_db_instance_class, check_region, check_region_label, region_label

#: The library's SeverityEndpoints props and the keys this config writes them under.
_ENDPOINT_KEYS = {
    "email_addresses": "emails",
    "sms_numbers": "sms",
    "webhook_urls": "https",
    "slack_channel_ids": "slack_channel_ids",
}


def keys_of(cls: type) -> tuple[str, ...]:
    """The config keys of a block: the fields of its dataclass."""
    return tuple(f.name for f in dataclasses.fields(cls))


def parse_region(data: Any, path: str) -> RegionConfig:
    r = Reader(data, path, keys_of(RegionConfig))
    region = check_region(r.key("region"), r.str("region"))
    label = check_region_label(r.key("label"), r.str("label", region_label(region)))
    azs = r.str_list("availability_zones")
    # How many, each once, all of the region: the library's rules for ResilientVpc's zones.
    with library_errors(r.key("availability_zones"), {"availability_zones": r.key("availability_zones")}):
        validate_zones(azs, region=region)
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
        # Its form and its region: the library's rule for the web service's certificate.
        with library_errors(r.key("certificate_arn"), {"certificate_arn": r.key("certificate_arn")}):
            validate_certificate_arn(cert, region=region)
    return RegionConfig(
        region=region, label=label, availability_zones=azs, vpc_cidr=cidr, certificate_arn=cert
    )


def parse_capacity(data: Any, path: str, *, min_low: int = 0) -> Capacity:
    """``capacity``: the library's rules for a group's sizes, plus this app's: at most 100 instances,
    and at least ``min_low`` (the active region's production capacity keeps one running)."""
    r = Reader(data, path, keys_of(Capacity))
    cap = Capacity(
        min=r.int("min", low=min_low, high=100),
        max=r.int("max", high=100),
        desired=r.int("desired", high=100),
    )
    renames = {
        "min_capacity": r.key("min"),
        "max_capacity": r.key("max"),
        "desired_capacity": r.key("desired"),
    }
    with library_errors(path, renames):
        validate_capacity(min_capacity=cap.min, max_capacity=cap.max, desired_capacity=cap.desired)
    return cap


def parse_health_check(data: Any, path: str) -> HealthCheckConfig:
    r = Reader(data, path, keys_of(HealthCheckConfig))
    d = HealthCheckConfig()
    hc = HealthCheckConfig(
        path=r.str("path", d.path),
        port=r.int("port", d.port),  # the app's port (app_port): the library's AppProbe checks it
        interval_seconds=r.int("interval_seconds", d.interval_seconds),
        timeout_seconds=r.int("timeout_seconds", d.timeout_seconds),
        healthy_threshold=r.int("healthy_threshold", d.healthy_threshold),
        unhealthy_threshold=r.int("unhealthy_threshold", d.unhealthy_threshold),
        grace_period_seconds=r.int("grace_period_seconds", d.grace_period_seconds, low=0, high=7200),
    )
    # Interval, timeout and thresholds: the library's TargetHealthCheck validates them (the load
    # balancer's ranges); the path, the library's AppProbe (it is the probe's health path).
    with library_errors(path, {"health_check.": f"{path}."}):
        hc.target().validate()
    with library_errors(path, {"app probe health_path": r.key("path")}):
        AppProbe(health_path=hc.path)
    return hc


def parse_thresholds(data: Any, path: str) -> AlarmThresholds:
    r = Reader(data, path, keys_of(AlarmThresholds))
    d = AlarmThresholds()
    t = AlarmThresholds(
        cpu_percent=r.number("cpu_percent", d.cpu_percent, low=1, high=100),
        memory_percent=r.number("memory_percent", d.memory_percent, low=1, high=100),
        latency_p95_ms=r.number("latency_p95_ms", d.latency_p95_ms, low=1, high=60_000),
        error_rate_5xx_percent=r.number(
            "error_rate_5xx_percent", d.error_rate_5xx_percent, low=0.01, high=100
        ),
    )
    return t


def parse_notifications(data: Any, path: str) -> NotificationConfig:
    r = Reader(data, path, (*SEVERITIES, "slack_workspace_id"), kind="severity")
    workspace = r.str("slack_workspace_id", None)
    endpoints: dict[str, SeverityEndpoints] = {}
    for severity in SEVERITIES:
        if not r.has(severity):
            r.raw(severity, None)
            continue
        s = r.child(severity, tuple(_ENDPOINT_KEYS.values()))
        endpoints[severity] = SeverityEndpoints(
            **{prop: tuple(s.str_list(key, [])) for prop, key in _ENDPOINT_KEYS.items()}
        )
    # Addresses, numbers, URLs, channel ids and the workspace the channels need: the library's
    # rules for SeverityTopics' severity_endpoints.
    renames = {
        f"severity_endpoints[{severity!r}].{prop}": f"{path}.{severity}.{key}"
        for severity in endpoints
        for prop, key in _ENDPOINT_KEYS.items()
    }
    renames["slack_workspace_id"] = r.key("slack_workspace_id")
    with library_errors(path, renames):
        validate_severity_endpoints(endpoints, slack_workspace_id=workspace)
    return NotificationConfig(endpoints=endpoints, slack_workspace_id=workspace)


def parse_schedule(data: Any, path: str) -> ScheduleConfig:
    r = Reader(data, path, keys_of(ScheduleConfig))
    timezone = r.str("timezone")
    d = ScheduleConfig(timezone=timezone)
    sc = ScheduleConfig(
        timezone=timezone,
        stop_cron=r.str("stop_cron", d.stop_cron),
        start_cron=r.str("start_cron", d.start_cron),
    )
    # Time zone and cron fields: the library's NightlyStop validates them.
    with library_errors(path, {"nightly_stop.": f"{path}."}):
        sc.nightly_stop()
    return sc


def parse_healing(data: Any, path: str) -> HealingConfig:
    r = Reader(data, path, keys_of(HealingConfig))
    d = HealingConfig()
    reserved = r.raw("reserved_concurrency", None)
    if reserved is not None and (isinstance(reserved, bool) or not isinstance(reserved, int)):
        raise ConfigError(
            f"{r.key('reserved_concurrency')} is {reserved!r}: use a whole number, or null for none."
        )
    h = HealingConfig(
        dry_run=r.bool("dry_run", d.dry_run),
        max_actions_per_resource_per_hour=r.int(
            "max_actions_per_resource_per_hour", d.max_actions_per_resource_per_hour
        ),
        incident_window_seconds=r.int("incident_window_seconds", d.incident_window_seconds),
        reserved_concurrency=reserved,
    )
    # Their ranges: the library's rules for AutoHealing's limits.
    renames = {
        "max_actions_per_resource_per_hour": r.key("max_actions_per_resource_per_hour"),
        "incident_window": r.key("incident_window_seconds"),
        "reserved_concurrency": r.key("reserved_concurrency"),
    }
    with library_errors(path, renames):
        validate_healing_limits(**h.limits())
    return h


def parse_monitoring(data: Any, path: str) -> MonitoringConfig:
    r = Reader(data, path, keys_of(MonitoringConfig))
    d = MonitoringConfig()
    tiers = d.escalation
    raw_tiers = r.raw("escalation", None)
    if raw_tiers is not None:
        if not isinstance(raw_tiers, list):
            raise ConfigError(f"{r.key('escalation')} must be a list of tiers, got {raw_tiers!r}.")
        parsed = []
        for i, raw in enumerate(raw_tiers):
            t = Reader(raw, f"{r.key('escalation')}[{i}]", keys_of(EscalationTierConfig))
            tier = EscalationTierConfig(
                name=t.str("name"),
                severity=t.str("severity"),
                # minutes cannot be negative; how late a tier may come is the library's rule
                after_minutes=t.int("after_minutes", low=0),
            )
            # The severity picks the tier's topic: the library's own check of a severity.
            with library_errors(t.path):
                validate_severity(tier.severity, prop=t.key("severity"))
            parsed.append(tier)
        tiers = tuple(parsed)
        # Count, names, order and the 7-day cap: the library's rules for EscalationPolicy's tiers.
        with library_errors(r.key("escalation"), {".escalate_after": ".after_minutes"}):
            validate_tiers(tiers, prop=r.key("escalation"))
    m = MonitoringConfig(
        slo_availability_percent=r.number("slo_availability_percent", d.slo_availability_percent),
        escalation=tiers,
        audit_rules=r.bool("audit_rules", d.audit_rules),
    )
    # The objective against the default burn-rate windows: the library's rules.
    slo = r.key("slo_availability_percent")
    with library_errors(slo, {"slo_target_percent": slo}):
        validate_slo(m.slo_availability_percent)
    return m


def parse_database(data: Any, path: str, regions: tuple[str, ...]) -> DatabaseConfig:
    r = Reader(data, path, keys_of(DatabaseConfig))
    d = DatabaseConfig()
    db = DatabaseConfig(
        instance_class=check_db_instance_class(
            r.key("instance_class"), r.raw("instance_class", d.instance_class), DB_INSTANCE_MEMORY_GIB
        ),
        allocated_storage_gib=r.int("allocated_storage_gib", d.allocated_storage_gib),
        max_allocated_storage_gib=r.int("max_allocated_storage_gib", d.max_allocated_storage_gib),
        backup_retention_days=r.int("backup_retention_days", d.backup_retention_days),
        multi_az=r.bool("multi_az", d.multi_az),
        deletion_protection=r.bool("deletion_protection", d.deletion_protection),
        generations=parse_generations(r, regions),
        backup_window_utc=r.str("backup_window_utc", None),
        maintenance_window_utc=r.str("maintenance_window_utc", None),
    )
    # Storage size, backup retention and the windows' formats: the library's DatabaseStorage,
    # DatabaseBackup and DatabaseMaintenance check them.
    with library_errors(
        path,
        {
            "storage.allocated_gib": r.key("allocated_storage_gib"),
            "storage.max_allocated_gib": r.key("max_allocated_storage_gib"),
            "backup.retention_days": r.key("backup_retention_days"),
            "backup.preferred_window": r.key("backup_window_utc"),
            "maintenance.preferred_window": r.key("maintenance_window_utc"),
        },
    ):
        db.storage()
        DatabaseBackup(retention_days=db.backup_retention_days, preferred_window=db.backup_window_utc)
        DatabaseMaintenance(preferred_window=db.maintenance_window_utc)
    return db


def parse_generations(r: Reader, regions: tuple[str, ...]) -> dict[str, int]:
    raw = r.raw("generations", {})
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{r.key('generations')} must map regions to generation numbers, got {raw!r}.")
    for region, gen in raw.items():
        if region not in regions or isinstance(gen, bool) or not isinstance(gen, int) or gen < 1:
            raise ConfigError(
                f"{r.key('generations')}.{region} is {gen!r}: use a region of this environment "
                f"({', '.join(regions)}) and a number >= 1."
            )
    return dict(raw)


VAULT_LOCK_KEYS = ("mode", "min_retention_days", "max_retention_days", "changeable_for_days")
ACCOUNT_COPY_KEYS = ("account", "vault_name", "region", "retention_days")


def parse_backup(data: Any, path: str) -> BackupConfig:
    r = Reader(data, path, keys_of(BackupConfig))
    retention_days = r.int("retention_days", BackupConfig().retention_days, low=1, high=3650)
    lock = parse_vault_lock(r.raw("vault_lock", None), r.key("vault_lock"))
    account_copy = None
    if r.raw("account_copy", None) is not None:
        c = Reader(r.raw("account_copy"), r.key("account_copy"), ACCOUNT_COPY_KEYS)
        with library_errors(r.key("account_copy"), {"account_copy": r.key("account_copy")}):
            account_copy = BackupAccountCopy(
                account=c.str("account"),
                vault_name=c.str("vault_name"),
                region=check_region(c.key("region"), c.raw("region")) if c.has("region") else None,
                retention_days=c.int("retention_days", None) if c.has("retention_days") else None,
            )
    b = BackupConfig(
        retention_days=retention_days,
        start_hour_utc=r.int("start_hour_utc", None, low=0, high=23) if r.has("start_hour_utc") else None,
        vault_lock=lock,
        account_copy=account_copy,
    )
    # The plan keeps recovery points (and their copies) retention_days: the lock may not ask for more.
    with library_errors(
        r.key("vault_lock"),
        {"vault_lock": r.key("vault_lock"), "retention (": f"{r.key('retention_days')} ("},
    ):
        lock.check_retention(retention_days, prop="retention")
    return b


def parse_vault_lock(data: Any, path: str) -> VaultLock:
    """``vault_lock``: governance by default; compliance only when asked for by name, with its days."""
    if data is None:
        return BackupConfig().vault_lock
    r = Reader(data, path, VAULT_LOCK_KEYS)
    mode = r.str("mode", "governance")
    changeable = r.int("changeable_for_days", None) if r.has("changeable_for_days") else None
    if mode not in ("governance", "compliance"):
        raise ConfigError(
            f"{r.key('mode')} is {mode!r}: use governance (reversible) or compliance (irreversible)."
        )
    if mode == "governance" and changeable is not None:
        raise ConfigError(
            f"{r.key('changeable_for_days')} turns on compliance mode: after that many days the lock and the "
            f"vault can never be changed or deleted. Set {r.key('mode')} to compliance to mean it, or remove "
            "the key."
        )
    if mode == "compliance" and changeable is None:
        raise ConfigError(
            f"{r.key('mode')} is compliance but {r.key('changeable_for_days')} is missing: give the days "
            "(at least 3) during which the lock can still be undone."
        )
    # The days' ranges and their order: the library's VaultLock checks them.
    with library_errors(path, {"vault_lock": path}):
        return VaultLock(
            min_retention_days=r.int("min_retention_days", 1),
            max_retention_days=r.int("max_retention_days", None) if r.has("max_retention_days") else None,
            changeable_for_days=changeable,
        )


def parse_dns(data: Any, path: str) -> DnsConfig:
    r = Reader(data, path, keys_of(DnsConfig))
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
    return dns


def parse_alarm_overrides(raw: Any, path: str) -> dict[str, Any]:
    """``alarms``: overrides of the library's threshold table, per metric. The loader validates them
    by building the table (:meth:`EnvironmentConfig.alarm_table`)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path} must be an object keyed by metric, got {raw!r}.")
    return dict(raw)
