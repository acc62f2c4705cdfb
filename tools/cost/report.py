"""Render the cost: a terminal table, the ``cost``/``strategies`` entries of ``budget.json``, a chart
per environment (monthly cost against region-loss RTO, a point per DR strategy), a Markdown table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tools.recovery_budget.model import fmt_duration

from .model import EnvironmentCost, StrategyResult

Strategies = Mapping[str, Mapping[str, StrategyResult]]


def usd(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def render_table(costs: Mapping[str, EnvironmentCost], strategies: Strategies | None = None) -> str:
    lines: list[str] = []
    for name, cost in costs.items():
        lines.append(
            f"== {cost.stage} monthly cost: {usd(cost.monthly_usd)} (prices {cost.price_snapshot}, "
            f"primary {cost.primary_region}, DR {cost.dr_region or 'none'})"
        )
        by_region = ", ".join(f"{region} {usd(value)}" for region, value in cost.by_region.items())
        lines.append(f"  by region: {by_region}")
        for category, value in cost.by_category.items():
            if value:
                lines.append(f"  {category:<16}{usd(value):>12}")
        rows = (strategies or {}).get(name) or {}
        if rows:
            lines.append(f"  {'DR strategy':<18}{'USD/month':>12}{'region RTO':>12}{'region RPO':>12}")
            for strategy, result in rows.items():
                mark = "  (configured)" if result.configured else ""
                if result.monthly_usd is None:
                    lines.append(f"  {strategy:<18}{'-':>12}  not possible: {result.reason}")
                    continue
                rto, rpo = fmt_duration(result.region_rto_seconds), fmt_duration(result.region_rpo_seconds)
                lines.append(f"  {strategy:<18}{usd(result.monthly_usd):>12}{rto:>12}{rpo:>12}{mark}")
        for text in cost.unpriced:
            lines.append(f"  - unpriced: {text}")
        for text in cost.notes:
            lines.append(f"  - note: {text}")
        lines.append("")
    return "\n".join(lines)


def merge_into_budget_json(
    path: Path, costs: Mapping[str, EnvironmentCost], strategies: Strategies | None = None
) -> Path:
    """Add ``cost`` and ``strategies`` to each environment of ``budget.json`` (created if absent)."""
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            data = {}
    data.setdefault("schema_version", 1)
    environments = data.setdefault("environments", {})
    for name, cost in costs.items():
        entry = environments.setdefault(name, {"name": name, "stage": cost.stage})
        entry["cost"] = cost.as_dict()
        rows = (strategies or {}).get(name)
        if rows:
            entry["strategies"] = {strategy: result.as_dict() for strategy, result in rows.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def write_chart(cost: EnvironmentCost, rows: Mapping[str, StrategyResult], path: Path) -> Path:
    """Monthly cost (y) against region-loss RTO (x), one labelled point per DR strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.4), dpi=110)
    points = [r for r in rows.values() if r.monthly_usd is not None and r.region_rto_seconds is not None]
    colours = {"backup_restore": "#2e86c1", "pilot_light": "#f39c12", "warm_standby": "#27ae60"}
    for result in points:
        label = (
            f"{result.strategy}{' (configured)' if result.configured else ''}: {usd(result.monthly_usd)}, "
            f"RTO {fmt_duration(result.region_rto_seconds)}, RPO {fmt_duration(result.region_rpo_seconds)}"
        )
        ax.scatter(
            [float(result.region_rto_seconds or 0) / 60],
            [result.monthly_usd],
            s=160 if result.configured else 70,
            marker="*" if result.configured else "o",
            color=colours.get(result.strategy, "#7f8c8d"),
            label=label,
            zorder=3,
        )
    if points:
        ax.set_xlim(0, max(float(r.region_rto_seconds or 0) / 60 for r in points) * 1.3 + 1)
        ax.set_ylim(0, max(float(r.monthly_usd or 0) for r in points) * 1.45 + 1)
        ax.legend(loc="upper left", fontsize=8)
    ax.set_xlabel("region loss: detection + recovery (minutes)")
    ax.set_ylabel("monthly cost (USD)")
    ax.set_title(
        f"{cost.stage}: cost of each DR strategy against its region-loss RTO (prices {cost.price_snapshot})"
    )
    ax.title.set_fontsize(9)
    ax.grid(True, linestyle=":", linewidth=0.6)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def markdown_table(costs: Mapping[str, EnvironmentCost], strategies: Strategies) -> str:
    """The README's table: one row per environment and strategy."""
    lines = [
        "| environment | DR strategy | USD/month | region loss: detect + recover | data loss |",
        "| --- | --- | ---: | --- | --- |",
    ]
    for name, rows in strategies.items():
        for strategy, r in rows.items():
            shown = f"**`{strategy}`** (configured)" if r.configured else f"`{strategy}`"
            if r.monthly_usd is None:
                lines.append(f"| {name} | {shown} | - | not possible: {r.reason} | |")
                continue
            lines.append(
                f"| {name} | {shown} | {r.monthly_usd:,.0f} | {fmt_duration(r.region_rto_seconds)} "
                f"| {fmt_duration(r.region_rpo_seconds)} |"
            )
    if costs:
        snapshot = next(iter(costs.values())).price_snapshot
        lines.append("")
        lines.append(
            f"Prices: snapshot {snapshot}; usage: the default assumptions plus `cost-assumptions.json`."
        )
    return "\n".join(lines)
