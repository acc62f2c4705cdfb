"""The budget's results: steps with their sources, paths, scenarios, environments."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .targets import Target

MET = "met"
MISSED = "missed"
NOT_COVERED = "not_covered"
NO_TARGET = "no_target"


@dataclass(frozen=True)
class Step:
    """One timed step: what happens, how long (worst, typical), and where the numbers come from.

    ``human`` marks a person's part (the on-call noticing and deciding), so a report can show the
    automated part apart from it.
    """

    label: str
    seconds: float  # worst case
    source: str  # template property (``Prod/Tokyo-Compute/Tg.HealthCheckIntervalSeconds=10``) or constant
    formula: str = ""
    typical: float | None = None  # None: the same as the worst case
    human: bool = False

    @property
    def typical_seconds(self) -> float:
        return self.seconds if self.typical is None else min(self.typical, self.seconds)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "seconds": self.seconds,
            "typical_seconds": self.typical_seconds,
            "human": self.human,
            "source": self.source,
            "formula": self.formula,
        }


@dataclass(frozen=True)
class Path:
    """A sequence of steps, e.g. "ALB health check -> Auto Scaling replaces the instance"."""

    name: str
    steps: tuple[Step, ...]

    @property
    def seconds(self) -> float:
        return float(sum(step.seconds for step in self.steps))

    @property
    def typical_seconds(self) -> float:
        return float(sum(step.typical_seconds for step in self.steps))

    @property
    def human_seconds(self) -> float:
        """The worst case of the person's steps (the on-call's decision)."""
        return float(sum(step.seconds for step in self.steps if step.human))

    @property
    def human_typical_seconds(self) -> float:
        return float(sum(step.typical_seconds for step in self.steps if step.human))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "seconds": self.seconds,
            "typical_seconds": self.typical_seconds,
            "human_seconds": self.human_seconds,
            "steps": [s.as_dict() for s in self.steps],
        }


@dataclass(frozen=True)
class DataLoss:
    """The data-loss window (worst, typical) and why (``math.inf`` when nothing keeps a copy)."""

    seconds: float
    basis: str
    typical: float | None = None

    @property
    def typical_seconds(self) -> float:
        return self.seconds if self.typical is None else min(self.typical, self.seconds)

    def as_dict(self) -> dict[str, Any]:
        finite = not math.isinf(self.seconds)
        return {
            "seconds": self.seconds if finite else None,
            "typical_seconds": self.typical_seconds if finite else None,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class Milestone:
    """A moment of a recovery, counted from the start of the failure: "first success", "full capacity"."""

    label: str
    seconds: float | None  # worst case; None: never reached by the path that runs
    typical: float | None
    basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "seconds": self.seconds,
            "typical_seconds": self.typical,
            "basis": self.basis,
        }


@dataclass
class ScenarioResult:
    """One failure scenario in one environment."""

    key: str
    title: str
    level: int
    target: Target | None
    detection: Path | None = None
    recovery: Path | None = None
    data_loss: DataLoss | None = None
    alternatives: list[Path] = field(default_factory=list)  # every other path considered (slower)
    warnings: list[str] = field(default_factory=list)
    absent_reason: str | None = None  # the failing component does not exist in this environment
    gap_reason: str | None = None  # a piece is missing: nothing detects, pages or recovers it
    modes: dict[str, Path] = field(default_factory=dict)  # failure mode -> its detection path
    milestones: dict[str, Milestone] = field(default_factory=dict)  # "first_success", "full_capacity"

    def add_gap(self, reason: str) -> None:
        """Record a missing piece (several join with "; ")."""
        if self.gap_reason is None:
            self.gap_reason = reason
        elif reason not in self.gap_reason:
            self.gap_reason = f"{self.gap_reason}; {reason}"

    @property
    def detection_seconds(self) -> float | None:
        return self.detection.seconds if self.detection else None

    @property
    def recovery_seconds(self) -> float | None:
        return self.recovery.seconds if self.recovery else None

    @property
    def total_seconds(self) -> float | None:
        """Worst case, failure to full recovery: what the target is checked against."""
        if self.detection is None or self.recovery is None:
            return None
        return self.detection.seconds + self.recovery.seconds

    @property
    def typical_total_seconds(self) -> float | None:
        if self.detection is None or self.recovery is None:
            return None
        return self.detection.typical_seconds + self.recovery.typical_seconds

    @property
    def decision_seconds(self) -> float | None:
        """Worst case of the on-call's part (noticing, deciding); the rest is automated."""
        if self.detection is None and self.recovery is None:
            return None
        return sum(path.human_seconds for path in (self.detection, self.recovery) if path is not None)

    @property
    def decision_typical_seconds(self) -> float | None:
        if self.detection is None and self.recovery is None:
            return None
        return sum(path.human_typical_seconds for path in (self.detection, self.recovery) if path is not None)

    @property
    def automated_detection_seconds(self) -> float | None:
        """Detection without the on-call's decision: the signal's own worst case."""
        if self.detection is None:
            return None
        return self.detection.seconds - self.detection.human_seconds

    @property
    def data_loss_seconds(self) -> float | None:
        return self.data_loss.seconds if self.data_loss else None

    @property
    def data_loss_typical_seconds(self) -> float | None:
        return self.data_loss.typical_seconds if self.data_loss else None

    @property
    def status(self) -> str:
        """``not_covered`` when the component is absent or a piece is missing (see :attr:`fails`)."""
        if self.absent_reason is not None or self.gap_reason is not None or self.total_seconds is None:
            return NOT_COVERED
        if self.target is None:
            return NO_TARGET
        return MET if not self.misses() else MISSED

    @property
    def fails(self) -> bool:
        """Counts against the environment: a missed target, or a missing piece where there is a target."""
        if self.status == MISSED:
            return True
        return self.status == NOT_COVERED and self.target is not None and self.absent_reason is None

    def misses(self) -> list[str]:
        """Why the scenario misses its target (empty when it meets it)."""
        if self.target is None:
            return []
        if self.absent_reason is not None:
            return []
        if self.gap_reason is not None or self.total_seconds is None:
            return [self.gap_reason or "no recovery path"]
        found = []
        total = self.total_seconds
        if total > self.target.rto_seconds:
            found.append(f"recovery {fmt_duration(total)} > RTO {fmt_duration(self.target.rto_seconds)}")
        loss = self.data_loss_seconds
        if loss is not None and loss > self.target.rpo_seconds:
            found.append(f"data loss {fmt_duration(loss)} > RPO {fmt_duration(self.target.rpo_seconds)}")
        return found

    @property
    def reason(self) -> str:
        if self.absent_reason is not None:
            return f"not covered: {self.absent_reason}"
        if self.gap_reason is not None:
            return f"not covered: {self.gap_reason}"
        if self.total_seconds is None:
            return "not covered: no recovery path"
        return "; ".join(self.misses())

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "level": self.level,
            "status": self.status,
            "reason": self.reason,
            "target": None
            if self.target is None
            else {"rto_seconds": self.target.rto_seconds, "rpo_seconds": self.target.rpo_seconds},
            "detection_seconds": self.detection_seconds,
            "decision_seconds": self.decision_seconds,
            "recovery_seconds": self.recovery_seconds,
            "total_seconds": self.total_seconds,
            "typical_total_seconds": self.typical_total_seconds,
            "data_loss_seconds": None
            if self.data_loss is None or math.isinf(self.data_loss.seconds)
            else self.data_loss.seconds,
            "data_loss": self.data_loss.as_dict() if self.data_loss else None,
            "detection": self.detection.as_dict() if self.detection else None,
            "recovery": self.recovery.as_dict() if self.recovery else None,
            "modes": {name: path.as_dict() for name, path in self.modes.items()},
            "milestones": {key: m.as_dict() for key, m in self.milestones.items()},
            "alternatives": [path.as_dict() for path in self.alternatives],
            "warnings": list(self.warnings),
        }


