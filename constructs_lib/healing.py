"""AutoHealing: the events that mean "something broke", the function that repairs, and its safety net.

What it builds:

- EventBridge rules with precise patterns (see :data:`EC2_HEALTH_EVENT_TYPE_CODES` and the
  ``*_pattern`` functions): EC2 instances stopping/stopped/terminated; AWS Health EC2 events
  (simplified automatic recovery succeeded/failed, scheduled retirement); this environment's
  metric alarms going into ALARM (name prefix; composite alarms and this construct's own alarms
  excluded); Auto Scaling launch/terminate failures; RDS instance failover/failure events.
- Optionally, subscriptions to alarm topics (the SNS path of alarm notifications), filtered on
  the message body to this environment's alarms going into ALARM.
- The healing function (Python 3.13, code from ``lambda_src/auto_heal``, Powertools from the
  public layer), with asynchronous retries, an event age limit and an on-failure destination.
- A dead-letter queue (encrypted SQS) for everything that could not be delivered or handled: the
  function's on-failure destination, the rules' and the subscriptions' delivery failures.
- An incident ledger (DynamoDB) for idempotency, per-resource locks and rate limits.
- Alarms on the dead-letter queue depth and on the function's errors, to the high-severity topic.

Least privilege: reads are unscoped where the APIs allow nothing else; every mutating call
(start/stop/reboot, Auto Scaling health and capacity, Run Command) is conditioned on the
resource carrying ``Environment=<environment_name>``; starting the recovery runbook is scoped to
that document and passing its role to SSM only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

import lambda_src
from constructs_lib._nag import acknowledge, nag_arn
from constructs_lib.notifications import SEVERITIES, validate_name
from constructs_lib.runbooks import InstanceRecoveryRunbook

__all__ = [
    "EC2_HEALTH_EVENT_TYPE_CODES",
    "EC2_STATES",
    "RDS_EVENT_CATEGORIES",
    "AutoHealing",
    "alarm_state_change_pattern",
    "auto_scaling_failure_pattern",
    "ec2_health_pattern",
    "ec2_state_change_pattern",
    "rds_instance_event_pattern",
]

EC2_STATES: tuple[str, ...] = ("stopping", "stopped", "terminated")
"""EC2 instance states that mean an instance is going or gone."""

EC2_HEALTH_EVENT_TYPE_CODES: tuple[str, ...] = (
    "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS",
    "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE",
    "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
    "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED",
)
"""AWS Health event type codes for EC2 that healing acts on (EC2 User Guide, "Simplified automatic
recovery"; AWS Health User Guide, "Automating instance actions": retirement of instance-store and
EBS-backed instances)."""

RDS_EVENT_CATEGORIES: tuple[str, ...] = ("failover", "failure")
"""RDS event categories of ``RDS DB Instance Event`` that healing records and notifies: Multi-AZ
failover started/completed (RDS-EVENT-0013/0015/0049...), instance failure (RDS-EVENT-0031...)."""

AUTO_SCALING_FAILURES: tuple[str, ...] = (
    "EC2 Instance Launch Unsuccessful",
    "EC2 Instance Terminate Unsuccessful",
)

COMPONENT = "autoheal"
"""Component part of this construct's own alarm names; its rules never deliver those alarms."""

ENVIRONMENT_TAG_KEY = "Environment"
SUPPRESS_TAG_KEY = "autoheal:suppress"

POWERTOOLS_VERSION = "3.37.0"
"""Powertools release the handler is tested with (``requirements-dev.txt`` pins the same)."""
POWERTOOLS_LAYER_PARAMETER = f"/aws/service/powertools/python/x86_64/python3.13/{POWERTOOLS_VERSION}"
"""Public SSM parameter the Powertools team publishes in every commercial region with the ARN of the
layer holding that release: resolved by CloudFormation at deploy time, so the deployed layer is the
tested release, with no version number to guess and no lookup at synth time."""

_LAMBDA_SOURCE = Path(lambda_src.__file__).resolve().parent / "auto_heal"
_UNIT = re.compile(r"[A-Za-z0-9_.@-]{1,128}")
_HEALTH_PATH = re.compile(r"/[A-Za-z0-9_./~-]{0,200}")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


# --------------------------------------------------------------------------------------------
# Event patterns (plain dicts, so tests and other tools can read them without synthesizing)
# --------------------------------------------------------------------------------------------
def ec2_state_change_pattern() -> dict[str, Any]:
    """EC2 instances stopping, stopped or terminated (any instance: the function checks tags)."""
    return {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        "detail": {"state": list(EC2_STATES)},
    }


