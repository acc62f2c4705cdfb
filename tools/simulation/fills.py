"""Where moto 5.2.5 differs from AWS in what the simulated drills touch, filled to reproduce AWS.

Like :mod:`tools.gameday.moto_gaps`, every fill is listed (:data:`FILLS`), names the AWS
documentation it follows, is applied only while a simulation runs (:func:`applied`) and is
removed afterwards. The difference: these fills need the virtual clock (a failover that takes
``RDS_MULTI_AZ_FAILOVER_SECONDS`` ends on the clock, not at once), so they read the active
:class:`SimHooks`. Without hooks they leave moto's behaviour unchanged.

Each fill runs inside moto's server thread while the simulation's thread waits for the API answer,
and the effects it schedules run on the simulation's thread while moto is idle: the two never touch
moto's state at the same time.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tools.gameday.moto_gaps import MOTO_VERSION, Gap
from tools.recovery_budget.latencies import Latencies
from tools.simulation.clock import VirtualClock

__all__ = ["FILLS", "SimHooks", "applied", "hooks", "multi_az_failover"]

FILLS: tuple[Gap, ...] = (
    Gap(
        "behaviour:autoscaling:zone-balanced launches",
        "Every instance of a group is launched into the first subnet of VPCZoneIdentifier.",
        "Launches one instance at a time into the subnet of the enabled Availability Zone holding the "
        "fewest of the group's instances, skipping zones the drill made unavailable.",
        "Amazon EC2 Auto Scaling User Guide, 'Availability Zone distribution' (balanced across zones; "
        "launches in unaffected zones when one is unavailable)",
    ),
    Gap(
        "behaviour:rds:Multi-AZ standby",
        "A Multi-AZ DB instance has no SecondaryAvailabilityZone.",
        "Gives it a standby in another zone of its DB subnet group, reported as SecondaryAvailabilityZone.",
        "Amazon RDS User Guide, 'Multi-AZ DB instance deployments'",
    ),
    Gap(
        "behaviour:rds:RebootDBInstance ForceFailover",
        "Accepted with no effect: the instance stays available in its zone.",
        "The instance is 'rebooting' for RDS_MULTI_AZ_FAILOVER_SECONDS on the virtual clock, then "
        "available with the standby's zone as its zone (and the old zone as the standby's).",
        "Amazon RDS User Guide, 'Failing over a Multi-AZ DB instance' / 'Rebooting with failover'",
    ),
    Gap(
        "behaviour:rds:PromoteReadReplica",
        "Done at once, and the promoted instance still reports ReadReplicaSourceDBInstanceIdentifier.",
        "The replica is 'modifying' for RDS_REPLICA_PROMOTION_SECONDS, then available as a standalone "
        "instance without a replication source.",
        "Amazon RDS User Guide, 'Promoting a read replica to be a standalone DB instance'",
    ),
    Gap(
        "behaviour:rds:RestoreDBInstanceToPointInTime",
        "The new instance is available at once, in the region's first zone whatever its health.",
        "The new instance is 'creating' for RDS_PITR_RESTORE_SECONDS, in a zone that is up.",
        "Amazon RDS User Guide, 'Restoring a DB instance to a specified time'",
    ),
    Gap(
        "behaviour:route53:UpdateHealthCheck",
        "An update that does not mention ChildHealthChecks erases them (the switch loses its child).",
        "Settings the request leaves out stay as they were.",
        "UpdateHealthCheck (Route 53 API Reference): only the specified settings change",
    ),
    Gap(
        "behaviour:route53:GetHealthCheckStatus",
        "Always one observation, 'Success', whatever the endpoint does.",
        "The observations of the simulation's health checkers for that check (one per checker).",
        "GetHealthCheckStatus (Route 53 API Reference)",
    ),
    Gap(
        "api:ssm:DescribeInstanceInformation",
        "The API is missing (HTTP 500).",
        "Lists the region's running EC2 instances as managed instances with PingStatus Online (the "
        "launch template installs and starts the SSM agent), filtered by InstanceIds.",
        "DescribeInstanceInformation (AWS Systems Manager API Reference)",
    ),
)


@dataclass
class SimHooks:
    """What the fills read from the running simulation."""

    clock: VirtualClock
    latencies: Latencies
    impaired_zones: set[str] = field(default_factory=set)
    checker_observations: dict[str, Callable[[], list[tuple[str, bool]]]] = field(default_factory=dict)
    notes: list[tuple[float, str, str]] = field(default_factory=list)  # (at, fill, what it did)
    noted: int = 0  # how many notes so far: a change the simulation should look at
    on_note: Callable[[], None] = lambda: None

    def note(self, fill: str, text: str) -> None:
        self.notes.append((self.clock.now, fill, text))
        self.noted += 1
        self.on_note()

    def drain_notes(self) -> list[tuple[float, str, str]]:
        found, self.notes = self.notes, []
        return found


_hooks: SimHooks | None = None
_lock = threading.RLock()
_undo: list[Callable[[], None]] = []


def hooks() -> SimHooks | None:
    return _hooks


def _patch(owner: Any, name: str, value: Any) -> None:
    missing = object()
    previous = owner.__dict__.get(name, missing)

    def undo() -> None:
        if previous is missing:
            delattr(owner, name)
        else:
            setattr(owner, name, previous)

    setattr(owner, name, value)
    _undo.append(undo)


@contextmanager
def applied(active: SimHooks) -> Iterator[SimHooks]:
    """The fills, reading ``active``, for the duration of the block (one simulation at a time)."""
    global _hooks
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"tools.simulation.fills was written for moto {MOTO_VERSION}, found {moto.__version__}"
        )
    with _lock:
        if _hooks is not None:
            raise RuntimeError("a simulation is already running in this process: its fills are applied")
        _hooks = active
        try:
            for install in (_autoscaling, _rds, _route53, _ssm):
                install()
            yield active
        finally:
            while _undo:
                _undo.pop()()
            _hooks = None


# ------------------------------------------------------------------------------------------------
# Auto Scaling
# ------------------------------------------------------------------------------------------------
def _autoscaling() -> None:
    from moto.autoscaling.models import FakeAutoScalingGroup

    original = FakeAutoScalingGroup.replace_autoscaling_group_instances

    def balanced(self: FakeAutoScalingGroup, count_needed: int, propagated_tags: dict[str, str]) -> None:
        subnets = [s for s in (self.vpc_zone_identifier or "").split(",") if s]
        if _hooks is None or len(subnets) < 2:
            original(self, count_needed, propagated_tags)
            return
        ec2 = self.autoscaling_backend.ec2_backend
        zone_of = {subnet.id: subnet.availability_zone for subnet in ec2.describe_subnets(subnet_ids=subnets)}
        identifier = self.vpc_zone_identifier
        try:
            for _ in range(count_needed):
                counts = Counter(
                    zone_of.get(state.instance.subnet_id)
                    for state in self.instance_states
                    if state.instance.state in ("pending", "running")
                )
                usable = [s for s in subnets if zone_of.get(s) not in _hooks.impaired_zones]
                if not usable:
                    _hooks.note(FILLS[0].name, f"{self.name}: no Availability Zone to launch into")
                    return
                subnet = min(usable, key=lambda s: (counts[zone_of.get(s)], subnets.index(s)))
                self.vpc_zone_identifier = subnet
                original(self, 1, dict(propagated_tags))
        finally:
            self.vpc_zone_identifier = identifier

    _patch(FakeAutoScalingGroup, "replace_autoscaling_group_instances", balanced)


# ------------------------------------------------------------------------------------------------
# RDS
# ------------------------------------------------------------------------------------------------
def _subnet_group_zones(db: Any) -> list[str]:
    group = getattr(db, "db_subnet_group", None)
    subnets = getattr(group, "_subnets", None) or []
    return sorted({subnet.availability_zone for subnet in subnets})


def _database_by_arn(arn: str) -> Any:
    from moto.rds.models import rds_backends

    parts = arn.split(":")
    if len(parts) < 7:
        return None
    return rds_backends[parts[4]][parts[3]].databases.get(parts[6])


def multi_az_failover(db: Any, *, reason: str) -> None:
    """RDS fails a Multi-AZ instance over to its standby: 'rebooting' until the failover time has
    passed on the virtual clock, then available in the standby's zone."""
    active = _hooks
    if active is None:
        return
    db.status = "rebooting"
    old_zone, new_zone = db.availability_zone, getattr(db, "_sim_secondary", None)
    duration = active.latencies.s("RDS_MULTI_AZ_FAILOVER_SECONDS")
    active.note(
        FILLS[2].name, f"{db.db_instance_identifier} fails over ({reason}): rebooting for {duration:g} s"
    )

    def done() -> None:
        if new_zone:
            db.availability_zone, db._sim_secondary = new_zone, old_zone
        db.status = "available"
        active.note(
            FILLS[2].name, f"{db.db_instance_identifier} failed over: primary now in {db.availability_zone}"
        )

    active.clock.after(duration, done, label=f"failover of {db.db_instance_identifier}")


