"""Pricing rules for operations: CloudWatch alarms, dashboards and logs, Route 53, KMS, Lambda, SNS,
SQS, Step Functions, Secrets Manager, FIS, AWS Config, EventBridge Scheduler and SSM parameters.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .schedule import ScheduleError, weekly_firings

if TYPE_CHECKING:
    from .estimate import Pricing, Rule
    from .templates import Res

# Amazon CloudWatch pricing, "Alarms": an alarm with a period under 60 s is high resolution; a
# metric-math alarm is billed per metric it reads; an anomaly-detection alarm as three metrics (the
# metric and the band's upper and lower bounds).
HIGH_RESOLUTION_BELOW_SECONDS = 60
ANOMALY_BAND_EXTRA_METRICS = 2
# Route 53 health checks: RequestInterval defaults to 30 s; 10 s is the billed "fast interval" option
# (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html).
FAST_INTERVAL_SECONDS = 10
_NO_ENDPOINT_TYPES = {"CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL"}
# AWS KMS pricing: the first and second rotations of a key's material add $1/month each, then no more.
MAX_BILLED_ROTATIONS = 2
EXPRESS_MEMORY_GB = 64 / 1024
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_PER_DAY = {"minute": 1440, "minutes": 1440, "hour": 24, "hours": 24, "day": 1, "days": 1}


def alarm_metrics(props: dict[str, Any]) -> tuple[int, bool]:
    """(billed alarm metrics, high resolution) of one ``AWS::CloudWatch::Alarm``."""
    metrics = props.get("Metrics")
    if not metrics:
        return 1, float(props.get("Period", 60) or 60) < HIGH_RESOLUTION_BELOW_SECONDS
    read = [m for m in metrics if isinstance(m, dict) and "MetricStat" in m]
    bands = sum(1 for m in metrics if "ANOMALY_DETECTION_BAND" in str(m.get("Expression", "")))
    periods = [float((m["MetricStat"] or {}).get("Period", 60) or 60) for m in read]
    high = any(period < HIGH_RESOLUTION_BELOW_SECONDS for period in periods)
    return len(read) + ANOMALY_BAND_EXTRA_METRICS * bands, high


def price_alarm(p: Pricing, alarm: Res) -> None:
    count, high = alarm_metrics(dict(alarm.props))
    kind = "high-resolution" if high else "standard"
    anomaly = "ANOMALY_DETECTION_BAND" in str(alarm.props.get("Metrics", ""))
    basis = f"{count} metric(s)" + (" (anomaly detection: metric + band's 2 bounds)" if anomaly else "")
    key = "cloudwatch.high_res_alarm_metric_month" if high else "cloudwatch.alarm_metric_month"
    p.add("monitoring", f"CloudWatch alarm ({kind})", alarm, count, key, basis)


def price_composite(p: Pricing, alarm: Res) -> None:
    p.add("monitoring", "CloudWatch composite alarm", alarm, 1, "cloudwatch.composite_alarm_month", "1 alarm")


def price_dashboard(p: Pricing, dashboard: Res) -> None:
    p.add("monitoring", "CloudWatch dashboard", dashboard, 1, "cloudwatch.dashboard_month", "1 dashboard")


def _log_kind(p: Pricing, group: Res) -> tuple[str, str, int]:
    """(kind, assumption, how many producers) of a log group."""
    if any(True for _ in p.env.referrers(group, "AWS::EC2::FlowLog")):
        role = "standby" if p.role(group.region) == "standby" else "active"
        return "VPC flow logs", f"log_gb_flow_logs_{role}", 1
    functions = sum(1 for _ in p.env.referrers(group, "AWS::Lambda::Function"))
    name = str(group.props.get("LogGroupName", ""))
    if functions or name.startswith("/aws/lambda/"):
        return "Lambda", "log_gb_lambda", max(functions, 1)
    if name.startswith("/aws/rds/") and name.endswith("/postgresql"):
        return "RDS PostgreSQL", "log_gb_rds_postgresql", 1
    if name.startswith("/aws/vendedlogs/states/") or any(
        True for _ in p.env.referrers(group, "AWS::StepFunctions::StateMachine")
    ):
        return "Step Functions", "log_gb_state_machine", 1
    return "other", "log_gb_other", 1


def price_log_group(p: Pricing, group: Res) -> None:
    kind, assumption, producers = _log_kind(p, group)
    monthly = p.a.v(assumption) * producers
    vended = kind == "VPC flow logs"
    p.add(
        "logs",
        f"{kind} log ingestion",
        group,
        monthly,
        "logs.vended_ingest_gb" if vended else "logs.ingest_gb",
        f"{monthly:g} GB (assumption {assumption}" + (f" x {producers} functions)" if producers > 1 else ")"),
    )
    days = group.props.get("RetentionInDays")
    months = float(days) / (365 / 12) if days else p.a.v("log_months_without_retention")
    p.add(
        "logs",
        f"{kind} log storage",
        group,
        monthly * months,
        "logs.storage_gb_month",
        f"{monthly:g} GB/month kept {months:.1f} months" + ("" if days else " (no retention set)"),
    )


def price_health_check(p: Pricing, check: Res) -> None:
    config = check.props.get("HealthCheckConfig") or {}
    kind = str(config.get("Type", ""))
    aws = p.a.flag("route53_health_checks_on_aws_endpoints") or kind in _NO_ENDPOINT_TYPES
    suffix = "aws" if aws else "non_aws"
    p.add(
        "dns",
        f"Route 53 health check ({kind})",
        check,
        1,
        f"route53.health_check_{suffix}_month",
        "AWS endpoint" if aws else "non-AWS endpoint",
    )
    if kind in _NO_ENDPOINT_TYPES:
        return
    options = [
        name
        for name, on in (
            ("HTTPS", kind.startswith("HTTPS")),
            ("string matching", kind.endswith("STR_MATCH")),
            ("fast 10 s interval", int(config.get("RequestInterval", 30)) == FAST_INTERVAL_SECONDS),
            ("latency measurement", config.get("MeasureLatency") is True),
        )
        if on
    ]
    p.add(
        "dns",
        "Route 53 health-check options",
        check,
        len(options),
        f"route53.health_check_option_{suffix}_month",
        ", ".join(options),
    )


def price_hosted_zone(p: Pricing, zone: Res) -> None:
    p.add("dns", "Route 53 hosted zone", zone, 1, "route53.hosted_zone_month", "1 zone")


def price_key(p: Pricing, key: Res) -> None:
    p.add("security", "KMS key", key, 1, "kms.key_month", "1 key")
    if key.props.get("EnableKeyRotation") is True:
        rotations = min(p.a.v("kms_rotations_billed"), MAX_BILLED_ROTATIONS)
        p.add(
            "security",
            "KMS key rotations",
            key,
            rotations,
            "kms.rotation_month",
            f"{rotations:g} rotations (assumption kms_rotations_billed)",
        )
    requests = p.a.v("kms_requests_per_key")
    p.add("security", "KMS requests", key, requests, "kms.requests", f"{requests:g} requests")


def price_function(p: Pricing, function: Res) -> None:
    invocations = p.a.v("lambda_invocations_per_function")
    memory_gb = float(function.props.get("MemorySize", 128) or 128) / 1024  # Lambda default: 128 MB
    seconds = p.a.v("lambda_average_duration_ms") / 1000
    arm = "arm64" in (function.props.get("Architectures") or [])
    p.add(
        "automation",
        "Lambda requests",
        function,
        invocations,
        "lambda.requests",
        f"{invocations:g} invocations",
    )
    p.add(
        "automation",
        "Lambda duration",
        function,
        invocations * seconds * memory_gb,
        "lambda.gb_second_arm" if arm else "lambda.gb_second_x86",
        f"{invocations:g} x {seconds:g} s x {memory_gb:g} GB",
    )


def price_topic(p: Pricing, topic: Res) -> None:
    publishes = p.a.v("sns_publishes_per_topic")
    p.add("monitoring", "SNS publishes", topic, publishes, "sns.publish", f"{publishes:g} publishes")


def price_subscription(p: Pricing, subscription: Res) -> None:
    protocol = str(subscription.props.get("Protocol", ""))
    count = p.a.v("sns_notifications_per_subscription")
    if protocol in ("email", "email-json"):
        p.add(
            "monitoring", "SNS e-mail notifications", subscription, count, "sns.email", f"{count:g} e-mails"
        )
    elif protocol == "sms":
        endpoint = str(subscription.props.get("Endpoint", ""))
        if not endpoint.startswith("+81"):
            p.notes.append(f"{subscription.id}: SMS to {endpoint[:4]}... priced at the Japanese rate")
        p.add(
            "monitoring", "SNS SMS notifications", subscription, count, "sns.sms_japan", f"{count:g} messages"
        )
    # sqs, lambda, firehose deliveries are free (Amazon SNS pricing, "Notification deliveries").


def price_queue(p: Pricing, queue: Res) -> None:
    requests = p.a.v("sqs_requests_per_queue")
    p.add("automation", "SQS requests", queue, requests, "sqs.requests", f"{requests:g} requests")


def price_state_machine(p: Pricing, machine: Res) -> None:
    if machine.props.get("StateMachineType", "STANDARD") == "EXPRESS":
        runs = p.a.v("express_executions_per_state_machine")
        seconds = p.a.v("express_duration_ms") / 1000
        p.add(
            "automation",
            "Step Functions express requests",
            machine,
            runs,
            "stepfunctions.express_request",
            f"{runs:g} executions",
        )
        # Step Functions pricing: express workflows are billed in 64 MB memory steps (the minimum).
        p.add(
            "automation",
            "Step Functions express duration",
            machine,
            runs * seconds * EXPRESS_MEMORY_GB,
            "stepfunctions.express_gb_second",
            f"{runs:g} x {seconds:g} s x {EXPRESS_MEMORY_GB:g} GB",
        )
        return
    transitions = p.a.v("state_transitions_per_state_machine")
    p.add(
        "automation",
        "Step Functions state transitions",
        machine,
        transitions,
        "stepfunctions.standard_transition",
        f"{transitions:g} transitions",
    )


def price_secret(p: Pricing, secret: Res) -> None:
    p.add("security", "Secrets Manager secret", secret, 1, "secretsmanager.secret_month", "1 secret")
    for replica in secret.props.get("ReplicaRegions") or []:
        region = p.env.literal(secret, replica.get("Region"))
        if isinstance(region, str):
            p.add(
                "security",
                "Secrets Manager replica secret",
                secret,
                1,
                "secretsmanager.secret_month",
                f"replica in {region}",
                region=region,
            )
    requests = p.a.v("secret_api_requests_per_secret")
    p.add(
        "security",
        "Secrets Manager API requests",
        secret,
        requests,
        "secretsmanager.api_requests",
        f"{requests:g} requests",
    )


def price_experiment(p: Pricing, template: Res) -> None:
    actions = len(template.props.get("Actions") or {})
    minutes = actions * p.a.v("fis_minutes_per_action") * p.a.v("fis_experiments_per_template")
    p.add(
        "automation",
        "FIS action-minutes",
        template,
        minutes,
        "fis.action_minute",
        f"{actions} actions x {p.a.v('fis_minutes_per_action'):g} min x "
        f"{p.a.v('fis_experiments_per_template'):g} runs",
    )


def price_config_rule(p: Pricing, rule: Res) -> None:
    evaluations = p.a.v("config_evaluations_per_rule")
    p.add(
        "security",
        "AWS Config rule evaluations",
        rule,
        evaluations,
        "config.rule_evaluation",
        f"{evaluations:g} evaluations",
    )


def price_schedule(p: Pricing, schedule: Res) -> None:
    expression = str(schedule.props.get("ScheduleExpression", ""))
    rate = _RATE.match(expression)
    try:
        if rate:
            per_day = _PER_DAY[rate.group(2)] / max(int(rate.group(1)), 1)
        else:
            per_day = len(weekly_firings(expression)) / 7
    except ScheduleError as error:
        p.notes.append(f"{schedule.id}: {error}; not priced")
        return
    p.add(
        "automation",
        "EventBridge Scheduler invocations",
        schedule,
        per_day * p.days,
        "scheduler.invocations",
        f"{per_day:g}/day ({expression})",
    )


def price_parameter(p: Pricing, parameter: Res) -> None:
    if parameter.props.get("Tier") == "Advanced":
        p.add(
            "automation",
            "SSM advanced parameter",
            parameter,
            1,
            "ssm.advanced_parameter_month",
            "1 parameter",
        )


def price_app_metrics(p: Pricing) -> None:
    """Custom metrics the app publishes itself, in each region where an alarm watches one."""
    for region in p.env.regions:
        custom = any(
            not str(alarm.props.get("Namespace", "AWS/")).startswith(("AWS/", "CWAgent"))
            for alarm in p.env.resources("AWS::CloudWatch::Alarm", region=region)
        )
        if custom:
            count = p.a.v("app_custom_metrics_per_region")
            p.add(
                "monitoring",
                "custom metrics published by the app",
                f"{p.env.stage}/{region}",
                count,
                "cloudwatch.metric_month",
                f"{count:g} metrics (assumption app_custom_metrics_per_region)",
                region=region,
            )


RULES: dict[str, Rule] = {
    "AWS::CloudWatch::Alarm": price_alarm,
    "AWS::CloudWatch::CompositeAlarm": price_composite,
    "AWS::CloudWatch::Dashboard": price_dashboard,
    "AWS::Logs::LogGroup": price_log_group,
    "AWS::Route53::HealthCheck": price_health_check,
    "AWS::Route53::HostedZone": price_hosted_zone,
    "AWS::KMS::Key": price_key,
    "AWS::Lambda::Function": price_function,
    "AWS::SNS::Topic": price_topic,
    "AWS::SNS::Subscription": price_subscription,
    "AWS::SQS::Queue": price_queue,
    "AWS::StepFunctions::StateMachine": price_state_machine,
    "AWS::SecretsManager::Secret": price_secret,
    "AWS::FIS::ExperimentTemplate": price_experiment,
    "AWS::Config::ConfigRule": price_config_rule,
    "AWS::Scheduler::Schedule": price_schedule,
    "AWS::SSM::Parameter": price_parameter,
}
