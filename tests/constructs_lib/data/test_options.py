"""The database's grouped props check themselves when built: size and retention in AWS's ranges."""

from __future__ import annotations

import re

import pytest

from constructs_lib.data import DatabaseBackup, DatabaseStorage
from constructs_lib.data.options import BACKUP_RETENTION_DAYS_RANGE, STORAGE_GIB_RANGE


@pytest.mark.parametrize("gib", [STORAGE_GIB_RANGE[0] - 1, STORAGE_GIB_RANGE[1] + 1])
def test_fails_when_storage_is_outside_what_gp3_accepts(gib):
    with pytest.raises(
        ValueError, match="^" + re.escape(f"storage.allocated_gib ({gib}) must be 20-65536 GiB.")
    ):
        DatabaseStorage(allocated_gib=gib, max_allocated_gib=70000)


def test_storage_at_the_bounds_builds():
    assert DatabaseStorage(allocated_gib=20).max_allocated_gib == 100
    assert DatabaseStorage(allocated_gib=65536, max_allocated_gib=65536).allocated_gib == 65536


@pytest.mark.parametrize("days", [0, 36, True])
def test_fails_when_backup_retention_is_outside_what_rds_keeps(days):
    low, high = BACKUP_RETENTION_DAYS_RANGE
    with pytest.raises(
        ValueError, match=rf"^backup\.retention_days \({days!r}\) must be {low}-{high}: 0 would"
    ):
        DatabaseBackup(retention_days=days)
