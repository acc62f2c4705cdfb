"""Composite alarms: the rule over other alarms' states, and actions suppression.

Rule syntax (PutCompositeAlarm, ``AlarmRule``:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html):
``ALARM(name)``, ``OK(name)``, ``INSUFFICIENT_DATA(name)`` (a name or ARN, optionally quoted),
``TRUE``, ``FALSE``, ``AND``, ``OR``, ``NOT`` and parentheses. Precedence here: NOT, then AND, then OR.

Actions suppression (same page, and the ``ActionsSuppressedBy`` values of the CompositeAlarm type:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_CompositeAlarm.html):

- ``ActionsSuppressor``: "Actions will be suppressed if the suppressor alarm is in the ALARM state."
- ``ActionsSuppressorWaitPeriod``: "The maximum time in seconds that the composite alarm waits for
  the suppressor alarm to go into the ALARM state. After this time, the composite alarm performs its
  actions." So a composite entering ALARM while its suppressor is not in ALARM acts only after the
  wait period (``ActionsSuppressedBy: WaitPeriod`` meanwhile), unless the suppressor goes into ALARM.
- ``ActionsSuppressorExtensionPeriod``: "The maximum time in seconds that the composite alarm waits
  after suppressor alarm goes out of the ALARM state. After this time, the composite alarm performs
  its actions." (``ActionsSuppressedBy: ExtensionPeriod`` meanwhile.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.simulation.alarms import ALARM, INSUFFICIENT_DATA, OK

__all__ = ["CompositeAlarm", "CompositeEvent", "parse_rule", "rule_alarms"]

_STATE_FUNCTIONS = {"ALARM": ALARM, "OK": OK, "INSUFFICIENT_DATA": INSUFFICIENT_DATA}
_TOKEN = re.compile(r'\s*(\(|\)|"[^"]*"|[A-Za-z_]+(?=\s*\()|AND\b|OR\b|NOT\b|TRUE\b|FALSE\b|[^\s()"]+)')


def _alarm_name(reference: str) -> str:
    """``arn:aws:cloudwatch:<region>:<account>:alarm:<name>`` or a bare name -> the name."""
    reference = reference.strip().strip('"')
    return reference.split(":alarm:", 1)[1] if ":alarm:" in reference else reference


def parse_rule(rule: str) -> Any:
    """The rule as a tree: ``("ALARM", name)``, ``("TRUE",)``, ``("NOT", x)``, ``("AND", a, b)``..."""
    tokens = [m.group(1) for m in _TOKEN.finditer(rule)]
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take(expected: str | None = None) -> str:
        nonlocal position
        token = peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(f"AlarmRule {rule!r}: expected {expected or 'more'}, found {token!r}")
        position += 1
        return token

    def disjunction() -> Any:
        node = conjunction()
        while peek() == "OR":
            take()
            node = ("OR", node, conjunction())
        return node

    def conjunction() -> Any:
        node = negation()
        while peek() == "AND":
            take()
            node = ("AND", node, negation())
        return node

    def negation() -> Any:
        if peek() == "NOT":
            take()
            return ("NOT", negation())
        return atom()

    def atom() -> Any:
        token = take()
        if token == "(":
            node = disjunction()
            take(")")
            return node
        if token in ("TRUE", "FALSE"):
            return (token,)
        if token in _STATE_FUNCTIONS:
            take("(")
            name = take()
            take(")")
            return (token, _alarm_name(name))
        raise ValueError(f"AlarmRule {rule!r}: unexpected {token!r}")

    tree = disjunction()
    if peek() is not None:
        raise ValueError(f"AlarmRule {rule!r}: unexpected {peek()!r} after the expression")
    return tree


def rule_alarms(tree: Any) -> set[str]:
    """Names of the alarms a rule refers to."""
    if tree[0] in _STATE_FUNCTIONS:
        return {tree[1]}
    return set().union(*(rule_alarms(child) for child in tree[1:] if isinstance(child, tuple)))


def _holds(tree: Any, states: Mapping[str, str]) -> bool:
    kind = tree[0]
    if kind == "TRUE":
        return True
    if kind == "FALSE":
        return False
    if kind == "NOT":
        return not _holds(tree[1], states)
    if kind == "AND":
        return _holds(tree[1], states) and _holds(tree[2], states)
    if kind == "OR":
        return _holds(tree[1], states) or _holds(tree[2], states)
    return states.get(tree[1], INSUFFICIENT_DATA) == _STATE_FUNCTIONS[kind]


@dataclass(frozen=True, slots=True)
class CompositeEvent:
    """What a composite did at ``at``: changed ``state``, or performed its ``actions``, or was
    ``suppressed`` (by ``WaitPeriod``, ``ExtensionPeriod`` or ``Alarm``)."""

    at: float
    kind: str  # "state", "actions", "suppressed"
    state: str
    detail: str
    actions: tuple[str, ...] = ()


@dataclass
class CompositeAlarm:
    """A composite alarm's state and the fate of its actions, driven by :meth:`update`.

    Call :meth:`update` whenever a child or the suppressor changes state and at :attr:`deadline`
    (the end of a wait or extension period).
    """

    name: str
    rule: str
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    suppressor: str | None = None
    wait_period: int = 0
    extension_period: int = 0
    state: str = INSUFFICIENT_DATA
    deadline: float | None = None
    suppressed_by: str | None = None
    events: list[CompositeEvent] = field(default_factory=list)
    _tree: Any = None
    _acted: bool = False
    _suppressor_was_alarm: bool = False

    def __post_init__(self) -> None:
        self._tree = parse_rule(self.rule)
        if self.suppressor is not None:
            self.suppressor = _alarm_name(self.suppressor)

    @classmethod
    def from_description(cls, alarm: Mapping[str, Any]) -> CompositeAlarm:
        """From a ``DescribeAlarms`` ``CompositeAlarms`` entry or resolved template Properties."""
        return cls(
            name=str(alarm["AlarmName"]),
            rule=str(alarm["AlarmRule"]),
            alarm_actions=tuple(alarm.get("AlarmActions") or ()),
            ok_actions=tuple(alarm.get("OKActions") or ()),
            suppressor=alarm.get("ActionsSuppressor"),
            wait_period=int(alarm.get("ActionsSuppressorWaitPeriod") or 0),
            extension_period=int(alarm.get("ActionsSuppressorExtensionPeriod") or 0),
        )

    @property
    def children(self) -> set[str]:
        return rule_alarms(self._tree)

    def _emit(self, at: float, kind: str, detail: str, actions: tuple[str, ...] = ()) -> None:
        self.events.append(CompositeEvent(at, kind, self.state, detail, actions))

    def update(self, now: float, states: Mapping[str, str]) -> list[CompositeEvent]:
        """Re-evaluate the rule and the suppression at ``now``; returns the new events."""
        before = len(self.events)
        wanted = ALARM if _holds(self._tree, states) else OK
        suppressor_alarm = self.suppressor is not None and states.get(self.suppressor) == ALARM
        if wanted != self.state:
            self.state = wanted
            self._emit(now, "state", f"rule {'holds' if wanted == ALARM else 'does not hold'}")
            self._acted = False
            self.deadline = None
            self.suppressed_by = None
            if wanted == ALARM:
                if self.suppressor is None:
                    self._act(now, "no actions suppressor")
                elif suppressor_alarm:
                    self._suppress(now, "Alarm", f"suppressor {self.suppressor} is in ALARM")
                else:
                    self._suppress(
                        now, "WaitPeriod", f"waiting up to {self.wait_period} s for {self.suppressor}"
                    )
                    self.deadline = now + self.wait_period
            elif self.ok_actions and not suppressor_alarm:
                self._emit(now, "actions", "OK actions", self.ok_actions)
        elif self.state == ALARM and not self._acted and self.suppressor is not None:
            if suppressor_alarm and self.suppressed_by != "Alarm":
                self.deadline = None
                self._suppress(now, "Alarm", f"suppressor {self.suppressor} went into ALARM")
            elif not suppressor_alarm and self.suppressed_by == "Alarm":
                self._suppress(
                    now, "ExtensionPeriod", f"{self.suppressor} left ALARM: waiting {self.extension_period} s"
                )
                self.deadline = now + self.extension_period
            elif self.deadline is not None and now >= self.deadline:
                self._act(now, f"{self.suppressed_by} of {self.suppressor} over")
        self._suppressor_was_alarm = suppressor_alarm
        return self.events[before:]

    def _suppress(self, now: float, by: str, detail: str) -> None:
        self.suppressed_by = by
        self._emit(now, "suppressed", f"actions suppressed by {by}: {detail}")

    def _act(self, now: float, detail: str) -> None:
        self._acted = True
        self.deadline = None
        self.suppressed_by = None
        self._emit(now, "actions", f"actions performed ({detail})", self.alarm_actions)
