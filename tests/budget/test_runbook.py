"""The step graph of an Automation document and its run on the clock (hand-built documents)."""

from __future__ import annotations

import pytest
from budget_templates import OSAKA, TOKYO, stage

from tools.cloud_assembly import Resource, ResourceId
from tools.recovery_budget.facts import Runbook
from tools.recovery_budget.latencies import Latencies
from tools.recovery_budget.runbook import RunbookGraph, iso_duration_seconds
from tools.recovery_budget.timeline import ZERO, DatabaseFact, World, run_runbook


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT1M", 60),
        ("PT30S", 30),
        ("PT1H5M", 3900),
        ("P1DT1S", 86401),
        ("PT0.5S", 0.5),
        ("1M", None),
        (5, None),
    ],
)
def test_iso_durations(text, seconds):
    assert iso_duration_seconds(text) == seconds


def _doc(*steps, parameters=None):
    return {"schemaVersion": "0.3", "parameters": parameters or {}, "mainSteps": list(steps)}


def _run(document, databases=None):
    resource = Resource(ResourceId("Prod/Osaka-DR", "Doc"), "AWS::SSM::Document", {}, OSAKA)
    world = World(stage("Prod", {"Osaka-DR": (OSAKA, {})}), "Prod/Osaka-DR", OSAKA, Latencies())
    world.databases.update(databases or {})
    return run_runbook(Runbook(resource, "doc", "", document), world, ZERO)


def _api(name, api, **extra):
    return {"name": name, "action": "aws:executeAwsApi", "inputs": {"Service": "x", "Api": api, **extra}}


def test_next_steps_follow_next_step_is_end_and_order():
    graph = RunbookGraph.from_document(
        _doc(
            _api(
                "A",
                "X",
            ),
            {**_api("B", "X"), "nextStep": "D"},
            {**_api("C", "X"), "isEnd": True},
            _api("D", "X"),
        )
    )
    assert [graph.next_of(step) for step in graph.steps] == ["B", "D", None, None]


def test_a_sleep_takes_its_duration_and_api_calls_take_a_step_each():
    run = _run(_doc(_api("A", "X"), {"name": "S", "action": "aws:sleep", "inputs": {"Duration": "PT2M"}}))
    assert [(t.name, (t.end - t.start).worst) for t in run.log] == [("A", 5), ("S", 120)]
    assert run.clock.worst == 125 and run.clock.typical == 121


def test_a_sleep_longer_than_its_timeout_fails_the_step():
    sleep = {"name": "S", "action": "aws:sleep", "inputs": {"Duration": "PT10M"}, "timeoutSeconds": 120}
    run = _run(_doc(sleep))
    assert run.failed and run.failed.startswith("S fails: sleeps longer than timeoutSeconds")
    assert run.clock.worst == 120


def test_a_branch_on_a_parameter_default_follows_it():
    branch = {
        "name": "Choose",
        "action": "aws:branch",
        "inputs": {
            "Choices": [{"NextStep": "Slow", "Variable": "{{ Mode }}", "StringEquals": "slow"}],
            "Default": "Fast",
        },
    }
    slow = {"name": "Slow", "action": "aws:sleep", "inputs": {"Duration": "PT10M"}, "isEnd": True}
    fast = {"name": "Fast", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}, "isEnd": True}
    chosen = _run(_doc(branch, slow, fast, parameters={"Mode": {"type": "String", "default": "fast"}}))
    assert [t.name for t in chosen.log] == ["Choose", "Fast"]
    # an undecidable choice explores both ways and keeps the slower
    unknown = _run(_doc(branch, slow, fast, parameters={"Mode": {"type": "String"}}))
    assert [t.name for t in unknown.log] == ["Choose", "Slow"]


def test_a_wait_ends_when_the_operation_it_waits_for_is_done_plus_a_poll():
    fact = DatabaseFact("db-osaka", is_replica=True, keeps_backups=True, where="Prod/Osaka-Data/Replica")
    promote = {
        **_api("Promote", "PromoteReadReplica", DBInstanceIdentifier="db-osaka"),
        "inputs": {"Service": "rds", "Api": "PromoteReadReplica", "DBInstanceIdentifier": "db-osaka"},
    }
    wait = {
        "name": "Wait",
        "action": "aws:waitForAwsResourceProperty",
        "inputs": {"Service": "rds", "Api": "DescribeDBInstances", "DBInstanceIdentifier": "db-osaka"},
        "timeoutSeconds": 3600,
    }
    run = _run(_doc(promote, wait), {"db-osaka": fact})
    # promotion from 0, done at 600 (typical 300); the wait sees it up to a poll later (30, typical 10)
    assert (run.clock.worst, run.clock.typical) == (630, 310)
    assert not run.failed

    short = _run(_doc(promote, {**wait, "timeoutSeconds": 300}), {"db-osaka": fact})
    assert short.failed and "Wait fails" in short.failed


def test_a_wait_the_budget_cannot_read_counts_its_whole_window():
    wait = {
        "name": "Wait",
        "action": "aws:waitForAwsResourceProperty",
        "inputs": {"Service": "ec2", "Api": "DescribeInstances"},
        "timeoutSeconds": 900,
        "maxAttempts": 2,
    }
    run = _run(_doc(wait))
    assert run.clock.worst == 1800
    assert any("cannot tell what it waits for" in note for note in run.notes)


def test_a_loop_stops_the_run():
    looping = {**_api("A", "X"), "nextStep": "A"}
    run = _run(_doc(looping))
    assert run.failed == "A: the run loops"


def test_a_script_that_does_not_poll_is_one_script_step_and_its_calls_take_effect():
    script = {
        "name": "Promote",
        "action": "aws:executeScript",
        "inputs": {
            "Script": "rds.promote_read_replica(DBInstanceIdentifier=x)",
            "InputPayload": {"DBInstanceIdentifier": "db-osaka"},
        },
    }
    fact = DatabaseFact("db-osaka", is_replica=True, keeps_backups=False, where="r")
    run = _run(_doc(script), {"db-osaka": fact})
    assert run.clock.worst == 15
    # no backups on the replica: the promotion takes its first backup too (600 + 1200)
    assert run.db_done["db-osaka"].worst == 1800


def test_tokyo_is_not_the_region_of_a_script_acting_on_another_region():
    script = {
        "name": "Freeze",
        "action": "aws:executeScript",
        "inputs": {
            "Script": "autoscaling.update_auto_scaling_group(AutoScalingGroupName=n, DesiredCapacity=0)",
            "InputPayload": {"Region": TOKYO, "AutoScalingGroupName": "webapp-prod-web"},
        },
    }
    run = _run(_doc(script))
    assert run.log[0].what.endswith("acts on another region")
