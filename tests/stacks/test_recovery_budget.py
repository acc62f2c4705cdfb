"""The recovery budget read from the app's own synthesized templates."""

from __future__ import annotations

import copy
import json

from stacks.application import build_app, project_context
from tests.conftest import ROOT
from tools.recovery_budget import compute_budget

OVERRIDES = json.loads((ROOT / "budget-overrides.json").read_text())


def _budget_of_dev(tmp_path, **health_check):
    context = copy.deepcopy(project_context(ROOT))
    context["env"] = "dev"
    context["environments"]["dev"].setdefault("health_check", {}).update(health_check)
    app, _, _ = build_app(context, outdir=str(tmp_path), nag=False, builtin_validation=False)
    app.synth()
    return compute_budget(tmp_path, env="dev")["dev"]


def test_a_slower_target_group_health_check_moves_the_hung_process_budget(tmp_path):
    fast = _budget_of_dev(tmp_path / "fast", interval_seconds=10, unhealthy_threshold=2)
    slow = _budget_of_dev(tmp_path / "slow", interval_seconds=30, unhealthy_threshold=3)
    # /health failing is seen after interval x unhealthy threshold: 20 s -> 90 s.
    assert slow["process_hung"].detection_seconds - fast["process_hung"].detection_seconds == 90 - 20


def test_every_overridden_target_carries_a_reason():
    for scope, section in OVERRIDES["targets"].items():
        for scenario in section:
            assert len(OVERRIDES["reasons"][f"{scope}.{scenario}"]) > 40, (scope, scenario)


def test_every_environment_meets_its_recovery_targets(synthesized_app, tmp_path, capsys):
    """What `make budget` checks, on the session's synthesized app: CI fails on a missed target."""
    from tools.recovery_budget.cli import main

    code = main(
        [
            "--assembly",
            str(synthesized_app.outdir),
            "--out",
            str(tmp_path),
            "--overrides",
            str(ROOT / "budget-overrides.json"),
            "--no-chart",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    budget = json.loads((tmp_path / "budget.json").read_text())
    assert budget["status"] == "met"
    assert {e.lower() for e in budget["environments"]} == {"dev", "stg", "prod"}


def test_prod_region_loss_sees_a_lost_database_through_the_deep_regional_check(synthesized_app):
    from tools.recovery_budget.scenarios.region_detection import DATABASE_LOST

    region = compute_budget(synthesized_app.outdir, env="prod")["prod"]["region_loss"]
    lost = region.modes[DATABASE_LOST]
    assert lost.name.startswith(f"{DATABASE_LOST}: deep check Prod/Global/FailoverPrimaryEndpointHealthCheck")
    assert not any("no deep Route 53 check" in w for w in region.warnings)
    # the deep check's alarm waits five minutes in a row (it rides out a Multi-AZ failover)
    assert any("5 breaching datapoint(s)" in step.label for step in lost.steps)
