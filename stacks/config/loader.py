"""Builds the validated :class:`AppConfig` from the CDK context (``cdk.json``'s ``context``)."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from constructs_lib.dr import DrStrategy
from constructs_lib.network import validate_zones
from constructs_lib.web import check_zone_loss_capacity
from stacks.config.errors import ConfigError, library_errors
from stacks.config.reader import Reader, deep_merge
from stacks.config.schema import (
    LOG_RETENTION_DAYS,
    AppConfig,
    Capacity,
    EnvironmentConfig,
)
from stacks.config.sections import (
    parse_alarm_overrides,
    parse_backup,
    parse_capacity,
    parse_database,
    parse_dns,
    parse_healing,
    parse_health_check,
    parse_monitoring,
    parse_notifications,
    parse_region,
    parse_schedule,
    parse_thresholds,
)
from stacks.config.values import check_environment_name, check_instance_type

_ACCOUNT = re.compile(r"^\d{12}$")
_APP_NAME = re.compile(r"^[a-z][a-z0-9-]{1,20}$")
#: The keys of one environment block (after ``defaults`` are merged in).
ENVIRONMENT_KEYS: tuple[str, ...] = (
    "account", "primary", "dr", "active_region", "instance_type", "capacity", "dr_capacity", "nat_gateways",
    "health_check", "alarm_thresholds", "notifications", "dr_strategy", "warm_pool_size", "schedule",
    "retain_data", "log_retention_days", "app_port", "service_unit", "healing", "monitoring", "database",
    "backup", "dns", "alarms", "tags", "zonal_autoshift", "allow_plain_http",
)  # fmt: skip


def parse_environment(name: str, raw: Mapping[str, Any], *, app_name: str) -> EnvironmentConfig:
    """Parse and validate one environment block. Raises :class:`ConfigError`."""
    r = Reader(raw, f"environments.{name}", ENVIRONMENT_KEYS)
    account = r.str("account")
    if not _ACCOUNT.match(account):
        raise ConfigError(f"{r.key('account')} is {account!r}: an AWS account id is 12 digits.")
    primary = parse_region(r.raw("primary"), r.key("primary"))
    dr = parse_region(r.raw("dr"), r.key("dr"))
    if primary.region == dr.region:
        raise ConfigError(
            f"{r.key('dr')}.region is {dr.region!r}, the same as the primary region: "
            "disaster recovery needs a second region; give dr.region another region."
        )
    if primary.label == dr.label:
        raise ConfigError(
            f"{r.key('dr')}.label is {dr.label!r}, the same as the primary region's: labels name the "
            "stacks of each region, so give the two regions different labels."
        )
    active = r.str("active_region", primary.region)
    if active not in (primary.region, dr.region):
        raise ConfigError(
            f"{r.key('active_region')} is {active!r}: it must be the primary ({primary.region}) "
            f"or the DR region ({dr.region})."
        )
    instance_type = check_instance_type(r.key("instance_type"), r.raw("instance_type"))
    capacity = parse_capacity(r.raw("capacity"), r.key("capacity"), min_low=1)
    with library_errors(r.key("dr_strategy")):
        strategy = DrStrategy.parse(r.str("dr_strategy"))
    if r.has("dr_capacity"):
        dr_capacity = parse_capacity(r.raw("dr_capacity"), r.key("dr_capacity"))
    else:
        # Default: warm standby keeps one instance ready in the DR region; the others run none.
        standby = strategy.standby_capacity()
        dr_capacity = Capacity(min=standby, max=capacity.max, desired=standby)
    if strategy is DrStrategy.WARM_STANDBY and dr_capacity.min < 1:
        raise ConfigError(
            f"{r.key('dr_capacity')}.min is {dr_capacity.min}: warm_standby keeps at least one instance "
            "running in the DR region; set min >= 1 or choose pilot_light."
        )
    if strategy is not DrStrategy.WARM_STANDBY and dr_capacity.min > 0:
        raise ConfigError(
            f"{r.key('dr_capacity')}.min is {dr_capacity.min}: with {strategy} the DR region runs no "
            "instances; set min to 0 or choose warm_standby."
        )
    nat = r.int("nat_gateways")
    # Both regions' VPCs get nat_gateways: at most one per zone of each (the library's rule).
    for role, rc in (("primary", primary), ("dr", dr)):
        renames = {"nat_gateways": r.key("nat_gateways"), "number of zones": f"number of {role} zones"}
        with library_errors(r.key("nat_gateways"), renames):
            validate_zones(rc.availability_zones, nat_gateways=nat, region=rc.region)
    warm_pool = r.int("warm_pool_size", 0, low=0, high=20)
    schedule = (
        parse_schedule(r.raw("schedule"), r.key("schedule")) if r.raw("schedule", None) is not None else None
    )
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
        health_check=parse_health_check(r.raw("health_check", {}), r.key("health_check")),
        alarm_thresholds=parse_thresholds(r.raw("alarm_thresholds", {}), r.key("alarm_thresholds")),
        notifications=parse_notifications(r.raw("notifications", {}), r.key("notifications")),
        dr_strategy=strategy,
        warm_pool_size=warm_pool,
        schedule=schedule,
        retain_data=r.bool("retain_data"),
        log_retention_days=r.int("log_retention_days", 30, low=1, high=3653),
        app_port=r.int("app_port", 8080, low=1024, high=65535),
        service_unit=r.str("service_unit", "webapp"),
        zonal_autoshift=r.bool("zonal_autoshift", False),
        allow_plain_http=_parse_plain_http_reason(r.raw("allow_plain_http", None), r.key("allow_plain_http")),
        healing=parse_healing(r.raw("healing", {}), r.key("healing")),
        monitoring=parse_monitoring(r.raw("monitoring", {}), r.key("monitoring")),
        database=parse_database(r.raw("database", {}), r.key("database"), (primary.region, dr.region)),
        backup=parse_backup(r.raw("backup", {}), r.key("backup")),
        dns=parse_dns(r.raw("dns"), r.key("dns")) if r.raw("dns", None) is not None else None,
        alarm_overrides=parse_alarm_overrides(r.raw("alarms", {}), r.key("alarms")),
        extra_tags=_parse_tags(r.raw("tags", {}), r.key("tags")),
    )
    if config.active_region != primary.region and not strategy.has_standby_database:
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
    _check_https(config, r)
    if config.zonal_autoshift:
        # Practice runs shift one zone's traffic away weekly: the other zones must hold the minimum.
        cap = r.key("capacity")
        renames = {"max_capacity": f"{cap}.max", "min_capacity": f"{cap}.min"}
        with library_errors(cap, renames):
            check_zone_loss_capacity(
                min_capacity=capacity.min,
                max_capacity=capacity.max,
                zones=len(config.region_config(active).availability_zones),
            )
    # The app probe (port, unit, health path): the library's AppProbe validates it.
    with library_errors(r.key("service_unit"), {"app probe service_unit": r.key("service_unit")}):
        _ = config.app_probe
    # The alarm table: the library builds and validates its rows (AlarmThreshold).
    with library_errors(r.key("alarms")):
        config.alarm_table()
    return config


def _parse_plain_http_reason(raw: Any, key: str) -> str | None:
    """``allow_plain_http``: absent, or a written reason (at least a few words), never a bare flag."""
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw.strip()) < 10:
        raise ConfigError(
            f'{key} is {raw!r}: write the reason this environment may serve plain HTTP (e.g. "internal demo, '
            'no domain yet"); the synth warns with it. Better: add certificate_arn to both regions.'
        )
    return raw.strip()


def _check_https(config: EnvironmentConfig, r: Reader) -> None:
    """An environment with ``dns`` or ``retain_data`` serves HTTPS in both regions, unless told why not."""
    if config.dns is None and not config.retain_data:
        return
    if config.allow_plain_http is not None:
        return
    for role, rc in (("primary", config.primary), ("dr", config.dr)):
        if not rc.certificate_arn:
            why = "dns" if config.dns is not None else "retain_data"
            raise ConfigError(
                f"{r.key(role)}.certificate_arn is missing: environments with {why} serve HTTPS in every "
                f"region. Issue an ACM certificate in {rc.region} and put its ARN there, or set "
                f"{r.key('allow_plain_http')} to the written reason this environment may serve plain HTTP."
            )


def _parse_tags(raw: Any, path: str) -> dict[str, str]:
    if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError(f"{path} must map tag names to string values, got {raw!r}.")
    return dict(raw)


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


def _check_accounts(envs: Mapping[str, EnvironmentConfig]) -> dict[str, EnvironmentConfig]:
    """An environment that keeps its data (``retain_data: true``: production) has an AWS account of
    its own: a shared account lets a mistake, a runaway quota or a compromised role of another
    environment reach production. Others may share one; they are told so (``account_shared_with``)."""
    by_account: dict[str, list[str]] = {}
    for env in envs.values():
        by_account.setdefault(env.account, []).append(env.name)
    for account, names in by_account.items():
        if len(names) < 2:
            continue
        for name in names:
            if envs[name].retain_data:
                others = [n for n in names if n != name]
                raise ConfigError(
                    f"environments.{name}.account is {account!r}, the same account as "
                    + ", ".join(f"environments.{o}.account" for o in others)
                    + f": {name} keeps its data (retain_data: true) and needs an AWS account of its own. "
                    f"Give {' and '.join(others)} another account (they may share one between them)."
                )
    return {
        name: dataclasses.replace(
            env, account_shared_with=tuple(n for n in by_account[env.account] if n != name)
        )
        for name, env in envs.items()
    }


def load_config(context: Mapping[str, Any]) -> AppConfig:
    """Build the validated :class:`AppConfig` from the CDK context (``cdk.json``'s ``context``)."""
    app_name = context.get("app_name", "webapp")
    if not isinstance(app_name, str) or not _APP_NAME.match(app_name):
        raise ConfigError(
            f"app_name is {app_name!r}: use 2-21 lowercase letters, digits or '-', starting with a letter."
        )
    raw_envs = context.get("environments")
    if not isinstance(raw_envs, Mapping) or not raw_envs:
        raise ConfigError(
            "environments is missing or empty: define at least one environment (e.g. dev) in cdk.json's "
            "context."
        )
    defaults = context.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise ConfigError(f"defaults must be an object, got {defaults!r}.")
    envs: dict[str, EnvironmentConfig] = {}
    for name, raw in raw_envs.items():
        check_environment_name(f"environments.{name}", name)
        if not isinstance(raw, Mapping):
            raise ConfigError(f"environments.{name} must be an object, got {raw!r}.")
        envs[name] = parse_environment(name, deep_merge(defaults, raw), app_name=app_name)
    _check_cidr_overlaps(envs)
    envs = _check_accounts(envs)
    return AppConfig(app_name=app_name, environments=envs)