def ec2_health_pattern() -> dict[str, Any]:
    """AWS Health events for EC2 with the type codes of :data:`EC2_HEALTH_EVENT_TYPE_CODES`."""
    return {
        "source": ["aws.health"],
        "detail-type": ["AWS Health Event"],
        "detail": {"service": ["EC2"], "eventTypeCode": list(EC2_HEALTH_EVENT_TYPE_CODES)},
    }


def alarm_state_change_pattern(alarm_name_prefix: str, own_alarm_prefix: str) -> dict[str, Any]:
    """Metric alarms whose name starts with ``alarm_name_prefix`` going into ALARM.

    Composite alarms (``configuration.alarmRule``) are left to escalation, and alarms whose name
    starts with ``own_alarm_prefix`` (the healing function's own) never reach the function.
    """
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "resources": [{"anything-but": {"wildcard": f"*:alarm:{_escape_wildcard(own_alarm_prefix)}*"}}],
        "detail": {
            "alarmName": [{"prefix": alarm_name_prefix}],
            "state": {"value": ["ALARM"]},
            "configuration": {"alarmRule": [{"exists": False}]},
        },
    }


def auto_scaling_failure_pattern(group_names: Sequence[str] | None = None) -> dict[str, Any]:
    """Auto Scaling launch/terminate failures, for ``group_names`` only when given."""
    pattern: dict[str, Any] = {"source": ["aws.autoscaling"], "detail-type": list(AUTO_SCALING_FAILURES)}
    if group_names:
        pattern["detail"] = {"AutoScalingGroupName": list(group_names)}
    return pattern


def rds_instance_event_pattern(db_instance_identifiers: Sequence[str] | None = None) -> dict[str, Any]:
    """RDS instance events of :data:`RDS_EVENT_CATEGORIES`, for the given instances only when given."""
    detail: dict[str, Any] = {"EventCategories": list(RDS_EVENT_CATEGORIES)}
    if db_instance_identifiers:
        detail["SourceIdentifier"] = list(db_instance_identifiers)
    return {"source": ["aws.rds"], "detail-type": ["RDS DB Instance Event"], "detail": detail}


