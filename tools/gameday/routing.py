"""Route an event through the rules deployed in the emulator, as EventBridge would.

moto stores rules and targets but does not deliver to Lambda (its ``PutEvents`` fails with HTTP
500 when a matching rule targets a function), and its ``TestEventPattern`` is a stub. So the game
day reads every enabled rule's ``EventPattern`` back from the emulator's events API and matches
with moto's own pattern engine (``moto.events.models.EventPattern``: prefix, suffix, anything-but,
numeric, exists, wildcard, cidr, ``$or``), then lists the targets of the rules that match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.gameday.emulator import Emulator

__all__ = ["Route", "matches", "route", "target_input"]


@dataclass(frozen=True, slots=True)
class Route:
    """A rule that matched, one of its targets, and what EventBridge hands that target (``payload``)."""

    rule_name: str
    rule_arn: str
    target_id: str
    target_arn: str
    payload: Any = None


# EventBridge target input (EventBridge User Guide, "Transforming target input",
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html): a target
# gets the matched event, or ``Input`` (constant JSON), or the part of the event at ``InputPath``, or
# ``InputTransformer``'s ``InputTemplate`` with each ``<name>`` replaced by the value of its JSON path
# in ``InputPathsMap``. A value placed inside a JSON string is inserted as text; placed elsewhere it is
# inserted as JSON (a string value keeps its quotes). Predefined variables: ``aws.events.event``,
# ``aws.events.event.json``, ``aws.events.rule-arn``, ``aws.events.rule-name``,
# ``aws.events.event.ingestion-time``.
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def _json_path(event: Any, path: str) -> Any:
    """The value at a simple JSON path (``$``, ``$.a.b``, ``$.a[0]``); ``None`` when absent."""
    if path == "$":
        return event
    if not path.startswith("$."):
        raise NotImplementedError(f"JSON path {path!r}: only '$' and '$.a.b[0]' paths are emulated")
    value = event
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path[2:]):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, list) and index < len(value) else None
        else:
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is None:
            return None
    return value


def _render(template: str, values: Mapping[str, Any]) -> str:
    out: list[str] = []
    in_string = False
    position = 0
    while position < len(template):
        char = template[position]
        match = _PLACEHOLDER.match(template, position) if char == "<" else None
        if match and match.group(1) in values:
            value = values[match.group(1)]
            if in_string:
                text = value if isinstance(value, str) else json.dumps(value)
                out.append(json.dumps(text)[1:-1])
            else:
                out.append(json.dumps(value))
            position = match.end()
            continue
        if char == '"' and (position == 0 or template[position - 1] != "\\"):
            in_string = not in_string
        out.append(char)
        position += 1
    return "".join(out)


def target_input(
    target: Mapping[str, Any], event: Mapping[str, Any], *, rule_name: str, rule_arn: str
) -> Any:
    """What EventBridge delivers to ``target`` for ``event`` (parsed JSON, or text)."""
    if target.get("Input"):
        return json.loads(target["Input"])
    if target.get("InputPath"):
        return _json_path(event, target["InputPath"])
    transformer = target.get("InputTransformer")
    if not transformer:
        return dict(event)
    values = {name: _json_path(event, path) for name, path in transformer.get("InputPathsMap", {}).items()}
    values.update(
        {
            "aws.events.event": dict(event),
            "aws.events.event.json": dict(event),
            "aws.events.rule-arn": rule_arn,
            "aws.events.rule-name": rule_name,
            "aws.events.event.ingestion-time": event.get("time"),
        }
    )
    rendered = _render(transformer["InputTemplate"], values)
    try:
        return json.loads(rendered)
    except ValueError:
        return rendered


def matches(pattern: str | Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether ``event`` matches the EventBridge ``pattern`` (moto's engine)."""
    from moto.events.models import EventPattern

    text = pattern if isinstance(pattern, str) else json.dumps(pattern)
    return bool(EventPattern.load(text).matches_event(dict(event)))


def route(emulator: Emulator, event: Mapping[str, Any], *, region: str, bus: str = "default") -> list[Route]:
    """The targets EventBridge would deliver ``event`` to on ``bus``.

    Each route carries the target's ``payload``: the event, or what ``Input``, ``InputPath`` or
    ``InputTransformer`` make of it (:func:`target_input`).
    """
    events = emulator.client("events", region)
    routes: list[Route] = []
    for page in events.get_paginator("list_rules").paginate(EventBusName=bus):
        for rule in page["Rules"]:
            if rule.get("State") != "ENABLED" or not rule.get("EventPattern"):
                continue
            if not matches(rule["EventPattern"], event):
                continue
            targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"]
            for target in targets:
                payload = target_input(target, event, rule_name=rule["Name"], rule_arn=rule["Arn"])
                routes.append(Route(rule["Name"], rule["Arn"], target["Id"], target["Arn"], payload))
    return routes
