"""Old path of the disaster-recovery runbooks, kept while imports move to :mod:`constructs_lib.runbooks`."""

from constructs_lib.runbooks.drills import (
    BackupRestoreDrillRunbook,
    DatabaseFailoverDrillRunbook,
    PitrDrillRunbook,
    backup_restore_drill_document,
    database_failover_drill_document,
    pitr_drill_document,
)
from constructs_lib.runbooks.pitr import PitrRestoreRunbook, pitr_restore_document
from constructs_lib.runbooks.region_restore import RegionRestoreRunbook, region_restore_document
from constructs_lib.runbooks.region_switch import (
    RegionFailbackRunbook,
    RegionFailoverRunbook,
    region_switch_document,
)
from constructs_lib.runbooks.scripts import (  # noqa: F401
    SCRIPT_IAM_ACTIONS,
    choose_restore_source,
    delete_instance,
    describe_database,
    find_latest_recovery_point,
    freeze_region,
    wait_for_in_service_instances,
    wait_for_replica_lag,
    wait_until_endpoint_healthy,
    wait_until_promoted,
)

__all__ = [
    "SCRIPT_IAM_ACTIONS",
    "BackupRestoreDrillRunbook",
    "DatabaseFailoverDrillRunbook",
    "PitrDrillRunbook",
    "PitrRestoreRunbook",
    "RegionFailbackRunbook",
    "RegionFailoverRunbook",
    "RegionRestoreRunbook",
    "backup_restore_drill_document",
    "database_failover_drill_document",
    "pitr_drill_document",
    "pitr_restore_document",
    "region_restore_document",
    "region_switch_document",
]
