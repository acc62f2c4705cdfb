"""The failure scenarios: detection path, recovery path and data-loss window, derived from templates.

Conventions (all scenarios):
- Detection runs from the moment the failure starts to the moment something starts recovering (a
  group replacing an instance, a function acting, a person deciding). A scenario may fail in several
  ways (modes: an instance that stops, one that is terminated, one that hangs while EC2 says it runs);
  each mode's fastest path counts (any one path starts the recovery) and the scenario's figure is its
  worst mode. Every path considered is kept (``modes``, ``alternatives``) and reported.
- The on-call's part is a step of its own (``human``), so the automated part stays visible.
- Recovery runs from there to "serving again at full capacity" (not just "errors stopped").
- Where a region has several Auto Scaling groups, the slowest group's result is the scenario's.
- A missing piece (nothing detects, nothing pages, no copy of the data...) makes the scenario "not
  covered" with the reason; it never raises.
- What the healing function does is its documented contract (lambda_src/auto_heal): stopped group
  members are marked unhealthy so the group replaces them, terminated members are left to the group;
  CPU -> scale out by one only when the group has no target tracking; memory -> restart the service.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..facts import (
    Alarm,
    AutoScalingGroup,
    CompositeAlarm,
    Database,
    Inventory,
    LaunchTemplate,
    TargetGroup,
    WarmPool,
)
from ..latencies import Latencies
from ..model import DataLoss, Path, ScenarioResult
from ..routing import AlarmRouting, Page, pages, route_alarm
from ..targets import SCENARIOS, Target

_TITLES = {spec.key: (spec.title, spec.level) for spec in SCENARIOS}
STATELESS = DataLoss(0, "web tier is stateless: instances keep no data (the database holds it)")


@dataclass
class Context:
    inv: Inventory
    latencies: Latencies
    primary: str
    dr: str | None
    targets: dict[str, Target | None]

    def result(self, key: str) -> ScenarioResult:
        title, level = _TITLES[key]
        return ScenarioResult(key=key, title=title, level=level, target=self.targets.get(key))

    def account(self, stack: str) -> str:
        return self.inv.stage.stack(stack).account

    def groups(self, region: str) -> list[AutoScalingGroup]:
        return self.inv.in_region(self.inv.groups, region)

    def target_group(self, group: AutoScalingGroup) -> TargetGroup | None:
        for rid in group.target_groups:
            tg = self.inv.target_group(rid)
            if tg is not None:
                return tg
        return None

    def pool(self, group: AutoScalingGroup) -> WarmPool | None:
        return self.inv.warm_pool(group)

    def template(self, group: AutoScalingGroup) -> LaunchTemplate | None:
        return self.inv.launch_template(group.launch_template)

    def primary_databases(self, region: str) -> list[Database]:
        return [db for db in self.inv.in_region(self.inv.databases, region) if not db.is_replica]

    def route(self, alarm: Alarm) -> AlarmRouting:
        return route_alarm(self.inv, alarm, self.latencies, self.account)

    def pages(self, node: Alarm | CompositeAlarm) -> list[Page]:
        return pages(self.inv, node, self.latencies, self.account)


def pick_fastest(result: ScenarioResult, candidates: list[Path]) -> Path | None:
    """The fastest path (worst case); the others become the result's alternatives."""
    if not candidates:
        return None
    ordered = sorted(candidates, key=lambda path: (path.seconds, path.typical_seconds))
    result.alternatives.extend(path for path in ordered[1:] if path not in result.alternatives)
    return ordered[0]


def worst(results: list[ScenarioResult]) -> ScenarioResult:
    def key(result: ScenarioResult) -> float:
        return math.inf if result.total_seconds is None else result.total_seconds

    return max(results, key=key)


def per_group(
    ctx: Context, key: str, fn: Callable[[Context, ScenarioResult, AutoScalingGroup], None]
) -> ScenarioResult:
    groups = ctx.groups(ctx.primary)
    if not groups:
        result = ctx.result(key)
        result.absent_reason = f"no Auto Scaling group in {ctx.primary}"
        return result
    results = []
    for group in groups:
        result = ctx.result(key)
        fn(ctx, result, group)
        results.append(result)
    return worst(results)


def unknown_name_warning(alarm: Alarm) -> str | None:
    if alarm.name is None:
        return (
            f"{alarm.resource.id} has no literal AlarmName: no rule can be shown to hear it "
            "(name alarms {app}-{env}-{component}-{signal}-{severity})"
        )
    return None


def _scenario_functions() -> dict[str, Callable[[Context], ScenarioResult]]:
    from .compute import cpu_saturation, instance_crash, memory_pressure, process_hung
    from .data import az_loss, data_deletion, db_primary_failure
    from .region import region_loss

    return {
        "instance_crash": instance_crash,
        "process_hung": process_hung,
        "cpu_saturation": cpu_saturation,
        "memory_pressure": memory_pressure,
        "az_loss": az_loss,
        "db_primary_failure": db_primary_failure,
        "data_deletion": data_deletion,
        "region_loss": region_loss,
    }


SCENARIO_FUNCTIONS: dict[str, Callable[[Context], ScenarioResult]] = _scenario_functions()

__all__ = ["SCENARIO_FUNCTIONS", "STATELESS", "Context", "per_group", "pick_fastest", "worst"]
