"""Typed facts read from the templates of one stage: what the budget's formulas take as inputs.

Each fact keeps the :class:`Resource` it came from, so every number in the report can say where it
was read (``Prod/Tokyo-Compute/WebTg.HealthCheckIntervalSeconds``). When a template leaves a
property out, the service's documented default applies; those defaults are listed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.cloud_assembly import Attr, Resource, ResourceId, Stage

from .event_pattern import matches

# Health checks for Application Load Balancer target groups, defaults for HTTP(S) instance targets:
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
TG_DEFAULT_INTERVAL_SECONDS = 30
TG_DEFAULT_TIMEOUT_SECONDS = 5
TG_DEFAULT_HEALTHY_THRESHOLD = 5
TG_DEFAULT_UNHEALTHY_THRESHOLD = 2
# Target group attributes, deregistration_delay.timeout_seconds default:
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-attributes.html
TG_DEFAULT_DEREGISTRATION_DELAY_SECONDS = 300
# AWS::Route53::HealthCheck HealthCheckConfig defaults (RequestInterval 30, FailureThreshold 3):
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-route53-healthcheck-healthcheckconfig.html
R53_DEFAULT_REQUEST_INTERVAL_SECONDS = 30
R53_DEFAULT_FAILURE_THRESHOLD = 3

SIGNAL_CPU = "cpu"
SIGNAL_MEMORY = "memory"
SIGNAL_UNHEALTHY_HOSTS = "unhealthy_hosts"
SIGNAL_STATUS_CHECK = "status_check"
SIGNAL_ROUTE53 = "route53_health"
SIGNAL_REPLICA_LAG = "replica_lag"
SIGNAL_OTHER = "other"

_MEMORY_METRICS = {"mem_used_percent", "MemoryUtilization", "mem_used", "mem_available_percent"}


def as_int(value: Any, default: int | None = None) -> int | None:
    """Template numbers are often strings ("4"); unknown values give ``default``."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return default
    return default


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


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

    @property
    def is_group_metric(self) -> bool:
        return "AutoScalingGroupName" in self.dimensions


@dataclass(frozen=True)
class CompositeAlarm:
    """A composite alarm: the children its rule names (by resource or by alarm name) and its actions."""

    resource: Resource
    child_ids: frozenset[ResourceId]
    child_names: frozenset[str]
    has_actions: bool

    def includes(self, alarm: Alarm) -> bool:
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
    target_region: str | None  # region of the endpoint it watches, when the template tells

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


@dataclass(frozen=True)
class Database:
    resource: Resource
    multi_az: bool
    backup_retention_days: int
    source: Any  # SourceDBInstanceIdentifier (replica) or None
    backup_replication_region: str | None

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
    content: str  # the document content as JSON text, searched for the API actions it calls

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

    # --- lookups ------------------------------------------------------------------------------
    def in_region(self, items: Iterable[Any], region: str) -> list[Any]:
        return [item for item in items if item.resource.region == region]

    def target_group(self, rid: ResourceId) -> TargetGroup | None:
        return next((tg for tg in self.target_groups if tg.resource.id == rid), None)

    def launch_template(self, rid: ResourceId | None) -> LaunchTemplate | None:
        return next((lt for lt in self.launch_templates if lt.resource.id == rid), None)

    def warm_pool(self, group: AutoScalingGroup) -> WarmPool | None:
        return next((wp for wp in self.warm_pools if wp.group == group.resource.id), None)

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


# --- extraction --------------------------------------------------------------------------------


def _tg_attribute(props: Mapping[str, Any], key: str) -> Any:
    for attribute in props.get("TargetGroupAttributes") or []:
        if attribute.get("Key") == key:
            return attribute.get("Value")
    return None


def _ref(stage: Stage, value: Any, stack: str) -> ResourceId | None:
    resolved = stage.resolve(value, stack)
    return resolved.resource if isinstance(resolved, Attr) else None


