"""Reusable AWS CDK constructs for self-healing web services with cross-region disaster recovery.

    from constructs_lib import AutoHealingWebService, AutoHealing, Naming, ResilientVpc

One folder per concept; this module only re-exports the public API:

- ``network``: :class:`ResilientVpc`
- ``web``: :class:`AutoHealingWebService` (owns the :class:`AppProbe`), :class:`NightlyStop`
- ``data``: :class:`ResilientDatabase`, backups and their cross-region copies
- ``alerting``: severity topics, escalation, the pause switch
- ``monitoring``: metrics, thresholds, service alarms, composites, SLO burn rates, endpoint checks,
  dashboards, audit rules
- ``healing``: :class:`AutoHealing` (rules, function, ledger, alarms)
- ``runbooks``: SSM Automation runbooks (instance recovery, region failover/failback/restore, PITR, drills)
- ``dr``: DR strategies, DNS failover, FIS experiments
- ``nag``: wiring cdk-nag 3 (the ``nag`` extra) and acknowledging findings; ``testing``: a kit for
  consumer apps' tests (the ``testing`` extra)

Each construct takes keyword-only, typed props with documented defaults and knows nothing about
environments or config files: an app reads those and passes plain values.
"""

from constructs_lib._core import (
    SEVERITIES,
    AlarmSource,
    AppProbe,
    IPauseSwitch,
    Naming,
    Severity,
    SeverityAlarm,
)
from constructs_lib.alerting import (
    EscalationPolicy,
    EscalationTier,
    NotificationEndpoints,
    PauseSwitch,
    PauseSwitchAlarm,
    SeverityEndpoints,
    SeverityTopics,
    SlackChannel,
    default_tiers,
    validate_severity_endpoints,
    validate_tiers,
)
from constructs_lib.data import (
    DEFAULT_ENGINE_VERSION,
    BackupAccountCopy,
    BackupReplication,
    CrossRegionBackup,
    DatabaseBackup,
    DatabaseCredentials,
    DatabaseEndpointParameter,
    DatabaseMaintenance,
    DatabaseMonitoring,
    DatabaseNetwork,
    DatabaseRole,
    DatabaseStorage,
    DrBackupVault,
    ReplicaLagAlarm,
    ReplicaSource,
    ResilientDatabase,
    VaultLock,
    backup_vault_arn,
    database_arn,
)
from constructs_lib.dr import (
    AzOutageExperiment,
    DrStrategy,
    FailoverEndpoint,
    RegionalFailover,
    health_check_arn,
    region_switch_states,
)
from constructs_lib.healing import AutoHealing, validate_healing_limits
from constructs_lib.monitoring import (
    DEFAULT_THRESHOLDS,
    FAST_BURN,
    SLOW_BURN,
    AlarmThreshold,
    AuditRules,
    AvailabilityBurnRateAlarms,
    BurnRateWindow,
    CompositeHealthAlarm,
    CpuEarlyWarning,
    DatabaseTarget,
    EndpointAvailabilityCheck,
    EndpointProbe,
    HealingActivityMonitoring,
    LatencyAnomaly,
    OperationsDashboard,
    ServiceAlarms,
    SeverityCompositeAlarms,
    WebServiceMetricFactory,
    thresholds_with_overrides,
)
from constructs_lib.nag import acknowledge, apply_nag
from constructs_lib.network import ResilientVpc
from constructs_lib.runbooks import (
    BackupRestoreDrillRunbook,
    DatabaseFailoverDrillRunbook,
    InstanceRecoveryRunbook,
    PitrDrillRunbook,
    PitrRestoreRunbook,
    RegionFailbackRunbook,
    RegionFailoverRunbook,
    RegionRestoreRunbook,
    granted_iam_actions,
    instance_recovery_document,
    missing_iam_actions,
    required_iam_actions,
    validate_automation_document,
)
from constructs_lib.web import AutoHealingWebService, NightlyStop, TargetHealthCheck, validate_capacity

__all__ = [
    "DEFAULT_ENGINE_VERSION",
    "DEFAULT_THRESHOLDS",
    "FAST_BURN",
    "SEVERITIES",
    "SLOW_BURN",
    "AlarmSource",
    "AlarmThreshold",
    "AppProbe",
    "AuditRules",
    "AutoHealing",
    "AutoHealingWebService",
    "AvailabilityBurnRateAlarms",
    "AzOutageExperiment",
    "BackupAccountCopy",
    "BackupReplication",
    "BackupRestoreDrillRunbook",
    "BurnRateWindow",
    "CompositeHealthAlarm",
    "CpuEarlyWarning",
    "CrossRegionBackup",
    "DatabaseBackup",
    "DatabaseCredentials",
    "DatabaseEndpointParameter",
    "DatabaseFailoverDrillRunbook",
    "DatabaseMaintenance",
    "DatabaseMonitoring",
    "DatabaseNetwork",
    "DatabaseRole",
    "DatabaseStorage",
    "DatabaseTarget",
    "DrBackupVault",
    "DrStrategy",
    "EndpointAvailabilityCheck",
    "EndpointProbe",
    "EscalationPolicy",
    "EscalationTier",
    "FailoverEndpoint",
    "HealingActivityMonitoring",
    "IPauseSwitch",
    "InstanceRecoveryRunbook",
    "LatencyAnomaly",
    "Naming",
    "NightlyStop",
    "NotificationEndpoints",
    "OperationsDashboard",
    "PauseSwitch",
    "PauseSwitchAlarm",
    "PitrDrillRunbook",
    "PitrRestoreRunbook",
    "RegionFailbackRunbook",
    "RegionFailoverRunbook",
    "RegionRestoreRunbook",
    "RegionalFailover",
    "ReplicaLagAlarm",
    "ReplicaSource",
    "ResilientDatabase",
    "ResilientVpc",
    "ServiceAlarms",
    "Severity",
    "SeverityAlarm",
    "SeverityCompositeAlarms",
    "SeverityEndpoints",
    "SeverityTopics",
    "SlackChannel",
    "TargetHealthCheck",
    "VaultLock",
    "WebServiceMetricFactory",
    "acknowledge",
    "apply_nag",
    "backup_vault_arn",
    "database_arn",
    "default_tiers",
    "granted_iam_actions",
    "health_check_arn",
    "instance_recovery_document",
    "missing_iam_actions",
    "region_switch_states",
    "required_iam_actions",
    "thresholds_with_overrides",
    "validate_automation_document",
    "validate_capacity",
    "validate_healing_limits",
    "validate_severity_endpoints",
    "validate_tiers",
]
