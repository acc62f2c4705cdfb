"""Level 3: the primary region is lost and the service comes up in the DR region.

Detection: :mod:`.region_detection`. Recovery: the failover runbook of the DR region, run on its step
graph (:mod:`..timeline`): its order, sleeps, waits and timeouts decide when the database is
promoted, when the standby group has capacity and when the DNS switch flips. Then Route 53 acts on
the flipped switch and resolvers drop the cached answer (the alias's TTL). Two moments are reported:
**first success** (clients reach the DR region, its database is writable and one instance serves)
and **full capacity** (the production capacity serves); the recovery figure is the latter.
Data loss: the replica's lag as bounded by a ReplicaLag alarm that pages someone, else an
assumption; replicated backups or backup copies otherwise.
"""

from __future__ import annotations

import math

from ..facts import SIGNAL_REPLICA_LAG, Alarm, Database, RecordSet
from ..latencies import cite as const
from ..model import DataLoss, Milestone, Path, ScenarioResult, Step, fmt_duration
from ..timeline import ZERO, Execution, Span, World, run_runbook
from ..timing import lat_step
from . import STATELESS, Context
from .region_detection import failover_records, region_detection
from .runs import find_runbook, gap, manual_step, run_steps, start_step, world_for

_DB_APIS = ("PromoteReadReplica", "RestoreDBInstanceToPointInTime", "RestoreDBInstanceFromDBSnapshot")


def _silence_pages(ctx: Context, alarm: Alarm) -> bool:
    """Whether someone is paged when the replica stops reporting: the lag alarm itself (missing data
    breaching), or a paging alarm on another metric of the same instance with missing data breaching
    (a replica publishing nothing at all). Without either, a silent replica's lag is bounded by
    nothing ("Configuring how CloudWatch alarms treat missing data", Amazon CloudWatch User Guide)."""
    if alarm.treat_missing_data == "breaching":
        return True
    instance = alarm.dimensions.get("DBInstanceIdentifier")
    return any(
        other.resource.id != alarm.resource.id
        and other.signal != SIGNAL_REPLICA_LAG
        and other.namespace == "AWS/RDS"
        and other.dimensions.get("DBInstanceIdentifier") == instance
        and other.treat_missing_data == "breaching"
        and ctx.pages(other)
        for other in ctx.inv.in_region(ctx.inv.alarms, alarm.resource.region)
    )


def _replica_loss(ctx: Context, result: ScenarioResult, replica: Database) -> DataLoss:
    """The lag bound of the tightest ReplicaLag alarm in the DR region that pages a person, both when
    the lag grows and when the replica goes silent."""
    lat = ctx.latencies
    alarms = [a for a in ctx.inv.in_region(ctx.inv.alarms, ctx.dr or "") if a.signal == SIGNAL_REPLICA_LAG]
    paging = [(a, pages) for a in alarms if a.threshold is not None and (pages := ctx.pages(a))]
    watched = [(a, pages) for a, pages in paging if _silence_pages(ctx, a)]
    for alarm in [a for a, _ in paging if all(a is not w for w, _ in watched)]:
        result.warnings.append(
            f"alarm {alarm.name or alarm.resource.id} pages on replica lag, but nothing pages when the "
            f"replica stops reporting (TreatMissingData {alarm.treat_missing_data} and no paging "
            "alarm on the instance's own metrics with missing data breaching): its threshold bounds "
            "nothing"
        )
    if watched:
        alarm, pages = min(watched, key=lambda item: item[0].threshold or 0)
        threshold = float(alarm.threshold or 0)
        return DataLoss(
            threshold,
            f"{replica.resource.id}: cross-Region replica; lag bounded by alarm {alarm.resource.id} "
            f"Threshold={threshold:g}s, which pages: {pages[0].route}",
            min(threshold, lat.typ("RDS_REPLICA_LAG_SECONDS")),
        )
    for alarm in [a for a in alarms if all(a is not p for p, _ in paging)]:
        result.warnings.append(
            f"alarm {alarm.name or alarm.resource.id} watches replica lag but pages nobody (no actions, "
            "no paging "
            "composite or rule): its threshold bounds nothing"
        )
    return DataLoss(
        lat.s("RDS_REPLICA_LAG_SECONDS"),
        f"{replica.resource.id}: cross-Region replica, no ReplicaLag alarm that pages someone; "
        f"{const(lat, 'RDS_REPLICA_LAG_SECONDS')}",
        lat.typ("RDS_REPLICA_LAG_SECONDS"),
    )


