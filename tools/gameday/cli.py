"""``python -m tools.gameday``: rehearse the healing path of one environment on this machine.

Two kinds of drills run: the emulator drills (:mod:`tools.gameday.drills`: inject, deliver the event,
run the deployed code, verify), then the simulated drills (:mod:`tools.simulation`: the whole
recovery chain on a virtual clock, cross-checked with the recovery budget).

Exit status: 0 every drill recovered (and every simulated drill within its budget), 1 a drill did
not, 2 the game day could not start (no assembly, unknown environment, no healing stack, a stack
the emulator could not create).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from tools.gameday.drills import DRILLS
    from tools.gameday.runner import DEFAULT_LAYERS, PRIMARY_REGION
    from tools.simulation.runner import drills as simulated_drills

    parser = argparse.ArgumentParser(
        prog="python -m tools.gameday",
        description=(
            "Local game day: deploy one environment's Tokyo stacks into moto (127.0.0.1 only), inject "
            "failures as AWS would see them, run the deployed healing code, verify the outcome."
        ),
    )
    parser.add_argument("--env", default="dev", help="environment to rehearse (default: dev)")
    parser.add_argument(
        "--assembly",
        type=Path,
        help="synthesized cloud assembly to deploy, e.g. cdk.out (default: synthesize the environment "
        "into a temporary directory first)",
    )
    parser.add_argument(
        "--region", default=PRIMARY_REGION, help=f"region to deploy (default: {PRIMARY_REGION})"
    )
    parser.add_argument(
        "--layers",
        default=",".join(DEFAULT_LAYERS),
        help=f"stack layers to deploy, comma-separated (default: {','.join(DEFAULT_LAYERS)}); their "
        "dependencies come along",
    )
    parser.add_argument(
        "--drill",
        action="append",
        choices=[d.name for d in DRILLS] + [d.name for d in simulated_drills()],
        help="run only this drill (repeatable; default: all, emulator and simulated)",
    )
    parser.add_argument(
        "--simulation",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the simulated drills on the virtual clock (default: yes; --no-simulation skips them)",
    )
    parser.add_argument(
        "--budget-overrides",
        type=Path,
        default=Path("budget-overrides.json"),
        help="the recovery budget's overrides file the simulated drills are checked against, as "
        "`make budget` uses it (default: budget-overrides.json, when it exists)",
    )
    parser.add_argument("--report", type=Path, help="also write the report as JSON to this file (for CI)")
    parser.add_argument(
        "--list", action="store_true", help="list the drills and the emulator gaps, then exit"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    started = time.monotonic()
    args = _parser().parse_args(argv)
    from tools.cloud_assembly import AssemblyError
    from tools.gameday import moto_gaps
    from tools.gameday.assembly import synthesize
    from tools.gameday.deploy import DeployError
    from tools.gameday.drills import DRILLS
    from tools.gameday.runner import GameDayError, run_gameday
    from tools.recovery_budget import AssemblyError as BudgetAssemblyError
    from tools.simulation import fills
    from tools.simulation.runner import drills as simulated_drills
    from tools.simulation.runner import run_simulation

    if args.list:
        for drill in DRILLS:
            print(f"drill {drill.name}: {drill.title}")
        for simulated in simulated_drills():
            print(
                f"drill {simulated.name}: {simulated.title} (simulated; budget scenario {simulated.scenario})"
            )
        for gap in moto_gaps.GAPS + fills.FILLS:
            print(f"gap   {gap.name}: {gap.fill}")
        return 0

    drills = [d for d in DRILLS if not args.drill or d.name in args.drill]
    simulated = [d.name for d in simulated_drills() if not args.drill or d.name in args.drill]
    if not args.simulation:
        simulated = []
    layers = tuple(layer.strip() for layer in args.layers.split(",") if layer.strip())
    with tempfile.TemporaryDirectory(prefix="gameday-") as scratch:
        assembly = args.assembly
        if assembly is None:
            print(f"synthesizing {args.env} ...", flush=True)
            try:
                assembly = synthesize(args.env, Path(scratch) / "cdk.out")
            except Exception as error:  # a ConfigError, a construct's ValueError...: cannot start
                print(f"game day cannot start: synthesis failed: {error}", file=sys.stderr)
                return 2
            print(f"synthesized in {time.monotonic() - started:.1f} s", flush=True)
        try:
            report = (
                run_gameday(
                    assembly,
                    environment=args.env,
                    region=args.region,
                    layers=layers,
                    drills=drills,
                    out=lambda text: print(text, flush=True),
                    workdir=Path(scratch) / "functions",
                )
                if drills
                else None
            )
            simulation = (
                run_simulation(
                    assembly,
                    environment=args.env,
                    selected=simulated,
                    out=lambda text: print(text, flush=True),
                    workdir=Path(scratch) / "simulation",
                    budget_overrides=args.budget_overrides if args.budget_overrides.is_file() else None,
                )
                if simulated
                else None
            )
        except (GameDayError, AssemblyError, BudgetAssemblyError, DeployError) as error:
            print(f"game day cannot start: {error}", file=sys.stderr)
            return 2
    seconds = time.monotonic() - started
    if report is not None:
        report.seconds = seconds
        print(report.summary())
    if simulation is not None:
        print(simulation.summary())
    passed = (report is None or report.passed) and (simulation is None or simulation.passed)
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(combined_report(args.env, report, simulation, seconds))
        print(f"report written to {args.report}")
    print(f"game day {'passed' if passed else 'FAILED'}: total wall time {seconds:.1f} s")
    return 0 if passed else 1


def combined_report(environment: str, report: Any, simulation: Any, seconds: float) -> str:
    """One JSON document: the emulator drills' report, plus a ``drills`` list holding every drill of
    both kinds with ``name``, ``environment``, ``recovered``, ``simulated_detection_seconds``,
    ``simulated_recovery_seconds`` and ``budget_seconds`` (null for the emulator drills, which run
    on the emulator's clock)."""
    data: dict[str, Any] = (
        json.loads(report.to_json()) if report is not None else {"environment": environment}
    )
    for drill in data.get("drills", []):
        drill.update(
            kind="emulator",
            environment=environment,
            recovered=drill["passed"],
            simulated_detection_seconds=None,
            simulated_recovery_seconds=None,
            budget_seconds=None,
        )
    if simulation is not None:
        data.setdefault("drills", []).extend(simulation.drills_json())
        data["simulation"] = {"passed": simulation.passed, "seconds": round(simulation.seconds, 2)}
    data["passed"] = (report is None or report.passed) and (simulation is None or simulation.passed)
    data["seconds"] = round(seconds, 2)
    return json.dumps(data, indent=2)
