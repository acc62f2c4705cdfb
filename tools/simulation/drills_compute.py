"""Simulated drills of the web tier: instance crash, hung process, CPU saturation, memory pressure.

Each deploys the primary region's Network, Compute and Monitoring stacks into the emulator, runs the
web tier's health checks, Auto Scaling's health check, the deployed alarms and the deployed healing
function on the virtual clock, injects one failure at time 0 and runs until the group is back at
capacity with every target healthy (both read from the emulator and the simulated checks).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from tools.gameday import aws_events
from tools.gameday.drills import Run, scripted_instance_agent
from tools.simulation.alarms import ALARM, AlarmSpec, MetricAlarm
from tools.simulation.drill_base import PRIMARY, DrillResult, Sim
from tools.simulation.metrics import MetricKey
from tools.simulation.monitor import EVALUATION_PHASE_SECONDS
from tools.simulation.traces import MetricSource, Shape, announce, interval_average
from tools.simulation.webtier import WebTier

__all__ = ["cpu_saturation", "instance_crash", "memory_pressure", "process_hung", "watch_replacement"]

LIMIT_SECONDS = 3600.0
CPU_SHAPE = Shape(baseline=35.0, peak=97.0, climb_seconds=60.0)
"""CPU per instance under the load that arrives at time 0 (the budget's worst case: the datapoint
being collected when it arrives does not breach)."""
MEMORY_OTHERS_PERCENT = 84.0
"""Memory of every instance before the leak, and of the others during it: just under the alarm's
threshold, so the group average (what the alarm's AutoScalingGroupName dimension measures) crosses
it with one leaking instance. With the others lower, one leak may never move the average past it."""
MEMORY_LEAK = Shape(baseline=MEMORY_OTHERS_PERCENT, peak=95.0, climb_seconds=60.0, drift_per_minute=0.5)
"""The leaking instance's memory: past the alarm's threshold within a minute, still climbing."""
MEMORY_AFTER_RESTART_PERCENT = 41.0
RESTART_ANSWER = "AUTOHEAL_RESTART_RC=0\nAUTOHEAL_HEALTH=ok\nAUTOHEAL_MEM_USED_PERCENT=41.0\n"
REQUESTS_PER_MINUTE = 600.0
"""Traffic through the load balancer during the web-tier drills (an assumption; the 5xx rate the
alarms see is a share of it, so its size does not matter)."""
"""The instance's answer to the healing function's restart command (moto runs no command)."""


def _start(sim: Sim) -> WebTier:
    sim.deploy(PRIMARY)
    return sim.web(PRIMARY)


def watch_replacement(sim: Sim, web: WebTier, victim: str) -> None:
    """Detection: the moment the group starts replacing ``victim`` (it stops being a member)."""

    def check() -> None:
        if sim.detected_at is None and victim not in web.members():
            by_poll = any(instance == victim for _, instance, _ in web.poll.marked)
            sim.detect(
                f"the group replaces {victim} ("
                + ("Auto Scaling's health check" if by_poll else "the healing function marked it unhealthy")
                + ")"
            )

    sim.on_sync.append(check)


def _replaced(sim: Sim, web: WebTier, victim: str, scenario: str) -> DrillResult:
    recovered_at = sim.run_until(
        lambda: victim not in web.members() and web.at_capacity(), within=LIMIT_SECONDS
    )
    states = web.states()
    sim.timeline.check(
        "failed instance replaced",
        victim not in web.members() and states.get(victim) in ("terminated", "shutting-down"),
        f"{victim} is {states.get(victim)}, members {web.members()}",
    )
    sim.timeline.check(
        "back at capacity with healthy targets",
        recovered_at is not None,
        f"{web.describe()}",
        source="SIMULATED",
    )
    return sim.result(scenario, recovered_at)


def _is_restart(parameters: Mapping[str, Sequence[str]]) -> bool:
    """A service restart: the healing Command document's ``Action=RestartService`` (a shell
    ``systemctl restart`` line for documents that run commands directly)."""
    return list(parameters.get("Action", [])) == ["RestartService"] or any(
        "systemctl restart" in line for line in parameters.get("commands", [])
    )


def _restart_targets(web: WebTier) -> list[str]:
    """Instances a restart command was sent to (the emulator's Run Command history)."""
    commands = web.client("ssm").list_commands().get("Commands", [])
    return [
        instance_id
        for command in commands
        if _is_restart(command.get("Parameters", {}))
        for instance_id in command.get("InstanceIds", [])
    ]


def instance_crash(sim: Sim) -> DrillResult:
    web = _start(sim)
    delivery = sim.delivery()
    sim.monitor()
    sim.warm_up()
    victim = web.in_service()[0]
    web.client("ec2").stop_instances(InstanceIds=[victim])
    sim.timeline.injected(f"{victim} stops (a host failure), through the emulator's StopInstances")
    sim.sync()
    event = aws_events.ec2_state_change(
        account=sim.world.account,
        region=PRIMARY,
        instance_id=victim,
        state="stopped",
        at=sim.clock.datetime(),
    )
    sim.timeline.injected(
        f"the event EC2 emits: 'EC2 Instance State-change Notification' (stopped), id {event['id']}"
    )
    watch_replacement(sim, web, victim)
    delivery.deliver(event, why=f"{victim} stopped")
    result = _replaced(sim, web, victim, "instance_crash")
    medium = [p for p in sim.published() if p.topic_name.endswith("-medium")]
    sim.timeline.check(
        "the healing function notified", bool(medium), f"{len(medium)} message(s) on the medium topic"
    )
    return result


def failing_share(web: WebTier, at: float) -> float:
    """Share of requests the load balancer answers 5xx at ``at``: it routes to healthy targets, to all
    of them when none is healthy ("If there are no healthy targets, the load balancer routes requests
    to all targets": fail open, "Health checks for Application Load Balancer target groups"), 503
    when there are none, and a routed target that does not answer makes it time out (504)."""
    known = [t for t in web.app.launched if web.checker.state_at(t, at) is not None]
    routed = [t for t in known if web.checker.state_at(t, at) == "healthy"] or known
    if not routed:
        return 1.0
    return sum(1 for t in routed if not web.app.answering(t, at)) / len(routed)


def traffic(sim: Sim, web: WebTier) -> None:
    """RequestCount and 5xx counts of the web tier's load balancer, per minute (INJECTED traffic)."""
    delay = sim.latencies.s("METRIC_INGESTION_DELAY_SECONDS")
    dims = {"LoadBalancer": web.load_balancer_arn.split(":loadbalancer/", 1)[1]}

    def elb_5xx(start: float, end: float) -> float:
        return REQUESTS_PER_MINUTE * interval_average(lambda t: failing_share(web, t), start, end)

    sources = {
        "RequestCount": lambda start, end: REQUESTS_PER_MINUTE,
        "HTTPCode_ELB_5XX_Count": lambda start, end: elb_5xx(start, end) or None,
    }
    for name, value in sources.items():
        key = MetricKey.of("AWS/ApplicationELB", name, dims)
        MetricSource(
            clock=sim.clock, store=sim.store, key=key, resolution=60, value=value, ingestion_delay=delay
        ).start(backfill_from=sim.clock.now)
    announce(
        sim.timeline,
        MetricKey.of("AWS/ApplicationELB", "RequestCount", dims),
        60,
        f"{REQUESTS_PER_MINUTE:g} requests/min; HTTPCode_ELB_5XX_Count from the targets that do not answer",
    )


def process_hung(sim: Sim) -> DrillResult:
    web = _start(sim)
    traffic(sim, web)
    sim.monitor()
    sim.warm_up()
    victim = web.in_service()[0]
    web.app.hung[victim] = 0.0
    sim.timeline.injected(
        f"the web process of {victim} hangs: /health answers nothing; EC2 still reports the instance running"
    )
    watch_replacement(sim, web, victim)
    result = _replaced(sim, web, victim, "process_hung")
    marked = [m for m in web.poll.marked if m[1] == victim]
    sim.timeline.check(
        "Auto Scaling's ELB health check replaced it",
        bool(marked),
        f"marked {marked[0][2] if marked else 'never'}",
        source="SIMULATED",
    )
    return result


# ------------------------------------------------------------------------------------------------
# CPU saturation: target tracking on CPU, the group's CPU alarm to the healing function
# ------------------------------------------------------------------------------------------------
def _cpu_policy(sim: Sim, web: WebTier) -> float:
    for _, body in sim.world.resources(web.compute, "AWS::AutoScaling::ScalingPolicy"):
        config = (body.get("Properties") or {}).get("TargetTrackingConfiguration") or {}
        metric = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
        if metric == "ASGAverageCPUUtilization":
            return float(config["TargetValue"])
    raise LookupError(f"{web.compute} has no target-tracking policy on ASGAverageCPUUtilization")


def _resolution(sim: Sim, web: WebTier) -> float:
    name = (
        "EC2_DETAILED_MONITORING_PERIOD_SECONDS"
        if web.detailed_monitoring
        else "EC2_BASIC_MONITORING_PERIOD_SECONDS"
    )
    return sim.latencies.s(name)


def cpu_saturation(sim: Sim) -> DrillResult:
    web = _start(sim)
    target = _cpu_policy(sim, web)
    resolution = _resolution(sim, web)
    delay = sim.latencies.s("METRIC_INGESTION_DELAY_SECONDS")
    before = web.desired()
    started = len(web.in_service())

    def cpu(start: float, end: float) -> float:
        serving = max(1, len([i for i in web.in_service() if web.app.answering(i)]))
        return min(100.0, interval_average(CPU_SHAPE, start, end) * started / serving)

    def per_instance(instance_id: str):
        return lambda start, end: cpu(start, end) if web.app.answering(instance_id) else None

    sources = {}

    def add_instance_sources() -> None:
        for instance_id in web.members():
            if instance_id not in sources:
                key = MetricKey.of("AWS/EC2", "CPUUtilization", {"InstanceId": instance_id})
                sources[instance_id] = MetricSource(
                    clock=sim.clock,
                    store=sim.store,
                    key=key,
                    resolution=resolution,
                    value=per_instance(instance_id),
                    ingestion_delay=delay,
                ).start(backfill_from=sim.clock.now)

    group_key = MetricKey.of("AWS/EC2", "CPUUtilization", {"AutoScalingGroupName": web.group_name})
    MetricSource(
        clock=sim.clock,
        store=sim.store,
        key=group_key,
        resolution=resolution,
        value=lambda start, end: [cpu(start, end) for i in web.in_service() if web.app.answering(i)] or None,
        ingestion_delay=delay,
    ).start(backfill_from=sim.clock.now)
    add_instance_sources()
    sim.on_sync.append(add_instance_sources)
    announce(
        sim.timeline,
        group_key,
        resolution,
        CPU_SHAPE.describe("%") + " in total, shared by the instances that answer",
    )
    sim.monitor()
    datapoints = int(sim.latencies.s("TARGET_TRACKING_SCALE_OUT_DATAPOINTS"))
    tracking = MetricAlarm(
        AlarmSpec(
            name=f"TargetTracking-{web.group_name}-AlarmHigh",
            comparison="GreaterThanThreshold",
            evaluation_periods=datapoints,
            datapoints_to_alarm=datapoints,
            threshold=target,
            period=int(resolution),
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            dimensions={"AutoScalingGroupName": web.group_name},
            statistic="Average",
        ),
        sim.store,
    )
    sim.timeline.simulated(
        "Auto Scaling's target-tracking alarm (created by Auto Scaling, not in the template): CPU "
        f"> {target:g} % "
        f"for {datapoints} of {datapoints} datapoints (TARGET_TRACKING_SCALE_OUT_DATAPOINTS)"
    )

    def track() -> None:
        transition = tracking.evaluate(sim.clock.now, sim.clock.epoch.timestamp())
        if transition is None or transition.state != ALARM:
            return
        value = max(v for v in tracking.last_values if v is not None)
        current = web.desired()
        group = web.group()
        # "Target tracking ... adds or removes capacity as required to keep the metric at, or close
        # to, the specified target value" in proportion to the metric (Target tracking scaling
        # policies, EC2 Auto Scaling User Guide); the exact formula is not documented.
        wanted = min(int(group["MaxSize"]), math.ceil(current * value / target))
        sim.timeline.simulated(
            f"target-tracking alarm -> ALARM ({transition.reason}; CPU {value:.0f} % vs target "
            f"{target:g} %): "
            f"Auto Scaling sets the capacity in proportion, {current} -> {wanted}"
        )
        if wanted > current:
            web.client("autoscaling").set_desired_capacity(
                AutoScalingGroupName=web.group_name, DesiredCapacity=wanted
            )
            sim.timeline.emulator(f"SetDesiredCapacity {web.group_name} {current} -> {wanted}")
            sim.detect(f"target tracking scales {web.group_name} out to {wanted}")
            sim.sync()

    interval = sim.latencies.s("ALARM_EVALUATION_INTERVAL_SECONDS")
    first = sim.clock.period_end(interval) + EVALUATION_PHASE_SECONDS
    sim.clock.every(
        interval,
        track,
        first_at=first if first > sim.clock.now else first + interval,
        label="target tracking",
    )
    sim.warm_up()
    sim.timeline.injected(
        f"load arrives at time 0: {CPU_SHAPE.describe('%')} on each of the {started} instance(s)"
    )
    recovered_at = sim.run_until(lambda: web.desired() > before and web.at_capacity(), within=LIMIT_SECONDS)
    sim.timeline.check(
        "capacity added and serving",
        recovered_at is not None,
        f"desired {before} -> {web.desired()}; {web.describe()}",
        source="SIMULATED",
    )
    alarm = sim.monitors[PRIMARY].alarms
    fired = [n for n, a in alarm.items() if any(t.state == ALARM for t in a.transitions)]
    sim.timeline.check(
        "the group's CPU alarm fired from the data",
        any("-cpu-" in n for n in fired),
        f"alarms in ALARM: {fired}",
        source="SIMULATED",
    )
    return sim.result("cpu_saturation", recovered_at)


# ------------------------------------------------------------------------------------------------
# memory pressure: the memory alarm to the healing function, a service restart by Run Command
# ------------------------------------------------------------------------------------------------
def memory_pressure(sim: Sim) -> DrillResult:
    web = _start(sim)
    resolution = sim.latencies.s("CWAGENT_COLLECTION_INTERVAL_SECONDS")
    delay = sim.latencies.s("METRIC_INGESTION_DELAY_SECONDS")
    members = web.in_service()
    hot = members[0]
    restarted: dict[str, float] = {}

    def memory(instance_id: str, t: float) -> float:
        if instance_id in restarted and t >= restarted[instance_id]:
            return MEMORY_AFTER_RESTART_PERCENT
        return MEMORY_LEAK(t) if instance_id == hot else MEMORY_OTHERS_PERCENT

    def value(instance_id: str):
        return lambda start, end: (
            interval_average(lambda t: memory(instance_id, t), start, end)
            if web.app.answering(instance_id) or instance_id in restarted
            else None
        )

    for instance_id in members:
        key = MetricKey.of(
            "CWAgent", "mem_used_percent", {"AutoScalingGroupName": web.group_name, "InstanceId": instance_id}
        )
        MetricSource(
            clock=sim.clock,
            store=sim.store,
            key=key,
            resolution=resolution,
            value=value(instance_id),
            ingestion_delay=delay,
        ).start(backfill_from=sim.clock.now)
    group_key = MetricKey.of("CWAgent", "mem_used_percent", {"AutoScalingGroupName": web.group_name})
    MetricSource(
        clock=sim.clock,
        store=sim.store,
        key=group_key,
        resolution=resolution,
        value=lambda start, end: [interval_average(lambda t, i=i: memory(i, t), start, end) for i in members],
        ingestion_delay=delay,
    ).start(backfill_from=sim.clock.now)
    announce(
        sim.timeline,
        group_key,
        resolution,
        f"{hot}: {MEMORY_LEAK.describe('%')}; the other instance(s) {MEMORY_OTHERS_PERCENT:g} %; "
        f"{MEMORY_AFTER_RESTART_PERCENT:g} % after a service restart",
    )
    delivery = sim.delivery()
    sim.monitor()
    restart_done: dict[str, float] = {}

    def on_run(run: Run) -> None:
        response = run.invocation.response if isinstance(run.invocation.response, dict) else {}
        actions = [a for r in response.get("results", []) for a in r.get("actions", [])]
        if not any(a.get("action") == "RestartService" and a.get("outcome") == "succeeded" for a in actions):
            return
        for instance_id in _restart_targets(web):
            if instance_id in restart_done:
                continue
            seconds = sim.latencies.s("SSM_RUN_COMMAND_SECONDS")
            done = sim.clock.now + seconds
            restarted[instance_id] = restart_done[instance_id] = done
            web.app.restarting_until[instance_id] = done
            sim.detect(f"the healing function restarts the web service on {instance_id} (Run Command)")
            sim.timeline.simulated(
                f"the restart takes {seconds:g} s (SSM_RUN_COMMAND_SECONDS): {instance_id} does not "
                "answer until then"
            )
            sim.clock.schedule(done, sim.touch, label="restart done")

    delivery.listeners.append(on_run)
    sim.warm_up()
    sim.timeline.injected(f"memory of {hot} leaks from time 0: {MEMORY_LEAK.describe('%')}")
    sim.timeline.injected(
        "the instance's answer to Run Command (moto runs no command): after a service restart the "
        "health endpoint "
        f"answers and memory is {MEMORY_AFTER_RESTART_PERCENT:g} %",
        RESTART_ANSWER.splitlines(),
    )

    def answer(instance_id: str, parameters: Mapping[str, Sequence[str]]) -> str:
        return RESTART_ANSWER if _is_restart(parameters) else ""

    def healthy_again() -> bool:
        return bool(restart_done) and all(
            sim.clock.now >= done and web.checker.state.get(i) == "healthy"
            for i, done in restart_done.items()
        )

    with scripted_instance_agent(answer):
        recovered_at = sim.run_until(healthy_again, within=LIMIT_SECONDS)
    commands = web.client("ssm").list_commands().get("Commands", [])
    restart = [c for c in commands if _is_restart(c.get("Parameters", {}))]
    sim.timeline.check(
        "restart sent to the instance using most memory",
        len(restart) == 1 and restart[0].get("InstanceIds") == [hot],
        f"{len(restart)} restart command(s) on {[c.get('InstanceIds') for c in restart]}",
    )
    sim.timeline.check("instance kept", hot in web.members(), f"members {web.members()}")
    started = sim.detected_at if sim.detected_at is not None else 0.0
    window = [
        f"{state} at {at:.0f} s"
        for at, target, state in web.checker.changes
        if target == hot and at >= started
    ]
    if any(item.startswith("unhealthy") for item in window):
        sim.timeline.simulated(
            f"note: {hot}'s target went {', then '.join(window)} around the restart; an Auto "
            "Scaling health check "
            "(HealthCheckType ELB) falling while it was unhealthy would replace the instance "
            "instead of keeping it"
        )
    sim.timeline.check(
        "its target healthy again after the restart",
        recovered_at is not None,
        web.describe(),
        source="SIMULATED",
    )
    return sim.result("memory_pressure", recovered_at)
