"""The Automation actions the project's runbooks use, run against the emulator on the virtual clock.

Each action follows its page of the Systems Manager Automation actions reference
(https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html):

- ``aws:executeAwsApi``: ``Service`` + ``Api`` + the API's inputs, sent to the emulator; string
  inputs are converted to the API's member types (as Automation does for ``{{ Integer }}``
  parameters); ``outputs`` select from the response.
- ``aws:waitForAwsResourceProperty``: the same call repeated (every ``poll_seconds``, AWS does not
  document the interval) until ``PropertySelector`` is one of ``DesiredValues``, or time out.
- ``aws:assertAwsResourceProperty``: one call; fails unless the property is one of the values.
- ``aws:branch``: ``Choices`` (``StringEquals``, ``BooleanEquals``, numeric comparisons, ``And``,
  ``Or``, ``Not``...) else ``Default``.
- ``aws:sleep``: ``Duration`` (ISO 8601) or ``Timestamp``.
- ``aws:executeScript``: the embedded Python runs in this process with ``InputPayload`` as its
  events, its SDK calls go to the emulator, and its ``time``/``datetime`` are the virtual clock's
  (a ``time.sleep`` advances the simulated world instead of waiting). The result is ``$.Payload``.
- ``aws:runCommand``: the command is sent through the emulator's SSM API (it records it); moto runs
  nothing, so the outcome is the environment's labelled answer (:class:`CommandOutcome`).
- ``aws:changeInstanceState``: start/stop/terminate through EC2, then wait for the state.
"""

from __future__ import annotations

import builtins
import datetime as real_datetime
import re
import sys
import time as real_time
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from tools.simulation.runbooks import (
    CommandOutcome,
    RunbookEnvironment,
    StepFailure,
    StepTimeout,
    _text,
    select,
)

__all__ = ["ACTIONS", "ActionResult", "call_api", "virtual_datetime_module", "virtual_time_module"]


@dataclass(frozen=True, slots=True)
class ActionResult:
    response: Any
    summary: str
    next_step: str | None = None
    outputs: Mapping[str, Any] | None = None  # the action's predefined outputs (aws:runCommand's)