def _signal(namespace: str | None, metric_names: tuple[str, ...]) -> str:
    names = set(metric_names)
    if "CPUUtilization" in names or any(n.startswith("cpu_usage") for n in names):
        return SIGNAL_CPU
    if names & _MEMORY_METRICS:
        return SIGNAL_MEMORY
    if "UnHealthyHostCount" in names or "HealthyHostCount" in names:
        return SIGNAL_UNHEALTHY_HOSTS
    if any(n.startswith("StatusCheckFailed") for n in names):
        return SIGNAL_STATUS_CHECK
    if namespace == "AWS/Route53" or "HealthCheckStatus" in names:
        return SIGNAL_ROUTE53
    if "ReplicaLag" in names:
        return SIGNAL_REPLICA_LAG
    return SIGNAL_OTHER


def _alarm(stage: Stage, res: Resource) -> Alarm:
    props, stack = res.properties, res.id.stack
    dims = {str(d.get("Name")): stage.resolve(d.get("Value"), stack) for d in props.get("Dimensions") or []}
    namespace = props.get("Namespace")
    names: tuple[str, ...] = (props["MetricName"],) if isinstance(props.get("MetricName"), str) else ()
    period = as_int(props.get("Period"), 0) or 0
    math = bool(props.get("Metrics"))
    if math:
        periods, found = [], []
        for query in props.get("Metrics") or []:
            stat = query.get("MetricStat") or {}
            metric = stat.get("Metric") or {}
            if isinstance(metric.get("MetricName"), str):
                found.append(metric["MetricName"])
                namespace = namespace or metric.get("Namespace")
                for d in metric.get("Dimensions") or []:
                    dims.setdefault(str(d.get("Name")), stage.resolve(d.get("Value"), stack))
            if as_int(stat.get("Period")):
                periods.append(as_int(stat.get("Period")))
            if as_int(query.get("Period")):
                periods.append(as_int(query.get("Period")))
        names = tuple(found)
        period = max(periods, default=period)  # the slowest input sets the pace
    evaluation = as_int(props.get("EvaluationPeriods"), 1) or 1
    name = stage.resolve(props.get("AlarmName"), stack)
    actions = tuple(stage.resolve(a, stack) for a in props.get("AlarmActions") or [])
    return Alarm(
        resource=res,
        name=name if isinstance(name, str) else None,
        namespace=namespace if isinstance(namespace, str) else None,
        metric_names=names,
        dimensions=dims,
        period=period or 60,
        evaluation_periods=evaluation,
        datapoints_to_alarm=as_int(props.get("DatapointsToAlarm"), evaluation) or evaluation,
        threshold=float(props["Threshold"]) if isinstance(props.get("Threshold"), int | float) else None,
        comparison=props.get("ComparisonOperator"),
        actions=actions,
        signal=_signal(namespace if isinstance(namespace, str) else None, names),
        math=math,
    )


_ALARM_IN_RULE = re.compile(r"ALARM\(\s*\"?([^\")]+?)\"?\s*\)")


def _composite(stage: Stage, res: Resource) -> CompositeAlarm:
    """Children of a composite: ``ALARM("name")`` literals and ``Fn::GetAtt``/``ImportValue`` links."""
    ids: set[ResourceId] = set()
    names: set[str] = set()

    def walk(value: Any) -> None:
        resolved = stage.resolve(value, res.id.stack)
        if isinstance(resolved, Attr):
            ids.add(resolved.resource)
        elif isinstance(resolved, str):
            for name in _ALARM_IN_RULE.findall(resolved):
                names.add(name.split(":alarm:")[-1])
        elif isinstance(value, dict) and "Fn::Join" in value:
            for part in value["Fn::Join"][1]:
                walk(part)
        elif isinstance(value, list):
            for part in value:
                walk(part)

    walk(res.properties.get("AlarmRule"))
    enabled = as_bool(res.properties.get("ActionsEnabled"))
    return CompositeAlarm(
        res,
        frozenset(ids),
        frozenset(names),
        bool(res.properties.get("AlarmActions")) and enabled is not False,
    )