def _escape_wildcard(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*")


def _event_pattern(pattern: Mapping[str, Any]) -> events.EventPattern:
    """The typed ``EventPattern`` of a plain pattern (``detail`` is passed through as written)."""
    resources: list[str] | None = None
    for value in pattern.get("resources", []):
        wildcard = value.get("anything-but", {}).get("wildcard") if isinstance(value, Mapping) else None
        if wildcard is None:
            raise ValueError(f"unsupported resources filter {value!r}")
        resources = events.Match.anything_but_wildcard(wildcard)
    return events.EventPattern(
        source=pattern["source"],
        detail_type=pattern.get("detail-type"),
        detail=pattern.get("detail"),
        resources=resources,
    )


# --------------------------------------------------------------------------------------------
# The construct
# --------------------------------------------------------------------------------------------
DEFAULT_DETECTOR_INTERVAL = cdk.Duration.minutes(5)
DETECTOR_INCIDENT_KINDS: tuple[str, ...] = (
    "group-capacity",
    "database-unavailable",
    "database-failure",
    "health-check",
)


class _StartableRunbook(Protocol):
    document_name: str
    role: iam.IRole

    def grant_start(self, grantee: iam.IGrantable) -> iam.Grant: ...


@dataclass(frozen=True)
class DetectorRunbook:
    """An Automation runbook the incident detector starts for one incident kind.

    ``resource_parameter`` is the runbook parameter that receives the affected resource's id;
    ``parameters`` are fixed values for the others.
    """

    runbook: _StartableRunbook
    resource_parameter: str
    parameters: Mapping[str, str] = field(default_factory=dict)


class AutoHealing(Construct):
    """Event-driven self-healing for one application environment in one region.

    The function receives these environment variables (the handler's contract):

    - ``APP_NAME``, ``ENVIRONMENT_NAME``: ``app_name``, ``environment_name``.
    - ``ENVIRONMENT_TAG_KEY``: ``Environment``. The function acts only on resources whose tag of
      this key equals ``ENVIRONMENT_NAME`` (IAM enforces the same).
    - ``SUPPRESS_TAG_KEY``: ``autoheal:suppress``. A resource tagged with it (value ``true``) is
      left alone.
    - ``LEDGER_TABLE_NAME``: the incident ledger (``pk``/``sk`` strings, TTL ``expires_at``).
    - ``PAUSE_PARAMETER_NAME``: the environment's pause switch; ``true`` means act on nothing.
    - ``TOPIC_ARNS``: JSON object severity -> topic ARN (the keys of ``notification_topics``).
    - ``DRY_RUN``: ``true``/``false``: decide and report, but make no mutating call.
    - ``MAX_ACTIONS_PER_RESOURCE_PER_HOUR``: past it, escalate instead of acting.
    - ``INCIDENT_WINDOW_SECONDS``: events about the same resource within it are one incident.
    - ``WEB_SERVICE_UNIT``, ``HEALTH_CHECK_PORT``, ``HEALTH_CHECK_PATH``: the web service to restart
      and the endpoint that proves it healthy (``http://127.0.0.1:<port><path>`` on the instance).
    - ``RECOVERY_RUNBOOK_NAME``, ``RECOVERY_RUNBOOK_ROLE_ARN``: the instance-recovery runbook and
      its role; empty strings when ``recovery_runbook`` is not given.
    - ``ALARM_NAME_PREFIX``: alarms of this environment start with it. This construct's own
      alarms are named ``<APP_NAME>-<ENVIRONMENT_NAME>-autoheal-<signal>-high``; its rules and
      subscriptions never deliver them, and the handler should ignore them if they ever arrive.
    - ``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``,
      ``POWERTOOLS_TRACE_DISABLED`` (``true`` unless ``tracing``).

    :param app_name: Application name, e.g. ``webapp``.
    :param environment_name: Environment name, e.g. ``prod``; also the ``Environment`` tag value
        every mutating permission requires.
    :param notification_topics: Topics keyed by severity; must include ``high`` (this construct's
        alarms go there). The function may publish to all of them.
    :param pause_parameter_name: Name of the SSM String parameter of the pause switch,
        e.g. ``/webapp/prod/pause``. The function may read it only.
    :param alarm_name_prefix: Alarms of this environment. Default: ``<app_name>-<environment_name>-``.
    :param dry_run: Decide and notify without acting. Default: false.
    :param max_actions_per_resource_per_hour: Default: 3.
    :param incident_window: Default: 15 minutes.
    :param web_service_unit: systemd unit of the web service. Default: ``webapp``.
    :param health_check_port: Default: 8080.
    :param health_check_path: Default: ``/health``.
    :param recovery_runbook: Runbook the function may start when a quick fix does not help.
        Default: none (the function escalates instead).
    :param alarm_topics_to_subscribe: Topics whose alarm notifications the function also receives
        (the SNS path), filtered to this environment's alarms going into ALARM. Must be in the
        same region. Default: none (EventBridge only).
    :param auto_scaling_group_names: Limit Auto Scaling failure events to these groups.
        Default: every group of the account and region (the function checks tags).
    :param db_instance_identifiers: Limit RDS events to these DB instances. Default: every instance.
    :param removal_policy: For the ledger table and the log group. Default: ``RETAIN``.
    :param log_retention: Default: three months.
    :param powertools_layer_arn: Powertools layer to use. Default: the public Powertools layer of
        release :data:`POWERTOOLS_VERSION` in the stack's region, read at deploy time from
        :data:`POWERTOOLS_LAYER_PARAMETER` (commercial partition only: set it in China/GovCloud).
    :param tracing: Active X-Ray tracing. Default: false.
    :param reserved_concurrency: At most this many runs at once, a brake on mass events (excess
        asynchronous events wait and are retried by Lambda). ``None`` removes the limit, for
        accounts whose concurrency quota is the default 10 (Lambda keeps 10 unreserved).
        Default: 5.
    :param retry_attempts: Retries of a failed asynchronous run (0-2). Default: 2.
    :param max_event_age: Events older than this go to the dead-letter queue unprocessed
        (60 s - 6 h). Default: 1 hour.
    :param timeout: Function timeout. Default: 2 minutes.
    :param memory_size: MiB. Default: 256.
    :param metrics_namespace: Namespace of the function's EMF metrics. Default: ``<app_name>/AutoHeal``.
    :param log_level: ``POWERTOOLS_LOG_LEVEL``. Default: ``INFO``.
    :param detector_interval: How often the incident detector (``detector.handler`` of the same
        code) scans for groups below desired in-service, databases not ``available`` and unhealthy
        Route 53 health checks of this environment. ``None`` deploys no detector.
        Default: every 5 minutes.
    :param detector_runbooks: Runbook the detector starts (and follows) per incident kind
        (``group-capacity``, ``database-unavailable``, ``database-failure``, ``health-check``).
        Default: none; the detector records and notifies.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        notification_topics: Mapping[str, sns.ITopic],
        pause_parameter_name: str,
        alarm_name_prefix: str | None = None,
        dry_run: bool = False,
        max_actions_per_resource_per_hour: int = 3,
        incident_window: cdk.Duration | None = None,
        web_service_unit: str = "webapp",
        health_check_port: int = 8080,
        health_check_path: str = "/health",
        recovery_runbook: InstanceRecoveryRunbook | None = None,
        alarm_topics_to_subscribe: Sequence[sns.ITopic] = (),
        auto_scaling_group_names: Sequence[str] | None = None,
        db_instance_identifiers: Sequence[str] | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
        powertools_layer_arn: str | None = None,
        tracing: bool = False,
        reserved_concurrency: int | None = 5,
        retry_attempts: int = 2,
        max_event_age: cdk.Duration | None = None,
        timeout: cdk.Duration | None = None,
        memory_size: int = 256,
        metrics_namespace: str | None = None,
        log_level: str = "INFO",
        detector_interval: cdk.Duration | None = DEFAULT_DETECTOR_INTERVAL,
        detector_runbooks: Mapping[str, DetectorRunbook] | None = None,
    ) -> None:
        super().__init__(scope, id)
        validate_name(app_name, prop="app_name")
        validate_name(environment_name, prop="environment_name")
        incident_window = incident_window or cdk.Duration.minutes(15)
        max_event_age = max_event_age or cdk.Duration.hours(1)
        timeout = timeout or cdk.Duration.minutes(2)
        alarm_name_prefix = (
            alarm_name_prefix if alarm_name_prefix is not None else f"{app_name}-{environment_name}-"
        )
        metrics_namespace = metrics_namespace or f"{app_name}/AutoHeal"
        _validate(
            notification_topics=notification_topics,
            pause_parameter_name=pause_parameter_name,
            alarm_name_prefix=alarm_name_prefix,
            max_actions_per_resource_per_hour=max_actions_per_resource_per_hour,
            incident_window=incident_window,
            web_service_unit=web_service_unit,
            health_check_port=health_check_port,
            health_check_path=health_check_path,
            reserved_concurrency=reserved_concurrency,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            timeout=timeout,
            memory_size=memory_size,
            metrics_namespace=metrics_namespace,
            log_level=log_level,
        )
        if not _LAMBDA_SOURCE.is_dir():
            raise ValueError(f"the handler code folder {_LAMBDA_SOURCE} is missing: reinstall the package.")

        stack = cdk.Stack.of(self)
        self.app_name = app_name
        self.environment_name = environment_name
        self.alarm_name_prefix = alarm_name_prefix
        self.metrics_namespace = metrics_namespace
        self.service_name = f"{app_name}-autoheal"
        self.notification_topics: Mapping[str, sns.ITopic] = dict(notification_topics)
        own_alarm_prefix = f"{app_name}-{environment_name}-{COMPONENT}-"

        # --- storage: ledger and dead-letter queue --------------------------------------------
        self.ledger = dynamodb.Table(
            self,
            "Ledger",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="expires_at",
            removal_policy=removal_policy,
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            self.dead_letter_queue,
            "AwsSolutions-SQS3",
            "This queue is itself the dead-letter queue (Lambda on-failure destination, EventBridge "
            "target and SNS subscription DLQ); its depth is alarmed and a human drains it.",
        )

        # --- function -------------------------------------------------------------------------
        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=log_retention, removal_policy=removal_policy
        )
        self.role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Auto-healing function of {app_name} {environment_name}",
        )
        self.log_group.grant_write(self.role)

        layer_arn = powertools_layer_arn or ssm.StringParameter.value_for_string_parameter(
            self, POWERTOOLS_LAYER_PARAMETER
        )
        environment = {
            "APP_NAME": app_name,
            "ENVIRONMENT_NAME": environment_name,
            "ENVIRONMENT_TAG_KEY": ENVIRONMENT_TAG_KEY,
            "SUPPRESS_TAG_KEY": SUPPRESS_TAG_KEY,
            "LEDGER_TABLE_NAME": self.ledger.table_name,
            "PAUSE_PARAMETER_NAME": pause_parameter_name,
            "TOPIC_ARNS": stack.to_json_string(
                {k: t.topic_arn for k, t in sorted(notification_topics.items())}
            ),
            "DRY_RUN": "true" if dry_run else "false",
            "MAX_ACTIONS_PER_RESOURCE_PER_HOUR": str(max_actions_per_resource_per_hour),
            "INCIDENT_WINDOW_SECONDS": str(int(incident_window.to_seconds())),
            "WEB_SERVICE_UNIT": web_service_unit,
            "HEALTH_CHECK_PORT": str(health_check_port),
            "HEALTH_CHECK_PATH": health_check_path,
            "RECOVERY_RUNBOOK_NAME": recovery_runbook.document_name if recovery_runbook else "",
            "RECOVERY_RUNBOOK_ROLE_ARN": recovery_runbook.role.role_arn if recovery_runbook else "",
            "ALARM_NAME_PREFIX": alarm_name_prefix,
            "POWERTOOLS_SERVICE_NAME": self.service_name,
            "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
            "POWERTOOLS_LOG_LEVEL": log_level,
            "POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true",
        }
        self._code = lambda_.Code.from_asset(str(_LAMBDA_SOURCE), exclude=["__pycache__", "*.pyc"])
        self._layer = lambda_.LayerVersion.from_layer_version_arn(self, "PowertoolsLayer", layer_arn)
        self.function = lambda_.Function(
            self,
            "Resource",
            description=f"Auto-healing of {app_name} {environment_name}: acts on failure events",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.X86_64,
            handler="handler.handler",
            code=self._code,
            layers=[self._layer],
            role=self.role,
            log_group=self.log_group,
            environment=environment,
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Python 3.13 on purpose: the handler contract and the public Powertools layer "
            "(AWSLambdaPowertoolsPythonV3-python313) are pinned to it; move both together.",
        )

        # --- permissions ----------------------------------------------------------------------
        self._grant_permissions(stack, pause_parameter_name, recovery_runbook)

        # --- event sources --------------------------------------------------------------------
        patterns = {
            "Ec2StateChange": (ec2_state_change_pattern(), "EC2 instances stopping, stopped or terminated"),
            "Ec2Health": (ec2_health_pattern(), "AWS Health: EC2 automatic recovery and retirement"),
            "AlarmStateChange": (
                alarm_state_change_pattern(alarm_name_prefix, own_alarm_prefix),
                f"Alarms named {alarm_name_prefix}* going into ALARM",
            ),
            "AutoScalingFailure": (
                auto_scaling_failure_pattern(auto_scaling_group_names),
                "Auto Scaling launch or terminate unsuccessful",
            ),
            "RdsInstanceEvent": (
                rds_instance_event_pattern(db_instance_identifiers),
                "RDS instance failover and failure events",
            ),
        }
        self.rules: dict[str, events.Rule] = {}
        for rule_id, (pattern, description) in patterns.items():
            rule = events.Rule(
                self,
                rule_id,
                description=f"{app_name} {environment_name}: {description}"[:512],
                event_pattern=_event_pattern(pattern),
            )
            rule.add_target(
                # EventBridge retries delivery failures (throttling, service errors) until
                # max_event_age, then hands the event to the dead-letter queue.
                targets.LambdaFunction(
                    self.function, dead_letter_queue=self.dead_letter_queue, max_event_age=max_event_age
                )
            )
            self.rules[rule_id] = rule

        self.alarm_topic_filter_policy = {
            "AlarmName": sns.FilterOrPolicy.filter(
                sns.SubscriptionFilter.string_filter(match_prefixes=[alarm_name_prefix])
            ),
            "NewStateValue": sns.FilterOrPolicy.filter(
                sns.SubscriptionFilter.string_filter(allowlist=["ALARM"])
            ),
            "AlarmArn": sns.FilterOrPolicy.filter(
                sns.SubscriptionFilter(
                    conditions=[
                        {
                            "anything-but": {
                                "prefix": stack.format_arn(
                                    service="cloudwatch",
                                    resource="alarm",
                                    resource_name=own_alarm_prefix,
                                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                                )
                            }
                        }
                    ]
                )
            ),
        }
        for topic in alarm_topics_to_subscribe:
            topic.add_subscription(
                subscriptions.LambdaSubscription(
                    self.function,
                    dead_letter_queue=self.dead_letter_queue,
                    filter_policy_with_message_body=self.alarm_topic_filter_policy,
                )
            )

        # --- alarms on the safety net ---------------------------------------------------------
        high = notification_topics["high"]
        self.alarms: list[cloudwatch.Alarm] = [
            self._alarm(
                "DeadLetterAlarm",
                signal="dlq",
                metric=self.metric_dead_letter_messages(),
                description=(
                    "Auto-healing could not handle or receive an event: read the dead-letter queue "
                    "(message attributes and body say which event and why), fix, then redrive or delete."
                ),
                topic=high,
            ),
            self._alarm(
                "ErrorsAlarm",
                signal="errors",
                metric=self.metric_errors(),
                description=(
                    "The auto-healing function failed (it retries, then sends the event to the "
                    "dead-letter queue): read its logs for the error and the event id."
                ),
                topic=high,
            ),
        ]
        self.alarms_by_severity: dict[str, list[cloudwatch.Alarm]] = {"high": list(self.alarms)}

        # --- incident detector: the same code's scheduled entry point -------------------------
        self.detector: lambda_.Function | None = None
        if detector_interval is not None:
            self._add_detector(detector_interval, environment, timeout, memory_size, detector_runbooks or {})

    # ------------------------------------------------------------------------------------------
    def _add_detector(
        self,
        interval: cdk.Duration,
        environment: dict[str, str],
        timeout: cdk.Duration,
        memory_size: int,
        runbooks: Mapping[str, DetectorRunbook],
    ) -> None:
        unknown = sorted(set(runbooks) - set(DETECTOR_INCIDENT_KINDS))
        if unknown:
            raise ValueError(
                f"detector_runbooks has unknown incident kind(s) {unknown}: "
                f"use {', '.join(DETECTOR_INCIDENT_KINDS)}."
            )
        stack = cdk.Stack.of(self)
        mapping = {
            kind: {
                "document": rb.runbook.document_name,
                "role_arn": rb.runbook.role.role_arn,
                "resource_parameter": rb.resource_parameter,
                "parameters": dict(rb.parameters),
            }
            for kind, rb in sorted(runbooks.items())
        }
        for rb in runbooks.values():
            rb.runbook.grant_start(self.role)
        self.detector = lambda_.Function(
            self,
            "Detector",
            description="Incident detector: groups below desired, database not available, endpoint unhealthy",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.X86_64,
            handler="detector.handler",
            code=self._code,  # the same asset: one package, two entry points
            layers=[self._layer],
            # One role for the healing service: the detector records in the same ledger and takes
            # the same per-resource locks, so it cannot duplicate what the event path does.
            role=self.role,
            log_group=self.log_group,
            environment={
                **environment,
                "RUNBOOKS_BY_INCIDENT": stack.to_json_string(mapping) if mapping else "{}",
            },
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrent_executions=1,
            retry_attempts=0,  # the next scan is the retry
            on_failure=destinations.SqsDestination(self.dead_letter_queue),
        )
        acknowledge(
            self.detector,
            "AwsSolutions-L1",
            "Python 3.13 on purpose: same asset and Powertools layer as the healing function.",
        )
        self.detector_rule = events.Rule(
            self,
            "DetectorSchedule",
            description=f"{self.environment_name}: scan for incidents every {interval.to_human_string()}",
            schedule=events.Schedule.rate(interval),
        )
        self.detector_rule.add_target(
            targets.LambdaFunction(self.detector, retry_attempts=0, dead_letter_queue=self.dead_letter_queue)
        )

    # ------------------------------------------------------------------------------------------
    def _grant_permissions(
        self, stack: cdk.Stack, pause_parameter_name: str, runbook: InstanceRecoveryRunbook | None
    ) -> None:
        tagged = {"StringEquals": {f"aws:ResourceTag/{ENVIRONMENT_TAG_KEY}": self.environment_name}}
        instances = stack.format_arn(service="ec2", resource="instance", resource_name="*")
        groups = stack.format_arn(
            service="autoscaling",
            resource="autoScalingGroup",
            resource_name="*:autoScalingGroupName/*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        statements = [
            iam.PolicyStatement(
                sid="ReadOnlyDescribe",
                actions=[
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribePolicies",
                    "autoscaling:DescribeWarmPool",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeInstanceRefreshes",
                    "cloudwatch:DescribeAlarms",
                    "cloudwatch:GetMetricData",
                    "ssm:DescribeInstanceInformation",
                    "ssm:ListCommandInvocations",
                    "ssm:GetCommandInvocation",
                    "rds:DescribeDBInstances",
                    # The incident detector's reads (Route 53 is global; these APIs take no resource).
                    "route53:ListHealthChecks",
                    "route53:ListTagsForResource",
                    "route53:ListTagsForResources",
                    "route53:GetHealthCheckStatus",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="ActOnTaggedInstances",
                actions=["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances", "ssm:SendCommand"],
                resources=[instances],
                conditions=tagged,
            ),
            iam.PolicyStatement(
                sid="RunShellScriptDocumentOnly",
                actions=["ssm:SendCommand"],
                resources=[
                    stack.format_arn(
                        service="ssm", account="", resource="document", resource_name="AWS-RunShellScript"
                    )
                ],
            ),
            iam.PolicyStatement(
                sid="ActOnTaggedGroups",
                actions=[
                    "autoscaling:SetInstanceHealth",
                    "autoscaling:SetDesiredCapacity",
                    "autoscaling:TerminateInstanceInAutoScalingGroup",
                ],
                resources=[groups],
                conditions=tagged,
            ),
            iam.PolicyStatement(
                sid="ReadPauseSwitch",
                actions=["ssm:GetParameter"],
                resources=[
                    stack.format_arn(
                        service="ssm", resource="parameter", resource_name=pause_parameter_name.lstrip("/")
                    )
                ],
            ),
        ]
        for statement in statements:
            self.role.add_to_policy(statement)
        self.ledger.grant(
            self.role,
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
        )
        for topic in self.notification_topics.values():
            topic.grant_publish(self.role)
        if runbook is not None:
            runbook.grant_start(self.role)

        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Describe/List/Get calls of EC2, Auto Scaling, CloudWatch, SSM and RDS used to decide; "
            "none supports resource-level permissions or all are read-only. X-Ray writes, when on.",
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{nag_arn(self, 'ec2', 'instance/*')}]",
            "Start/stop/reboot and Run Command only on instances tagged with this environment "
            "(aws:ResourceTag condition); which instance is known only from the event.",
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::"
            f"{nag_arn(self, 'autoscaling', 'autoScalingGroup:*:autoScalingGroupName/*')}]",
            "Instance health and capacity only on groups tagged with this environment "
            "(aws:ResourceTag condition); which group is known only from the event.",
        )
        if any(topic.master_key is not None for topic in self.notification_topics.values()):
            acknowledge(
                self.role,
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "Added by topic.grant_publish for the topics' KMS key only (SNS server-side "
                "encryption); scoped to that key.",
            )

    def _alarm(
        self, id: str, *, signal: str, metric: cloudwatch.IMetric, description: str, topic: sns.ITopic
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            id,
            alarm_name=f"{self.app_name}-{self.environment_name}-{COMPONENT}-{signal}-high",
            alarm_description=description,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        action = cloudwatch_actions.SnsAction(topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm

    # --- metrics ------------------------------------------------------------------------------
    def metric_errors(self, **kwargs: Any) -> cloudwatch.Metric:
        """Failed runs of the function (sum over 5 minutes by default)."""
        return self.function.metric_errors(
            **{"period": cdk.Duration.minutes(5), "statistic": "Sum", **kwargs}
        )

    def metric_throttles(self, **kwargs: Any) -> cloudwatch.Metric:
        """Runs held back by the reserved concurrency (sum over 5 minutes by default)."""
        return self.function.metric_throttles(
            **{"period": cdk.Duration.minutes(5), "statistic": "Sum", **kwargs}
        )

    def metric_invocations(self, **kwargs: Any) -> cloudwatch.Metric:
        """Runs of the function (sum over 5 minutes by default)."""
        return self.function.metric_invocations(
            **{"period": cdk.Duration.minutes(5), "statistic": "Sum", **kwargs}
        )

    def metric_dead_letter_messages(self, **kwargs: Any) -> cloudwatch.Metric:
        """Events waiting in the dead-letter queue (maximum over 1 minute by default)."""
        return self.dead_letter_queue.metric_approximate_number_of_messages_visible(
            **{"period": cdk.Duration.minutes(1), "statistic": "Maximum", **kwargs}
        )

    def metric(self, metric_name: str, **kwargs: Any) -> cloudwatch.Metric:
        """A custom (EMF) metric the function publishes, e.g. per action and outcome.

        Powertools adds the ``service`` dimension; pass ``dimensions_map`` to add others.
        """
        dimensions = {"service": self.service_name, **kwargs.pop("dimensions_map", {})}
        return cloudwatch.Metric(
            namespace=self.metrics_namespace,
            metric_name=metric_name,
            dimensions_map=dimensions,
            **{"period": cdk.Duration.minutes(5), "statistic": "Sum", **kwargs},
        )

    # --- grants -------------------------------------------------------------------------------
    def grant_read_ledger(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the incident ledger (e.g. a dashboard or a report job)."""
        return self.ledger.grant_read_data(grantee)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send events to the function (e.g. an incident detector)."""
        return self.function.grant_invoke(grantee)


def _validate(
    *,
    notification_topics: Mapping[str, sns.ITopic],
    pause_parameter_name: str,
    alarm_name_prefix: str,
    max_actions_per_resource_per_hour: int,
    incident_window: cdk.Duration,
    web_service_unit: str,
    health_check_port: int,
    health_check_path: str,
    reserved_concurrency: int | None,
    retry_attempts: int,
    max_event_age: cdk.Duration,
    timeout: cdk.Duration,
    memory_size: int,
    metrics_namespace: str,
    log_level: str,
) -> None:
    unknown = sorted(set(notification_topics) - set(SEVERITIES))
    if unknown:
        raise ValueError(
            f"notification_topics has unknown severities {unknown}: use keys from {', '.join(SEVERITIES)}."
        )
    if "high" not in notification_topics:
        raise ValueError(
            f"notification_topics (keys {sorted(notification_topics)}) needs a 'high' topic: the "
            "dead-letter and error alarms go there."
        )
    if not re.fullmatch(r"/[A-Za-z0-9_.\-/]{1,1010}", pause_parameter_name):
        raise ValueError(
            f"pause_parameter_name ({pause_parameter_name!r}) must be a full SSM parameter name "
            "starting with '/', e.g. '/webapp/prod/pause'."
        )
    if not alarm_name_prefix or alarm_name_prefix[-1] not in "-_./:":
        raise ValueError(
            f"alarm_name_prefix ({alarm_name_prefix!r}) must end with a separator such as '-', or it "
            "also matches other environments' alarms ('webapp-prod' matches 'webapp-prod2-...')."
        )
    if not 1 <= max_actions_per_resource_per_hour <= 60:
        raise ValueError(
            f"max_actions_per_resource_per_hour ({max_actions_per_resource_per_hour}) must be 1-60."
        )
    if not 60 <= incident_window.to_seconds() <= 86400:
        raise ValueError(
            f"incident_window ({incident_window.to_human_string()}) must be between 1 minute and 1 day."
        )
    if not _UNIT.fullmatch(web_service_unit):
        raise ValueError(
            f"web_service_unit ({web_service_unit!r}) must be a plain systemd unit name "
            "(letters, digits, '_', '.', '@', '-')."
        )
    if not 1 <= health_check_port <= 65535:
        raise ValueError(f"health_check_port ({health_check_port}) must be 1-65535.")
    if not _HEALTH_PATH.fullmatch(health_check_path):
        raise ValueError(
            f"health_check_path ({health_check_path!r}) must start with '/' and use only letters, "
            "digits and '_./~-'."
        )
    if reserved_concurrency is not None and not 1 <= reserved_concurrency <= 100:
        raise ValueError(
            f"reserved_concurrency ({reserved_concurrency}) must be 1-100, or None for no limit."
        )
    if not 0 <= retry_attempts <= 2:
        raise ValueError(f"retry_attempts ({retry_attempts}) must be 0-2 (Lambda's asynchronous limit).")
    if not 60 <= max_event_age.to_seconds() <= 21600:
        raise ValueError(
            f"max_event_age ({max_event_age.to_human_string()}) must be between 60 seconds and 6 hours."
        )
    if not 1 <= timeout.to_seconds() <= 900:
        raise ValueError(f"timeout ({timeout.to_human_string()}) must be between 1 second and 15 minutes.")
    if not 128 <= memory_size <= 10240:
        raise ValueError(f"memory_size ({memory_size}) must be 128-10240 MiB.")
    if not re.fullmatch(r"[A-Za-z0-9_./#:\- ]{1,255}", metrics_namespace) or metrics_namespace.startswith(
        "AWS/"
    ):
        raise ValueError(
            f"metrics_namespace ({metrics_namespace!r}) must be 1-255 letters, digits or '_./#:- ' "
            "and must not start with 'AWS/'."
        )
    if log_level not in _LOG_LEVELS:
        raise ValueError(f"log_level ({log_level!r}) must be one of {', '.join(_LOG_LEVELS)}.")
