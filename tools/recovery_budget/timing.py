"""Timing formulas: the building blocks of every scenario, each with a worst and a typical value.

Each function returns :class:`Step` objects that carry the numbers, the formula and where each input
was read, so a report reader can check the arithmetic against the template. "Worst" means the failure
starts at the least favourable moment (just after a successful health check, just after a metric
period began) and every service latency takes its worst value; "typical" means the failure starts at
a random moment (half an interval on average) and every latency takes its typical value.
"""

from __future__ import annotations

import math
from typing import Any

from tools.cloud_assembly import Attr

from .boot import in_service, launch
from .facts import (
    SIGNAL_CPU,
    SIGNAL_STATUS_CHECK,
    Alarm,
    AutoScalingGroup,
    Inventory,
    LaunchTemplate,
    TargetGroup,
    WarmPool,
)
from .latencies import Latencies
from .latencies import cite as const
from .model import Step, fmt_duration

__all__ = [
    "alarm_event",
    "alarm_fires",
    "asg_poll",
    "const",
    "datapoints_to_fire",
    "ec2_state_event",
    "event_to_function",
    "group_warnings",
    "in_service",
    "lat_step",
    "launch",
    "metric_resolution",
    "operator",
    "rds_failure_event",
    "replace_instances",
    "replacement_batch",
    "target_healthy",
    "target_unhealthy",
]


def lat_step(latencies: Latencies, label: str, name: str, *, human: bool = False, where: str = "") -> Step:
    """A step that is one named constant (worst and typical)."""
    return Step(
        label,
        latencies.s(name),
        f"{where + '; ' if where else ''}{const(latencies, name)}",
        typical=latencies.typ(name),
        human=human,
    )


def target_unhealthy(tg: TargetGroup) -> Step:
    """ALB marks a failing target unhealthy.

    Worst: ``HealthCheckIntervalSeconds x UnhealthyThresholdCount + HealthCheckTimeoutSeconds``: the
    failure starts just after a successful check, so the first failing check starts at most one
    interval later and the U-th at ``I x U``; a hung target answers nothing, so that last check only
    fails when its timeout ``T`` expires. Typical: the failure starts mid-interval, ``I/2 + (U-1) x I + T``.
    """
    seconds = tg.interval * tg.unhealthy_threshold + tg.timeout
    typical = tg.interval / 2 + (tg.unhealthy_threshold - 1) * tg.interval + tg.timeout
    return Step(
        "ALB marks the target unhealthy",
        seconds,
        f"{tg.resource.id}: HealthCheckIntervalSeconds={tg.interval}, "
        f"UnhealthyThresholdCount={tg.unhealthy_threshold}, "
        f"HealthCheckTimeoutSeconds={tg.timeout}",
        f"{tg.interval} x {tg.unhealthy_threshold} + {tg.timeout}",
        typical=typical,
    )


def target_healthy(tg: TargetGroup) -> Step:
    """A new target that is ready passes the health check and receives traffic.

    Worst: ``HealthCheckIntervalSeconds x HealthyThresholdCount``: the app becomes ready just after a
    check, waits up to one interval for the first passing check, then needs H-1 more. Typical: half
    an interval for the first.
    """
    return Step(
        "new target passes the ALB health check",
        tg.interval * tg.healthy_threshold,
        f"{tg.resource.id}: HealthCheckIntervalSeconds={tg.interval}, "
        f"HealthyThresholdCount={tg.healthy_threshold}",
        f"{tg.interval} x {tg.healthy_threshold}",
        typical=tg.interval / 2 + (tg.healthy_threshold - 1) * tg.interval,
    )


def asg_poll(latencies: Latencies) -> Step:
    return lat_step(
        latencies,
        "Auto Scaling's next periodic health check marks it unhealthy",
        "ASG_HEALTH_CHECK_POLL_SECONDS",
    )


