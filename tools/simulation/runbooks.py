"""An interpreter for the Systems Manager Automation runbooks this project deploys, on the virtual clock.

moto has no Automation (``StartAutomationExecution`` answers HTTP 500). The interpreter runs a
document's ``mainSteps`` the way the Automation service documents it, sending every API step to the
emulator; :mod:`tools.simulation.runbook_actions` implements the actions.

Flow (Properties shared by all actions,
https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html, and Handling
timeouts in runbooks,
https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-handling-timeouts.html):

- steps run in document order; ``nextStep`` names the next one after a success, ``isEnd: true``
  ends the execution after the step, ``aws:branch`` picks ``NextStep`` or ``Default``;
- ``maxAttempts`` (default 1) retries a failed step; ``timeoutSeconds`` bounds each attempt (a step
  that exceeds it has timed out);
- ``onFailure``: ``Abort`` (default) ends the execution ``Failed`` (``TimedOut`` after a timeout),
  ``Continue`` goes on with the next step, ``step:<name>`` jumps there;
- ``isCritical`` (default true, false when ``onFailure`` is ``Continue``): a failed critical step
  makes the execution's final status ``Failed`` even if the failure path then succeeds.

Variables: ``{{ Parameter }}``, ``{{ Step.Output }}``, ``{{ automation:EXECUTION_ID }}``,
``{{ global:REGION }}``, ``{{ global:ACCOUNT_ID }}``, ``{{ global:DATE_TIME }}``. A value that is
exactly one variable keeps the variable's type (an Integer parameter stays a number).

Durations: starting the execution takes ``RUNBOOK_START_SECONDS`` (the recovery budget's named
latency); ``aws:sleep`` and the waits take what the document says against the emulator's state on
the virtual clock; API calls take no virtual time (the budget counts none either);
``aws:runCommand`` takes ``SSM_RUN_COMMAND_SECONDS``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from tools.recovery_budget.latencies import Latencies
from tools.simulation.clock import VirtualClock
from tools.simulation.timeline import SimTimeline

__all__ = [
    "CommandOutcome",
    "Execution",
    "RunbookEnvironment",
    "RunbookError",
    "StepFailure",
    "StepRecord",
    "StepTimeout",
    "run_runbook",
    "select",
]

AUTOMATION_WAIT_POLL_SECONDS = 15.0
"""How often ``aws:waitForAwsResourceProperty`` polls. Not documented by AWS; assumed. It only adds
the time between a property changing and the runbook noticing."""
DEFAULT_TIMEOUTS = {"aws:waitForAwsResourceProperty": 3600.0, "aws:executeScript": 600.0}
"""Documented defaults: "The default timeout value for this action is 3600 seconds"
(aws:waitForAwsResourceProperty) and the 600-second limit of aws:executeScript."""
NO_TIMEOUT = 7 * 86400.0
MAX_RUNS_PER_STEP = 50

_VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_.:\-]+)\s*\}\}")


class RunbookError(ValueError):
    """The document or its parameters are not valid; the message names the problem."""


class StepFailure(Exception):
    """A step's action failed (an API error, a property not as desired, a script exception)."""


class StepTimeout(BaseException):
    """A step ran past its ``timeoutSeconds`` (a BaseException, so a script's ``except Exception``
    cannot swallow it)."""


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """What an ``aws:runCommand`` returned and who made it up: ``INJECTED`` (a scripted answer of the
    instance) or ``EMULATOR`` (moto's own: ``Success`` with no output, since it runs nothing)."""

    status: str
    output: str
    label: str
    note: str = ""


@dataclass
class RunbookEnvironment:
    """Where a runbook runs.

    :param client: ``client(service)`` gives a boto3 client of the emulator in the runbook's region.
    :param script_environment: A context manager factory that points any SDK in this process at the
        emulator (``Emulator.environment(region)``), for ``aws:executeScript``.
    :param command_outcome: ``(instance_ids, document, parameters) -> CommandOutcome`` for
        ``aws:runCommand``. Default: moto's answer, labelled EMULATOR.
    """

    clock: VirtualClock
    timeline: SimTimeline
    client: Callable[[str], Any]
    region: str
    account: str
    latencies: Latencies
    script_environment: Callable[[], AbstractContextManager[None]]
    command_outcome: Callable[[list[str], str, Mapping[str, Any]], CommandOutcome] | None = None
    poll_seconds: float = AUTOMATION_WAIT_POLL_SECONDS
    after_step: Callable[[], None] = lambda: None
    state_version: Callable[[], object] | None = None
    """What changes whenever the emulator's state may have (the simulation's change counter). A
    wait's poll whose version did not change since its last call reuses that call's answer: the
    emulator would answer the same. Default: every poll calls the emulator."""


@dataclass
class StepRecord:
    name: str
    action: str
    status: str  # Success, Failed, TimedOut
    started: float
    ended: float
    attempts: int
    outputs: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    critical: bool = True


