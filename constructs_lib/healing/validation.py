"""Checks of the ``AutoHealing`` props: each failure names the prop, the value and the fix."""

from __future__ import annotations

import re
from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_sns as sns

from constructs_lib._core import AppProbe, Naming
from constructs_lib._core.severity import SEVERITIES
from constructs_lib.healing.runtime import contract

__all__ = ["validate_props"]

_UNIT = re.compile(contract.SERVICE_UNIT_PATTERN)
_HEALTH_PATH = re.compile(contract.HEALTH_PATH_PATTERN)
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


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
    if not 1 <= max_actions_per_resource_per_hour <= 60:
        raise ValueError(
            f"max_actions_per_resource_per_hour ({max_actions_per_resource_per_hour}) must be 1-60."
        )
    if isinstance(max_replacement_percent, bool) or not 1 <= max_replacement_percent <= 100:
        raise ValueError(f"max_replacement_percent ({max_replacement_percent}) must be 1-100.")
    if not 60 <= replacement_window.to_seconds() <= 86400:
        raise ValueError(
            f"replacement_window ({replacement_window.to_human_string()}) must be between 1 minute and 1 day."
        )
    if not 60 <= incident_window.to_seconds() <= 86400:
        raise ValueError(
            f"incident_window ({incident_window.to_human_string()}) must be between 1 minute and 1 day."
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
    if not 60 <= stale_event_age.to_seconds() <= 21600:
        raise ValueError(
            f"stale_event_age ({stale_event_age.to_human_string()}) must be between 1 minute and 6 hours."
        )
    if reserved_concurrency is not None and not 1 <= reserved_concurrency <= 100:
        raise ValueError(
            f"reserved_concurrency ({reserved_concurrency}) must be 1-100, or None for no limit."
        )
    if not 0 <= retry_attempts <= 2:
        raise ValueError(f"retry_attempts ({retry_attempts}) must be 0-2 (Lambda's asynchronous limit).")
    if not 60 <= max_event_age.to_seconds() <= 21600:
        raise ValueError(
            f"max_event_age ({max_event_age.to_human_string()}) must be between 60 seconds and 6 hours."
        )
    if not 1 <= timeout.to_seconds() <= 900:
        raise ValueError(f"timeout ({timeout.to_human_string()}) must be between 1 second and 15 minutes.")
    if not 128 <= memory_size <= 10240:
        raise ValueError(f"memory_size ({memory_size}) must be 128-10240 MiB.")
    if not re.fullmatch(r"[A-Za-z0-9_./#:\- ]{1,255}", metrics_namespace) or metrics_namespace.startswith(
        "AWS/"
    ):
        raise ValueError(
            f"metrics_namespace ({metrics_namespace!r}) must be 1-255 letters, digits or '_./#:- ' "
            "and must not start with 'AWS/'."
        )
    if log_level not in _LOG_LEVELS:
        raise ValueError(f"log_level ({log_level!r}) must be one of {', '.join(_LOG_LEVELS)}.")
