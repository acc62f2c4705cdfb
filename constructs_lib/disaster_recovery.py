"""Deprecated import path: use :mod:`constructs_lib.dr` and :mod:`constructs_lib.data` (kept until every
importer has moved)."""

from constructs_lib.data import CrossRegionBackup, DrBackupVault, backup_vault_arn
from constructs_lib.dr import (
    DrStrategy,
    FailoverEndpoint,
    RegionalFailover,
    health_check_arn,
    region_switch_states,
)

__all__ = [
    "CrossRegionBackup",
    "DrBackupVault",
    "DrStrategy",
    "FailoverEndpoint",
    "RegionalFailover",
    "backup_vault_arn",
    "health_check_arn",
    "region_switch_states",
]
