"""The simulated drills end to end on the session's synthesized app: every drill of dev recovers
within its budget, region loss in prod runs the failover runbook from the template, every line is
labelled, a time above the budget fails, and the project's runbooks are all interpretable."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tools.recovery_budget import model
from tools.simulation import runner
from tools.simulation.drill_base import Sim
from tools.simulation.runbook_actions import ACTIONS
from tools.simulation.runbooks import CommandOutcome, check_document, run_runbook
from tools.simulation.timeline import LABELS

pytestmark = pytest.mark.slow

OVERRIDES = ROOT / "budget-overrides.json"


def test_every_project_runbook_uses_modelled_actions_and_a_sound_step_graph(synthesized_app):
    documents = 0
    for path, template in synthesized_app.templates.items():
        for logical_id, body in template["Resources"].items():
            props = body.get("Properties") or {}
            if body["Type"] != "AWS::SSM::Document" or props.get("DocumentType") != "Automation":
                continue
            documents += 1
            check_document(props["Content"], f"{path}/{logical_id}")
            assert {s["action"] for s in props["Content"]["mainSteps"]} <= set(ACTIONS), (
                f"{path}/{logical_id}"
            )
    assert documents >= 15  # instance recovery, PITR, failover, restore and drills of every environment


@pytest.fixture(scope="module")
def dev(synthesized_app):
    printed: list[str] = []
    report = runner.run_simulation(
        synthesized_app.outdir, environment="dev", out=printed.append, budget_overrides=OVERRIDES
    )
    return report, "\n".join(printed)


def test_every_simulated_drill_of_dev_recovers_within_its_budget(dev):
    report, printed = dev
    assert report.passed, printed
    assert [r.name for r in report.results] == [d.name for d in runner.drills()]
    for result in report.results:
        if result.expected_unrecovered:  # dev has no DNS failover: the budget says region loss is not covered
            assert result.scenario == "region_loss" and result.budget_status == model.NOT_COVERED
            continue
        assert result.recovered and result.within_budget, result.name
        assert result.detection_seconds is not None and result.recovery_seconds is not None


def test_every_timeline_line_is_labelled_and_the_report_has_the_fields(dev):
    report, _ = dev
    labels = {line.label for r in report.results for line in r.timeline.lines}
    assert labels == set(LABELS)
    rows = report.drills_json()
    for row in rows:
        assert {
            "name",
            "environment",
            "recovered",
            "simulated_detection_seconds",
            "simulated_recovery_seconds",
            "budget_seconds",
        } <= set(row)
        assert row["environment"] == "dev"
        assert {line["label"] for line in row["timeline"]} <= set(LABELS)


def test_region_loss_in_prod_pages_decides_and_runs_the_failover_runbook(synthesized_app):
    printed: list[str] = []
    report = runner.run_simulation(
        synthesized_app.outdir,
        environment="prod",
        selected=["sim-region-loss"],
        out=printed.append,
        budget_overrides=OVERRIDES,
    )
    text = "\n".join(printed)
    (result,) = report.results
    assert result.passed and result.recovered, text
    lines = [line.text for line in result.timeline.lines]
    assert any(t.startswith("the page:") for t in lines), text
    assert any("the on-call decides" in t for t in lines)
    assert any(t.startswith("runbook RegionFailover") and "ended Success" in t for t in lines), text
    assert any("Route 53 now answers the SECONDARY record" in t for t in lines)
    assert result.detection_seconds >= 900  # the on-call's response time is part of it


def test_a_simulated_time_above_the_budget_fails_the_drill(synthesized_app, monkeypatch):
    real = runner.compute_budget

    def tight(*args, **kwargs):
        budget = real(*args, **kwargs)
        scenario = budget["dev"]["instance_crash"]
        tiny = model.Path("tiny", (model.Step("tiny", 1, "test"),))
        scenario.detection, scenario.recovery = tiny, tiny
        return budget

    monkeypatch.setattr(runner, "compute_budget", tight)
    report = runner.run_simulation(
        synthesized_app.outdir, environment="dev", selected=["sim-instance-crash"], out=lambda _: None
    )
    (result,) = report.results
    assert result.recovered and result.within_budget is False
    assert not result.passed and not report.passed
    assert "ABOVE BUDGET" in report.summary()


def test_the_instance_recovery_runbook_marks_a_group_member_unhealthy_not_rebooted(synthesized_app, tmp_path):
    from datetime import UTC, datetime

    from tools.gameday.assembly import load_environment
    from tools.gameday.emulator import Emulator
    from tools.recovery_budget.latencies import Latencies
    from tools.simulation import fills
    from tools.simulation.drills_data import _runbook_env

    account = load_environment(synthesized_app.outdir, "dev")[0].account
    with Emulator(account=account) as emulator:
        sim = Sim(
            "instance-recovery",
            emulator,
            synthesized_app.outdir,
            "dev",
            Latencies(),
            tmp_path,
            datetime.now(UTC),
        )
        with fills.applied(sim.hooks):
            sim.deploy("ap-northeast-1")
            web = sim.web()
            instance = web.in_service()[0]
            _, logical_id, document = sim.world.runbook("Tokyo", "InstanceRecovery")
            env = _runbook_env(sim, "ap-northeast-1")
            env.command_outcome = lambda ids, doc, params: CommandOutcome(
                "Success",
                "HEALTH_CHECK_PASSED attempt=1\n"
                if any("curl" in c for c in params.get("commands", []))
                else "",
                "INJECTED",
                "the instance's scripted answer",
            )
            execution = run_runbook(document, name=logical_id, parameters={"InstanceId": instance}, env=env)
        sim.close()
    # A group member is never rebooted behind the group's back: the runbook marks it unhealthy and
    # the group replaces it (its recovery path is the group's, not the runbook's).
    assert execution.status == "Success", execution.path()
    path = execution.path()
    assert path[-1] == "NotifyReplacing:Success", path
    assert any(step.startswith("MarkUnhealthy") for step in path), path
    assert not any(step.startswith(("Reboot", "RestartService", "VerifyHealth")) for step in path), path


def test_the_command_lists_and_runs_simulated_drills_into_the_report(synthesized_app, tmp_path, capsys):
    from tools.gameday.cli import main
    from tools.simulation.fills import FILLS

    assert main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert all(f"drill {d.name}:" in listed for d in runner.drills())
    assert all(f"gap   {g.name}:" in listed for g in FILLS)

    report_file = tmp_path / "gameday.json"
    status = main(
        [
            "--env",
            "dev",
            "--assembly",
            str(synthesized_app.outdir),
            "--drill",
            "sim-pitr",
            "--report",
            str(report_file),
        ]
    )
    printed = capsys.readouterr().out
    assert status == 0, printed
    import json

    data = json.loads(report_file.read_text())
    (row,) = data["drills"]
    assert row["name"] == "sim-pitr" and row["environment"] == "dev" and row["recovered"] is True
    # The budget is an upper bound (worst values); the simulated PITR restore stays within it.
    assert row["simulated_detection_seconds"] == 0
    assert 0 < row["simulated_recovery_seconds"] <= row["budget_seconds"]
    assert data["passed"] is True


def test_the_command_refuses_an_environment_the_assembly_lacks(synthesized_app, capsys):
    from tools.gameday.cli import main

    status = main(["--env", "qa", "--assembly", str(synthesized_app.outdir), "--drill", "sim-pitr"])
    assert status == 2
    assert "environment 'qa' is not in the assembly" in capsys.readouterr().err