@dataclass
class Execution:
    document: str
    execution_id: str
    status: str  # Success, Failed, TimedOut
    started: float
    ended: float
    steps: list[StepRecord] = field(default_factory=list)

    def step(self, name: str) -> StepRecord | None:
        return next((s for s in reversed(self.steps) if s.name == name), None)

    def path(self) -> list[str]:
        return [f"{s.name}:{s.status}" for s in self.steps]


# ------------------------------------------------------------------------------------------------
# variables and selectors
# ------------------------------------------------------------------------------------------------
def select(document: Any, selector: str) -> Any:
    """A JSONPath selector of the form Automation uses: ``$.A.B[0].C`` (``KeyError`` if absent)."""
    if not selector.startswith("$"):
        raise RunbookError(
            f"selector {selector!r} must start with '$', e.g. $.DBInstances[0].DBInstanceStatus"
        )
    value = document
    for name, index in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", selector[1:]):
        if name:
            if not isinstance(value, Mapping) or name not in value:
                raise KeyError(f"{selector}: no {name!r}")
            value = value[name]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                raise KeyError(f"{selector}: no item {index}")
            value = value[int(index)]
    return value


def _convert(value: Any, kind: str, where: str) -> Any:
    try:
        if kind == "String":
            return value if isinstance(value, str) else str(value)
        if kind == "Integer":
            return int(value)
        if kind == "Boolean":
            return value if isinstance(value, bool) else str(value).lower() == "true"
        if kind in ("StringList", "MapList"):
            return list(value)
        if kind == "StringMap":
            return dict(value)
    except (TypeError, ValueError) as error:
        raise RunbookError(f"{where}: {value!r} is not a valid {kind} ({error})") from None
    return value


