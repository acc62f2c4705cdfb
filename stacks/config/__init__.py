"""Environment configuration: read once from the CDK context, validated, frozen.

The context key ``environments`` in ``cdk.json`` holds one block per environment; the optional key
``defaults`` holds values every environment inherits (deep-merged, the environment wins).
``app_name`` names the application. :func:`load_config` turns that raw JSON into :class:`AppConfig`;
every problem raises :class:`ConfigError` whose message names the key path, the bad value and the
fix, so a bad value fails ``cdk synth`` before anything is deployed.

Modules: :mod:`.schema` (the frozen dataclasses), :mod:`.loader` (context -> config),
:mod:`.sections` (the blocks inside an environment), :mod:`.reader` (key paths, unknown keys),
:mod:`.values` (names, regions, labels), :mod:`.naming` (names derived from app and environment),
:mod:`.errors`.
"""

from constructs_lib import SEVERITIES
from stacks.config.errors import ConfigError
from stacks.config.loader import load_config, parse_environment
from stacks.config.schema import (
    DB_INSTANCE_MEMORY_GIB,
    DEFAULT_ESCALATION,
    DR_STRATEGIES,
    LOG_RETENTION_DAYS,
    AlarmThresholds,
    AppConfig,
    BackupConfig,
    Capacity,
    DatabaseConfig,
    DnsConfig,
    EnvironmentConfig,
    EscalationTierConfig,
    HealingConfig,
    HealthCheckConfig,
    MonitoringConfig,
    NotificationConfig,
    RegionConfig,
    ScheduleConfig,
    SeverityEndpoints,
)

__all__ = [
    "DB_INSTANCE_MEMORY_GIB",
    "DEFAULT_ESCALATION",
    "DR_STRATEGIES",
    "LOG_RETENTION_DAYS",
    "SEVERITIES",
    "AlarmThresholds",
    "AppConfig",
    "BackupConfig",
    "Capacity",
    "ConfigError",
    "DatabaseConfig",
    "DnsConfig",
    "EnvironmentConfig",
    "EscalationTierConfig",
    "HealingConfig",
    "HealthCheckConfig",
    "MonitoringConfig",
    "NotificationConfig",
    "RegionConfig",
    "ScheduleConfig",
    "SeverityEndpoints",
    "load_config",
    "parse_environment",
]
