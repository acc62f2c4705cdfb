"""One region's web tier as the simulation sees it: the emulator's Auto Scaling group and target
group, the template's health-check and warm-pool settings, and the simulated checks around them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from tools.simulation.health import AppModel, GroupHealthPoll, TargetHealthChecker, TargetSettings

if TYPE_CHECKING:
    from tools.simulation.drill_base import Sim

__all__ = ["WebTier", "next_phase"]

ASG = "AWS::AutoScaling::AutoScalingGroup"
TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
WARM_POOL = "AWS::AutoScaling::WarmPool"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"


def next_phase(now: float, interval: float, offset: float = -1.0) -> float:
    """The first time >= ``now`` congruent to ``offset`` modulo ``interval``: with the default, periodic
    processes last ran 1 s before the failure (time 0), the budget's worst-case alignment."""
    return offset + math.ceil((now - offset) / interval) * interval


class WebTier:
    """The web tier of ``region``: group, target group, the app model, ALB checks, Auto Scaling's poll."""

    def __init__(self, sim: Sim, region: str) -> None:
        self.sim = sim
        self.region = region
        world = sim.world
        location = next(a.location for a in world.artifacts if a.region == region and a.layer == "Compute")
        self.compute = world.artifact(location, "Compute").display_name
        group_id, group = world.resources(self.compute, ASG)[0]
        target_id, target = world.resources(self.compute, TARGET_GROUP)[0]
        balancer_id, _ = world.resources(self.compute, LOAD_BALANCER)[0]
        self.group_name = world.physical_id(self.compute, group_id)
        self.target_group_arn = world.physical_id(self.compute, target_id)
        self.load_balancer_arn = world.physical_id(self.compute, balancer_id)
        props = group.get("Properties") or {}
        self.min_size = int(props.get("MinSize") or 0)
        self.uses_elb = "ELB" in str(props.get("HealthCheckType") or "EC2").upper()
        self.grace = float(props.get("HealthCheckGracePeriod") or 0)
        self.settings = TargetSettings.from_template(
            target.get("Properties") or {}, f"{self.compute}/{target_id}"
        )
        self.detailed_monitoring = any(
            str(
                ((lt.get("Properties") or {}).get("LaunchTemplateData") or {})
                .get("Monitoring", {})
                .get("Enabled")
            ).lower()
            == "true"
            for _, lt in world.resources(self.compute, LAUNCH_TEMPLATE)
        )
        ready, source = self._ready_latency(world.resources(self.compute, WARM_POOL))
        self.app = AppModel(sim.clock, ready, source, running=self.running)
        self._cache: dict[str, Any] = {}
        dims = {
            "LoadBalancer": self.load_balancer_arn.split(":loadbalancer/", 1)[1],
            "TargetGroup": self.target_group_arn.split(":", 5)[5],
        }
        self.checker = TargetHealthChecker(
            clock=sim.clock,
            timeline=sim.timeline,
            app=self.app,
            settings=self.settings,
            targets=self.registered,
            store=sim.store,
            metric_dimensions=dims,
            ingestion_delay=sim.latencies.s("METRIC_INGESTION_DELAY_SECONDS"),
            label=f"{region} {self.group_name}",
        )
        self.poll = GroupHealthPoll(
            clock=sim.clock,
            timeline=sim.timeline,
            autoscaling=self.client("autoscaling"),
            group_name=self.group_name,
            checker=self.checker,
            uses_elb=self.uses_elb,
            grace_period=self.grace,
            app=self.app,
            instance_running=self.running,
            latencies=sim.latencies,
            after_action=sim.sync,
        )

    def _ready_latency(self, pools: list[tuple[str, Any]]) -> tuple[float, str]:
        latencies = self.sim.latencies
        for logical_id, pool in pools:
            props = pool.get("Properties") or {}
            if int(props.get("MinSize") or 0) >= 1:
                name = (
                    "WARM_POOL_RUNNING_SECONDS"
                    if props.get("PoolState") == "Running"
                    else "WARM_POOL_STOPPED_SECONDS"
                )
                return latencies.s(
                    name
                ), f"{name}: warm pool {self.compute}/{logical_id} MinSize {props.get('MinSize')}"
        return latencies.s("INSTANCE_BOOT_SECONDS"), "INSTANCE_BOOT_SECONDS"

    # --- the emulator's view --------------------------------------------------------------------
    def client(self, service: str) -> Any:
        return self.sim.world.client(service, self.region)

    def _cached(self, key: str, read: Any) -> Any:
        """Emulator reads are cached until :meth:`sync`: the emulator only changes through the actions
        the simulation makes (each followed by a sync), so the cache never serves stale state."""
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def group(self) -> dict[str, Any]:
        return self._cached(
            "group",
            lambda: self.client("autoscaling").describe_auto_scaling_groups(
                AutoScalingGroupNames=[self.group_name]
            )["AutoScalingGroups"][0],
        )

    def in_service(self) -> list[str]:
        return sorted(
            i["InstanceId"]
            for i in self.group()["Instances"]
            if i["LifecycleState"] == "InService" and i["HealthStatus"] == "Healthy"
        )

    def members(self) -> list[str]:
        return sorted(i["InstanceId"] for i in self.group()["Instances"])

    def desired(self) -> int:
        return int(self.group()["DesiredCapacity"])

    def registered(self) -> list[str]:
        def read() -> list[str]:
            rows = self.client("elbv2").describe_target_health(TargetGroupArn=self.target_group_arn)[
                "TargetHealthDescriptions"
            ]
            return sorted(r["Target"]["Id"] for r in rows if r["TargetHealth"]["State"] != "draining")

        return self._cached("registered", read)

    def _instances(self) -> dict[str, dict[str, Any]]:
        def read() -> dict[str, dict[str, Any]]:
            reservations = self.client("ec2").describe_instances()["Reservations"]
            return {i["InstanceId"]: i for r in reservations for i in r["Instances"]}

        return self._cached("instances", read)

    def states(self) -> dict[str, str]:
        return {instance_id: i["State"]["Name"] for instance_id, i in self._instances().items()}

    def running(self, instance_id: str) -> bool:
        return self.states().get(instance_id) == "running"

    def zone_of(self, instance_id: str) -> str:
        return str(self._instances()[instance_id]["Placement"]["AvailabilityZone"])

    # --- the simulated view ---------------------------------------------------------------------
    def sync(self) -> None:
        """Notice instances the group launched since the last look (they start booting now)."""
        self._cache.clear()
        registered = set(self.registered())
        for target in [t for t in self.checker.state if t not in registered]:
            del self.checker.state[target]  # deregistered (terminated): the ALB stops checking it
        for instance_id in self.members():
            zone = self.zone_of(instance_id)
            if self.app.know(instance_id, zone):
                self.sim.timeline.emulator(
                    f"Auto Scaling launched {instance_id} in {zone} ({self.group_name})"
                )
                self.sim.timeline.simulated(
                    f"{instance_id} boots; its web process answers after {self.app.ready_seconds:g} "
                    f"s ({self.app.ready_source})"
                )

    def invalidate(self) -> None:
        self._cache.clear()

    def prime(self) -> None:
        """The instances deployed before the drill are booted and their targets healthy."""
        for instance_id in self.members():
            self.app.know(instance_id, self.zone_of(instance_id), ready=True)
        for target in self.registered():
            self.checker.prime(target, "healthy")

    def start(self) -> None:
        now = self.sim.clock.now
        self.checker.start(next_phase(now, self.settings.interval))
        # Auto Scaling's poll ran at the instant of the failure, just before it (same-time events run
        # in scheduling order): a poll never ties with the ALB checks, which run 1 s earlier.
        self.poll.start(next_phase(now, self.poll.interval, offset=0.0))

    def serving(self) -> list[str]:
        return [i for i in self.in_service() if self.checker.state.get(i) == "healthy"]

    def at_capacity(self, at_least: int = 0) -> bool:
        """Every in-service member's target is healthy and there are as many as desired (and ``at_least``)."""
        in_service = self.in_service()
        wanted = max(self.desired(), at_least)
        return len(in_service) >= wanted and all(self.checker.state.get(i) == "healthy" for i in in_service)

    def describe(self) -> str:
        return (
            f"{self.group_name} in {self.region}: desired {self.desired()}, in service {self.in_service()}, "
            f"healthy targets {self.checker.healthy()}"
        )
