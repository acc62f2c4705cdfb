"""AutoHealing: the rules, the function that repairs, its ledger and its safety net, in one construct."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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

from constructs_lib._core import AppProbe, IPauseSwitch, Naming, Severity, SeverityAlarm
from constructs_lib.healing.commands import InstanceCommands
from constructs_lib.healing.detector import (
    DEFAULT_DETECTOR_INTERVAL,
    DetectorRunbook,
    add_detector,
    runbooks_by_incident,
)
from constructs_lib.healing.patterns import (
    alarm_state_change_pattern,
    auto_scaling_failure_pattern,
    ec2_health_pattern,
    ec2_state_change_pattern,
    event_pattern,
    rds_instance_event_pattern,
)
from constructs_lib.healing.permissions import ENVIRONMENT_TAG_KEY, grant_healing_permissions
from constructs_lib.healing.runtime import POWERTOOLS_LAYER_PARAMETER, contract, handler_code
from constructs_lib.healing.validation import validate_props
from constructs_lib.nag import acknowledge
from constructs_lib.runbooks import InstanceRecoveryRunbook

__all__ = ["COMPONENT", "ENVIRONMENT_TAG_KEY", "SUPPRESS_TAG_KEY", "AutoHealing"]

COMPONENT = contract.OWN_ALARM_COMPONENT
"""Component part of this construct's own alarm names; its rules never deliver those alarms."""
SUPPRESS_TAG_KEY = contract.DEFAULT_SUPPRESS_TAG_KEY
"""Tag that leaves a resource alone (value ``true``)."""


