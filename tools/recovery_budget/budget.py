"""Compute the recovery budget of a synthesized app: the library's entry point.

>>> budget = compute_budget("cdk.out", env="prod")
>>> budget.scenario("process_hung").detection_seconds  # doctest: +SKIP
40.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tools.cloud_assembly import CloudAssembly, Stage

from .assembly import load_assembly
from .inventory import Inventory, build_inventory
from .latencies import Latencies
from .model import Budget, EnvironmentBudget, ScenarioResult
from .scenarios import SCENARIO_FUNCTIONS, Context
from .targets import resolve_targets

DEFAULT_PRIMARY_REGION = "ap-northeast-1"  # Tokyo
DEFAULT_DR_REGION = "ap-northeast-3"  # Osaka


def detect_regions(
    inv: Inventory, primary_region: str | None = None, dr_region: str | None = None
) -> tuple[str, str | None]:
    """Which region serves (primary) and which stands by (DR) in this stage.

    Explicit arguments win. Otherwise the region holding the primary database (a DB instance without
    ``SourceDBInstanceIdentifier``) while another region holds its replica is primary, so the budget
    follows an ``active_region`` flip after a failover. Otherwise Tokyo is primary and Osaka DR. The DR
    region is ``None`` when the stage has no stack there.
    """
    regions = set(inv.stage.regions)
    primary = primary_region
    if primary is None:
        replica_regions = {db.resource.region for db in inv.databases if db.is_replica}
        primaries = [db.resource.region for db in inv.databases if not db.is_replica]
        candidates = [r for r in primaries if replica_regions - {r}]
        primary = candidates[0] if candidates else DEFAULT_PRIMARY_REGION
    dr = dr_region
    if dr is None:
        pair = {DEFAULT_PRIMARY_REGION, DEFAULT_DR_REGION}
        dr = next(iter(pair - {primary}), None) if primary in pair else DEFAULT_DR_REGION
    return primary, (dr if dr in regions else None)


def budget_for_stage(
    stage: Stage,
    *,
    latencies: Latencies,
    target_overrides: Mapping[str, Any] | None = None,
    primary_region: str | None = None,
    dr_region: str | None = None,
) -> EnvironmentBudget:
    """Every scenario for one stage."""
    inv = build_inventory(stage)
    primary, dr = detect_regions(inv, primary_region, dr_region)
    ctx = Context(inv, latencies, primary, dr, resolve_targets(stage.env, target_overrides))
    scenarios = {key: _scenario(ctx, key, fn) for key, fn in SCENARIO_FUNCTIONS.items()}
    return EnvironmentBudget(stage.env, stage.name, primary, dr, scenarios)


def _scenario(ctx: Context, key: str, fn: Callable[[Context], ScenarioResult]) -> ScenarioResult:
    """One scenario; a template the budget cannot read makes it "not covered", never a crash."""
    try:
        return fn(ctx)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
        result = ctx.result(key)
        result.add_gap(
            f"the budget cannot follow this scenario through the templates ({type(error).__name__}: {error})"
        )
        return result


def compute_budget(
    assembly_dir: str | Path | CloudAssembly,
    *,
    env: str | list[str] | None = None,
    latency_overrides: Mapping[str, float] | None = None,
    target_overrides: Mapping[str, Any] | None = None,
    primary_region: str | None = None,
    dr_region: str | None = None,
) -> Budget:
    """The recovery budget of the environments in a cloud assembly.

    ``env`` selects one environment (``"prod"``) or several; default: every stage. ``latency_overrides``
    replaces named constants (see :mod:`.latencies`); ``target_overrides`` is the ``"targets"`` object of
    an overrides file (see :func:`.targets.resolve_targets`). Regions: see :func:`detect_regions`.
    Raises :class:`tools.cloud_assembly.AssemblyError` for an unreadable assembly or an unknown
    environment and ``ValueError`` for bad overrides.
    """
    assembly = assembly_dir if isinstance(assembly_dir, CloudAssembly) else load_assembly(assembly_dir)
    latencies = Latencies(latency_overrides)
    wanted = [env] if isinstance(env, str) else list(env or [])
    stages = [assembly.stage(name) for name in wanted] if wanted else assembly.stages
    environments = {
        stage.env: budget_for_stage(
            stage,
            latencies=latencies,
            target_overrides=target_overrides,
            primary_region=primary_region,
            dr_region=dr_region,
        )
        for stage in stages
    }
    return Budget(str(assembly.directory), environments, latencies)
