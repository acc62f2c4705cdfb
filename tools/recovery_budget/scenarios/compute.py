"""Level 1, the web tier: an instance fails (per failure mode), a process hangs, CPU, memory."""

from __future__ import annotations

from ..facts import (
    SIGNAL_CPU,
    SIGNAL_MEMORY,
    SIGNAL_STATUS_CHECK,
    SIGNAL_UNHEALTHY_HOSTS,
    Alarm,
    AutoScalingGroup,
)
from ..latencies import FUNCTION_RESTART_ROUNDS
from ..model import DataLoss, Path, ScenarioResult, Step
from ..timing import (
    alarm_fires,
    asg_poll,
    const,
    datapoints_to_fire,
    ec2_state_event,
    event_to_function,
    group_warnings,
    lat_step,
    launch,
    metric_resolution,
    operator,
    replace_instances,
    target_healthy,
    target_unhealthy,
)
from . import STATELESS, Context, per_group, pick_fastest, unknown_name_warning

# Failure modes of an instance and the EC2 states each one passes through (EC2 instance lifecycle).
STOPPED, TERMINATED, DEAD_BUT_RUNNING, HUNG = "stopped", "terminated", "dead but running", "hung"


def _elb_detection(ctx: Context, group: AutoScalingGroup) -> Path | None:
    tg = ctx.target_group(group)
    if tg is None or not group.uses_elb_health:
        return None
    return Path(
        "ALB health check -> Auto Scaling (HealthCheckType ELB)",
        (target_unhealthy(tg), asg_poll(ctx.latencies)),
    )


def _asg_sees_not_running(ctx: Context, group: AutoScalingGroup) -> Path:
    return Path(
        "Auto Scaling EC2 health check (instance not running)",
        (
            lat_step(
                ctx.latencies,
                "Auto Scaling's next periodic health check sees the instance is not running",
                "ASG_HEALTH_CHECK_POLL_SECONDS",
                where=str(group.resource.id),
            ),
        ),
    )


def _state_rule_paths(ctx: Context, group: AutoScalingGroup, states: tuple[str, ...]) -> list[Path]:
    region, account = group.resource.region, ctx.account(group.resource.id.stack)
    rules = {
        rule.resource.id: rule
        for state in states
        for rule in ctx.inv.rules_matching(ec2_state_event(state, account, region), region=region)
        if rule.reaches("lambda")
    }
    return [
        Path(
            f"EC2 state-change event -> {rule.describe_targets()}",
            tuple(
                event_to_function(
                    ctx.latencies, rule.resource.id, "healing function marks the instance unhealthy"
                )
            ),
        )
        for rule in rules.values()
    ]


def _status_check_paths(ctx: Context, result: ScenarioResult, group: AutoScalingGroup) -> list[Path]:
    """A running instance fails its EC2 status checks: Auto Scaling's EC2 health check waits, then replaces
    it; a status-check alarm per instance reaches the healing function; one that pages reaches a person."""
    lat = ctx.latencies
    paths = [
        Path(
            "EC2 status check impaired -> Auto Scaling waits, then replaces",
            (
                lat_step(lat, "EC2 runs its next status check", "EC2_STATUS_CHECK_INTERVAL_SECONDS"),
                asg_poll(lat),
                lat_step(
                    lat,
                    "Auto Scaling waits before replacing an impaired running instance",
                    "ASG_IMPAIRED_STATUS_WAIT_SECONDS",
                ),
            ),
        )
    ]
    for alarm in ctx.inv.alarms_on_group(group, SIGNAL_STATUS_CHECK):
        routing = ctx.route(alarm)
        name = alarm.name or str(alarm.resource.id)
        fired = tuple(alarm_fires(alarm, ctx.inv, group, lat, result.warnings))
        if routing.healing_rules and "InstanceId" in alarm.dimensions:
            rule = routing.healing_rules[0]
            paths.append(
                Path(
                    f"alarm {name} -> {rule.describe_targets()}",
                    fired
                    + tuple(event_to_function(lat, rule.resource.id, "healing function marks it unhealthy")),
                )
            )
        page = routing.fastest_page
        if page is not None:
            paths.append(
                Path(
                    f"{page.route} -> on-call",
                    (*fired, *page.steps, operator(lat, "on-call is paged and marks the instance unhealthy")),
                )
            )
    return paths


def _mode(result: ScenarioResult, mode: str, candidates: list[Path]) -> Path | None:
    labelled = [Path(f"{mode}: {path.name}", path.steps) for path in candidates]
    chosen = pick_fastest(result, labelled)
    if chosen is not None:
        result.modes[mode] = chosen
    return chosen


