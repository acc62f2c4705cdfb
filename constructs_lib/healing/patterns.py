"""The events that mean "something broke": EventBridge patterns of the healing rules.

Plain dicts, so tests and other tools can read them without synthesizing; :func:`event_pattern`
turns one into the typed ``EventPattern`` of a rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_events as events

__all__ = [
    "AUTO_SCALING_FAILURES",
    "EC2_HEALTH_EVENT_TYPE_CODES",
    "EC2_STATES",
    "RDS_EVENT_CATEGORIES",
    "alarm_state_change_pattern",
    "auto_scaling_failure_pattern",
    "ec2_health_pattern",
    "ec2_state_change_pattern",
    "event_pattern",
    "rds_instance_event_pattern",
]


EC2_STATES: tuple[str, ...] = ("stopping", "stopped", "terminated")
"""EC2 instance states that mean an instance is going or gone."""

EC2_HEALTH_EVENT_TYPE_CODES: tuple[str, ...] = (
    "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS",
    "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE",
    "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
    "AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED",
)
"""AWS Health event type codes for EC2 that healing acts on (EC2 User Guide, "Simplified automatic
recovery"; AWS Health User Guide, "Automating instance actions": retirement of instance-store and
EBS-backed instances)."""

RDS_EVENT_CATEGORIES: tuple[str, ...] = ("failover", "failure")
"""RDS event categories of ``RDS DB Instance Event`` that healing records and notifies: Multi-AZ
failover started/completed (RDS-EVENT-0013/0015/0049...), instance failure (RDS-EVENT-0031...)."""

AUTO_SCALING_FAILURES: tuple[str, ...] = (
    "EC2 Instance Launch Unsuccessful",
    "EC2 Instance Terminate Unsuccessful",
)
"""Auto Scaling event detail-types healing acts on (EC2 Auto Scaling User Guide, "Amazon EC2 Auto
Scaling event reference": instance launch/terminate unsuccessful)."""


def ec2_state_change_pattern() -> dict[str, Any]:
    """EC2 instances stopping, stopped or terminated (any instance: the function checks tags)."""
    return {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        "detail": {"state": list(EC2_STATES)},
    }


def ec2_health_pattern() -> dict[str, Any]:
    """AWS Health events for EC2 with the type codes of :data:`EC2_HEALTH_EVENT_TYPE_CODES`."""
    return {
        "source": ["aws.health"],
        "detail-type": ["AWS Health Event"],
        "detail": {"service": ["EC2"], "eventTypeCode": list(EC2_HEALTH_EVENT_TYPE_CODES)},
    }


def alarm_state_change_pattern(alarm_name_prefix: str, own_alarm_prefix: str) -> dict[str, Any]:
    """Metric alarms whose name starts with ``alarm_name_prefix`` going into ALARM.

    Composite alarms (``configuration.alarmRule``) are left to escalation, and alarms whose name
    starts with ``own_alarm_prefix`` (the healing function's own) never reach the function.
    """
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "resources": [{"anything-but": {"wildcard": f"*:alarm:{_escape_wildcard(own_alarm_prefix)}*"}}],
        "detail": {
            "alarmName": [{"prefix": alarm_name_prefix}],
            "state": {"value": ["ALARM"]},
            "configuration": {"alarmRule": [{"exists": False}]},
        },
    }


def auto_scaling_failure_pattern(group_names: Sequence[str] | None = None) -> dict[str, Any]:
    """Auto Scaling launch/terminate failures, for ``group_names`` only when given."""
    pattern: dict[str, Any] = {"source": ["aws.autoscaling"], "detail-type": list(AUTO_SCALING_FAILURES)}
    if group_names:
        pattern["detail"] = {"AutoScalingGroupName": list(group_names)}
    return pattern


def rds_instance_event_pattern(db_instance_identifiers: Sequence[str] | None = None) -> dict[str, Any]:
    """RDS instance events of :data:`RDS_EVENT_CATEGORIES`, for the given instances only when given."""
    detail: dict[str, Any] = {"EventCategories": list(RDS_EVENT_CATEGORIES)}
    if db_instance_identifiers:
        detail["SourceIdentifier"] = list(db_instance_identifiers)
    return {"source": ["aws.rds"], "detail-type": ["RDS DB Instance Event"], "detail": detail}


def _escape_wildcard(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*")


def event_pattern(pattern: Mapping[str, Any]) -> events.EventPattern:
    """The typed ``EventPattern`` of a plain pattern (``detail`` is passed through as written)."""
    resources: list[str] | None = None
    for value in pattern.get("resources", []):
        wildcard = value.get("anything-but", {}).get("wildcard") if isinstance(value, Mapping) else None
        if wildcard is None:
            raise ValueError(f"unsupported resources filter {value!r}")
        resources = events.Match.anything_but_wildcard(wildcard)
    return events.EventPattern(
        source=pattern["source"],
        detail_type=pattern.get("detail-type"),
        detail=pattern.get("detail"),
        resources=resources,
    )
