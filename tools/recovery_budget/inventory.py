"""Read the typed facts (:mod:`.facts`) from the templates of one stage: the budget's inputs.

When a template leaves a property out, the service's documented default applies; those defaults are
listed here. Values that cross regions are followed through CDK's export writers (:mod:`.references`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tools.cloud_assembly import Attr, Resource, ResourceId, Stage

from . import references
from .backups import backup_rule as _backup_rule
from .backups import schedule_interval_seconds
from .facts import (
    SIGNAL_CPU,
    SIGNAL_MEMORY,
    SIGNAL_OTHER,
    SIGNAL_REPLICA_LAG,
    SIGNAL_ROUTE53,
    SIGNAL_STATUS_CHECK,
    SIGNAL_UNHEALTHY_HOSTS,
    Alarm,
    AutoScalingGroup,
    BackupPlan,
    CompositeAlarm,
    Database,
    EventRule,
    HealthCheck,
    Inventory,
    LaunchTemplate,
    LifecycleHook,
    RecordSet,
    RuleTarget,
    Runbook,
    ScalingPolicy,
    TargetGroup,
    WarmPool,
)

__all__ = [
    "SIGNAL_CPU",
    "SIGNAL_MEMORY",
    "SIGNAL_OTHER",
    "SIGNAL_REPLICA_LAG",
    "SIGNAL_ROUTE53",
    "SIGNAL_STATUS_CHECK",
    "SIGNAL_UNHEALTHY_HOSTS",
    "Inventory",
    "as_bool",
    "as_int",
    "build_inventory",
    "schedule_interval_seconds",
]

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
# AWS::AutoScaling::LifecycleHook: HeartbeatTimeout defaults to 3600 s, DefaultResult to ABANDON:
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-autoscaling-lifecyclehook.html
HOOK_DEFAULT_HEARTBEAT_SECONDS = 3600
HOOK_DEFAULT_RESULT = "ABANDON"

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


def _tg_attribute(props: Mapping[str, Any], key: str) -> Any:
    for attribute in props.get("TargetGroupAttributes") or []:
        if attribute.get("Key") == key:
            return attribute.get("Value")
    return None


def _ref(stage: Stage, value: Any, stack: str) -> ResourceId | None:
    resolved = references.resolve(stage, value, stack)
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
        actions_enabled=as_bool(props.get("ActionsEnabled")) is not False,
        treat_missing_data=str(props.get("TreatMissingData") or "missing"),
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

    props = res.properties
    walk(props.get("AlarmRule"))
    enabled = as_bool(props.get("ActionsEnabled"))
    actions = tuple(stage.resolve(a, res.id.stack) for a in props.get("AlarmActions") or [])
    name = stage.resolve(props.get("AlarmName"), res.id.stack)
    suppressor = props.get("ActionsSuppressor")
    return CompositeAlarm(
        res,
        frozenset(ids),
        frozenset(names),
        bool(actions) and enabled is not False,
        name=name if isinstance(name, str) else None,
        actions=actions if enabled is not False else (),
        suppressor=stage.resolve(suppressor, res.id.stack) if suppressor is not None else None,
        # AWS::CloudWatch::CompositeAlarm: ActionsSuppressorWaitPeriod "is required only when
        # ActionsSuppressor is specified"; the composite waits that long for the suppressor before acting.
        wait_period=(as_int(props.get("ActionsSuppressorWaitPeriod"), 0) or 0) if suppressor else 0,
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


def _hook(raw: Mapping[str, Any]) -> LifecycleHook:
    return LifecycleHook(
        str(raw.get("LifecycleTransition", "")),
        as_int(raw.get("HeartbeatTimeout"), HOOK_DEFAULT_HEARTBEAT_SECONDS) or HOOK_DEFAULT_HEARTBEAT_SECONDS,
        str(raw.get("DefaultResult") or HOOK_DEFAULT_RESULT),
    )


def _group(stage: Stage, res: Resource) -> AutoScalingGroup:
    props, stack = res.properties, res.id.stack
    policy = props.get("InstanceMaintenancePolicy") or {}
    hooks = tuple(_hook(h) for h in props.get("LifecycleHookSpecificationList") or [] if isinstance(h, dict))
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
    template = (
        props.get("LaunchTemplate")
        or ((props.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}).get(
            "LaunchTemplateSpecification"
        )
        or {}
    )
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
        launch_template=_ref(stage, template.get("LaunchTemplateId"), stack),
        min_healthy_percent=as_int(policy.get("MinHealthyPercentage")),
        max_healthy_percent=as_int(policy.get("MaxHealthyPercentage")),
        default_instance_warmup=as_int(props.get("DefaultInstanceWarmup")),
        availability_zones=len(zones) if subnets else len(azs),
        lifecycle_hooks=hooks,
    )


def _flatten(value: Any) -> str:
    """A user-data script as text: ``Fn::Join``/``Fn::Sub`` expanded, other values as ``<...>``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Fn::Base64":
            return _flatten(arg)
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return str(arg[0]).join(_flatten(part) for part in arg[1])
        if fn == "Fn::Sub":
            return _flatten(arg[0] if isinstance(arg, list) and arg else arg)
        return f"<{fn}>"
    return f"<{json.dumps(value, sort_keys=True)[:40]}>"