def _rule_target(stage: Stage, raw: Mapping[str, Any], stack: str) -> RuleTarget:
    arn = stage.resolve(raw.get("Arn"), stack)
    if isinstance(arn, Attr):
        target = stage.resource(arn.resource)
        kind = {
            "AWS::Lambda::Function": "lambda",
            "AWS::Lambda::Alias": "lambda",
            "AWS::StepFunctions::StateMachine": "state_machine",
            "AWS::SNS::Topic": "sns",
            "AWS::SQS::Queue": "sqs",
        }.get(target.type if target else "", "other")
        return RuleTarget(kind, arn.resource, None)
    text = arn if isinstance(arn, str) else json.dumps(raw.get("Arn"))
    if ":automation-definition/" in text:
        kind = "automation"
    elif ":function:" in text:
        kind = "lambda"
    elif ":stateMachine:" in text:
        kind = "state_machine"
    elif ":sns:" in text:
        kind = "sns"
    else:
        kind = "other"
    return RuleTarget(kind, None, arn if isinstance(arn, str) else None)


_CRON = re.compile(r"^cron\((.+)\)$")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")


def schedule_interval_seconds(expression: str | None) -> int | None:
    """Worst-case gap between two runs of a schedule expression (``rate(...)`` or ``cron(...)``).

    For cron, the gap is derived from the minute and hour fields (a list of hours gives the largest
    gap between them, wrapping over midnight); a restricted day-of-month or day-of-week field makes
    it weekly at best. Unknown forms give ``None``.
    """
    if not isinstance(expression, str):
        return None
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        unit = {"minute": 60, "hour": 3600, "day": 86400}[rate.group(2).rstrip("s")]
        return int(rate.group(1)) * unit
    cron = _CRON.match(expression)
    if not cron:
        return None
    fields = cron.group(1).split()
    if len(fields) != 6:
        return None
    minute, hour, day_of_month, _month, day_of_week, _year = fields
    if day_of_month not in ("*", "?") or day_of_week not in ("*", "?"):
        return 7 * 86400
    if hour == "*":
        return 3600 if minute not in ("*",) and "/" not in minute else 60
    if hour.startswith("*/") and hour[2:].isdigit():
        return int(hour[2:]) * 3600
    hours = sorted({int(h) for h in hour.split(",") if h.isdigit()})
    if not hours:
        return 86400
    gaps = [(b - a) for a, b in zip(hours, [*hours[1:], hours[0] + 24], strict=True)]
    return max(gaps) * 3600


def _region_of_arn(stage: Stage, value: Any, stack: str) -> str | None:
    resolved = stage.resolve(value, stack)
    if isinstance(resolved, str) and resolved.startswith("arn:"):
        parts = resolved.split(":")
        return parts[3] if len(parts) > 3 and parts[3] else None
    if isinstance(resolved, Attr):
        target = stage.resource(resolved.resource)
        return target.region if target else None
    # Fn::Join with pseudo parameters: look for a region literal in the raw value
    found = re.findall(r"\b([a-z]{2}-[a-z]+-\d)\b", json.dumps(value))
    return found[0] if found else None


def _backup_rule(stage: Stage, raw: Mapping[str, Any], stack: str) -> BackupRule:
    schedule = raw.get("ScheduleExpression")
    copies = tuple(
        region
        for action in raw.get("CopyActions") or []
        if (region := _region_of_arn(stage, action.get("DestinationBackupVaultArn"), stack))
    )
    window = as_int(raw.get("CompletionWindowMinutes"))
    return BackupRule(
        name=str(raw.get("RuleName", "")),
        schedule=schedule if isinstance(schedule, str) else None,
        interval_seconds=schedule_interval_seconds(schedule if isinstance(schedule, str) else None),
        continuous=bool(as_bool(raw.get("EnableContinuousBackup"))),
        copy_regions=copies,
        completion_window_seconds=window * 60 if window else None,
    )


