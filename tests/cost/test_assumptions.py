"""Usage assumptions: named, overridable per environment, and bad keys fail naming the key."""

from __future__ import annotations

import json

import pytest

from tests.cost.cost_templates import TOKYO, environment, resource
from tools.cost import DEFAULT_ASSUMPTIONS, Assumptions, estimate_environment
from tools.cost.assumptions import load_assumption_file, parse_assumption


def _nat_cost(prices, assumptions: Assumptions) -> float:
    env = environment({"Tokyo-Network": (TOKYO, resource("Nat", "AWS::EC2::NatGateway"))})
    return estimate_environment(env, prices, assumptions).monthly_usd


def test_every_assumption_says_its_unit_and_what_it_covers():
    for item in DEFAULT_ASSUMPTIONS.values():
        assert item.unit and len(item.description) > 15, item.name


def test_an_override_moves_the_cost_and_is_marked(prices):
    default = _nat_cost(prices, Assumptions())
    more = Assumptions({"nat_data_gb_active": 120.0})
    assert _nat_cost(prices, more) - default == pytest.approx((120 - 20) * 0.05)
    assert more["nat_data_gb_active"].overridden and not more["nat_data_gb_standby"].overridden


def test_environment_overrides_win_over_the_wildcard():
    scoped = {"*": {"nat_data_gb_active": 50}, "prod": {"nat_data_gb_active": 500}}
    assert Assumptions.for_environment("prod", scoped).v("nat_data_gb_active") == 500
    assert Assumptions.for_environment("dev", scoped).v("nat_data_gb_active") == 50


def test_fails_when_an_override_key_is_unknown():
    with pytest.raises(ValueError, match=r"unknown cost assumption 'nat_gb'.*nat_data_gb_active"):
        Assumptions.for_environment("prod", {"prod": {"nat_gb": 10}})
    with pytest.raises(ValueError, match=r"unknown cost assumption 'lcu'"):
        parse_assumption("lcu=3")


def test_fails_when_an_override_value_has_the_wrong_type():
    with pytest.raises(ValueError, match=r"alb_lcu_active .*number >= 0 in LCU, got -1"):
        Assumptions({"alb_lcu_active": -1})
    with pytest.raises(ValueError, match=r"backup_copies_incremental .*true or false"):
        Assumptions({"backup_copies_incremental": 1})
    with pytest.raises(ValueError, match=r"--assume expects NAME=VALUE"):
        parse_assumption("alb_lcu_active")


def test_fails_when_the_file_names_an_unknown_key(tmp_path):
    path = tmp_path / "cost.json"
    path.write_text(json.dumps({"assumptions": {"prod": {"alb_lcus": 2}}}))
    with pytest.raises(
        ValueError, match=r"unknown cost assumption 'alb_lcus' \(--assumptions .*: assumptions\.prod\)"
    ):
        load_assumption_file(path)
    path.write_text(json.dumps({"assumption": {}}))
    with pytest.raises(ValueError, match=r"unknown key\(s\): assumption"):
        load_assumption_file(path)


def test_command_line_values_parse_numbers_and_booleans():
    assert parse_assumption("alb_lcu_active=2.5") == ("alb_lcu_active", 2.5)
    assert parse_assumption("backup_copies_incremental=false") == ("backup_copies_incremental", False)
