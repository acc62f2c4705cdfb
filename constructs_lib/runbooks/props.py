"""Grouped props of the runbook constructs: typed values, each checked where it is built.

A runbook that needs a dozen facts takes a few of these instead of a dozen loose keywords, e.g.::

    RegionFailoverRunbook(
        self, "RegionFailover",
        naming=naming, pause_switch=pause_switch, notification_topics=topics,
        standby=StandbyDatabase(identifier="shop-prod-db-dr"),
        capacity=WebCapacity(auto_scaling_group_name="shop-prod-web", min_capacity=2, max_capacity=6),
        dns=RegionSwitches(open_switch_id=..., close_switch_id=..., endpoint_health_check_id=...),
    )
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_kms as kms

from constructs_lib._core import IPauseSwitch, validate_region
from constructs_lib.healing.runtime import contract
from constructs_lib.runbooks._base import _validate_identifier

__all__ = [
    "DatabasePlacement",
    "EndpointSwitch",
    "RegionSwitches",
    "RestoreSource",
    "RestoreTarget",
    "ServingRegion",
    "StandbyDatabase",
    "WebCapacity",
]

# SSM parameter names: letters, digits and "_.-/", hierarchical with "/" (SSM API, PutParameter, Name).
_PARAMETER_NAME = re.compile(r"^/[a-zA-Z0-9_.\-/]{1,200}$")
# Health paths the Command document accepts (its HealthCheckPath pattern: no shell metacharacters).
_HEALTH_PATH = re.compile(contract.HEALTH_PATH_PATTERN)
# Automated-backup retention: 1-35 days for an instance that keeps backups (RDS API,
# CreateDBInstance / PromoteReadReplica, BackupRetentionPeriod).
_RETENTION_DAYS = range(1, 36)


def _validate_retention(days: int, *, prop: str) -> None:
    if days not in _RETENTION_DAYS:
        raise ValueError(f"{prop} ({days}) must be 1-35 (RDS automated-backup retention, days).")


@dataclass(frozen=True)
class WebCapacity:
    """This region's web service group and the capacity a runbook gives it (production capacity).

    :param auto_scaling_group_name: the group's name (a token of another stack is accepted where the
        runbook's role can be scoped by tag; see each runbook).
    :param min_capacity: instances the group keeps at least; the runbooks that wait for capacity
        wait for this many InService, healthy instances.
    :param max_capacity: instances the group may grow to (at least 1).
    :param desired_capacity: instances to start with. Default: ``min_capacity``.
    """

    auto_scaling_group_name: str
    min_capacity: int
    max_capacity: int
    desired_capacity: int | None = None

    def __post_init__(self) -> None:
        desired = self.min_capacity if self.desired_capacity is None else self.desired_capacity
        if not 0 <= self.min_capacity <= desired <= self.max_capacity or self.max_capacity < 1:
            raise ValueError(
                f"capacity (min {self.min_capacity}, desired {desired}, max {self.max_capacity}) must have "
                "0 <= min_capacity <= desired_capacity <= max_capacity and max_capacity >= 1."
            )
        object.__setattr__(self, "desired_capacity", desired)

    @property
    def desired(self) -> int:
        """``desired_capacity`` with its default applied."""
        assert self.desired_capacity is not None
        return self.desired_capacity


@dataclass(frozen=True)
class RegionSwitches:
    """The Route 53 health checks a region switch flips and watches (``RegionalFailover`` creates them).

    :param open_switch_id: this region's switch (``RegionalFailover.switch_id(<this region>)``);
        the runbook makes it healthy, so DNS answers with this region.
    :param close_switch_id: the other region's switch; the runbook makes it unhealthy.
    :param endpoint_health_check_id: this region's endpoint health check. Default: none (the runbook
        does not wait for Route 53 to see this region's endpoint healthy before it reports success).
    """

    open_switch_id: str
    close_switch_id: str
    endpoint_health_check_id: str | None = None

    def __post_init__(self) -> None:
        for prop in ("open_switch_id", "close_switch_id"):
            if not getattr(self, prop):
                raise ValueError(f"{prop} is empty: give the Route 53 health check id of the switch.")
        if self.open_switch_id == self.close_switch_id:
            raise ValueError(
                f"open_switch_id and close_switch_id are the same ({self.open_switch_id!r}): give this "
                "region's switch and the other region's."
            )


@dataclass(frozen=True)
class StandbyDatabase:
    """The cross-region replica a region switch promotes to be the primary.

    :param identifier: the replica's DB instance identifier (in the runbook's region).
    :param backup_retention_days: automated-backup retention the promoted instance gets (1-35).
        Default: 7.
    """

    identifier: str
    backup_retention_days: int = 7

    def __post_init__(self) -> None:
        _validate_identifier(self.identifier, prop="standby.identifier")
        _validate_retention(self.backup_retention_days, prop="standby.backup_retention_days")


@dataclass(frozen=True)
class ServingRegion:
    """The region serving traffic while a failback runs: its writes are frozen before the promotion.

    :param region: its region code, e.g. ``ap-northeast-3`` (not the failback runbook's own region).
    :param auto_scaling_group_name: its web service group, a fixed name (a token of this app cannot
        be resolved in another region).
    :param pause_switch: its pause switch, addressed by name: ``PauseSwitch.from_parameter_name(...)``.
        Only its ``parameter_name`` is used; the runbook writes it *in* ``region``.
    """

    region: str
    auto_scaling_group_name: str
    pause_switch: IPauseSwitch

    def __post_init__(self) -> None:
        validate_region(self.region, prop="serving.region")
        if cdk.Token.is_unresolved(self.auto_scaling_group_name):
            raise ValueError(
                "serving.auto_scaling_group_name must be a plain name (it is in another region, so a "
                "token of this app cannot be resolved here); give the group a fixed name."
            )
        if cdk.Token.is_unresolved(self.pause_switch.parameter_name):
            raise ValueError(
                "serving.pause_switch must be addressed by a plain parameter name (it is in another "
                "region): use PauseSwitch.from_parameter_name(scope, id, '/app/env/pause')."
            )


@dataclass(frozen=True)
class DatabasePlacement:
    """Where a runbook creates a DB instance: its DB subnet group and VPC security groups.

    :param subnet_group_name: the DB subnet group (``DatabaseNetwork.subnet_group_name``).
    :param security_group_ids: at least one security group (the database's, so the web tier connects).
    """

    subnet_group_name: str
    security_group_ids: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "security_group_ids", tuple(self.security_group_ids))
        if not self.subnet_group_name:
            raise ValueError("placement.subnet_group_name is empty: give the DB subnet group's name.")
        if not self.security_group_ids:
            raise ValueError("placement.security_group_ids is empty: give the database's security group.")


@dataclass(frozen=True)
class RestoreSource:
    """What a region restore restores from, after losing the primary's region.

    :param database_arn: the lost primary's ARN (``constructs_lib.data.database_arn``); its identifier
        finds the automated backups RDS replicated into this region, its ARN the vault's recovery points.
    :param vault_name: the AWS Backup vault holding the copies here, the fallback source.
    :param encryption_key: key of the replicated automated backups (this region's data key).
    :param recovery_point_key: key of the vault's copies.
    :param automated_backups_arn: default of the run parameter ``SourceDBInstanceAutomatedBackupsArn``.
        Default: none (the runbook finds the replicated backups by the source's identifier).
    """

    database_arn: str
    vault_name: str
    encryption_key: kms.IKey
    recovery_point_key: kms.IKey
    automated_backups_arn: str | None = None


@dataclass(frozen=True)
class RestoreTarget:
    """The DB instance a region restore creates.

    :param identifier: its identifier, e.g. ``config.database_identifier(<DR region>)``.
    :param placement: its subnet group and security groups.
    :param instance_class: default of the run parameter ``DBInstanceClass``. Default: ``db.t4g.medium``.
    :param multi_az: default of the run parameter ``MultiAZ``. Default: false.
    :param parameter_group_name: its DB parameter group. Default: the engine's default group.
    :param backup_retention_days: its automated-backup retention (1-35). Default: 7.
    """

    identifier: str
    placement: DatabasePlacement
    instance_class: str = "db.t4g.medium"
    multi_az: bool = False
    parameter_group_name: str | None = None
    backup_retention_days: int = 7

    def __post_init__(self) -> None:
        _validate_identifier(self.identifier, prop="target.identifier")
        _validate_retention(self.backup_retention_days, prop="target.backup_retention_days")


@dataclass(frozen=True)
class EndpointSwitch:
    """How a restore points the running application at the restored database.

    The application reads its database host from an SSM parameter when it starts
    (:class:`~constructs_lib.data.DatabaseEndpointParameter`'s contract): the runbook writes the
    restored instance's endpoint address there (``ssm:PutParameter``), then restarts the application
    on the group's ``InService`` instances with the library's Command document (``InstanceCommands``,
    ``Action=RestartService``), which verifies ``health_path`` on each instance before it succeeds.

    :param endpoint_parameter_name: the parameter the application reads, e.g. ``/shop/prod/db/endpoint``
        (``DatabaseEndpointParameter.parameter_name``).
    :param auto_scaling_group_name: the web service group whose instances are restarted.
    :param command_document_name: the ``InstanceCommands`` document of this account and region
        (``InstanceCommands.document_name``); the role may send this document only, and only to
        instances carrying the environment tag.
    :param health_path: what the restart verifies on each instance. Default: ``/health``; give the
        app's deep path (``AppProbe.deep_health_path``) so the restart succeeds only once every
        instance reaches the restored database.
    """

    endpoint_parameter_name: str
    auto_scaling_group_name: str
    command_document_name: str
    health_path: str = "/health"

    def __post_init__(self) -> None:
        name = self.endpoint_parameter_name
        if not cdk.Token.is_unresolved(name) and not _PARAMETER_NAME.match(name):
            raise ValueError(
                f"endpoint_switch.endpoint_parameter_name ({name!r}) must be an SSM parameter name: '/' "
                "then letters, digits and '_.-/', e.g. '/shop/prod/db/endpoint'."
            )
        for prop in ("auto_scaling_group_name", "command_document_name"):
            if not getattr(self, prop):
                raise ValueError(f"endpoint_switch.{prop} is empty.")
        if not _HEALTH_PATH.fullmatch(self.health_path):
            raise ValueError(
                f"endpoint_switch.health_path ({self.health_path!r}) must start with '/' and use only "
                "letters, digits and '_./~-' (the Command document's HealthCheckPath pattern)."
            )
