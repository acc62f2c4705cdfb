"""Checks of the ``AutoHealing`` props: each failure names the prop, the value and the fix.

:func:`validate_healing_limits` is public: the numeric limits (rate limit, windows, concurrency, retries,
timeout, memory) with their documented ranges, so an app can check its settings before it builds
the construct. :func:`validate_props` checks every prop and is what ``AutoHealing`` calls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_sns as sns

from constructs_lib._core import AppProbe, Naming
from constructs_lib._core.severity import SEVERITIES
from constructs_lib.healing.runtime import contract

__all__ = [
    "INCIDENT_WINDOW_SECONDS_RANGE",
    "MAX_ACTIONS_PER_RESOURCE_PER_HOUR_RANGE",
    "RESERVED_CONCURRENCY_RANGE",
    "validate_healing_limits",
    "validate_props",
]

_UNIT = re.compile(contract.SERVICE_UNIT_PATTERN)
_HEALTH_PATH = re.compile(contract.HEALTH_PATH_PATTERN)
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: Healing actions on one resource per hour: at least one, at most one a minute.
MAX_ACTIONS_PER_RESOURCE_PER_HOUR_RANGE = (1, 60)
#: How long one incident's events count as the same incident, seconds: 1 minute to 1 day.
INCIDENT_WINDOW_SECONDS_RANGE = (60, 86400)
#: Reserved concurrency of the healing function: 1-100. Enough for a burst of incidents, and a
#: reservation above that would take a large share of an account's default quota of 1,000 (an
#: account still on the default of 10 can reserve none: leave it unreserved).
RESERVED_CONCURRENCY_RANGE = (1, 100)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_healing_limits(
    *,
    max_actions_per_resource_per_hour: int | None = None,
    max_replacement_percent: int | None = None,
    replacement_window: cdk.Duration | None = None,
    incident_window: cdk.Duration | None = None,
    stale_event_age: cdk.Duration | None = None,
    reserved_concurrency: int | None = None,
    retry_attempts: int | None = None,
    max_event_age: cdk.Duration | None = None,
    timeout: cdk.Duration | None = None,
    memory_size: int | None = None,
) -> None:
    """Check the numeric limits of :class:`~constructs_lib.healing.AutoHealing` that are given.

    ``ValueError`` naming the first limit out of its range, its value and the range (the ranges are
    this module's ``*_RANGE`` constants and the ``AutoHealing`` docstring's). A limit left ``None`` is
    not checked; for ``reserved_concurrency``, ``None`` means no reservation, which is always valid.
    """
    actions = max_actions_per_resource_per_hour
    if actions is not None:
        low, high = MAX_ACTIONS_PER_RESOURCE_PER_HOUR_RANGE
        if not _whole(actions) or not low <= actions <= high:
            raise ValueError(f"max_actions_per_resource_per_hour ({actions!r}) must be {low}-{high}.")
    if max_replacement_percent is not None and (
        not _whole(max_replacement_percent) or not 1 <= max_replacement_percent <= 100
    ):
        raise ValueError(f"max_replacement_percent ({max_replacement_percent}) must be 1-100.")
    if replacement_window is not None and not 60 <= replacement_window.to_seconds() <= 86400:
        raise ValueError(
            f"replacement_window ({replacement_window.to_human_string()}) must be between 1 minute and 1 day."
        )
    if incident_window is not None:
        low, high = INCIDENT_WINDOW_SECONDS_RANGE
        if not low <= incident_window.to_seconds() <= high:
            raise ValueError(
                f"incident_window ({incident_window.to_human_string()}) must be between 1 minute and 1 day."
            )
    if stale_event_age is not None and not 60 <= stale_event_age.to_seconds() <= 21600:
        raise ValueError(
            f"stale_event_age ({stale_event_age.to_human_string()}) must be between 1 minute and 6 hours."
        )
    if reserved_concurrency is not None:
        low, high = RESERVED_CONCURRENCY_RANGE
        if not _whole(reserved_concurrency) or not low <= reserved_concurrency <= high:
            raise ValueError(
                f"reserved_concurrency ({reserved_concurrency!r}) must be {low}-{high}, or None for no limit."
            )
    if retry_attempts is not None and (not _whole(retry_attempts) or not 0 <= retry_attempts <= 2):
        raise ValueError(f"retry_attempts ({retry_attempts}) must be 0-2 (Lambda's asynchronous limit).")
    if max_event_age is not None and not 60 <= max_event_age.to_seconds() <= 21600:
        raise ValueError(
            f"max_event_age ({max_event_age.to_human_string()}) must be between 60 seconds and 6 hours."
        )
    if timeout is not None and not 1 <= timeout.to_seconds() <= 900:
        raise ValueError(f"timeout ({timeout.to_human_string()}) must be between 1 second and 15 minutes.")
    if memory_size is not None and (not _whole(memory_size) or not 128 <= memory_size <= 10240):
        raise ValueError(f"memory_size ({memory_size}) must be 128-10240 MiB.")


def validate_props(
    *,
    naming: Naming,
    notification_topics: Mapping[str, sns.ITopic],
    app_probe: AppProbe,
    alarm_name_prefix: str,
    max_actions_per_resource_per_hour: int,
    max_replacement_percent: int,
    replacement_window: cdk.Duration,
    incident_window: cdk.Duration,
    stale_event_age: cdk.Duration,
    reserved_concurrency: int | None,
    retry_attempts: int,
    max_event_age: cdk.Duration,
    timeout: cdk.Duration,
    memory_size: int,
    metrics_namespace: str,
    log_level: str,
) -> None:
    """Raise ``ValueError`` naming the first invalid prop, its value and the fix."""
    if naming.component not in ("", contract.OWN_ALARM_COMPONENT):
        raise ValueError(
            f"naming.component ({naming.component!r}) must be empty or {contract.OWN_ALARM_COMPONENT!r}: "
            f"healing's own alarms are always named <app>-<env>-{contract.OWN_ALARM_COMPONENT}-..., "
            "pass Naming(app=..., environment=...) without a component."
        )
    unknown = sorted(set(notification_topics) - set(SEVERITIES))
    if unknown:
        raise ValueError(
            f"notification_topics has unknown severities {unknown}: use keys from {', '.join(SEVERITIES)}."
        )
    if "high" not in notification_topics:
        raise ValueError(
            f"notification_topics (keys {sorted(notification_topics)}) needs a 'high' topic: the "
            "dead-letter and error alarms go there."
        )
    if not alarm_name_prefix or alarm_name_prefix[-1] not in "-_./:":
        raise ValueError(
            f"alarm_name_prefix ({alarm_name_prefix!r}) must end with a separator such as '-', or it "
            "also matches other environments' alarms ('webapp-prod' matches 'webapp-prod2-...')."
        )
    validate_healing_limits(
        max_actions_per_resource_per_hour=max_actions_per_resource_per_hour,
        max_replacement_percent=max_replacement_percent,
        replacement_window=replacement_window,
        incident_window=incident_window,
        stale_event_age=stale_event_age,
        reserved_concurrency=reserved_concurrency,
        retry_attempts=retry_attempts,
        max_event_age=max_event_age,
        timeout=timeout,
        memory_size=memory_size,
    )
    # The unit and the path reach a shell on the instances: stricter than AppProbe's own checks.
    if not _UNIT.fullmatch(app_probe.service_unit):
        raise ValueError(
            f"app_probe.service_unit ({app_probe.service_unit!r}) must be a plain systemd unit name "
            "(letters, digits, '_', '.', '@', ':', '-'; not starting with '-')."
        )
    if not _HEALTH_PATH.fullmatch(app_probe.health_path):
        raise ValueError(
            f"app_probe.health_path ({app_probe.health_path!r}) must start with '/' and use only letters, "
            "digits and '_./~-' (it is pasted into a shell command on the instance)."
        )
    if not re.fullmatch(r"[A-Za-z0-9_./#:\- ]{1,255}", metrics_namespace) or metrics_namespace.startswith(
        "AWS/"
    ):
        raise ValueError(
            f"metrics_namespace ({metrics_namespace!r}) must be 1-255 letters, digits or '_./#:- ' "
            "and must not start with 'AWS/'."
        )
    if log_level not in _LOG_LEVELS:
        raise ValueError(f"log_level ({log_level!r}) must be one of {', '.join(_LOG_LEVELS)}.")
