"""Named constants: a typical and a worst value each, a source each, overridable by name."""

from __future__ import annotations

import pytest

from tools.recovery_budget import latencies as module
from tools.recovery_budget.latencies import TYPICAL_SUFFIX, Latencies, cite


def test_every_constant_has_a_typical_value_at_most_its_worst_and_a_source():
    for item in Latencies().values():
        assert 0 <= item.typical_value <= item.value, item.name
        assert item.title and item.note, item.name
        assert item.url.startswith("https://") or item.assumed, item.name


def test_the_module_constants_are_the_worst_and_typical_values_in_force():
    # other tools import the names: NAME is the worst value, NAME_TYPICAL the typical one
    for item in Latencies().values():
        assert getattr(module, item.name) == item.value
        assert getattr(module, item.name + TYPICAL_SUFFIX) == item.typical_value


def test_documented_ranges_are_kept_apart_from_assumptions():
    table = Latencies()
    assert (table.typ("RDS_MULTI_AZ_FAILOVER_SECONDS"), table.s("RDS_MULTI_AZ_FAILOVER_SECONDS")) == (90, 180)
    assert table["RDS_MULTI_AZ_FAILOVER_SECONDS"].assumed  # the worst lies above AWS's typical 60-120 s
    assert table["ALIAS_ELB_TTL_SECONDS"].value == 60 and not table["ALIAS_ELB_TTL_SECONDS"].assumed


def test_overriding_the_worst_caps_the_typical_and_a_typical_override_stands_alone():
    table = Latencies({"RDS_MULTI_AZ_FAILOVER_SECONDS": 60})
    assert (table.typ("RDS_MULTI_AZ_FAILOVER_SECONDS"), table.s("RDS_MULTI_AZ_FAILOVER_SECONDS")) == (60, 60)
    typical = Latencies({"RDS_MULTI_AZ_FAILOVER_SECONDS_TYPICAL": 70})
    assert (typical.typ("RDS_MULTI_AZ_FAILOVER_SECONDS"), typical.s("RDS_MULTI_AZ_FAILOVER_SECONDS")) == (
        70,
        180,
    )
    assert cite(typical, "RDS_MULTI_AZ_FAILOVER_SECONDS") == (
        "RDS_MULTI_AZ_FAILOVER_SECONDS=180s, typical 70s (overridden)"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"BOOT": 1}, "unknown latency 'BOOT'"),
        ({"BOOT_TYPICAL": 1}, "unknown latency 'BOOT_TYPICAL'"),
        ({"INSTANCE_BOOT_SECONDS": -1}, "must be a number of seconds >= 0"),
        ({"INSTANCE_BOOT_SECONDS_TYPICAL": 500}, "is above the worst value INSTANCE_BOOT_SECONDS=120"),
    ],
)
def test_fails_naming_a_bad_override(overrides, message):
    with pytest.raises(ValueError, match=message):
        Latencies(overrides)


def test_the_restart_round_and_the_functions_rounds_are_the_library_s_own():
    # A restart round is what the library's Command document probes before it restarts again; the
    # healing function sends its own RetryCount. Change either and this budget constant must follow.
    from constructs_lib.healing.commands import RESTART_ROUND_SECONDS
    from lambda_src.auto_heal.contract import COMMAND_RETRIES_BY_FUNCTION
    from tools.recovery_budget.latencies import FUNCTION_RESTART_ROUNDS

    assert Latencies().s("COMMAND_RESTART_ROUND_SECONDS") == RESTART_ROUND_SECONDS
    assert FUNCTION_RESTART_ROUNDS == COMMAND_RETRIES_BY_FUNCTION + 1
