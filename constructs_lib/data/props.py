"""What a database is and may be: its role, its ARN, its engine default, and the checks of its props.

:class:`~constructs_lib.data.database.ResilientDatabase` validates its props here before it creates
anything, so a bad value fails with a message that names it and the fix.
"""

from __future__ import annotations

import re
from enum import StrEnum

import aws_cdk as cdk
from aws_cdk import aws_rds as rds

from constructs_lib.data.options import DatabaseBackup, DatabaseCredentials, ReplicaSource, validate_region

__all__ = ["DEFAULT_ENGINE_VERSION", "POSTGRES_PORT", "DatabaseRole", "database_arn"]

#: PostgreSQL 17.9, the newest 17.x aws-cdk-lib 2.275 names. Automatic minor upgrades move running
#: instances past it; CloudFormation does not downgrade them (it sends ``EngineVersion`` only when
#: the template's value changes). A major-only ``"17"`` is refused by cfn-lint as deprecated for
#: new instances.
DEFAULT_ENGINE_VERSION = rds.PostgresEngineVersion.VER_17_9
POSTGRES_PORT = 5432

_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")


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


def _validate_region(value: str, *, prop: str) -> str:
    return validate_region(value, prop=prop)


def _validate_identifier(value: str, *, prop: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(
            f"{prop} ({value!r}) must be 1-63 lowercase letters, digits or '-', start with a letter, "
            "and contain no '--' nor end with '-' (RDS DB instance identifier rules)."
        )
    return value


def _validate_props(
    *,
    stack: cdk.Stack,
    role: DatabaseRole,
    replica_source: ReplicaSource | None,
    promoted: bool,
    credentials: DatabaseCredentials,
    owns_master_secret: bool,
    backup: DatabaseBackup,
) -> None:
    """The checks that need more than one group of props (each group checks itself when built)."""
    region = None if cdk.Token.is_unresolved(stack.region) else stack.region
    replication = backup.replication
    if role is DatabaseRole.REPLICA:
        if promoted:
            raise ValueError(
                "promoted=True describes a primary that was created as a replica; with "
                "role='replica' set promoted=False (or role='primary' after the promotion)."
            )
        if replica_source is None:
            raise ValueError(
                "role='replica' needs replica_source=ReplicaSource(database_arn=..., region=...): pass the "
                "primary's ARN (see database_arn()) and region."
            )
        if replica_source.region == region:
            raise ValueError(
                f"replica_source.region ({replica_source.region!r}) is the stack's own region: this "
                "construct makes cross-region replicas; place the replica's stack in the DR region."
            )
        if replication is not None:
            raise ValueError(
                "backup.replication applies to a primary only: a replica has no automated backups to "
                "replicate. Set it on the primary, or after promotion."
            )
    elif replica_source is not None:
        raise ValueError(
            f"replica_source is only for role='replica' (role is {role.value!r}): remove it, or set "
            "role='replica'."
        )
    if credentials.secret_replica_regions and not owns_master_secret:
        raise ValueError(
            "credentials.secret_replica_regions needs credentials.owns_secret: only the region that owns "
            "the secret replicates it. Set it on the primary region's database."
        )
    for replica_region in credentials.secret_replica_regions:
        if replica_region == region:
            raise ValueError(
                f"credentials.secret_replica_regions names the stack's own region ({replica_region!r}); "
                "list only other regions."
            )
    if replication is not None and replication.region == region:
        raise ValueError(
            f"backup.replication.region ({replication.region!r}) is the stack's own region; name the DR "
            "region."
        )
