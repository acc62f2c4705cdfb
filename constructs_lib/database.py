"""Deprecated import path: use :mod:`constructs_lib.data` (kept until every importer has moved)."""

from constructs_lib.data import (
    DEFAULT_ENGINE_VERSION,
    POSTGRES_PORT,
    DatabaseNetwork,
    DatabaseRole,
    ResilientDatabase,
    database_arn,
)

__all__ = [
    "DEFAULT_ENGINE_VERSION",
    "POSTGRES_PORT",
    "DatabaseNetwork",
    "DatabaseRole",
    "ResilientDatabase",
    "database_arn",
]
