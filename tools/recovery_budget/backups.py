"""Backup schedules and rules read from AWS Backup plans: how often a copy is made, and where to."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from tools.cloud_assembly import Attr, Stage

from .facts import BackupRule


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


_CRON = re.compile(r"^cron\((.+)\)$")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")


def schedule_interval_seconds(expression: str | None) -> int | None:
    """Worst-case gap between two runs of a schedule expression (``rate(...)`` or ``cron(...)``).

    For cron, the gap is derived from the minute and hour fields (a list of hours gives the largest
    gap between them, wrapping over midnight); a restricted day-of-month or day-of-week field makes
    it weekly at best. Unknown forms give ``None``.
    """
    if not isinstance(expression, str):
        return None
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        unit = {"minute": 60, "hour": 3600, "day": 86400}[rate.group(2).rstrip("s")]
        return int(rate.group(1)) * unit
    cron = _CRON.match(expression)
    if not cron:
        return None
    fields = cron.group(1).split()
    if len(fields) != 6:
        return None
    minute, hour, day_of_month, _month, day_of_week, _year = fields
    if day_of_month not in ("*", "?") or day_of_week not in ("*", "?"):
        return 7 * 86400
    if hour == "*":
        return 3600 if minute not in ("*",) and "/" not in minute else 60
    if hour.startswith("*/") and hour[2:].isdigit():
        return int(hour[2:]) * 3600
    hours = sorted({int(h) for h in hour.split(",") if h.isdigit()})
    if not hours:
        return 86400
    gaps = [(b - a) for a, b in zip(hours, [*hours[1:], hours[0] + 24], strict=True)]
    return max(gaps) * 3600


def _region_of_arn(stage: Stage, value: Any, stack: str) -> str | None:
    resolved = stage.resolve(value, stack)
    if isinstance(resolved, str) and resolved.startswith("arn:"):
        parts = resolved.split(":")
        return parts[3] if len(parts) > 3 and parts[3] else None
    if isinstance(resolved, Attr):
        target = stage.resource(resolved.resource)
        return target.region if target else None
    # Fn::Join with pseudo parameters: look for a region literal in the raw value
    found = re.findall(r"\b([a-z]{2}-[a-z]+-\d)\b", json.dumps(value))
    return found[0] if found else None


def backup_rule(stage: Stage, raw: Mapping[str, Any], stack: str) -> BackupRule:
    schedule = raw.get("ScheduleExpression")
    copies = tuple(
        region
        for action in raw.get("CopyActions") or []
        if (region := _region_of_arn(stage, action.get("DestinationBackupVaultArn"), stack))
    )
    window = _as_int(raw.get("CompletionWindowMinutes"))
    return BackupRule(
        name=str(raw.get("RuleName", "")),
        schedule=schedule if isinstance(schedule, str) else None,
        interval_seconds=schedule_interval_seconds(schedule if isinstance(schedule, str) else None),
        continuous=str(raw.get("EnableContinuousBackup")).lower() == "true",
        copy_regions=copies,
        completion_window_seconds=window * 60 if window else None,
    )
