"""``python -m tools.gameday``: rehearse the healing path of one environment on this machine.

Exit status: 0 every drill passed, 1 a drill failed, 2 the game day could not start
(no assembly, unknown environment, no healing stack, a stack the emulator could not create).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from tools.gameday.drills import DRILLS
    from tools.gameday.runner import DEFAULT_LAYERS, PRIMARY_REGION

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
        choices=[d.name for d in DRILLS],
        help="run only this drill (repeatable; default: all)",
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

    if args.list:
        for drill in DRILLS:
            print(f"drill {drill.name}: {drill.title}")
        for gap in moto_gaps.GAPS:
            print(f"gap   {gap.name}: {gap.fill}")
        return 0

    drills = [d for d in DRILLS if not args.drill or d.name in args.drill]
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
            report = run_gameday(
                assembly,
                environment=args.env,
                region=args.region,
                layers=layers,
                drills=drills,
                out=lambda text: print(text, flush=True),
                workdir=Path(scratch) / "functions",
            )
        except (GameDayError, AssemblyError, DeployError) as error:
            print(f"game day cannot start: {error}", file=sys.stderr)
            return 2
    report.seconds = time.monotonic() - started
    print(report.summary())
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(report.to_json())
        print(f"report written to {args.report}")
    return 0 if report.passed else 1
