"""The region-loss drill: Tokyo stops answering; Route 53's checkers, the us-east-1 alarm, the page,
the on-call's decision, the region failover runbook in Osaka and the DNS switch.

Both regions' Network, Compute and Monitoring stacks are deployed through the emulator's
CloudFormation; the databases (Tokyo primary, Osaka read replica) and the Global stack's health
checks, topics and alarms are created through the APIs from their templates. Route 53's answer is
computed the way Route 53 documents failover records: the PRIMARY record while its health check is
healthy, else the SECONDARY while its own is; the runbook's switches are CALCULATED checks whose
``Inverted`` flag it sets in the emulator, so the answer follows the emulator's state.
"""

from __future__ import annotations

from typing import Any

from tools.simulation.drill_base import PRIMARY, SECONDARY, DrillResult, Sim
from tools.simulation.drills_data import _database, _decide, _describe, _run
from tools.simulation.health import Route53Checkers
from tools.simulation.metrics import MetricKey
from tools.simulation.traces import MetricSource, announce
from tools.simulation.webtier import next_phase

__all__ = ["run_region_loss"]

LIMIT_SECONDS = 4 * 3600.0
HEALTH_CHECK = "AWS::Route53::HealthCheck"
ENDPOINT_TYPES = ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP")


def _global_stack(sim: Sim) -> str | None:
    found = [
        a.display_name
        for a in sim.world.artifacts
        if a.layer == "Global" or a.display_name.endswith("/Global")
    ]
    return found[0] if found else None


def _failover_records(sim: Sim, stack: str) -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}
    for _, body in sim.world.resources(stack, "AWS::Route53::RecordSet"):
        props = body.get("Properties") or {}
        if props.get("Failover") in ("PRIMARY", "SECONDARY"):
            records[str(props["Failover"])] = props
    return records


def _calculated_healthy(sim: Sim, health_check_id: str, endpoint_status: dict[str, Route53Checkers]) -> bool:
    """A health check's status as Route 53 computes it, from the emulator's configuration: a
    CALCULATED check is healthy when at least HealthThreshold children are, an endpoint check per
    its checkers, and ``Inverted`` flips either ("Monitoring other health checks (calculated health
    checks)" and "Inverting a health check", Route 53 Developer Guide)."""
    config = sim.world.client("route53", "us-east-1").get_health_check(HealthCheckId=health_check_id)[
        "HealthCheck"
    ]["HealthCheckConfig"]
    if config.get("Type") == "CALCULATED":
        children = config.get("ChildHealthChecks") or []
        healthy = sum(1 for child in children if _calculated_healthy(sim, child, endpoint_status))
        result = healthy >= int(config.get("HealthThreshold") or 0)
    else:
        checkers = endpoint_status.get(health_check_id)
        result = checkers.healthy if checkers is not None else True
    return result != bool(config.get("Inverted"))