def event_to_function(latencies: Latencies, rule_id: Any, action: str) -> list[Step]:
    """EventBridge delivers the event to the healing function, which acts.

    Formula: ``EVENTBRIDGE_DELIVERY + LAMBDA_COLD_START + HEALING_ACTION``.
    """
    return [
        lat_step(
            latencies,
            "EventBridge delivers the event",
            "EVENTBRIDGE_DELIVERY_SECONDS",
            where=f"rule {rule_id}",
        ),
        lat_step(latencies, "healing function cold start", "LAMBDA_COLD_START_SECONDS"),
        lat_step(latencies, action, "HEALING_ACTION_SECONDS"),
    ]


def operator(latencies: Latencies, label: str = "on-call is paged, decides and acts") -> Step:
    """The on-call's part: a human step, shown apart from the automated ones."""
    return lat_step(latencies, label, "OPERATOR_RESPONSE_SECONDS", human=True)


def metric_resolution(
    alarm: Alarm, inv: Inventory, group: AutoScalingGroup | None, latencies: Latencies
) -> tuple[float, str, str | None]:
    """How often the alarm's metric gets a datapoint: (seconds, source, warning or None).

    EC2 metrics come every 5 minutes unless the launch template turns on detailed monitoring (every
    minute); CloudWatch agent metrics at the agent's collection interval; other AWS metrics every minute.
    """
    namespace = alarm.namespace or ""
    if namespace == "AWS/EC2":
        if group is not None and inv.detailed_monitoring(group):
            lt = inv.launch_template(group.launch_template)
            return (
                latencies.s("EC2_DETAILED_MONITORING_PERIOD_SECONDS"),
                f"{lt.resource.id if lt else '?'}: Monitoring.Enabled=true",
                None,
            )
        resolution = latencies.s("EC2_BASIC_MONITORING_PERIOD_SECONDS")
        warning = None
        if alarm.period < resolution:
            warning = (
                f"{alarm.resource.id}: Period={alarm.period}s on an EC2 metric without detailed monitoring "
                f"(data every {resolution:g}s): turn on detailed monitoring in the launch template"
            )
        return resolution, "launch template without detailed monitoring (EC2 basic monitoring)", warning
    if namespace.startswith("AWS/"):
        return 60.0, f"{namespace} publishes 1-minute metrics", None
    return (
        latencies.s("CWAGENT_COLLECTION_INTERVAL_SECONDS"),
        f"{namespace or 'custom'} metric: {const(latencies, 'CWAGENT_COLLECTION_INTERVAL_SECONDS')}",
        None,
    )


def datapoints_to_fire(
    label: str, datapoints: int, period: float, resolution: float, latencies: Latencies, source: str
) -> list[Step]:
    """A sustained breach makes an M-of-N alarm fire.

    Worst: ``resolution + M x max(Period, resolution) + METRIC_INGESTION_DELAY + ALARM_EVALUATION_INTERVAL``.
    The breach starts just after a datapoint began, and that partial datapoint may stay under the
    threshold (``resolution``; typical: half of it); then M breaching datapoints, each at least one
    metric resolution long; the last one reaches CloudWatch after the ingestion delay and is seen at
    the next evaluation (every minute; every 10 s for periods under a minute).
    """
    effective = max(period, resolution)
    sub_minute = period < 60
    return [
        Step(
            "breach starts just after a datapoint began (partial datapoint may not breach)",
            resolution,
            f"metric resolution {resolution:g}s",
            typical=resolution / 2,
        ),
        Step(
            f"{label}: {datapoints} breaching datapoint(s) of {effective:g}s",
            datapoints * effective,
            source,
            f"{datapoints} x max(Period {period:g}, resolution {resolution:g})",
        ),
        lat_step(latencies, "last datapoint reaches CloudWatch", "METRIC_INGESTION_DELAY_SECONDS"),
        Step("alarm evaluation", 10.0, "10s for sub-minute periods", typical=5.0)
        if sub_minute
        else lat_step(latencies, "alarm evaluation", "ALARM_EVALUATION_INTERVAL_SECONDS"),
    ]


