"""The four severities every alarm, topic and composite of the library carries, least urgent first.

:class:`Severity` is a :class:`enum.StrEnum`: ``Severity.HIGH == "high"``, it formats as ``high`` and
hashes like the plain string, so mappings keyed by severity accept either spelling and the names it
goes into (``webapp-prod-web-cpu-high``) are the same whichever was given.
"""

from __future__ import annotations

import enum


class Severity(enum.StrEnum):
    """How urgent an alarm is; its value is the last part of every alarm name.

    Routing by default (see ``NotificationEndpoints``): Slack for low and medium, email for high and
    critical, SMS and the pager webhook for critical.
    """

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    def __repr__(self) -> str:
        # Messages quote severities with !r: a member reads the same as the plain string it equals.
        return repr(self.value)

    @property
    def label(self) -> str:
        """Capitalised value (``High``), the form construct ids use."""
        return self.value.capitalize()


SEVERITIES: tuple[Severity, ...] = tuple(Severity)
"""Every severity, least urgent first. Alarm names end with one of these."""


def validate_severity(severity: str, *, prop: str) -> Severity:
    """Return ``severity`` as a :class:`Severity`, else raise a ValueError naming ``prop``.

    Accepts a member or its plain value (``"high"``), as config files give it.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"{prop} ({severity!r}) is not a severity: use one of {', '.join(SEVERITIES)}.")
    return Severity(severity)
