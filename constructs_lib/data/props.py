"""What a database is and may be: its role, its ARN, its engine default, and the checks of its props.

:class:`~constructs_lib.data.database.ResilientDatabase` validates its props here before it creates
anything, so a bad value fails with a message that names it and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

import aws_cdk as cdk
from aws_cdk import aws_rds as rds

__all__ = ["DEFAULT_ENGINE_VERSION", "POSTGRES_PORT", "DatabaseRole", "database_arn"]

#: PostgreSQL 17.9, the newest 17.x aws-cdk-lib 2.275 names. Automatic minor upgrades move running
#: instances past it; CloudFormation does not downgrade them (it sends ``EngineVersion`` only when
#: the template's value changes). A major-only ``"17"`` is refused by cfn-lint as deprecated for
#: new instances.
DEFAULT_ENGINE_VERSION = rds.PostgresEngineVersion.VER_17_9
POSTGRES_PORT = 5432

_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_DB_ARN = re.compile(
    r"^arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):db:(?P<id>[a-z][a-z0-9-]*)$"
)
_DB_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")
_USERNAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$")
_RESERVED_USERNAMES = frozenset({"rdsadmin", "rdsrepladmin", "postgres", "admin", "root", "rds_superuser"})


class DatabaseRole(StrEnum):
    """What a region's database is now."""

    PRIMARY = "primary"
    """Accepts writes; has automated backups and (optionally) backup replication."""
    REPLICA = "replica"
    """Cross-region read replica of ``source_database_arn``; read-only until promoted."""

    @classmethod
    def parse(cls, value: DatabaseRole | str) -> DatabaseRole:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(repr(r.value) for r in cls)
            raise ValueError(f"role ({value!r}) must be one of {allowed}.") from None


def database_arn(*, account: str, region: str, instance_identifier: str, partition: str = "aws") -> str:
    """ARN of an RDS DB instance, built from names so that no ARN is copied by hand between stacks."""
    return f"arn:{partition}:rds:{region}:{account}:db:{instance_identifier}"


def _validate_identifier(value: str, *, prop: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(
            f"{prop} ({value!r}) must be 1-63 lowercase letters, digits or '-', start with a letter, "
            "and contain no '--' nor end with '-' (RDS DB instance identifier rules)."
        )
    return value


def _validate_region(value: str, *, prop: str) -> str:
    if not _REGION.match(value):
        raise ValueError(f"{prop} ({value!r}) must be a region code such as 'ap-northeast-3'.")
    return value


def _validate_props(
    *,
    stack: cdk.Stack,
    role: DatabaseRole,
    source_database_arn: str | None,
    source_region: str | None,
    promoted: bool,
    allocated_storage_gib: int,
    max_allocated_storage_gib: int,
    backup_retention_days: int,
    preferred_backup_window: str,
    database_name: str,
    master_username: str,
    owns_master_secret: bool,
    secret_replica_regions: Mapping[str, str | None],
    backup_replication_region: str | None,
    backup_replication_kms_key_arn: str | None,
    backup_replication_retention_days: int | None,
    monitoring_interval: cdk.Duration | None,
) -> None:
    region = None if cdk.Token.is_unresolved(stack.region) else stack.region
    if role is DatabaseRole.REPLICA:
        if promoted:
            raise ValueError(
                "promoted=True describes a primary that was created as a replica; with "
                "role='replica' set promoted=False (or role='primary' after the promotion)."
            )
        if not source_database_arn or not source_region:
            raise ValueError(
                f"role='replica' needs source_database_arn ({source_database_arn!r}) and source_region "
                f"({source_region!r}): pass the primary's ARN (see database_arn()) and region."
            )
        _validate_region(source_region, prop="source_region")
        if source_region == region:
            raise ValueError(
                f"source_region ({source_region!r}) is the stack's own region: this construct makes "
                "cross-region replicas; place the replica's stack in the DR region."
            )
        if not cdk.Token.is_unresolved(source_database_arn):
            match = _DB_ARN.match(source_database_arn)
            if not match:
                raise ValueError(
                    f"source_database_arn ({source_database_arn!r}) must be an RDS DB instance ARN "
                    "(arn:aws:rds:<region>:<account>:db:<identifier>); build it with database_arn()."
                )
            if match["region"] != source_region:
                raise ValueError(
                    f"source_database_arn is in {match['region']!r} but source_region is "
                    f"{source_region!r}: they must name the same region."
                )
        if backup_replication_region is not None:
            raise ValueError(
                "backup_replication_region applies to a primary only: a replica has no automated "
                "backups to replicate. Set it on the primary, or after promotion."
            )
    elif source_database_arn or source_region:
        raise ValueError(
            f"source_database_arn/source_region are only for role='replica' (role is {role.value!r}): "
            "remove them, or set role='replica'."
        )
    if not 20 <= allocated_storage_gib <= 65536:
        raise ValueError(f"allocated_storage_gib ({allocated_storage_gib}) must be 20-65536 GiB.")
    if max_allocated_storage_gib < allocated_storage_gib:
        raise ValueError(
            f"max_allocated_storage_gib ({max_allocated_storage_gib}) must be >= allocated_storage_gib "
            f"({allocated_storage_gib})."
        )
    if not 1 <= backup_retention_days <= 35:
        raise ValueError(
            f"backup_retention_days ({backup_retention_days}) must be 1-35: 0 would turn off "
            "point-in-time recovery and read replicas, and RDS keeps at most 35 days."
        )
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", preferred_backup_window):
        raise ValueError(
            f"preferred_backup_window ({preferred_backup_window!r}) must be 'hh24:mi-hh24:mi' in UTC, "
            "e.g. '17:00-18:00'."
        )
    if not _DB_NAME.match(database_name):
        raise ValueError(
            f"database_name ({database_name!r}) must start with a letter and use letters, digits, '_'."
        )
    if not _USERNAME.match(master_username) or master_username.lower() in _RESERVED_USERNAMES:
        raise ValueError(
            f"master_username ({master_username!r}) must be 1-16 letters, digits or '_', start with a "
            f"letter, and not be reserved ({', '.join(sorted(_RESERVED_USERNAMES))})."
        )
    if secret_replica_regions and not owns_master_secret:
        raise ValueError(
            "secret_replica_regions needs owns_master_secret: only the region that owns the secret "
            "replicates it. Set it on the primary region's database."
        )
    for replica_region in secret_replica_regions:
        _validate_region(replica_region, prop="secret_replica_regions key")
        if replica_region == region:
            raise ValueError(
                f"secret_replica_regions names the stack's own region ({replica_region!r}); list "
                "only other regions."
            )
    if backup_replication_region is not None:
        _validate_region(backup_replication_region, prop="backup_replication_region")
        if backup_replication_region == region:
            raise ValueError(
                f"backup_replication_region ({backup_replication_region!r}) is the stack's own "
                "region; name the DR region."
            )
        if not backup_replication_kms_key_arn:
            raise ValueError(
                "backup_replication_kms_key_arn is required with backup_replication_region: encrypted "
                f"backups in {backup_replication_region} need a key of that region."
            )
    if backup_replication_retention_days is not None and not 1 <= backup_replication_retention_days <= 35:
        raise ValueError(
            f"backup_replication_retention_days ({backup_replication_retention_days}) must be 1-35."
        )
    if monitoring_interval is not None and monitoring_interval.to_seconds() not in (1, 5, 10, 15, 30, 60):
        raise ValueError(
            f"monitoring_interval ({monitoring_interval.to_seconds()} s) must be 1, 5, 10, 15, 30 or 60 "
            "seconds, or None to turn enhanced monitoring off."
        )