def _group(stage: Stage, res: Resource) -> AutoScalingGroup:
    props, stack = res.properties, res.id.stack
    policy = props.get("InstanceMaintenancePolicy") or {}
    hooks = tuple(
        LifecycleHook(str(h.get("LifecycleTransition", "")), as_int(h.get("HeartbeatTimeout"), 3600) or 3600)
        for h in props.get("LifecycleHookSpecificationList") or []
    )
    subnets = props.get("VPCZoneIdentifier") or []
    azs = props.get("AvailabilityZones") or []
    zones: set[str] = set()
    if not isinstance(subnets, list) or not isinstance(azs, list):  # Fn::Split of an import: unknown
        subnets, azs = [], []
    for subnet in subnets:
        ref = _ref(stage, subnet, stack)
        target = stage.resource(ref)
        az = stage.resolve(target.properties.get("AvailabilityZone"), ref.stack) if target and ref else None
        zones.add(az if isinstance(az, str) else json.dumps(subnet, sort_keys=True))
    name = stage.resolve(props.get("AutoScalingGroupName"), stack)
    return AutoScalingGroup(
        resource=res,
        name=name if isinstance(name, str) else None,
        health_check_type=str(props.get("HealthCheckType") or "EC2"),
        grace_period=as_int(props.get("HealthCheckGracePeriod"), 0) or 0,
        min_size=as_int(props.get("MinSize"), 0) or 0,
        max_size=as_int(props.get("MaxSize"), 0) or 0,
        desired=as_int(props.get("DesiredCapacity")),
        target_groups=tuple(
            rid for arn in props.get("TargetGroupARNs") or [] if (rid := _ref(stage, arn, stack))
        ),
        launch_template=_ref(
            stage,
            (
                props.get("LaunchTemplate")
                or ((props.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}).get(
                    "LaunchTemplateSpecification"
                )
                or {}
            ).get("LaunchTemplateId"),
            stack,
        ),
        min_healthy_percent=as_int(policy.get("MinHealthyPercentage")),
        max_healthy_percent=as_int(policy.get("MaxHealthyPercentage")),
        default_instance_warmup=as_int(props.get("DefaultInstanceWarmup")),
        availability_zones=len(zones) if subnets else len(azs),
        lifecycle_hooks=hooks,
    )


