"""Composite alarms: the Lab's system health, and one paging composite per severity.

* :class:`CompositeHealthAlarm` - (CPU or memory) and latency anomaly.
* :class:`SeverityCompositeAlarms` - one composite per severity from every alarm carrying that
  severity; the composites carry the paging actions, so one incident pages once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import SEVERITIES, Severity, validate_severity
from constructs_lib.monitoring.naming import alarm_name
from constructs_lib.monitoring.service_alarms import _require_topics

_TWO_MINUTES = cdk.Duration.minutes(2)
_FIVE_MINUTES = cdk.Duration.minutes(5)


@runtime_checkable
class AlarmSource(Protocol):
    """Anything that hands out its alarms by severity (ServiceAlarms, CompositeHealthAlarm, ...)."""

    def alarms_by_severity(self) -> Mapping[str, Sequence[cloudwatch.IAlarm]]: ...


class CompositeHealthAlarm(Construct):
    """The Lab's system-health composite: (any saturation alarm) AND the latency anomaly alarm.

    Resource pressure alone is not an incident and a latency blip alone may be noise; both together
    mean users are waiting because the service is short of resources.

    :param saturation_alarms: e.g. the cpu and memory alarms (at least one).
    :param latency_alarm: e.g. :attr:`ServiceAlarms.latency_anomaly_alarm`.
    :param severity: severity this composite carries. Default: ``high``.
    :param notification_topic: topic for its ALARM and OK actions. Default: no actions; feed this
        construct to :class:`SeverityCompositeAlarms` (it implements ``alarms_by_severity()``) so
        one incident pages once.
    :param actions_suppressor: alarm that suppresses the actions while in ALARM (the pause switch).
        Default: actions are never suppressed. Only meaningful with ``notification_topic``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        component: str,
        saturation_alarms: Sequence[cloudwatch.IAlarm],
        latency_alarm: cloudwatch.IAlarm,
        severity: Severity | str = Severity.HIGH,
        notification_topic: sns.ITopic | None = None,
        actions_suppressor: cloudwatch.IAlarm | None = None,
    ) -> None:
        super().__init__(scope, id)
        validate_severity(severity, prop="severity")
        if not saturation_alarms:
            raise ValueError(
                "saturation_alarms is empty: pass at least one alarm (e.g. the cpu and memory alarms)."
            )
        self.severity = severity
        rule = cloudwatch.AlarmRule.all_of(
            cloudwatch.AlarmRule.any_of(*saturation_alarms),
            cloudwatch.AlarmRule.from_alarm(latency_alarm, cloudwatch.AlarmState.ALARM),
        )
        self.alarm = cloudwatch.CompositeAlarm(
            self,
            "Resource",
            composite_alarm_name=alarm_name(app_name, environment_name, component, "system-health", severity),
            alarm_description=(
                "Users wait because the service is short of resources: (CPU or memory) and latency anomaly."
            ),
            alarm_rule=rule,
            actions_suppressor=actions_suppressor if notification_topic is not None else None,
        )
        if notification_topic is not None:
            self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(notification_topic))
            self.alarm.add_ok_action(cloudwatch_actions.SnsAction(notification_topic))

    def alarms_by_severity(self) -> Mapping[str, Sequence[cloudwatch.IAlarm]]:
        return {self.severity: [self.alarm]}


class SeverityCompositeAlarms(Construct):
    """One composite alarm per severity: ALARM when any alarm carrying that severity is in ALARM.

    Named ``{app}-{env}-{component}-incident-{severity}``; each notifies its severity's topic on ALARM
    (and on OK, so a pager can resolve the incident). The child alarms keep no actions, so an
    incident pages once however many signals fire; the healing function still sees every child's
    state change through EventBridge.

    :param sources: objects with ``alarms_by_severity()`` (ServiceAlarms, CompositeHealthAlarm,
        AvailabilityBurnRateAlarms, EscalationPolicy...) or plain mappings severity -> alarms.
    :param notification_topics: topics by severity; every severity that has alarms needs one.
    :param actions_suppressor: alarm in ALARM while actions must stay silent (the pause switch,
        :class:`PauseSwitchAlarm`). Default: never suppressed.
    :param suppressor_wait_period: how long a new ALARM waits for the suppressor to go into ALARM.
        Default: 2 minutes (the pause switch alarm follows the parameter within ~2 minutes).
    :param suppressor_extension_period: how long suppression lasts after the suppressor clears.
        Default: 5 minutes (instances restarted by a resume get time to pass health checks).
    :param notify_on_ok: severities whose composite also notifies when it returns to OK.
        Default: all of them.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        component: str,
        sources: Sequence[AlarmSource | Mapping[str, Sequence[cloudwatch.IAlarm]]],
        notification_topics: Mapping[str, sns.ITopic],
        actions_suppressor: cloudwatch.IAlarm | None = None,
        suppressor_wait_period: cdk.Duration = _TWO_MINUTES,
        suppressor_extension_period: cdk.Duration = _FIVE_MINUTES,
        notify_on_ok: Sequence[str] = SEVERITIES,
    ) -> None:
        super().__init__(scope, id)
        for severity in notify_on_ok:
            validate_severity(severity, prop="notify_on_ok")
        grouped: dict[str, list[cloudwatch.IAlarm]] = {}
        for index, source in enumerate(sources):
            mapping = source if isinstance(source, Mapping) else source.alarms_by_severity()
            for severity, alarms in mapping.items():
                validate_severity(severity, prop=f"sources[{index}]")
                grouped.setdefault(severity, []).extend(alarms)
        if not any(grouped.values()):
            raise ValueError("sources hold no alarms: pass ServiceAlarms or another alarm source.")
        _require_topics(notification_topics, [s for s, a in grouped.items() if a], prop="notification_topics")

        self._composites: dict[str, cloudwatch.CompositeAlarm] = {}
        self._names: dict[str, str] = {}
        for severity in Severity:
            alarms = grouped.get(severity)
            if not alarms:
                continue
            self._names[severity] = alarm_name(app_name, environment_name, component, "incident", severity)
            composite = cloudwatch.CompositeAlarm(
                self,
                severity.label,
                composite_alarm_name=self._names[severity],
                alarm_description=(
                    f"Any {severity}-severity alarm of {app_name}-{environment_name} {component} is in ALARM."
                ),
                alarm_rule=cloudwatch.AlarmRule.any_of(*alarms),
                actions_suppressor=actions_suppressor,
                actions_suppressor_wait_period=suppressor_wait_period if actions_suppressor else None,
                actions_suppressor_extension_period=suppressor_extension_period
                if actions_suppressor
                else None,
            )
            action = cloudwatch_actions.SnsAction(notification_topics[severity])
            composite.add_alarm_action(action)
            if severity in notify_on_ok:
                composite.add_ok_action(action)
            self._composites[severity] = composite

    def alarm(self, severity: str) -> cloudwatch.CompositeAlarm:
        """The composite of ``severity`` (KeyError if no alarm carries it)."""
        return self._composites[validate_severity(severity, prop="severity")]

    @property
    def alarms(self) -> Mapping[str, cloudwatch.CompositeAlarm]:
        """Composites keyed by severity."""
        return dict(self._composites)

    def alarm_names(self, *severities: str) -> list[str]:
        """Literal names of the composites of ``severities`` (all when none given), e.g. for
        ``EscalationPolicy(alarm_names=...)``; severities without a composite are left out."""
        for severity in severities:
            validate_severity(severity, prop="severities")
        chosen = severities or tuple(self._names)
        return [self._names[s] for s in chosen if s in self._names]
