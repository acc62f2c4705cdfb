"""What the web tier does on the virtual clock, and how AWS's health checks see it.

- :class:`AppModel`: whether each instance's web process answers: it answers once booted
  (``INSTANCE_BOOT_SECONDS``, or the warm pool's latency when the template keeps one warm), and
  stops answering when the drill hangs it, the emulator says the instance is not running, or its
  Availability Zone is down. Instances are the emulator's (its Auto Scaling group and EC2).
- :class:`TargetHealthChecker`: the ALB's checks of one target group with the template's
  ``HealthCheckIntervalSeconds``, ``HealthCheckTimeoutSeconds``, ``HealthyThresholdCount`` and
  ``UnhealthyThresholdCount`` (documented defaults when left out): a target is healthy after H
  consecutive passing checks and unhealthy after U consecutive failures; a check of a process that
  does not answer fails when its timeout expires ("Health checks for Application Load Balancer
  target groups": https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
  Each check round adds an ``UnHealthyHostCount``/``HealthyHostCount`` sample.
- :class:`GroupHealthPoll`: Auto Scaling's periodic health check (``ASG_HEALTH_CHECK_POLL_SECONDS``):
  a member that is not running, or (HealthCheckType ELB, past its grace period) whose target is
  unhealthy, is marked Unhealthy through the emulator's ``SetInstanceHealth``, which replaces it.
- :class:`Route53Checkers`: Route 53's checkers of an endpoint check, one per default checker
  region, staggered over the RequestInterval; each decides after ``FailureThreshold`` consecutive
  results, and the endpoint is healthy while more than 18 % of checkers say so ("How Amazon Route 53
  determines whether a health check is healthy":
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tools.recovery_budget.latencies import Latencies
from tools.simulation.clock import VirtualClock
from tools.simulation.metrics import MetricKey, MetricStore
from tools.simulation.timeline import SimTimeline

__all__ = [
    "ROUTE53_CHECKER_REGIONS",
    "ROUTE53_HEALTHY_FRACTION",
    "AppModel",
    "GroupHealthPoll",
    "Route53Checkers",
    "TargetHealthChecker",
    "TargetSettings",
]

# Health checks for Application Load Balancer target groups: defaults for HTTP(S) instance targets.
TG_DEFAULTS = {
    "HealthCheckIntervalSeconds": 30,
    "HealthCheckTimeoutSeconds": 5,
    "HealthyThresholdCount": 5,
    "UnhealthyThresholdCount": 2,
}
ROUTE53_CHECKER_REGIONS = (
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
)
"""Route 53's default health-checker regions (HealthCheckConfig ``Regions``, Route 53 API
Reference). One checker per region is simulated: AWS does not document how many there are."""
ROUTE53_HEALTHY_FRACTION = 0.18
"""'If more than 18% of health checkers report that an endpoint is healthy, Route 53 considers it
healthy.' (How Amazon Route 53 determines whether a health check is healthy)"""


@dataclass
class AppModel:
    """The web process of every instance the drill knows, on the virtual clock."""

    clock: VirtualClock
    ready_seconds: float
    ready_source: str
    launched: dict[str, float] = field(default_factory=dict)
    zone: dict[str, str] = field(default_factory=dict)
    hung: dict[str, float] = field(default_factory=dict)
    restarting_until: dict[str, float] = field(default_factory=dict)
    down_zones: set[str] = field(default_factory=set)
    running: Callable[[str], bool] = lambda instance_id: True

    def know(self, instance_id: str, zone: str, *, ready: bool = False) -> bool:
        """Note an instance; ``ready`` for ones already serving when the drill starts. True if new."""
        if instance_id in self.launched:
            return False
        self.launched[instance_id] = self.clock.now - (self.ready_seconds if ready else 0.0)
        self.zone[instance_id] = zone
        return True

    def ready_at(self, instance_id: str) -> float:
        return self.launched[instance_id] + self.ready_seconds

    def answering(self, instance_id: str, at: float | None = None) -> bool:
        """Whether the web process answers at ``at`` (default now; a past time ignores EC2's state)."""
        now = self.clock.now if at is None else at
        if instance_id not in self.launched or now < self.ready_at(instance_id):
            return False
        if self.zone.get(instance_id) in self.down_zones or (at is None and not self.running(instance_id)):
            return False
        if instance_id in self.hung and now >= self.hung[instance_id]:
            return False
        return now >= self.restarting_until.get(instance_id, -math.inf)


@dataclass(frozen=True, slots=True)
class TargetSettings:
    interval: int
    timeout: int
    healthy_threshold: int
    unhealthy_threshold: int
    source: str

    @classmethod
    def from_template(cls, properties: dict[str, Any], where: str) -> TargetSettings:
        def value(key: str) -> int:
            return int(properties.get(key) or TG_DEFAULTS[key])

        settings = cls(
            value("HealthCheckIntervalSeconds"),
            value("HealthCheckTimeoutSeconds"),
            value("HealthyThresholdCount"),
            value("UnhealthyThresholdCount"),
            where,
        )
        return settings

    def describe(self) -> str:
        return (
            f"{self.source}: interval {self.interval} s, timeout {self.timeout} s, healthy after "
            f"{self.healthy_threshold}, unhealthy after {self.unhealthy_threshold} checks"
        )