def _user_data(raw: Any) -> str | None:
    if raw is None:
        return None
    text = _flatten(raw)
    if isinstance(raw, str):  # a literal is base64 in a launch template
        try:
            decoded = base64.b64decode(raw, validate=True).decode("utf-8")
            text = decoded
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
    return text


def _launch_template(res: Resource) -> LaunchTemplate:
    data = res.properties.get("LaunchTemplateData") or {}
    enabled = as_bool((data.get("Monitoring") or {}).get("Enabled"))
    return LaunchTemplate(res, bool(enabled), _user_data(data.get("UserData")))


def _document(content: Any) -> tuple[str, Mapping[str, Any]]:
    if isinstance(content, str):
        try:
            parsed = json.loads(content)
        except json.JSONDecodeError:
            parsed = _yaml(content)
        return content, parsed if isinstance(parsed, Mapping) else {}
    return json.dumps(content), content if isinstance(content, Mapping) else {}


def _yaml(text: str) -> Any:
    """A YAML document's content (SSM documents may be YAML), when PyYAML is installed."""
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with the test toolchain
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


_ELB_REGION = re.compile(r"\.([a-z]{2}-[a-z]+-\d)\.elb\.amazonaws\.com")
_LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"


def _endpoint(stage: Stage, value: Any, stack: str) -> tuple[str | None, ResourceId | None, str | None]:
    """(region, load balancer, literal name) of a DNS name: through references, or an ELB host name."""
    resolved = references.resolve(stage, value, stack)
    if isinstance(resolved, Attr):
        target = stage.resource(resolved.resource)
        if target and target.type.startswith("AWS::ElasticLoadBalancing"):
            return target.region, target.id, None
        return None, None, None
    if isinstance(resolved, str):
        found = _ELB_REGION.findall(resolved)
        return (found[0] if found else None), None, resolved.rstrip(".")
    return None, None, None


def _health_check(stage: Stage, res: Resource) -> HealthCheck:
    config = res.properties.get("HealthCheckConfig") or {}
    region, target, fqdn = _endpoint(stage, config.get("FullyQualifiedDomainName"), res.id.stack)
    path = config.get("ResourcePath")
    return HealthCheck(
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
        target_region=region,
        path=path if isinstance(path, str) else None,
        fqdn=fqdn,
        target=target,
        inverted=bool(as_bool(config.get("Inverted"))),
        health_threshold=as_int(config.get("HealthThreshold")),
    )


def _record(stage: Stage, res: Resource, raw: Mapping[str, Any]) -> RecordSet:
    stack = res.id.stack
    alias = raw.get("AliasTarget") or {}
    region, target, literal = _endpoint(stage, alias.get("DNSName"), stack) if alias else (None, None, None)
    how = ""
    if alias:
        crossed = references.is_cross_region(stage, alias.get("DNSName"), stack)
        if target is not None:
            how = f"{target}" + (" (through a cross-region reference)" if crossed else "")
        elif literal is not None:
            how = f"literal {literal}"
        else:
            how = "unresolved"
    alias_to_elb = target is not None or bool(literal and _ELB_REGION.search(literal))
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
        target_region=region,
        alias_target=target,
        alias_how=how,
    )


