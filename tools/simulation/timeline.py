"""A drill's timeline on the virtual clock, every line labelled with where it comes from.

- ``INJECTED``: what the drill made up: the failure itself, a synthetic metric trace, an event or
  answer it built, the on-call person's decision.
- ``EMULATOR``: what the emulator (moto) holds or did: an API call's effect read back from it, the
  deployed function's code running against it, a runbook step sent to it. Where the behaviour is
  one of the simulation's fills (moto differing from AWS), the line names the fill.
- ``SIMULATED``: what the virtual clock computed from AWS's documented behaviour and the named
  latencies: an alarm evaluated from data, a health check, a boot, a failover's duration, DNS.

A check is a line too, labelled with the source of the state it verifies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tools.simulation.clock import VirtualClock

__all__ = ["LABELS", "Check", "Line", "SimTimeline", "fmt_clock"]

LABELS = ("INJECTED", "EMULATOR", "SIMULATED")


def fmt_clock(seconds: float) -> str:
    """``-600`` -> ``-10m00s``; ``75.5`` -> ``+1m15.5s``."""
    sign = "-" if seconds < 0 else "+"
    whole = abs(seconds)
    minutes, rest = divmod(whole, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{sign}{int(hours)}h{int(minutes):02d}m{rest:04.1f}s"
    return f"{sign}{int(minutes)}m{rest:04.1f}s"


@dataclass(frozen=True, slots=True)
class Line:
    seconds: float
    label: str
    text: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    passed: bool
    detail: str
    label: str


@dataclass
class SimTimeline:
    """Lines of one drill in virtual-time order."""

    drill: str
    clock: VirtualClock
    lines: list[Line] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def add(self, label: str, text: str, details: Iterable[str] = (), *, at: float | None = None) -> None:
        if label not in LABELS:
            raise ValueError(f"label ({label!r}) must be one of {', '.join(LABELS)}")
        self.lines.append(Line(self.clock.now if at is None else at, label, text, tuple(details)))

    def injected(self, text: str, details: Iterable[str] = (), *, at: float | None = None) -> None:
        self.add("INJECTED", text, details, at=at)

    def emulator(self, text: str, details: Iterable[str] = (), *, at: float | None = None) -> None:
        self.add("EMULATOR", text, details, at=at)

    def simulated(self, text: str, details: Iterable[str] = (), *, at: float | None = None) -> None:
        self.add("SIMULATED", text, details, at=at)

    def check(self, name: str, passed: bool, detail: str, *, source: str = "EMULATOR") -> bool:
        """Record a verification of state that ``source`` (EMULATOR or SIMULATED) holds."""
        self.checks.append(Check(name, passed, detail, source))
        self.add(source, f"check {'pass' if passed else 'FAIL'}: {name}: {detail}")
        return passed

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def render(self, *, width: int = 110) -> str:
        out = [f"== simulated drill: {self.drill}"]
        for line in sorted(self.lines, key=lambda item: item.seconds):  # stable: same-time order kept
            prefix = f"  {fmt_clock(line.seconds):>12}  {line.label:<9}  "
            out.extend(_wrap(prefix, line.text, width))
            for detail in line.details:
                out.extend(_wrap(" " * len(prefix) + "- ", detail, width))
        return "\n".join(out)


def _wrap(prefix: str, text: str, width: int) -> list[str]:
    room = max(width - len(prefix), 30)
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > room:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return [prefix + lines[0]] + [" " * len(prefix) + line for line in lines[1:]]
