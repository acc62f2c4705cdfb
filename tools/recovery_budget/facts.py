"""Typed facts read from the templates of one stage: what the budget's formulas take as inputs.

Each fact keeps the :class:`Resource` it came from, so every number in the report can say where it
was read (``Prod/Tokyo-Compute/WebTg.HealthCheckIntervalSeconds``). :mod:`.inventory` builds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.cloud_assembly import Attr, Resource, ResourceId, Stage

from .event_pattern import matches

SIGNAL_CPU = "cpu"
SIGNAL_MEMORY = "memory"
SIGNAL_UNHEALTHY_HOSTS = "unhealthy_hosts"
SIGNAL_STATUS_CHECK = "status_check"
SIGNAL_ROUTE53 = "route53_health"
SIGNAL_REPLICA_LAG = "replica_lag"
SIGNAL_OTHER = "other"

# Lifecycle hooks: the transition that holds a launching instance in Pending:Wait (and, with a warm
# pool, in Warmed:Pending:Wait) until the hook is completed (Amazon EC2 Auto Scaling User Guide,
# "Use lifecycle hooks with a warm pool").
LAUNCHING_TRANSITION = "autoscaling:EC2_INSTANCE_LAUNCHING"


@dataclass(frozen=True)
class TargetGroup:
    resource: Resource
    interval: int
    timeout: int
    healthy_threshold: int
    unhealthy_threshold: int
    deregistration_delay: int
    path: str | None


@dataclass(frozen=True)
class LifecycleHook:
    transition: str
    heartbeat_timeout: int
    default_result: str = "ABANDON"

    @property
    def holds_launches(self) -> bool:
        return self.transition.upper().endswith("EC2_INSTANCE_LAUNCHING")


@dataclass(frozen=True)
class AutoScalingGroup:
    resource: Resource
    name: str | None  # literal AutoScalingGroupName, when the template sets one
    health_check_type: str  # "EC2" or "ELB" (or "EC2,ELB"...)
    grace_period: int
    min_size: int
    max_size: int
    desired: int | None
    target_groups: tuple[ResourceId, ...]
    launch_template: ResourceId | None
    min_healthy_percent: int | None
    max_healthy_percent: int | None
    default_instance_warmup: int | None
    availability_zones: int  # 0 when the template does not tell (e.g. subnets from Fn::Split)
    lifecycle_hooks: tuple[LifecycleHook, ...]

    @property
    def uses_elb_health(self) -> bool:
        return "ELB" in self.health_check_type.upper()

    @property
    def launch_before_terminate(self) -> bool:
        """Instance maintenance policy "launch before terminating": MinHealthyPercentage 100."""
        return self.min_healthy_percent == 100

    @property
    def launch_hook(self) -> LifecycleHook | None:
        """The ``EC2_INSTANCE_LAUNCHING`` hook on this group, if any."""
        return next((hook for hook in self.lifecycle_hooks if hook.holds_launches), None)

    @property
    def running_capacity(self) -> int:
        """Instances the group runs without anyone scaling it: DesiredCapacity, else MinSize."""
        return self.desired if self.desired is not None else self.min_size


@dataclass(frozen=True)
class WarmPool:
    resource: Resource
    group: ResourceId | None
    min_size: int
    pool_state: str  # Stopped (default), Running, Hibernated


@dataclass(frozen=True)
class LaunchTemplate:
    resource: Resource
    detailed_monitoring: bool
    user_data: str | None = None  # the decoded script; unresolved values as ``<...>``


@dataclass(frozen=True)
class ScalingPolicy:
    resource: Resource
    group: ResourceId | None
    policy_type: str
    metric: str | None  # predefined metric type or customized metric name


@dataclass(frozen=True)
class Alarm:
    resource: Resource
    name: str | None
    namespace: str | None
    metric_names: tuple[str, ...]
    dimensions: Mapping[str, Any]
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float | None
    comparison: str | None
    actions: tuple[Any, ...]
    signal: str
    math: bool
    actions_enabled: bool = True
    # TreatMissingData (CloudWatch's default, "missing", when the template leaves it out)
    treat_missing_data: str = "missing"

    @property
    def is_group_metric(self) -> bool:
        return "AutoScalingGroupName" in self.dimensions


@dataclass(frozen=True)
class CompositeAlarm:
    """A composite alarm: the children its rule names (by resource or by alarm name), its actions and
    its actions suppressor (``ActionsSuppressorWaitPeriod`` holds every action back)."""

    resource: Resource
    child_ids: frozenset[ResourceId]
    child_names: frozenset[str]
    has_actions: bool
    name: str | None = None
    actions: tuple[Any, ...] = ()
    suppressor: Any = None  # Attr of the suppressor alarm, its name, or None
    wait_period: int = 0  # ActionsSuppressorWaitPeriod (seconds; only with a suppressor)

    def includes(self, alarm: Alarm | CompositeAlarm) -> bool:
        return alarm.resource.id in self.child_ids or (
            alarm.name is not None and alarm.name in self.child_names
        )


@dataclass(frozen=True)
class RuleTarget:
    kind: str  # lambda, state_machine, automation, sns, sqs, other
    ref: ResourceId | None
    arn: str | None


@dataclass(frozen=True)
class EventRule:
    resource: Resource
    pattern: Mapping[str, Any]
    targets: tuple[RuleTarget, ...]
    enabled: bool

    def reaches(self, *kinds: str) -> bool:
        """A target of one of ``kinds`` (``lambda``, ``state_machine``, ``automation``, ``sns``...)."""
        return any(target.kind in kinds for target in self.targets)

    def describe_targets(self) -> str:
        return ", ".join(str(t.ref) if t.ref else (t.arn or t.kind) for t in self.targets) or "no targets"


@dataclass(frozen=True)
class HealthCheck:
    resource: Resource
    request_interval: int
    failure_threshold: int
    kind: str  # HTTP, HTTPS, TCP... (watches an endpoint) or CALCULATED, CLOUDWATCH_METRIC (a switch)
    children: tuple[ResourceId, ...]  # ChildHealthChecks of a CALCULATED check
    target_region: str | None  # region of the endpoint it watches, when the templates tell
    path: str | None = None  # ResourcePath
    fqdn: str | None = None  # FullyQualifiedDomainName when literal (a load balancer's name resolved)
    target: ResourceId | None = None  # the load balancer it watches, through any cross-region reference
    inverted: bool = False
    health_threshold: int | None = None  # HealthThreshold of a CALCULATED check

    @property
    def watches_endpoint(self) -> bool:
        return self.kind.upper().startswith(("HTTP", "TCP"))


@dataclass(frozen=True)
class RecordSet:
    resource: Resource
    name: str | None
    failover: str | None  # PRIMARY / SECONDARY
    ttl: int | None
    alias_to_elb: bool
    alias: bool
    health_check: ResourceId | None
    target_region: str | None  # region of the load balancer it points to, when known
    alias_target: ResourceId | None = None  # the load balancer, through any cross-region reference
    alias_how: str = ""  # how the alias target was read (for the report)


@dataclass(frozen=True)
class Database:
    resource: Resource
    multi_az: bool
    backup_retention_days: int
    source: Any  # SourceDBInstanceIdentifier (replica) or None
    backup_replication_region: str | None
    identifier: str | None = None  # literal DBInstanceIdentifier

    @property
    def is_replica(self) -> bool:
        return self.source is not None


@dataclass(frozen=True)
class BackupRule:
    name: str
    schedule: str | None
    interval_seconds: int | None
    continuous: bool
    copy_regions: tuple[str, ...]
    completion_window_seconds: int | None


@dataclass(frozen=True)
class BackupPlan:
    resource: Resource
    rules: tuple[BackupRule, ...]


@dataclass(frozen=True)
class Runbook:
    resource: Resource
    name: str | None
    content: str  # the document content as JSON text
    document: Mapping[str, Any] = field(default_factory=dict)  # the parsed content (schema 0.3)

    def calls(self, *apis: str) -> bool:
        """True when the content names one of ``apis`` (``PromoteReadReplica``/``promote_read_replica``)."""
        text = self.content.lower().replace("_", "")
        return any(api.lower() in text for api in apis)


@dataclass
class Inventory:
    """Everything the budget needs from one stage, indexed by region."""

    stage: Stage
    target_groups: list[TargetGroup] = field(default_factory=list)
    groups: list[AutoScalingGroup] = field(default_factory=list)
    warm_pools: list[WarmPool] = field(default_factory=list)
    launch_templates: list[LaunchTemplate] = field(default_factory=list)
    scaling_policies: list[ScalingPolicy] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)
    composites: list[CompositeAlarm] = field(default_factory=list)
    rules: list[EventRule] = field(default_factory=list)
    health_checks: list[HealthCheck] = field(default_factory=list)
    records: list[RecordSet] = field(default_factory=list)
    databases: list[Database] = field(default_factory=list)
    backup_plans: list[BackupPlan] = field(default_factory=list)
    runbooks: list[Runbook] = field(default_factory=list)
    subscribed_topics: set[ResourceId] = field(default_factory=set)  # topics with a subscription

    # --- lookups ------------------------------------------------------------------------------
    def in_region(self, items: Iterable[Any], region: str) -> list[Any]:
        return [item for item in items if item.resource.region == region]

    def target_group(self, rid: ResourceId) -> TargetGroup | None:
        return next((tg for tg in self.target_groups if tg.resource.id == rid), None)

    def launch_template(self, rid: ResourceId | None) -> LaunchTemplate | None:
        return next((lt for lt in self.launch_templates if lt.resource.id == rid), None)

    def warm_pool(self, group: AutoScalingGroup) -> WarmPool | None:
        return next((wp for wp in self.warm_pools if wp.group == group.resource.id), None)

    def health_check(self, rid: ResourceId | None) -> HealthCheck | None:
        return next((hc for hc in self.health_checks if hc.resource.id == rid), None)

    def policies(self, group: AutoScalingGroup) -> list[ScalingPolicy]:
        return [p for p in self.scaling_policies if p.group == group.resource.id]

    def alarms_on_group(self, group: AutoScalingGroup, signal: str) -> list[Alarm]:
        """Alarms of ``signal`` whose ASG dimension is this group (or a group-less alarm in its region)."""
        found = []
        region_groups = self.in_region(self.groups, group.resource.region)
        for alarm in self.alarms:
            if alarm.signal != signal or alarm.resource.region != group.resource.region:
                continue
            dim = alarm.dimensions.get("AutoScalingGroupName")
            if isinstance(dim, Attr):
                if dim.resource == group.resource.id:
                    found.append(alarm)
            elif isinstance(dim, str):
                if group.name is None or dim == group.name:
                    found.append(alarm)
            elif len(region_groups) == 1:
                # instance-level, math or unresolvable dimensions: the region's only group
                found.append(alarm)
        return found

    def detailed_monitoring(self, group: AutoScalingGroup) -> bool:
        template = self.launch_template(group.launch_template)
        return bool(template and template.detailed_monitoring)

    def rules_matching(self, event: Mapping[str, Any], region: str | None = None) -> list[EventRule]:
        """Enabled rules (in ``region``, if given) whose pattern matches ``event``."""
        return [
            rule
            for rule in self.rules
            if rule.enabled
            and (region is None or rule.resource.region == region)
            and rule.pattern
            and matches(rule.pattern, event)
        ]
