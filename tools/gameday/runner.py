"""Run the game day: for each drill, reset the emulator, deploy the environment, run the drill,
print its timeline; then a summary. Used by the CLI and the end-to-end test."""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.cloud_assembly import AssemblyError, StackArtifact, deployment_order
from tools.gameday import moto_gaps
from tools.gameday.assembly import load_environment
from tools.gameday.deploy import DeployedStack, SkippedResource, deploy_stacks
from tools.gameday.drills import DRILLS, Drill, Stage
from tools.gameday.emulator import Emulator
from tools.gameday.timeline import Timeline

__all__ = [
    "DEFAULT_LAYERS",
    "DrillReport",
    "GameDayError",
    "GameDayReport",
    "deploy_environment",
    "run_gameday",
    "select_stacks",
]

PRIMARY_REGION = "ap-northeast-1"
DEFAULT_LAYERS: tuple[str, ...] = ("Network", "Compute", "Monitoring")
REQUIRED_LAYER = "Monitoring"
"""The layer holding the healing rules and function: without it there is nothing to rehearse."""


class GameDayError(RuntimeError):
    """The game day cannot start (no assembly, no such environment, no healing stack)."""


@dataclass(frozen=True, slots=True)
class DrillReport:
    name: str
    title: str
    passed: bool
    seconds: float
    timeline: Timeline


@dataclass
class GameDayReport:
    environment: str
    region: str
    stacks: list[str] = field(default_factory=list)
    skipped: list[SkippedResource] = field(default_factory=list)
    drills: list[DrillReport] = field(default_factory=list)
    deploy_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.drills) and all(d.passed for d in self.drills)

    def to_json(self) -> str:
        """The report for tools (CI artifacts): verdicts, checks and every timeline entry."""
        return json.dumps(
            {
                "environment": self.environment,
                "region": self.region,
                "passed": self.passed,
                "seconds": round(self.seconds, 2),
                "stacks": self.stacks,
                "skipped": [
                    {
                        "stack": s.stack,
                        "logical_id": s.logical_id,
                        "type": s.resource_type,
                        "reason": s.reason,
                    }
                    for s in self.skipped
                ],
                "gaps_filled": [g.name for g in moto_gaps.GAPS],
                "drills": [
                    {
                        "name": d.name,
                        "title": d.title,
                        "passed": d.passed,
                        "verdict": d.timeline.verdict,
                        "seconds": round(d.seconds, 2),
                        "checks": [
                            {"name": c.name, "passed": c.passed, "detail": c.detail}
                            for c in d.timeline.checks
                        ],
                        "timeline": [
                            {
                                "seconds": round(e.seconds, 3),
                                "source": e.source,
                                "text": e.text,
                                "details": list(e.details),
                            }
                            for e in d.timeline.entries
                        ],
                    }
                    for d in self.drills
                ],
            },
            indent=2,
        )

    def summary(self) -> str:
        lines = [
            f"== game day summary: {self.environment} in {self.region}",
            f"  stacks deployed per drill: {', '.join(self.stacks)}"
            + (
                f" ({sum(self.deploy_seconds) / len(self.deploy_seconds):.2f} s per deploy)"
                if self.deploy_seconds
                else ""
            ),
            f"  emulator gaps filled: {len(moto_gaps.GAPS)} (tools/gameday/README.md); resources left out "
            f"of the local deploy: {len(self.skipped)}",
        ]
        by_reason: dict[str, Counter[str]] = {}
        for skipped in self.skipped:
            by_reason.setdefault(skipped.reason, Counter())[skipped.resource_type] += 1
        for reason, types in by_reason.items():
            counted = ", ".join(f"{rtype} x{count}" for rtype, count in sorted(types.items()))
            lines.append(f"    - {counted}: {reason}")
        width = max((len(d.name) for d in self.drills), default=10)
        for drill in self.drills:
            checks = drill.timeline.checks
            passed = sum(c.passed for c in checks)
            verdict = drill.timeline.verdict
            lines.append(
                f"  {drill.name:<{width}}  {verdict:<17}  {passed}/{len(checks)} checks  "
                f"{drill.seconds:5.2f} s  {drill.title}"
            )
        failed = [d.name for d in self.drills if not d.passed]
        lines.append(
            f"  result: {'every drill passed' if not failed else 'FAILED: ' + ', '.join(failed)}; "
            f"total wall time {self.seconds:.1f} s"
        )
        return "\n".join(lines)


