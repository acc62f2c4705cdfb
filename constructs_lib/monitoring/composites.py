"""Composite alarms: system health (saturation and latency together), and one paging composite per severity.

* :class:`CompositeHealthAlarm` - (CPU or memory) and latency anomaly.
* :class:`SeverityCompositeAlarms` - one composite per severity from every alarm carrying that
  severity; the composites carry the paging actions, so one incident pages once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
import jsii
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from constructs import Construct, IValidation

from constructs_lib._core import (
    SEVERITIES,
    AlarmSource,
    Naming,
    Severity,
    SeverityAlarm,
    by_severity,
    validate_severity,
)
from constructs_lib.monitoring.naming import with_component
from constructs_lib.monitoring.service_alarms import _require_topics
from constructs_lib.monitoring.sources import severity_alarms

_TWO_MINUTES = cdk.Duration.minutes(2)
_FIVE_MINUTES = cdk.Duration.minutes(5)


class CompositeHealthAlarm(Construct):
    """The system-health composite: (any saturation alarm) AND the latency anomaly alarm.

    Resource pressure alone is not an incident and a latency blip alone may be noise; both together
    mean users are waiting because the service is short of resources.

    :param naming: app and environment of the alarm name. Default component: ``web``.
    :param saturation_alarms: e.g. the cpu and memory alarms (at least one).
    :param latency_alarm: e.g. :attr:`ServiceAlarms.latency_anomaly_alarm`.
    :param severity: severity this composite carries. Default: ``high``.
    :param notification_topic: topic for its ALARM and OK actions. Default: no actions; feed this
        construct to :class:`SeverityCompositeAlarms` (its :attr:`alarms`) so one incident pages once.
    :param actions_suppressor: alarm that suppresses the actions while in ALARM (the pause switch).
        Default: actions are never suppressed. Only meaningful with ``notification_topic``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        saturation_alarms: Sequence[cloudwatch.IAlarm],
        latency_alarm: cloudwatch.IAlarm,
        severity: Severity | str = Severity.HIGH,
        notification_topic: sns.ITopic | None = None,
        actions_suppressor: cloudwatch.IAlarm | None = None,
    ) -> None:
        super().__init__(scope, id)
        naming = with_component(naming, "web")
        self.severity = validate_severity(severity, prop="severity")
        if not saturation_alarms:
            raise ValueError(
                "saturation_alarms is empty: pass at least one alarm (e.g. the cpu and memory alarms)."
            )
        rule = cloudwatch.AlarmRule.all_of(
            cloudwatch.AlarmRule.any_of(*saturation_alarms),
            cloudwatch.AlarmRule.from_alarm(latency_alarm, cloudwatch.AlarmState.ALARM),
        )
        self.alarm = cloudwatch.CompositeAlarm(
            self,
            "Resource",
            composite_alarm_name=naming.alarm_name("system-health", self.severity),
            alarm_description=(
                "Users wait because the service is short of resources: (CPU or memory) and latency anomaly."
            ),
            alarm_rule=rule,
            actions_suppressor=actions_suppressor if notification_topic is not None else None,
        )
        if notification_topic is not None:
            self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(notification_topic))
            self.alarm.add_ok_action(cloudwatch_actions.SnsAction(notification_topic))

    @property
    def alarms(self) -> list[SeverityAlarm]:
        """The composite with its severity (signal ``system-health``)."""
        return [SeverityAlarm(alarm=self.alarm, severity=self.severity, signal="system-health")]


