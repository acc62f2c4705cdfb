"""Reusable AWS CDK constructs for self-healing web services with cross-region disaster recovery.

    from constructs_lib import ResilientVpc, AutoHealingWebService, AutoHealing, SeverityTopics

Each construct takes keyword-only, typed props with documented defaults and knows nothing about
environments or config files: the app in ``stacks/`` reads those and passes plain values.
"""

from constructs_lib.alarms import (
    DEFAULT_THRESHOLDS,
    FAST_BURN,
    SLOW_BURN,
    AlarmThreshold,
    AvailabilityBurnRateAlarms,
    BurnRateWindow,
    CompositeHealthAlarm,
    CpuEarlyWarning,
    DatabaseTarget,
    EndpointAvailabilityCheck,
    LatencyAnomaly,
    PauseSwitchAlarm,
    ServiceAlarms,
    SeverityCompositeAlarms,
    WebServiceMetricFactory,
    alarm_name,
    thresholds_with_overrides,
)
from constructs_lib.audit import AuditRules
from constructs_lib.dashboards import HealingActivityMonitoring, OperationsDashboard
from constructs_lib.database import (
    DEFAULT_ENGINE_VERSION,
    DatabaseNetwork,
    DatabaseRole,
    ResilientDatabase,
    database_arn,
)
from constructs_lib.disaster_recovery import (
    CrossRegionBackup,
    DrBackupVault,
    DrStrategy,
    FailoverEndpoint,
    RegionalFailover,
    backup_vault_arn,
    health_check_arn,
    region_switch_states,
)
from constructs_lib.dr_runbooks import (
    BackupRestoreDrillRunbook,
    DatabaseFailoverDrillRunbook,
    PitrDrillRunbook,
    PitrRestoreRunbook,
    RegionFailbackRunbook,
    RegionFailoverRunbook,
    RegionRestoreRunbook,
)
from constructs_lib.escalation import EscalationPolicy, EscalationTier, default_tiers
from constructs_lib.gameday import AzOutageExperiment
from constructs_lib.healing import AutoHealing
from constructs_lib.network import ResilientVpc
from constructs_lib.notifications import (
    SEVERITIES,
    NotificationEndpoints,
    SeverityEndpoints,
    SeverityTopics,
    SlackChannel,
)
from constructs_lib.runbook_validation import (
    granted_iam_actions,
    missing_iam_actions,
    required_iam_actions,
    validate_automation_document,
)
from constructs_lib.runbooks import InstanceRecoveryRunbook, instance_recovery_document
from constructs_lib.web_service import AutoHealingWebService, NightlyStop, TargetHealthCheck

__all__ = [
    "DEFAULT_ENGINE_VERSION",
    "DEFAULT_THRESHOLDS",
    "FAST_BURN",
    "SEVERITIES",
    "SLOW_BURN",
    "AlarmThreshold",
    "AuditRules",
    "AutoHealing",
    "AutoHealingWebService",
    "AvailabilityBurnRateAlarms",
    "AzOutageExperiment",
    "BackupRestoreDrillRunbook",
    "BurnRateWindow",
    "CompositeHealthAlarm",
    "CpuEarlyWarning",
    "CrossRegionBackup",
    "DatabaseFailoverDrillRunbook",
    "DatabaseNetwork",
    "DatabaseRole",
    "DatabaseTarget",
    "DrBackupVault",
    "DrStrategy",
    "EndpointAvailabilityCheck",
    "EscalationPolicy",
    "EscalationTier",
    "FailoverEndpoint",
    "HealingActivityMonitoring",
    "InstanceRecoveryRunbook",
    "LatencyAnomaly",
    "NightlyStop",
    "NotificationEndpoints",
    "OperationsDashboard",
    "PauseSwitchAlarm",
    "PitrDrillRunbook",
    "PitrRestoreRunbook",
    "RegionFailbackRunbook",
    "RegionFailoverRunbook",
    "RegionRestoreRunbook",
    "RegionalFailover",
    "ResilientDatabase",
    "ResilientVpc",
    "ServiceAlarms",
    "SeverityCompositeAlarms",
    "SeverityEndpoints",
    "SeverityTopics",
    "SlackChannel",
    "TargetHealthCheck",
    "WebServiceMetricFactory",
    "alarm_name",
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
]
