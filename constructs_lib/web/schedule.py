"""NightlyStop: a web service's nightly scale-to-zero and morning start, and the cron arithmetic for it."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NightlyStop:
    """Scale to zero at night and back in the morning, pausing healing and paging meanwhile.

    Cron expressions have five fields (minute hour day-of-month month day-of-week) in ``timezone``.
    Default: the ops guide's 22:00 stop and 08:00 start, weekdays, Japan time. The pause switch is set
    ``pause_lead_minutes`` before the stop and cleared ``resume_delay_minutes`` after the start (once
    the new instances have booted and passed their health checks).
    """

    stop_cron: str = "0 22 * * MON-FRI"
    start_cron: str = "0 8 * * MON-FRI"
    timezone: str = "Asia/Tokyo"
    pause_lead_minutes: int = 5
    resume_delay_minutes: int = 15


_CRON = re.compile(r"^(?P<minute>\S+) (?P<hour>\S+) (?P<day>\S+) (?P<month>\S+) (?P<week_day>\S+)$")


def _cron_fields(expr: str, *, name: str) -> dict[str, str]:
    m = _CRON.match(expr.strip())
    if not m:
        raise ValueError(f"{name} ({expr!r}) must have 5 fields: 'minute hour day month weekday'.")
    return m.groupdict()


def _shift(fields: dict[str, str], minutes: int, *, name: str) -> dict[str, str]:
    """Move a cron with a fixed minute and hour by ``minutes`` within the same day."""
    if not (fields["minute"].isdigit() and fields["hour"].isdigit()):
        raise ValueError(
            f"{name}: the pause switch needs a fixed minute and hour to schedule around, "
            f"got minute={fields['minute']!r} hour={fields['hour']!r}."
        )
    total = int(fields["hour"]) * 60 + int(fields["minute"]) + minutes
    if not 0 <= total < 24 * 60:
        raise ValueError(f"{name}: shifting by {minutes} min crosses midnight; move the schedule.")
    return {**fields, "hour": str(total // 60), "minute": str(total % 60)}


def _explicit(fields: dict[str, str]) -> dict[str, str]:
    """Cron fields other than '*' (CDK rejects a day together with a week day)."""
    return {k: v for k, v in fields.items() if v != "*"}
