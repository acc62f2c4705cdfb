"""SSM Automation runbooks (schema 0.3), each with its own least-privilege role.

=====================================  ==========================================================
construct                              what it does (deploy it in ...)
=====================================  ==========================================================
:class:`InstanceRecoveryRunbook`       Reboot or start one standalone EC2 instance, capture
                                       diagnostics, restart its service unit, verify its health
                                       endpoint; an Auto Scaling group member is never rebooted:
                                       it is marked unhealthy and its group replaces it.
:class:`RegionFailoverRunbook`         Unplanned: promote this region's replica, scale the web
                                       service out, open this region's DNS switch, close the
                                       other's, verify, notify. (the DR region: a runbook in the
                                       failed region could not run)
:class:`RegionFailbackRunbook`         Planned, explicit: freeze writes in the region serving now
                                       (pause switch on, its group to zero), wait for this
                                       region's replica to catch up, then the failover steps.
                                       (the region traffic returns to, the home region)
:class:`PitrRestoreRunbook`            Restore the database to a new instance at a given time
                                       (accidental deletion). (the primary's region)
:class:`PitrDrillRunbook`              Restore to the latest restorable time, check, delete.
:class:`BackupRestoreDrillRunbook`     Restore the newest AWS Backup copy in the DR vault, check,
                                       delete; reports the copy's age (the achieved RPO).
:class:`DatabaseFailoverDrillRunbook`  Reboot the Multi-AZ primary with failover, verify the zone
                                       changed.
:class:`RegionRestoreRunbook`          Backup & restore after losing the primary region: pause
                                       healing, restore the database from the replicated automated
                                       backups (else the newest AWS Backup copy), scale the web
                                       service out, optionally switch DNS, notify. (the DR region)
=====================================  ==========================================================

Every document is built by a pure function (``*_document``) so tests can check the step graph
with :mod:`constructs_lib.runbooks.validation` and :mod:`constructs_lib.runbooks.graph` without
synthesizing. Steps call AWS through
``aws:executeAwsApi``/``aws:waitForAwsResourceProperty`` where a single call suffices, and through
``aws:executeScript`` (Python 3.11, boto3) where a decision needs more than a JSONPath: whether an
instance is still a replica (an absent field), polling until a promotion ends, health-check
observations, replica lag, the newest recovery point, another region's resources. The scripts are
the plain functions of :mod:`constructs_lib.runbooks.scripts`, shipped with :func:`inspect.getsource`; their
boto3 calls are listed in :data:`SCRIPT_IAM_ACTIONS` and granted to the role (the tests compare the
two). Every failing step goes to a ``NotifyFailure`` step, so the final status is *Failed* and the
on-call is told; drills delete what they created on every path.

Constructs take the library's shared values (``Naming``, an ``IPauseSwitch``, ``AppProbe``) and, where
they need many facts, the grouped props of :mod:`constructs_lib.runbooks.props` (``WebCapacity``,
``RegionSwitches``, ``StandbyDatabase``, ``ServingRegion``, ``DatabasePlacement``, ``RestoreSource``,
``RestoreTarget``).
"""

from constructs_lib.runbooks.drills import (
    BackupRestoreDrillRunbook,
    DatabaseFailoverDrillRunbook,
    PitrDrillRunbook,
    backup_restore_drill_document,
    database_failover_drill_document,
    pitr_drill_document,
)
from constructs_lib.runbooks.graph import reachable, steps_without_explicit_timing, successors
from constructs_lib.runbooks.instance_recovery import (
    HEALTH_FAILED_MARKER,
    HEALTH_PASSED_MARKER,
    InstanceRecoveryRunbook,
    instance_recovery_document,
)
from constructs_lib.runbooks.pitr import PitrRestoreRunbook, pitr_restore_document
from constructs_lib.runbooks.props import (
    DatabasePlacement,
    EndpointSwitch,
    RegionSwitches,
    RestoreSource,
    RestoreTarget,
    ServingRegion,
    StandbyDatabase,
    WebCapacity,
)
from constructs_lib.runbooks.region_restore import RegionRestoreRunbook, region_restore_document
from constructs_lib.runbooks.region_switch import (
    RegionFailbackRunbook,
    RegionFailoverRunbook,
    region_switch_document,
)
from constructs_lib.runbooks.scripts import SCRIPT_IAM_ACTIONS
from constructs_lib.runbooks.validation import (
    KNOWN_ACTIONS,
    granted_iam_actions,
    missing_iam_actions,
    required_iam_actions,
    validate_automation_document,
)

__all__ = [
    "HEALTH_FAILED_MARKER",
    "HEALTH_PASSED_MARKER",
    "KNOWN_ACTIONS",
    "SCRIPT_IAM_ACTIONS",
    "BackupRestoreDrillRunbook",
    "DatabaseFailoverDrillRunbook",
    "DatabasePlacement",
    "EndpointSwitch",
    "InstanceRecoveryRunbook",
    "PitrDrillRunbook",
    "PitrRestoreRunbook",
    "RegionFailbackRunbook",
    "RegionFailoverRunbook",
    "RegionRestoreRunbook",
    "RegionSwitches",
    "RestoreSource",
    "RestoreTarget",
    "ServingRegion",
    "StandbyDatabase",
    "WebCapacity",
    "backup_restore_drill_document",
    "database_failover_drill_document",
    "granted_iam_actions",
    "instance_recovery_document",
    "missing_iam_actions",
    "pitr_drill_document",
    "pitr_restore_document",
    "reachable",
    "region_restore_document",
    "region_switch_document",
    "required_iam_actions",
    "steps_without_explicit_timing",
    "successors",
    "validate_automation_document",
]
