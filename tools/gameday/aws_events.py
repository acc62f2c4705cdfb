"""The events AWS would emit for the failures the drills inject, built from the emulator's state.

Shapes follow the EventBridge event references (EC2 "EC2 Instance State-change Notification",
CloudWatch "CloudWatch Alarm State Change", Amazon EC2 Auto Scaling "EC2 Instance Launch
Unsuccessful"); ``tests/events`` holds samples of each. moto emits
none of them, so every event a drill routes is one of these, and the timeline labels it INJECTED.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "alarm_state_change",
    "ec2_state_change",
    "iso_millis",
    "iso_seconds",
    "launch_unsuccessful",
    "rds_instance_event",
]


def _now() -> datetime:
    return datetime.now(UTC)


def iso_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime) -> str:
    """CloudWatch's alarm timestamps: ``2026-11-20T03:04:40.551+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _envelope(
    *,
    detail_type: str,
    source: str,
    account: str,
    region: str,
    resources: Sequence[str],
    detail: Any,
    at: datetime,
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": iso_seconds(at),
        "region": region,
        "resources": list(resources),
        "detail": detail,
    }


def ec2_state_change(
    *, account: str, region: str, instance_id: str, state: str, at: datetime | None = None
) -> dict[str, Any]:
    """EC2 reports an instance's new state (pending, running, stopping, stopped, ...)."""
    return _envelope(
        detail_type="EC2 Instance State-change Notification",
        source="aws.ec2",
        account=account,
        region=region,
        resources=[f"arn:aws:ec2:{region}:{account}:instance/{instance_id}"],
        detail={"instance-id": instance_id, "state": state},
        at=at or _now(),
    )


def _alarm_metrics(alarm: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``configuration.metrics`` of the event, from a ``DescribeAlarms`` metric alarm."""
    if alarm.get("Metrics"):
        metrics = []
        for query in alarm["Metrics"]:
            item: dict[str, Any] = {"id": query["Id"], "returnData": bool(query.get("ReturnData", True))}
            if query.get("Expression"):
                item["expression"] = query["Expression"]
                if query.get("Label"):
                    item["label"] = query["Label"]
            stat = query.get("MetricStat")
            if stat:
                metric = stat["Metric"]
                item["metricStat"] = {
                    "metric": {
                        "namespace": metric.get("Namespace"),
                        "name": metric.get("MetricName"),
                        "dimensions": {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])},
                    },
                    "period": int(stat.get("Period", 60)),
                    "stat": stat.get("Stat"),
                }
            metrics.append(item)
        return metrics
    return [
        {
            "id": str(uuid.uuid4()),
            "metricStat": {
                "metric": {
                    "namespace": alarm.get("Namespace"),
                    "name": alarm.get("MetricName"),
                    "dimensions": {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])},
                },
                "period": int(alarm.get("Period") or 60),
                "stat": alarm.get("Statistic") or alarm.get("ExtendedStatistic"),
            },
            "returnData": True,
        }
    ]


def alarm_state_change(
    *,
    account: str,
    region: str,
    alarm: Mapping[str, Any],
    previous_value: str,
    previous_reason: str,
    previous_at: datetime,
) -> dict[str, Any]:
    """CloudWatch reports that ``alarm`` (a ``DescribeAlarms`` entry, after the change) changed state.

    Composite alarms (``AlarmRule``) get ``configuration.alarmRule`` instead of ``metrics``.
    """
    at = alarm.get("StateUpdatedTimestamp") or _now()
    configuration: dict[str, Any] = {"description": alarm.get("AlarmDescription", "")}
    if alarm.get("AlarmRule"):
        configuration["alarmRule"] = alarm["AlarmRule"]
        configuration["actionsSuppressor"] = alarm.get("ActionsSuppressor", "")
    else:
        configuration["metrics"] = _alarm_metrics(alarm)
    state: dict[str, Any] = {
        "value": alarm["StateValue"],
        "reason": alarm.get("StateReason", ""),
        "timestamp": iso_millis(at),
    }
    if alarm.get("StateReasonData"):
        state["reasonData"] = alarm["StateReasonData"]
    return _envelope(
        detail_type="CloudWatch Alarm State Change",
        source="aws.cloudwatch",
        account=account,
        region=region,
        resources=[alarm["AlarmArn"]],
        detail={
            "alarmName": alarm["AlarmName"],
            "state": state,
            "previousState": {
                "value": previous_value,
                "reason": previous_reason,
                "timestamp": iso_millis(previous_at),
            },
            "configuration": configuration,
        },
        at=at,
    )


def launch_unsuccessful(
    *,
    account: str,
    region: str,
    group_name: str,
    group_arn: str,
    availability_zone: str,
    subnet_id: str,
    status_message: str,
    cause: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Amazon EC2 Auto Scaling could not launch an instance into ``group_name``."""
    at = at or _now()
    return _envelope(
        detail_type="EC2 Instance Launch Unsuccessful",
        source="aws.autoscaling",
        account=account,
        region=region,
        resources=[group_arn],
        detail={
            "StatusCode": "Failed",
            "AutoScalingGroupName": group_name,
            "ActivityId": str(uuid.uuid4()),
            "Details": {"Availability Zone": availability_zone, "Subnet ID": subnet_id},
            "RequestId": str(uuid.uuid4()),
            "StatusMessage": status_message,
            "EndTime": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "EC2InstanceId": "",
            "StartTime": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "Cause": cause,
        },
        at=at,
    )


def rds_instance_event(
    *,
    account: str,
    region: str,
    db_identifier: str,
    event_id: str,
    category: str,
    message: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    """RDS reports an event of ``db_identifier`` (``RDS-EVENT-0031`` failure, ``-0049`` failover...)."""
    at = at or _now()
    arn = f"arn:aws:rds:{region}:{account}:db:{db_identifier}"
    return _envelope(
        detail_type="RDS DB Instance Event",
        source="aws.rds",
        account=account,
        region=region,
        resources=[arn],
        detail={
            "EventCategories": [category],
            "SourceType": "DB_INSTANCE",
            "SourceArn": arn,
            "Date": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "Message": message,
            "SourceIdentifier": db_identifier,
            "EventID": event_id,
        },
        at=at,
    )
