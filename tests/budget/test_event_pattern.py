"""The event-pattern matcher decides which deployed rule an alarm or EC2 event reaches."""

from __future__ import annotations

import pytest

from tests.events import load_event
from tools.recovery_budget.event_pattern import matches

ALARM_EVENT = {
    "source": "aws.cloudwatch",
    "detail-type": "CloudWatch Alarm State Change",
    "resources": ["arn:aws:cloudwatch:ap-northeast-1:111111111111:alarm:webapp-prod-web-cpu-medium"],
    "detail": {"alarmName": "webapp-prod-web-cpu-medium", "state": {"value": "ALARM"}, "count": 3},
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["aws.cloudwatch"]}, True),
        ({"source": ["aws.ec2"]}, False),
        ({"detail": {"alarmName": [{"prefix": "webapp-prod-"}]}}, True),
        ({"detail": {"alarmName": [{"prefix": "webapp-dev-"}]}}, False),
        ({"detail": {"alarmName": [{"suffix": "-medium"}]}}, True),
        ({"detail": {"alarmName": [{"wildcard": "webapp-*-cpu-*"}]}}, True),
        ({"detail": {"alarmName": [{"equals-ignore-case": "WEBAPP-PROD-WEB-CPU-MEDIUM"}]}}, True),
        ({"detail": {"state": {"value": [{"anything-but": ["OK", "INSUFFICIENT_DATA"]}]}}}, True),
        ({"detail": {"state": {"value": [{"anything-but": "ALARM"}]}}}, False),
        ({"detail": {"alarmName": [{"anything-but": {"prefix": "webapp-dev"}}]}}, True),
        ({"detail": {"count": [{"numeric": [">", 2, "<=", 3]}]}}, True),
        ({"detail": {"count": [{"numeric": [">", 3]}]}}, False),
        ({"detail": {"missing": [{"exists": False}]}}, True),
        ({"detail": {"alarmName": [{"exists": False}]}}, False),
        ({"detail": {"alarmName": [{"exists": True}]}}, True),
        ({"resources": [{"suffix": ":alarm:webapp-prod-web-cpu-medium"}]}, True),
        ({"$or": [{"source": ["aws.ec2"]}, {"detail": {"state": {"value": ["ALARM"]}}}]}, True),
        ({"$or": [{"source": ["aws.ec2"]}, {"detail": {"state": {"value": ["OK"]}}}]}, False),
        ({"detail": {"alarmName": [{"cidr": "10.0.0.0/8"}]}}, False),  # unknown operator never matches
    ],
)
def test_pattern_operators(pattern, expected):
    assert matches(pattern, ALARM_EVENT) is expected


def test_shared_ec2_stopped_sample_matches_a_typical_healing_rule_and_not_an_alarm_rule():
    event = load_event("ec2-instance-state-change-stopped")
    healing = {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        "detail": {"state": ["stopping", "stopped", "terminated"]},
    }
    assert matches(healing, event)
    assert not matches({"source": ["aws.cloudwatch"]}, event)
