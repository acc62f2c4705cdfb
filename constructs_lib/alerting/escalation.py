"""EscalationPolicy: staged paging with Step Functions (Incident Manager is closed to new customers).

An alarm entering ALARM starts the state machine. For each tier in turn it waits until the tier is
due, re-reads the alarm (``DescribeAlarms`` with ``AlarmTypes=["CompositeAlarm", "MetricAlarm"]``,
so composites are seen), stops as soon as the alarm has left ALARM (or the pause switch is on), and
otherwise notifies the tier's topic.

Waits come from the execution input, so a drill or a test can shorten them::

    {"alarmName": "webapp-prod-web-incident-critical", "enteredAlarmAt": "...", "waitSeconds": [1, 1, 1]}

``waitSeconds[i]`` is the wait before tier ``i`` (seconds since the previous tier). When the input
has no ``waitSeconds`` (a manual start), the configured schedule is used; the EventBridge rule passes
the configured schedule explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from constructs_lib._core import (
    PAUSE_OFF,
    IPauseSwitch,
    Naming,
    Severity,
    SeverityAlarm,
    validate_name,
    validate_severity,
)
from constructs_lib.monitoring.naming import with_component
from constructs_lib.nag import acknowledge

_ALARM_NAME = re.compile(r"^[^\s*?]{1,255}$")


@dataclass(frozen=True, kw_only=True)
class EscalationTier:
    """One step of the escalation: who is told, and when.

    ``escalate_after`` counts from the moment the alarm entered ALARM; tiers must be in increasing
    order. The alarm's own action (the severity topic) has already told the first line at time 0.
    """

    name: str
    """Short name used in state names and messages, e.g. ``on-call-email`` (lowercase, digits, '-')."""
    topic: sns.ITopic
    escalate_after: cdk.Duration


def default_tiers(
    *, on_call_email_topic: sns.ITopic, on_call_sms_topic: sns.ITopic, team_lead_topic: sns.ITopic
) -> tuple[EscalationTier, ...]:
    """The default policy: 15 min -> email the on-call, 30 min -> SMS, 60 min -> the team lead.

    With :class:`~constructs_lib.alerting.topics.SeverityTopics` and its default routing, the email
    topic is ``topics["high"]`` and the SMS topic ``topics["critical"]``; the team lead usually has a
    topic of their own.
    """
    return (
        EscalationTier(
            name="on-call-email", topic=on_call_email_topic, escalate_after=cdk.Duration.minutes(15)
        ),
        EscalationTier(name="on-call-sms", topic=on_call_sms_topic, escalate_after=cdk.Duration.minutes(30)),
        EscalationTier(name="team-lead", topic=team_lead_topic, escalate_after=cdk.Duration.minutes(60)),
    )


class EscalationPolicy(Construct):
    """A Step Functions state machine that escalates an alarm still in ALARM, tier after tier.

    Started by an EventBridge rule on "CloudWatch Alarm State Change" into ALARM for
    ``alarm_names`` (or every alarm starting with ``alarm_name_prefix``), typically the high and
    critical composites of :class:`~constructs_lib.monitoring.composites.SeverityCompositeAlarms`.

    :param naming: app and environment of the state machine, log group and failure alarm
        (``{app}-{env}-{component}-failed-{severity}``). Default component: ``escalation``.
    :param tiers: escalation tiers, in order (see :func:`default_tiers` for the default).
    :param alarm_names: alarms whose ALARM starts an escalation. Give this or ``alarm_name_prefix``.
    :param alarm_name_prefix: escalate every alarm whose name starts with this instead.
    :param pause_switch: the pause switch; while it reads anything but "false" (a person's "true", the
        nightly stop's "scheduled", an unknown value) the escalation stops before notifying.
        Default: no pause check.
    :param failure_severity: severity of the alarm on failed executions. Default: ``high``.
    :param log_retention: retention of the execution log. Default: one month.
    :param log_removal_policy: what happens to the execution log when the stack goes. Default: ``DESTROY``
        (an operational log); environments that keep their data pass ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        tiers: Sequence[EscalationTier],
        alarm_names: Sequence[str] | None = None,
        alarm_name_prefix: str | None = None,
        pause_switch: IPauseSwitch | None = None,
        failure_severity: Severity | str = Severity.HIGH,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, id)
        naming = with_component(naming, "escalation")
        failure_severity = validate_severity(failure_severity, prop="failure_severity")
        validate_tiers(tiers)
        if (alarm_names is None) == (alarm_name_prefix is None):
            raise ValueError(
                "give exactly one of alarm_names (e.g. the high and critical composites) "
                "or alarm_name_prefix."
            )
        if alarm_names is not None:
            if not alarm_names:
                raise ValueError("alarm_names is empty: name at least one alarm to escalate.")
            for name in alarm_names:
                if cdk.Token.is_unresolved(name) or not _ALARM_NAME.match(name):
                    raise ValueError(
                        f"alarm_names: {name!r} must be a literal alarm name (no tokens, spaces or "
                        "wildcards): set explicit alarm names, as the alarms of this library do."
                    )
        elif not alarm_name_prefix or not _ALARM_NAME.match(alarm_name_prefix):
            raise ValueError(f"alarm_name_prefix ({alarm_name_prefix!r}) must be a non-empty literal prefix.")
        if pause_switch is not None and not isinstance(pause_switch, IPauseSwitch):
            raise TypeError(
                f"pause_switch must be a pause switch (IPauseSwitch), got {type(pause_switch).__name__}: "
                "pass PauseSwitch(...) or PauseSwitch.from_parameter_name(scope, id, '/app/env/pause')."
            )

        self.tiers = tuple(tiers)
        self.wait_seconds: tuple[int, ...] = self._waits(tiers)
        """Seconds to wait before each tier (the default ``waitSeconds`` input)."""
        stack = cdk.Stack.of(self)
        prefix = naming.prefix

        alarm_arns = (
            [
                stack.format_arn(
                    service="cloudwatch",
                    resource="alarm",
                    resource_name=n,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
                for n in alarm_names
            ]
            if alarm_names is not None
            else [
                stack.format_arn(
                    service="cloudwatch",
                    resource="alarm",
                    resource_name=f"{alarm_name_prefix}*",
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ]
        )
        parameter_arn = pause_switch.parameter_arn if pause_switch is not None else None
        pause_parameter_name = pause_switch.parameter_name if pause_switch is not None else None

        cleared = sfn.Succeed(self, "AlarmCleared", comment="The alarm left ALARM: nobody else needs waking.")
        paused = sfn.Succeed(
            self,
            "Paused",
            comment="The pause switch is not 'false' (a person's pause, the nightly stop's, or an "
            "unknown value).",
        )
        exhausted = sfn.Succeed(self, "AllTiersNotified", comment="Every tier has been told.")

        default_waits = sfn.Pass(
            self,
            "UseConfiguredWaits",
            result=sfn.Result.from_array(list(self.wait_seconds)),
            result_path="$.waitSeconds",
        )
        chain_start: sfn.IChainable | None = None
        previous: sfn.INextable | None = None
        for index, tier in enumerate(tiers):
            number = index + 1
            wait = sfn.Wait(
                self,
                f"WaitForTier{number}",
                state_name=f"Wait before tier {number} ({tier.name})",
                time=sfn.WaitTime.seconds_path(f"$.waitSeconds[{index}]"),
            )
            check = tasks.CallAwsService(
                self,
                f"CheckAlarmBeforeTier{number}",
                state_name=f"Check alarm before tier {number}",
                service="cloudwatch",
                action="describeAlarms",
                iam_action="cloudwatch:DescribeAlarms",
                iam_resources=alarm_arns,
                parameters={
                    "AlarmNames": sfn.JsonPath.array(sfn.JsonPath.string_at("$.alarmName")),
                    "AlarmTypes": ["CompositeAlarm", "MetricAlarm"],
                },
                result_selector={
                    "composite": sfn.JsonPath.list_at("$.CompositeAlarms[*].StateValue"),
                    "metric": sfn.JsonPath.list_at("$.MetricAlarms[*].StateValue"),
                },
                result_path="$.alarmState",
            )
            check.add_retry(errors=["States.TaskFailed"], interval=cdk.Duration.seconds(2), max_attempts=3)
            evaluate = sfn.Pass(
                self,
                f"EvaluateBeforeTier{number}",
                state_name=f"Evaluate alarm before tier {number}",
                parameters={
                    "composite": sfn.JsonPath.array_contains(
                        sfn.JsonPath.list_at("$.alarmState.composite"), "ALARM"
                    ),
                    "metric": sfn.JsonPath.array_contains(
                        sfn.JsonPath.list_at("$.alarmState.metric"), "ALARM"
                    ),
                },
                result_path="$.inAlarm",
            )
            notify = tasks.SnsPublish(
                self,
                f"NotifyTier{number}",
                state_name=f"Notify tier {number} ({tier.name})",
                topic=tier.topic,
                subject=f"ESCALATION {number}/{len(tiers)} ({tier.name}): alarm still in ALARM",
                message_per_subscription_type=True,
                message=sfn.TaskInput.from_object(
                    {
                        "default": sfn.JsonPath.format(
                            f"Escalation tier {number}/{len(tiers)} ({tier.name}): alarm {{}} has been "
                            f"in ALARM since {{}} in {stack.region}. Execution: {{}}",
                            sfn.JsonPath.string_at("$.alarmName"),
                            sfn.JsonPath.string_at("$.enteredAlarmAt"),
                            sfn.JsonPath.string_at("$$.Execution.Id"),
                        ),
                        "sms": sfn.JsonPath.format(
                            f"ESCALATION {number}/{len(tiers)}: {{}} still in ALARM",
                            sfn.JsonPath.string_at("$.alarmName"),
                        ),
                    }
                ),
                result_path=sfn.JsonPath.DISCARD,
            )
            notify.add_retry(errors=["States.TaskFailed"], interval=cdk.Duration.seconds(2), max_attempts=3)
            still = sfn.Choice(
                self, f"StillInAlarmBeforeTier{number}", state_name=f"Still in ALARM before tier {number}?"
            )
            in_alarm = sfn.Condition.or_(
                sfn.Condition.boolean_equals("$.inAlarm.composite", True),
                sfn.Condition.boolean_equals("$.inAlarm.metric", True),
            )
            if parameter_arn is not None:
                read_switch = tasks.CallAwsService(
                    self,
                    f"ReadPauseSwitchBeforeTier{number}",
                    state_name=f"Read pause switch before tier {number}",
                    service="ssm",
                    action="getParameter",
                    iam_action="ssm:GetParameter",
                    iam_resources=[parameter_arn],
                    parameters={"Name": pause_parameter_name},
                    result_selector={"value": sfn.JsonPath.string_at("$.Parameter.Value")},
                    result_path="$.pauseSwitch",
                )
                read_switch.add_retry(
                    errors=["States.TaskFailed"], interval=cdk.Duration.seconds(2), max_attempts=3
                )
                # Fail closed, as the healing function: notify only while the switch is "false".
                is_paused = (
                    sfn.Choice(self, f"PausedBeforeTier{number}", state_name=f"Paused before tier {number}?")
                    .when(sfn.Condition.string_equals("$.pauseSwitch.value", PAUSE_OFF), notify)
                    .otherwise(paused)
                )
                still.when(in_alarm, read_switch.next(is_paused)).otherwise(cleared)
            else:
                still.when(in_alarm, notify).otherwise(cleared)
            wait.next(check).next(evaluate).next(still)

            if previous is None:
                chain_start = wait
            else:
                previous.next(wait)
            previous = notify
        assert previous is not None and chain_start is not None
        previous.next(exhausted)

        has_waits = (
            sfn.Choice(self, "HasWaits", state_name="Waits given in the input?")
            .when(sfn.Condition.is_present("$.waitSeconds"), chain_start)
            .otherwise(default_waits.next(chain_start))
        )

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{prefix}-escalation",
            retention=log_retention,
            removal_policy=log_removal_policy,
        )
        total_wait = sum(self.wait_seconds)
        self.state_machine = sfn.StateMachine(
            self,
            "Resource",
            state_machine_name=f"{prefix}-escalation",
            comment=f"Escalate {prefix} alarms that stay in ALARM: " + ", ".join(t.name for t in tiers),
            definition_body=sfn.DefinitionBody.from_chainable(has_waits),
            timeout=cdk.Duration.seconds(total_wait + 3600),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
        )
        # SnsPublish grants sns:Publish only; an encrypted topic also needs its key (grant_publish adds it).
        for tier in tiers:
            tier.topic.grant_publish(self.state_machine)
        acknowledge(
            self.state_machine.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Step Functions log delivery (logs:*LogDelivery*) and X-Ray (PutTraceSegments) have no "
            "resource-level permissions.",
        )
        acknowledge(
            self.state_machine.role,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Publishing to the encrypted tier topics needs the GenerateDataKey* family on their key.",
        )
        if alarm_name_prefix is not None:
            acknowledge(
                self.state_machine.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:{stack.region}:{stack.account}:"
                f"alarm:{alarm_name_prefix}*]",
                "DescribeAlarms is limited to the alarms sharing the escalated name prefix.",
            )

        detail: dict = {"state": {"value": ["ALARM"]}}
        detail["alarmName"] = (
            list(alarm_names) if alarm_names is not None else [{"prefix": alarm_name_prefix}]
        )
        self.rule = events.Rule(
            self,
            "OnAlarm",
            description=f"Start the {prefix} escalation when an escalated alarm enters ALARM.",
            event_pattern=events.EventPattern(
                source=["aws.cloudwatch"], detail_type=["CloudWatch Alarm State Change"], detail=detail
            ),
            targets=[
                targets.SfnStateMachine(
                    self.state_machine,
                    input=events.RuleTargetInput.from_object(
                        {
                            "alarmName": events.EventField.from_path("$.detail.alarmName"),
                            "enteredAlarmAt": events.EventField.time,
                            "waitSeconds": list(self.wait_seconds),
                        }
                    ),
                    retry_attempts=8,
                )
            ],
        )
        self.failure_alarm = cloudwatch.Alarm(
            self,
            "FailedAlarm",
            alarm_name=naming.alarm_name("failed", failure_severity),
            alarm_description=(
                "An escalation execution failed or timed out: someone may not have been paged. Check the "
                f"execution log {self.log_group.log_group_name}."
            ),
            metric=cloudwatch.MathExpression(
                expression="FILL(failed, 0) + FILL(timedOut, 0)",
                using_metrics={
                    "failed": self.state_machine.metric_failed(
                        period=cdk.Duration.minutes(1), statistic="Sum"
                    ),
                    "timedOut": self.state_machine.metric_timed_out(
                        period=cdk.Duration.minutes(1), statistic="Sum"
                    ),
                },
                label="Failed or timed-out escalations",
                period=cdk.Duration.minutes(1),
            ),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self._failure_severity = failure_severity

    @staticmethod
    def _waits(tiers: Sequence[EscalationTier]) -> tuple[int, ...]:
        waits, previous = [], 0
        for tier in tiers:
            seconds = int(tier.escalate_after.to_seconds())
            waits.append(seconds - previous)
            previous = seconds
        return tuple(waits)

    # -- public API --------------------------------------------------------------------------------
    @property
    def alarms(self) -> list[SeverityAlarm]:
        """The failed-escalation alarm with its severity, for SeverityCompositeAlarms."""
        return [SeverityAlarm(alarm=self.failure_alarm, severity=self._failure_severity, signal="failed")]

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start an escalation by hand (drills)."""
        return self.state_machine.grant_start_execution(grantee)

    def widgets(self) -> list[cloudwatch.IWidget]:
        """Escalations started, succeeded and failed."""
        period = cdk.Duration.minutes(5)
        return [
            cloudwatch.GraphWidget(
                title="Escalations",
                left=[
                    self.state_machine.metric_started(period=period, statistic="Sum", label="Started"),
                    self.state_machine.metric_succeeded(period=period, statistic="Sum", label="Finished"),
                    self.state_machine.metric_failed(period=period, statistic="Sum", label="Failed"),
                ],
                width=8,
            )
        ]


#: At most this many tiers (each is a wait, a check and a notification in the state machine).
MAX_TIERS = 10
#: The last tier comes at most this long after the alarm entered ALARM.
MAX_ESCALATION = cdk.Duration.days(7)


def validate_tiers(tiers: Sequence[EscalationTier], *, prop: str = "tiers") -> None:
    """Check an escalation's tiers; ``ValueError`` naming the first that breaks a rule, and the fix.

    The rules (:class:`EscalationPolicy` applies them to its ``tiers``): 1 to :data:`MAX_TIERS`
    tiers; each ``name`` a resource-name part (:func:`~constructs_lib._core.validate_name`) used once;
    each ``escalate_after`` later than the previous tier's (the first may be 0); the last within
    :data:`MAX_ESCALATION` (7 days).

    Only ``name`` and ``escalate_after`` are read, so an app can check its tiers before it has their
    topics: anything with those two attributes will do. ``prop`` names the tiers in messages.
    """
    if not tiers:
        raise ValueError(f"{prop} is empty: give at least one tier (who is told, and after how long).")
    if len(tiers) > MAX_TIERS:
        raise ValueError(f"{prop} has {len(tiers)} tiers; at most {MAX_TIERS} are supported: merge some.")
    names: set[str] = set()
    previous: cdk.Duration | None = None
    for index, tier in enumerate(tiers):
        validate_name(tier.name, prop=f"{prop}[{index}].name")
        if tier.name in names:
            raise ValueError(
                f"{prop}[{index}].name ({tier.name!r}) is used twice: tier names must be unique."
            )
        names.add(tier.name)
        after = tier.escalate_after
        if previous is not None and after.to_seconds() <= previous.to_seconds():
            raise ValueError(
                f"{prop}[{index}].escalate_after ({after.to_human_string()}) must be later than the "
                f"previous tier's ({previous.to_human_string()}): list tiers in escalation order."
            )
        previous = after
    if previous is not None and previous.to_seconds() > MAX_ESCALATION.to_seconds():
        raise ValueError(
            f"{prop}[{len(tiers) - 1}].escalate_after ({previous.to_human_string()}) is later than "
            f"{MAX_ESCALATION.to_human_string()}: keep escalation within a week."
        )
