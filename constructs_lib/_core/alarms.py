"""One alarm shape for the whole library: an alarm with its severity.

Every construct that creates alarms exposes them as ``alarms`` (a sequence of :class:`SeverityAlarm`);
composites, dashboards and anything a user writes consume that one shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aws_cdk import aws_cloudwatch as cloudwatch

from constructs_lib._core.severity import SEVERITIES, Severity, validate_severity


@dataclass(frozen=True)
class SeverityAlarm:
    """An alarm and the severity of the incident it stands for.

    :param alarm: any CloudWatch alarm (metric or composite), created here or imported.
    :param severity: how urgent it is; decides which composite (and so which topic) it reaches.
    :param signal: what it watches, e.g. ``cpu`` (the part of its name before the severity).
        Default: empty, for alarms brought from elsewhere.
    """

    alarm: cloudwatch.IAlarm
    severity: Severity
    signal: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", validate_severity(self.severity, prop="severity"))


@runtime_checkable
class AlarmSource(Protocol):
    """Anything that hands out its alarms (``ServiceAlarms``, ``AutoHealing``, endpoint checks...)."""

    @property
    def alarms(self) -> Sequence[SeverityAlarm]: ...


def by_severity(alarms: Iterable[SeverityAlarm]) -> dict[Severity, list[cloudwatch.IAlarm]]:
    """Group alarms by severity, every severity present (least urgent first), order kept within one."""
    grouped: dict[Severity, list[cloudwatch.IAlarm]] = {severity: [] for severity in SEVERITIES}
    for item in alarms:
        grouped[item.severity].append(item.alarm)
    return grouped


def collect(sources: Iterable[AlarmSource | SeverityAlarm | Iterable[SeverityAlarm]]) -> list[SeverityAlarm]:
    """Flatten sources (constructs with ``alarms``, single alarms, lists of them) into one list."""
    collected: list[SeverityAlarm] = []
    for source in sources:
        if isinstance(source, SeverityAlarm):
            collected.append(source)
        elif isinstance(source, AlarmSource):
            collected.extend(source.alarms)
        else:
            items = list(source)
            for item in items:
                if not isinstance(item, SeverityAlarm):
                    raise TypeError(
                        f"expected SeverityAlarm items or constructs with an 'alarms' attribute, got {item!r}"
                    )
            collected.extend(items)
    return collected
