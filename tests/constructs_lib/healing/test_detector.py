"""The incident detector: the same code on a schedule, with a role of its own, handing findings over."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from constructs_lib.healing import DetectorRunbook
from tests.constructs_lib.healing.support import build, function_with_handler, logical_id


def test_incident_detector_scans_on_a_schedule_with_the_same_code_and_ledger(full):
    detector = function_with_handler(full, "detector.handler")["Properties"]
    healer = function_with_handler(full)["Properties"]
    assert detector["Code"] == healer["Code"]
    assert detector["ReservedConcurrentExecutions"] == 1
    env = detector["Environment"]["Variables"]
    assert env["LEDGER_TABLE_NAME"] == healer["Environment"]["Variables"]["LEDGER_TABLE_NAME"]
    assert healer["Environment"]["Variables"]["RUNBOOKS_BY_INCIDENT"] == "{}"
    full.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(5 minutes)"})
    full.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig", {"Qualifier": "$LATEST", "MaximumRetryAttempts": 0}
    )


def test_the_detector_has_its_own_role_and_hands_findings_to_the_function(synthesized, full):
    healing = synthesized["full"]
    detector = function_with_handler(full, "detector.handler")["Properties"]
    assert detector["Role"] == {"Fn::GetAtt": [logical_id(synthesized, "Full", healing.detector_role), "Arn"]}
    assert detector["Role"] != function_with_handler(full)["Properties"]["Role"]
    assert detector["Environment"]["Variables"]["HEALING_FUNCTION_NAME"] == {
        "Ref": logical_id(synthesized, "Full", healing.function)
    }


def fake_runbook() -> SimpleNamespace:
    return SimpleNamespace(
        document_name="doc", role=SimpleNamespace(role_arn="arn"), grant_start=lambda g: None
    )


def test_fails_when_a_detector_runbook_names_an_unknown_incident_kind():
    runbook = DetectorRunbook(runbook=fake_runbook(), resource_parameter="InstanceId")
    with pytest.raises(ValueError, match=r"detector_runbooks has unknown incident kind\(s\) \['meteor'\]"):
        build(detector_runbooks={"meteor": runbook})


def test_fails_when_detector_runbooks_are_given_without_the_detector():
    runbook = DetectorRunbook(runbook=fake_runbook(), resource_parameter="AutoScalingGroupName")
    with pytest.raises(ValueError, match=r"detector_runbooks needs the incident detector"):
        build(detector_runbooks={"group-capacity": runbook}, detector_interval=None)
