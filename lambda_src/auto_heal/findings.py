"""The incident detector's findings: pure functions from facts read from AWS to problems, used to scan
and, by the healing function, to confirm a finding against fresh facts before anything happens."""

from __future__ import annotations

from dataclasses import dataclass

from .model import DatabaseFacts, GroupFacts, HealthCheckFacts


def group_scan_skip(group: GroupFacts, *, refreshing: bool, member_incident: bool) -> str | None:
    """Why the detector leaves a group's shortfall alone this scan, else ``None``: its processes are
    suspended (a deployment or an operator is changing it), an instance refresh replaces instances, or
    the group is replacing a member healing already handles (the shortfall is that replacement)."""
    if group.suspended_processes:
        return f"group {group.name} has suspended processes ({', '.join(group.suspended_processes)})"
    if refreshing:
        return f"group {group.name} is in an instance refresh"
    if member_incident:
        return f"group {group.name} is replacing a member under an open incident"
    return None


def shortfall_persists(group: GroupFacts, *, first_seen: float, scans: int, now: float) -> bool:
    """A group's shortfall counts once two scans saw it and it has lasted longer than the group's health
    check grace period plus its instance warm-up: a replacement that launches, passes its grace period
    and warms up is the group working, not an incident (EC2 Auto Scaling User Guide, "Set the health
    check grace period", "Set the default instance warmup")."""
    settle = group.health_check_grace_seconds + group.instance_warmup_seconds
    return scans >= 2 and now - first_seen > settle


DATABASE_FAILED = frozenset(
    {
        "failed",
        "inaccessible-encryption-credentials",
        "inaccessible-encryption-credentials-recoverable",
        "incompatible-credentials",
        "incompatible-network",
        "incompatible-option-group",
        "incompatible-parameters",
        "incompatible-restore",
        "insufficient-capacity",
        "restore-error",
        "storage-full",
    }
)
DATABASE_UNAVAILABLE = frozenset({"stopped", "stopping", "starting", "rebooting", "deleting"})
"""Statuses in which the database does not serve. Others (modifying, backing-up, upgrading,
maintenance, configuring-*...) are the database working normally or being changed on purpose."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem seen in the facts: ``kind`` (a Detection kind), resource id, severity, facts."""

    kind: str
    resource_id: str
    severity: str
    summary: str
    facts: tuple[tuple[str, str], ...] = ()


def group_capacity_finding(group: GroupFacts) -> Finding | None:
    """The group has fewer healthy in-service instances than desired, and none on the way."""
    in_service = len(group.in_service)
    if in_service + group.pending >= group.desired_capacity:
        return None
    return Finding(
        "group-capacity",
        group.name,
        "critical" if in_service == 0 else "high",
        f"group {group.name}: {in_service} of {group.desired_capacity} desired instances healthy in service",
        (
            ("in service", str(in_service)),
            ("desired", str(group.desired_capacity)),
            ("launching", str(group.pending)),
        ),
    )


def database_finding(database: DatabaseFacts) -> Finding | None:
    status = database.status
    if status in DATABASE_FAILED:
        kind, severity = "database-failure", "critical"
    elif status in DATABASE_UNAVAILABLE:
        kind, severity = "database-unavailable", "high"
    else:
        return None
    return Finding(
        kind,
        database.identifier,
        severity,
        f"database {database.identifier} is {status}",
        (("status", status), ("multi-AZ", "yes" if database.multi_az else "no")),
    )


def health_check_finding(check: HealthCheckFacts) -> Finding | None:
    if check.healthy:
        return None
    return Finding(
        "health-check",
        check.id,
        "critical",
        f"Route 53 health check {check.name or check.id} is unhealthy",
        (("healthy checkers", f"{check.healthy_checkers} of {check.checkers}"),),
    )
