"""The incident detector: the same code on a schedule, and the runbooks it may start."""

from __future__ import annotations

import pytest

from tests.constructs_lib.healing.support import build, function_with_handler


def test_incident_detector_scans_on_a_schedule_with_the_same_code_and_ledger(full):
    detector = function_with_handler(full, "detector.handler")["Properties"]
    healer = function_with_handler(full)["Properties"]
    assert detector["Code"] == healer["Code"]
    assert detector["ReservedConcurrentExecutions"] == 1
    env = detector["Environment"]["Variables"]
    assert env["LEDGER_TABLE_NAME"] == healer["Environment"]["Variables"]["LEDGER_TABLE_NAME"]
    assert env["RUNBOOKS_BY_INCIDENT"] == "{}"
    full.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(5 minutes)"})
    full.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig", {"Qualifier": "$LATEST", "MaximumRetryAttempts": 0}
    )


def test_fails_when_a_detector_runbook_names_an_unknown_incident_kind():
    from types import SimpleNamespace

    from constructs_lib.healing import DetectorRunbook

    runbook = SimpleNamespace(document_name="doc", role=None, grant_start=lambda grantee: None)
    with pytest.raises(ValueError, match=r"detector_runbooks has unknown incident kind\(s\) \['meteor'\]"):
        build(detector_runbooks={"meteor": DetectorRunbook(runbook=runbook, resource_parameter="InstanceId")})