class TargetHealthChecker:
    """The ALB's health checks of one target group's targets (SIMULATED), from the template's settings."""

    def __init__(
        self,
        *,
        clock: VirtualClock,
        timeline: SimTimeline,
        app: AppModel,
        settings: TargetSettings,
        targets: Callable[[], list[str]],
        store: MetricStore,
        metric_dimensions: dict[str, str],
        ingestion_delay: float,
        label: str,
    ) -> None:
        self.clock, self.timeline, self.app, self.settings = clock, timeline, app, settings
        self.targets = targets
        self.store = store
        self.dimensions = metric_dimensions
        self.ingestion_delay = ingestion_delay
        self.label = label
        self.state: dict[str, str] = {}
        self.passes: dict[str, int] = {}
        self.failures: dict[str, int] = {}
        self.changes: list[tuple[float, str, str]] = []
        self.primed: dict[str, str] = {}
        self.on_change: Callable[[], None] = lambda: None

    def prime(self, instance_id: str, state: str = "healthy") -> None:
        self.primed[instance_id] = state
        self.state[instance_id] = state
        self.passes[instance_id] = self.settings.healthy_threshold if state == "healthy" else 0
        self.failures[instance_id] = 0

    def start(self, first_at: float) -> None:
        self.clock.every(
            self.settings.interval, self._round, first_at=first_at, label=f"ALB checks {self.label}"
        )

    def _round(self) -> None:
        now = self.clock.now
        registered = self.targets()
        for target in list(self.state):
            if target not in registered:
                del self.state[target]
        for target in registered:
            if target not in self.state:
                self.state[target], self.passes[target], self.failures[target] = "initial", 0, 0
            if self.app.answering(target):
                self._result(target, True, now)
            else:  # no answer: the check fails when its timeout expires
                self.clock.schedule(
                    now + self.settings.timeout, lambda t=target: self._result(t, False, self.clock.now)
                )
        self._sample(now)

    def _result(self, target: str, passed: bool, at: float) -> None:
        if target not in self.state:
            return
        if passed:
            self.passes[target] += 1
            self.failures[target] = 0
            if self.state[target] != "healthy" and self.passes[target] >= self.settings.healthy_threshold:
                self._change(target, "healthy", f"{self.passes[target]} consecutive checks passed")
        else:
            self.failures[target] += 1
            self.passes[target] = 0
            if (
                self.state[target] != "unhealthy"
                and self.failures[target] >= self.settings.unhealthy_threshold
            ):
                self._change(target, "unhealthy", f"{self.failures[target]} consecutive checks failed")

    def _change(self, target: str, state: str, why: str) -> None:
        previous = self.state[target]
        self.state[target] = state
        self.changes.append((self.clock.now, target, state))
        self.timeline.simulated(
            f"ALB target {target} {previous} -> {state} ({why}; {self.settings.describe()})"
        )
        self._sample(self.clock.now)
        self.on_change()

    def _sample(self, at: float) -> None:
        unhealthy = sum(1 for s in self.state.values() if s == "unhealthy")
        healthy = sum(1 for s in self.state.values() if s == "healthy")
        absolute = self.clock.absolute(at)
        visible = self.clock.period_end(60, at) + self.ingestion_delay
        for name, value in (("UnHealthyHostCount", unhealthy), ("HealthyHostCount", healthy)):
            self.store.add(
                MetricKey.of("AWS/ApplicationELB", name, self.dimensions), absolute, value, visible_at=visible
            )

    def healthy(self) -> list[str]:
        return sorted(t for t, s in self.state.items() if s == "healthy")

    def state_at(self, target: str, at: float) -> str | None:
        """The target's state at a past time, from the recorded changes (None: not registered yet)."""
        state = self.primed.get(target)
        for when, changed, new in self.changes:
            if when > at:
                break
            if changed == target:
                state = new
        return state

    def unhealthy(self) -> list[str]:
        return sorted(t for t, s in self.state.items() if s == "unhealthy")