def _backup_loss(ctx: Context, result: ScenarioResult, db: Database) -> tuple[DataLoss, str | None]:
    """Loss (and the restore constant) when the DR region holds backups, not a replica."""
    lat, dr = ctx.latencies, ctx.dr
    if dr and db.backup_replication_region == dr:
        names = ("RDS_PITR_LOG_UPLOAD_SECONDS", "RDS_BACKUP_REPLICATION_LAG_SECONDS")
        return (
            DataLoss(
                sum(lat.s(n) for n in names),
                f"{db.resource.id}: AutomaticBackupReplicationRegion={dr}; "
                + " + ".join(const(lat, n) for n in names),
                sum(lat.typ(n) for n in names),
            ),
            "RDS_PITR_RESTORE_SECONDS",
        )
    copies = [
        (rule, plan)
        for plan in ctx.inv.backup_plans
        for rule in plan.rules
        if dr in rule.copy_regions and rule.interval_seconds
    ]
    if copies:
        rule, plan = min(copies, key=lambda item: item[0].interval_seconds or math.inf)
        interval = float(rule.interval_seconds or 0)
        copy = float(rule.completion_window_seconds or lat.s("BACKUP_COPY_SECONDS"))
        return (
            DataLoss(
                interval + copy,
                f"{plan.resource.id}: rule {rule.name} {rule.schedule} copies to {dr}: every "
                f"{fmt_duration(interval)} + backup and copy {fmt_duration(copy)}",
                interval / 2 + min(copy, lat.typ("BACKUP_COPY_SECONDS")),
            ),
            "RDS_SNAPSHOT_RESTORE_SECONDS",
        )
    result.add_gap(
        f"no copy of {db.resource.id} in {dr or 'a DR region'}: no cross-Region replica, backup replication "
        "or backup copy rule"
    )
    return DataLoss(math.inf, result.gap_reason), None


def _dns_steps(ctx: Context, result: ScenarioResult) -> list[Step]:
    """Route 53 acts on the flipped health status; resolvers keep the old answer for the record's TTL."""
    lat = ctx.latencies
    secondaries = failover_records(ctx, "SECONDARY")
    record: RecordSet = next((r for r in secondaries if r.target_region == ctx.dr), secondaries[0])
    if record.target_region and ctx.dr and record.target_region != ctx.dr:
        result.warnings.append(
            f"{record.resource.id}: SECONDARY points at {record.target_region}, not {ctx.dr}"
        )
    flip = lat_step(
        lat,
        "Route 53 name servers answer the DR record (health status flipped)",
        "ROUTE53_HEALTH_FLIP_SECONDS",
    )
    where = f"{record.resource.id}: Failover=SECONDARY"
    if record.alias and record.alias_to_elb:
        ttl = lat_step(
            lat,
            "resolvers drop the cached answer (alias to a load balancer: fixed TTL)",
            "ALIAS_ELB_TTL_SECONDS",
            where=f"{where}, AliasTarget {record.alias_how or 'a load balancer'}",
        )
    elif record.alias:
        result.warnings.append(
            f"{record.resource.id}: alias target {record.alias_how or 'unknown'} is not a load balancer the "
            "templates show: its TTL is the target's (assumed)"
        )
        ttl = lat_step(
            lat,
            "resolvers drop the cached answer (alias: the target's TTL)",
            "ALIAS_UNKNOWN_TARGET_TTL_SECONDS",
            where=f"{where}, AliasTarget {record.alias_how}",
        )
    else:
        seconds = float(record.ttl or 0)
        ttl = Step("resolvers drop the cached answer (record TTL)", seconds, f"{where}, TTL={record.ttl}")
    return [flip, ttl]


def _needed(ctx: Context) -> int:
    return max((g.running_capacity for g in ctx.groups(ctx.primary)), default=1) or 1


