"""The whole game day for dev, end to end: synthesized templates deployed into moto, failures
injected, the deployed healing code run, outcomes verified. And the proof that it can fail."""

from __future__ import annotations

import json

import pytest

from tools.gameday import moto_gaps
from tools.gameday.cli import main
from tools.gameday.drills import DRILLS
from tools.gameday.runner import GameDayError, run_gameday

pytestmark = pytest.mark.slow

EXPECTED_CHECKS = {
    "stopped-instance": [
        "routed to the healing function",
        "instance replaced",
        "back in service",
        "notified the medium topic",
        "incident recorded in the ledger",
        "duplicate delivery ignored",
    ],
    "alarm": [
        "CPU alarm deployed",
        "routed to the healing function",
        "diagnostics captured on the hottest instance",
        "capacity left to the right owner",
        "notified the medium topic",
        "incident recorded in the ledger",
    ],
    "memory": [
        "memory alarm deployed",
        "routed to the healing function",
        "service restarted on the instance using most memory",
        "instance kept (the restart freed the memory)",
        "notified the medium topic",
        "incident recorded in the ledger",
    ],
    "launch-failure": [
        "routed to the healing function",
        "nothing changed",
        "notified the high topic",
        "incident recorded in the ledger",
    ],
    "paused": [
        "pause switch deployed",
        "routed to the healing function",
        "nothing done while paused",
        "the group replaced it anyway: use Standby to work on a member",
    ],
    "nightly-pause": [
        "pause schedules deployed",
        "evening: false becomes scheduled",
        "morning: scheduled becomes false",
        "evening: an operator's true stays",
        "morning: the operator's true stays",
        "routed to the healing function",
        "healing still holds back for the operator",
    ],
    "operator-stop": [
        "routed to the healing function",
        "not started again",
        "notified the low topic",
        "incident recorded in the ledger",
    ],
    "standby": ["routed to the healing function", "left alone", "the group leaves a Standby member alone"],
    "scale-in": [
        "terminated, still visible with its group tag",
        "routed to the healing function",
        "left alone",
    ],
    "warm-pool": ["no warm pool in this environment"],
    "detector": [
        "detector deployed",
        "one scan is not a shortfall yet",
        "the persistent shortfall is handed to the healing function",
        "notified the critical topic",
        "incident recorded in the ledger",
    ],
}

VERDICTS = {
    "stopped-instance": "RECOVERED",
    "alarm": "RECOVERED",
    "memory": "RECOVERED",
    "launch-failure": "NOTIFIED",
    "paused": "RECOVERED BY THE GROUP",
    "nightly-pause": "OPERATOR'S PAUSE KEPT",
    "operator-stop": "LEFT ALONE",
    "standby": "LEFT ALONE",
    "scale-in": "LEFT ALONE",
    "warm-pool": "NOT APPLICABLE",
    "detector": "NOTIFIED",
}
"""RECOVERED only where something was recovered."""


@pytest.fixture(scope="module")
def gameday(dev_assembly):
    printed: list[str] = []
    report = run_gameday(dev_assembly, environment="dev", out=printed.append)
    return report, "\n".join(printed)


def test_every_drill_recovers_in_dev(gameday):
    report, printed = gameday

    failed = {d.name: [c for c in d.timeline.checks if not c.passed] for d in report.drills if not d.passed}
    assert not failed, printed
    assert report.passed
    assert [d.name for d in report.drills] == [d.name for d in DRILLS]


@pytest.mark.parametrize("environment", ["stg", "prod"])
def test_every_drill_recovers_in_the_other_environments(synthesized_app, environment):
    """The suite's one synthesis of every environment, rehearsed too: prod's extra resources (audit
    rules, warm pool, three instances) must neither break the deploy nor the drills."""
    printed: list[str] = []
    report = run_gameday(synthesized_app.outdir, environment=environment, out=printed.append)
    failed = {d.name: [c for c in d.timeline.checks if not c.passed] for d in report.drills if not d.passed}
    assert not failed, "\n".join(printed)
    assert report.passed and len(report.drills) == len(DRILLS)


