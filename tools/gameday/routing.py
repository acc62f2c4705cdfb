"""Route an event through the rules deployed in the emulator, as EventBridge would.

moto stores rules and targets but does not deliver to Lambda (its ``PutEvents`` fails with HTTP
500 when a matching rule targets a function), and its ``TestEventPattern`` is a stub. So the game
day reads every enabled rule's ``EventPattern`` back from the emulator's events API and matches
with moto's own pattern engine (``moto.events.models.EventPattern``: prefix, suffix, anything-but,
numeric, exists, wildcard, cidr, ``$or``), then lists the targets of the rules that match.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.gameday.emulator import Emulator

__all__ = ["Route", "matches", "route"]


@dataclass(frozen=True, slots=True)
class Route:
    """A rule that matched and one of its targets."""

    rule_name: str
    rule_arn: str
    target_id: str
    target_arn: str


def matches(pattern: str | Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether ``event`` matches the EventBridge ``pattern`` (moto's engine)."""
    from moto.events.models import EventPattern

    text = pattern if isinstance(pattern, str) else json.dumps(pattern)
    return bool(EventPattern.load(text).matches_event(dict(event)))


def route(emulator: Emulator, event: Mapping[str, Any], *, region: str, bus: str = "default") -> list[Route]:
    """The targets EventBridge would deliver ``event`` to on ``bus``.

    :raises NotImplementedError: a matching target transforms its input (``Input``, ``InputPath``,
        ``InputTransformer``): the game day delivers the event as is only.
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
                changed = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k)]
                if changed:
                    raise NotImplementedError(
                        f"rule {rule['Name']} target {target['Id']} uses {', '.join(changed)}: the game "
                        "day delivers events unchanged only."
                    )
                routes.append(Route(rule["Name"], rule["Arn"], target["Id"], target["Arn"]))
    return routes
