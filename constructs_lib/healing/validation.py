"""Checks of the ``AutoHealing`` props: each failure names the prop, the value and the fix."""

from __future__ import annotations

import re
from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_sns as sns

from constructs_lib._core.severity import SEVERITIES

__all__ = ["validate_props"]

_UNIT = re.compile(r"[A-Za-z0-9_.@-]{1,128}")
_HEALTH_PATH = re.compile(r"/[A-Za-z0-9_./~-]{0,200}")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def validate_props(
    *,
    notification_topics: Mapping[str, sns.ITopic],
    pause_parameter_name: str,
    alarm_name_prefix: str,
    max_actions_per_resource_per_hour: int,
    incident_window: cdk.Duration,
    web_service_unit: str,
    health_check_port: int,
    health_check_path: str,
    reserved_concurrency: int | None,
    retry_attempts: int,
    max_event_age: cdk.Duration,
    timeout: cdk.Duration,
    memory_size: int,
    metrics_namespace: str,
    log_level: str,
) -> None:
    """Raise ``ValueError`` naming the first invalid prop, its value and the fix."""
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
    if not re.fullmatch(r"/[A-Za-z0-9_.\-/]{1,1010}", pause_parameter_name):
        raise ValueError(
            f"pause_parameter_name ({pause_parameter_name!r}) must be a full SSM parameter name "
            "starting with '/', e.g. '/webapp/prod/pause'."
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
    if not 60 <= incident_window.to_seconds() <= 86400:
        raise ValueError(
            f"incident_window ({incident_window.to_human_string()}) must be between 1 minute and 1 day."
        )
    if not _UNIT.fullmatch(web_service_unit):
        raise ValueError(
            f"web_service_unit ({web_service_unit!r}) must be a plain systemd unit name "
            "(letters, digits, '_', '.', '@', '-')."
        )
    if not 1 <= health_check_port <= 65535:
        raise ValueError(f"health_check_port ({health_check_port}) must be 1-65535.")
    if not _HEALTH_PATH.fullmatch(health_check_path):
        raise ValueError(
            f"health_check_path ({health_check_path!r}) must start with '/' and use only letters, "
            "digits and '_./~-'."
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
