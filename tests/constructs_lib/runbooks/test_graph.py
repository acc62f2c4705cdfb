"""The step graph of an Automation document: successors, reachability, explicit timing."""

from __future__ import annotations

import pytest

from constructs_lib.runbooks.graph import reachable, steps_without_explicit_timing, successors

DOCUMENT = {
    "schemaVersion": "0.3",
    "mainSteps": [
        {
            "name": "Choose",
            "action": "aws:branch",
            "inputs": {
                "Choices": [{"NextStep": "Fast", "Variable": "{{ X }}", "StringEquals": "a"}],
                "Default": "Slow",
            },
            "timeoutSeconds": 60,
            "maxAttempts": 1,
        },
        {"name": "Slow", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}, "timeoutSeconds": 120},
        {"name": "Fast", "action": "aws:executeAwsApi", "onFailure": "step:Failed", "maxAttempts": 2},
        {
            "name": "Done",
            "action": "aws:executeAwsApi",
            "isEnd": True,
            "timeoutSeconds": 60,
            "maxAttempts": 1,
        },
        {
            "name": "Failed",
            "action": "aws:executeAwsApi",
            "isEnd": True,
            "timeoutSeconds": 60,
            "maxAttempts": True,
        },
    ],
}


def test_successors_follow_branches_order_and_failure_edges():
    assert successors(DOCUMENT, "Choose") == ["Fast", "Slow"]
    assert successors(DOCUMENT, "Slow") == ["Fast"]  # the next step in mainSteps
    assert successors(DOCUMENT, "Fast") == ["Done", "Failed"]
    assert successors(DOCUMENT, "Fast", on_failure=False) == ["Done"]
    assert successors(DOCUMENT, "Done") == []


def test_reachable_without_a_step_tells_what_always_runs_first():
    assert reachable(DOCUMENT, "Choose") == {"Choose", "Slow", "Fast", "Done", "Failed"}
    assert "Done" not in reachable(DOCUMENT, "Choose", removed={"Fast"})  # Fast precedes Done on every path
    assert "Fast" in reachable(DOCUMENT, "Choose", removed={"Slow"})  # Slow does not precede Fast
    assert "Failed" not in reachable(DOCUMENT, "Choose", on_failure=False)


def test_steps_without_explicit_timing_are_named():
    assert steps_without_explicit_timing(DOCUMENT) == [
        "Slow: no maxAttempts",
        "Fast: no timeoutSeconds",
        "Failed: no maxAttempts",  # a boolean is not a number of attempts
    ]


def test_fails_when_the_step_does_not_exist():
    with pytest.raises(KeyError, match="step 'Nope' is not a main step"):
        successors(DOCUMENT, "Nope")
