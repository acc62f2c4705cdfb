"""Run the simulated drills of one environment and cross-check them with the recovery budget.

The budget (:mod:`tools.recovery_budget`, ``make budget``) derives each scenario's worst case from
the synthesized templates; a simulated drill is one run of the same chain on the virtual clock.
The budget is an upper bound: a simulated detection + recovery above the budget's total fails the
drill (and the run); below it, the gap is reported.
"""

from __future__ import annotations

import contextlib
import functools
import json
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.gameday.emulator import Emulator
from tools.recovery_budget import compute_budget, load_assembly
from tools.recovery_budget.latencies import Latencies
from tools.recovery_budget.model import fmt_duration
from tools.simulation import fills
from tools.simulation.clock import minute_aligned_epoch
from tools.simulation.drill_base import DrillResult, Sim

__all__ = ["SimDrill", "SimulationReport", "drills", "run_simulation"]


@contextlib.contextmanager
def shared_service_models() -> Iterator[None]:
    """Every botocore session of this process shares one loader of service models while the drills
    run: the deployed function and the runbooks' scripts start a fresh SDK session per invocation (as
    Lambda and Automation would), and re-reading the models each time costs more than the drill."""
    import botocore.session
    from botocore.loaders import create_loader

    loaders: dict[Any, Any] = {}

    def shared(search_paths: Any = None) -> Any:
        key = tuple(search_paths) if isinstance(search_paths, list) else search_paths
        if key not in loaders:
            loaders[key] = create_loader(search_paths)
        return loaders[key]

    botocore.session.create_loader = shared  # type: ignore[assignment]
    try:
        yield
    finally:
        botocore.session.create_loader = create_loader  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class SimDrill:
    name: str
    scenario: str  # the recovery budget's scenario key
    title: str
    run: Callable[[Sim], DrillResult]


@functools.cache
def drills() -> tuple[SimDrill, ...]:
    """The simulated drills, in the order they run (imported lazily: the CLI lists them cheaply)."""
    from tools.simulation import drills_compute as compute
    from tools.simulation import drills_data as data

    return (
        SimDrill(
            "sim-instance-crash", "instance_crash", "an instance of the group crashes", compute.instance_crash
        ),
        SimDrill(
            "sim-process-hung",
            "process_hung",
            "the web process hangs (/health times out)",
            compute.process_hung,
        ),
        SimDrill(
            "sim-cpu-saturation", "cpu_saturation", "load saturates the group's CPU", compute.cpu_saturation
        ),
        SimDrill(
            "sim-memory-pressure", "memory_pressure", "an instance leaks memory", compute.memory_pressure
        ),
        SimDrill("sim-az-loss", "az_loss", "an Availability Zone is lost", data.az_loss),
        SimDrill(
            "sim-db-primary-failure",
            "db_primary_failure",
            "the database primary fails",
            data.db_primary_failure,
        ),
        SimDrill("sim-region-loss", "region_loss", "the primary region is lost", data.region_loss),
        SimDrill("sim-pitr", "data_deletion", "data is deleted: point-in-time restore", data.pitr),
    )


