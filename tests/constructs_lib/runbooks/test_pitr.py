"""Point-in-time restore into a new instance."""

from __future__ import annotations

from tests.constructs_lib.runbooks.helpers import DB, DOCUMENTS, steps_by_name


def test_pitr_restore_accepts_only_utc_timestamps_and_names_after_the_source():
    import re

    parameters = DOCUMENTS["pitr_restore"]["parameters"]
    time_pattern = re.compile(parameters["RestoreTime"]["allowedPattern"])
    assert time_pattern.search("2026-01-31T09:15:00Z")
    for bad in ("yesterday", "2026-01-31 09:15", "2026-01-31T09:15:00+09:00"):
        assert not time_pattern.search(bad)
    name_pattern = re.compile(parameters["TargetDBInstanceIdentifier"]["allowedPattern"])
    assert name_pattern.search(f"{DB}-restored-0131")
    for bad in ("other-db", f"{DB}-", f"{DB}--x", f"{DB}-UPPER"):
        assert not name_pattern.search(bad)
    restore = steps_by_name(DOCUMENTS["pitr_restore"])["RestoreToPointInTime"]["inputs"]
    assert restore["DeletionProtection"] is True and restore["PubliclyAccessible"] is False
    assert {"Key": "Environment", "Value": "prod"} in restore["Tags"]