def test_each_drill_verifies_what_its_contract_says(gameday):
    report, _ = gameday

    assert {d.name: [c.name for c in d.timeline.checks] for d in report.drills} == EXPECTED_CHECKS
    assert {d.name: d.timeline.verdict for d in report.drills} == VERDICTS


def test_each_timeline_separates_what_was_injected_from_what_the_emulator_and_the_code_did(gameday):
    report, printed = gameday

    for drill in report.drills:
        if drill.timeline.outcome == "NOT APPLICABLE":  # nothing to inject where there is no warm pool
            continue
        sources = {e.source for e in drill.timeline.entries}
        assert {"INJECTED", "EMULATOR", "FUNCTION", "CHECK"} <= sources, drill.name
    assert "EC2 Instance State-change Notification" in printed
    assert "CloudWatch Alarm State Change" in printed
    assert "EC2 Instance Launch Unsuccessful" in printed


def test_the_summary_lists_what_was_left_out_and_the_wall_time(gameday):
    report, _ = gameday

    summary = report.summary()
    assert report.stacks == ["Dev/Tokyo-Network", "Dev/Tokyo-Compute", "Dev/Tokyo-Monitoring"]
    skipped_types = {s.resource_type for s in report.skipped}
    assert all(t.startswith("Custom::") or t in moto_gaps.SKIPPED_TYPES for t in skipped_types)
    assert "AWS::Lambda::Function" not in skipped_types
    assert "every drill passed" in summary
    assert "total wall time" in summary


def test_a_drill_that_does_not_recover_fails_the_game_day(dev_assembly, monkeypatch, capsys):
    """Without the Auto Scaling replacement behaviour the stopped instance is never replaced:
    the drill must say so and the command must exit non-zero."""
    monkeypatch.setattr(
        moto_gaps,
        "_FILLS",
        tuple(f for f in moto_gaps._FILLS if f is not moto_gaps._replace_unhealthy_instances),
    )

    status = main(["--assembly", str(dev_assembly), "--drill", "stopped-instance"])

    printed = capsys.readouterr().out
    assert status == 1
    assert "FAIL  instance replaced" in printed
    assert "FAILED: stopped-instance" in printed


def test_the_command_runs_a_chosen_drill_exits_zero_and_writes_a_report(dev_assembly, capsys, tmp_path):
    report_file = tmp_path / "reports" / "gameday.json"

    status = main(
        ["--assembly", str(dev_assembly), "--drill", "launch-failure", "--report", str(report_file)]
    )

    printed = capsys.readouterr().out
    assert status == 0, printed
    report = json.loads(report_file.read_text())
    assert report["passed"] is True
    assert [d["name"] for d in report["drills"]] == ["launch-failure"]
    (drill,) = report["drills"]
    assert [c["name"] for c in drill["checks"]] == EXPECTED_CHECKS["launch-failure"]
    assert {e["source"] for e in drill["timeline"]} == {"INJECTED", "EMULATOR", "FUNCTION", "CHECK"}


def test_fails_to_start_without_the_healing_stack(dev_assembly, capsys):
    status = main(["--assembly", str(dev_assembly), "--layers", "Network,Compute"])

    assert status == 2
    assert "the drills need the Monitoring stack" in capsys.readouterr().err
    with pytest.raises(GameDayError, match="Monitoring"):
        run_gameday(dev_assembly, layers=("Network", "Compute"), out=lambda _: None)


def test_lists_the_drills_and_the_gaps(capsys):
    assert main(["--list"]) == 0

    printed = capsys.readouterr().out
    assert all(f"drill {d.name}:" in printed for d in DRILLS)
    assert all(f"gap   {g.name}:" in printed for g in moto_gaps.GAPS)
