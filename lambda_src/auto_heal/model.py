"""Plain data shared by the decision logic, the AWS adapter and the ledger: facts read from AWS,
the actions a decision asks for, the plan, and action results. No behaviour, no AWS calls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar


# --------------------------------------------------------------------------------------------
# Facts (read-only views of AWS state, gathered by aws.py)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GroupFacts:
    """An Auto Scaling group as the decisions need it."""

    name: str
    min_size: int
    max_size: int
    desired_capacity: int
    tags: Mapping[str, str] = field(default_factory=dict)
    target_tracking: bool = False
    refresh_in_progress: bool = False
    in_service: tuple[str, ...] = ()
    pending: int = 0  # instances launching (Pending*): capacity on its way
    suspended_processes: tuple[str, ...] = ()  # e.g. HealthCheck, ReplaceUnhealthy during a rolling update
    health_check_grace_seconds: int = 0  # HealthCheckGracePeriod
    instance_warmup_seconds: int = 0  # DefaultInstanceWarmup (0 when not set)


@dataclass(frozen=True, slots=True)
class InstanceFacts:
    """An EC2 instance, with its Auto Scaling membership when it has one."""

    instance_id: str
    state: str
    tags: Mapping[str, str] = field(default_factory=dict)
    group_name: str | None = None  # from DescribeAutoScalingInstances: None = not (or no longer) a member
    lifecycle_state: str | None = None  # InService, Pending, Terminating, Standby, Warmed:Running, ...
    health_status: str | None = None  # Healthy | Unhealthy (Auto Scaling's view)
    group: GroupFacts | None = None
    state_reason: str = ""  # StateReason.Code of the last state change, e.g. Client.UserInitiatedShutdown

    @property
    def group_tag(self) -> str | None:
        """The ``aws:autoscaling:groupName`` tag: set on instances a group launched."""
        return self.tags.get("aws:autoscaling:groupName")


@dataclass(frozen=True, slots=True)
class HealthCheckFacts:
    """A Route 53 health check and what its checkers report right now."""

    id: str
    name: str
    tags: Mapping[str, str] = field(default_factory=dict)
    healthy_checkers: int = 0
    checkers: int = 0

    @property
    def healthy(self) -> bool:
        """Route 53's rule: healthy while more than 18% of its checkers report healthy."""
        return self.checkers == 0 or self.healthy_checkers / self.checkers > 0.18


@dataclass(frozen=True, slots=True)
class DatabaseFacts:
    """An RDS DB instance."""

    identifier: str
    status: str
    tags: Mapping[str, str] = field(default_factory=dict)
    multi_az: bool = False