class Variables:
    """Parameters, step outputs and the automation/global variables of one execution."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values: dict[str, Any] = dict(values)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = _VARIABLE.fullmatch(value.strip())
            if whole:
                return self.lookup(whole.group(1))
            return _VARIABLE.sub(lambda m: _text(self.lookup(m.group(1))), value)
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, Mapping):
            return {key: self.resolve(item) for key, item in value.items()}
        return value

    def lookup(self, name: str) -> Any:
        if name not in self.values:
            raise StepFailure(
                f"variable {{{{ {name} }}}} is not defined (no such parameter or step output yet)"
            )
        return self.values[name]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parameters(document: Mapping[str, Any], given: Mapping[str, Any], name: str) -> dict[str, Any]:
    declared = document.get("parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise RunbookError(f"runbook {name}: unknown parameter(s) {unknown}; it declares {sorted(declared)}")
    values: dict[str, Any] = {}
    for key, spec in declared.items():
        if key in given:
            raw = given[key]
        elif "default" in spec:
            raw = spec["default"]
        else:
            raise RunbookError(f"runbook {name}: parameter {key} is required (no default): pass it")
        value = _convert(raw, str(spec.get("type", "String")), f"runbook {name} parameter {key}")
        allowed = spec.get("allowedValues")
        if allowed and _text(value) not in [_text(a) for a in allowed]:
            raise RunbookError(f"runbook {name}: parameter {key}={value!r} is not one of {allowed}")
        pattern = spec.get("allowedPattern")
        if pattern and isinstance(value, str) and not re.fullmatch(pattern, value):
            raise RunbookError(f"runbook {name}: parameter {key}={value!r} does not match {pattern}")
        values[key] = value
    return values


def check_document(document: Mapping[str, Any], name: str) -> None:
    """The step graph is sound: unique names, every ``nextStep``/``onFailure``/branch target exists."""
    steps = document.get("mainSteps") or []
    names = [step.get("name") for step in steps]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RunbookError(f"runbook {name}: duplicate step name(s) {duplicates}")
    known = set(names)
    for step in steps:
        targets = [step.get("nextStep")]
        failure = str(step.get("onFailure") or "")
        if failure.startswith("step:"):
            targets.append(failure[5:])
        if step.get("action") == "aws:branch":
            inputs = step.get("inputs") or {}
            targets += [c.get("NextStep") for c in inputs.get("Choices") or []] + [inputs.get("Default")]
        missing = [t for t in targets if t and t not in known]
        if missing:
            raise RunbookError(f"runbook {name}: step {step.get('name')} points at missing step(s) {missing}")


# ------------------------------------------------------------------------------------------------
# the execution loop
# ------------------------------------------------------------------------------------------------
def run_runbook(
    document: Mapping[str, Any],
    *,
    name: str,
    parameters: Mapping[str, Any] | None = None,
    env: RunbookEnvironment,
    started_by: str = "",
) -> Execution:
    """Run ``document`` (an Automation document's parsed Content) to its end on the virtual clock.

    :raises RunbookError: an invalid document or parameters (nothing runs).
    """
    from tools.simulation.runbook_actions import ACTIONS

    check_document(document, name)
    steps = list(document.get("mainSteps") or [])
    unknown = sorted({str(s.get("action")) for s in steps} - set(ACTIONS))
    if unknown:
        raise RunbookError(
            f"runbook {name}: action(s) {unknown} are not modelled; supported: {sorted(ACTIONS)}"
        )
    execution_id = str(uuid.uuid4())
    variables = Variables(
        {
            **_parameters(document, parameters or {}, name),
            "automation:EXECUTION_ID": execution_id,
            "automation:AUTOMATION_EXECUTION_ID": execution_id,
            "global:REGION": env.region,
            "global:ACCOUNT_ID": env.account,
            "global:AWS_PARTITION": "aws",
        }
    )
    clock, timeline = env.clock, env.timeline
    started = clock.now
    timeline.simulated(
        f"Automation starts runbook {name} in {env.region} ({env.latencies.s('RUNBOOK_START_SECONDS'):g} s: "
        "RUNBOOK_START_SECONDS)" + (f", started by {started_by}" if started_by else "")
    )
    clock.advance(env.latencies.s("RUNBOOK_START_SECONDS"))
    execution = Execution(name, execution_id, "Success", started, started)
    index_of = {step["name"]: index for index, step in enumerate(steps)}
    position: int | None = 0
    budget = len(steps) * MAX_RUNS_PER_STEP
    while position is not None and position < len(steps):
        budget -= 1
        if budget < 0:  # a loop in the step graph: fail instead of running for ever
            execution.status = "Failed"
            timeline.emulator(f"runbook {name} stopped: more than {MAX_RUNS_PER_STEP} runs per step (a loop)")
            break
        step = steps[position]
        variables.values["global:DATE_TIME"] = clock.datetime().strftime("%Y-%m-%d_%H.%M.%S")
        record, chosen = _run_step(step, variables, env)
        execution.steps.append(record)
        if record.status == "Success":
            if chosen is not None:
                position = index_of[chosen]
            elif step.get("isEnd"):
                position = None
            elif step.get("nextStep"):
                position = index_of[step["nextStep"]]
            else:
                position += 1
            continue
        if record.critical and execution.status == "Success":
            execution.status = record.status if record.status == "TimedOut" else "Failed"
        on_failure = str(step.get("onFailure") or "Abort")
        if step.get("isEnd"):
            position = None
        elif on_failure == "Continue":
            position += 1
        elif on_failure.startswith("step:"):
            position = index_of[on_failure[5:]]
        else:
            position = None
    execution.ended = clock.now
    timeline.emulator(
        f"runbook {name} ended {execution.status} after {execution.ended - execution.started:.0f} s "
        "(steps run by the interpreter against the emulator)",
        [" -> ".join(execution.path())],
    )
    return execution


def _run_step(
    step: Mapping[str, Any], variables: Variables, env: RunbookEnvironment
) -> tuple[StepRecord, str | None]:
    from tools.simulation.runbook_actions import ACTIONS

    action = str(step["action"])
    on_failure = str(step.get("onFailure") or "Abort")
    critical = bool(step.get("isCritical", on_failure != "Continue"))
    attempts = max(1, int(step.get("maxAttempts") or 1))
    timeout = float(step.get("timeoutSeconds") or DEFAULT_TIMEOUTS.get(action, NO_TIMEOUT))
    started = env.clock.now
    status, message, outputs, chosen = "Failed", "", {}, None
    for attempt in range(1, attempts + 1):
        deadline = env.clock.now + timeout
        try:
            inputs = {  # an embedded script is code, not a template: its text is left as written
                key: value if key == "Script" else variables.resolve(value)
                for key, value in (step.get("inputs") or {}).items()
            }
            result = ACTIONS[action](step, inputs, env, deadline)
            outputs = {**(result.outputs or {}), **_outputs(step, result.response)}
            chosen = result.next_step
            status, message = "Success", result.summary
            break
        except StepTimeout as error:
            env.clock.advance_to(max(env.clock.now, deadline))
            status, message = "TimedOut", str(error) or f"timed out after {timeout:g} s"
        except (StepFailure, KeyError) as error:
            status, message = "Failed", str(error)
        if attempt < attempts:
            env.timeline.emulator(
                f"step {step['name']} attempt {attempt} {status}: {message}; retrying (maxAttempts)"
            )
    record = StepRecord(
        step["name"], action, status, started, env.clock.now, attempt, outputs, message, critical
    )
    for output_name, value in outputs.items():
        variables.values[f"{step['name']}.{output_name}"] = value
    label = "step" if status == "Success" else f"step {status}"
    env.timeline.emulator(f"{label} {step['name']} ({action}): {message}"[:400])
    env.after_step()
    return record, chosen


def _outputs(step: Mapping[str, Any], response: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for output in step.get("outputs") or []:
        try:
            value = select(response, str(output["Selector"]))
        except KeyError as error:
            raise StepFailure(f"output {output['Name']}: {error}") from None
        found[str(output["Name"])] = _convert(
            value, str(output.get("Type", "String")), f"output {output['Name']}"
        )
    return found