@dataclass
class SimulationReport:
    environment: str
    results: list[DrillResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def drills_json(self) -> list[dict[str, Any]]:
        rows = []
        for result in self.results:
            gap = (
                None
                if result.total_seconds is None or result.budget_seconds is None
                else result.budget_seconds - result.total_seconds
            )
            rows.append(
                {
                    "name": result.name,
                    "kind": "simulated",
                    "scenario": result.scenario,
                    "environment": result.environment,
                    "recovered": result.recovered,
                    "passed": result.passed,
                    "simulated_detection_seconds": result.detection_seconds,
                    "simulated_recovery_seconds": result.recovery_seconds,
                    "simulated_total_seconds": result.total_seconds,
                    "budget_seconds": result.budget_seconds,
                    "budget_status": result.budget_status,
                    "budget_gap_seconds": gap,
                    "expected_unrecovered": result.expected_unrecovered or None,
                    "note": result.note or None,
                    "wall_seconds": round(result.wall_seconds, 2),
                    "checks": [
                        {"name": c.name, "passed": c.passed, "detail": c.detail, "source": c.label}
                        for c in result.timeline.checks
                    ],
                    "timeline": [
                        {
                            "seconds": round(line.seconds, 3),
                            "label": line.label,
                            "text": line.text,
                            "details": list(line.details),
                        }
                        for line in sorted(result.timeline.lines, key=lambda item: item.seconds)
                    ],
                }
            )
        return rows

    def summary(self) -> str:
        lines = [
            f"== simulated drills: {self.environment} (virtual clock; budget = worst case from `make budget`)"
        ]
        width = max((len(r.name) for r in self.results), default=10)
        for r in self.results:
            verdict = (
                "RECOVERED" if r.recovered else ("NOT COVERED" if r.expected_unrecovered else "NOT RECOVERED")
            )
            budget = fmt_duration(r.budget_seconds)
            total = fmt_duration(r.total_seconds)
            if r.within_budget is False:
                gap = "ABOVE BUDGET"
            elif r.total_seconds is not None and r.budget_seconds is not None:
                gap = f"gap {fmt_duration(r.budget_seconds - r.total_seconds)}"
            else:
                gap = r.expected_unrecovered or "-"
            lines.append(
                f"  {r.name:<{width}}  {verdict:<13}  detect {fmt_duration(r.detection_seconds):>7}  "
                f"recover {fmt_duration(r.recovery_seconds):>7}  total {total:>7}  budget "
                f"{budget:>7}  {gap}  "
                f"({r.wall_seconds:.1f} s wall)"
            )
        failed = [r.name for r in self.results if not r.passed]
        lines.append(
            f"  result: {'every drill within its budget' if not failed else 'FAILED: ' + ', '.join(failed)}; "
            f"wall time {self.seconds:.1f} s"
        )
        return "\n".join(lines)


def run_simulation(
    assembly: Path,
    *,
    environment: str,
    selected: Sequence[str] | None = None,
    out: Callable[[str], None] = print,
    workdir: Path | None = None,
    budget_overrides: Path | None = None,
) -> SimulationReport:
    """Run the simulated drills (``selected`` names, default all) of ``environment``.

    :param budget_overrides: The recovery budget's overrides file (``make budget`` reads
        ``budget-overrides.json``): its ``latencies`` apply to the simulation too, so both use the
        same numbers, and its ``targets`` to the budget's statuses. Default: no overrides.
    """
    from tools.gameday.assembly import load_environment

    started = time.monotonic()
    account = load_environment(assembly, environment)[0].account  # a missing stage fails here, clearly
    overrides = json.loads(budget_overrides.read_text()) if budget_overrides is not None else {}
    latency_overrides = dict(overrides.get("latencies") or {})
    latencies = Latencies(latency_overrides)
    budget = compute_budget(
        load_assembly(assembly),
        env=environment,
        latency_overrides=latency_overrides,
        target_overrides=overrides.get("targets"),
    )[environment]
    chosen = [d for d in drills() if not selected or d.name in selected]
    report = SimulationReport(environment)
    with contextlib.ExitStack() as cleanup:
        scratch = workdir or Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="simulation-")))
        cleanup.enter_context(shared_service_models())
        emulator = cleanup.enter_context(Emulator(account=account))
        templates: dict[str, dict[str, Any]] = {}
        for drill in chosen:
            drill_started = time.monotonic()
            sim = Sim(
                drill.name,
                emulator,
                assembly,
                environment,
                latencies,
                scratch,
                minute_aligned_epoch(),
                templates,
            )
            scenario = budget[drill.scenario]
            try:
                with fills.applied(sim.hooks):
                    result = drill.run(sim)
            except Exception as error:  # a drill that crashes did not recover: report it, go on
                where = traceback.extract_tb(error.__traceback__)[-1]
                sim.timeline.check(
                    "drill ran to the end",
                    False,
                    f"{type(error).__name__}: {error} ({Path(where.filename).name}:{where.lineno})",
                )
                result = sim.result(drill.scenario, None)
            finally:
                sim.close()
            result.budget_seconds = scenario.total_seconds
            result.budget_status = scenario.status
            result.wall_seconds = time.monotonic() - drill_started
            if result.within_budget is False:
                result.timeline.check(
                    "within the recovery budget",
                    False,
                    f"simulated {fmt_duration(result.total_seconds)} > budget "
                    f"{fmt_duration(result.budget_seconds)}",
                    source="SIMULATED",
                )
            report.results.append(result)
            out(result.timeline.render())
            out(
                f"  => {'RECOVERED' if result.recovered else 'NOT RECOVERED'}: detection "
                f"{fmt_duration(result.detection_seconds)}, recovery "
                f"{fmt_duration(result.recovery_seconds)}, "
                f"budget {fmt_duration(result.budget_seconds)} ({scenario.status})"
            )
    report.seconds = time.monotonic() - started
    return report