@dataclass(frozen=True, slots=True)
class AlarmFacts:
    """A CloudWatch metric alarm as CloudWatch describes it (not as an event says it is)."""

    name: str
    arn: str
    state: str
    metrics: tuple = ()  # events.MetricRef of its own definition
    tags: Mapping[str, str] = field(default_factory=dict)
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Outcome of an SSM Run Command invocation on one instance."""

    command_id: str
    status: str  # Success | Failed | TimedOut | Cancelled | ... | Waiting (gave up waiting)
    health: str = "unknown"  # ok | fail | unknown, from the script's AUTOHEAL_HEALTH= line
    mem_used_percent: float | None = None  # from the script's AUTOHEAL_MEM_USED_PERCENT= line
    output_excerpt: str = ""


# --------------------------------------------------------------------------------------------
# Resources and actions
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ResourceRef:
    """What an incident is about: ``kind`` is ``instance``, ``group`` or ``database``."""

    kind: str
    id: str

    @property
    def key(self) -> str:
        return f"{self.kind}#{self.id}"


@dataclass(frozen=True, slots=True)
class StartInstance:
    instance_id: str
    kind: ClassVar[str] = "StartInstance"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.instance_id}"

    def describe(self) -> str:
        return f"start instance {self.instance_id}"


@dataclass(frozen=True, slots=True)
class StopStartInstance:
    """Stop, wait until stopped, start: moves the instance to healthy hardware (a reboot does not)."""

    instance_id: str
    kind: ClassVar[str] = "StopStartInstance"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.instance_id}"

    def describe(self) -> str:
        return f"stop and start instance {self.instance_id} (moves it to other hardware)"


@dataclass(frozen=True, slots=True)
class RebootInstance:
    instance_id: str
    kind: ClassVar[str] = "RebootInstance"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.instance_id}"

    def describe(self) -> str:
        return f"reboot instance {self.instance_id}"


@dataclass(frozen=True, slots=True)
class MarkUnhealthy:
    """Tell the group the instance is unhealthy: the group terminates and replaces it now."""

    group_name: str
    instance_id: str
    kind: ClassVar[str] = "MarkUnhealthy"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.instance_id}"

    def describe(self) -> str:
        return f"mark {self.instance_id} unhealthy in group {self.group_name} (the group replaces it)"


@dataclass(frozen=True, slots=True)
class ScaleOut:
    group_name: str
    desired_capacity: int
    previous_capacity: int
    kind: ClassVar[str] = "ScaleOut"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.group_name}"

    def describe(self) -> str:
        return (
            f"scale group {self.group_name} out from {self.previous_capacity} "
            f"to {self.desired_capacity} instances"
        )


@dataclass(frozen=True, slots=True)
class CaptureDiagnostics:
    """Run top/ps/free/df through SSM Run Command (output: command history and CloudWatch Logs)."""

    instance_ids: tuple[str, ...]
    kind: ClassVar[str] = "CaptureDiagnostics"

    @property
    def key(self) -> str:
        return f"{self.kind}:{','.join(self.instance_ids)}"

    def describe(self) -> str:
        return f"capture diagnostics (top, ps, free, df) on {', '.join(self.instance_ids)}"


@dataclass(frozen=True, slots=True)
class RestartService:
    """Restart the web service unit through SSM and verify its health endpoint and memory."""

    instance_id: str
    group_name: str | None
    memory_threshold_percent: float | None = None
    kind: ClassVar[str] = "RestartService"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.instance_id}"

    def describe(self) -> str:
        return f"restart the web service on {self.instance_id} and verify its health"


@dataclass(frozen=True, slots=True)
class StartRecoveryRunbook:
    instance_id: str
    kind: ClassVar[str] = "StartRecoveryRunbook"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.instance_id}"

    def describe(self) -> str:
        return f"start the recovery runbook for {self.instance_id}"


@dataclass(frozen=True, slots=True)
class StartRunbook:
    """Start the incident kind's own Automation (RUNBOOKS_BY_INCIDENT) for a group, DB or check."""

    document: str
    role_arn: str
    resource: ResourceRef
    resource_parameter: str
    parameters: tuple[tuple[str, str], ...] = ()
    kind: ClassVar[str] = "StartRunbook"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.document}:{self.resource.id}"

    def describe(self) -> str:
        return f"start runbook {self.document} for {self.resource.kind} {self.resource.id}"


Action = (
    StartInstance
    | StopStartInstance
    | RebootInstance
    | MarkUnhealthy
    | ScaleOut
    | CaptureDiagnostics
    | RestartService
    | StartRecoveryRunbook
    | StartRunbook
)

MUTATING_ACTIONS: tuple[type, ...] = (
    StartInstance,
    StopStartInstance,
    RebootInstance,
    MarkUnhealthy,
    ScaleOut,
    CaptureDiagnostics,
    RestartService,
    StartRecoveryRunbook,
    StartRunbook,
)


# --------------------------------------------------------------------------------------------
# Plans and results
# --------------------------------------------------------------------------------------------
class Status:
    """What a plan does. Only ``ACT`` and ``NOTIFY`` take the incident lock and notify."""

    ACT = "act"
    NOTIFY = "notify"
    RATE_LIMITED = "rate-limited"  # was ACT, over the hourly budget: escalate instead
    IGNORED = "ignored"
    NOT_FOUND = "not-found"
    NOT_OWNED = "not-owned"
    SUPPRESSED = "suppressed"
    PAUSED = "paused"
    LIFECYCLE = "lifecycle"  # the group is doing its job (Pending, Terminating, Standby, ...)
    DEFERRED = "deferred"  # a later event will carry the actionable state

    RECORDED = frozenset({ACT, NOTIFY, RATE_LIMITED})


@dataclass(frozen=True, slots=True)
class Plan:
    """The decision for one resource: what to do, how urgent, and why."""

    status: str
    reason: str
    resource: ResourceRef | None = None
    incident_kind: str = ""
    severity: str = "medium"
    actions: tuple[Action, ...] = ()
    facts: Mapping[str, str] = field(default_factory=dict)  # context for the notification

    @property
    def recorded(self) -> bool:
        return self.status in Status.RECORDED


@dataclass(frozen=True, slots=True)
class ActionResult:
    """How one action went: ``outcome`` is succeeded, failed, dry-run or skipped (done before)."""

    action: Action
    outcome: str
    detail: str = ""
    data: Mapping[str, str] = field(default_factory=dict)