def run_region_loss(sim: Sim) -> DrillResult:
    world = sim.world
    global_stack = _global_stack(sim)
    records = _failover_records(sim, global_stack) if global_stack else {}
    if not world.has("Osaka", "DR") or "SECONDARY" not in records:
        reason = "no Route 53 failover record sends clients to the DR region"
        sim.timeline.simulated(
            f"not rehearsed: {reason} (the recovery budget marks region_loss not covered for the same reason)"
        )
        sim.timeline.check(
            "the budget and the templates agree: region loss is not covered", True, reason, source="SIMULATED"
        )
        return sim.result("region_loss", None, expected_unrecovered=reason)
    sim.deploy(PRIMARY, SECONDARY)
    tokyo, osaka = sim.web(PRIMARY), sim.web(SECONDARY)
    primary_db = _database(sim, "Tokyo")
    replica_db = _database(sim, "Osaka")
    world.materialize_all(global_stack, ["AWS::SNS::Topic", HEALTH_CHECK, "AWS::CloudWatch::Alarm"])
    dns_names = {
        tier.region: world.client("elbv2", tier.region).describe_load_balancers(
            LoadBalancerArns=[tier.load_balancer_arn]
        )["LoadBalancers"][0]["DNSName"]
        for tier in (tokyo, osaka)
    }
    answer_region = {"now": PRIMARY}

    def serves(region: str) -> bool:
        return bool(sim.tiers[region].serving()) and not (
            sim.tiers[region].app.down_zones >= set(sim.tiers[region].app.zone.values() or {""})
        )

    endpoints: dict[str, Route53Checkers] = {}
    delay = sim.latencies.s("METRIC_INGESTION_DELAY_SECONDS")
    for logical_id, body in world.resources(global_stack, HEALTH_CHECK):
        config = world.resolve((body.get("Properties") or {}).get("HealthCheckConfig") or {}, global_stack)
        if config.get("Type") not in ENDPOINT_TYPES:
            continue
        health_check_id = world.physical_id(global_stack, logical_id)
        fqdn = str(config.get("FullyQualifiedDomainName"))
        region = next((r for r, name in dns_names.items() if name == fqdn), None)
        checkers = Route53Checkers(
            clock=sim.clock,
            timeline=sim.timeline,
            health_check_id=health_check_id,
            label=f"{logical_id} ({fqdn})",
            request_interval=int(config.get("RequestInterval") or 30),
            failure_threshold=int(config.get("FailureThreshold") or 3),
            endpoint_healthy=(lambda r=region: serves(r))
            if region
            else (lambda: serves(answer_region["now"])),
            check_timeout=sim.latencies.s("ROUTE53_CHECK_TIMEOUT_SECONDS"),
            store=sim.store,
            ingestion_delay=delay,
        )
        checkers.on_change = sim.touch
        checkers.start(next_phase(sim.clock.now, checkers.interval))
        endpoints[health_check_id] = checkers
        sim.hooks.checker_observations[health_check_id] = checkers.observations
    sim.monitor("us-east-1", deliver=False)
    _replica_lag(sim, replica_db)
    sim.monitor(SECONDARY)

    def record_health(role: str) -> bool:
        check = world.resolve(records[role]["HealthCheckId"], global_stack)
        return _calculated_healthy(sim, str(check), endpoints)

    alias = records["SECONDARY"].get("AliasTarget") or {}
    alias_dns = str(world.resolve(alias.get("DNSName"), global_stack)) if alias else ""
    if alias_dns.endswith(".elb.amazonaws.com"):
        ttl, ttl_source = (
            sim.latencies.s("ALIAS_ELB_TTL_SECONDS"),
            "ALIAS_ELB_TTL_SECONDS (alias to a load balancer)",
        )
    else:
        ttl, ttl_source = float(records["SECONDARY"].get("TTL") or 300), "the record's TTL"
    propagation = sim.latencies.s("ROUTE53_PROPAGATION_SECONDS")
    switched: dict[str, float] = {}

    def dns() -> None:
        answer = (
            PRIMARY if record_health("PRIMARY") else (SECONDARY if record_health("SECONDARY") else "none")
        )
        if answer != answer_region["now"]:
            answer_region["now"] = answer
            sim.timeline.simulated(
                f"Route 53 now answers the {'PRIMARY' if answer == PRIMARY else 'SECONDARY'} record "
                f"({answer}) (switch states read from the emulator)"
            )
            if answer == SECONDARY and "at" not in switched:
                switched["at"] = sim.clock.now
                due = sim.clock.now + propagation + ttl
                sim.timeline.simulated(
                    f"clients follow within {propagation + ttl:g} s: ROUTE53_PROPAGATION_SECONDS + "
                    f"{ttl_source}"
                )
                sim.clock.schedule(due, sim.touch, label="DNS caches expire")

    sim.on_sync.append(dns)
    document = world.runbook("Osaka", "RegionFailover")[2]
    wanted = int(document["parameters"].get("DesiredCapacity", {}).get("default") or osaka.min_size or 1)
    sim.watch(
        "Route 53 answers Osaka and caches expired",
        lambda: "at" in switched and sim.clock.now >= switched["at"] + propagation + ttl,
    )
    sim.watch(f"{replica_db} promoted and available", lambda: _promoted(sim, replica_db))
    sim.watch(
        f"Osaka web tier at {wanted} healthy instances",
        lambda: osaka.desired() >= wanted and osaka.at_capacity(wanted),
    )
    sim.warm_up()
    down = set(tokyo.app.zone.values())
    tokyo.app.down_zones |= down
    sim.hooks.impaired_zones |= down
    sim.timeline.injected(
        "Tokyo is lost at time 0: its load balancer and instances stop answering (zones "
        f"{sorted(down)}); the "
        "emulator's Tokyo APIs stay up, the drill calls none of them"
    )
    from tools.simulation.drills_data import _await_page

    paged_at = _await_page(sim, "us-east-1")
    if paged_at is None:
        sim.timeline.check(
            "the on-call is paged", False, "no message on a high or critical topic in us-east-1"
        )
        return sim.result("region_loss", None)
    _decide(sim, "region_lost", paged_at)
    execution = _run(sim, "Osaka", "RegionFailover", {}, "the on-call")
    sim.timeline.check(
        "region failover runbook succeeded", execution.status == "Success", " -> ".join(execution.path())
    )
    sim.run_until(sim.all_reached, within=LIMIT_SECONDS)
    described = _describe(sim, SECONDARY, replica_db)
    sim.timeline.check(
        "Osaka database is a standalone primary",
        not described.get("ReadReplicaSourceDBInstanceIdentifier")
        and described["DBInstanceStatus"] == "available",
        f"{replica_db}: {described['DBInstanceStatus']}, source "
        f"{described.get('ReadReplicaSourceDBInstanceIdentifier')}",
    )
    sim.timeline.check(
        "Tokyo's database untouched (the lost region)", bool(_describe(sim, PRIMARY, primary_db)), primary_db
    )
    recovered = sim.recovered_at()
    _check_lag_alarm_quiet(sim)
    return sim.result("region_loss", recovered)


