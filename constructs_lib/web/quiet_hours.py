"""NightlyAlarmMute: the nightly stop's quiet hours for alarms that no pause switch can silence.

The paging composites of a region are silenced during the nightly stop by the pause switch (their
actions suppressor). Alarms that cannot be a child of those composites cannot: a Route 53 health
check's alarm lives in us-east-1 (Route 53 publishes its metrics there only), and a composite alarm
can only name alarms of its own region and account (CloudWatch User Guide, "Combining alarms").
Without a mute, such an alarm pages every night the service is scaled to zero on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import Naming
from constructs_lib.web.nightly_pause import SCHEDULE_MAX_EVENT_AGE, SCHEDULE_RETRY_ATTEMPTS
from constructs_lib.web.schedule import NightlyStop, _shift, cron_schedule_in_group, pause_window

__all__ = ["REARM_DELAY_MINUTES", "NightlyAlarmMute"]

REARM_DELAY_MINUTES = 1
"""Minutes between enabling the alarms' actions and re-arming them (``SetAlarmState`` OK).

``EnableAlarmActions`` does not act on the state an alarm already holds: actions run on state
changes only (CloudWatch User Guide, "Alarm actions"). An alarm that went to ALARM while muted, and is
still breaching in the morning, would therefore never page. ``SetAlarmState`` sets a state "only
temporarily": the next evaluation returns the alarm to its actual state (CloudWatch API Reference,
``SetAlarmState``), so setting OK re-arms it, and a still-breaching alarm goes back to ALARM and pages."""


_REARM_REASON = "Re-armed after the nightly stop: the next evaluation sets the actual state."


def _iam_action(api_action: str) -> str:
    """``disableAlarmActions`` -> ``cloudwatch:DisableAlarmActions``."""
    return f"cloudwatch:{api_action[0].upper()}{api_action[1:]}"


class NightlyAlarmMute(Construct):
    """Disables ``alarms``' actions for a :class:`NightlyStop`'s pause window, in the alarms' region.

    Three EventBridge Scheduler schedules per window, at the times the pause switch is set and
    cleared (``pause_lead_minutes`` before the stop, ``resume_delay_minutes`` after the start):
    ``DisableAlarmActions``, then ``EnableAlarmActions``, then, :data:`REARM_DELAY_MINUTES` later, one
    ``SetAlarmState`` OK per alarm so that an alarm still breaching after the start pages.

    Unlike the pause switch, this mute knows nothing of a person's pause: it follows the schedule only
    (a person's maintenance outside the night still pages through these alarms). The morning enables
    the actions whatever disabled them.

    The schedules have a schedule group of their own, so that its ``InvocationDroppedCount``
    (``AWS/Scheduler``: invocations dropped once a schedule's retry policy is exhausted; EventBridge
    Scheduler User Guide, "Monitoring EventBridge Scheduler with Amazon CloudWatch") is theirs alone.
    A dropped unmute leaves the alarms silent for a day, a dropped re-arm leaves one in ALARM without
    a page: with ``notification_topic`` an alarm on that count pages the topic directly.

    :param nightly_stop: the schedule (its time zone, crons, lead and delay).
    :param alarms: the alarms to mute, all in this construct's region (Scheduler calls CloudWatch in
        the schedule's region). Their names may be tokens.
    :param naming: names the schedule group ``{app}-{env}-quiet-hours`` and the dropped-invocation
        alarm ``{app}-{env}-{component}-quiet-hours-dropped-high`` (component default ``operations``).
        Default: generated names.
    :param notification_topic: the topic the dropped-invocation alarm pages. Default: no such alarm.
    :param removal_policy: of the schedule group (removing it removes its schedules). Default: DESTROY.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        nightly_stop: NightlyStop,
        alarms: Sequence[cloudwatch.IAlarm],
        naming: Naming | None = None,
        notification_topic: sns.ITopic | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, id)
        if not alarms:
            raise ValueError("alarms is empty: pass the alarms the nightly stop would otherwise fire.")
        pause_at, resume_at = pause_window(nightly_stop)
        rearm_at = _shift(resume_at, REARM_DELAY_MINUTES, name="nightly_stop.start_cron")
        names = [alarm.alarm_name for alarm in alarms]
        arns = [alarm.alarm_arn for alarm in alarms]
        self.schedule_group = scheduler.ScheduleGroup(
            self,
            "Schedules",
            schedule_group_name=naming.name("quiet-hours") if naming is not None else None,
            removal_policy=removal_policy,
        )
        self.schedules: list[scheduler.Schedule] = []

        def schedule(sid: str, fields: dict[str, str], action: str, body: dict, description: str) -> None:
            target = scheduler_targets.Universal(
                service="cloudwatch",
                action=action,
                input=scheduler.ScheduleTargetInput.from_object(body),
                policy_statements=[iam.PolicyStatement(actions=[_iam_action(action)], resources=arns)],
                retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
                max_event_age=SCHEDULE_MAX_EVENT_AGE,
            )
            self.schedules.append(
                cron_schedule_in_group(
                    self,
                    sid,
                    fields=fields,
                    stop=nightly_stop,
                    target=target,
                    group=self.schedule_group,
                    description=description,
                )
            )

        schedule(
            "MuteBeforeStop",
            pause_at,
            "disableAlarmActions",
            {"AlarmNames": names},
            "Disable the alarm actions of the nightly stop's quiet hours (set with the pause switch).",
        )
        schedule(
            "UnmuteAfterStart",
            resume_at,
            "enableAlarmActions",
            {"AlarmNames": names},
            "Enable the alarm actions again after the morning start (cleared with the pause switch).",
        )
        for index, name in enumerate(names):
            schedule(
                f"Rearm{index}",
                rearm_at,
                "setAlarmState",
                {
                    "AlarmName": name,
                    "StateValue": "OK",
                    "StateReason": _REARM_REASON,
                },
                "Re-arm an alarm after the nightly stop so that one still breaching pages.",
            )
        self.dropped_alarm: cloudwatch.Alarm | None = None
        if notification_topic is not None:
            named = naming if naming is None or naming.component else naming.for_component("operations")
            self.dropped_alarm = cloudwatch.Alarm(
                self,
                "Dropped",
                alarm_name=named.alarm_name("quiet-hours-dropped", "high") if named is not None else None,
                alarm_description=(
                    "EventBridge Scheduler dropped a quiet-hours invocation after its retries: alarm "
                    "actions may still be disabled, or an alarm may sit in ALARM without paging. Run "
                    "EnableAlarmActions and SetAlarmState OK on the muted alarms."
                ),
                metric=self.schedule_group.metric_dropped(period=cdk.Duration.minutes(5), statistic="Sum"),
                threshold=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.dropped_alarm.add_alarm_action(cloudwatch_actions.SnsAction(notification_topic))
