"""Reading alarm sources: the one alarm shape (:class:`~constructs_lib._core.SeverityAlarm`) checked.

Composites and dashboards take any mix of constructs exposing ``alarms`` (an
:class:`~constructs_lib._core.AlarmSource`), single :class:`SeverityAlarm` values and lists of them.
Anything else fails here with a TypeError that names the offending entry and the fix, before it
can reach jsii (where it would end in an unreadable deserialization error).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aws_cdk import aws_cloudwatch as cloudwatch

from constructs_lib._core import AlarmSource, SeverityAlarm

_FIX = (
    "pass constructs with an 'alarms' attribute (ServiceAlarms, AvailabilityBurnRateAlarms, ...), "
    "SeverityAlarm values or lists of them; wrap a plain alarm as SeverityAlarm(alarm, Severity.HIGH)"
)


def severity_alarms(sources: Iterable[Any], *, prop: str) -> list[SeverityAlarm]:
    """Flatten ``sources`` into one list of :class:`SeverityAlarm`, order kept.

    Raises TypeError naming ``prop[index]`` for a mapping (severity -> alarms, the retired shape), a
    bare alarm, a string, or a source whose ``alarms`` holds anything but SeverityAlarm values.
    """
    if isinstance(sources, str | bytes | Mapping) or not isinstance(sources, Iterable):
        raise TypeError(f"{prop} must be a list, got {type(sources).__name__}: {_FIX}.")
    collected: list[SeverityAlarm] = []
    for index, source in enumerate(sources):
        where = f"{prop}[{index}]"
        if isinstance(source, SeverityAlarm):
            collected.append(source)
            continue
        if isinstance(source, cloudwatch.AlarmBase) and not isinstance(source, AlarmSource):
            raise TypeError(f"{where} is a bare {type(source).__name__} without a severity: {_FIX}.")
        if isinstance(source, str | bytes | Mapping):
            raise TypeError(f"{where} is a {type(source).__name__}, not an alarm source: {_FIX}.")
        if isinstance(source, AlarmSource):
            items, where = source.alarms, f"{where}.alarms ({type(source).__name__})"
            if isinstance(items, Mapping) or callable(items):
                raise TypeError(f"{where} is a {type(items).__name__}, not a list of SeverityAlarm: {_FIX}.")
        elif isinstance(source, Iterable):
            items = source
        else:
            raise TypeError(f"{where} ({type(source).__name__}) has no 'alarms': {_FIX}.")
        for position, item in enumerate(items):
            if not isinstance(item, SeverityAlarm):
                raise TypeError(
                    f"{where}[{position}] is a {type(item).__name__}, not a SeverityAlarm: {_FIX}."
                )
            collected.append(item)
    return collected
