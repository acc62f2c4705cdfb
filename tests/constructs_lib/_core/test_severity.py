"""Severity: the four severities in one enum that reads, compares and hashes as its plain value."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

import constructs_lib
from constructs_lib._core import SEVERITIES, Naming, Severity, validate_severity
from constructs_lib.alerting import SEVERITIES as ALERTING_SEVERITIES
from constructs_lib.monitoring.metrics import WebServiceMetricFactory
from constructs_lib.monitoring.service_alarms import ServiceAlarms
from constructs_lib.monitoring.thresholds import AlarmThreshold


def test_severities_are_ordered_least_urgent_first():
    assert list(Severity) == [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]
    assert [s.value for s in Severity] == ["low", "medium", "high", "critical"]


def test_severities_tuple_is_the_enum_wherever_it_is_imported():
    assert SEVERITIES == tuple(Severity) == ("low", "medium", "high", "critical")
    assert constructs_lib.SEVERITIES == SEVERITIES
    assert ALERTING_SEVERITIES is SEVERITIES


def test_a_member_is_interchangeable_with_its_plain_value():
    # given a member and its value / then they compare, hash, format and quote the same
    assert Severity.HIGH == "high" and Severity.HIGH in ("low", "high")
    assert {"high": 1}[Severity.HIGH] == 1 and {Severity.HIGH: 1}["high"] == 1
    assert f"{Severity.HIGH}" == str(Severity.HIGH) == "high"
    assert repr(Severity.HIGH) == repr("high")
    assert ", ".join(Severity) == "low, medium, high, critical"
    assert Severity.CRITICAL.label == "Critical"


def test_validate_severity_returns_the_member_for_a_plain_value():
    assert validate_severity("medium", prop="severity") is Severity.MEDIUM
    assert validate_severity(Severity.LOW, prop="severity") is Severity.LOW


@pytest.mark.parametrize("value", ["urgent", "High", "", None])
def test_fails_when_a_value_is_not_a_severity(value):
    expected = f"severity ({value!r}) is not a severity: use one of low, medium, high, critical."
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        validate_severity(value, prop="severity")


def test_alarm_names_are_the_same_for_a_member_and_its_value():
    web = Naming(app="webapp", environment="prod", component="web")
    assert web.alarm_name("cpu", Severity.MEDIUM) == "webapp-prod-web-cpu-medium"
    assert web.alarm_name("cpu", Severity.MEDIUM) == web.alarm_name("cpu", "medium")


def test_a_member_and_its_value_synthesize_the_same_template():
    # given the same threshold row once with a member and once with the plain value from config
    def synthesized(severity) -> dict:
        stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S")
        ServiceAlarms(
            stack, "Web", naming=Naming(app="webapp", environment="prod"),
            metrics=WebServiceMetricFactory(auto_scaling_group_name="webapp-prod-web"),
            latency_anomaly=None, cpu_early_warning=None,
            thresholds=[AlarmThreshold(metric="cpu", threshold=80, severity=severity)],
        )  # fmt: skip
        return Template.from_stack(stack).to_json()

    # then the templates are identical (alarm name, construct id and all)
    member, plain = synthesized(Severity.HIGH), synthesized("high")
    assert member == plain
    names = [r["Properties"]["AlarmName"] for r in member["Resources"].values()]
    assert names == ["webapp-prod-web-cpu-high"]
