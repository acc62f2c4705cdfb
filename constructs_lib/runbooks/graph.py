"""An Automation document (schema 0.3) read as a step graph: who follows whom, what is reachable, and
whether each step states its own timing.

For tests and tools that reason about what a runbook *does* (the order of its steps on every path,
the worst case of a step) without running it. Transitions follow the Systems Manager User Guide
("Properties shared by all actions"): ``nextStep``, else the next step in ``mainSteps`` unless
``isEnd``; an ``aws:branch`` goes to one of its ``Choices`` or its ``Default``; ``onFailure`` /
``onCancel`` of the form ``step:<name>`` add an edge taken on failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["reachable", "steps_without_explicit_timing", "successors"]

#: The properties whose absence leaves a step's worst case to the service's defaults.
TIMING_PROPERTIES = ("timeoutSeconds", "maxAttempts")


def _main_steps(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    steps = content.get("mainSteps") or []
    return [s for s in steps if isinstance(s, dict) and isinstance(s.get("name"), str)]


def successors(content: Mapping[str, Any], name: str, *, on_failure: bool = True) -> list[str]:
    """The steps that may run right after ``name`` (failure edges too unless ``on_failure`` is false)."""
    steps = _main_steps(content)
    names = [s["name"] for s in steps]
    if name not in names:
        raise KeyError(f"step {name!r} is not a main step of the document (steps: {', '.join(names)})")
    index = names.index(name)
    step = steps[index]
    found: list[str] = []
    if step.get("action") == "aws:branch":
        inputs = step.get("inputs") or {}
        found += [c.get("NextStep") for c in inputs.get("Choices") or [] if isinstance(c, Mapping)]
        if "Default" in inputs:
            found.append(inputs["Default"])
    elif "nextStep" in step:
        found.append(step["nextStep"])
    elif step.get("isEnd") not in (True, "true", "True") and index + 1 < len(steps):
        found.append(names[index + 1])
    if on_failure:
        for key in ("onFailure", "onCancel"):
            value = step.get(key)
            if isinstance(value, str) and value.startswith("step:"):
                found.append(value.removeprefix("step:"))
    return [f for f in found if isinstance(f, str)]


def reachable(
    content: Mapping[str, Any], start: str, *, removed: Iterable[str] = (), on_failure: bool = True
) -> set[str]:
    """Every step a run starting at ``start`` may reach without passing through ``removed``.

    ``X`` runs before ``Y`` on every path from ``start`` exactly when ``Y`` is not reachable with
    ``X`` removed.
    """
    blocked = set(removed)
    seen: set[str] = set()
    pending = [start]
    while pending:
        name = pending.pop()
        if name in seen or name in blocked:
            continue
        seen.add(name)
        pending += successors(content, name, on_failure=on_failure)
    return seen


def steps_without_explicit_timing(content: Mapping[str, Any]) -> list[str]:
    """Main steps lacking ``timeoutSeconds`` or ``maxAttempts``, as ``'<step>: no <property>'``."""
    return [
        f"{step['name']}: no {prop}"
        for step in _main_steps(content)
        for prop in TIMING_PROPERTIES
        if not isinstance(step.get(prop), int) or isinstance(step.get(prop), bool)
    ]