# ------------------------------------------------------------------------------------------------
# API calls
# ------------------------------------------------------------------------------------------------
def _coerce(value: Any, shape: Any) -> Any:
    if shape is None:
        return value
    kind = shape.type_name
    if kind in ("integer", "long") and isinstance(value, str | float) and not isinstance(value, bool):
        return int(float(value))
    if kind == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    if kind in ("double", "float") and isinstance(value, str | int) and not isinstance(value, bool):
        return float(value)
    if kind == "string" and isinstance(value, int | float | bool):
        return _text(value)
    if kind == "list":
        items = value if isinstance(value, list) else [value]
        return [_coerce(item, shape.member) for item in items]
    if kind == "structure" and isinstance(value, Mapping):
        return {k: _coerce(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "map" and isinstance(value, Mapping):
        return {k: _coerce(v, shape.value) for k, v in value.items()}
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, real_datetime.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "read"):  # a streaming body
        return value.read().decode(errors="replace")
    return value


def call_api(env: RunbookEnvironment, service: str, api: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """``Service``/``Api`` as Automation names them, sent to the emulator; the response as JSON data."""
    from botocore import xform_name
    from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
    from botocore.parsers import ResponseParserError

    client = env.client(service)
    try:
        operation = client.meta.service_model.operation_model(api)
    except Exception as error:  # botocore raises OperationNotFoundError
        raise StepFailure(f"{service} has no API {api!r}: {error}") from None
    arguments = _coerce(dict(params), operation.input_shape)
    try:
        response = getattr(client, xform_name(api))(**arguments)
    except ClientError as error:
        info = error.response.get("Error", {})
        raise StepFailure(f"{service}:{api} failed: {info.get('Code')}: {info.get('Message')}") from None
    except (ParamValidationError, BotoCoreError, ResponseParserError) as error:
        raise StepFailure(f"{service}:{api} failed: {str(error)[:300]}") from None
    response.pop("ResponseMetadata", None)
    return _jsonable(response)


def _api_inputs(inputs: Mapping[str, Any], *extra: str) -> tuple[str, str, dict[str, Any]]:
    service, api = inputs.get("Service"), inputs.get("Api")
    if not service or not api:
        raise StepFailure(f"inputs need Service and Api, got {sorted(inputs)}")
    params = {k: v for k, v in inputs.items() if k not in ("Service", "Api", *extra)}
    return str(service), str(api), params


def execute_aws_api(
    step: Mapping[str, Any], inputs: Mapping[str, Any], env: RunbookEnvironment, deadline: float
) -> ActionResult:
    service, api, params = _api_inputs(inputs)
    response = call_api(env, service, api, params)
    return ActionResult(response, f"{service}:{api} answered")


def _desired(inputs: Mapping[str, Any]) -> tuple[str, list[str]]:
    selector = inputs.get("PropertySelector")
    desired = inputs.get("DesiredValues")
    if not selector or not isinstance(desired, list):
        raise StepFailure("inputs need PropertySelector and a DesiredValues list")
    return str(selector), [_text(d) for d in desired]


def wait_for_property(
    step: Mapping[str, Any], inputs: Mapping[str, Any], env: RunbookEnvironment, deadline: float
) -> ActionResult:
    service, api, params = _api_inputs(inputs, "PropertySelector", "DesiredValues")
    selector, desired = _desired(inputs)
    waited_from = env.clock.now
    last: tuple[object, dict[str, Any]] | None = None
    while True:
        version = env.state_version() if env.state_version is not None else object()
        if last is not None and last[0] == version:
            response = last[1]  # nothing changed in the emulator since the last poll: same answer
        else:
            response = call_api(env, service, api, params)
            last = (version, response)
        try:
            value = select(response, selector)
        except KeyError:
            value = None
        if value is not None and _text(value) in desired:
            return ActionResult(response, f"{selector} = {value!r} after {env.clock.now - waited_from:.0f} s")
        if env.clock.now + env.poll_seconds > deadline:
            env.clock.advance_to(max(env.clock.now, deadline))
            raise StepTimeout(
                f"{selector} still {value!r} after {deadline - waited_from:.0f} s (wanted {desired})"
            )
        env.clock.advance(env.poll_seconds)


def assert_property(
    step: Mapping[str, Any], inputs: Mapping[str, Any], env: RunbookEnvironment, deadline: float
) -> ActionResult:
    service, api, params = _api_inputs(inputs, "PropertySelector", "DesiredValues")
    selector, desired = _desired(inputs)
    response = call_api(env, service, api, params)
    try:
        value = select(response, selector)
    except KeyError as error:
        raise StepFailure(str(error)) from None
    if _text(value) not in desired:
        raise StepFailure(f"{selector} is {value!r}, not one of {desired}")
    return ActionResult(response, f"{selector} = {value!r} as required")


# ------------------------------------------------------------------------------------------------
# flow
# ------------------------------------------------------------------------------------------------
def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise StepFailure(f"branch: {value!r} is not a number") from None


_OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    "StringEquals": lambda v, x: _text(v) == _text(x),
    "EqualsIgnoreCase": lambda v, x: _text(v).lower() == _text(x).lower(),
    "StartsWith": lambda v, x: _text(v).startswith(_text(x)),
    "EndsWith": lambda v, x: _text(v).endswith(_text(x)),
    "Contains": lambda v, x: _text(x) in (v if isinstance(v, list) else _text(v)),
    "NumericEquals": lambda v, x: _number(v) == _number(x),
    "NumericGreater": lambda v, x: _number(v) > _number(x),
    "NumericLesser": lambda v, x: _number(v) < _number(x),
    "NumericGreaterOrEquals": lambda v, x: _number(v) >= _number(x),
    "NumericLesserOrEquals": lambda v, x: _number(v) <= _number(x),
    "BooleanEquals": lambda v, x: (v if isinstance(v, bool) else _text(v).lower() == "true") == bool(x),
}


def _choice_holds(choice: Mapping[str, Any]) -> bool:
    if "And" in choice:
        return all(_choice_holds(c) for c in choice["And"])
    if "Or" in choice:
        return any(_choice_holds(c) for c in choice["Or"])
    if "Not" in choice:
        return not _choice_holds(choice["Not"])
    operators = [key for key in choice if key in _OPERATORS]
    if len(operators) != 1 or "Variable" not in choice:
        raise StepFailure(
            f"branch choice {dict(choice)} needs a Variable and one operator of {sorted(_OPERATORS)}"
        )
    return _OPERATORS[operators[0]](choice["Variable"], choice[operators[0]])


def branch(
    step: Mapping[str, Any], inputs: Mapping[str, Any], env: RunbookEnvironment, deadline: float
) -> ActionResult:
    for choice in inputs.get("Choices") or []:
        if _choice_holds(choice):
            return ActionResult({}, f"choice -> {choice['NextStep']}", choice["NextStep"])
    default = inputs.get("Default")
    if not default:
        raise StepFailure("no choice holds and the branch has no Default")
    return ActionResult({}, f"default -> {default}", default)


_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


def sleep(
    step: Mapping[str, Any], inputs: Mapping[str, Any], env: RunbookEnvironment, deadline: float
) -> ActionResult:
    if "Duration" in inputs:
        match = _DURATION.match(str(inputs["Duration"]))
        if not match or not any(match.groups()):
            raise StepFailure(
                f"Duration {inputs['Duration']!r} is not an ISO 8601 duration like PT1M or PT30S"
            )
        hours, minutes, seconds = (int(g or 0) for g in match.groups())
        duration = hours * 3600 + minutes * 60 + seconds
    elif "Timestamp" in inputs:
        target = real_datetime.datetime.fromisoformat(str(inputs["Timestamp"]).replace("Z", "+00:00"))
        duration = max(0.0, env.clock.seconds(target) - env.clock.now)
    else:
        raise StepFailure("aws:sleep needs Duration or Timestamp")
    if env.clock.now + duration > deadline:
        env.clock.advance_to(deadline)
        raise StepTimeout(f"sleep of {duration:g} s exceeds the step's timeout")
    env.clock.advance(duration)
    return ActionResult({}, f"slept {duration:g} s")


# ------------------------------------------------------------------------------------------------
# scripts on the virtual clock
# ------------------------------------------------------------------------------------------------
def virtual_time_module(clock: Any, deadline: float | None = None) -> types.ModuleType:
    """A ``time`` module whose clocks are the virtual clock's and whose ``sleep`` advances it."""
    module = types.ModuleType("time")
    for name in dir(real_time):
        if not name.startswith("__"):
            setattr(module, name, getattr(real_time, name))

    def sleep_virtually(seconds: float) -> None:
        if deadline is not None and clock.now + seconds > deadline:
            clock.advance_to(max(clock.now, deadline))
            raise StepTimeout("the script ran past the step's timeoutSeconds")
        clock.advance(max(0.0, float(seconds)))

    module.sleep = sleep_virtually  # type: ignore[attr-defined]
    module.monotonic = lambda: clock.now  # type: ignore[attr-defined]
    module.perf_counter = lambda: clock.now  # type: ignore[attr-defined]
    module.time = lambda: clock.datetime().timestamp()  # type: ignore[attr-defined]
    return module


def virtual_datetime_module(clock: Any) -> types.ModuleType:
    """A ``datetime`` module whose ``datetime.now()``/``utcnow()`` read the virtual clock."""

    class VirtualDatetime(real_datetime.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
            moment = clock.datetime()
            return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)

        @classmethod
        def utcnow(cls) -> Any:  # type: ignore[override]
            return clock.datetime().astimezone(UTC).replace(tzinfo=None)

    module = types.ModuleType("datetime")
    for name in dir(real_datetime):
        if not name.startswith("__"):
            setattr(module, name, getattr(real_datetime, name))
    module.datetime = VirtualDatetime  # type: ignore[attr-defined]
    return module


def execute_script(
    step: Mapping[str, Any], inputs: Mapping[str, Any], env: RunbookEnvironment, deadline: float
) -> ActionResult:
    runtime, handler, script = inputs.get("Runtime", ""), inputs.get("Handler"), inputs.get("Script")
    if not str(runtime).startswith("python3") or not handler or not script:
        raise StepFailure(
            f"only Python scripts with a Handler and an embedded Script are modelled (Runtime {runtime!r})"
        )
    overrides = {
        "time": virtual_time_module(env.clock, deadline),
        "datetime": virtual_datetime_module(env.clock),
    }
    real_import = builtins.__import__

    def scripted_import(
        name: str, globals_: Any = None, locals_: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        if level == 0 and name in overrides:
            return overrides[name]
        return real_import(name, globals_, locals_, fromlist, level)

    namespace: dict[str, Any] = {
        "__builtins__": {**vars(builtins), "__import__": scripted_import},
        "__name__": "script",
    }
    events = dict(inputs.get("InputPayload") or {})
    with env.script_environment():
        if "boto3" in sys.modules:
            sys.modules["boto3"].DEFAULT_SESSION = None  # read the emulator's endpoint from the environment
        try:
            exec(compile(str(script), f"<{step['name']}>", "exec"), namespace)  # the runbook's own code
            payload = namespace[str(handler)](events, types.SimpleNamespace(step=step["name"]))
        except StepTimeout:
            raise
        except Exception as error:  # the script failed: the step fails with its message
            raise StepFailure(f"script raised {type(error).__name__}: {error}") from None
    return ActionResult({"Payload": _jsonable(payload)}, f"script {handler} returned {_jsonable(payload)}")


# ------------------------------------------------------------------------------------------------
# instances
# ------------------------------------------------------------------------------------------------
def run_command(
    step: Mapping[str, Any], inputs: Mapping[str, Any], env: RunbookEnvironment, deadline: float
) -> ActionResult:
    document = str(inputs.get("DocumentName") or "")
    instances = [str(i) for i in inputs.get("InstanceIds") or []]
    parameters = dict(inputs.get("Parameters") or {})
    if not document or not instances:
        raise StepFailure("aws:runCommand needs DocumentName and InstanceIds (Targets are not modelled)")
    sent = call_api(
        env,
        "ssm",
        "SendCommand",
        {"DocumentName": document, "InstanceIds": instances, "Parameters": parameters},
    )
    command_id = sent["Command"]["CommandId"]
    if env.command_outcome is not None:
        outcome = env.command_outcome(instances, document, parameters)
    else:
        outcome = CommandOutcome("Success", "", "EMULATOR", "moto runs no command: Success, no output")
    env.timeline.add(
        outcome.label,
        f"Run Command {command_id} ({document}) on {', '.join(instances)}: {outcome.status}"
        + (f" ({outcome.note})" if outcome.note else ""),
        [line for line in outcome.output.splitlines() if line][:6],
    )
    duration = env.latencies.s("SSM_RUN_COMMAND_SECONDS")
    if env.clock.now + duration > deadline:
        env.clock.advance_to(deadline)
        raise StepTimeout(
            f"the command needs {duration:g} s (SSM_RUN_COMMAND_SECONDS), past the step's timeout"
        )
    env.clock.advance(duration)
    response = {
        "CommandId": command_id,
        "Status": outcome.status,
        "ResponseCode": 0,
        "Output": outcome.output,
    }
    if outcome.status != "Success":
        raise StepFailure(f"command {command_id} ended {outcome.status}")
    # aws:runCommand's outputs exist without an ``outputs`` section: CommandId, Status, ResponseCode, Output
    return ActionResult(response, f"command {command_id} {outcome.status}", outputs=response)


_STATE_APIS = {"running": "StartInstances", "stopped": "StopInstances", "terminated": "TerminateInstances"}


def change_instance_state(
    step: Mapping[str, Any], inputs: Mapping[str, Any], env: RunbookEnvironment, deadline: float
) -> ActionResult:
    instances = [str(i) for i in inputs.get("InstanceIds") or []]
    desired = str(inputs.get("DesiredState") or "")
    if desired not in _STATE_APIS or not instances:
        raise StepFailure(
            f"DesiredState must be one of {sorted(_STATE_APIS)} with InstanceIds, got {desired!r}"
        )
    if str(inputs.get("CheckStateOnly", "false")).lower() != "true":
        call_api(env, "ec2", _STATE_APIS[desired], {"InstanceIds": instances})
    while True:
        response = call_api(env, "ec2", "DescribeInstances", {"InstanceIds": instances})
        states = [
            i["State"]["Name"] for r in response.get("Reservations", []) for i in r.get("Instances", [])
        ]
        if states and all(state == desired for state in states):
            return ActionResult(response, f"{', '.join(instances)} {desired}")
        if env.clock.now + env.poll_seconds > deadline:
            env.clock.advance_to(max(env.clock.now, deadline))
            raise StepTimeout(f"instances still {states} (wanted {desired})")
        env.clock.advance(env.poll_seconds)


ACTIONS: Mapping[
    str, Callable[[Mapping[str, Any], Mapping[str, Any], RunbookEnvironment, float], ActionResult]
] = {
    "aws:executeAwsApi": execute_aws_api,
    "aws:waitForAwsResourceProperty": wait_for_property,
    "aws:assertAwsResourceProperty": assert_property,
    "aws:branch": branch,
    "aws:sleep": sleep,
    "aws:executeScript": execute_script,
    "aws:runCommand": run_command,
    "aws:changeInstanceState": change_instance_state,
}
"""Every action the project's documents use (a test keeps this in step with the synthesized runbooks)."""
