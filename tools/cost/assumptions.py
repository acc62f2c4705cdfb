"""Usage assumptions: every number the cost needs that no template can tell, named in one place.

A template says what runs (instance type, capacity, NAT gateways, alarms, retention); it cannot say
how much traffic, data or log volume the service has. Each such quantity is one named assumption
below, with its unit and what it covers. Override them per environment with a JSON file
(``{"assumptions": {"*": {NAME: VALUE}, "prod": {NAME: VALUE}}}``, ``--assumptions FILE``) or on the
command line (``--assume NAME=VALUE``). "Active" is the region that serves (the primary database's
region), "standby" the DR region.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Assumption:
    name: str
    value: float | bool
    unit: str
    description: str
    overridden: bool = False


_DEFAULTS: tuple[Assumption, ...] = (
    Assumption(
        "hours_per_month", 730, "h", "hours in a month, as AWS pricing pages count them (24 x 365 / 12)"
    ),
    # Load balancing and traffic
    Assumption("alb_lcu_active", 1.0, "LCU", "average load balancer capacity units of a serving-region ALB"),
    Assumption("alb_lcu_standby", 0.05, "LCU", "average LCUs of a standby-region ALB (health checks only)"),
    Assumption(
        "alb_public_ipv4_per_zone", 1, "addresses", "public IPv4 addresses of an internet-facing ALB per zone"
    ),
    Assumption(
        "internet_egress_gb_active", 50.0, "GB/month", "responses served to the internet per serving ALB"
    ),
    Assumption("nat_data_gb_active", 20.0, "GB/month", "data through each NAT gateway of the serving region"),
    Assumption("nat_data_gb_standby", 2.0, "GB/month", "data through each NAT gateway of the standby region"),
    Assumption("interface_endpoint_data_gb", 1.0, "GB/month", "data through each interface endpoint"),
    # Compute
    Assumption("ami_root_volume_gb", 8, "GB", "root volume when the launch template sets none (AL2023 AMI)"),
    Assumption(
        "burstable_surplus_vcpu_hours",
        0.0,
        "vCPU-h/month",
        "surplus CPU credits per T instance (unlimited mode)",
    ),
    Assumption(
        "app_custom_metrics_per_region",
        3,
        "metrics",
        "custom metrics the healing functions publish per region",
    ),
    # Database and backups
    Assumption(
        "database_used_fraction", 0.5, "ratio", "share of a database's allocated storage holding data"
    ),
    Assumption(
        "database_changed_gb_per_day",
        0.5,
        "GB/day",
        "blocks changed per day: the size of an incremental snapshot",
    ),
    Assumption(
        "database_wal_gb_per_day",
        1.0,
        "GB/day",
        "write-ahead log per day: shipped to a cross-region replica, kept as transaction logs for PITR",
    ),
    Assumption(
        "backup_copies_incremental",
        True,
        "bool",
        "cross-region snapshot copies transfer only changed blocks after the first (false: full copies)",
    ),
    Assumption(
        "backup_months_without_lifecycle", 12, "months", "age of backups kept without a deletion rule"
    ),
    Assumption(
        "rds_enhanced_monitoring_gb", 0.1, "GB/month", "RDSOSMetrics log volume per monitored instance"
    ),
    # Logs
    Assumption(
        "log_gb_flow_logs_active", 5.0, "GB/month", "VPC flow logs (all traffic) of the serving region"
    ),
    Assumption("log_gb_flow_logs_standby", 0.5, "GB/month", "VPC flow logs of the standby region"),
    Assumption("log_gb_rds_postgresql", 1.0, "GB/month", "PostgreSQL log exported per database instance"),
    Assumption("log_gb_lambda", 0.2, "GB/month", "log of each function log group"),
    Assumption("log_gb_state_machine", 0.01, "GB/month", "execution log of each state machine"),
    Assumption("log_gb_other", 0.05, "GB/month", "any other log group"),
    Assumption("log_months_without_retention", 12, "months", "age of logs kept without a retention setting"),
    Assumption("alb_access_logs_gb_active", 2.0, "GB/month", "access logs of a serving-region ALB"),
    Assumption("alb_access_logs_gb_standby", 0.05, "GB/month", "access logs of a standby-region ALB"),
    Assumption("s3_other_bucket_gb", 1.0, "GB", "data kept in any other bucket"),
    # Serverless and operations (small volumes)
    Assumption(
        "lambda_invocations_per_function", 10_000, "invocations/month", "invocations of each function"
    ),
    Assumption("lambda_average_duration_ms", 300, "ms", "average billed duration of an invocation"),
    Assumption("dynamodb_writes_per_table", 10_000, "WRU/month", "on-demand write request units per table"),
    Assumption("dynamodb_reads_per_table", 50_000, "RRU/month", "on-demand read request units per table"),
    Assumption("dynamodb_storage_gb_per_table", 0.1, "GB", "data kept in each table"),
    Assumption("sns_publishes_per_topic", 100, "publishes/month", "messages published to each topic"),
    Assumption(
        "sns_notifications_per_subscription",
        30,
        "deliveries/month",
        "e-mail or SMS deliveries per subscription",
    ),
    Assumption("sqs_requests_per_queue", 10_000, "requests/month", "API requests per queue"),
    Assumption(
        "state_transitions_per_state_machine", 1_000, "transitions/month", "per standard state machine"
    ),
    Assumption(
        "express_executions_per_state_machine", 1_000, "executions/month", "per express state machine"
    ),
    Assumption("express_duration_ms", 200, "ms", "average duration of an express execution"),
    Assumption(
        "secret_api_requests_per_secret", 10_000, "requests/month", "GetSecretValue and friends per secret"
    ),
    Assumption("kms_requests_per_key", 10_000, "requests/month", "cryptographic requests per key"),
    Assumption(
        "kms_rotations_billed",
        0,
        "rotations",
        "rotations billed per key: 0 in its first year, 1 the second, 2 after",
    ),
    Assumption("fis_experiments_per_template", 1, "experiments/month", "game-day runs of each FIS template"),
    Assumption("fis_minutes_per_action", 10, "minutes", "duration of each action of an experiment"),
    Assumption(
        "config_evaluations_per_rule", 1_000, "evaluations/month", "evaluations of each AWS Config rule"
    ),
    Assumption(
        "route53_health_checks_on_aws_endpoints",
        True,
        "bool",
        "health checks probe AWS endpoints of the same account (a load balancer); false: non-AWS rates",
    ),
)

DEFAULT_ASSUMPTIONS: Mapping[str, Assumption] = MappingProxyType({a.name: a for a in _DEFAULTS})


def _checked(name: str, value: Any, where: str) -> float | bool:
    default = DEFAULT_ASSUMPTIONS.get(name)
    if default is None:
        known = ", ".join(sorted(DEFAULT_ASSUMPTIONS))
        raise ValueError(f"unknown cost assumption {name!r} ({where}): use one of {known}")
    if isinstance(default.value, bool):
        if not isinstance(value, bool):
            raise ValueError(f"cost assumption {name} ({where}) must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(
            f"cost assumption {name} ({where}) must be a number >= 0 in {default.unit}, got {value!r}: "
            f"e.g. --assume {name}={default.value}"
        )
    return value


class Assumptions(Mapping[str, Assumption]):
    """The assumptions in force for one environment: defaults, then ``"*"``, then the environment's own."""

    def __init__(self, overrides: Mapping[str, Any] | None = None, *, where: str = "override") -> None:
        table = dict(DEFAULT_ASSUMPTIONS)
        for name, value in (overrides or {}).items():
            _checked(name, value, where)
            table[name] = replace(table[name], value=value, overridden=True)
        self._table = MappingProxyType(table)

    @classmethod
    def for_environment(cls, env: str, scoped: Mapping[str, Mapping[str, Any]] | None) -> Assumptions:
        merged: dict[str, Any] = {}
        for scope in ("*", env):
            for name, value in ((scoped or {}).get(scope) or {}).items():
                _checked(name, value, f"assumptions.{scope}")
                merged[name] = value
        return cls(merged, where=f"environment {env}")

    def __getitem__(self, name: str) -> Assumption:
        return self._table[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def v(self, name: str) -> float:
        """The numeric value of one assumption (raises KeyError for an unknown name: a bug, not input)."""
        return float(self._table[name].value)

    def flag(self, name: str) -> bool:
        return bool(self._table[name].value)

    def as_dict(self) -> dict[str, Any]:
        return {
            a.name: {
                "value": a.value,
                "unit": a.unit,
                "description": a.description,
                "overridden": a.overridden,
            }
            for a in self._table.values()
        }


def validate_scoped(scoped: Mapping[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """Check a ``{"*"|ENV: {NAME: VALUE}}`` object; every bad key fails with its name."""
    if not isinstance(scoped, Mapping):
        raise ValueError(f"{where}: 'assumptions' must be an object {{\"*\"|ENV: {{NAME: VALUE}}}}")
    result: dict[str, dict[str, Any]] = {}
    for scope, section in scoped.items():
        if not isinstance(section, Mapping):
            raise ValueError(f"{where}: assumptions.{scope} must be an object {{NAME: VALUE}}")
        for name, value in section.items():
            _checked(name, value, f"{where}: assumptions.{scope}")
        result[str(scope)] = dict(section)
    return result


def load_assumption_file(path: Path) -> dict[str, dict[str, Any]]:
    """Read ``{"assumptions": {"*"|ENV: {NAME: VALUE}}, "notes": {...}}`` (notes are for reviewers)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"--assumptions {path}: no such file") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"--assumptions {path}: not valid JSON ({error})") from None
    if not isinstance(data, dict) or set(data) - {"assumptions", "notes"}:
        unknown = sorted(set(data) - {"assumptions", "notes"}) if isinstance(data, dict) else []
        raise ValueError(
            f"--assumptions {path}: expected an object with only 'assumptions' and 'notes'"
            + (f" (unknown key(s): {', '.join(unknown)})" if unknown else "")
        )
    return validate_scoped(data.get("assumptions") or {}, f"--assumptions {path}")


def parse_assumption(text: str) -> tuple[str, float | bool]:
    """``NAME=VALUE`` from the command line (numbers, or true/false)."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep:
        raise ValueError(f"--assume expects NAME=VALUE, got {text!r}: e.g. nat_data_gb_active=100")
    lowered = raw.strip().lower()
    value: float | bool
    if lowered in ("true", "false"):
        value = lowered == "true"
    else:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"--assume {name}: {raw!r} is not a number (or true/false)") from None
    _checked(name, value, "--assume")
    return name, value
