"""The data tier: a PostgreSQL database for either region's role, and backups copied to the DR region.

- :mod:`~constructs_lib.data.database`: :class:`ResilientDatabase`.
- :mod:`~constructs_lib.data.network`: :class:`DatabaseNetwork`, where a database may run.
- :mod:`~constructs_lib.data.options`: the grouped props of a database (storage, backup, credentials,
  maintenance, monitoring, replica source).
- :mod:`~constructs_lib.data.props`: :class:`DatabaseRole`, :func:`database_arn`, the engine default.
- :mod:`~constructs_lib.data.backup`: :class:`CrossRegionBackup`, :class:`DrBackupVault`.
- :mod:`~constructs_lib.data.endpoint`: :class:`DatabaseEndpointParameter`, the host the app uses
  (switched by the point-in-time restore).
- :mod:`~constructs_lib.data.replication`: :class:`ReplicaLagAlarm`, replica lag that reaches people.
- :mod:`~constructs_lib.data.vault_lock`: :class:`VaultLock`, :class:`BackupAccountCopy` (what protects
  recovery points, and the steps a cross-account copy needs outside the app).
"""

from constructs_lib.data.backup import DEFAULT_VAULT_LOCK, CrossRegionBackup, DrBackupVault, backup_vault_arn
from constructs_lib.data.database import ResilientDatabase
from constructs_lib.data.endpoint import DatabaseEndpointParameter, endpoint_parameter_name
from constructs_lib.data.heartbeat import ReplicationHeartbeat
from constructs_lib.data.network import DatabaseNetwork
from constructs_lib.data.options import (
    BackupReplication,
    DatabaseBackup,
    DatabaseCredentials,
    DatabaseMaintenance,
    DatabaseMonitoring,
    DatabaseStorage,
    ReplicaSource,
)
from constructs_lib.data.props import DEFAULT_ENGINE_VERSION, POSTGRES_PORT, DatabaseRole, database_arn
from constructs_lib.data.replication import DEFAULT_REPLICA_LAG_THRESHOLD, ReplicaLagAlarm
from constructs_lib.data.vault_lock import BackupAccountCopy, VaultLock

__all__ = [
    "DEFAULT_ENGINE_VERSION",
    "DEFAULT_REPLICA_LAG_THRESHOLD",
    "DEFAULT_VAULT_LOCK",
    "POSTGRES_PORT",
    "BackupAccountCopy",
    "BackupReplication",
    "CrossRegionBackup",
    "DatabaseBackup",
    "DatabaseCredentials",
    "DatabaseEndpointParameter",
    "DatabaseMaintenance",
    "DatabaseMonitoring",
    "DatabaseNetwork",
    "DatabaseRole",
    "DatabaseStorage",
    "DrBackupVault",
    "ReplicaLagAlarm",
    "ReplicaSource",
    "ReplicationHeartbeat",
    "ResilientDatabase",
    "VaultLock",
    "backup_vault_arn",
    "database_arn",
    "endpoint_parameter_name",
]