class GroupHealthPoll:
    """Auto Scaling's periodic health check of one group, acting through the emulator's API."""

    def __init__(
        self,
        *,
        clock: VirtualClock,
        timeline: SimTimeline,
        autoscaling: Any,
        group_name: str,
        checker: TargetHealthChecker | None,
        uses_elb: bool,
        grace_period: float,
        app: AppModel,
        instance_running: Callable[[str], bool],
        latencies: Latencies,
        after_action: Callable[[], None],
    ) -> None:
        self.clock, self.timeline, self.autoscaling = clock, timeline, autoscaling
        self.group_name, self.checker, self.uses_elb, self.grace_period = (
            group_name,
            checker,
            uses_elb,
            grace_period,
        )
        self.app, self.instance_running, self.after_action = app, instance_running, after_action
        self.interval = latencies.s("ASG_HEALTH_CHECK_POLL_SECONDS")
        self.marked: list[tuple[float, str, str]] = []

    def start(self, first_at: float) -> None:
        self.clock.every(
            self.interval, self._poll, first_at=first_at, label=f"Auto Scaling health check {self.group_name}"
        )

    def _poll(self) -> None:
        group = self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[self.group_name])[
            "AutoScalingGroups"
        ]
        if not group:
            return
        for member in group[0]["Instances"]:
            instance_id = member["InstanceId"]
            if member["LifecycleState"] != "InService" or member["HealthStatus"] != "Healthy":
                continue
            reason = None
            if not self.instance_running(instance_id):
                reason = "EC2 health check: the instance is not running"
            elif (
                self.uses_elb
                and self.checker is not None
                and self.checker.state.get(instance_id) == "unhealthy"
                and self.clock.now - self.app.launched.get(instance_id, -math.inf) >= self.grace_period
            ):
                reason = "ELB health check: the target is unhealthy"
            if reason:
                self.marked.append((self.clock.now, instance_id, reason))
                self.timeline.simulated(
                    f"Auto Scaling's periodic health check ({self.interval:g} s: "
                    "ASG_HEALTH_CHECK_POLL_SECONDS) "
                    f"finds {instance_id}: {reason}"
                )
                self.autoscaling.set_instance_health(InstanceId=instance_id, HealthStatus="Unhealthy")
                self.timeline.emulator(
                    f"SetInstanceHealth {instance_id} Unhealthy (the group replaces it: fill "
                    "behaviour:autoscaling:SetInstanceHealth)"
                )
                self.after_action()


class Route53Checkers:
    """Route 53's checkers of one endpoint health check (SIMULATED), staggered over the interval."""

    def __init__(
        self,
        *,
        clock: VirtualClock,
        timeline: SimTimeline,
        health_check_id: str,
        label: str,
        request_interval: int,
        failure_threshold: int,
        endpoint_healthy: Callable[[], bool],
        check_timeout: float,
        store: MetricStore,
        ingestion_delay: float,
    ) -> None:
        self.clock, self.timeline = clock, timeline
        self.health_check_id, self.label = health_check_id, label
        self.interval, self.threshold = request_interval, failure_threshold
        self.endpoint_healthy, self.check_timeout = endpoint_healthy, check_timeout
        self.store, self.ingestion_delay = store, ingestion_delay
        self.verdicts = dict.fromkeys(ROUTE53_CHECKER_REGIONS, True)
        self.streak = dict.fromkeys(ROUTE53_CHECKER_REGIONS, 0)
        self.healthy = True
        self.changes: list[tuple[float, bool]] = []
        self.on_change: Callable[[], None] = lambda: None

    def start(self, last_round_before: float) -> None:
        """Each checker's last check is in the interval before ``last_round_before``, staggered."""
        step = self.interval / len(ROUTE53_CHECKER_REGIONS)
        for index, region in enumerate(ROUTE53_CHECKER_REGIONS):
            first = last_round_before + self.interval - (index + 1) * step + step
            self.clock.every(
                self.interval, lambda r=region: self._check(r), first_at=first, label=f"Route 53 {region}"
            )
        self.clock.every(
            60, self._sample, first_at=last_round_before + 0.5, label=f"HealthCheckStatus {self.label}"
        )

    def _check(self, region: str) -> None:
        if self.endpoint_healthy():
            self._result(region, True)
        else:
            self.clock.after(self.check_timeout, lambda: self._result(region, False))

    def _result(self, region: str, passed: bool) -> None:
        if passed == self.verdicts[region]:
            self.streak[region] = 0
        else:
            self.streak[region] += 1
            if self.streak[region] >= self.threshold:
                self.verdicts[region] = passed
                self.streak[region] = 0
        healthy = sum(self.verdicts.values()) > ROUTE53_HEALTHY_FRACTION * len(self.verdicts)
        if healthy != self.healthy:
            self.healthy = healthy
            self.changes.append((self.clock.now, healthy))
            self.timeline.simulated(
                f"Route 53 health check {self.label} becomes {'healthy' if healthy else 'unhealthy'}: "
                f"{sum(self.verdicts.values())} of {len(self.verdicts)} checkers see it healthy "
                "(RequestInterval "
                f"{self.interval} s, FailureThreshold {self.threshold}, >18 % rule)"
            )
            self.on_change()
        self._sample()

    def _sample(self) -> bool:
        self.store.add(
            MetricKey.of("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": self.health_check_id}),
            self.clock.absolute(),
            1.0 if self.healthy else 0.0,
            visible_at=self.clock.period_end(60) + self.ingestion_delay,
        )
        return True

    def observations(self) -> list[tuple[str, bool]]:
        return list(self.verdicts.items())
