"""What each DR strategy would cost, and what a region loss would then take, for every environment.

For each environment the configured strategy is read from the assembly at hand (``cdk.out``); each
other strategy is *synthesized*: the app is built again with the environment's ``dr_strategy``
overridden (and ``dr_capacity`` brought within what that strategy allows), into a temporary directory,
without cdk-nag or built-in validation (nothing here is deployed). One app per strategy holds every
environment that needs it, so three environments cost three synths. The cost comes from
:mod:`.estimate`, the region-loss RTO and RPO from the recovery budget's ``region_loss`` scenario on the
same assembly.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stacks.config import ConfigError

from .estimate import CostError, estimate_assembly
from .model import EnvironmentCost, StrategyResult
from .prices import PriceBook

STRATEGIES: tuple[str, ...] = ("backup_restore", "pilot_light", "warm_standby")


def strategy_environment(env_config: Mapping[str, Any], strategy: str) -> dict[str, Any]:
    """One environment's raw config with ``strategy``: the DR region runs instances only in warm standby."""
    config = copy.deepcopy(dict(env_config))
    config["dr_strategy"] = strategy
    dr_capacity = config.get("dr_capacity")
    if isinstance(dr_capacity, dict):
        if strategy == "warm_standby" and int(dr_capacity.get("min", 0)) < 1:
            config["dr_capacity"] = {
                **dr_capacity,
                "min": 1,
                "desired": max(1, int(dr_capacity.get("desired", 1))),
            }
        elif strategy != "warm_standby":
            config["dr_capacity"] = {**dr_capacity, "min": 0, "desired": 0}
    return config


def _region_loss(assembly: Path, envs: list[str], latencies: Mapping[str, float] | None) -> dict[str, Any]:
    from tools.recovery_budget import compute_budget

    budget = compute_budget(assembly, env=envs, latency_overrides=latencies)
    result = {}
    for env in envs:
        scenario = budget[env]["region_loss"]
        result[env] = (scenario.total_seconds, scenario.data_loss_seconds)
    return result


def _result(cost: EnvironmentCost, strategy: str, loss: tuple[Any, Any], configured: bool) -> StrategyResult:
    rto, rpo = loss
    return StrategyResult(strategy, cost.monthly_usd, rto, rpo, configured, cost.by_category)


def synthesize(context: Mapping[str, Any], envs: list[str], strategy: str, outdir: Path) -> Path:
    """Synthesize ``envs`` with ``strategy`` into ``outdir`` (no cdk-nag, no built-in validation)."""
    from stacks.node_runtime import use_bundled_node

    use_bundled_node()  # before the first aws_cdk import: jsii on the venv's Node
    from stacks.application import build_app

    ctx = copy.deepcopy(dict(context))
    ctx.pop("env", None)
    ctx["environments"] = {env: strategy_environment(ctx["environments"][env], strategy) for env in envs}
    app, _, _ = build_app(ctx, outdir=str(outdir), nag=False, builtin_validation=False)
    app.synth()
    return outdir


def _synthesize_each(
    context: Mapping[str, Any],
    envs: list[str],
    strategy: str,
    outdir: Path,
    results: dict[str, dict[str, StrategyResult]],
) -> tuple[list[str], Path]:
    """Retry environment by environment; record why a strategy is impossible for one of them."""
    possible = []
    for env in envs:
        try:
            synthesize(context, [env], strategy, outdir / f"check-{env}")
            possible.append(env)
        except ConfigError as error:
            results[env][strategy] = StrategyResult(strategy, None, None, None, False, reason=str(error))
    if possible:
        synthesize(context, possible, strategy, outdir / "all")
    return possible, outdir / "all"


def compare_strategies(
    assembly: str | Path,
    prices: PriceBook,
    *,
    env: list[str] | None = None,
    assumptions: Mapping[str, Mapping[str, Any]] | None = None,
    latencies: Mapping[str, float] | None = None,
    context: Mapping[str, Any] | None = None,
    workdir: str | Path | None = None,
) -> dict[str, dict[str, StrategyResult]]:
    """``{env: {strategy: StrategyResult}}`` for the environments of ``assembly`` (default: all).

    ``context`` is the app's CDK context (default: ``cdk.json`` + ``cdk.context.json``); ``workdir``
    keeps the synthesized assemblies (default: a temporary directory, removed afterwards).
    """
    from stacks.node_runtime import use_bundled_node

    use_bundled_node()  # before the first aws_cdk import: jsii on the venv's Node
    if context is None:
        from stacks.application import project_context

        context = project_context()
    current = estimate_assembly(assembly, prices, env=env, assumptions=dict(assumptions or {}))
    names = list(current)
    missing = [name for name in names if name not in (context.get("environments") or {})]
    if missing:
        raise CostError(
            f"environment(s) {', '.join(missing)} of {assembly} are not in the app's context (cdk.json): "
            "synthesize from this checkout, or pass --no-strategies"
        )
    configured = {name: str(context["environments"][name]["dr_strategy"]) for name in names}
    loss = _region_loss(Path(assembly), names, latencies)
    results: dict[str, dict[str, StrategyResult]] = {
        name: {configured[name]: _result(current[name], configured[name], loss[name], True)} for name in names
    }
    with tempfile.TemporaryDirectory(prefix="cost-whatif-") as scratch:
        base = Path(workdir) if workdir is not None else Path(scratch)
        for strategy in STRATEGIES:
            wanted = [name for name in names if configured[name] != strategy]
            if not wanted:
                continue
            try:
                out = synthesize(context, wanted, strategy, base / strategy)
            except ConfigError:  # one environment cannot take this strategy: find which, keep the others
                wanted, out = _synthesize_each(context, wanted, strategy, base / strategy, results)
            if not wanted:
                continue
            costs = estimate_assembly(out, prices, env=wanted, assumptions=dict(assumptions or {}))
            losses = _region_loss(out, wanted, latencies)
            for name in wanted:
                results[name][strategy] = _result(costs[name], strategy, losses[name], False)
    return {name: {s: results[name][s] for s in STRATEGIES if s in results[name]} for name in names}
