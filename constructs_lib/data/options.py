"""The grouped props of :class:`~constructs_lib.data.database.ResilientDatabase`.

Each group is a frozen value with documented defaults, validated when it is built, so a bad value
fails where it is written (``DatabaseBackup(retention_days=0)``) with a message naming it and the fix.
Every time in these values is UTC: the library assumes no region and no time zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from constructs_lib._core import validate_region

__all__ = [
    "BackupReplication",
    "DatabaseBackup",
    "DatabaseCredentials",
    "DatabaseMaintenance",
    "DatabaseMonitoring",
    "DatabaseStorage",
    "ReplicaSource",
]

_DB_ARN = re.compile(
    r"^arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):db:(?P<id>[a-z][a-z0-9-]*)$"
)
_DB_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
_USERNAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$")
_RESERVED_USERNAMES = frozenset({"rdsadmin", "rdsrepladmin", "postgres", "admin", "root", "rds_superuser"})
#: RDS backup window, ``hh24:mi-hh24:mi`` in UTC (RDS User Guide, "Backup window").
_BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
#: RDS maintenance window, ``ddd:hh24:mi-ddd:hh24:mi`` in UTC (RDS User Guide, "Maintaining a DB
#: instance", the weekly maintenance window).
_MAINTENANCE_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$"
)
#: Enhanced monitoring intervals RDS accepts (CreateDBInstance, ``MonitoringInterval``), seconds.
ENHANCED_MONITORING_INTERVALS_SECONDS = (1, 5, 10, 15, 30, 60)
#: Automated backups are kept 1-35 days (RDS User Guide, "Backup retention period"); 0 would turn off
#: point-in-time recovery and read replicas.
BACKUP_RETENTION_DAYS_RANGE = (1, 35)
#: gp3 storage of RDS for PostgreSQL: 20-65,536 GiB (RDS User Guide, "Amazon RDS DB instance storage").
STORAGE_GIB_RANGE = (20, 65536)


def _validate_retention_days(value: int, *, prop: str) -> int:
    low, high = BACKUP_RETENTION_DAYS_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            f"{prop} ({value!r}) must be {low}-{high}: 0 would turn off point-in-time recovery and read "
            f"replicas, and RDS keeps at most {high} days."
        )
    return value


@dataclass(frozen=True, kw_only=True)
class ReplicaSource:
    """The primary a cross-region read replica follows.

    :param database_arn: ARN of the source DB instance (build it with ``database_arn()``; a token is
        accepted and not checked).
    :param region: Region of the source. Must differ from the replica's stack region.
    """

    database_arn: str
    region: str

    def __post_init__(self) -> None:
        validate_region(self.region, prop="replica_source.region")
        if cdk.Token.is_unresolved(self.database_arn):
            return
        match = _DB_ARN.match(self.database_arn)
        if not match:
            raise ValueError(
                f"replica_source.database_arn ({self.database_arn!r}) must be an RDS DB instance ARN "
                "(arn:aws:rds:<region>:<account>:db:<identifier>); build it with database_arn()."
            )
        if match["region"] != self.region:
            raise ValueError(
                f"replica_source.database_arn is in {match['region']!r} but replica_source.region is "
                f"{self.region!r}: they must name the same region."
            )


@dataclass(frozen=True, kw_only=True)
class DatabaseStorage:
    """gp3 storage with storage autoscaling.

    :param allocated_gib: Initial storage (a primary's; a replica inherits its source's). Default: 20 GiB.
    :param max_allocated_gib: Storage autoscaling ceiling. Default: 100 GiB.
    """

    allocated_gib: int = 20
    max_allocated_gib: int = 100

    def __post_init__(self) -> None:
        low, high = STORAGE_GIB_RANGE
        if not low <= self.allocated_gib <= high:
            raise ValueError(f"storage.allocated_gib ({self.allocated_gib}) must be {low}-{high} GiB.")
        if not self.allocated_gib <= self.max_allocated_gib <= high:
            raise ValueError(
                f"storage.max_allocated_gib ({self.max_allocated_gib}) must be between storage.allocated_gib "
                f"({self.allocated_gib}) and {high} GiB: raise it with the allocated size."
            )


@dataclass(frozen=True, kw_only=True)
class BackupReplication:
    """Automated backups (and transaction logs, so point-in-time recovery works there) copied by RDS
    to another region (``AutomaticBackupReplication*`` of ``AWS::RDS::DBInstance``). Primary only.

    :param region: The other region.
    :param kms_key_arn: Key ARN *in that region* for the replicated backups (encrypted backups need a
        key of the region they are kept in).
    :param retention_days: Retention there, 1-35 days. Default: the database's ``retention_days``.
    """

    region: str
    kms_key_arn: str
    retention_days: int | None = None

    def __post_init__(self) -> None:
        validate_region(self.region, prop="backup.replication.region")
        if not self.kms_key_arn:
            raise ValueError(
                "backup.replication.kms_key_arn is required: encrypted backups in "
                f"{self.region} need a key of that region."
            )
        if self.retention_days is not None:
            _validate_retention_days(self.retention_days, prop="backup.replication.retention_days")


@dataclass(frozen=True, kw_only=True)
class DatabaseBackup:
    """Automated backups: point-in-time recovery for ``retention_days``.

    :param retention_days: Automated-backup (PITR) retention, 1-35 days. Default: 7.
    :param preferred_window: Daily backup window, ``hh24:mi-hh24:mi`` in UTC, at least 30 minutes,
        outside the maintenance window. Default: RDS assigns a 30-minute window at random from an
        8-hour block of the region (RDS User Guide, "Backup window").
    :param replication: Copy the automated backups to another region. Default: not copied.
    """

    retention_days: int = 7
    preferred_window: str | None = None
    replication: BackupReplication | None = None

    def __post_init__(self) -> None:
        _validate_retention_days(self.retention_days, prop="backup.retention_days")
        if self.preferred_window is not None and not _BACKUP_WINDOW.match(self.preferred_window):
            raise ValueError(
                f"backup.preferred_window ({self.preferred_window!r}) must be 'hh24:mi-hh24:mi' in UTC, "
                "e.g. '17:00-18:00'."
            )


@dataclass(frozen=True, kw_only=True)
class DatabaseCredentials:
    """The initial database, its master user and the Secrets Manager secret that holds them.

    :param database_name: Initial database (primary only). Default: ``app``.
    :param master_username: Master user (primary only). Default: ``dbadmin``.
    :param secret_name: Name of the master secret, the same in every region (replicas import the
        replicated copy by this name). Default: ``rds/<instance identifier>/master``.
    :param owns_secret: Whether this database creates the master secret. Default: true for a primary
        that was not promoted, false otherwise (the secret is the replicated copy). Pass ``True`` in
        the home region in *every* role, so that the deploy after a failover (home region now a
        replica) does not delete the secret the promoted region reads; the secret is attached to the
        instance and rotated only while that instance is the primary.
    :param secret_replica_regions: Regions to replicate the secret to, each with the KMS key (alias
        name, key id or ARN *in that region*) that encrypts it there; ``None`` uses
        ``aws/secretsmanager``. Only when the secret is owned. Default: not replicated.
    :param rotation_interval: How often the master password rotates. Default: 30 days.
    """

    database_name: str = "app"
    master_username: str = "dbadmin"
    secret_name: str | None = None
    owns_secret: bool | None = None
    secret_replica_regions: Mapping[str, str | None] = field(default_factory=dict)
    rotation_interval: cdk.Duration | None = None

    def __post_init__(self) -> None:
        if not _DB_NAME.match(self.database_name):
            raise ValueError(
                f"credentials.database_name ({self.database_name!r}) must start with a letter and use "
                "letters, digits, '_'."
            )
        if not _USERNAME.match(self.master_username) or self.master_username.lower() in _RESERVED_USERNAMES:
            raise ValueError(
                f"credentials.master_username ({self.master_username!r}) must be 1-16 letters, digits or "
                f"'_', start with a letter, and not be reserved ({', '.join(sorted(_RESERVED_USERNAMES))})."
            )
        object.__setattr__(self, "secret_replica_regions", dict(self.secret_replica_regions or {}))
        for region in self.secret_replica_regions:
            validate_region(region, prop="credentials.secret_replica_regions key")


@dataclass(frozen=True, kw_only=True)
class DatabaseMaintenance:
    """When RDS may patch the instance, and which upgrades it may apply.

    :param preferred_window: Weekly maintenance window, ``ddd:hh24:mi-ddd:hh24:mi`` in UTC, e.g.
        ``sun:18:00-sun:19:00``. Default: RDS assigns a 30-minute window at random from an 8-hour
        block of the region, on a random day (RDS User Guide, "Maintenance window").
    :param auto_minor_version_upgrade: Let RDS apply minor engine upgrades in the window. Default: true.
    """

    preferred_window: str | None = None
    auto_minor_version_upgrade: bool = True

    def __post_init__(self) -> None:
        if self.preferred_window is not None and not _MAINTENANCE_WINDOW.match(self.preferred_window):
            raise ValueError(
                f"maintenance.preferred_window ({self.preferred_window!r}) must be "
                "'ddd:hh24:mi-ddd:hh24:mi' in UTC, e.g. 'sun:18:00-sun:19:00'."
            )


@dataclass(frozen=True, kw_only=True)
class DatabaseMonitoring:
    """What the database reports: enhanced monitoring, Performance Insights, exported logs.

    :param interval: Enhanced monitoring interval (1, 5, 10, 15, 30 or 60 s), or ``None`` to turn it
        off. Default: 60 s.
    :param performance_insights: Turn on Performance Insights (7 days, the free tier). Default: true.
    :param log_retention: Retention of the exported PostgreSQL logs. Default: one month.
    :param replica_lag_alarm: In role ``replica``, create a :class:`ReplicaLagAlarm` (exposed in
        ``alarms``). Turn it off when the severity composites live in another stack and build the
        alarm there (a composite and the alarms it names must share a stack). Default: true.
    :param replica_lag_threshold: Lag that alarms. Default: 60 s.
    """

    interval: cdk.Duration | None = field(default_factory=lambda: cdk.Duration.minutes(1))
    performance_insights: bool = True
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    replica_lag_alarm: bool = True
    replica_lag_threshold: cdk.Duration = field(default_factory=lambda: cdk.Duration.seconds(60))

    def __post_init__(self) -> None:
        if (
            self.interval is not None
            and self.interval.to_seconds() not in ENHANCED_MONITORING_INTERVALS_SECONDS
        ):
            raise ValueError(
                f"monitoring.interval ({self.interval.to_seconds()} s) must be 1, 5, 10, 15, 30 or 60 "
                "seconds, or None to turn enhanced monitoring off."
            )