class AutoHealing(Construct):
    """Event-driven self-healing for one application environment in one region.

    The function receives these environment variables (the handler's contract):

    - ``APP_NAME``, ``ENVIRONMENT_NAME``: ``naming.app``, ``naming.environment``.
    - ``ENVIRONMENT_TAG_KEY``: ``Environment``. The function acts only on resources whose tag of
      this key equals ``ENVIRONMENT_NAME`` (IAM enforces the same).
    - ``SUPPRESS_TAG_KEY``: ``autoheal:suppress``. A resource tagged with it (value ``true``) is
      left alone.
    - ``LEDGER_TABLE_NAME``: the incident ledger (``pk``/``sk`` strings, TTL ``expires_at``).
    - ``PAUSE_PARAMETER_NAME``: ``pause_switch.parameter_name``; anything but ``false`` (a person's
      ``true``, the nightly stop's ``scheduled``, an unknown value, no parameter) means act on nothing.
    - ``TOPIC_ARNS``: JSON object severity -> topic ARN (the keys of ``notification_topics``).
    - ``DRY_RUN``: ``true``/``false``: decide and report, but make no mutating call.
    - ``MAX_ACTIONS_PER_RESOURCE_PER_HOUR``: past it, escalate instead of acting.
    - ``INCIDENT_WINDOW_SECONDS``: events about the same resource within it are one incident.
    - ``WEB_SERVICE_UNIT``, ``HEALTH_CHECK_PORT``, ``HEALTH_CHECK_PATH``: ``app_probe``'s unit, port
      and path: the web service to restart and the endpoint that proves it healthy
      (``http://127.0.0.1:<port><path>`` on the instance).
    - ``COMMAND_DOCUMENT_NAME``: the Run Command document (``instance_commands``), the only one the
      function may send.
    - ``RECOVERY_RUNBOOK_NAME``, ``RECOVERY_RUNBOOK_ROLE_ARN``: the instance-recovery runbook and
      its role; empty strings when ``recovery_runbook`` is not given.
    - ``ALARM_NAME_PREFIX``: alarms of this environment start with it. This construct's own
      alarms are named ``<APP_NAME>-<ENVIRONMENT_NAME>-autoheal-<signal>-high``; its rules and
      subscriptions never deliver them, and the handler should ignore them if they ever arrive.
    - ``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``,
      ``POWERTOOLS_TRACE_DISABLED`` (``true`` unless ``tracing``).

    Props are checked before anything is built (``ValueError`` naming the prop, the value and the
    fix); the numeric limits' ranges are :func:`~constructs_lib.healing.validate_healing_limits`'s, which an
    app can call on its own settings first.

    :param naming: The app and environment, e.g. ``Naming(app="webapp", environment="prod")``; the
        environment is also the ``Environment`` tag value every mutating permission requires. Its
        component, when set, must be ``autoheal``: this construct's own alarms are always named
        ``<app>-<env>-autoheal-<signal>-<severity>`` (its rules exclude them by that name).
    :param notification_topics: Topics keyed by severity; must include ``high`` (failures and
        escalations go there, and this construct's alarms with ``notify_alarms_directly``). The
        function may publish to all of them.
    :param pause_switch: The environment's pause switch (``PauseSwitch``, or one imported with
        ``PauseSwitch.from_parameter_name``). The function may read it only.
    :param app_probe: The application's systemd unit, port and health path, as the web service owns
        them (``AutoHealingWebService.app_probe``): what a memory alarm restarts and how the restart is
        verified. Default: ``AppProbe()`` (unit ``webapp``, port 8080, ``/health``).
    :param alarm_name_prefix: Alarms of this environment. Default: ``<app>-<environment>-``.
    :param dry_run: Decide and notify without acting. Default: false.
    :param max_actions_per_resource_per_hour: Actions per resource and incident kind in any 60 minutes
        (a sliding window); past it, escalate instead. Read-only diagnostics take no slot. 1-60.
        Default: 3.
    :param max_replacement_percent: At most this share of an Auto Scaling group's in-service instances
        (at least one) is replaced per ``replacement_window``, across all incidents; the rest is
        escalated. Default: 25.
    :param replacement_window: 1 minute - 1 day. Default: 15 minutes.
    :param incident_window: 1 minute - 1 day. Default: 15 minutes.
    :param stale_event_age: Events older than this are dropped unprocessed (counted as
        ``EventRejected``/``stale``): the state they report may have been changed since, on purpose.
        AWS Health's scheduled changes are acted on until they are due. 1 minute - 6 hours.
        Default: 15 minutes.
    :param instance_commands: The Run Command document the function sends (diagnostics, restart and
        verify); give the instance-recovery runbook the same one. Default: one created here from
        ``app_probe`` (construct id ``InstanceCommands``).
    :param recovery_runbook: Runbook the function may start when a quick fix does not help.
        Default: none (the function escalates instead).
    :param notify_alarms_directly: Give this construct's alarms (dead letters, function errors) an
        action of their own on the ``high`` topic, for apps without composite alarms. Default: false:
        they have no actions; pass :attr:`alarms` to ``SeverityCompositeAlarms``, which pages once per
        incident and is silenced by the pause switch (a child with its own action would page twice,
        the second page deaf to the switch).
    :param alarm_topics_to_subscribe: Topics whose alarm notifications the function also receives
        (the SNS path), filtered to this environment's alarms going into ALARM. Must be in the
        same region. Default: none (EventBridge only).
    :param auto_scaling_group_names: Limit Auto Scaling failure events to these groups.
        Default: every group of the account and region (the function checks tags).
    :param db_instance_identifiers: Limit RDS events to these DB instances. Default: every instance.
    :param removal_policy: For the ledger table and the dead-letter queue (when created here) and the log
        group: a retained dead-letter queue keeps the failed events it holds when the stack goes.
        Default: ``RETAIN``.
    :param log_retention: Default: three months.
    :param powertools_layer_arn: Powertools layer to use. Default: the public Powertools layer of
        release :data:`POWERTOOLS_VERSION` in the stack's region, read at deploy time from
        :data:`POWERTOOLS_LAYER_PARAMETER` (commercial partition only: set it in China/GovCloud).
    :param tracing: Active X-Ray tracing. Default: false.
    :param reserved_concurrency: At most this many runs at once, a brake on mass events (excess
        asynchronous events wait and are retried by Lambda). ``None`` removes the limit, for
        accounts whose concurrency quota is the default 10 (Lambda keeps 10 unreserved). 1-100.
        Default: 5.
    :param retry_attempts: Retries of a failed asynchronous run (0-2). Default: 2.
    :param max_event_age: Events older than this go to the dead-letter queue unprocessed
        (60 s - 6 h). Default: 1 hour.
    :param timeout: Function timeout (1 second - 15 minutes). Default: 2 minutes.
    :param memory_size: MiB (128-10240). Default: 256.
    :param metrics_namespace: Namespace of the function's EMF metrics. Default: ``<app>/AutoHeal``.
    :param log_level: ``POWERTOOLS_LOG_LEVEL``. Default: ``INFO``.
    :param detector_interval: How often the incident detector (``detector.handler`` of the same
        code, with a read-mostly role of its own) scans for impaired instances, groups below desired
        in-service, databases not ``available`` and unhealthy Route 53 health checks of this
        environment and hands what it finds to the function. ``None`` deploys no detector.
        Default: every 5 minutes.
    :param detector_runbooks: Runbook the function starts for a finding of the detector, per incident
        kind (``group-capacity``, ``database-unavailable``, ``database-failure``, ``health-check``);
        the detector follows it to its end. Needs the detector. Default: none; findings are recorded
        and notified.
    :param existing_ledger_table: A table to use as the incident ledger instead of creating one (string
        partition key ``pk``, string sort key ``sk``, time to live on ``expires_at``). Default: a new
        on-demand table, encrypted, with point-in-time recovery, removed per ``removal_policy``.
    :param existing_dead_letter_queue: A queue to use as the dead-letter queue instead of creating one.
        An imported queue gets no resource policy from here: allow ``events.amazonaws.com`` and
        ``sns.amazonaws.com`` to ``sqs:SendMessage`` on it yourself. Default: a new SQS-encrypted
        queue keeping messages 14 days, refusing plain HTTP.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        notification_topics: Mapping[str, sns.ITopic],
        pause_switch: IPauseSwitch,
        app_probe: AppProbe | None = None,
        alarm_name_prefix: str | None = None,
        dry_run: bool = False,
        max_actions_per_resource_per_hour: int = 3,
        max_replacement_percent: int = 25,
        replacement_window: cdk.Duration | None = None,
        incident_window: cdk.Duration | None = None,
        stale_event_age: cdk.Duration | None = None,
        instance_commands: InstanceCommands | None = None,
        recovery_runbook: InstanceRecoveryRunbook | None = None,
        notify_alarms_directly: bool = False,
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
        existing_ledger_table: dynamodb.ITable | None = None,
        existing_dead_letter_queue: sqs.IQueue | None = None,
    ) -> None:
        super().__init__(scope, id)
        if detector_runbooks and detector_interval is None:
            raise ValueError(
                "detector_runbooks needs the incident detector (detector_interval is None): "
                "set detector_interval, or leave detector_runbooks out."
            )
        app_probe = app_probe or AppProbe()
        app_name, environment_name = naming.app, naming.environment
        incident_window = incident_window or cdk.Duration.minutes(15)
        stale_event_age = stale_event_age or cdk.Duration.minutes(15)
        replacement_window = replacement_window or cdk.Duration.minutes(15)
        max_event_age = max_event_age or cdk.Duration.hours(1)
        timeout = timeout or cdk.Duration.minutes(2)
        alarm_name_prefix = (
            alarm_name_prefix
            if alarm_name_prefix is not None
            else contract.default_alarm_name_prefix(app_name, environment_name)
        )
        metrics_namespace = metrics_namespace or contract.default_metrics_namespace(app_name)
        validate_props(
            naming=naming,
            notification_topics=notification_topics,
            app_probe=app_probe,
            alarm_name_prefix=alarm_name_prefix,
            max_actions_per_resource_per_hour=max_actions_per_resource_per_hour,
            max_replacement_percent=max_replacement_percent,
            replacement_window=replacement_window,
            incident_window=incident_window,
            stale_event_age=stale_event_age,
            reserved_concurrency=reserved_concurrency,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            timeout=timeout,
            memory_size=memory_size,
            metrics_namespace=metrics_namespace,
            log_level=log_level,
        )
        self._code = handler_code()  # raises FileNotFoundError naming the fix when the folder is missing

        stack = cdk.Stack.of(self)
        self.naming = naming.for_component(COMPONENT)
        self.app_probe = app_probe
        self.pause_switch = pause_switch
        self.instance_commands = instance_commands or InstanceCommands(
            self, "InstanceCommands", app_probe=app_probe
        )
        self.alarm_name_prefix = alarm_name_prefix
        self.metrics_namespace = metrics_namespace
        self.service_name = contract.service_name(app_name)
        self.notification_topics: Mapping[str, sns.ITopic] = dict(notification_topics)
        own_alarm_prefix = contract.own_alarm_prefix(app_name, environment_name)

        # --- storage: ledger and dead-letter queue --------------------------------------------
        self.ledger: dynamodb.ITable = existing_ledger_table or dynamodb.Table(
            self,
            "Ledger",
            partition_key=dynamodb.Attribute(
                name=contract.LEDGER_PARTITION_KEY, type=dynamodb.AttributeType.STRING
            ),
            sort_key=dynamodb.Attribute(name=contract.LEDGER_SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=contract.LEDGER_TTL_ATTRIBUTE,
            removal_policy=removal_policy,
        )
        self.dead_letter_queue: sqs.IQueue = existing_dead_letter_queue or sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
            removal_policy=removal_policy,
        )
        if existing_dead_letter_queue is None:
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
            contract.APP_NAME: app_name,
            contract.ENVIRONMENT_NAME: environment_name,
            contract.ENVIRONMENT_TAG_KEY: ENVIRONMENT_TAG_KEY,
            contract.SUPPRESS_TAG_KEY: SUPPRESS_TAG_KEY,
            contract.LEDGER_TABLE_NAME: self.ledger.table_name,
            contract.PAUSE_PARAMETER_NAME: pause_switch.parameter_name,
            contract.TOPIC_ARNS: stack.to_json_string(
                {k: t.topic_arn for k, t in sorted(notification_topics.items())}
            ),
            contract.DRY_RUN: "true" if dry_run else "false",
            contract.MAX_ACTIONS_PER_RESOURCE_PER_HOUR: str(max_actions_per_resource_per_hour),
            contract.INCIDENT_WINDOW_SECONDS: str(int(incident_window.to_seconds())),
            contract.STALE_EVENT_SECONDS: str(int(stale_event_age.to_seconds())),
            contract.MAX_REPLACEMENT_PERCENT: str(max_replacement_percent),
            contract.REPLACEMENT_WINDOW_SECONDS: str(int(replacement_window.to_seconds())),
            contract.WEB_SERVICE_UNIT: app_probe.service_unit,
            contract.HEALTH_CHECK_PORT: str(app_probe.port),
            contract.HEALTH_CHECK_PATH: app_probe.health_path,
            contract.COMMAND_DOCUMENT_NAME: self.instance_commands.document_name,
            contract.RECOVERY_RUNBOOK_NAME: recovery_runbook.document_name if recovery_runbook else "",
            contract.RECOVERY_RUNBOOK_ROLE_ARN: recovery_runbook.role.role_arn if recovery_runbook else "",
            contract.ALARM_NAME_PREFIX: alarm_name_prefix,
            contract.RUNBOOKS_BY_INCIDENT: runbooks_by_incident(self, detector_runbooks or {}),
            contract.POWERTOOLS_SERVICE_NAME: self.service_name,
            contract.POWERTOOLS_METRICS_NAMESPACE: metrics_namespace,
            contract.POWERTOOLS_LOG_LEVEL: log_level,
            contract.POWERTOOLS_TRACE_DISABLED: "false" if tracing else "true",
        }
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
        grant_healing_permissions(self, stack, recovery_runbook)

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
                event_pattern=event_pattern(pattern),
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
        high = notification_topics["high"] if notify_alarms_directly else None
        self.alarms: list[SeverityAlarm] = [
            SeverityAlarm(
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
                Severity.HIGH,
                "dlq",
            ),
            SeverityAlarm(
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
                Severity.HIGH,
                "errors",
            ),
        ]
        """This construct's alarms (dead letters, function errors), each with its severity."""

        # --- incident detector: the same code's scheduled entry point -------------------------
        self.detector: lambda_.Function | None = None
        """The incident detector, when deployed."""
        self.detector_role: iam.IRole | None = None
        """The detector's own read-mostly role, when deployed."""
        if detector_interval is not None:
            self.detector, self.detector_rule = add_detector(
                self,
                interval=detector_interval,
                environment=environment,
                timeout=timeout,
                memory_size=memory_size,
                runbooks=detector_runbooks or {},
                code=self._code,
                layer=self._layer,
            )
            self.detector_role = self.detector.role

    def _alarm(
        self, id: str, *, signal: str, metric: cloudwatch.IMetric, description: str, topic: sns.ITopic | None
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            id,
            alarm_name=self.naming.alarm_name(signal, Severity.HIGH),
            alarm_description=description,
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if topic is not None:
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
        dimensions = {contract.SERVICE_DIMENSION: self.service_name, **kwargs.pop("dimensions_map", {})}
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
