"""Service latencies that no template can tell us: named, sourced, each with a typical and a worst value.

Every number the budget uses that is not read from a template comes from this module. Each constant
names the AWS documentation page it comes from. ``NAME`` is the **worst** value (targets are checked
against it) and ``NAME_TYPICAL`` the typical one. Where AWS documents the behaviour but not a number,
the entry is marked as an assumption (``assumed=True``): override it (``--latency NAME=SECONDS``,
``--latency NAME_TYPICAL=SECONDS`` or the ``"latencies"`` key of an overrides file) with what a game
day measures. A "typical" value of a phase (the wait for the next periodic check) is its mean: half
the period.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

TYPICAL_SUFFIX = "_TYPICAL"


@dataclass(frozen=True)
class Latency:
    """One named constant: its worst (``value``) and typical values, unit, and where they come from."""

    name: str
    value: float  # worst case
    unit: str  # "s" (seconds) or "count"
    title: str  # documentation page title (or project document)
    url: str
    note: str  # what exactly the number covers
    typical: float | None = None  # None: same as the worst
    assumed: bool = False  # AWS documents no number: our stated assumption, to be measured
    overridden: bool = False

    @property
    def typical_value(self) -> float:
        return self.value if self.typical is None else self.typical


_EC2_LIFECYCLE = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html"
_WARM_POOLS = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html"
_ASG_HEALTH = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html"
_STATUS_CHECKS = (
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html"
)
_MONITORING = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html"
_TRACKING = "https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html"
_ALARMS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html"
_CW_CONCEPTS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html"
_CW_AGENT = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
    "CloudWatch-Agent-Configuration-File-Details.html"
)
_EVENTS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events.html"
_LAMBDA_ENV = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html"
_SET_HEALTH = "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html"
_RUN_COMMAND = "https://docs.aws.amazon.com/systems-manager/latest/userguide/run-command.html"
_AUTOMATION = "https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-working-executing.html"
_AUTOMATION_WAIT = "https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-waitForAwsResourceProperty.html"
_MULTI_AZ = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html"
_PITR = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html"
_SNAPSHOT = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RestoreFromSnapshot.html"
_PROMOTE = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html"
_PROMOTE_API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_PromoteReadReplica.html"
_REPLICA_LAG = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Monitoring.html"
_BACKUP_REPLICATION = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html"
_BACKUP_COPY = "https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html"
_R53_HEALTH = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html"
_R53_CHANGE = "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html"
_R53_SIMPLE = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-simple-configs.html"
_R53_ALIAS = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html"
_R53_FAQ = "https://aws.amazon.com/route53/faqs/"
_STACKS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacks.html"

# --- Amazon EC2 and EC2 Auto Scaling ------------------------------------------------------------
# Instance lifecycle (Amazon EC2 Auto Scaling User Guide): AWS gives no boot time. Used only when the
# launch template's user data does not show where the app starts (see boot.py, which derives a cold
# boot from the user data's steps with the four constants below): an assumption.
INSTANCE_BOOT_SECONDS, INSTANCE_BOOT_SECONDS_TYPICAL = 120, 90
# Launch request -> instance "running" (EC2 instance lifecycle): no number documented; assumed.
EC2_LAUNCH_TO_RUNNING_SECONDS, EC2_LAUNCH_TO_RUNNING_SECONDS_TYPICAL = 45, 15
# "running" -> the OS has booted and cloud-init runs the user data: no number documented; assumed.
OS_BOOT_TO_USER_DATA_SECONDS, OS_BOOT_TO_USER_DATA_SECONDS_TYPICAL = 40, 20
# One package-manager install in user data (repository metadata + package, through NAT or endpoints):
# assumed; the line that makes a cold boot slow, and why a baked image or a warm pool helps.
PACKAGE_INSTALL_SECONDS, PACKAGE_INSTALL_SECONDS_TYPICAL = 60, 20
# `systemctl enable --now <app>` until the app answers its health path locally: assumed.
APP_START_SECONDS, APP_START_SECONDS_TYPICAL = 10, 2
# Warm pools ("Use lifecycle hooks with a warm pool"): a pooled Stopped instance is started, the OS
# boots and systemd starts the app installed at first boot; assumed. Counted only when a launch
# lifecycle hook held the instance until its user data finished (AWS does not wait for user data).
WARM_POOL_STOPPED_SECONDS, WARM_POOL_STOPPED_SECONDS_TYPICAL = 60, 40
# A Running pooled instance only moves into the group; assumed.
WARM_POOL_RUNNING_SECONDS, WARM_POOL_RUNNING_SECONDS_TYPICAL = 10, 5
# Health checks for instances in an Auto Scaling group: "marks the instance as unhealthy on its next
# periodic health check": the period is not documented; assumed 60 s (typical: half of it).
ASG_HEALTH_CHECK_POLL_SECONDS, ASG_HEALTH_CHECK_POLL_SECONDS_TYPICAL = 60, 30
# Same page: for a running instance with impaired status checks Auto Scaling "waits a few minutes for
# AWS to fix the issue" before replacing it: "a few minutes" -> 300 s worst, 180 s typical (assumed).
ASG_IMPAIRED_STATUS_WAIT_SECONDS, ASG_IMPAIRED_STATUS_WAIT_SECONDS_TYPICAL = 300, 180
# Same page ("How Amazon EC2 Auto Scaling minimizes downtime"): without an instance maintenance policy
# it "only replaces up to 10 percent of the group's desired capacity at a time".
ASG_DEFAULT_REPLACEMENT_PERCENT = ASG_DEFAULT_REPLACEMENT_PERCENT_TYPICAL = 10
# Status checks for your instances (Amazon EC2 User Guide): "Amazon EC2 performs automated checks
# every minute"; typical: half a minute.
EC2_STATUS_CHECK_INTERVAL_SECONDS, EC2_STATUS_CHECK_INTERVAL_SECONDS_TYPICAL = 60, 30
# Enable or turn off detailed monitoring: basic monitoring every 5 minutes, detailed every minute.
EC2_BASIC_MONITORING_PERIOD_SECONDS = EC2_BASIC_MONITORING_PERIOD_SECONDS_TYPICAL = 300
EC2_DETAILED_MONITORING_PERIOD_SECONDS = EC2_DETAILED_MONITORING_PERIOD_SECONDS_TYPICAL = 60
# Target tracking scaling policies: the managed scale-out alarm needs 3 datapoints (3 of 3 minutes).
TARGET_TRACKING_SCALE_OUT_DATAPOINTS = TARGET_TRACKING_SCALE_OUT_DATAPOINTS_TYPICAL = 3

# --- Amazon CloudWatch ---------------------------------------------------------------------------
# Using Amazon CloudWatch alarms: alarms with a period of a minute or more are evaluated every minute.
ALARM_EVALUATION_INTERVAL_SECONDS, ALARM_EVALUATION_INTERVAL_SECONDS_TYPICAL = 60, 30
# CloudWatch concepts (metrics): end of a period -> datapoint visible to alarms; no number; assumed.
METRIC_INGESTION_DELAY_SECONDS, METRIC_INGESTION_DELAY_SECONDS_TYPICAL = 60, 30
# CloudWatch agent configuration file: metrics_collection_interval defaults to 60 s.
CWAGENT_COLLECTION_INTERVAL_SECONDS = CWAGENT_COLLECTION_INTERVAL_SECONDS_TYPICAL = 60

# --- EventBridge, Lambda, Systems Manager ---------------------------------------------------------
# Amazon EventBridge events: delivery "near real time", no number documented; assumed.
EVENTBRIDGE_DELIVERY_SECONDS, EVENTBRIDGE_DELIVERY_SECONDS_TYPICAL = 5, 1
# Lambda execution environment lifecycle: "The Init phase is limited to 10 seconds" (worst cold
# start); typical: an environment is already warm (assumed 1 s).
LAMBDA_COLD_START_SECONDS, LAMBDA_COLD_START_SECONDS_TYPICAL = 10, 1
# The healing function's own API calls (describe, SetInstanceHealth, publish); assumed.
HEALING_ACTION_SECONDS, HEALING_ACTION_SECONDS_TYPICAL = 5, 2
# AWS Systems Manager Run Command: delivery to the agent + restart of the unit; assumed.
SSM_RUN_COMMAND_SECONDS, SSM_RUN_COMMAND_SECONDS_TYPICAL = 30, 15
# One restart round of the library's Command document (constructs_lib.healing.commands,
# RESTART_ROUND_SECONDS: 10 probes, each up to 3 s, 3 s apart). The worst adds one per round a run may
# take ((RetryCount + 1) rounds); typically the first probe passes (inside SSM_RUN_COMMAND_SECONDS).
COMMAND_RESTART_ROUND_SECONDS, COMMAND_RESTART_ROUND_SECONDS_TYPICAL = 60, 0
# The healing function's restart: RetryCount 0 (lambda_src/auto_heal/contract.py
# COMMAND_RETRIES_BY_FUNCTION), so one round.
FUNCTION_RESTART_ROUNDS = 1
# Running an automation: start -> first step; assumed.
RUNBOOK_START_SECONDS, RUNBOOK_START_SECONDS_TYPICAL = 60, 10
# An Automation step that calls one API (aws:executeAwsApi, aws:assertAwsResourceProperty, aws:branch
# evaluation): no number documented; assumed.
AUTOMATION_STEP_SECONDS, AUTOMATION_STEP_SECONDS_TYPICAL = 5, 1
# An aws:executeScript step that does not wait for anything (its runtime starts, the script runs);
# assumed. Scripts that poll for a resource are timed by what they wait for.
AUTOMATION_SCRIPT_SECONDS, AUTOMATION_SCRIPT_SECONDS_TYPICAL = 15, 5
# aws:waitForAwsResourceProperty re-reads the property at an undocumented interval; assumed.
AUTOMATION_WAIT_POLL_SECONDS, AUTOMATION_WAIT_POLL_SECONDS_TYPICAL = 30, 10

# --- Amazon RDS ----------------------------------------------------------------------------------
# Failing over a Multi-AZ DB instance: "Failover times are typically 60-120 seconds. However, large
# transactions or a lengthy recovery process can increase failover time." Typical: the middle of the
# documented range; worst: an assumption above its top (measure with the database failover drill).
RDS_MULTI_AZ_FAILOVER_SECONDS, RDS_MULTI_AZ_FAILOVER_SECONDS_TYPICAL = 180, 90
# Same page, "Setting the JVM TTL for DNS name lookups": clients should cache DNS for no more than 60 s.
DB_CLIENT_DNS_CACHE_SECONDS, DB_CLIENT_DNS_CACHE_SECONDS_TYPICAL = 60, 30
# Restoring a DB instance to a specified time: "RDS uploads transaction logs ... every five minutes".
RDS_PITR_LOG_UPLOAD_SECONDS, RDS_PITR_LOG_UPLOAD_SECONDS_TYPICAL = 300, 150
# Same page: restore time depends on size and log volume, no number documented; assumed, small DB.
RDS_PITR_RESTORE_SECONDS, RDS_PITR_RESTORE_SECONDS_TYPICAL = 1800, 1200
# Restoring to a DB instance from a snapshot: depends on size; assumed for a small DB.
RDS_SNAPSHOT_RESTORE_SECONDS, RDS_SNAPSHOT_RESTORE_SECONDS_TYPICAL = 1800, 1200
# Promoting a read replica: "RDS reboots the DB instance ... can take several minutes or longer,
# depending on the size of the read replica"; assumed, for a replica that already keeps backups.
RDS_REPLICA_PROMOTION_SECONDS, RDS_REPLICA_PROMOTION_SECONDS_TYPICAL = 600, 300
# PromoteReadReplica (API reference): "we recommend that you enable backups and complete at least one
# backup prior to promotion": a replica without backup retention takes its first backup during the
# promotion; its duration depends on size; assumed for a small DB.
RDS_PROMOTION_FIRST_BACKUP_SECONDS, RDS_PROMOTION_FIRST_BACKUP_SECONDS_TYPICAL = 1200, 300
# Monitoring read replication: asynchronous lag has no documented bound. Used when no ReplicaLag alarm
# with a path to a person enforces one; assumed.
RDS_REPLICA_LAG_SECONDS, RDS_REPLICA_LAG_SECONDS_TYPICAL = 300, 30
# Replicating automated backups to another Region: logs copied "as soon as they are ready"; assumed.
RDS_BACKUP_REPLICATION_LAG_SECONDS, RDS_BACKUP_REPLICATION_LAG_SECONDS_TYPICAL = 600, 300

# --- AWS Backup ----------------------------------------------------------------------------------
# Creating backup copies across AWS Regions: backup job + copy duration; assumed for a small DB.
BACKUP_COPY_SECONDS, BACKUP_COPY_SECONDS_TYPICAL = 3600, 1800

# --- Amazon Route 53 -----------------------------------------------------------------------------
# How Route 53 determines whether a health check is healthy: HTTP(S) checks must connect within 4 s
# and get a status within 2 s; a region that is gone fails the connection (4 s, typical).
ROUTE53_CHECK_TIMEOUT_SECONDS, ROUTE53_CHECK_TIMEOUT_SECONDS_TYPICAL = 6, 4
# ChangeResourceRecordSets: record changes "generally propagate to all Route 53 name servers within
# 60 seconds" (a record *change*: the failover records here never change, their health does).
ROUTE53_PROPAGATION_SECONDS, ROUTE53_PROPAGATION_SECONDS_TYPICAL = 60, 30
# How health checks work in simple Route 53 configurations: Route 53 answers with the records whose
# health checks are healthy; how soon name servers act on a health status change (a switch flipped by
# UpdateHealthCheck) is not documented; assumed.
ROUTE53_HEALTH_FLIP_SECONDS, ROUTE53_HEALTH_FLIP_SECONDS_TYPICAL = 60, 30
# Route 53 FAQs (DNS failover): ELB endpoints need "alias records with a fixed TTL of 60 seconds";
# Developer Guide, choosing alias records: an alias to an AWS resource uses the resource's TTL.
ALIAS_ELB_TTL_SECONDS = ALIAS_ELB_TTL_SECONDS_TYPICAL = 60
# An alias whose target the template does not show (not a load balancer the budget can resolve):
# its TTL is the target's; assumed.
ALIAS_UNKNOWN_TARGET_TTL_SECONDS, ALIAS_UNKNOWN_TARGET_TTL_SECONDS_TYPICAL = 300, 60

# --- People and procedures (the project's operating assumptions, not AWS latencies) ---------------
# The escalation policy's first tier pages within 15 minutes: a person notices, decides and acts.
OPERATOR_RESPONSE_SECONDS, OPERATOR_RESPONSE_SECONDS_TYPICAL = 900, 300
# A recovery done by hand in the console without a runbook (PITR restore, promotion, DNS); assumed.
MANUAL_PROCEDURE_SECONDS, MANUAL_PROCEDURE_SECONDS_TYPICAL = 1800, 900
# AWS CloudFormation stacks: deploying the web tier from zero in the DR region; assumed.
STACK_DEPLOY_SECONDS, STACK_DEPLOY_SECONDS_TYPICAL = 1800, 900


def _entry(name: str, unit: str, title: str, url: str, note: str, *, assumed: bool = False) -> Latency:
    worst, typical = globals()[name], globals()[name + TYPICAL_SUFFIX]
    return Latency(name, float(worst), unit, title, url, note, float(typical), assumed)


_DEFAULTS: tuple[Latency, ...] = (
    _entry("INSTANCE_BOOT_SECONDS", "s", "Amazon EC2 Auto Scaling instance lifecycle", _EC2_LIFECYCLE,
           "cold boot when the user data does not show where the app starts", assumed=True),
    _entry("EC2_LAUNCH_TO_RUNNING_SECONDS", "s", "Amazon EC2 Auto Scaling instance lifecycle", _EC2_LIFECYCLE,
           "launch request -> instance running", assumed=True),
    _entry("OS_BOOT_TO_USER_DATA_SECONDS", "s", "Amazon EC2 Auto Scaling instance lifecycle", _EC2_LIFECYCLE,
           "running -> OS booted, cloud-init runs the user data", assumed=True),
    _entry("PACKAGE_INSTALL_SECONDS", "s", "Amazon EC2 Auto Scaling instance lifecycle", _EC2_LIFECYCLE,
           "one dnf/yum/apt/pip install line of the user data", assumed=True),
    _entry("APP_START_SECONDS", "s", "Amazon EC2 Auto Scaling instance lifecycle", _EC2_LIFECYCLE,
           "systemctl starts the app until it answers locally", assumed=True),
    _entry("WARM_POOL_STOPPED_SECONDS", "s", "Use lifecycle hooks with a warm pool", _WARM_POOLS,
           "start a pooled Stopped instance whose app systemd starts", assumed=True),
    _entry("WARM_POOL_RUNNING_SECONDS", "s", "Use lifecycle hooks with a warm pool", _WARM_POOLS,
           "move a pooled Running instance into the group", assumed=True),
    _entry("ASG_HEALTH_CHECK_POLL_SECONDS", "s", "Health checks for instances in an Auto Scaling group",
           _ASG_HEALTH, "'on its next periodic health check': period not documented", assumed=True),
    _entry("ASG_IMPAIRED_STATUS_WAIT_SECONDS", "s", "Health checks for instances in an Auto Scaling group",
           _ASG_HEALTH, "'waits a few minutes' before replacing an impaired running instance", assumed=True),
    _entry("ASG_DEFAULT_REPLACEMENT_PERCENT", "count", "Health checks for instances in an Auto Scaling group",
           _ASG_HEALTH, "without a maintenance policy, 10 % of desired capacity is replaced at a time"),
    _entry("EC2_STATUS_CHECK_INTERVAL_SECONDS", "s", "Status checks for Amazon EC2 instances", _STATUS_CHECKS,
           "automated status checks every minute"),
    _entry("EC2_BASIC_MONITORING_PERIOD_SECONDS", "s", "Detailed monitoring for your instances", _MONITORING,
           "EC2 metrics every 5 minutes without detailed monitoring"),
    _entry("EC2_DETAILED_MONITORING_PERIOD_SECONDS", "s", "Detailed monitoring for your instances",
           _MONITORING, "EC2 metrics every minute with detailed monitoring"),
    _entry("TARGET_TRACKING_SCALE_OUT_DATAPOINTS", "count", "Target tracking scaling policies", _TRACKING,
           "datapoints the managed scale-out alarm needs (3 within 3 minutes)"),
    _entry("ALARM_EVALUATION_INTERVAL_SECONDS", "s", "Using Amazon CloudWatch alarms", _ALARMS,
           "alarms with periods of 60 s or more are evaluated every minute"),
    _entry("METRIC_INGESTION_DELAY_SECONDS", "s", "Amazon CloudWatch concepts", _CW_CONCEPTS,
           "end of a metric period -> datapoint visible to alarms", assumed=True),
    _entry("CWAGENT_COLLECTION_INTERVAL_SECONDS", "s", "CloudWatch agent configuration file", _CW_AGENT,
           "metrics_collection_interval default"),
    _entry("EVENTBRIDGE_DELIVERY_SECONDS", "s", "Amazon EventBridge events", _EVENTS,
           "service event -> rule target", assumed=True),
    _entry("LAMBDA_COLD_START_SECONDS", "s", "Lambda execution environment lifecycle", _LAMBDA_ENV,
           "the Init phase is limited to 10 seconds; typical: a warm environment"),
    _entry("HEALING_ACTION_SECONDS", "s", "SetInstanceHealth", _SET_HEALTH,
           "describe + SetInstanceHealth/publish from the handler", assumed=True),
    _entry("SSM_RUN_COMMAND_SECONDS", "s", "AWS Systems Manager Run Command", _RUN_COMMAND,
           "command delivery + restart of the web unit", assumed=True),
    _entry("COMMAND_RESTART_ROUND_SECONDS", "s", "AWS Systems Manager Run Command", _RUN_COMMAND,
           "one restart round of the library's Command document: 10 probes, each up to 3 s, 3 s apart"),
    _entry("RUNBOOK_START_SECONDS", "s", "Running an automation", _AUTOMATION,
           "start an Automation runbook and reach its first step", assumed=True),
    _entry("AUTOMATION_STEP_SECONDS", "s", "Running an automation", _AUTOMATION,
           "one Automation step that calls an API or evaluates a branch", assumed=True),
    _entry("AUTOMATION_SCRIPT_SECONDS", "s", "Running an automation", _AUTOMATION,
           "an aws:executeScript step that waits for nothing", assumed=True),
    _entry("AUTOMATION_WAIT_POLL_SECONDS", "s", "aws:waitForAwsResourceProperty", _AUTOMATION_WAIT,
           "how often a wait step re-reads the property", assumed=True),
    _entry("RDS_MULTI_AZ_FAILOVER_SECONDS", "s", "Failing over a Multi-AZ DB instance", _MULTI_AZ,
           "typically 60-120 s (typical: 90); worst: assumed above the documented range", assumed=True),
    _entry("DB_CLIENT_DNS_CACHE_SECONDS", "s", "Failing over a Multi-AZ DB instance (JVM TTL)", _MULTI_AZ,
           "clients should cache the endpoint's DNS for no more than 60 s"),
    _entry("RDS_PITR_LOG_UPLOAD_SECONDS", "s", "Restoring a DB instance to a specified time", _PITR,
           "transaction logs are uploaded every five minutes"),
    _entry("RDS_PITR_RESTORE_SECONDS", "s", "Restoring a DB instance to a specified time", _PITR,
           "restore to a new instance, small DB", assumed=True),
    _entry("RDS_SNAPSHOT_RESTORE_SECONDS", "s", "Restoring to a DB instance", _SNAPSHOT,
           "restore a snapshot, small DB", assumed=True),
    _entry("RDS_REPLICA_PROMOTION_SECONDS", "s", "Promoting a read replica", _PROMOTE,
           "'several minutes or longer'; a replica that keeps backups", assumed=True),
    _entry("RDS_PROMOTION_FIRST_BACKUP_SECONDS", "s", "PromoteReadReplica", _PROMOTE_API,
           "first backup taken during the promotion of a replica without backups", assumed=True),
    _entry("RDS_REPLICA_LAG_SECONDS", "s", "Monitoring read replication", _REPLICA_LAG,
           "cross-Region lag when no paging ReplicaLag alarm bounds it", assumed=True),
    _entry("RDS_BACKUP_REPLICATION_LAG_SECONDS", "s", "Replicating automated backups", _BACKUP_REPLICATION,
           "cross-Region copy of uploaded transaction logs", assumed=True),
    _entry("BACKUP_COPY_SECONDS", "s", "Creating backup copies across AWS Regions", _BACKUP_COPY,
           "backup job + cross-Region copy, small DB", assumed=True),
    _entry("ROUTE53_CHECK_TIMEOUT_SECONDS", "s", "How Route 53 determines whether a health check is healthy",
           _R53_HEALTH, "4 s to connect + 2 s to answer for HTTP(S) checks"),
    _entry("ROUTE53_PROPAGATION_SECONDS", "s", "ChangeResourceRecordSets", _R53_CHANGE,
           "record changes generally propagate within 60 seconds"),
    _entry("ROUTE53_HEALTH_FLIP_SECONDS", "s", "How health checks work in simple Route 53 configurations",
           _R53_SIMPLE, "name servers act on a flipped health check", assumed=True),
    _entry("ALIAS_ELB_TTL_SECONDS", "s", "Route 53 FAQs (DNS failover); choosing alias records", _R53_FAQ,
           "alias records to ELB have a fixed TTL of 60 seconds"),
    _entry("ALIAS_UNKNOWN_TARGET_TTL_SECONDS", "s", "Choosing alias and non-alias records", _R53_ALIAS,
           "alias whose target the templates do not show: the target's TTL", assumed=True),
    _entry("OPERATOR_RESPONSE_SECONDS", "s", "Escalation policy: first tier at 15 minutes", "",
           "a person notices, decides and starts acting (project assumption)", assumed=True),
    _entry("MANUAL_PROCEDURE_SECONDS", "s", "Manual recovery without a runbook", "",
           "console steps done by hand (project assumption)", assumed=True),
    _entry("STACK_DEPLOY_SECONDS", "s", "AWS CloudFormation stacks", _STACKS,
           "deploy the web tier from zero in the DR region", assumed=True),
)  # fmt: skip


class Latencies(Mapping[str, Latency]):
    """The constants in force: the defaults above, with overrides applied.

    ``latencies.s("INSTANCE_BOOT_SECONDS")`` is the worst value, ``latencies.typ(...)`` the typical one.
    An override ``NAME`` sets the worst value (the typical one is capped by it); ``NAME_TYPICAL`` sets
    the typical value.
    """

    def __init__(self, overrides: Mapping[str, float] | None = None) -> None:
        table = {item.name: item for item in _DEFAULTS}
        ordered = sorted((overrides or {}).items(), key=lambda kv: kv[0].endswith(TYPICAL_SUFFIX))
        for key, value in ordered:
            name = key.removesuffix(TYPICAL_SUFFIX)
            if name not in table:
                known = ", ".join(sorted(table))
                raise ValueError(f"unknown latency {key!r}: use one of {known} (or NAME{TYPICAL_SUFFIX})")
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(
                    f"latency {key} must be a number of seconds >= 0, got {value!r}: e.g. --latency {key}=90"
                )
            item = table[name]
            if key.endswith(TYPICAL_SUFFIX):
                if value > item.value:
                    raise ValueError(
                        f"latency {key}={value:g} is above the worst value {name}={item.value:g}: "
                        f"raise {name} too, or lower {key}"
                    )
                table[name] = replace(item, typical=float(value), overridden=True)
            else:
                typical = min(item.typical_value, float(value))
                table[name] = replace(item, value=float(value), typical=typical, overridden=True)
        self._table = MappingProxyType(table)

    def __getitem__(self, name: str) -> Latency:
        return self._table[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def s(self, name: str) -> float:
        """The worst value of one constant (seconds, or a count for the ``count`` ones)."""
        return float(self._table[name].value)

    def typ(self, name: str) -> float:
        """The typical value of one constant."""
        return float(self._table[name].typical_value)


def cite(latencies: Latencies, name: str) -> str:
    """How a constant is cited in a step's source: ``NAME=60s, typical 30s``."""
    item = latencies[name]
    unit = "" if item.unit == "count" else "s"
    typical = f", typical {item.typical_value:g}{unit}" if item.typical_value != item.value else ""
    return f"{name}={item.value:g}{unit}{typical}" + (" (overridden)" if item.overridden else "")


def parse_latency_assignment(text: str) -> tuple[str, float]:
    """Parse ``NAME=SECONDS`` (or ``NAME_TYPICAL=SECONDS``) from the command line."""
    name, sep, raw = text.partition("=")
    if not sep:
        raise ValueError(f"--latency expects NAME=SECONDS, got {text!r}: e.g. INSTANCE_BOOT_SECONDS=90")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"--latency {name.strip()}: {raw!r} is not a number of seconds") from None
    return name.strip(), value