def select_stacks(
    assembly_dir: Path,
    environment: str,
    *,
    region: str = PRIMARY_REGION,
    layers: Sequence[str] = DEFAULT_LAYERS,
) -> list[StackArtifact]:
    """The environment's stacks of ``layers`` in ``region``, with their dependencies, in deploy order."""
    stacks = load_environment(assembly_dir, environment)
    chosen = [s for s in stacks if s.region == region and s.layer in layers]
    found = {s.layer for s in chosen}
    missing = [layer for layer in layers if layer not in found]
    if missing:
        available = sorted({s.display_name for s in stacks if s.region == region})
        raise AssemblyError(
            f"no {', '.join(missing)} stack for {environment} in {region} (the assembly has "
            f"{', '.join(available) or 'none'}): synthesize the app again, or pass --layers."
        )
    return deployment_order(stacks, select=chosen)


def deploy_environment(emulator: Emulator, stacks: Sequence[StackArtifact]) -> list[DeployedStack]:
    """Reset the emulator and deploy ``stacks`` into it (in the given order)."""
    emulator.reset()
    return deploy_stacks(emulator, stacks)


def run_gameday(
    assembly_dir: Path,
    *,
    environment: str = "dev",
    region: str = PRIMARY_REGION,
    layers: Sequence[str] = DEFAULT_LAYERS,
    drills: Sequence[Drill] = DRILLS,
    out: Callable[[str], None] = print,
    workdir: Path | None = None,
) -> GameDayReport:
    """Deploy the environment once per drill and run ``drills``; print timelines through ``out``.

    :raises GameDayError: the assembly lacks the environment or its healing (Monitoring) stack.
    """
    started = time.monotonic()
    try:
        stacks = select_stacks(assembly_dir, environment, region=region, layers=layers)
    except AssemblyError as error:
        raise GameDayError(str(error)) from error
    if REQUIRED_LAYER not in {s.layer for s in stacks}:
        raise GameDayError(
            f"the drills need the {REQUIRED_LAYER} stack (healing rules and function): "
            "include it in --layers."
        )
    accounts = {s.account for s in stacks}
    if len(accounts) != 1:
        raise GameDayError(f"the stacks span accounts {sorted(accounts)}: the emulator holds one")
    report = GameDayReport(environment=environment, region=region, stacks=[s.display_name for s in stacks])
    with contextlib.ExitStack() as cleanup:
        scratch = workdir or Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="gameday-")))
        emulator = cleanup.enter_context(Emulator(account=accounts.pop()))
        _run_drills(emulator, stacks, drills, report, scratch, out)
    report.seconds = time.monotonic() - started
    return report


def _run_drills(
    emulator: Emulator,
    stacks: Sequence[StackArtifact],
    drills: Sequence[Drill],
    report: GameDayReport,
    scratch: Path,
    out: Callable[[str], None],
) -> None:
    region = report.region
    out(f"emulator: moto server at {emulator.endpoint_url} (account {emulator.account})")
    for drill in drills:
        timeline = Timeline(f"{drill.name}: {drill.title}")
        deploy_started = time.monotonic()
        deployed = deploy_environment(emulator, stacks)
        report.deploy_seconds.append(time.monotonic() - deploy_started)
        if not report.skipped:
            report.skipped = [s for d in deployed for s in d.skipped]
        timeline.emulator(
            f"fresh deploy: {', '.join(f'{d.artifact.display_name} {d.status}' for d in deployed)} "
            f"in {report.deploy_seconds[-1]:.2f} s"
        )
        stage = Stage(
            emulator=emulator, region=region, account=emulator.account, stacks=deployed, workdir=scratch
        )
        try:
            stage.observe()
            drill.run(stage, timeline)
        except Exception as error:  # a drill that crashes did not recover: report, go on
            timeline.check("drill ran to the end", False, f"{type(error).__name__}: {error}")
        finally:
            stage.close()
        report.drills.append(
            DrillReport(drill.name, drill.title, timeline.passed, timeline.seconds, timeline)
        )
        out(timeline.render())
