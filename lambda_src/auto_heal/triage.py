"""Step 1 of a decision: which resources an event is about, and the incident each would be.

:func:`triage` turns a parsed event into *targets* (which resource, which incident kind, how severe)
or :class:`~events.Ignored`, using only the event and the configuration: no AWS calls, no clock.
:mod:`decisions` then turns a target plus the facts read from AWS into a plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import SEVERITIES, Config
from .events import (
    AlarmStateChange,
    DatabaseEvent,
    Detection,
    Event,
    GroupActivityFailed,
    Ignored,
    InstanceHealthEvent,
    InstanceStateChange,
    MetricRef,
)

HEALTH_AUTO_RECOVERY_SUCCESS = "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS"
HEALTH_AUTO_RECOVERY_FAILURE = "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE"
HEALTH_RETIREMENT = frozenset(
    {"AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED"}
)

DETECTION_RESOURCE_KINDS = {
    "group-capacity": "group",
    "database-unavailable": "database",
    "database-failure": "database",
    "health-check": "health-check",
}
"""The detector's finding kinds (see :mod:`findings`) and the kind of resource each is about."""


# --------------------------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class InstanceTarget:
    """An instance that stopped, is impaired, retiring, terminated or was recovered by EC2.

    ``trigger``: stopping, stopped, terminated, impaired-system, impaired-instance, retirement,
    recovered.
    """

    instance_id: str
    trigger: str
    severity: str
    summary: str
    alarm_name: str = ""  # when an alarm reported it: checked against the alarm itself first


@dataclass(frozen=True, slots=True)
class GroupAlarmTarget:
    """A group-level alarm in ALARM: ``signal`` is ``cpu`` or ``memory``."""

    group_name: str
    signal: str
    severity: str
    alarm_name: str
    summary: str


@dataclass(frozen=True, slots=True)
class GroupActivityTarget:
    event: GroupActivityFailed
    severity: str


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    event: DatabaseEvent
    incident_kind: str  # database-failover | database-failure
    severity: str


@dataclass(frozen=True, slots=True)
class DetectionTarget:
    """A group below capacity, a database not available or a health check failing (detector)."""

    detection: Detection
    severity: str


Target = InstanceTarget | GroupAlarmTarget | GroupActivityTarget | DatabaseTarget | DetectionTarget


# --------------------------------------------------------------------------------------------
# Severity helpers
# --------------------------------------------------------------------------------------------
def escalate(severity: str, steps: int = 1) -> str:
    """``severity`` raised by ``steps`` levels, capped at critical."""
    return SEVERITIES[min(SEVERITIES.index(severity) + steps, len(SEVERITIES) - 1)]


def at_least(severity: str, floor: str) -> str:
    return SEVERITIES[max(SEVERITIES.index(severity), SEVERITIES.index(floor))]


def alarm_severity(alarm_name: str) -> str | None:
    """The severity suffix of ``{app}-{env}-{component}-{signal}-{severity}`` (any case)."""
    suffix = alarm_name.rsplit("-", 1)[-1].lower()
    return suffix if suffix in SEVERITIES else None


# --------------------------------------------------------------------------------------------
# Step 1: triage (event + config only)
# --------------------------------------------------------------------------------------------
def triage(event: Event, config: Config) -> tuple[Target | Ignored, ...]:
    """The resources ``event`` is about and the incident each would be; never raises."""
    match event:
        case InstanceStateChange():
            return (_triage_state_change(event),)
        case InstanceHealthEvent():
            return _triage_health(event)
        case AlarmStateChange():
            return (_triage_alarm(event, config),)
        case GroupActivityFailed():
            severity = "high" if event.activity == "launch" else "medium"
            return (GroupActivityTarget(event=event, severity=severity),)
        case DatabaseEvent():
            return (_triage_database(event),)
        case Detection():
            return (_triage_detection(event),)
    return (Ignored(f"no triage for {type(event).__name__}"),)


def _triage_state_change(event: InstanceStateChange) -> InstanceTarget | Ignored:
    if event.state in ("pending", "running"):
        return Ignored(f"instance {event.instance_id} is {event.state}: nothing to heal", event.event_id)
    trigger = "terminated" if event.state in ("shutting-down", "terminated") else event.state
    severity = "high" if trigger == "terminated" else "medium"
    return InstanceTarget(event.instance_id, trigger, severity, f"EC2 reports instance {event.state}")


