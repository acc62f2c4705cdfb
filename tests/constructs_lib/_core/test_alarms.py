"""SeverityAlarm: the one alarm shape composites and dashboards consume."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch

from constructs_lib._core import AlarmSource, Severity, SeverityAlarm, by_severity, collect


@pytest.fixture(scope="module")
def two_alarms():
    stack = cdk.Stack(cdk.App(), "S")
    metric = cloudwatch.Metric(namespace="N", metric_name="M")
    return [
        metric.create_alarm(stack, f"A{i}", threshold=1, evaluation_periods=1, alarm_name=f"a{i}")
        for i in (1, 2)
    ]


class _Source:
    def __init__(self, alarms):
        self._alarms = alarms

    @property
    def alarms(self):
        return self._alarms


def test_severity_is_normalised_from_its_plain_value(two_alarms):
    item = SeverityAlarm(alarm=two_alarms[0], severity="high", signal="cpu")
    assert item.severity is Severity.HIGH


def test_fails_when_the_severity_is_unknown(two_alarms):
    with pytest.raises(ValueError, match=r"severity \('page'\) is not a severity"):
        SeverityAlarm(alarm=two_alarms[0], severity="page")


def test_by_severity_lists_every_severity_in_order(two_alarms):
    grouped = by_severity(
        [SeverityAlarm(two_alarms[0], Severity.CRITICAL), SeverityAlarm(two_alarms[1], Severity.CRITICAL)]
    )
    assert list(grouped) == [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]
    assert grouped[Severity.CRITICAL] == two_alarms
    assert grouped[Severity.LOW] == []


def test_collect_flattens_constructs_single_alarms_and_lists(two_alarms):
    first, second = SeverityAlarm(two_alarms[0], "low"), SeverityAlarm(two_alarms[1], "medium")
    source = _Source([first])
    assert isinstance(source, AlarmSource)
    assert collect([source, second, [first]]) == [first, second, first]


def test_fails_when_a_source_holds_something_else(two_alarms):
    with pytest.raises(TypeError, match="expected SeverityAlarm items"):
        collect([[two_alarms[0]]])