def build_inventory(stage: Stage) -> Inventory:
    """Read every resource type the budget knows from all stacks of ``stage``."""
    inv = Inventory(stage)
    for res in stage.resources("AWS::ElasticLoadBalancingV2::TargetGroup"):
        p = res.properties
        inv.target_groups.append(
            TargetGroup(
                resource=res,
                interval=as_int(p.get("HealthCheckIntervalSeconds"), TG_DEFAULT_INTERVAL_SECONDS)
                or TG_DEFAULT_INTERVAL_SECONDS,
                timeout=as_int(p.get("HealthCheckTimeoutSeconds"), TG_DEFAULT_TIMEOUT_SECONDS)
                or TG_DEFAULT_TIMEOUT_SECONDS,
                healthy_threshold=as_int(p.get("HealthyThresholdCount"), TG_DEFAULT_HEALTHY_THRESHOLD)
                or TG_DEFAULT_HEALTHY_THRESHOLD,
                unhealthy_threshold=as_int(p.get("UnhealthyThresholdCount"), TG_DEFAULT_UNHEALTHY_THRESHOLD)
                or TG_DEFAULT_UNHEALTHY_THRESHOLD,
                deregistration_delay=as_int(
                    _tg_attribute(p, "deregistration_delay.timeout_seconds"),
                    TG_DEFAULT_DEREGISTRATION_DELAY_SECONDS,
                )
                or 0,
                path=p.get("HealthCheckPath") if isinstance(p.get("HealthCheckPath"), str) else None,
            )
        )
    for res in stage.resources("AWS::AutoScaling::AutoScalingGroup"):
        inv.groups.append(_group(stage, res))
    for res in stage.resources("AWS::AutoScaling::LifecycleHook"):
        group = _ref(stage, res.properties.get("AutoScalingGroupName"), res.id.stack)
        for i, existing in enumerate(inv.groups):
            if existing.resource.id == group:
                hook = LifecycleHook(
                    str(res.properties.get("LifecycleTransition", "")),
                    as_int(res.properties.get("HeartbeatTimeout"), 3600) or 3600,
                )
                inv.groups[i] = _replace_hooks(existing, (*existing.lifecycle_hooks, hook))
    for res in stage.resources("AWS::AutoScaling::WarmPool"):
        p = res.properties
        inv.warm_pools.append(
            WarmPool(
                resource=res,
                group=_ref(stage, p.get("AutoScalingGroupName"), res.id.stack),
                min_size=as_int(p.get("MinSize"), 0) or 0,
                pool_state=str(p.get("PoolState") or "Stopped"),
            )
        )
    for res in stage.resources("AWS::EC2::LaunchTemplate"):
        data = res.properties.get("LaunchTemplateData") or {}
        enabled = as_bool((data.get("Monitoring") or {}).get("Enabled"))
        inv.launch_templates.append(LaunchTemplate(res, bool(enabled)))
    for res in stage.resources("AWS::AutoScaling::ScalingPolicy"):
        p = res.properties
        tracking = p.get("TargetTrackingConfiguration") or {}
        metric = (tracking.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType") or (
            tracking.get("CustomizedMetricSpecification") or {}
        ).get("MetricName")
        inv.scaling_policies.append(
            ScalingPolicy(
                resource=res,
                group=_ref(stage, p.get("AutoScalingGroupName"), res.id.stack),
                policy_type=str(p.get("PolicyType") or "SimpleScaling"),
                metric=metric if isinstance(metric, str) else None,
            )
        )
    for res in stage.resources("AWS::CloudWatch::Alarm"):
        inv.alarms.append(_alarm(stage, res))
    for res in stage.resources("AWS::CloudWatch::CompositeAlarm"):
        inv.composites.append(_composite(stage, res))
    for res in stage.resources("AWS::Events::Rule"):
        p = res.properties
        pattern = p.get("EventPattern")
        if isinstance(pattern, str):
            try:
                pattern = json.loads(pattern)
            except json.JSONDecodeError:
                pattern = None
        inv.rules.append(
            EventRule(
                resource=res,
                pattern=pattern if isinstance(pattern, Mapping) else {},
                targets=tuple(_rule_target(stage, t, res.id.stack) for t in p.get("Targets") or []),
                enabled=str(p.get("State") or "ENABLED").upper() == "ENABLED",
            )
        )
    for res in stage.resources("AWS::Route53::HealthCheck"):
        config = res.properties.get("HealthCheckConfig") or {}
        inv.health_checks.append(
            HealthCheck(
                resource=res,
                request_interval=as_int(config.get("RequestInterval"), R53_DEFAULT_REQUEST_INTERVAL_SECONDS)
                or R53_DEFAULT_REQUEST_INTERVAL_SECONDS,
                failure_threshold=as_int(config.get("FailureThreshold"), R53_DEFAULT_FAILURE_THRESHOLD)
                or R53_DEFAULT_FAILURE_THRESHOLD,
                kind=str(config.get("Type") or ""),
                children=tuple(
                    rid
                    for child in config.get("ChildHealthChecks") or []
                    if (rid := _ref(stage, child, res.id.stack))
                ),
                target_region=_endpoint_region(stage, config.get("FullyQualifiedDomainName"), res.id.stack),
            )
        )
    for res in stage.resources("AWS::Route53::RecordSet"):
        inv.records.append(_record(stage, res, res.properties))
    for res in stage.resources("AWS::Route53::RecordSetGroup"):
        for raw in res.properties.get("RecordSets") or []:
            inv.records.append(_record(stage, res, raw))
    for res in stage.resources("AWS::RDS::DBInstance"):
        p = res.properties
        source = p.get("SourceDBInstanceIdentifier")
        replication = stage.resolve(p.get("AutomaticBackupReplicationRegion"), res.id.stack)
        inv.databases.append(
            Database(
                resource=res,
                multi_az=bool(as_bool(p.get("MultiAZ"))),
                # CloudFormation's default retention is 1 day; replicas keep none unless set.
                backup_retention_days=as_int(p.get("BackupRetentionPeriod"), 0 if source else 1) or 0,
                source=source,
                backup_replication_region=replication if isinstance(replication, str) else None,
            )
        )
    for res in stage.resources("AWS::Backup::BackupPlan"):
        plan = res.properties.get("BackupPlan") or {}
        inv.backup_plans.append(
            BackupPlan(
                res, tuple(_backup_rule(stage, r, res.id.stack) for r in plan.get("BackupPlanRule") or [])
            )
        )
    for res in stage.resources("AWS::SSM::Document"):
        p = res.properties
        if str(p.get("DocumentType") or "") != "Automation":
            continue
        content = p.get("Content")
        name = stage.resolve(p.get("Name"), res.id.stack)
        inv.runbooks.append(
            Runbook(
                res,
                name if isinstance(name, str) else None,
                content if isinstance(content, str) else json.dumps(content),
            )
        )
    return inv