class SeverityCompositeAlarms(Construct):
    """One composite alarm per severity: ALARM when any alarm carrying that severity is in ALARM.

    Named ``{app}-{env}-{component}-incident-{severity}``; each notifies its severity's topic on ALARM
    (and on OK, so a pager can resolve the incident). The child alarms keep no actions, so an
    incident pages once however many signals fire, and only through the actions suppressor; the
    healing function still sees every child's state change through EventBridge. A child created in
    this app that has actions of its own (ALARM, OK or INSUFFICIENT_DATA) fails the synth, naming it.

    :param naming: app and environment of the composite names. Default component: ``web``.
    :param sources: the alarms to watch: constructs exposing ``alarms`` (ServiceAlarms,
        CompositeHealthAlarm, AvailabilityBurnRateAlarms, EscalationPolicy, AutoHealing...),
        :class:`SeverityAlarm` values, or lists of them. Their alarms must have no actions of their own.
    :param notification_topics: topics by severity; every severity that has alarms needs one.
    :param actions_suppressor: alarm in ALARM while actions must stay silent (the pause switch,
        :class:`~constructs_lib.alerting.PauseSwitchAlarm`). Default: never suppressed.
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
        naming: Naming,
        sources: Sequence[AlarmSource | SeverityAlarm | Sequence[SeverityAlarm]],
        notification_topics: Mapping[str, sns.ITopic],
        actions_suppressor: cloudwatch.IAlarm | None = None,
        suppressor_wait_period: cdk.Duration = _TWO_MINUTES,
        suppressor_extension_period: cdk.Duration = _FIVE_MINUTES,
        notify_on_ok: Sequence[str] = SEVERITIES,
    ) -> None:
        super().__init__(scope, id)
        naming = with_component(naming, "web")
        for severity in notify_on_ok:
            validate_severity(severity, prop="notify_on_ok")
        children = severity_alarms(sources, prop="sources")
        grouped = by_severity(children)
        if not any(grouped.values()):
            raise ValueError("sources hold no alarms: pass ServiceAlarms or another alarm source.")
        _require_topics(notification_topics, [s for s, a in grouped.items() if a], prop="notification_topics")

        self.naming = naming
        self._composites: dict[Severity, cloudwatch.CompositeAlarm] = {}
        self._names: dict[Severity, str] = {}
        for severity, alarms in grouped.items():
            if not alarms:
                continue
            self._names[severity] = naming.alarm_name("incident", severity)
            composite = cloudwatch.CompositeAlarm(
                self,
                severity.label,
                composite_alarm_name=self._names[severity],
                alarm_description=(
                    f"Any {severity}-severity alarm of {naming.prefix} {naming.component} is in ALARM."
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
        self.node.add_validation(_ChildrenWithoutActions(self, children))

    def alarm(self, severity: str) -> cloudwatch.CompositeAlarm:
        """The composite of ``severity`` (KeyError if no alarm carries it)."""
        return self._composites[validate_severity(severity, prop="severity")]

    @property
    def alarms(self) -> list[SeverityAlarm]:
        """The composites, least urgent first, each with its severity (signal ``incident``)."""
        return [
            SeverityAlarm(alarm=composite, severity=severity, signal="incident")
            for severity, composite in self._composites.items()
        ]

    @property
    def severities(self) -> tuple[Severity, ...]:
        """Severities that have a composite (and so page through their topic), least urgent first."""
        return tuple(self._composites)

    def alarm_names(self, *severities: str) -> list[str]:
        """Literal names of the composites of ``severities`` (all when none given), e.g. for
        ``EscalationPolicy(alarm_names=...)``; severities without a composite are left out."""
        for severity in severities:
            validate_severity(severity, prop="severities")
        chosen = severities or tuple(self._names)
        return [self._names[s] for s in chosen if s in self._names]


_ACTION_PROPS = ("alarm_actions", "ok_actions", "insufficient_data_actions")


@jsii.implements(IValidation)
class _ChildrenWithoutActions:
    """At synth: no child alarm created in this app carries actions of its own.

    A child with its own action pages a second time for the same incident, and that page ignores
    the composite's actions suppressor (the pause switch). Imported alarms cannot be inspected.
    """

    def __init__(self, composites: SeverityCompositeAlarms, children: Sequence[SeverityAlarm]) -> None:
        self._composites = composites
        self._children = children

    def validate(self) -> list[str]:
        errors = []
        for child in self._children:
            resource = child.alarm.node.default_child
            if not isinstance(resource, cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm):
                continue
            stack = cdk.Stack.of(resource)
            kinds = [p for p in _ACTION_PROPS if stack.resolve(getattr(resource, p))]
            if kinds:
                errors.append(
                    f"{child.alarm.node.path} is a child of the {child.severity} incident composite of "
                    f"{self._composites.node.path} and has {', '.join(kinds)} of its own: one incident would "
                    "page twice, once past the actions suppressor. Remove them (e.g. ServiceAlarms without "
                    "notification_topics): the composite pages for it."
                )
        return errors
