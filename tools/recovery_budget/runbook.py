"""An SSM Automation document (schema 0.3) read as a step graph: order, branches, waits, timeouts.

Transitions follow the Systems Manager User Guide ("Properties shared by all actions"): ``nextStep``,
else the next step in ``mainSteps`` unless ``isEnd``; an ``aws:branch`` goes to the ``NextStep`` of
its first matching choice or its ``Default``; ``onFailure: step:<name>`` is taken when a step fails
(a timeout after ``maxAttempts`` attempts included). What a step *does* is read from its inputs: the
service and API of ``aws:executeAwsApi`` / ``aws:waitForAwsResourceProperty``, the boto3 calls of an
``aws:executeScript`` script and its ``InputPayload``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# "The timeoutSeconds property is shared by all Automation actions"; aws:waitForAwsResourceProperty
# defaults to 3600 s ("The default timeout value for this action is 3600 seconds"); aws:executeScript
# runs at most 600 s (Systems Manager User Guide, "aws:executeScript"); maxAttempts defaults to 1
# (Systems Manager API Reference, StepExecution.MaxAttempts).
WAIT_DEFAULT_TIMEOUT_SECONDS = 3600
SCRIPT_MAX_SECONDS = 600
DEFAULT_MAX_ATTEMPTS = 1

_PARAMETER = re.compile(r"^\{\{\s*([A-Za-z0-9_.:]+)\s*\}\}$")
_CALL = re.compile(r"\.([a-z][a-z0-9_]+)\(")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def iso_duration_seconds(text: Any) -> float | None:
    """``PT1M`` -> 60; ``PT1H30S`` -> 3630; anything else -> ``None``."""
    if not isinstance(text, str):
        return None
    match = _DURATION.match(text.strip())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)


@dataclass(frozen=True)
class RunbookStep:
    """One main step and what the graph needs of it."""

    name: str
    action: str
    inputs: Mapping[str, Any]
    index: int
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def timeout_seconds(self) -> int | None:
        value = self.raw.get("timeoutSeconds")
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    @property
    def max_attempts(self) -> int:
        value = self.raw.get("maxAttempts")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        return DEFAULT_MAX_ATTEMPTS

    @property
    def on_failure(self) -> str | None:
        value = self.raw.get("onFailure")
        return value.removeprefix("step:") if isinstance(value, str) and value.startswith("step:") else None

    @property
    def is_end(self) -> bool:
        return self.raw.get("isEnd") in (True, "true", "True")

    @property
    def service(self) -> str:
        return str(self.inputs.get("Service") or "").lower()

    @property
    def api(self) -> str:
        return str(self.inputs.get("Api") or "")

    @property
    def script(self) -> str:
        return str(self.inputs.get("Script") or "") if self.action == "aws:executeScript" else ""

    @property
    def payload(self) -> Mapping[str, Any]:
        payload = self.inputs.get("InputPayload")
        return payload if isinstance(payload, Mapping) else {}

    def script_calls(self) -> set[str]:
        """The client methods the script calls (``describe_db_instances``, ``promote_read_replica``...)."""
        return set(_CALL.findall(self.script))

    @property
    def script_polls(self) -> bool:
        """The script loops until something is true (``while`` with ``time.sleep``)."""
        return "while" in self.script and "sleep(" in self.script

    def value(self, key: str) -> Any:
        """An API input or, for a script, a payload entry."""
        return self.inputs.get(key, self.payload.get(key))

    def window_seconds(self, default: int) -> float:
        """How long the step may take before it fails: ``timeoutSeconds x maxAttempts``.

        For a script, its own ``TimeoutSeconds`` payload (when shorter) bounds each attempt too.
        """
        timeout = self.timeout_seconds or default
        own = self.payload.get("TimeoutSeconds")
        if isinstance(own, int | float) and not isinstance(own, bool):
            timeout = min(timeout, float(own))
        if self.action == "aws:executeScript":
            timeout = min(timeout, SCRIPT_MAX_SECONDS)
        return float(timeout) * self.max_attempts


@dataclass
class RunbookGraph:
    """The main steps of one document, its parameter defaults, and its transitions."""

    steps: list[RunbookStep]
    parameters: Mapping[str, Any]

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> RunbookGraph:
        raw_steps = [s for s in document.get("mainSteps") or [] if isinstance(s, Mapping) and s.get("name")]
        steps = [
            RunbookStep(str(s["name"]), str(s.get("action") or ""), s.get("inputs") or {}, i, s)
            for i, s in enumerate(raw_steps)
        ]
        defaults = {
            name: spec.get("default")
            for name, spec in (document.get("parameters") or {}).items()
            if isinstance(spec, Mapping) and "default" in spec
        }
        return cls(steps, defaults)

    @property
    def first(self) -> RunbookStep | None:
        return self.steps[0] if self.steps else None

    def step(self, name: str | None) -> RunbookStep | None:
        return next((s for s in self.steps if s.name == name), None)

    def next_of(self, step: RunbookStep) -> str | None:
        """The step after ``step`` on success (not for branches)."""
        if "nextStep" in step.raw:
            return str(step.raw["nextStep"])
        if step.is_end or step.index + 1 >= len(self.steps):
            return None
        return self.steps[step.index + 1].name

    def branch_targets(self, step: RunbookStep) -> list[tuple[Mapping[str, Any] | None, str]]:
        """``(choice, next step)`` of each choice, then ``(None, Default)``."""
        found: list[tuple[Mapping[str, Any] | None, str]] = [
            (choice, str(choice.get("NextStep")))
            for choice in step.inputs.get("Choices") or []
            if isinstance(choice, Mapping) and choice.get("NextStep")
        ]
        if step.inputs.get("Default"):
            found.append((None, str(step.inputs["Default"])))
        return found

    def resolve(self, value: Any) -> Any:
        """``{{ Name }}`` -> the parameter's default; other values unchanged."""
        if isinstance(value, str):
            match = _PARAMETER.match(value.strip())
            if match and match.group(1) in self.parameters:
                return self.parameters[match.group(1)]
        return value

    def reference(self, value: Any) -> tuple[str, str] | None:
        """``{{ Step.Output }}`` -> ``(step, output)``."""
        if isinstance(value, str):
            match = _PARAMETER.match(value.strip())
            if match and "." in match.group(1) and not match.group(1).startswith(("global:", "automation:")):
                step, _, output = match.group(1).partition(".")
                return step, output
        return None