REPLICATION_HEARTBEAT_LAG_SECONDS = 1.0
"""ReplicaLag while Tokyo writes (the stack's heartbeat keeps the replica busy; an assumption)."""
REPLICA_CPU_PERCENT = 10.0
"""CPUUtilization of the Osaka instance, replica or promoted: RDS publishes it every minute while the
instance runs (the replica-lag alarm reads whether it publishes at all; the value is an assumption)."""


def _replica_lag(sim: Sim, identifier: str) -> None:
    """The Osaka replica's ReplicaLag (Maximum per minute): small while Tokyo replicates, then the
    seconds since the region was lost, until the promoted instance stops being a replica."""
    key = MetricKey.of("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": identifier})

    def lag(start: float, end: float) -> float | None:
        if _promoted(sim, identifier):
            return None
        return REPLICATION_HEARTBEAT_LAG_SECONDS if end <= 0 else max(REPLICATION_HEARTBEAT_LAG_SECONDS, end)

    MetricSource(
        clock=sim.clock,
        store=sim.store,
        key=key,
        resolution=60,
        value=lag,
        ingestion_delay=sim.latencies.s("METRIC_INGESTION_DELAY_SECONDS"),
    ).start(backfill_from=sim.clock.now)
    announce(
        sim.timeline,
        key,
        60,
        "1 s while Tokyo replicates; the seconds since Tokyo was lost after it; none once promoted",
    )
    alive = MetricKey.of("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": identifier})
    MetricSource(
        clock=sim.clock,
        store=sim.store,
        key=alive,
        resolution=60,
        value=lambda start, end: REPLICA_CPU_PERCENT,
        ingestion_delay=sim.latencies.s("METRIC_INGESTION_DELAY_SECONDS"),
    ).start(backfill_from=sim.clock.now)
    announce(sim.timeline, alive, 60, f"{REPLICA_CPU_PERCENT:g} % every minute, replica or promoted")


QUIET_AFTER_PROMOTION_SECONDS = 300.0
"""How long the drill watches the Osaka alarms after recovering: the replica-lag alarm must be back
to OK by then (one non-breaching minute, visible a minute later, evaluated within the next)."""


def _check_lag_alarm_quiet(sim: Sim) -> None:
    """After a successful failover the promoted instance publishes no ReplicaLag: its lag alarm must
    return to OK (it must not hold the high composite in ALARM for ever), and its silence alarm stay
    OK (the instance still publishes its own metrics)."""
    monitor = sim.monitors.get(SECONDARY)
    names = [
        name
        for name in (monitor.alarms if monitor else {})
        if "replica-lag" in name or "replica-silent" in name
    ]
    if not names:
        return
    sim.clock.advance_to(sim.clock.now + QUIET_AFTER_PROMOTION_SECONDS)
    for name in names:
        alarm = monitor.alarms[name]
        sim.timeline.check(
            f"{name} OK after the promotion",
            alarm.state == "OK",
            f"{alarm.state} {QUIET_AFTER_PROMOTION_SECONDS:g} s after recovery; transitions "
            + ", ".join(f"{t.previous}->{t.state} at {t.at:.0f} s" for t in alarm.transitions),
            source="SIMULATED",
        )


def _promoted(sim: Sim, identifier: str) -> bool:
    db = _describe(sim, SECONDARY, identifier)
    return db["DBInstanceStatus"] == "available" and not db.get("ReadReplicaSourceDBInstanceIdentifier")