def _triage_health(event: InstanceHealthEvent) -> tuple[InstanceTarget | Ignored, ...]:
    code = event.type_code
    if code == HEALTH_AUTO_RECOVERY_SUCCESS:
        trigger, severity, summary = "recovered", "low", "EC2 simplified automatic recovery succeeded"
    elif code == HEALTH_AUTO_RECOVERY_FAILURE:
        trigger, severity, summary = "impaired-system", "high", "EC2 simplified automatic recovery failed"
    elif code in HEALTH_RETIREMENT:
        if event.status_code.lower() == "closed":
            return (Ignored(f"{code} is closed: the retirement already happened", event.event_id),)
        trigger, severity, summary = "retirement", "medium", "EC2 scheduled the instance's retirement"
    else:
        return (Ignored(f"AWS Health event {code} is not one healing acts on", event.event_id),)
    return tuple(InstanceTarget(i, trigger, severity, f"{summary} ({code})") for i in event.instance_ids)


def classify_alarm_metric(metric: MetricRef) -> tuple[str, str] | None:
    """``(signal, resource id)`` for metrics healing acts on, else ``None``.

    - ``cpu``: ``AWS/EC2 CPUUtilization`` with an ``AutoScalingGroupName`` dimension
    - ``memory``: ``CWAgent mem_used_percent`` with an ``AutoScalingGroupName`` dimension
    - ``status-system`` / ``status-instance``: ``AWS/EC2 StatusCheckFailed_System`` /
      ``StatusCheckFailed_Instance`` or ``StatusCheckFailed`` with an ``InstanceId`` dimension
    """
    group = metric.dimension("AutoScalingGroupName")
    instance = metric.dimension("InstanceId")
    if metric.namespace == "AWS/EC2" and metric.name == "CPUUtilization" and group:
        return "cpu", group
    if metric.namespace == "CWAgent" and metric.name == "mem_used_percent" and group:
        return "memory", group
    if metric.namespace == "AWS/EC2" and instance:
        if metric.name == "StatusCheckFailed_System":
            return "status-system", instance
        if metric.name in ("StatusCheckFailed_Instance", "StatusCheckFailed"):
            return "status-instance", instance
    return None


def _triage_alarm(event: AlarmStateChange, config: Config) -> Target | Ignored:
    name = event.alarm_name
    if event.state != "ALARM":
        return Ignored(f"alarm {name!r} went to {event.state}, not ALARM", event.event_id)
    if not name.startswith(config.alarm_name_prefix):
        return Ignored(
            f"alarm {name!r} is not this environment's (prefix {config.alarm_name_prefix!r})", event.event_id
        )
    if name.startswith(config.own_alarm_prefix):
        return Ignored(f"alarm {name!r} is the healing function's own", event.event_id)
    if event.composite:
        return Ignored(f"alarm {name!r} is a composite alarm: escalation handles it", event.event_id)
    classified = [c for c in (classify_alarm_metric(m) for m in event.metrics) if c is not None]
    if not classified:
        watched = ", ".join(f"{m.namespace}/{m.name}" for m in event.metrics) or "no metric"
        return Ignored(f"alarm {name!r} watches {watched}: no healing for it", event.event_id)
    if len(set(classified)) > 1:
        return Ignored(f"alarm {name!r} mixes metrics of several resources: ambiguous", event.event_id)
    signal, resource_id = classified[0]
    severity = alarm_severity(name) or "medium"
    summary = f"alarm {name} is in ALARM"
    if signal in ("cpu", "memory"):
        return GroupAlarmTarget(resource_id, signal, severity, name, summary)
    trigger = "impaired-system" if signal == "status-system" else "impaired-instance"
    return InstanceTarget(resource_id, trigger, severity, summary, alarm_name=name)


def _triage_database(event: DatabaseEvent) -> DatabaseTarget | Ignored:
    if "failure" in event.categories:
        return DatabaseTarget(event, "database-failure", "critical")
    if "failover" in event.categories:
        return DatabaseTarget(event, "database-failover", "high")
    categories = ", ".join(event.categories) or "none"
    return Ignored(f"RDS event {event.event_code} (categories {categories}) needs no healing", event.event_id)


def _triage_detection(event: Detection) -> Target | Ignored:
    if event.kind == "instance-impaired-system":
        return InstanceTarget(event.resource_id, "impaired-system", "high", event.summary)
    if event.kind == "instance-impaired-instance":
        return InstanceTarget(event.resource_id, "impaired-instance", "medium", event.summary)
    if event.kind in DETECTION_RESOURCE_KINDS:
        severity = dict(event.facts).get("severity", "high")
        return DetectionTarget(event, severity if severity in SEVERITIES else "high")
    return Ignored(f"unknown detection kind {event.kind!r}", event.event_id)
