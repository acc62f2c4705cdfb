"""Recovery targets (RTO/RPO) per scenario: the DR runbook's table, overridable per environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """What a scenario must achieve: restore service within ``rto_seconds``, lose at most ``rpo_seconds``."""

    rto_seconds: float
    rpo_seconds: float


@dataclass(frozen=True)
class ScenarioSpec:
    """A failure scenario the budget evaluates."""

    key: str
    title: str
    level: int  # failure level of the DR runbook: 1 instance/process/data, 2 AZ, 3 region


SCENARIOS: tuple[ScenarioSpec, ...] = (
    ScenarioSpec("instance_crash", "Instance crash (stops or terminates)", 1),
    ScenarioSpec("process_hung", "Web process hung (/health fails, instance runs)", 1),
    ScenarioSpec("cpu_saturation", "CPU saturation", 1),
    ScenarioSpec("memory_pressure", "Memory pressure", 1),
    ScenarioSpec("az_loss", "Loss of one Availability Zone", 2),
    ScenarioSpec("db_primary_failure", "Database primary failure", 2),
    ScenarioSpec("data_deletion", "Accidental data deletion (PITR)", 1),
    ScenarioSpec("region_loss", "Loss of the primary region", 3),
)
SCENARIO_KEYS: tuple[str, ...] = tuple(spec.key for spec in SCENARIOS)

# The DR runbook's table: level 1 and 2 -> RTO 5 min / RPO 0; PITR -> 1 h / 5 min; region -> 4 h / 1 h.
DEFAULT_TARGETS: Mapping[str, Target] = {
    "instance_crash": Target(300, 0),
    "process_hung": Target(300, 0),
    "cpu_saturation": Target(300, 0),
    "memory_pressure": Target(300, 0),
    "az_loss": Target(300, 0),
    "db_primary_failure": Target(300, 0),
    "data_deletion": Target(3600, 300),
    "region_loss": Target(14400, 3600),
}


def _parse_target(where: str, raw: Any) -> Target | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be an object like {{'rto_seconds': 300, 'rpo_seconds': 0}} or null")
    unknown = set(raw) - {"rto_seconds", "rpo_seconds"}
    if unknown:
        raise ValueError(f"{where} has unknown keys {sorted(unknown)}: use rto_seconds and rpo_seconds")
    values = {}
    for key in ("rto_seconds", "rpo_seconds"):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(f"{where}.{key} must be a number of seconds >= 0, got {value!r}")
        values[key] = float(value)
    return Target(**values)


def resolve_targets(env: str, overrides: Mapping[str, Any] | None = None) -> dict[str, Target | None]:
    """Targets for one environment: defaults, then ``overrides["*"]``, then ``overrides[env]``.

    ``overrides`` is the ``"targets"`` object of an overrides file, e.g.
    ``{"*": {"region_loss": {"rto_seconds": 3600, "rpo_seconds": 300}}, "dev": {"region_loss": null}}``;
    ``null`` removes a target (the scenario is then reported, never counted as a miss).
    """
    targets: dict[str, Target | None] = dict(DEFAULT_TARGETS)
    if not overrides:
        return targets
    if not isinstance(overrides, Mapping):
        raise ValueError("'targets' must be an object keyed by environment name or '*'")
    for scope in ("*", env):
        section = overrides.get(scope)
        if section is None:
            continue
        if not isinstance(section, Mapping):
            raise ValueError(f"targets.{scope} must be an object keyed by scenario")
        for scenario, raw in section.items():
            if scenario not in DEFAULT_TARGETS:
                raise ValueError(
                    f"targets.{scope}: unknown scenario {scenario!r}; use one of {', '.join(SCENARIO_KEYS)}"
                )
            targets[scenario] = _parse_target(f"targets.{scope}.{scenario}", raw)
    return targets


def parse_target_assignment(text: str) -> tuple[str, dict[str, float] | None]:
    """Parse ``SCENARIO=RTO[/RPO]`` (seconds) or ``SCENARIO=none`` from the command line."""
    scenario, sep, raw = text.partition("=")
    scenario = scenario.strip()
    if not sep or scenario not in DEFAULT_TARGETS:
        raise ValueError(
            f"--target expects SCENARIO=RTO_SECONDS[/RPO_SECONDS], got {text!r}; "
            f"scenarios: {', '.join(SCENARIO_KEYS)}"
        )
    if raw.strip().lower() == "none":
        return scenario, None
    rto_raw, _, rpo_raw = raw.partition("/")
    try:
        rto = float(rto_raw)
        rpo = float(rpo_raw) if rpo_raw else DEFAULT_TARGETS[scenario].rpo_seconds
    except ValueError:
        raise ValueError(f"--target {scenario}: {raw!r} is not RTO_SECONDS[/RPO_SECONDS]") from None
    return scenario, {"rto_seconds": rto, "rpo_seconds": rpo}
