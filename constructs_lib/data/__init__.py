"""The data tier: a PostgreSQL database for either region's role, and backups copied to the DR region.

- :mod:`~constructs_lib.data.database`: :class:`ResilientDatabase`.
- :mod:`~constructs_lib.data.network`: :class:`DatabaseNetwork`, where a database may run.
- :mod:`~constructs_lib.data.props`: :class:`DatabaseRole`, :func:`database_arn`, the engine default.
- :mod:`~constructs_lib.data.backup`: :class:`CrossRegionBackup`, :class:`DrBackupVault`.
"""

from constructs_lib.data.backup import CrossRegionBackup, DrBackupVault, backup_vault_arn
from constructs_lib.data.database import ResilientDatabase
from constructs_lib.data.network import DatabaseNetwork
from constructs_lib.data.props import DEFAULT_ENGINE_VERSION, POSTGRES_PORT, DatabaseRole, database_arn

__all__ = [
    "DEFAULT_ENGINE_VERSION",
    "POSTGRES_PORT",
    "CrossRegionBackup",
    "DatabaseNetwork",
    "DatabaseRole",
    "DrBackupVault",
    "ResilientDatabase",
    "backup_vault_arn",
    "database_arn",
]