def _usable_zone(db: Any, active: SimHooks) -> None:
    zones = _subnet_group_zones(db) or [f"{db.region}{suffix}" for suffix in "acd"]
    if db.availability_zone in active.impaired_zones:
        for zone in zones:
            if zone not in active.impaired_zones:
                db.availability_zone = zone
                break


def _rds() -> None:
    from moto.rds.models import DBInstance, RDSBackend
    from moto.rds.responses import RDSResponse

    _patch(
        DBInstance,
        "secondary_availability_zone",
        property(lambda self: getattr(self, "_sim_secondary", None)),
    )
    create = RDSBackend.create_db_instance

    def create_db_instance(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        db = create(self, db_kwargs)
        if db.multi_az:
            others = [zone for zone in _subnet_group_zones(db) if zone != db.availability_zone]
            db._sim_secondary = others[0] if others else None
        else:
            db._sim_secondary = None
        return db

    _patch(RDSBackend, "create_db_instance", create_db_instance)
    reboot = RDSResponse.reboot_db_instance

    def reboot_db_instance(self: RDSResponse) -> Any:
        result = reboot(self)
        force = str(self.params.get("ForceFailover", "false")).lower() == "true"
        if force and _hooks is not None:
            db = self.backend.describe_db_instances(self.params.get("DBInstanceIdentifier"))[0]
            if db.multi_az:
                multi_az_failover(db, reason="RebootDBInstance with ForceFailover")
        return result

    _patch(RDSResponse, "reboot_db_instance", reboot_db_instance)
    promote = RDSBackend.promote_read_replica

    def promote_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        db = self.databases[db_kwargs["db_instance_identifier"]]
        was_replica, source = db.is_replica, db.source_db_instance_identifier
        db = promote(self, db_kwargs)
        active = _hooks
        if active is None or not was_replica:
            return db
        db.status = "modifying"
        db.source_db_instance_identifier = source  # still a replica until the promotion completes
        duration = active.latencies.s("RDS_REPLICA_PROMOTION_SECONDS")
        active.note(
            FILLS[3].name, f"{db.db_instance_identifier} is being promoted: modifying for {duration:g} s"
        )

        def done() -> None:
            primary = (
                _database_by_arn(source)
                if source and source.startswith("arn:")
                else self.databases.get(source)
            )
            if primary is not None and db.db_instance_identifier in getattr(primary, "replicas", []):
                primary.replicas.remove(db.db_instance_identifier)
            db.source_db_instance_identifier = None
            db.status = "available"
            active.note(FILLS[3].name, f"{db.db_instance_identifier} promoted: standalone and available")

        active.clock.after(duration, done, label=f"promotion of {db.db_instance_identifier}")
        return db

    _patch(RDSBackend, "promote_read_replica", promote_read_replica)
    restore = RDSBackend.restore_db_instance_to_point_in_time

    def restore_to_point_in_time(
        self: RDSBackend, source_db_identifier: str, target_db_identifier: str, overrides: dict[str, Any]
    ) -> Any:
        db = restore(self, source_db_identifier, target_db_identifier, overrides)
        active = _hooks
        if active is None:
            return db
        _usable_zone(db, active)
        db.status = "creating"
        duration = active.latencies.s("RDS_PITR_RESTORE_SECONDS")
        active.note(
            FILLS[4].name,
            f"{target_db_identifier} restoring in {db.availability_zone}: creating for {duration:g} s",
        )

        def done() -> None:
            db.status = "available"
            active.note(FILLS[4].name, f"{target_db_identifier} restored and available")

        active.clock.after(duration, done, label=f"restore of {target_db_identifier}")
        return db

    _patch(RDSBackend, "restore_db_instance_to_point_in_time", restore_to_point_in_time)


# ------------------------------------------------------------------------------------------------
# Route 53 and SSM
# ------------------------------------------------------------------------------------------------
def _route53() -> None:
    from moto.core.responses import ActionResult
    from moto.route53.models import Route53Backend
    from moto.route53.responses import Route53

    update = Route53Backend.update_health_check

    def update_health_check(self: Route53Backend, health_check_id: str, args: dict[str, Any]) -> Any:
        kept = dict(args)
        for key in ("children", "regions"):
            if kept.get(key) == []:  # left out of the request: keep the current value
                kept[key] = None
        return update(self, health_check_id, kept)

    _patch(Route53Backend, "update_health_check", update_health_check)
    status = Route53.get_health_check_status

    def get_health_check_status(self: Route53) -> Any:
        health_check_id = self._get_param("HealthCheckId")
        provider = _hooks.checker_observations.get(health_check_id) if _hooks else None
        if provider is None:
            return status(self)
        self.backend.get_health_check(health_check_id)
        checked = _hooks.clock.datetime() if _hooks else None
        observations = [
            {
                "Region": region,
                "IPAddress": "192.0.2.10",
                "StatusReport": {
                    "Status": "Success: HTTP Status Code: 200, OK"
                    if healthy
                    else "Failure: Connection timed out",
                    "CheckedTime": checked,
                },
            }
            for region, healthy in provider()
        ]
        return ActionResult({"HealthCheckObservations": observations})

    _patch(Route53, "get_health_check_status", get_health_check_status)


def _ssm() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.models import ec2_backends
    from moto.ssm.responses import SimpleSystemManagerResponse

    def describe_instance_information(self: SimpleSystemManagerResponse) -> Any:
        wanted: set[str] = set()
        for item in (self._get_param("Filters") or []) + (
            self._get_param("InstanceInformationFilterList") or []
        ):
            if item.get("Key") in ("InstanceIds", "InstanceIds".lower()) or item.get("key") == "InstanceIds":
                wanted |= set(item.get("Values") or item.get("valueSet") or [])
        backend = ec2_backends[self.current_account][self.region]
        found = [
            {
                "InstanceId": instance.id,
                "PingStatus": "Online",
                "ResourceType": "EC2Instance",
                "PlatformType": "Linux",
                "IPAddress": instance.private_ip,
            }
            for reservation in backend.reservations.values()
            for instance in reservation.instances
            if instance.state == "running" and (not wanted or instance.id in wanted)
        ]
        return ActionResult({"InstanceInformationList": found})

    _patch(SimpleSystemManagerResponse, "describe_instance_information", describe_instance_information)


def fill_names() -> Mapping[str, str]:
    return {gap.name: gap.fill for gap in FILLS}
