"""A group's CPU and memory alarms, and what follows a service restart: pure functions over plain data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .config import Config
from .decisions import DIAGNOSTIC_INSTANCES, _gate
from .model import (
    Action,
    CaptureDiagnostics,
    CommandResult,
    GroupFacts,
    MarkUnhealthy,
    Plan,
    ResourceRef,
    RestartService,
    ScaleOut,
    StartRecoveryRunbook,
    Status,
)
from .triage import GroupAlarmTarget, escalate


def rank_hottest(values: Mapping[str, float], candidates: Iterable[str], limit: int) -> tuple[str, ...]:
    """Up to ``limit`` of ``candidates`` with the highest value, highest first (ties by id)."""
    known = [(values[c], c) for c in candidates if c in values]
    return tuple(c for _, c in sorted(known, key=lambda vc: (-vc[0], vc[1]))[:limit])


def decide_group_alarm(
    target: GroupAlarmTarget,
    group: GroupFacts | None,
    *,
    utilisation: Mapping[str, float],
    memory_threshold_percent: float | None,
    paused: bool,
    config: Config,
) -> Plan:
    """CPU or memory alarm of a group; ``utilisation`` is the recent value per instance id."""
    resource = ResourceRef("group", target.group_name)
    if group is None:
        return Plan(Status.NOT_FOUND, f"group {target.group_name} does not exist", resource)
    gated = _gate(resource, [group.tags], paused, config)
    if gated is not None:
        return gated
    facts = {
        "alarm": target.alarm_name,
        "capacity": f"desired {group.desired_capacity}, min {group.min_size}, max {group.max_size}",
        "scaling": "target tracking" if group.target_tracking else "no target tracking",
    }
    if target.signal == "memory":
        return _memory_plan(target, group, utilisation, memory_threshold_percent, resource, facts)
    return _cpu_plan(target, group, utilisation, resource, facts)


def _cpu_plan(
    target: GroupAlarmTarget,
    group: GroupFacts,
    cpu: Mapping[str, float],
    resource: ResourceRef,
    facts: dict[str, str],
) -> Plan:
    hottest = rank_hottest(cpu, group.in_service, DIAGNOSTIC_INSTANCES)
    if hottest:
        facts["hottest"] = ", ".join(f"{i} ({cpu[i]:.0f}%)" for i in hottest)
    else:
        hottest = tuple(sorted(group.in_service)[:DIAGNOSTIC_INSTANCES])
        facts["hottest"] = "no per-instance CPU data"
    actions: list[Action] = [CaptureDiagnostics(hottest)] if hottest else []
    severity = target.severity
    at_max = group.desired_capacity >= group.max_size
    if group.target_tracking:
        if at_max:
            severity = escalate(severity)
            reason = "target tracking is at max capacity: a human must raise the max or find the cause"
        else:
            reason = "target tracking is scaling the group: no manual capacity change"
    elif at_max:
        severity = escalate(severity)
        reason = f"already at max capacity ({group.max_size}): a human must raise the max or find the cause"
    else:
        actions.append(ScaleOut(group.name, group.desired_capacity + 1, group.desired_capacity))
        reason = "no target tracking: scale out by one within the max"
    return Plan(
        Status.ACT if actions else Status.NOTIFY,
        f"{target.summary}; {reason}",
        resource,
        "cpu",
        severity,
        tuple(actions),
        facts,
    )


def _memory_plan(
    target: GroupAlarmTarget,
    group: GroupFacts,
    memory: Mapping[str, float],
    threshold: float | None,
    resource: ResourceRef,
    facts: dict[str, str],
) -> Plan:
    hottest = rank_hottest(memory, group.in_service, 1)
    if not hottest:
        return Plan(
            Status.NOTIFY,
            f"{target.summary}; no per-instance memory data: cannot tell which instance, no action",
            resource,
            "memory",
            target.severity,
            (),
            facts,
        )
    instance_id = hottest[0]
    facts["hottest"] = f"{instance_id} ({memory[instance_id]:.0f}% memory used)"
    return Plan(
        Status.ACT,
        f"{target.summary}; restart the web service on the instance using most memory",
        resource,
        "memory",
        target.severity,
        (RestartService(instance_id, group.name, threshold),),
        facts,
    )


@dataclass(frozen=True, slots=True)
class FollowUp:
    """What to do after a service restart: ``resolved`` or further ``actions`` (and why)."""

    resolved: bool
    reason: str
    actions: tuple[Action, ...] = ()


def decide_after_restart(
    action: RestartService, result: CommandResult, *, runbook_configured: bool
) -> FollowUp:
    """Judge a service restart: healthy and memory below the threshold -> resolved.

    Memory still high -> the group replaces the instance (a restart did not free it). Unhealthy or
    unverifiable: a group member is marked unhealthy (its group replaces it; a runbook would reboot it
    behind the group's back while the load balancer and the group replace it mid-run); a standalone
    instance gets the recovery runbook (reboot, diagnostics, restart, verify), or, without one, a human.
    """
    iid = action.instance_id
    replace = (MarkUnhealthy(action.group_name, iid),) if action.group_name else ()
    if result.status != "Success" or result.health != "ok":
        why = (
            f"the restart command ended {result.status}"
            if result.status != "Success"
            else f"the health check after the restart is {result.health}"
        )
        if action.group_name:
            return FollowUp(False, f"{why}: marking it unhealthy, its group replaces it", replace)
        if runbook_configured:
            return FollowUp(False, f"{why}: starting the recovery runbook", (StartRecoveryRunbook(iid),))
        return FollowUp(False, f"{why}: no recovery runbook configured, a human must look")
    threshold, used = action.memory_threshold_percent, result.mem_used_percent
    if threshold is not None and used is not None and used >= threshold:
        return FollowUp(
            False,
            f"memory still {used:.0f}% (threshold {threshold:.0f}%) after the restart: replace",
            replace,
        )
    level = f"{used:.0f}%" if used is not None else "not reported"
    return FollowUp(True, f"service healthy after the restart, memory {level}")


def decide_agent_offline(action: RestartService, ping_status: str) -> FollowUp:
    """The SSM agent of the instance to restart is not ``Online`` (``ConnectionLost``, ``Inactive``,
    not registered): Run Command would wait for it and time out, so none is sent. A group member is
    marked unhealthy (its group replaces it); a standalone instance is left to a human (notified)."""
    why = f"the SSM agent of {action.instance_id} is {ping_status}: no command sent"
    if action.group_name:
        return FollowUp(
            False,
            f"{why}; marking it unhealthy, its group replaces it",
            (MarkUnhealthy(action.group_name, action.instance_id),),
        )
    return FollowUp(False, f"{why}; a human must look (standalone instance)")
