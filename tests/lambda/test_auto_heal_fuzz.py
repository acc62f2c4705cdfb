"""Property-based fuzzing of the handler with hypothesis, against moto.

Events are derived from every real shape (fields dropped, emptied, retyped, replaced by random
JSON — the SNS message inside its JSON string too), plus random JSON payloads. For each one the
handler must return normally (no exception escapes) and make no mutating AWS call and no
notification, as recorded by a botocore hook on every call the handler's clients make.

The events name resources the emulated account does not have (the sample ids), or are malformed:
neither may lead to an action. ``derandomize=True`` makes the run the same on every machine.
"""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

from auto_heal_world import MUTATING_OPERATIONS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.events import event_names, load_event

FORBIDDEN = MUTATING_OPERATIONS | {"sns.Publish"}
MUTATED_EXAMPLES = 1000
RANDOM_EXAMPLES = 300


def _bases() -> list[dict[str, Any]]:
    bases = [load_event(name) for name in event_names()]
    # Variants that pass this environment's alarm-name prefix, so fuzzing reaches the AWS reads.
    for base in list(bases):
        if base.get("detail-type") == "CloudWatch Alarm State Change" and "metrics" in base["detail"].get(
            "configuration", {}
        ):
            for signal, namespace, metric in (
                ("cpu", "AWS/EC2", "CPUUtilization"),
                ("memory", "CWAgent", "mem_used_percent"),
            ):
                variant = copy.deepcopy(base)
                variant["detail"]["alarmName"] = f"webapp-prod-web-{signal}-high"
                variant["detail"]["configuration"]["metrics"] = [
                    {
                        "id": "m1",
                        "metricStat": {
                            "metric": {
                                "namespace": namespace,
                                "name": metric,
                                "dimensions": {"AutoScalingGroupName": "web-prod-asg"},
                            },
                            "period": 60,
                            "stat": "Average",
                        },
                        "returnData": True,
                    }
                ]
                bases.append(variant)
    for base in bases:  # SNS messages are mutated as objects, re-encoded afterwards
        for record in base.get("Records", []):
            message = json.loads(record["Sns"]["Message"])
            message["AlarmName"] = "webapp-prod-web-cpu-high"
            message["Trigger"]["Dimensions"] = [{"name": "AutoScalingGroupName", "value": "web-prod-asg"}]
            record["Sns"]["Message"] = message
    return bases


BASES = _bases()
_DELIVERY_IDS = itertools.count()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=24),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _retype(value: Any) -> Any:
    if isinstance(value, str):
        return len(value) if value else None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)} if value else ""
    return {}


@st.composite
def mutated_events(draw: st.DrawFn) -> Any:
    event = copy.deepcopy(draw(st.sampled_from(BASES)))
    # A fresh delivery id, or the idempotency store would answer for most mutants of one base.
    if "id" in event:
        event["id"] = f"fuzz-{next(_DELIVERY_IDS)}"
    for record in event.get("Records", []):
        record["Sns"]["MessageId"] = f"fuzz-{next(_DELIVERY_IDS)}"
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(event)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = event
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        operation = draw(st.sampled_from(["drop", "replace", "retype", "empty", "truncate"]))
        if operation == "drop":
            del parent[key]
        elif operation == "replace":
            parent[key] = draw(json_values)
        elif operation == "retype":
            parent[key] = _retype(parent[key])
        elif operation == "empty":
            parent[key] = type(parent[key])() if isinstance(parent[key], str | list | dict) else None
        else:
            value = parent[key]
            parent[key] = (
                value[: draw(st.integers(0, max(len(value) - 1, 0)))] if isinstance(value, str) else value
            )
    for record in event.get("Records", []) if isinstance(event.get("Records"), list) else []:
        sns = record.get("Sns") if isinstance(record, dict) else None
        if (
            isinstance(sns, dict)
            and isinstance(sns.get("Message"), dict)
            and draw(st.booleans() | st.just(True))
        ):
            sns["Message"] = json.dumps(sns["Message"], default=str)
    return event


random_payloads = json_values | st.dictionaries(
    st.sampled_from(["id", "source", "detail-type", "detail", "time", "Records", "resources"]),
    json_values,
    max_size=7,
)

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _assert_survives_without_acting(world, event: Any) -> None:
    before = len(world.hooks.calls)
    result = world.invoke(event)  # any exception escaping fails the property
    assert result["status"] == "done"
    made = {name for name, _ in world.hooks.calls[before:]}
    assert not made & FORBIDDEN, (made & FORBIDDEN, event)


def test_mutated_real_events_never_raise_and_never_act(world):
    seen: list[Any] = []

    @settings(FUZZ, max_examples=MUTATED_EXAMPLES)
    @given(event=mutated_events())
    def property_(event: Any) -> None:
        seen.append(event)
        _assert_survives_without_acting(world, event)

    property_()
    assert len(seen) >= MUTATED_EXAMPLES
    assert world.hooks.calls, "no mutant reached AWS: the fuzzing would prove little"


def test_random_json_payloads_never_raise_and_never_act(world):
    seen: list[Any] = []

    @settings(FUZZ, max_examples=RANDOM_EXAMPLES)
    @given(event=random_payloads)
    def property_(event: Any) -> None:
        seen.append(event)
        _assert_survives_without_acting(world, event)

    property_()
    assert len(seen) >= RANDOM_EXAMPLES
