"""Where an event comes from and when: the function's own account and region, ARNs parsed in full,
text that can be encoded, and event times.

Pure functions over plain values (no AWS calls, no clock): :mod:`events` uses them while parsing,
the handler to drop stale events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_ARN = re.compile(r"arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):([^\s]{1,1600})")
_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")

CLOCK_SKEW_SECONDS = 300
"""How far in the future an event time may be before it is malformed (clocks disagree a little)."""


@dataclass(frozen=True, slots=True)
class Origin:
    """The function's own account, region and partition: the only ones whose events it acts on."""

    account: str
    region: str
    partition: str = "aws"

    @classmethod
    def of(cls, function_arn: str, region: str) -> Origin | None:
        """From the function's ARN (its Lambda context) and ``AWS_REGION``; ``None`` if either is unusable."""
        arn = parse_arn(function_arn)
        if arn is None or arn.service != "lambda" or not _ACCOUNT.fullmatch(arn.account):
            return None
        if not _REGION.fullmatch(region or "") or arn.region != region:
            return None
        return cls(arn.account, region, arn.partition)


@dataclass(frozen=True, slots=True)
class Arn:
    """An ARN in its parts (``arn:partition:service:region:account:resource``)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def is_of(self, origin: Origin, service: str) -> bool:
        """Whether the ARN is ``service``'s in the origin's partition, account and region."""
        return (self.partition, self.service, self.region, self.account) == (
            origin.partition,
            service,
            origin.region,
            origin.account,
        )


def parse_arn(text: Any) -> Arn | None:
    """The parts of ``text`` when it is a well-formed ARN, else ``None`` (never raises)."""
    if not isinstance(text, str):
        return None
    match = _ARN.fullmatch(text)
    return Arn(*match.groups()) if match else None


def unencodable(value: Any, *, depth: int = 0) -> bool:
    """Whether ``value`` (a JSON value) holds text that cannot be encoded as UTF-8: a lone surrogate
    (``"\\ud800"`` in JSON). Such text breaks logging and every AWS call later, so the event is
    rejected outright; retrying it could never help."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if depth > 64:  # JSON this deep is no AWS event
        return True
    if isinstance(value, dict):
        return any(
            unencodable(k, depth=depth + 1) or unencodable(v, depth=depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(unencodable(item, depth=depth + 1) for item in value)
    return False


def parse_time(text: str) -> float | None:
    """Epoch seconds of an ISO 8601 time (EventBridge ``time``, SNS ``Timestamp``, CloudWatch
    ``StateChangeTime`` such as ``2026-11-20T03:04:40.551+0000``) or an RFC 1123 one (AWS Health
    ``startTime``, ``Fri, 20 Nov 2026 00:00:00 GMT``); ``None`` when it is neither or has no zone."""
    try:
        parsed = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        from email.utils import parsedate_to_datetime  # lazy: 8 ms of imports, for Health's dates only

        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


def age_problem(time: str, *, now: float, max_age: int, not_after: str = "") -> str | None:
    """Why an event of ``time`` must not be acted on at ``now``, else ``None``.

    Older than ``max_age`` seconds: stale (a retry or a redrive long after the fact; the state it
    reported may have been changed since, on purpose). More than :data:`CLOCK_SKEW_SECONDS` in the
    future: malformed. ``not_after`` (AWS Health's scheduled changes: the scheduled ``startTime``)
    replaces the age rule: a scheduled notice is posted days ahead and stays actionable until the
    change is due.
    """
    when = parse_time(time)
    if when is None:
        return f"event time {time[:40]!r} is not a time"
    if when > now + CLOCK_SKEW_SECONDS:
        return f"event time {time} is in the future"
    if not_after:
        due = parse_time(not_after)
        if due is not None:
            return None if now <= due else f"the scheduled change was due at {not_after}: too late to act"
    if now - when > max_age:
        return f"event of {time} is {int(now - when)} s old, more than {max_age} s: stale"
    return None