def _instance_crash(ctx: Context, result: ScenarioResult, group: AutoScalingGroup) -> None:
    """An instance of the group fails; the group replaces it. The figure is the slowest failure mode.

    - stopped (host failure, OS shutdown, someone stops it): the EC2 state-change rule reaches the
      healing function, which marks the member unhealthy; Auto Scaling's EC2 health check sees it is not
      running ("treated as an immediate failure" at its next check); the ALB check with HealthCheckType ELB.
    - terminated: the function leaves terminated members to the group (its contract), so Auto Scaling's
      own check, or the ALB check, finds it.
    - dead but running (kernel panic, lost network): EC2 still says "running"; the ALB check with
      HealthCheckType ELB, or the EC2 status checks after which Auto Scaling waits a few minutes.
    """
    lat, tg, pool, template = ctx.latencies, ctx.target_group(group), ctx.pool(group), ctx.template(group)
    elb = _elb_detection(ctx, group)
    not_running = _asg_sees_not_running(ctx, group)
    modes = {
        STOPPED: [not_running, *_state_rule_paths(ctx, group, ("stopping", "stopped"))]
        + ([elb] if elb else []),
        TERMINATED: [not_running] + ([elb] if elb else []),
        DEAD_BUT_RUNNING: ([elb] if elb else []) + _status_check_paths(ctx, result, group),
    }
    chosen = [path for mode, paths in modes.items() if (path := _mode(result, mode, paths)) is not None]
    result.detection = max(chosen, key=lambda path: (path.seconds, path.typical_seconds))
    result.recovery = Path(
        "Auto Scaling replaces the instance", tuple(replace_instances(group, tg, pool, lat, 1, template))
    )
    result.data_loss = STATELESS
    result.warnings.extend(group_warnings(group, tg, pool, lat, template))


def notify_paths(
    ctx: Context, result: ScenarioResult, group: AutoScalingGroup, signal: str, action: str
) -> list[Path]:
    """Alarm -> the fastest way it pages a person -> they act (``action``)."""
    paths = []
    for alarm in ctx.inv.alarms_on_group(group, signal):
        routing = ctx.route(alarm)
        page = routing.fastest_page
        if page is None:
            continue
        steps = [*alarm_fires(alarm, ctx.inv, group, ctx.latencies, result.warnings), *page.steps]
        steps.append(operator(ctx.latencies, f"on-call is paged, decides and {action}"))
        paths.append(Path(f"{page.route} -> on-call", tuple(steps)))
    return paths


def _process_hung(ctx: Context, result: ScenarioResult, group: AutoScalingGroup) -> None:
    """The web process hangs: ``/health`` times out while EC2 says the instance is running.

    Only the ALB sees this. With HealthCheckType ELB the group replaces the instance; otherwise only
    an unhealthy-host alarm can page a person. Recovery: the group replaces the instance.
    """
    lat, tg, pool, template = ctx.latencies, ctx.target_group(group), ctx.pool(group), ctx.template(group)
    candidates = []
    elb = _elb_detection(ctx, group)
    if elb:
        candidates.append(elb)
    elif tg is not None:
        result.warnings.append(
            f"{group.resource.id}: HealthCheckType={group.health_check_type}: the group ignores the ALB "
            "health check, so a hung web process is never replaced automatically (set HealthCheckType ELB)"
        )
    candidates.extend(
        notify_paths(ctx, result, group, SIGNAL_UNHEALTHY_HOSTS, "marks the instance unhealthy")
    )
    result.detection = _mode(result, HUNG, candidates)
    if result.detection is None:
        result.gap_reason = (
            f"nothing detects a hung web process on {group.resource.id}: no ALB health check used by the "
            "group (HealthCheckType ELB) and no unhealthy-host alarm that pages someone"
        )
        return
    result.recovery = Path(
        "Auto Scaling replaces the instance", tuple(replace_instances(group, tg, pool, lat, 1, template))
    )
    result.data_loss = STATELESS
    result.warnings.extend(group_warnings(group, tg, pool, lat, template))


def _tracking_path(ctx: Context, group: AutoScalingGroup) -> Path | None:
    lat, inv = ctx.latencies, ctx.inv
    tracking = [
        p
        for p in inv.policies(group)
        if p.policy_type == "TargetTrackingScaling"
        and p.metric in ("ASGAverageCPUUtilization", "CPUUtilization")
    ]
    if not tracking:
        return None
    policy = tracking[0]
    probe = Alarm(
        resource=policy.resource,
        name=None,
        namespace="AWS/EC2",
        metric_names=("CPUUtilization",),
        dimensions={},
        period=60,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        threshold=None,
        comparison=None,
        actions=(),
        signal=SIGNAL_CPU,
        math=False,
    )
    resolution, source, _ = metric_resolution(probe, inv, group, lat)
    datapoints = int(lat.s("TARGET_TRACKING_SCALE_OUT_DATAPOINTS"))
    return Path(
        f"target tracking {policy.resource.id} scales out",
        tuple(
            datapoints_to_fire(
                "target-tracking scale-out alarm",
                datapoints,
                resolution,
                resolution,
                lat,
                f"{policy.resource.id}: PolicyType=TargetTrackingScaling; "
                f"{const(lat, 'TARGET_TRACKING_SCALE_OUT_DATAPOINTS')}; {source}",
            )
        ),
    )