def alarm_fires(
    alarm: Alarm, inv: Inventory, group: AutoScalingGroup | None, latencies: Latencies, warnings: list[str]
) -> list[Step]:
    """From the start of a sustained breach to the alarm entering ALARM (see above)."""
    resolution, resolution_source, warning = metric_resolution(alarm, inv, group, latencies)
    if warning and warning not in warnings:
        warnings.append(warning)
    name = alarm.name or str(alarm.resource.id)
    source = (
        f"{alarm.resource.id}: Period={alarm.period}, DatapointsToAlarm={alarm.datapoints_to_alarm}, "
        f"EvaluationPeriods={alarm.evaluation_periods}; {resolution_source}"
    )
    return datapoints_to_fire(
        f"alarm {name}", alarm.datapoints_to_alarm, alarm.period, resolution, latencies, source
    )


def alarm_event(alarm: Any, account: str, region: str) -> dict[str, Any]:
    """The "CloudWatch Alarm State Change" event this alarm (or composite) emits when it enters ALARM."""
    name = alarm.name or f"<generated name of {alarm.resource.id}>"
    detail: dict[str, Any] = {
        "alarmName": name,
        "state": {"value": "ALARM"},
        "previousState": {"value": "OK"},
    }
    if isinstance(alarm, Alarm):
        dimensions = {
            key: (
                value
                if isinstance(value, str)
                else f"<{value.resource}>"
                if isinstance(value, Attr)
                else "<unknown>"
            )
            for key, value in alarm.dimensions.items()
        }
        metric = {"namespace": alarm.namespace, "name": alarm.metric_names[0] if alarm.metric_names else None}
        detail["configuration"] = {
            "metrics": [{"metricStat": {"metric": {**metric, "dimensions": dimensions}}}]
        }
    else:  # a composite: its configuration carries the rule
        detail["configuration"] = {"alarmRule": "<composite rule>"}
    return {
        "version": "0",
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "account": account,
        "region": region,
        "resources": [f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"],
        "detail": detail,
    }


def ec2_state_event(state: str, account: str, region: str) -> dict[str, Any]:
    """The "EC2 Instance State-change Notification" event for an instance entering ``state``."""
    return {
        "version": "0",
        "source": "aws.ec2",
        "detail-type": "EC2 Instance State-change Notification",
        "account": account,
        "region": region,
        "resources": [f"arn:aws:ec2:{region}:{account}:instance/i-0123456789abcdef0"],
        "detail": {"instance-id": "i-0123456789abcdef0", "state": state},
    }


def rds_failure_event(identifier: str | None, account: str, region: str) -> dict[str, Any]:
    """The "RDS DB Instance Event" RDS emits when a DB instance fails (RDS-EVENT-0031, category failure)."""
    name = identifier or "<generated name>"
    arn = f"arn:aws:rds:{region}:{account}:db:{name}"
    return {
        "version": "0",
        "source": "aws.rds",
        "detail-type": "RDS DB Instance Event",
        "account": account,
        "region": region,
        "resources": [arn],
        "detail": {
            "EventCategories": ["failure"],
            "SourceType": "DB_INSTANCE",
            "SourceArn": arn,
            "SourceIdentifier": name,
            "EventID": "RDS-EVENT-0031",
        },
    }


def replacement_batch(group: AutoScalingGroup, latencies: Latencies) -> tuple[int, str]:
    """How many unhealthy instances Auto Scaling replaces at a time.

    Without an instance maintenance policy: 10 % of the desired capacity, at least one (documented in
    "How Amazon EC2 Auto Scaling minimizes downtime"). With one: the room between its minimum and
    maximum healthy percentages, ``floor(desired x (max - min) / 100)``, at least one. The desired
    capacity is the template's, or MinSize when the template leaves it out (worst case: smallest).
    """
    desired = group.running_capacity
    where = f"{group.resource.id}"
    if group.min_healthy_percent is None or group.max_healthy_percent is None:
        percent = latencies.s("ASG_DEFAULT_REPLACEMENT_PERCENT")
        return max(1, math.floor(desired * percent / 100)), (
            f"{where}: no InstanceMaintenancePolicy, desired {desired} -> 10% at a time"
        )
    room = group.max_healthy_percent - group.min_healthy_percent
    return max(1, math.floor(desired * room / 100)), (
        f"{where}: InstanceMaintenancePolicy {group.min_healthy_percent}-{group.max_healthy_percent}%, "
        f"desired {desired}"
    )


def replace_instances(
    group: AutoScalingGroup,
    tg: TargetGroup | None,
    pool: WarmPool | None,
    latencies: Latencies,
    lost: int = 1,
    template: LaunchTemplate | None = None,
) -> list[Step]:
    """Auto Scaling replaces ``lost`` unhealthy instances and they receive traffic again.

    Formula per round: ``launch + target healthy``; rounds = ``ceil(lost / batch)``; between rounds
    Auto Scaling waits for the default instance warmup (if the group sets one). Replacements launch
    while the unhealthy instance terminates (the documented "terminate and launch" default) or before
    it (launch before terminating), so connection draining is not on the critical path.
    """
    steps = [launch(group, pool, latencies, template)]
    if tg is not None:
        steps.append(target_healthy(tg))
    batch, batch_source = replacement_batch(group, latencies)
    rounds = math.ceil(lost / batch) if lost > 0 else 0
    if rounds > 1:
        per_round = sum(step.seconds for step in steps)
        per_round_typical = sum(step.typical_seconds for step in steps)
        warmup = group.default_instance_warmup or 0
        steps.append(
            Step(
                f"{rounds - 1} more replacement round(s) of {batch} instance(s) ({lost} to replace)",
                (rounds - 1) * (per_round + warmup),
                f"{batch_source}; DefaultInstanceWarmup={warmup}",
                f"({rounds} - 1) x ({fmt_duration(per_round)} + warmup {warmup}s)",
                typical=(rounds - 1) * (per_round_typical + warmup),
            )
        )
    return steps


def group_warnings(
    group: AutoScalingGroup,
    tg: TargetGroup | None,
    pool: WarmPool | None,
    latencies: Latencies,
    template: LaunchTemplate | None = None,
) -> list[str]:
    """Settings that do not change the steady-state worst case but bite at the edges."""
    found = []
    ready = launch(group, pool, latencies, template).seconds + (target_healthy(tg).seconds if tg else 0)
    if group.uses_elb_health and group.grace_period < ready:
        found.append(
            f"{group.resource.id}: HealthCheckGracePeriod={group.grace_period}s is shorter than the "
            f"{fmt_duration(ready)} a new instance needs to pass the ALB check: replacements may be killed "
            "before they are ready"
        )
    if group.grace_period > 0 and group.uses_elb_health:
        found.append(
            f"{group.resource.id}: an instance that fails within "
            f"HealthCheckGracePeriod={group.grace_period}s "
            "of launch is only replaced after the grace period ends"
        )
    hook = group.launch_hook
    if hook is not None:
        found.append(
            f"{group.resource.id}: a launch lifecycle hook holds new instances up to "
            f"HeartbeatTimeout={hook.heartbeat_timeout}s (then {hook.default_result}) if nothing completes it"
        )
    if pool is not None and pool.min_size >= 1 and hook is None:
        found.append(
            f"{group.resource.id}: warm pool {pool.resource.id} without an EC2_INSTANCE_LAUNCHING hook: "
            "Auto Scaling does not wait for user data before stopping a pooled instance and user data does "
            "not run again, so a warm instance can go InService without its app (counted as a cold boot)"
        )
    return found


def detection_signal(alarm: Alarm) -> str:
    """Human-readable signal name for reports."""
    return {SIGNAL_CPU: "CPU", SIGNAL_STATUS_CHECK: "status check"}.get(alarm.signal, alarm.signal)
