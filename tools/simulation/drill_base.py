"""What every simulated drill shares: the virtual clock and timeline, the environment in the
emulator, the metric store, the web tiers, alarms and event delivery per region, and the result.

A drill starts ``WARMUP_SECONDS`` before the failure (time 0) so that health checks are passing,
alarms are OK on real data and metric history exists; it then injects the failure, records the
moment recovery starts (detection, the recovery budget's convention: "something starts
recovering") and runs the clock until the recovered state holds or ``limit`` passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tools.gameday.emulator import Emulator
from tools.recovery_budget.latencies import Latencies
from tools.simulation.clock import VirtualClock
from tools.simulation.fills import SimHooks
from tools.simulation.metrics import MetricStore
from tools.simulation.monitor import AlarmMonitor, Delivery
from tools.simulation.timeline import SimTimeline
from tools.simulation.webtier import WebTier
from tools.simulation.world import World

__all__ = ["PRIMARY", "SECONDARY", "WARMUP_SECONDS", "DrillResult", "Sim"]

PRIMARY = "ap-northeast-1"
SECONDARY = "ap-northeast-3"
WARMUP_SECONDS = 600.0
"""The drill starts 10 minutes before the failure; alarms are evaluated from half-way, once their
evaluation ranges hold data (an alarm created with no data would otherwise start from it)."""
COMPOSITE = "AWS::CloudWatch::CompositeAlarm"


@dataclass
class DrillResult:
    name: str
    scenario: str  # the recovery budget's scenario key
    environment: str
    recovered: bool
    detection_seconds: float | None
    recovery_seconds: float | None
    timeline: SimTimeline
    note: str = ""
    expected_unrecovered: str = ""  # why the budget also says this scenario is not covered
    budget_seconds: float | None = None
    budget_status: str = ""
    wall_seconds: float = 0.0

    @property
    def total_seconds(self) -> float | None:
        if self.detection_seconds is None or self.recovery_seconds is None:
            return None
        return self.detection_seconds + self.recovery_seconds

    @property
    def within_budget(self) -> bool | None:
        if self.total_seconds is None or self.budget_seconds is None:
            return None
        return self.total_seconds <= self.budget_seconds + 1e-6

    @property
    def passed(self) -> bool:
        if self.expected_unrecovered:
            return not self.recovered and self.timeline.passed
        return self.recovered and self.timeline.passed and self.within_budget is not False


@dataclass
class Sim:
    """One drill's simulated world."""

    name: str
    emulator: Emulator
    assembly: Path
    environment: str
    latencies: Latencies
    workdir: Path
    epoch: datetime
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    clock: VirtualClock = field(init=False)
    timeline: SimTimeline = field(init=False)
    store: MetricStore = field(default_factory=MetricStore)
    hooks: SimHooks = field(init=False)
    world: World = field(init=False)
    detected_at: float | None = None
    detected_by: str = ""
    tiers: dict[str, WebTier] = field(default_factory=dict)
    monitors: dict[str, AlarmMonitor] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    on_sync: list[Callable[[], None]] = field(default_factory=list)
    version: int = 0
    milestones: dict[str, float | None] = field(default_factory=dict)
    _conditions: dict[str, Callable[[], bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.clock = VirtualClock(self.epoch, start=-WARMUP_SECONDS)
        self.timeline = SimTimeline(self.name, self.clock)
        self.hooks = SimHooks(self.clock, self.latencies)
        self.hooks.on_note = self.touch
        self.world = World(
            self.emulator, self.assembly, self.environment, self.timeline, self.workdir, self.templates
        )

    # --- set-up -----------------------------------------------------------------------------------
    def deploy(self, *regions: str) -> None:
        locations = sorted({a.location for a in self.world.artifacts if a.region in regions})
        self.world.deploy(*locations)

    def touch(self) -> None:
        """Something changed that a drill's recovered condition may depend on: note every milestone
        that now holds for the first time, at this virtual time."""
        self.version += 1
        for name, condition in list(self._conditions.items()):
            if self.milestones.get(name, 0.0) is None and condition():
                self.milestones[name] = self.clock.now
                if not name.startswith("_"):
                    self.timeline.simulated(f"milestone reached: {name}")

    def watch(self, name: str, condition: Callable[[], bool]) -> None:
        """A part of the recovered state, noted the first time ``condition`` holds (checked on changes)."""
        self.milestones[name] = None
        self._conditions[name] = condition

    def mark(self, name: str, at: float) -> None:
        """A watched milestone reached at a known moment (a runbook step's end), once."""
        if self.milestones.get(name, 0.0) is None:
            self.milestones[name] = at
            if not name.startswith("_"):
                self.timeline.simulated(f"milestone reached: {name}", at=at)

    def all_reached(self) -> bool:
        return all(at is not None for at in self.milestones.values())

    def recovered_at(self) -> float | None:
        """When the last milestone was reached (None while one is missing)."""
        if not self.milestones or not self.all_reached():
            return None
        return max(at for at in self.milestones.values() if at is not None)

    def web(self, region: str = PRIMARY) -> WebTier:
        if region not in self.tiers:
            tier = WebTier(self, region)
            tier.checker.on_change = self.touch
            tier.prime()
            tier.start()
            self.tiers[region] = tier
        return self.tiers[region]

    def delivery(self, region: str = PRIMARY) -> Delivery:
        if region not in self.deliveries:
            self.deliveries[region] = Delivery(
                clock=self.clock,
                timeline=self.timeline,
                latencies=self.latencies,
                stage=self.world.stage(region),
                store=self.store,
                after_run=self.sync,
            )
        return self.deliveries[region]

    def monitor(
        self, region: str = PRIMARY, *, bands: Mapping[str, Any] | None = None, deliver: bool = True
    ) -> AlarmMonitor:
        if region not in self.monitors:
            monitor = AlarmMonitor(
                clock=self.clock,
                timeline=self.timeline,
                latencies=self.latencies,
                stage=self.world.stage(region),
                store=self.store,
                delivery=self.delivery(region) if deliver else None,
                composite_settings=self.composite_settings(region),
                bands=bands,
                on_change=self.touch,
                evaluate_from=-WARMUP_SECONDS / 2,
            )
            monitor.start()
            self.monitors[region] = monitor
        return self.monitors[region]

    def composite_settings(self, region: str) -> dict[str, dict[str, Any]]:
        """Actions and actions suppressor of the region's composite alarms, from the templates."""
        found: dict[str, dict[str, Any]] = {}
        for artifact in self.world.artifacts:
            if artifact.region != region or artifact.display_name not in self.world.deployed:
                continue
            for _, body in self.world.resources(artifact.display_name, COMPOSITE):
                props = body.get("Properties") or {}
                keys = (
                    "AlarmName",
                    "ActionsSuppressor",
                    "ActionsSuppressorWaitPeriod",
                    "ActionsSuppressorExtensionPeriod",
                    "AlarmActions",
                    "OKActions",
                )
                resolved = {
                    k: self.world.resolve(props[k], artifact.display_name) for k in keys if k in props
                }
                found[str(resolved.get("AlarmName"))] = resolved
        return found

    def sync(self) -> None:
        """Let the simulation notice what the emulator changed (new instances) and drill watchers react."""
        self.touch()
        for tier in self.tiers.values():
            tier.sync()
        for callback in self.on_sync:
            callback()

    # --- the drill ----------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Run from the start to just before the failure; messages published meanwhile are not pages."""
        self.clock.advance_to(-1e-3)
        for stage in self.world.stages.values():
            stage.published()
        steady = "; ".join(t.describe() for t in self.tiers.values())
        self.timeline.simulated(
            f"steady state after {WARMUP_SECONDS:g} s" + (f": {steady}" if steady else "")
        )
        self.clock.advance_to(0.0)

    def detect(self, what: str) -> None:
        if self.detected_at is None:
            self.detected_at = self.clock.now
            self.detected_by = what
            self.timeline.simulated(f"recovery starts: {what}")

    def run_until(self, done: Callable[[], bool], *, within: float) -> float | None:
        """Run the clock until ``done()`` (at most ``within`` seconds); the time it first held, or None.

        ``done`` reads the emulator, so it is asked again only after something changed (a health
        state, a sync after an API action, a fill's effect, a drill's own :meth:`touch`).
        """
        seen: tuple[int, int] | None = None

        def changed_and_done() -> bool:
            nonlocal seen
            current = (self.version, self.hooks.noted)
            if current == seen:
                return False
            seen = current
            return done()

        reached = self.clock.run_until(changed_and_done, limit=self.clock.now + within)
        return self.clock.now if reached else None

    def flush_fill_notes(self) -> None:
        for at, fill, text in self.hooks.drain_notes():
            self.timeline.emulator(f"{text} (fill {fill})", at=at)

    def result(
        self, scenario: str, recovered_at: float | None, *, note: str = "", expected_unrecovered: str = ""
    ) -> DrillResult:
        self.flush_fill_notes()
        for region, monitor in self.monitors.items():
            details = []
            for name in sorted(monitor.evaluated):
                alarm = monitor.alarms[name]
                values = ", ".join("-" if v is None else f"{v:.3g}" for v in alarm.last_values)
                details.append(f"{name}: {alarm.state} (last evaluation range [{values}])")
            if details:
                self.timeline.simulated(f"alarms of {region} evaluated from the drill's data", details)
        detection = self.detected_at
        recovery = None if recovered_at is None or detection is None else recovered_at - detection
        if recovered_at is not None:
            self.timeline.simulated(
                f"recovered at {recovered_at:.0f} s ({self.detected_by})", at=recovered_at
            )
        return DrillResult(
            name=self.name,
            scenario=scenario,
            environment=self.environment,
            recovered=recovered_at is not None,
            detection_seconds=detection,
            recovery_seconds=recovery,
            timeline=self.timeline,
            note=note,
            expected_unrecovered=expected_unrecovered,
        )

    def published(self, region: str = PRIMARY) -> list[Any]:
        return self.world.stage(region).published()

    def close(self) -> None:
        self.world.close()


def json_default(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def dumps(data: Any) -> str:
    return json.dumps(data, default=json_default)
