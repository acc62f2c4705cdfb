"""DR strategies: each includes the one before; an unknown name lists the valid ones."""

from __future__ import annotations

import pytest

from constructs_lib.dr.strategy import DrStrategy


def test_each_strategy_includes_the_one_before():
    assert [s.value for s in DrStrategy] == ["backup_restore", "pilot_light", "warm_standby"]
    backup, pilot, warm = DrStrategy
    assert all(s.copies_backups and s.replicates_automated_backups for s in DrStrategy)
    assert (backup.has_standby_database, pilot.has_standby_database, warm.has_standby_database) == (
        False,
        True,
        True,
    )
    assert (backup.standby_capacity(minimum=2), pilot.standby_capacity(minimum=2)) == (0, 0)
    assert warm.standby_capacity(minimum=2) == 2
    assert warm.standby_capacity(minimum=0) == 1  # warm standby always runs at least one instance
    assert not backup.fails_over_by_promotion and warm.fails_over_by_promotion


def test_fails_when_the_strategy_is_unknown():
    assert DrStrategy.parse("pilot_light") is DrStrategy.PILOT_LIGHT
    with pytest.raises(ValueError, match="DR strategy 'hot_standby' is not one of 'backup_restore', "):
        DrStrategy.parse("hot_standby")