def _cpu_saturation(ctx: Context, result: ScenarioResult, group: AutoScalingGroup) -> None:
    """Load drives the group's CPU over its threshold; recovery is added capacity serving traffic.

    Paths: a target-tracking policy on CPU (its managed alarm: 3 datapoints at the EC2 metric's
    resolution); a CPU alarm whose action is a scaling policy; a CPU alarm routed to the healing
    function (which scales out only when the group has no target tracking); a CPU alarm that pages.
    Assumes the group is below MaxSize when the load arrives.
    """
    lat, tg, pool, inv = ctx.latencies, ctx.target_group(group), ctx.pool(group), ctx.inv
    desired = group.running_capacity
    if group.max_size <= desired:
        result.gap_reason = (
            f"{group.resource.id}: MaxSize={group.max_size} leaves no room above the desired capacity "
            f"{desired}: raise MaxSize so the group can scale out"
        )
        return
    candidates = []
    tracking = _tracking_path(ctx, group)
    if tracking:
        candidates.append(tracking)
    for alarm in inv.alarms_on_group(group, SIGNAL_CPU):
        if (warning := unknown_name_warning(alarm)) and warning not in result.warnings:
            result.warnings.append(warning)
        routing = ctx.route(alarm)
        name = alarm.name or str(alarm.resource.id)
        if routing.scaling_policies:
            candidates.append(
                Path(
                    f"alarm {name} -> scaling policy {routing.scaling_policies[0]}",
                    tuple(alarm_fires(alarm, inv, group, lat, result.warnings)),
                )
            )
        if routing.healing_rules and not tracking:
            rule = routing.healing_rules[0]
            candidates.append(
                Path(
                    f"alarm {name} -> {rule.describe_targets()} scales out by one",
                    (
                        *alarm_fires(alarm, inv, group, lat, result.warnings),
                        *event_to_function(
                            lat, rule.resource.id, "healing function raises the desired capacity"
                        ),
                    ),
                )
            )
    if not candidates:
        candidates.extend(notify_paths(ctx, result, group, SIGNAL_CPU, "raises the desired capacity"))
    result.detection = _mode(result, "load", candidates)
    if result.detection is None:
        result.gap_reason = (
            f"nothing adds capacity to {group.resource.id} under CPU load: no target tracking on CPU, no CPU "
            "alarm with a scaling action, healing route or page"
        )
        return
    steps = [launch(group, pool, lat, ctx.template(group))]
    if tg is not None:
        steps.append(target_healthy(tg))
    result.recovery = Path("new capacity serves traffic", tuple(steps))
    result.data_loss = STATELESS


def _memory_pressure(ctx: Context, result: ScenarioResult, group: AutoScalingGroup) -> None:
    """Memory use on an instance rises past its threshold (a leak); recovery restarts the web service.

    Paths: a memory alarm (CloudWatch agent metric) routed to the healing function, which restarts the
    web unit through SSM Run Command; a memory alarm that pages a person who does the same.
    Recovery: the restart, then the target passes the ALB health check again.
    """
    lat, tg, inv = ctx.latencies, ctx.target_group(group), ctx.inv
    candidates = []
    for alarm in inv.alarms_on_group(group, SIGNAL_MEMORY):
        if (warning := unknown_name_warning(alarm)) and warning not in result.warnings:
            result.warnings.append(warning)
        routing = ctx.route(alarm)
        for rule in routing.healing_rules[:1]:
            candidates.append(
                Path(
                    f"alarm {alarm.name or alarm.resource.id} -> {rule.describe_targets()}",
                    (
                        *alarm_fires(alarm, inv, group, lat, result.warnings),
                        *event_to_function(
                            lat, rule.resource.id, "healing function sends the restart command"
                        ),
                    ),
                )
            )
    if not candidates:
        candidates.extend(notify_paths(ctx, result, group, SIGNAL_MEMORY, "restarts the web service"))
    result.detection = _mode(result, "leak", candidates)
    if result.detection is None:
        result.gap_reason = (
            f"no memory alarm on {group.resource.id} (CloudWatch agent mem_used_percent) that heals or "
            "pages: "
            "memory pressure is only caught once /health fails (see process_hung)"
        )
        return
    steps: list[Step] = [
        lat_step(lat, "SSM Run Command restarts the web unit", "SSM_RUN_COMMAND_SECONDS"),
        # The function sends RetryCount 0: one round of probes, the longest a passing restart takes.
        *(
            lat_step(lat, "the restarted unit answers its health probe", "COMMAND_RESTART_ROUND_SECONDS")
            for _ in range(FUNCTION_RESTART_ROUNDS)
        ),
    ]
    if tg is not None:
        steps.append(target_healthy(tg))
    result.recovery = Path("restart the web service", tuple(steps))
    result.data_loss = DataLoss(0, "in-flight requests on the restarted process fail; no stored data is lost")


def instance_crash(ctx: Context) -> ScenarioResult:
    return per_group(ctx, "instance_crash", _instance_crash)


def process_hung(ctx: Context) -> ScenarioResult:
    return per_group(ctx, "process_hung", _process_hung)


def cpu_saturation(ctx: Context) -> ScenarioResult:
    return per_group(ctx, "cpu_saturation", _cpu_saturation)


def memory_pressure(ctx: Context) -> ScenarioResult:
    return per_group(ctx, "memory_pressure", _memory_pressure)
