"""Service latencies that no template can tell us: named, sourced and overridable.

Every number the budget uses that is not read from a template comes from this module. Each constant
names the AWS documentation page it comes from (title + URL). Where AWS documents the behaviour but
not a number, the comment says so and the value is our stated, conservative assumption: override it
(``--latency NAME=SECONDS`` or the ``"latencies"`` key of an overrides file) when you have measured
your own, e.g. the boot time of your AMI and user data in a game day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType


@dataclass(frozen=True)
class Latency:
    """One named constant: its value, unit and where it comes from."""

    name: str
    value: float
    unit: str  # "s" (seconds) or "count"
    title: str  # documentation page title (or project document)
    url: str
    note: str  # what exactly the number covers, and whether it is documented or assumed
    overridden: bool = False


# --- Amazon EC2 and EC2 Auto Scaling ------------------------------------------------------------

# Launch request -> instance running -> user data done -> the web process answers /health.
# Amazon EC2 Auto Scaling instance lifecycle:
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html
# AWS gives no number; AL2023 with a small user data script measures 90-120 s. We take the high end.
INSTANCE_BOOT_SECONDS = 120

# Warm pools for Amazon EC2 Auto Scaling:
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-warm-pools.html
# A pre-initialized Stopped (or Hibernated) instance is started and its app comes back up; assumed.
WARM_POOL_STOPPED_SECONDS = 60
# A Running warm-pool instance only moves into the group; assumed.
WARM_POOL_RUNNING_SECONDS = 10

# Health checks for instances in an Auto Scaling group:
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html
# "marks the instance as unhealthy on its next periodic health check": the period is not documented.
ASG_HEALTH_CHECK_POLL_SECONDS = 60
# Same page: "When a status check fails, Amazon EC2 Auto Scaling waits a few minutes for AWS to fix the
# issue" before it replaces an impaired instance that is still running. "A few minutes" -> 300 s.
ASG_IMPAIRED_STATUS_WAIT_SECONDS = 300
# Same page ("How Amazon EC2 Auto Scaling minimizes downtime"): without an instance maintenance
# policy it "only replaces up to 10 percent of the group's desired capacity at a time".
ASG_DEFAULT_REPLACEMENT_PERCENT = 10

# Enable or turn off detailed monitoring for your instances:
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html
# Basic monitoring publishes EC2 metrics every 5 minutes, detailed monitoring every minute.
EC2_BASIC_MONITORING_PERIOD_SECONDS = 300
EC2_DETAILED_MONITORING_PERIOD_SECONDS = 60

# Target tracking scaling policies for Amazon EC2 Auto Scaling:
# https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html
# The scale-out alarm that Auto Scaling creates and manages needs 3 datapoints (within 3 minutes with
# 1-minute metrics), as shown on the alarms it creates.
TARGET_TRACKING_SCALE_OUT_DATAPOINTS = 3

# --- Amazon CloudWatch ---------------------------------------------------------------------------

# Using Amazon CloudWatch alarms:
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
# Alarms with a period of a minute or more are evaluated every minute (10 s for 10/30 s periods).
ALARM_EVALUATION_INTERVAL_SECONDS = 60
# Amazon CloudWatch concepts (metrics):
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html
# Time from the end of a metric's period to the datapoint being visible to an alarm: not documented
# as a number; assumed one minute.
METRIC_INGESTION_DELAY_SECONDS = 60
# CloudWatch agent configuration file, "metrics_collection_interval" (default 60 s):
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html
CWAGENT_COLLECTION_INTERVAL_SECONDS = 60

# --- EventBridge, Lambda, Systems Manager ---------------------------------------------------------

# Amazon EventBridge events: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events.html
# Delivery of a service event to a rule target: near real time, no number documented; assumed.
EVENTBRIDGE_DELIVERY_SECONDS = 5
# Understanding the Lambda execution environment lifecycle:
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
# "The Init phase is limited to 10 seconds": the worst cold start before the handler runs.
LAMBDA_COLD_START_SECONDS = 10
# The healing function's own API calls (describe, SetInstanceHealth, publish); assumed.
HEALING_ACTION_SECONDS = 5
# AWS Systems Manager Run Command:
# https://docs.aws.amazon.com/systems-manager/latest/userguide/run-command.html
# Command delivery to the SSM agent + `systemctl restart` of the web unit; assumed.
SSM_RUN_COMMAND_SECONDS = 30
# Running a simple automation (AWS Systems Manager Automation):
# https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-working-executing.html
# Starting a runbook and reaching its first real step; assumed.
RUNBOOK_START_SECONDS = 60

# --- Amazon RDS ----------------------------------------------------------------------------------

# Failing over a Multi-AZ DB instance for Amazon RDS:
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html
# "Failover times are typically 60-120 seconds." We take the high end.
RDS_MULTI_AZ_FAILOVER_SECONDS = 120
# Same page, "Setting the JVM TTL for DNS name lookups": keep client DNS caches to no more than 60 s,
# so clients reach the new primary within a minute of the DNS change.
DB_CLIENT_DNS_CACHE_SECONDS = 60
# Restoring a DB instance to a specified time for Amazon RDS:
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html
# "RDS uploads transaction logs for DB instances to Amazon S3 every five minutes."
RDS_PITR_LOG_UPLOAD_SECONDS = 300
# Same page: restore time depends on size and log volume, no number documented; assumed for a small DB.
RDS_PITR_RESTORE_SECONDS = 1800
# Restoring to a DB instance (from a snapshot):
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RestoreFromSnapshot.html
# Depends on size; assumed for a small DB.
RDS_SNAPSHOT_RESTORE_SECONDS = 1800
# Promoting a read replica to be a standalone DB instance:
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html
# Promotion includes a reboot and takes "several minutes"; assumed 10 minutes.
RDS_REPLICA_PROMOTION_SECONDS = 600
# Monitoring read replication (ReplicaLag):
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Monitoring.html
# Asynchronous replication has no documented bound; assumed when no ReplicaLag alarm bounds it.
RDS_REPLICA_LAG_SECONDS = 300
# Replicating automated backups to another AWS Region:
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html
# Logs are copied "as soon as they are ready" (every 5 min, see above); the copy itself: assumed.
RDS_BACKUP_REPLICATION_LAG_SECONDS = 600

# --- AWS Backup ----------------------------------------------------------------------------------

# Creating backup copies across AWS Regions:
# https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html
# Duration of a backup job plus its cross-Region copy; assumed for a small DB.
BACKUP_COPY_SECONDS = 3600

# --- Amazon Route 53 -----------------------------------------------------------------------------

# How Amazon Route 53 determines whether a health check is healthy:
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
# HTTP(S) checks must connect within 4 s and get a status within 2 s: one failing check takes <= 6 s.
ROUTE53_CHECK_TIMEOUT_SECONDS = 6
# ChangeResourceRecordSets (API reference): changes "generally propagate to all Route 53 name servers
# within 60 seconds": https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html
ROUTE53_PROPAGATION_SECONDS = 60
# Amazon Route 53 FAQs, DNS failover: "you must use alias records with a fixed TTL of 60 seconds"
# for ELB endpoints: https://aws.amazon.com/route53/faqs/
ALIAS_ELB_TTL_SECONDS = 60

# --- People and procedures (not AWS service latencies; the project's operating assumptions) ------

# The ops plan's escalation policy pages the on-call within its first tier of 15 minutes (issue 4,
# "Staged escalation"): the time for a person to notice, decide and start acting.
OPERATOR_RESPONSE_SECONDS = 900
# A recovery done by hand in the console without a runbook (PITR restore, promotion, DNS); assumed.
MANUAL_PROCEDURE_SECONDS = 1800
# AWS CloudFormation stack deployment of the web tier from zero in the DR region; assumed.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacks.html
STACK_DEPLOY_SECONDS = 1800


_DEFAULTS: tuple[Latency, ...] = (
    Latency(
        "INSTANCE_BOOT_SECONDS",
        INSTANCE_BOOT_SECONDS,
        "s",
        "Amazon EC2 Auto Scaling instance lifecycle",
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html",
        "launch -> running -> user data -> app answers /health; not documented, AL2023 measures 90-120 s",
    ),
    Latency(
        "WARM_POOL_STOPPED_SECONDS",
        WARM_POOL_STOPPED_SECONDS,
        "s",
        "Warm pools for Amazon EC2 Auto Scaling",
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-warm-pools.html",
        "start a pre-initialized Stopped/Hibernated instance and its app; assumed",
    ),
    Latency(
        "WARM_POOL_RUNNING_SECONDS",
        WARM_POOL_RUNNING_SECONDS,
        "s",
        "Warm pools for Amazon EC2 Auto Scaling",
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-warm-pools.html",
        "move a Running warm-pool instance into the group; assumed",
    ),
    Latency(
        "ASG_HEALTH_CHECK_POLL_SECONDS",
        ASG_HEALTH_CHECK_POLL_SECONDS,
        "s",
        "Health checks for instances in an Auto Scaling group",
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html",
        "'on its next periodic health check': period not documented; assumed",
    ),
    Latency(
        "ASG_IMPAIRED_STATUS_WAIT_SECONDS",
        ASG_IMPAIRED_STATUS_WAIT_SECONDS,
        "s",
        "Health checks for instances in an Auto Scaling group",
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html",
        "'waits a few minutes' before replacing a running instance with impaired status checks",
    ),
    Latency(
        "ASG_DEFAULT_REPLACEMENT_PERCENT",
        ASG_DEFAULT_REPLACEMENT_PERCENT,
        "count",
        "Health checks for instances in an Auto Scaling group",
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html",
        "without a maintenance policy, at most 10 % of desired capacity is replaced at a time (min 1)",
    ),
    Latency(
        "EC2_BASIC_MONITORING_PERIOD_SECONDS",
        EC2_BASIC_MONITORING_PERIOD_SECONDS,
        "s",
        "Enable or turn off detailed monitoring for your instances",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html",
        "EC2 metrics every 5 minutes without detailed monitoring",
    ),
    Latency(
        "EC2_DETAILED_MONITORING_PERIOD_SECONDS",
        EC2_DETAILED_MONITORING_PERIOD_SECONDS,
        "s",
        "Enable or turn off detailed monitoring for your instances",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-detailed-monitoring.html",
        "EC2 metrics every minute with detailed monitoring",
    ),
    Latency(
        "TARGET_TRACKING_SCALE_OUT_DATAPOINTS",
        TARGET_TRACKING_SCALE_OUT_DATAPOINTS,
        "count",
        "Target tracking scaling policies for Amazon EC2 Auto Scaling",
        "https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html",
        "datapoints the managed scale-out alarm needs (3 within 3 minutes)",
    ),
    Latency(
        "ALARM_EVALUATION_INTERVAL_SECONDS",
        ALARM_EVALUATION_INTERVAL_SECONDS,
        "s",
        "Using Amazon CloudWatch alarms",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
        "alarms with periods of 60 s or more are evaluated every minute",
    ),
    Latency(
        "METRIC_INGESTION_DELAY_SECONDS",
        METRIC_INGESTION_DELAY_SECONDS,
        "s",
        "Amazon CloudWatch concepts",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html",
        "end of a metric period -> datapoint visible to alarms; not documented, assumed",
    ),
    Latency(
        "CWAGENT_COLLECTION_INTERVAL_SECONDS",
        CWAGENT_COLLECTION_INTERVAL_SECONDS,
        "s",
        "CloudWatch agent configuration file",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html",
        "metrics_collection_interval default",
    ),
    Latency(
        "EVENTBRIDGE_DELIVERY_SECONDS",
        EVENTBRIDGE_DELIVERY_SECONDS,
        "s",
        "Amazon EventBridge events",
        "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events.html",
        "service event -> rule target; not documented, assumed",
    ),
    Latency(
        "LAMBDA_COLD_START_SECONDS",
        LAMBDA_COLD_START_SECONDS,
        "s",
        "Understanding the Lambda execution environment lifecycle",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html",
        "the Init phase is limited to 10 seconds",
    ),
    Latency(
        "HEALING_ACTION_SECONDS",
        HEALING_ACTION_SECONDS,
        "s",
        "Healing function API calls",
        "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetInstanceHealth.html",
        "describe + SetInstanceHealth/publish from the handler; assumed",
    ),
    Latency(
        "SSM_RUN_COMMAND_SECONDS",
        SSM_RUN_COMMAND_SECONDS,
        "s",
        "AWS Systems Manager Run Command",
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/run-command.html",
        "command delivery + systemctl restart of the web unit; assumed",
    ),
    Latency(
        "RUNBOOK_START_SECONDS",
        RUNBOOK_START_SECONDS,
        "s",
        "Running a simple automation",
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-working-executing.html",
        "start an Automation runbook and reach its first step; assumed",
    ),
    Latency(
        "RDS_MULTI_AZ_FAILOVER_SECONDS",
        RDS_MULTI_AZ_FAILOVER_SECONDS,
        "s",
        "Failing over a Multi-AZ DB instance for Amazon RDS",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html",
        "failover times are typically 60-120 seconds (high end)",
    ),
    Latency(
        "DB_CLIENT_DNS_CACHE_SECONDS",
        DB_CLIENT_DNS_CACHE_SECONDS,
        "s",
        "Failing over a Multi-AZ DB instance for Amazon RDS (JVM TTL)",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html",
        "clients should cache the endpoint's DNS for no more than 60 s",
    ),
    Latency(
        "RDS_PITR_LOG_UPLOAD_SECONDS",
        RDS_PITR_LOG_UPLOAD_SECONDS,
        "s",
        "Restoring a DB instance to a specified time for Amazon RDS",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html",
        "transaction logs are uploaded to S3 every five minutes",
    ),
    Latency(
        "RDS_PITR_RESTORE_SECONDS",
        RDS_PITR_RESTORE_SECONDS,
        "s",
        "Restoring a DB instance to a specified time for Amazon RDS",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html",
        "restore to a new instance; depends on size, assumed for a small DB",
    ),
    Latency(
        "RDS_SNAPSHOT_RESTORE_SECONDS",
        RDS_SNAPSHOT_RESTORE_SECONDS,
        "s",
        "Restoring to a DB instance",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RestoreFromSnapshot.html",
        "restore a copied snapshot; depends on size, assumed for a small DB",
    ),
    Latency(
        "RDS_REPLICA_PROMOTION_SECONDS",
        RDS_REPLICA_PROMOTION_SECONDS,
        "s",
        "Promoting a read replica to be a standalone DB instance",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html",
        "promotion with its reboot takes several minutes; assumed 10",
    ),
    Latency(
        "RDS_REPLICA_LAG_SECONDS",
        RDS_REPLICA_LAG_SECONDS,
        "s",
        "Monitoring read replication",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Monitoring.html",
        "cross-Region replica lag when no ReplicaLag alarm bounds it; assumed",
    ),
    Latency(
        "RDS_BACKUP_REPLICATION_LAG_SECONDS",
        RDS_BACKUP_REPLICATION_LAG_SECONDS,
        "s",
        "Replicating automated backups to another AWS Region",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html",
        "cross-Region copy of uploaded transaction logs; assumed",
    ),
    Latency(
        "BACKUP_COPY_SECONDS",
        BACKUP_COPY_SECONDS,
        "s",
        "Creating backup copies across AWS Regions",
        "https://docs.aws.amazon.com/aws-backup/latest/devguide/cross-region-backup.html",
        "backup job + cross-Region copy; assumed for a small DB",
    ),
    Latency(
        "ROUTE53_CHECK_TIMEOUT_SECONDS",
        ROUTE53_CHECK_TIMEOUT_SECONDS,
        "s",
        "How Amazon Route 53 determines whether a health check is healthy",
        "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html",
        "4 s to connect + 2 s to answer for HTTP(S) checks",
    ),
    Latency(
        "ROUTE53_PROPAGATION_SECONDS",
        ROUTE53_PROPAGATION_SECONDS,
        "s",
        "ChangeResourceRecordSets",
        "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html",
        "changes generally propagate to all Route 53 name servers within 60 seconds",
    ),
    Latency(
        "ALIAS_ELB_TTL_SECONDS",
        ALIAS_ELB_TTL_SECONDS,
        "s",
        "Amazon Route 53 FAQs (DNS failover)",
        "https://aws.amazon.com/route53/faqs/",
        "alias records to ELB have a fixed TTL of 60 seconds",
    ),
    Latency(
        "OPERATOR_RESPONSE_SECONDS",
        OPERATOR_RESPONSE_SECONDS,
        "s",
        "Ops plan escalation policy (issue 4): first tier at 15 minutes",
        "",
        "a person notices, decides and starts acting; a project assumption, not an AWS number",
    ),
    Latency(
        "MANUAL_PROCEDURE_SECONDS",
        MANUAL_PROCEDURE_SECONDS,
        "s",
        "Manual recovery without a runbook",
        "",
        "console steps done by hand; a project assumption",
    ),
    Latency(
        "STACK_DEPLOY_SECONDS",
        STACK_DEPLOY_SECONDS,
        "s",
        "AWS CloudFormation stacks",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacks.html",
        "deploy the web tier from zero in the DR region; assumed",
    ),
)


class Latencies(Mapping[str, Latency]):
    """The constants in force: the defaults above, with overrides applied.

    ``Latencies()["INSTANCE_BOOT_SECONDS"].value`` or the shortcut ``latencies.s("INSTANCE_BOOT_SECONDS")``.
    """

    def __init__(self, overrides: Mapping[str, float] | None = None) -> None:
        table = {item.name: item for item in _DEFAULTS}
        for name, value in (overrides or {}).items():
            if name not in table:
                known = ", ".join(sorted(table))
                raise ValueError(f"unknown latency {name!r}: use one of {known}")
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(
                    f"latency {name} must be a number of seconds >= 0, got {value!r}: "
                    f"e.g. --latency {name}=90"
                )
            table[name] = replace(table[name], value=float(value), overridden=True)
        self._table = MappingProxyType(table)

    def __getitem__(self, name: str) -> Latency:
        return self._table[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def s(self, name: str) -> float:
        """The value of one constant (seconds, or a count for the ``count`` ones)."""
        return float(self._table[name].value)


def parse_latency_assignment(text: str) -> tuple[str, float]:
    """Parse ``NAME=SECONDS`` from the command line."""
    name, sep, raw = text.partition("=")
    if not sep:
        raise ValueError(f"--latency expects NAME=SECONDS, got {text!r}: e.g. INSTANCE_BOOT_SECONDS=90")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"--latency {name.strip()}: {raw!r} is not a number of seconds") from None
    return name.strip(), value