def _target_group(res: Resource) -> TargetGroup:
    p = res.properties
    return TargetGroup(
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
            _tg_attribute(p, "deregistration_delay.timeout_seconds"), TG_DEFAULT_DEREGISTRATION_DELAY_SECONDS
        )
        or 0,
        path=p.get("HealthCheckPath") if isinstance(p.get("HealthCheckPath"), str) else None,
    )


def _database(stage: Stage, res: Resource) -> Database:
    p = res.properties
    source = p.get("SourceDBInstanceIdentifier")
    replication = stage.resolve(p.get("AutomaticBackupReplicationRegion"), res.id.stack)
    identifier = stage.resolve(p.get("DBInstanceIdentifier"), res.id.stack)
    return Database(
        resource=res,
        multi_az=bool(as_bool(p.get("MultiAZ"))),
        # CloudFormation's default retention is 1 day; replicas keep none unless set.
        backup_retention_days=as_int(p.get("BackupRetentionPeriod"), 0 if source else 1) or 0,
        source=source,
        backup_replication_region=replication if isinstance(replication, str) else None,
        identifier=identifier if isinstance(identifier, str) else None,
    )


def _subscribed_topics(stage: Stage) -> set[ResourceId]:
    """Topics that reach someone: an ``AWS::SNS::Subscription`` or an inline ``Subscription``."""
    found: set[ResourceId] = set()
    for res in stage.resources("AWS::SNS::Subscription"):
        if rid := _ref(stage, res.properties.get("TopicArn"), res.id.stack):
            found.add(rid)
    for res in stage.resources("AWS::SNS::Topic"):
        if res.properties.get("Subscription"):
            found.add(res.id)
    return found


def build_inventory(stage: Stage) -> Inventory:
    """Read every resource type the budget knows from all stacks of ``stage``."""
    inv = Inventory(stage)
    inv.target_groups = [
        _target_group(res) for res in stage.resources("AWS::ElasticLoadBalancingV2::TargetGroup")
    ]
    inv.groups = [_group(stage, res) for res in stage.resources("AWS::AutoScaling::AutoScalingGroup")]
    for res in stage.resources("AWS::AutoScaling::LifecycleHook"):
        group = _ref(stage, res.properties.get("AutoScalingGroupName"), res.id.stack)
        name = stage.resolve(res.properties.get("AutoScalingGroupName"), res.id.stack)
        for i, existing in enumerate(inv.groups):
            if existing.resource.id == group or (isinstance(name, str) and name == existing.name):
                inv.groups[i] = replace(
                    existing, lifecycle_hooks=(*existing.lifecycle_hooks, _hook(res.properties))
                )
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
    inv.launch_templates = [_launch_template(res) for res in stage.resources("AWS::EC2::LaunchTemplate")]
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
    inv.alarms = [_alarm(stage, res) for res in stage.resources("AWS::CloudWatch::Alarm")]
    inv.composites = [_composite(stage, res) for res in stage.resources("AWS::CloudWatch::CompositeAlarm")]
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
    inv.health_checks = [_health_check(stage, res) for res in stage.resources("AWS::Route53::HealthCheck")]
    for res in stage.resources("AWS::Route53::RecordSet"):
        inv.records.append(_record(stage, res, res.properties))
    for res in stage.resources("AWS::Route53::RecordSetGroup"):
        for raw in res.properties.get("RecordSets") or []:
            inv.records.append(_record(stage, res, raw))
    inv.databases = [_database(stage, res) for res in stage.resources("AWS::RDS::DBInstance")]
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
        name = stage.resolve(p.get("Name"), res.id.stack)
        text, document = _document(p.get("Content"))
        inv.runbooks.append(Runbook(res, name if isinstance(name, str) else None, text, document))
    inv.subscribed_topics = _subscribed_topics(stage)
    return inv