def _replace_hooks(group: AutoScalingGroup, hooks: tuple[LifecycleHook, ...]) -> AutoScalingGroup:
    from dataclasses import replace

    return replace(group, lifecycle_hooks=hooks)


_ELB_REGION = re.compile(r"\.([a-z]{2}-[a-z]+-\d)\.elb\.amazonaws\.com")


def _endpoint_region(stage: Stage, value: Any, stack: str) -> str | None:
    """Region of a load balancer endpoint: the ``DNSName`` resource's region, or the ELB host name's."""
    resolved = stage.resolve(value, stack)
    if isinstance(resolved, Attr):
        target = stage.resource(resolved.resource)
        return target.region if target and target.type.startswith("AWS::ElasticLoadBalancing") else None
    if isinstance(resolved, str):
        found = _ELB_REGION.findall(resolved)
        return found[0] if found else None
    return None


def _record(stage: Stage, res: Resource, raw: Mapping[str, Any]) -> RecordSet:
    stack = res.id.stack
    alias = raw.get("AliasTarget") or {}
    dns = stage.resolve(alias.get("DNSName"), stack) if alias else None
    target_region = _endpoint_region(stage, alias.get("DNSName"), stack) if alias else None
    alias_to_elb = False
    if isinstance(dns, Attr):
        target = stage.resource(dns.resource)
        alias_to_elb = bool(target and target.type.startswith("AWS::ElasticLoadBalancing"))
    elif isinstance(dns, str):
        alias_to_elb = ".elb." in dns or dns.endswith("elb.amazonaws.com")
    elif alias:
        # an unresolvable import of the DNS name: look for a load balancer in the raw value
        alias_to_elb = (
            "LoadBalancer" in json.dumps(alias.get("DNSName")) or "elb" in json.dumps(alias).lower()
        )
    name = stage.resolve(raw.get("Name"), stack)
    failover = raw.get("Failover")
    return RecordSet(
        resource=res,
        name=name if isinstance(name, str) else None,
        failover=failover if isinstance(failover, str) else None,
        ttl=as_int(raw.get("TTL")),
        alias_to_elb=alias_to_elb,
        alias=bool(alias),
        health_check=_ref(stage, raw.get("HealthCheckId"), stack),
        target_region=target_region,
    )
