"""Property-based fuzzing of the handler with hypothesis, against moto.

Events are derived from every real shape (fields dropped, emptied, retyped, replaced by random
JSON — the SNS message inside its JSON string too — lone surrogates inserted, strings blown up to
thousands of characters, the account, region or an ARN made foreign, the time made stale or future),
plus random JSON payloads. For each one the handler must return normally (no exception escapes) and
make no mutating AWS call and no notification, as recorded by a botocore hook on every call the
handler's clients make.

The first two properties use the sample ids (resources the emulated account does not have) or
malformed events: neither may lead to an action. The third starts from events about this
environment's real resources, each of which is acted on as it is (checked), and makes it hostile:
foreign, stale, unencodable or huge; none may lead to an action any more.
``derandomize=True`` makes the run the same on every machine.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any

from auto_heal_world import (
    GROUP,
    MUTATING_OPERATIONS,
    health_event,
    launch_unsuccessful,
    stamped,
    state_change,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.events import event_names, load_event

FORBIDDEN = MUTATING_OPERATIONS | {"sns.Publish"}
MUTATED_EXAMPLES = 1000
RANDOM_EXAMPLES = 300
HOSTILE_EXAMPLES = 150
FOREIGN_ACCOUNT, FOREIGN_REGION = "999999999999", "us-east-1"
SURROGATE = "\ud800"
HUGE = "x" * 2_000


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
        operation = draw(
            st.sampled_from(
                ["drop", "replace", "retype", "empty", "truncate", "surrogate", "huge", "hostile"]
            )
        )
        if operation == "drop":
            del parent[key]
        elif operation == "surrogate":
            value = parent[key]
            parent[key] = (value if isinstance(value, str) else "") + SURROGATE
        elif operation == "huge":
            parent[key] = HUGE
        elif operation == "hostile":
            hostile(event, draw(st.sampled_from(HOSTILITIES)))
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


HOSTILITIES = ("account", "region", "arn", "stale", "future", "surrogate", "huge-group")


def _edit_strings(node: Any, edit: Any) -> Any:
    """``node`` with ``edit`` applied to every string in it, SNS messages (JSON in a string) included."""
    if isinstance(node, dict):
        return {k: _edit_strings(v, edit) for k, v in node.items()}
    if isinstance(node, list):
        return [_edit_strings(v, edit) for v in node]
    if isinstance(node, str):
        if node.startswith("{"):
            try:
                return json.dumps(_edit_strings(json.loads(node), edit))  # a surrogate becomes \ud800 here
            except ValueError:
                pass
        return edit(node)
    return node


def hostile(event: dict[str, Any], how: str) -> None:
    """Make ``event`` foreign, stale, future, unencodable or huge, in place (as far as its shape allows)."""
    edits = {
        "account": lambda t: t.replace("123456789012", FOREIGN_ACCOUNT),
        "region": lambda t: t.replace("ap-northeast-1", FOREIGN_REGION),
        "arn": lambda t: t.replace(":123456789012:", f":{FOREIGN_ACCOUNT}:"),  # the envelope stays ours
        "stale": lambda t: re.sub(r"^\d{4}-\d\d-\d\dT[0-9:.]+(Z|\+0000)$", "2020-01-01T00:00:00Z", t),
        "future": lambda t: re.sub(r"^\d{4}-\d\d-\d\dT[0-9:.]+(Z|\+0000)$", "2099-01-01T00:00:00Z", t),
        "surrogate": lambda t: t + SURROGATE if "prod" in t or t.startswith("i-") else t,
        "huge-group": lambda t: t.replace(GROUP, HUGE),
    }
    changed = _edit_strings(event, edits[how])
    event.clear()
    event.update(changed)


def _assert_survives_without_acting(world, event: Any, *, stamp: bool = True) -> None:
    before = len(world.hooks.calls)
    result = world.invoke(event, stamp=stamp)  # any exception escaping fails the property
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


def real_events(world) -> list[dict[str, Any]]:
    """Events about this environment's real resources, each of which the function acts on as it is."""
    world.host_stop(world.standalone)  # a retirement stop: healed when the event is genuine
    member = world.members()[0]
    return [
        stamped(state_change(world.standalone, "stopped"), world.now),
        stamped(health_event(member), world.now),
        stamped(world.alarm_event("webapp-prod-web-cpu-medium"), world.now),
        stamped(world.alarm_event("webapp-prod-web-cpu-medium", via="sns"), world.now),
        stamped(launch_unsuccessful(), world.now),
    ]


def test_hostile_events_about_real_resources_never_raise_and_never_act(world):
    bases = real_events(world)
    for base in bases[:1]:  # the same event as it is: acted on, so the property below can fail
        acted = world.invoke(copy.deepcopy(base), stamp=False)
        assert acted["results"][0]["status"] == "acted", acted
    seen: list[tuple[str, str]] = []

    @settings(FUZZ, max_examples=HOSTILE_EXAMPLES)
    @given(base=st.sampled_from(bases), how=st.sampled_from(HOSTILITIES))
    def property_(base: dict[str, Any], how: str) -> None:
        event = copy.deepcopy(base)
        hostile(event, how)
        assume(event != base)  # a hostility the event's shape has no place for (no ARN, no group...)
        for record in event.get("Records", []):
            record["Sns"]["MessageId"] = f"fuzz-{next(_DELIVERY_IDS)}"
        if "id" in event:
            event["id"] = f"fuzz-{next(_DELIVERY_IDS)}"
        seen.append((event.get("detail-type", "sns"), how))
        _assert_survives_without_acting(world, event, stamp=False)

    property_()
    assert {how for _, how in seen} == set(HOSTILITIES)