def _milestones(
    ctx: Context, world: World, run: Execution, dns: list[Step]
) -> dict[str, tuple[Span | None, str]]:
    """When clients reach DR, the database is writable, one / all instances serve (recovery clock)."""
    found: dict[str, tuple[Span | None, str]] = {}
    replicas = [
        db for db in ctx.inv.in_region(ctx.inv.databases, ctx.dr or "") if db.is_replica and db.identifier
    ]
    if replicas:
        identifier = replicas[0].identifier or ""
        found["database"] = (run.db_done.get(identifier), f"{identifier} promoted")
    elif ctx.primary_databases(ctx.primary):
        restored = list(run.db_done.values())
        found["database"] = (restored[-1] if restored else None, "the database restored in the DR region")
    else:
        found["database"] = (ZERO, "no database")
    moved = None if run.dns_at is None else run.dns_at + sum((Span.of(s) for s in dns), ZERO)
    found["dns"] = (moved, "clients reach the DR region")
    needed = _needed(ctx)
    for key, count in (("first_instance", 1), ("capacity", needed)):
        times = [run.capacity_at(world, name, count) for name in world.groups]
        known = [t for t in times if t is not None]
        label = f"{count} instance(s) serve in {ctx.dr}"
        found[key] = (
            max(known, key=lambda s: s.worst) if known and len(known) == len(times) else None,
            label,
        )
    return found


def _runbook_recovery(ctx: Context, result: ScenarioResult, detection: Path) -> None:
    runbook = find_runbook(ctx, ctx.dr or "", *_DB_APIS, also=("UpdateHealthCheck", "UpdateAutoScalingGroup"))
    if runbook is None:
        _manual_recovery(ctx, result)
        return
    world = world_for(ctx, runbook, lost_region=ctx.primary)
    start = start_step(ctx, runbook)
    dns = _dns_steps(ctx, result) if failover_records(ctx, "SECONDARY") else []

    def score(run: Execution) -> float:
        if run.failed:
            return math.inf
        capacity = _milestones(ctx, world, run, dns)["capacity"][0]
        return math.inf if capacity is None else capacity.worst

    run = run_runbook(runbook, world, Span.of(start), score)
    result.warnings.extend(note for note in run.notes if note not in result.warnings)
    marks = _milestones(ctx, world, run, dns)
    missing = [label for key, (at, label) in marks.items() if at is None and (dns or key != "dns")]
    if not dns:
        missing.insert(0, f"no Route 53 failover record (SECONDARY) sends clients to {ctx.dr}")
    first = [at for key, (at, _) in marks.items() if key != "capacity"]
    first_success = None if any(at is None for at in first) else _latest(first)
    capacity = marks["capacity"][0]
    full = None if first_success is None or capacity is None else first_success.later(capacity)
    # the path: the run up to the DNS switch, Route 53 and resolvers, then whatever is still awaited
    steps = [start, *run_steps(run, until=run.dns_at if run.dns_at is not None else None)]
    if run.dns_at is not None:
        steps.extend(dns)
        clients = marks["dns"][0] or ZERO
        if first_success is not None and (
            wait := gap(
                "waiting for the database and the first instance",
                first_success - clients,
                "; ".join(label for _, label in marks.values()),
            )
        ):
            steps.append(wait)
        if (
            full is not None
            and first_success is not None
            and (
                rest := gap(
                    f"the rest of the production capacity ({_needed(ctx)}) serves",
                    full - first_success,
                    marks["capacity"][1],
                )
            )
        ):
            steps.append(rest)
    result.recovery = Path(
        f"fail over to {ctx.dr} with runbook {runbook.name or runbook.resource.id}", tuple(steps)
    )
    base = Span(detection.typical_seconds, detection.seconds)
    for key, label, at in (
        ("first_success", "time to first success", first_success),
        ("full_capacity", "time to full capacity", full),
    ):
        total = None if at is None else base + at
        result.milestones[key] = Milestone(
            label,
            None if total is None else total.worst,
            None if total is None else total.typical,
            f"{runbook.resource.id}; "
            + "; ".join(f"{lbl}: {fmt_duration(at.worst) if at else 'never'}" for at, lbl in marks.values()),
        )
    end = run.clock
    result.milestones["runbook_end"] = Milestone(
        "runbook ends" if not run.failed else f"runbook fails ({run.failed})",
        base.worst + end.worst,
        base.typical + end.typical,
        str(runbook.resource.id),
    )
    if run.failed:
        result.add_gap(f"runbook {runbook.resource.id} fails: {run.failed}")
    elif missing:
        result.add_gap(f"runbook {runbook.resource.id} never reaches: " + "; ".join(missing))


