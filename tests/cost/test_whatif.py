"""Per-strategy what-if: each strategy synthesized, priced, and its region-loss RTO/RPO read."""

from __future__ import annotations

import pytest

from stacks.application import project_context
from tests.conftest import ROOT
from tools.cost import CostError, estimate_assembly, load_prices
from tools.cost.whatif import STRATEGIES, compare_strategies, strategy_environment


def test_only_warm_standby_keeps_instances_running_in_the_dr_region():
    prod = project_context(ROOT)["environments"]["prod"]
    assert prod["dr_capacity"]["min"] == 1
    pilot = strategy_environment(prod, "pilot_light")
    assert pilot["dr_strategy"] == "pilot_light"
    assert (pilot["dr_capacity"]["min"], pilot["dr_capacity"]["desired"]) == (0, 0)
    assert pilot["dr_capacity"]["max"] == prod["dr_capacity"]["max"]
    warm = strategy_environment(
        {"dr_strategy": "pilot_light", "dr_capacity": {"min": 0, "max": 4}}, "warm_standby"
    )
    assert warm["dr_capacity"] == {"min": 1, "max": 4, "desired": 1}
    assert "dr_capacity" not in strategy_environment({"dr_strategy": "pilot_light"}, "warm_standby")
    assert prod["dr_strategy"] == "warm_standby"  # the project's context is not modified


@pytest.mark.slow
def test_dev_strategies_trade_money_for_region_recovery(synthesized_app):
    """Two synths of dev (pilot light, warm standby); backup & restore is dev's own, from the session."""
    prices = load_prices()
    rows = compare_strategies(synthesized_app.outdir, prices, env=["dev"], context=project_context(ROOT))[
        "dev"
    ]
    assert list(rows) == list(STRATEGIES)
    configured = [s for s, r in rows.items() if r.configured]
    assert configured == ["backup_restore"]
    assert rows["backup_restore"].monthly_usd == pytest.approx(
        estimate_assembly(synthesized_app.outdir, prices, env="dev")["dev"].monthly_usd
    )
    backup, pilot, warm = (rows[s] for s in STRATEGIES)
    # A standby database (and, for warm standby, a running instance) costs money every month...
    assert backup.monthly_usd < pilot.monthly_usd < warm.monthly_usd
    assert pilot.by_category["database"] > backup.by_category["database"]
    assert warm.by_category["compute"] > pilot.by_category["compute"]
    # ...and loses less data than restoring backups. Not time, in dev: without public DNS its pilot light
    # has no failover runbook, so the recovery budget counts that failover done by hand, slower than
    # backup & restore's automated region restore (both are reported).
    assert pilot.region_rpo_seconds < backup.region_rpo_seconds
    assert pilot.region_rto_seconds and backup.region_rto_seconds


def test_fails_when_the_assembly_has_an_environment_the_context_lacks(synthesized_app):
    with pytest.raises(
        CostError, match=r"environment\(s\) dev of .* not in the app's context.*--no-strategies"
    ):
        compare_strategies(synthesized_app.outdir, load_prices(), env=["dev"], context={"environments": {}})
