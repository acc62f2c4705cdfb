"""What happened in a drill, in order, and who did it.

Every entry carries a source label, so a reader can tell what the game day made up from what the
emulator or the deployed code did:

- ``INJECTED``: something the game day did or built: a failure through an AWS API (stopping an
  instance, setting an alarm's state, turning the pause switch on) or an event AWS would emit.
- ``EMULATOR``: what the emulator did or reported (state read back from its APIs). Where the
  behaviour comes from a :mod:`~tools.gameday.moto_gaps` fill, the entry names the fill.
- ``FUNCTION``: what the deployed function's code returned when it ran.
- ``CHECK``: a verification of the outcome, ``pass`` or ``FAIL``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["SOURCES", "Check", "Entry", "Timeline"]

SOURCES = ("INJECTED", "EMULATOR", "FUNCTION", "CHECK")


@dataclass(frozen=True, slots=True)
class Entry:
    seconds: float
    source: str
    text: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class Timeline:
    """Entries of one drill, timed from its start (monotonic clock)."""

    drill: str
    started: float = field(default_factory=time.monotonic)
    entries: list[Entry] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    outcome: str = "RECOVERED"
    """What the drill's passing means (``RECOVERED`` only where something was recovered; a drill of a
    failure that is only notified, or of something healing must leave alone, says so)."""

    def add(self, source: str, text: str, details: Iterable[str] = ()) -> None:
        if source not in SOURCES:
            raise ValueError(f"source ({source!r}) must be one of {', '.join(SOURCES)}")
        self.entries.append(Entry(time.monotonic() - self.started, source, text, tuple(details)))

    def injected(self, text: str, details: Iterable[str] = ()) -> None:
        self.add("INJECTED", text, details)

    def emulator(self, text: str, details: Iterable[str] = ()) -> None:
        self.add("EMULATOR", text, details)

    def function(self, text: str, details: Iterable[str] = ()) -> None:
        self.add("FUNCTION", text, details)

    def check(self, name: str, passed: bool, detail: str) -> bool:
        """Record a verification; returns ``passed``."""
        self.checks.append(Check(name, passed, detail))
        self.add("CHECK", f"{'pass' if passed else 'FAIL'}  {name}: {detail}")
        return passed

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def verdict(self) -> str:
        return self.outcome if self.passed else f"NOT {self.outcome}"

    @property
    def seconds(self) -> float:
        return self.entries[-1].seconds if self.entries else 0.0

    def render(self, *, width: int = 110) -> str:
        lines = [f"== drill: {self.drill}"]
        for entry in self.entries:
            prefix = f"  +{entry.seconds:6.2f}s  {entry.source:<8}  "
            lines.extend(_wrap(prefix, entry.text, width))
            for detail in entry.details:
                lines.extend(_wrap(" " * len(prefix) + "  - ", detail, width))
        verdict = self.verdict
        failed = [c.name for c in self.checks if not c.passed]
        lines.append(f"  => {verdict}" + (f" (failed: {', '.join(failed)})" if failed else ""))
        return "\n".join(lines)


def _wrap(prefix: str, text: str, width: int) -> list[str]:
    room = max(width - len(prefix), 30)
    words = text.split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > room:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return [prefix + lines[0]] + [" " * len(prefix) + line for line in lines[1:]]