def _latest(spans: list[Span | None]) -> Span:
    latest = ZERO
    for span in spans:
        if span is not None:
            latest = latest.later(span)
    return latest


def _manual_recovery(ctx: Context, result: ScenarioResult) -> None:
    """No runbook in the DR region: a person does it by hand, database and capacity in parallel."""
    lat, dr = ctx.latencies, ctx.dr or ""
    steps: list[Step] = [
        manual_step(ctx, f"no runbook in {dr} promotes or restores the database: done by hand")
    ]
    parallel: list[Step] = []
    replicas = [db for db in ctx.inv.in_region(ctx.inv.databases, dr) if db.is_replica]
    if replicas:
        promote = lat_step(lat, f"promote the read replica in {dr}", "RDS_REPLICA_PROMOTION_SECONDS")
        if replicas[0].backup_retention_days == 0:  # the promotion takes the replica's first backup
            backup = lat_step(lat, "", "RDS_PROMOTION_FIRST_BACKUP_SECONDS")
            promote = Step(
                f"{promote.label} (it keeps no backups: the first is taken during the promotion)",
                promote.seconds + backup.seconds,
                f"{replicas[0].resource.id}: BackupRetentionPeriod=0; {promote.source} + {backup.source}",
                typical=promote.typical_seconds + backup.typical_seconds,
            )
        parallel.append(promote)
    groups = ctx.groups(dr)
    if not groups:
        parallel.append(
            Step(
                f"deploy the web tier in {dr} and boot it",
                lat.s("STACK_DEPLOY_SECONDS") + lat.s("INSTANCE_BOOT_SECONDS"),
                f"no Auto Scaling group in {dr}; {const(lat, 'STACK_DEPLOY_SECONDS')} + "
                f"{const(lat, 'INSTANCE_BOOT_SECONDS')}",
                typical=lat.typ("STACK_DEPLOY_SECONDS") + lat.typ("INSTANCE_BOOT_SECONDS"),
            )
        )
    if parallel:
        slowest = max(parallel, key=lambda step: step.seconds)
        steps.append(
            Step(
                " | ".join(step.label for step in parallel),
                slowest.seconds,
                " | ".join(step.source for step in parallel),
                "in parallel: the slowest counts",
                typical=max(step.typical_seconds for step in parallel),
            )
        )
    if failover_records(ctx, "SECONDARY"):
        steps.append(manual_step(ctx, "flip the DNS switch by hand"))
        steps.extend(_dns_steps(ctx, result))
    else:
        result.add_gap(f"no Route 53 failover record (SECONDARY) sends clients to {dr}")
    result.recovery = Path(f"fail over to {dr} by hand", tuple(steps))


def region_loss(ctx: Context) -> ScenarioResult:
    """The primary region is lost; the app is brought up in the DR region (see the module docstring)."""
    result = ctx.result("region_loss")
    if not ctx.groups(ctx.primary) and not ctx.primary_databases(ctx.primary):
        result.absent_reason = f"nothing to fail over: no web tier or database in {ctx.primary}"
        return result
    if not ctx.dr:
        result.add_gap("no DR region: the stage deploys to one region only")
        return result
    primaries = ctx.primary_databases(ctx.primary)
    replicas = [db for db in ctx.inv.in_region(ctx.inv.databases, ctx.dr) if db.is_replica]
    if not primaries:
        result.data_loss = STATELESS
    elif replicas:
        result.data_loss = _replica_loss(ctx, result, replicas[0])
    else:
        result.data_loss, _ = _backup_loss(ctx, result, primaries[0])
    if result.gap_reason:
        return result
    result.detection = region_detection(ctx, result)
    _runbook_recovery(ctx, result, result.detection)
    return result