@dataclass
class EnvironmentBudget:
    """All scenarios of one environment (stage)."""

    name: str  # "prod"
    stage: str  # "Prod"
    primary_region: str
    dr_region: str | None
    scenarios: dict[str, ScenarioResult]

    def __getitem__(self, key: str) -> ScenarioResult:
        return self.scenarios[key]

    def __iter__(self) -> Iterator[ScenarioResult]:
        return iter(self.scenarios.values())

    @property
    def missed(self) -> list[ScenarioResult]:
        """Scenarios that miss their target, or lack a piece where there is a target."""
        return [s for s in self.scenarios.values() if s.fails]

    @property
    def status(self) -> str:
        return MISSED if self.missed else MET

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stage": self.stage,
            "primary_region": self.primary_region,
            "dr_region": self.dr_region,
            "status": self.status,
            "scenarios": {key: s.as_dict() for key, s in self.scenarios.items()},
        }


@dataclass
class Budget:
    """The recovery budget of every environment found in the assembly."""

    assembly: str
    environments: dict[str, EnvironmentBudget]
    latencies: Mapping[str, Any]

    def __getitem__(self, env: str) -> EnvironmentBudget:
        return self.environments[env.lower()]

    def scenario(self, key: str) -> ScenarioResult:
        """The scenario of the only environment (``compute_budget(..., env="prod").scenario("az_loss")``)."""
        if len(self.environments) != 1:
            raise KeyError(f"budget has {len(self.environments)} environments: use budget[env][{key!r}]")
        return next(iter(self.environments.values()))[key]

    @property
    def missed(self) -> list[tuple[str, ScenarioResult]]:
        return [(env.name, s) for env in self.environments.values() for s in env.missed]

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "assembly": self.assembly,
            "status": MISSED if self.missed else MET,
            "latencies": {
                name: {
                    "value": item.value,
                    "typical": item.typical_value,
                    "unit": item.unit,
                    "assumed": item.assumed,
                    "title": item.title,
                    "url": item.url,
                    "note": item.note,
                    "overridden": item.overridden,
                }
                for name, item in self.latencies.items()
            },
            "environments": {name: env.as_dict() for name, env in self.environments.items()},
        }


def fmt_duration(seconds: float | None) -> str:
    """``75`` -> ``1m15s``; ``7200`` -> ``2h00m``; ``None`` -> ``-``; ``inf`` -> ``unbounded``."""
    if seconds is None:
        return "-"
    if math.isinf(seconds):
        return "unbounded"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes}m{rest:02d}s"
    if seconds < 86400 * 2:
        hours, rest = divmod(seconds, 3600)
        return f"{hours}h{rest // 60:02d}m"
    days, rest = divmod(seconds, 86400)
    return f"{days}d{rest // 3600:02d}h"
