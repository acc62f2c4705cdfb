"""``python -m tools.cost``: monthly cost per environment and per DR strategy, into ``.budget/``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.recovery_budget.assembly import AssemblyError

from .assumptions import load_assumption_file, parse_assumption, validate_scoped
from .estimate import CostError, estimate_assembly
from .prices import PriceError, load_prices
from .report import markdown_table, merge_into_budget_json, render_table, write_chart

EXIT_OK = 0
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.cost",
        description=(
            "Monthly cost of each environment from its synthesized templates (price snapshot in "
            "tools/cost/prices/, usage assumptions in tools/cost/assumptions.py), and the cost and "
            "region-loss RTO/RPO of each DR strategy, each synthesized. Adds 'cost' and 'strategies' "
            "to <out>/budget.json and writes cost-<env>.png."
        ),
        epilog="Exit status: 0 done, 2 bad input.",
    )
    parser.add_argument("--assembly", default="cdk.out", type=Path, help="cloud assembly (default: cdk.out)")
    parser.add_argument(
        "--out", default=Path(".budget"), type=Path, help="output directory (default: .budget)"
    )
    parser.add_argument("--env", action="append", help="environment to price; repeatable; default: all")
    parser.add_argument(
        "--prices", type=Path, help="price snapshot (default: the newest in tools/cost/prices/)"
    )
    parser.add_argument(
        "--assumptions",
        type=Path,
        help='JSON file: {"assumptions": {"*"|ENV: {NAME: VALUE}}, "notes": {...}}',
    )
    parser.add_argument(
        "--assume",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one usage assumption for the selected environments (or all); repeatable",
    )
    parser.add_argument(
        "--overrides",
        type=Path,
        help="the recovery budget's overrides file: its 'latencies' apply to the region-loss RTO/RPO",
    )
    parser.add_argument("--no-strategies", action="store_true", help="skip the per-strategy synths")
    parser.add_argument("--no-chart", action="store_true", help="skip the PNG charts")
    parser.add_argument("--markdown", action="store_true", help="also print the README table")
    return parser


def _latencies(path: Path | None) -> dict[str, float]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as error:
        raise ValueError(f"--overrides {path}: {error}") from None
    return dict(data.get("latencies") or {}) if isinstance(data, dict) else {}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        prices = load_prices(args.prices)
        scoped: dict[str, dict[str, Any]] = load_assumption_file(args.assumptions) if args.assumptions else {}
        for item in args.assume:
            name, value = parse_assumption(item)
            for scope in args.env or ["*"]:
                scoped.setdefault(scope, {})[name] = value
        scoped = validate_scoped(scoped, "assumptions")
        latencies = _latencies(args.overrides)
        costs = estimate_assembly(args.assembly, prices, env=args.env, assumptions=scoped)
        strategies = None
        if not args.no_strategies:
            from .whatif import compare_strategies

            strategies = compare_strategies(
                args.assembly, prices, env=args.env, assumptions=scoped, latencies=latencies
            )
    except (AssemblyError, CostError, PriceError, ValueError) as error:
        print(f"cost: {error}", file=sys.stderr)
        return EXIT_USAGE
    if "TO REFRESH" in prices.status:
        print(
            f"prices: {prices.path.name} is a hand-compiled snapshot ({prices.compiled}): "
            "refresh it before relying on a figure (python -m tools.cost.refresh_prices)"
        )
    print(render_table(costs, strategies))
    written = [merge_into_budget_json(args.out / "budget.json", costs, strategies)]
    if strategies and not args.no_chart:
        written.extend(
            write_chart(costs[name], rows, args.out / f"cost-{name}.png") for name, rows in strategies.items()
        )
    for path in written:
        print(f"wrote {path}")
    if args.markdown and strategies:
        print(markdown_table(costs, strategies))
    return EXIT_OK
