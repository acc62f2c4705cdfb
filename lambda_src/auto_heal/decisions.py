"""What to do about an event: pure functions over plain data (no AWS calls, no clock, no I/O).

Two steps per event:

1. :func:`triage.triage` turns a parsed event into *targets* (which resource, which incident kind,
   how severe) or :class:`~events.Ignored`, using only the event and the configuration.
2. ``decide_*`` turn a target plus the facts read from AWS into a :class:`~model.Plan`:
   ignore it (and why), notify only, or act (and how). A group's CPU and memory alarms and what
   follows a restart are :mod:`group_plans`'; the detector's findings are :mod:`findings`'.

The rules, in order, for every resource: unknown resource -> nothing; not tagged with this
environment -> nothing; the group is doing its job (lifecycle) -> nothing; suppress tag -> nothing;
pause switch on -> nothing. Only then the event's own logic, below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .config import Config
from .findings import Finding
from .model import (
    Action,
    AlarmFacts,
    CaptureDiagnostics,
    DatabaseFacts,
    GroupFacts,
    InstanceFacts,
    MarkUnhealthy,
    Plan,
    RebootInstance,
    ResourceRef,
    StartInstance,
    StartRunbook,
    Status,
    StopStartInstance,
)
from .triage import (
    DETECTION_RESOURCE_KINDS,
    DatabaseTarget,
    DetectionTarget,
    GroupActivityTarget,
    InstanceTarget,
    at_least,
    classify_alarm_metric,
    escalate,
)

DIAGNOSTIC_INSTANCES = 2
"""How many of the hottest instances get diagnostics on a CPU alarm."""

DELIBERATE_STOP_REASONS: dict[str, str] = {
    "Client.UserInitiatedShutdown": "stopped or terminated through the EC2 API",
    "Client.UserInitiatedHibernate": "hibernated through the EC2 API",
    "Client.InstanceInitiatedShutdown": "shut down from inside its operating system",
}
"""State reasons that mean someone (or something) chose to stop the instance (EC2 API Reference,
``StateReason``: ``Client.UserInitiatedShutdown`` "The instance was shut down using the Amazon EC2
API", ``Client.UserInitiatedHibernate`` "Hibernation was initiated on the instance",
``Client.InstanceInitiatedShutdown`` "The instance was shut down from the operating system of the
instance"). Who it was - an operator, a schedule, FIS, any automation - only CloudTrail's
``StopInstances`` / ``TerminateInstances`` record tells; the function cannot. The host-side reasons
(``Server.ScheduledStop``: retirement; ``Server.InternalError``, ``Server.SpotInstance*``...) are not
deliberate: healing brings such an instance back."""

WHO_STOPPED_IT = (
    "the EC2 API does not say who (an operator, a schedule, any automation): CloudTrail's StopInstances "
    "or TerminateInstances record does"
)

# Auto Scaling lifecycle states in which the group, not healing, owns the instance.
_GROUP_BUSY_PREFIXES = ("Pending", "Terminating", "Terminated", "Warmed:", "Detaching", "Detached")
_GROUP_BUSY_STATES = frozenset({"Standby", "EnteringStandby", "Quarantined"})


# --------------------------------------------------------------------------------------------
# Incident detector: its findings (see :mod:`findings`) become incidents
# --------------------------------------------------------------------------------------------
REPLACEMENT_PROCESSES = frozenset({"HealthCheck", "ReplaceUnhealthy", "Launch", "Terminate"})
"""Auto Scaling processes without which marking a member unhealthy replaces nothing (EC2 Auto Scaling
User Guide, "How suspended processes affect other processes"). CloudFormation's rolling updates
suspend ``HealthCheck`` and ``ReplaceUnhealthy`` (the CDK default: also ``AZRebalance``,
``AlarmNotification``, ``ScheduledActions``, ``InstanceRefresh``) for the length of a deploy."""


def decide_detection(
    target: DetectionTarget,
    finding: Finding | None,
    tags: Mapping[str, str] | None,
    *,
    paused: bool,
    config: Config,
) -> Plan:
    """A detector finding, confirmed against fresh facts (``finding``), becomes an incident.

    ``tags`` are the resource's tags (``None``: it no longer exists). The incident kind's runbook
    (``RUNBOOKS_BY_INCIDENT``) is started when configured; otherwise the incident is notified.
    """
    detection = target.detection
    resource = ResourceRef(DETECTION_RESOURCE_KINDS[detection.kind], detection.resource_id)
    if tags is None:
        return Plan(Status.NOT_FOUND, f"{resource.kind} {resource.id} does not exist (any more)", resource)
    gated = _gate(resource, [tags], paused, config)
    if gated is not None:
        return gated
    if finding is None or finding.kind != detection.kind:
        return Plan(Status.IGNORED, f"{detection.summary}; no longer so", resource)
    facts = dict(finding.facts)
    spec = config.runbooks_by_incident.get(detection.kind)
    if spec is None:
        return Plan(Status.NOTIFY, finding.summary, resource, detection.kind, finding.severity, (), facts)
    action = StartRunbook(
        spec.document,
        spec.role_arn,
        resource,
        spec.resource_parameter,
        tuple(sorted(spec.parameters.items())),
    )
    return Plan(
        Status.ACT, f"{finding.summary}; starting runbook {spec.document}", resource, detection.kind,
        finding.severity, (action,), facts,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Step 2: decisions (target + facts)
# --------------------------------------------------------------------------------------------
def is_owned(tags: Mapping[str, str], config: Config) -> bool:
    return tags.get(config.environment_tag_key) == config.environment_name


def is_suppressed(tags: Mapping[str, str], config: Config) -> bool:
    value = tags.get(config.suppress_tag_key)
    return value is not None and value.strip().lower() != "false"


def lifecycle_reason(instance: InstanceFacts) -> str | None:
    """Why the group, not healing, owns ``instance`` right now; ``None`` when healing may act."""
    state = instance.lifecycle_state
    if state is not None and (state.startswith(_GROUP_BUSY_PREFIXES) or state in _GROUP_BUSY_STATES):
        return f"instance {instance.instance_id} is {state} in group {instance.group_name}: the group's job"
    if instance.group is not None and instance.group.refresh_in_progress:
        return f"group {instance.group.name} is in an instance refresh: it replaces instances itself"
    if instance.group_name is None and instance.group_tag:
        return f"instance {instance.instance_id} has left group {instance.group_tag}: the group's job"
    return None


def _not_owned(resource: ResourceRef, config: Config) -> Plan:
    return Plan(
        Status.NOT_OWNED,
        f"{resource.kind} {resource.id} (or its group) is not tagged "
        f"{config.environment_tag_key}={config.environment_name}: not this environment's",
        resource,
    )


def _gate(
    resource: ResourceRef, tags: Iterable[Mapping[str, str]], paused: bool, config: Config
) -> Plan | None:
    """The plan that stops here for ownership, suppress tag or pause; ``None`` to go on."""
    tag_sets = list(tags)
    if not all(is_owned(t, config) for t in tag_sets):
        return _not_owned(resource, config)
    if any(is_suppressed(t, config) for t in tag_sets):
        return Plan(
            Status.SUPPRESSED, f"{resource.kind} {resource.id} carries {config.suppress_tag_key}", resource
        )
    if paused:
        return Plan(Status.PAUSED, f"healing is paused ({config.pause_parameter_name})", resource)
    return None


def decide_instance(
    target: InstanceTarget, instance: InstanceFacts | None, *, paused: bool, config: Config
) -> Plan:
    """Stopped, impaired, retiring, terminated or recovered instance."""
    resource = ResourceRef("instance", target.instance_id)
    if instance is None:
        return Plan(Status.NOT_FOUND, f"instance {target.instance_id} does not exist (any more)", resource)
    if not is_owned(instance.tags, config):  # before anything else: another environment's business
        return _not_owned(resource, config)
    tag_sets = [instance.tags] + ([instance.group.tags] if instance.group is not None else [])
    busy = lifecycle_reason(instance)
    if busy is not None:
        return Plan(Status.LIFECYCLE, busy, resource)
    gated = _gate(resource, tag_sets, paused, config)
    if gated is not None:
        return gated
    facts = {"instance state": instance.state, "trigger": target.trigger}
    if instance.group_name:
        facts["group"] = instance.group_name
    plan = _instance_plan(target, instance)
    return Plan(
        plan.status,
        f"{target.summary}; {plan.reason}",
        resource,
        plan.incident_kind,
        plan.severity,
        plan.actions,
        facts,
    )


def _instance_plan(target: InstanceTarget, instance: InstanceFacts) -> Plan:
    trigger, state, iid = target.trigger, instance.state, instance.instance_id
    recovery, severity = "instance-recovery", target.severity

    def act(reason: str, action: Action) -> Plan:
        return Plan(Status.ACT, reason, incident_kind=recovery, severity=severity, actions=(action,))

    if trigger == "recovered":
        return Plan(
            Status.NOTIFY, "EC2 recovered it; nothing to do", incident_kind="instance-notice", severity="low"
        )

    if instance.group_name is not None:  # a group member: the group's to replace, never restarted here
        group = instance.group_name
        if trigger == "terminated" or state in ("shutting-down", "terminated"):
            return Plan(Status.LIFECYCLE, f"the group {group} replaces terminated members itself")
        if instance.health_status == "Unhealthy":
            return Plan(Status.LIFECYCLE, f"already unhealthy in group {group}: it is being replaced")
        suspended = sorted(
            REPLACEMENT_PROCESSES & set(instance.group.suspended_processes if instance.group else ())
        )
        if suspended and not (trigger in ("stopping", "stopped") and state in ("pending", "running")):
            return Plan(
                Status.NOTIFY,
                f"group {group} has {', '.join(suspended)} suspended (a rolling update or an operator): "
                "marking the member unhealthy would replace nothing now; left to them",
                incident_kind=recovery,
                severity=severity,
            )
        if trigger in ("stopping", "stopped") and state in ("pending", "running"):
            return Plan(Status.IGNORED, f"instance is {state} again")
        return act(
            f"member of group {group}: mark it unhealthy so the group replaces it", MarkUnhealthy(group, iid)
        )

    # A standalone instance: intent first. Stopped on purpose: left alone (a low notice says so).
    deliberate = DELIBERATE_STOP_REASONS.get(instance.state_reason)
    gone = trigger == "terminated" or state in ("shutting-down", "terminated")
    if deliberate and (gone or state in ("stopping", "stopped")):
        return Plan(
            Status.NOTIFY,
            f"standalone instance {deliberate} ({instance.state_reason}): deliberate, left alone; "
            f"{WHO_STOPPED_IT}",
            incident_kind="instance-terminated" if gone else "instance-stopped",
            severity="low",
        )
    if gone:
        return Plan(
            Status.NOTIFY,
            f"standalone instance terminated ({instance.state_reason or 'no state reason'}): it cannot be "
            "healed, recreate it",
            incident_kind="instance-terminated",
            severity=at_least(severity, "high"),
        )
    if state == "pending":
        return Plan(Status.IGNORED, "instance is starting")
    if trigger in ("stopping", "stopped"):
        if state == "stopped":
            return act("standalone: start it", StartInstance(iid))
        if state == "stopping":
            return Plan(Status.DEFERRED, "still stopping: the stopped event starts it")
        return Plan(Status.IGNORED, f"instance is {state} again")
    if trigger == "impaired-instance":
        if state == "stopped":
            return act("standalone, stopped: start it", StartInstance(iid))
        return act("standalone, instance status check failed: reboot it", RebootInstance(iid))
    # impaired-system, retirement: a host problem; a reboot stays on the same host.
    if state == "stopped":
        return act("standalone, stopped: start it", StartInstance(iid))
    return act(
        "standalone, host problem: stop and start it to move it to healthy hardware", StopStartInstance(iid)
    )


def alarm_problem(
    alarm_name: str, expected: tuple[str, str], alarm: AlarmFacts | None, config: Config
) -> Plan | None:
    """Why an alarm event must not be acted on, judged on the alarm as CloudWatch describes it (an
    SNS message or an invoke can say anything), else ``None``.

    ``expected`` is the ``(signal, resource id)`` the event's metrics say. The alarm must exist in this
    account and region, carry this environment's tag (an alarm named like ours but created by anyone
    else is not ours), be in ALARM now, and its own metrics must say the same ``(signal, resource)``.
    """
    resource = ResourceRef("alarm", alarm_name)
    if alarm is None:
        return Plan(
            Status.NOT_FOUND, f"alarm {alarm_name!r} does not exist in this account and region", resource
        )
    if not is_owned(alarm.tags, config):
        return Plan(
            Status.NOT_OWNED,
            f"alarm {alarm_name!r} is not tagged {config.environment_tag_key}={config.environment_name}: "
            "not this stack's, nothing is done for it",
            resource,
        )
    if alarm.state != "ALARM":
        return Plan(Status.IGNORED, f"alarm {alarm_name!r} is {alarm.state} now", resource)
    watched = {c for c in (classify_alarm_metric(m) for m in alarm.metrics) if c is not None}
    if watched != {expected}:
        return Plan(
            Status.IGNORED,
            f"alarm {alarm_name!r} watches {sorted(watched) or 'nothing healing acts on'}, not {expected} "
            "as the event says",
            resource,
        )
    return None


def classify_launch_failure(status_message: str) -> str:
    """``quota``, ``capacity``, ``availability-zone``, ``configuration`` or ``unknown``."""
    text = status_message.lower()
    if any(k in text for k in ("limit", "quota", "vcpulimitexceeded", "instancelimitexceeded")):
        return "quota"
    if "capacity" in text or "insufficientinstancecapacity" in text:
        return "capacity"
    if "availability zone" in text and ("not supported" in text or "unsupported" in text):
        return "availability-zone"
    if any(k in text for k in ("invalid", "not found", "does not exist", "not authorized", "denied")):
        return "configuration"
    return "unknown"


def decide_group_activity(
    target: GroupActivityTarget, group: GroupFacts | None, *, paused: bool, config: Config
) -> Plan:
    """Launch/terminate unsuccessful: notify with the cause, record."""
    event = target.event
    resource = ResourceRef("group", event.group_name)
    if group is None:
        return Plan(Status.NOT_FOUND, f"group {event.group_name} does not exist", resource)
    gated = _gate(resource, [group.tags], paused, config)
    if gated is not None:
        return gated
    cause = classify_launch_failure(event.status_message)
    facts = {
        "cause": cause,
        "status message": event.status_message or "(none)",
        "availability zone": event.availability_zone or "(unknown)",
        "capacity": (
            f"desired {group.desired_capacity}, in service {len(group.in_service)}, max {group.max_size}"
        ),
    }
    return Plan(
        Status.NOTIFY,
        f"Auto Scaling could not {event.activity} an instance in {event.group_name} ({cause})",
        resource,
        f"{event.activity}-failure",
        target.severity,
        (),
        facts,
    )


def decide_database(
    target: DatabaseTarget, database: DatabaseFacts | None, *, paused: bool, config: Config
) -> Plan:
    """RDS failover or failure: record and notify (database recovery is the DR runbook's)."""
    event = target.event
    resource = ResourceRef("database", event.db_identifier)
    if database is None:
        return Plan(Status.NOT_FOUND, f"DB instance {event.db_identifier} does not exist", resource)
    gated = _gate(resource, [database.tags], paused, config)
    if gated is not None:
        return gated
    facts = {
        "event": f"{event.event_code} ({', '.join(event.categories)})",
        "message": event.message or "(none)",
        "current status": database.status,
        "multi-AZ": "yes" if database.multi_az else "no",
    }
    return Plan(
        Status.NOTIFY,
        f"RDS {target.incident_kind.removeprefix('database-')} on {event.db_identifier}: "
        f"{event.message or event.event_code}",
        resource,
        target.incident_kind,
        target.severity,
        (),
        facts,
    )


UNBUDGETED_ACTIONS: frozenset[str] = frozenset({CaptureDiagnostics.kind})
"""Actions that change nothing and so take no slot of the action budget (read-only diagnostics)."""


def budgeted(plan: Plan, completed: frozenset[str] = frozenset()) -> tuple[Action, ...]:
    """The plan's actions that take a slot of the resource's budget (and are not done yet)."""
    return tuple(a for a in plan.actions if a.kind not in UNBUDGETED_ACTIONS and a.key not in completed)


def replacement_cap(in_service: int, percent: int) -> int:
    """How many members of a group may be replaced per window: ``percent`` of the in-service capacity
    it keeps (its desired capacity), rounded down, at least one (a group of two may still lose its
    broken member)."""
    return max(1, in_service * percent // 100)


def apply_rate_limit(plan: Plan, *, allowed: bool, limit: int) -> Plan:
    """``plan`` unchanged within the budget of its resource and incident kind; else its budgeted
    actions withheld (diagnostics still run) and an escalation."""
    withheld = budgeted(plan)
    if allowed or not withheld:
        return plan
    return Plan(
        Status.RATE_LIMITED,
        f"{plan.reason}; NOT done, over {limit} {plan.incident_kind} actions in the last hour on this "
        f"resource (a human should look): {'; '.join(a.describe() for a in withheld)}",
        plan.resource,
        plan.incident_kind,
        at_least(escalate(plan.severity), "high"),
        tuple(a for a in plan.actions if a not in withheld),
        plan.facts,
    )
