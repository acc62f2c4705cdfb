"""``python -m tools.recovery_budget``: print the budget, write JSON + PNG, exit 1 on a missed target."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.cloud_assembly import AssemblyError

from .budget import compute_budget
from .latencies import parse_latency_assignment
from .report import render_table, write_outputs
from .targets import parse_target_assignment

EXIT_OK = 0
EXIT_MISSED = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.recovery_budget",
        description=(
            "Derive, per environment and failure scenario, the worst-case detection and recovery time and "
            "the data-loss window from a synthesized CDK assembly, and compare them with the RTO/RPO targets."
        ),
        epilog="Exit status: 0 every target met, 1 a scenario misses its target, 2 bad input.",
    )
    parser.add_argument(
        "--assembly", default="cdk.out", type=Path, help="cloud assembly directory (default: cdk.out)"
    )
    parser.add_argument(
        "--out", default=Path(".budget"), type=Path, help="output directory (default: .budget)"
    )
    parser.add_argument(
        "--env", action="append", help="environment (stage) to evaluate; repeatable; default: all"
    )
    parser.add_argument(
        "--overrides",
        type=Path,
        help=(
            'JSON file: {"latencies": {NAME: SECONDS}, '
            '"targets": {"*"|ENV: {SCENARIO: {"rto_seconds": S, "rpo_seconds": S}|null}}}'
        ),
    )
    parser.add_argument(
        "--latency",
        action="append",
        default=[],
        metavar="NAME=SECONDS",
        help="override one named latency; repeatable",
    )
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="SCENARIO=RTO[/RPO]",
        help="override a target (seconds) for the selected environments, or SCENARIO=none; repeatable",
    )
    parser.add_argument(
        "--primary-region", help="primary region (default: the region of the primary DB, else Tokyo)"
    )
    parser.add_argument("--dr-region", help="DR region (default: Osaka, or Tokyo when Osaka is primary)")
    parser.add_argument("--no-chart", action="store_true", help="skip the PNG charts")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every step with its source")
    return parser


def _load_overrides(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"--overrides {path}: no such file") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"--overrides {path}: not valid JSON ({error})") from None
    if not isinstance(data, dict) or set(data) - {"latencies", "targets", "reasons"}:
        raise ValueError(
            f"--overrides {path}: expected an object with only 'latencies', 'targets' and 'reasons'"
        )
    # Every overridden target needs its written reason next to it (the file is reviewed like code).
    reasons = data.get("reasons") or {}
    for scope, section in (data.get("targets") or {}).items():
        for scenario in section or {}:
            if not str(reasons.get(f"{scope}.{scenario}", "")).strip():
                raise ValueError(
                    f"--overrides {path}: targets.{scope}.{scenario} is overridden without a reason: "
                    f"add reasons['{scope}.{scenario}']"
                )
    return data


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        overrides = _load_overrides(args.overrides)
        latencies = dict(overrides.get("latencies") or {})
        latencies.update(parse_latency_assignment(item) for item in args.latency)
        targets: dict[str, Any] = {
            scope: dict(section or {}) for scope, section in (overrides.get("targets") or {}).items()
        }
        for item in args.target:
            scenario, target = parse_target_assignment(item)
            for scope in args.env or ["*"]:
                targets.setdefault(scope, {})[scenario] = target
        budget = compute_budget(
            args.assembly,
            env=args.env,
            latency_overrides=latencies,
            target_overrides=targets,
            primary_region=args.primary_region,
            dr_region=args.dr_region,
        )
    except (AssemblyError, ValueError) as error:
        print(f"recovery budget: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(render_table(budget, verbose=args.verbose))
    for path in write_outputs(budget, args.out, charts=not args.no_chart):
        print(f"wrote {path}")
    return EXIT_MISSED if budget.missed else EXIT_OK
