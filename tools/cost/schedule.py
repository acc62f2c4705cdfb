"""Weekly schedules read from templates: how many hours an Auto Scaling group runs at which capacity.

Scheduled actions (``AWS::AutoScaling::ScheduledAction``, Unix cron ``Recurrence``) and EventBridge
Scheduler schedules (``cron(m h dom mon dow year)``) that repeat every week are expanded over one week;
a schedule that depends on the day of the month is not weekly and is reported as unsupported.
Time zones shift every firing by the same offset, so they do not change weekly shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MINUTES_PER_WEEK = 7 * 24 * 60
_DAY_NAMES = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}


class ScheduleError(ValueError):
    """A cron expression this reader cannot expand into a weekly pattern."""


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    result: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, _, raw_step = part.partition("/")
            step = int(raw_step)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, _, b = part.partition("-")
            start, end = _number(a, names), _number(b, names)
        else:
            start = end = _number(part, names)
        if start > end:  # e.g. FRI-MON wraps around the week
            result.update(range(start, high + 1, step))
            result.update(range(low, end + 1, step))
        else:
            result.update(range(start, end + 1, step))
    return result


def _number(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    return int(text)


def weekly_firings(expression: str) -> list[int]:
    """Minutes of the week (0 = Monday 00:00) at which a weekly cron fires, sorted.

    Accepts Unix cron (``0 22 * * MON-FRI``; day of week 0/7 = Sunday) and EventBridge's
    ``cron(55 21 ? * MON-FRI *)`` (day of week 1 = Sunday).
    """
    text = expression.strip()
    aws = text.startswith("cron(") and text.endswith(")")
    fields = text[5:-1].split() if aws else text.split()
    if len(fields) < 5:
        raise ScheduleError(f"{expression!r}: expected 5 cron fields (minute hour day month weekday)")
    minute, hour, dom, month, dow = fields[:5]
    if dom not in ("*", "?") or month not in ("*", "?"):
        raise ScheduleError(f"{expression!r}: depends on the day of the month, not a weekly schedule")
    try:
        minutes = _values(minute, 0, 59)
        hours = _values(hour, 0, 23)
        if aws:  # 1 = SUN .. 7 = SAT -> 0 = MON .. 6 = SUN
            days = {
                (d + 5) % 7 for d in _values(dow, 1, 7, {k: (v + 1) % 7 + 1 for k, v in _DAY_NAMES.items()})
            }
        else:  # 0 or 7 = SUN .. 6 = SAT -> 0 = MON .. 6 = SUN
            days = {(d + 6) % 7 for d in _values(dow, 0, 7, {k: (v + 1) % 7 for k, v in _DAY_NAMES.items()})}
    except ValueError as error:
        raise ScheduleError(f"{expression!r}: unreadable cron field ({error})") from None
    return sorted(d * 1440 + h * 60 + m for d in days for h in hours for m in minutes)


@dataclass(frozen=True)
class Capacity:
    min: int
    max: int
    desired: int


@dataclass(frozen=True)
class Segment:
    """A share of the week spent at one capacity."""

    share: float
    capacity: Capacity


@dataclass(frozen=True)
class Action:
    """One scheduled action: what it sets (None: unchanged) and its cron."""

    recurrence: str
    min: int | None = None
    max: int | None = None
    desired: int | None = None


def _apply(state: Capacity, action: Action) -> Capacity:
    low = action.min if action.min is not None else state.min
    high = action.max if action.max is not None else state.max
    desired = action.desired if action.desired is not None else state.desired
    # Scheduled scaling: a new minimum or maximum moves the desired capacity into the new range
    # (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-scheduled-scaling.html).
    return Capacity(low, high, max(low, min(high, desired)))


def weekly_profile(base: Capacity, actions: Sequence[Action]) -> list[Segment]:
    """The week as segments of constant capacity; a single full-week segment without actions.

    The pattern repeats every week, so the capacity at Monday 00:00 is the one the last firing of the
    week left behind.
    """
    events = sorted(
        (minute, i) for i, action in enumerate(actions) for minute in weekly_firings(action.recurrence)
    )
    if not events:
        return [Segment(1.0, base)]
    state = base
    for _ in range(2):  # first pass settles the state carried over from the previous week
        start_state = state
        for _, i in events:
            state = _apply(state, actions[i])
    segments: list[Segment] = []
    state, previous = start_state, 0
    for minute, i in events:
        if minute > previous:
            segments.append(Segment((minute - previous) / MINUTES_PER_WEEK, state))
        state, previous = _apply(state, actions[i]), minute
    segments.append(Segment((MINUTES_PER_WEEK - previous) / MINUTES_PER_WEEK, state))
    return [s for s in segments if s.share > 0]
