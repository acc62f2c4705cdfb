"""Simulated drills of zones, the database and the region, with the project's runbooks.

- AZ loss: one zone's instances stop answering and launches there fail; the database primary there
  fails over (Multi-AZ) or is restored by the on-call with the PITR runbook (single-AZ).
- Database primary failure: Multi-AZ, injected the way AWS documents testing a failover (the
  project's database failover drill runbook reboots the primary with failover); single-AZ, the
  instance fails and the on-call restores it with the PITR restore runbook.
- PITR: data is deleted; the on-call restores to just before with the PITR restore runbook.
- Region loss: Tokyo stops answering, Route 53's checkers fail the endpoint check, the us-east-1
  alarm pages, the on-call decides (:data:`ON_CALL_DECISIONS`), the region failover runbook runs in
  Osaka (promote the replica, scale out, flip the DNS switches) and clients follow the DNS answer.

Runbooks are read from the synthesized templates and run by :mod:`tools.simulation.runbooks`
against the emulator. Recovery is the last of the drill's milestones (:meth:`Sim.watch`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.gameday import aws_events
from tools.simulation import fills
from tools.simulation.drill_base import PRIMARY, DrillResult, Sim
from tools.simulation.drills_compute import watch_replacement
from tools.simulation.runbooks import Execution, RunbookEnvironment, run_runbook

__all__ = ["ON_CALL_DECISIONS", "OnCallDecision", "az_loss", "db_primary_failure", "pitr", "region_loss"]

LIMIT_SECONDS = 4 * 3600.0


@dataclass(frozen=True, slots=True)
class OnCallDecision:
    """What the person on call decides once paged: a scripted decision (INJECTED), taken
    ``OPERATOR_RESPONSE_SECONDS`` (the recovery budget's named latency) after the page."""

    situation: str
    decision: str
    runbook: str  # logical id prefix of the Automation document they start


ON_CALL_DECISIONS = {
    "database_lost": OnCallDecision(
        "the primary database failed and has no standby",
        "restore it to its latest restorable time into a new instance with the PITR restore runbook",
        "PitrRestore",
    ),
    "data_deleted": OnCallDecision(
        "data was deleted by mistake (reported to the on-call)",
        "restore the database to just before the deletion with the PITR restore runbook",
        "PitrRestore",
    ),
    "region_lost": OnCallDecision(
        "the primary region's endpoint is down and the availability alarm pages",
        "fail over to the DR region with its region failover runbook",
        "RegionFailover",
    ),
}
"""The on-call decisions the drills script, by situation."""


# ------------------------------------------------------------------------------------------------
# shared pieces
# ------------------------------------------------------------------------------------------------
def _database(sim: Sim, location: str) -> str:
    """Create the location's DB instance (and what it needs) from its Data stack; its identifier."""
    stack = sim.world.artifact(location, "Data").display_name
    ((logical_id, _),) = sim.world.resources(stack, "AWS::RDS::DBInstance")
    return sim.world.materialize(stack, logical_id)


def _describe(sim: Sim, region: str, identifier: str) -> dict[str, Any]:
    return sim.world.client("rds", region).describe_db_instances(DBInstanceIdentifier=identifier)[
        "DBInstances"
    ][0]


def _backend_db(sim: Sim, region: str, identifier: str) -> Any:
    from moto.rds.models import rds_backends

    return rds_backends[sim.world.account][region].databases[identifier]


def _runbook_env(sim: Sim, region: str) -> RunbookEnvironment:
    stage = sim.world.stage(region)
    return RunbookEnvironment(
        clock=sim.clock,
        timeline=sim.timeline,
        client=stage.client,
        region=region,
        account=sim.world.account,
        latencies=sim.latencies,
        script_environment=lambda: sim.emulator.environment(region),
        after_step=sim.sync,
        state_version=lambda: (sim.version, sim.hooks.noted),
    )


def _run(sim: Sim, location: str, prefix: str, parameters: dict[str, Any], started_by: str) -> Execution:
    region = next(a.region for a in sim.world.artifacts if a.location == location)
    stack, logical_id, document = sim.world.runbook(location, prefix)
    sim.timeline.emulator(
        f"runbook {stack}/{logical_id} read from the synthesized template (AWS::SSM::Document Content)"
    )
    return run_runbook(
        document, name=logical_id, parameters=parameters, env=_runbook_env(sim, region), started_by=started_by
    )


def _page(sim: Sim, region: str, severities: tuple[str, ...]) -> Callable[[], float | None]:
    """The time the first message reached a topic of ``severities`` in ``region`` (None before)."""
    seen: list[float] = []

    def paged() -> float | None:
        if not seen:
            messages = [m for m in sim.published(region) if m.topic_name.rsplit("-", 1)[-1] in severities]
            if messages:
                seen.append(sim.clock.now)
                sim.timeline.emulator(f"the page: {messages[0].subject!r} on {messages[0].topic_name}")
        return seen[0] if seen else None

    return paged


def _decide(sim: Sim, situation: str, paged_at: float) -> OnCallDecision:
    decision = ON_CALL_DECISIONS[situation]
    response = sim.latencies.s("OPERATOR_RESPONSE_SECONDS")
    sim.clock.advance_to(max(sim.clock.now, paged_at + response))
    sim.timeline.injected(
        f"the on-call decides ({decision.situation}): {decision.decision}",
        [f"{response:g} s after the page (OPERATOR_RESPONSE_SECONDS)"],
    )
    sim.detect(f"the on-call starts the {decision.runbook} runbook")
    return decision


def _clients_follow(sim: Sim, name: str, at: float) -> None:
    """A milestone reached ``DB_CLIENT_DNS_CACHE_SECONDS`` after ``at`` (clients re-resolve)."""
    cache = sim.latencies.s("DB_CLIENT_DNS_CACHE_SECONDS")
    due = at + cache
    sim.timeline.simulated(
        f"database clients reach the new endpoint within {cache:g} s (DB_CLIENT_DNS_CACHE_SECONDS)"
    )
    sim.watch(name, lambda: sim.clock.now >= due)
    sim.clock.schedule(due, sim.touch, label=name)


def _available(sim: Sim, region: str, identifier: str, *, zone_not: str | None = None) -> Callable[[], bool]:
    def holds() -> bool:
        try:
            db = _describe(sim, region, identifier)
        except Exception:  # not created yet
            return False
        return db["DBInstanceStatus"] == "available" and (
            zone_not is None or db["AvailabilityZone"] != zone_not
        )

    return holds


def _after(sim: Sim, condition: Callable[[], bool], then: Callable[[float], None]) -> None:
    """Call ``then(now)`` once, the first time ``condition`` holds (checked on changes)."""
    done: list[bool] = []

    def check() -> bool:
        if not done and condition():
            done.append(True)
            then(sim.clock.now)
        return bool(done)

    sim.watch(f"_after {id(check)}", check)


def _restore(sim: Sim, identifier: str, *, situation: str, restore_at: float, paged_at: float) -> Execution:
    """The on-call's PITR restore: decision, runbook, and the app pointed at the new instance by the
    runbook's own switch (see :func:`_check_app_switch`)."""
    _decide(sim, situation, paged_at)
    target = f"{identifier}-pitr{int(sim.clock.now) % 100000}"
    restore_time = sim.clock.datetime(restore_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    sim.watch(f"{target} available", _available(sim, PRIMARY, target))
    app_uses = f"the app uses {target}"
    sim.watch(app_uses, lambda: False)  # reached only through the runbook's switch, at its restart's end
    execution = _run(
        sim,
        "Tokyo",
        ON_CALL_DECISIONS[situation].runbook,
        {"RestoreTime": restore_time, "TargetDBInstanceIdentifier": target},
        "the on-call",
    )
    sim.timeline.check("PITR runbook succeeded", execution.status == "Success", " -> ".join(execution.path()))
    _check_app_switch(sim, execution, target, app_uses)
    return execution


def _check_app_switch(sim: Sim, execution: Execution, target: str, milestone: str) -> None:
    """The runbook's switch against the emulator: the parameter the app reads names the restored
    instance (``ssm:GetParameter``) and the restart command went, with ``Action=RestartService``, to the
    group's InService instances (``ssm:ListCommands``). moto runs no command, so the restart's own
    verification on the instances is the command's labelled answer; the milestone is its step's end."""
    _, _, document = sim.world.runbook("Tokyo", ON_CALL_DECISIONS["data_deleted"].runbook)
    steps = {step["name"]: step for step in document["mainSteps"]}
    switch, restart = steps.get("SwitchDatabaseEndpoint"), execution.step("RestartApp")
    if switch is None:
        sim.timeline.check(
            "the runbook points the app at the restored instance",
            False,
            "no SwitchDatabaseEndpoint step: a person must change the app's database host "
            "(the recovery budget reports the scenario not covered)",
        )
        return
    name = switch["inputs"]["Name"]
    address = _describe(sim, PRIMARY, target)["Endpoint"]["Address"]
    value = sim.world.client("ssm", PRIMARY).get_parameter(Name=name)["Parameter"]["Value"]
    sim.timeline.check(
        f"{name} names the restored instance", value == address, f"{value!r} (wanted {address!r})"
    )
    listed = execution.step("ListAppInstances")
    wanted = sorted((listed.outputs if listed else {}).get("InstanceIds") or [])
    commands = sim.world.client("ssm", PRIMARY).list_commands()["Commands"]
    sent = [
        c
        for c in commands
        if c["DocumentName"] == steps["RestartApp"]["inputs"]["DocumentName"]
        and c.get("Parameters", {}).get("Action") == ["RestartService"]
    ]
    sim.timeline.check(
        "the app was restarted on every InService instance (Run Command, Action=RestartService)",
        bool(sent) and sorted(sent[-1]["InstanceIds"]) == wanted and bool(wanted),
        f"sent to {sorted(sent[-1]['InstanceIds']) if sent else []}; InService {wanted}",
    )
    if restart is not None and restart.status == "Success" and value == address:
        sim.mark(milestone, restart.ended)


# ------------------------------------------------------------------------------------------------
# drills
# ------------------------------------------------------------------------------------------------
def pitr(sim: Sim) -> DrillResult:
    sim.deploy(PRIMARY)
    identifier = _database(sim, "Tokyo")
    sim.warm_up()
    sim.timeline.injected("data is deleted by mistake just before time 0; the deletion is reported at time 0")
    _restore(
        sim,
        identifier,
        situation="data_deleted",
        restore_at=-60.0,
        paged_at=-sim.latencies.s("OPERATOR_RESPONSE_SECONDS"),
    )
    sim.run_until(sim.all_reached, within=LIMIT_SECONDS)
    notified = [p for p in sim.published() if "PITR restore" in p.subject]
    sim.timeline.check(
        "the runbook's notification reached its topic", bool(notified), f"{[p.subject for p in notified]}"
    )
    return sim.result("data_deletion", sim.recovered_at())


def _fail_single_az(sim: Sim, identifier: str, why: str) -> None:
    # "failed: The instance has failed and Amazon RDS can't recover it. Perform a point-in-time
    # restore to the latest restorable time" (Amazon RDS User Guide, "Viewing Amazon RDS DB instance
    # status"): a single-AZ instance whose host or zone is lost has no standby to fail over to.
    db = _backend_db(sim, PRIMARY, identifier)
    db.status = "failed"
    sim.timeline.injected(
        f"{identifier} fails ({why}); RDS reports it 'failed' (set in the emulator's RDS backend)"
    )
    event = aws_events.rds_instance_event(
        account=sim.world.account,
        region=PRIMARY,
        db_identifier=identifier,
        event_id="RDS-EVENT-0031",
        category="failure",
        message="The DB instance has failed.",
        at=sim.clock.datetime(),
    )
    sim.timeline.injected(
        f"the event RDS emits: 'RDS DB Instance Event' RDS-EVENT-0031 (failure), id {event['id']}"
    )
    sim.delivery().deliver(event, why=f"{identifier} failed")


def _await_page(sim: Sim, region: str) -> float | None:
    paged = _page(sim, region, ("critical", "high"))
    sim.watch("_paged", lambda: paged() is not None)
    sim.run_until(lambda: paged() is not None, within=LIMIT_SECONDS)
    del sim.milestones["_paged"], sim._conditions["_paged"]
    return paged()


def db_primary_failure(sim: Sim) -> DrillResult:
    sim.deploy(PRIMARY)
    identifier = _database(sim, "Tokyo")
    db = _describe(sim, PRIMARY, identifier)
    if db["MultiAZ"]:
        zone = db["AvailabilityZone"]
        sim.timeline.emulator(
            f"{identifier}: Multi-AZ, primary in {zone}, standby in "
            f"{db.get('SecondaryAvailabilityZone')} (fill behaviour:rds:Multi-AZ standby)"
        )
        sim.watch(
            f"{identifier} available in another zone", _available(sim, PRIMARY, identifier, zone_not=zone)
        )
        _after(
            sim,
            _available(sim, PRIMARY, identifier, zone_not=zone),
            lambda at: _clients_follow(sim, "clients use the new primary", at),
        )
        start = -sim.latencies.s("RUNBOOK_START_SECONDS")
        sim.clock.advance_to(start)
        sim.timeline.injected(
            "the primary's host fails at time 0, injected the way AWS documents testing a Multi-AZ "
            "failover: the "
            "project's database failover drill runbook reboots the primary with failover"
        )
        execution = _run(sim, "Tokyo", "DatabaseFailoverDrill", {}, "the game day (failure injection)")
        sim.detected_at, sim.detected_by = (
            0.0,
            "RDS detects the failure and fails over (part of its documented failover time)",
        )
        sim.timeline.check(
            "failover drill runbook verified the new zone",
            execution.status == "Success",
            " -> ".join(execution.path()),
        )
    else:
        sim.warm_up()
        _fail_single_az(sim, identifier, "its host fails; single-AZ: no standby")
        paged_at = _await_page(sim, PRIMARY)
        if paged_at is None:
            sim.timeline.check("the on-call is paged", False, "no message on a high or critical topic")
            return sim.result("db_primary_failure", None)
        _restore(sim, identifier, situation="database_lost", restore_at=-60.0, paged_at=paged_at)
    sim.run_until(sim.all_reached, within=LIMIT_SECONDS)
    return sim.result("db_primary_failure", sim.recovered_at())


def az_loss(sim: Sim) -> DrillResult:
    sim.deploy(PRIMARY)
    web = sim.web(PRIMARY)
    sim.monitor()
    identifier = _database(sim, "Tokyo")
    db = _describe(sim, PRIMARY, identifier)
    zone = db["AvailabilityZone"]
    sim.warm_up()
    victims = [i for i in web.in_service() if web.app.zone.get(i) == zone]
    sim.hooks.impaired_zones.add(zone)
    web.app.down_zones.add(zone)
    sim.timeline.injected(
        f"Availability Zone {zone} is lost: its instances {victims} stop answering, launches there "
        "fail, and the "
        f"database primary {identifier} there is unreachable"
    )
    for victim in victims:
        watch_replacement(sim, web, victim)
    sim.watch(
        "web tier back at capacity",
        lambda: all(v not in web.members() for v in victims) and web.at_capacity(),
    )
    if db["MultiAZ"]:
        fills.multi_az_failover(
            _backend_db(sim, PRIMARY, identifier), reason=f"its primary's zone {zone} is lost"
        )
        sim.detect(
            "RDS fails the database over to its standby (its detection is part of the documented "
            "failover time)"
        )
        sim.watch(
            f"{identifier} available in another zone", _available(sim, PRIMARY, identifier, zone_not=zone)
        )
        _after(
            sim,
            _available(sim, PRIMARY, identifier, zone_not=zone),
            lambda at: _clients_follow(sim, "clients use the new primary", at),
        )
    else:
        _fail_single_az(sim, identifier, f"its zone {zone} is lost; single-AZ: no standby")
        paged_at = _await_page(sim, PRIMARY)
        if paged_at is None:
            sim.timeline.check("the on-call is paged", False, "no message on a high or critical topic")
            return sim.result("az_loss", None)
        _restore(sim, identifier, situation="database_lost", restore_at=-60.0, paged_at=paged_at)
    sim.run_until(sim.all_reached, within=LIMIT_SECONDS)
    sim.timeline.check(
        "no instance launched in the lost zone",
        all(web.app.zone.get(i) != zone for i in web.in_service()),
        f"in service {[(i, web.app.zone.get(i)) for i in web.in_service()]}",
    )
    return sim.result("az_loss", sim.recovered_at())


def region_loss(sim: Sim) -> DrillResult:
    from tools.simulation.drills_region import run_region_loss

    return run_region_loss(sim)
