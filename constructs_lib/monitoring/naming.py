"""The one naming strategy of every alarm: ``{app}-{env}-{component}-{signal}-{severity}``."""

from __future__ import annotations

import re

from constructs_lib._core import validate_severity


def alarm_name(app_name: str, environment_name: str, component: str, signal: str, severity: str) -> str:
    """The one naming strategy: ``{app}-{env}-{component}-{signal}-{severity}``.

    >>> alarm_name("webapp", "prod", "web", "cpu", "medium")
    'webapp-prod-web-cpu-medium'
    """
    validate_severity(severity, prop="severity")
    name = f"{app_name}-{environment_name}-{component}-{signal}-{severity}"
    if len(name) > 255:
        raise ValueError(
            f"alarm name {name!r} is longer than CloudWatch's 255 characters: shorten the parts."
        )
    return name


def _pascal(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)
