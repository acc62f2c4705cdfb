"""Level 2 and the data: an Availability Zone is lost, the primary database fails, data is deleted."""

from __future__ import annotations

import math
import re

from ..facts import Database, Runbook
from ..model import DataLoss, Path, ScenarioResult, Step, fmt_duration
from ..runbook import RunbookGraph
from ..timeline import Execution, Span, run_runbook
from ..timing import (
    asg_poll,
    const,
    event_to_function,
    group_warnings,
    lat_step,
    operator,
    rds_failure_event,
    replace_instances,
    target_unhealthy,
)
from . import STATELESS, Context, worst
from .runs import find_runbook, gap, manual_step, run_steps, start_step, world_for

_CLIENTS_SWITCH = "clients switch to the restored instance"


def _multi_az_failover(ctx: Context, db: Database) -> tuple[Path, Path, DataLoss]:
    lat = ctx.latencies
    detection = Path(
        "RDS monitors its primary",
        (
            Step(
                "RDS detects the failure (part of its documented failover time)",
                0,
                f"{db.resource.id}: MultiAZ=true",
            ),
        ),
    )
    recovery = Path(
        "RDS Multi-AZ failover",
        (
            lat_step(lat, "RDS fails over to the standby", "RDS_MULTI_AZ_FAILOVER_SECONDS"),
            lat_step(lat, "clients resolve the endpoint to the new primary", "DB_CLIENT_DNS_CACHE_SECONDS"),
        ),
    )
    return detection, recovery, DataLoss(0, f"{db.resource.id}: MultiAZ=true (synchronous standby)")


def _has_pitr(ctx: Context, db: Database) -> bool:
    """Point-in-time recovery: RDS automated backups, or an AWS Backup rule with continuous backup."""
    return db.backup_retention_days > 0 or any(
        rule.continuous for plan in ctx.inv.backup_plans for rule in plan.rules
    )


def _pitr_loss(ctx: Context, db: Database) -> DataLoss:
    """Loss when restoring ``db``: the log-upload interval with PITR, else the snapshot gap."""
    lat = ctx.latencies
    upload = (lat.s("RDS_PITR_LOG_UPLOAD_SECONDS"), lat.typ("RDS_PITR_LOG_UPLOAD_SECONDS"))
    if db.backup_retention_days > 0:
        return DataLoss(
            upload[0],
            f"{db.resource.id}: BackupRetentionPeriod={db.backup_retention_days} (PITR); "
            f"{const(lat, 'RDS_PITR_LOG_UPLOAD_SECONDS')}",
            upload[1],
        )
    continuous = [plan for plan in ctx.inv.backup_plans if any(rule.continuous for rule in plan.rules)]
    if continuous:
        return DataLoss(
            upload[0],
            f"{continuous[0].resource.id}: EnableContinuousBackup=true; "
            f"{const(lat, 'RDS_PITR_LOG_UPLOAD_SECONDS')}",
            upload[1],
        )
    intervals = [
        (rule.interval_seconds, plan)
        for plan in ctx.inv.backup_plans
        for rule in plan.rules
        if rule.interval_seconds
    ]
    if intervals:
        interval, plan = min(intervals, key=lambda item: item[0])
        return DataLoss(
            interval, f"{plan.resource.id}: snapshots every {fmt_duration(interval)} (no PITR)", interval / 2
        )
    return DataLoss(math.inf, f"{db.resource.id}: BackupRetentionPeriod=0 and no backup plan")


def restore_path(ctx: Context, result: ScenarioResult, db: Database, label: str) -> Path:
    """Restore ``db`` to a new instance: the PITR runbook's run when there is one, else by hand."""
    lat = ctx.latencies
    pitr = _has_pitr(ctx, db)
    api = "RestoreDBInstanceToPointInTime" if pitr else "RestoreDBInstanceFromDBSnapshot"
    runbook = find_runbook(ctx, db.resource.region, api)
    switch = lat_step(lat, _CLIENTS_SWITCH, "DB_CLIENT_DNS_CACHE_SECONDS")
    if runbook is None:
        name = "RDS_PITR_RESTORE_SECONDS" if pitr else "RDS_SNAPSHOT_RESTORE_SECONDS"
        return Path(
            f"{label} by hand (no runbook in {db.resource.region} calls {api})",
            (
                manual_step(ctx, f"on-call restores {db.resource.id} by hand"),
                lat_step(lat, "RDS restores the instance", name),
                switch,
            ),
        )
    start = start_step(ctx, runbook)
    run = run_runbook(runbook, world_for(ctx, runbook, lost_region=None), Span.of(start))
    if run.failed:
        result.gap_reason = f"runbook {runbook.resource.id} does not complete: {run.failed}"
    result.warnings.extend(note for note in run.notes if note not in result.warnings)
    missing = _app_switch_missing(ctx, runbook, run, db.resource.region)
    if missing is not None and not run.failed:
        result.add_gap(missing)
    steps = [start, *run_steps(run)]
    # a runbook that starts the restore without waiting for it ends before the instance is available
    restored = list(run.db_done.values())
    if restored:
        rest = gap(
            "RDS finishes the restore the runbook started",
            restored[-1] - run.clock,
            "; ".join(run.db_ops.values()),
        )
        steps += [rest] if rest else []
    elif not run.failed:
        result.add_gap(f"runbook {runbook.resource.id} starts no restore the budget can see")
    # Switched by the runbook, the app opens its connections to a name it never resolved before: no
    # cached answer to wait for. Without the switch, the person's change is counted as before.
    tail = () if missing is None else (switch,)
    return Path(f"{label} with runbook {runbook.name or runbook.resource.id}", (*steps, *tail))


def _parameters_the_app_reads(ctx: Context, region: str) -> set[str]:
    """Names of the region's SSM parameters (``AWS::SSM::Parameter``) that the web instances' user
    data names: what the app reads when it starts."""
    user_data = []
    for group in ctx.groups(region):
        template = ctx.template(group)
        if template is not None and template.user_data:
            user_data.append(template.user_data)
    names = {
        ctx.inv.stage.resolve(res.properties.get("Name"), res.id.stack)
        for res in ctx.inv.stage.resources("AWS::SSM::Parameter", region=region)
    }
    return {
        name
        for name in names
        if isinstance(name, str)
        and any(re.search(rf"(?<![\w/.-]){re.escape(name)}(?![\w/.-])", text) for text in user_data)
    }


def _app_switch_missing(ctx: Context, runbook: Runbook, run: Execution, region: str) -> str | None:
    """Why the run does not point the app at the restored instance, or ``None`` when it does.

    Pointing it there takes two steps on the path the run takes (the worst one): ``ssm:PutParameter``
    of a parameter the web instances' user data names (the app reads its database host from it when
    it starts), then a restart of the app after it (an ``aws:runCommand`` on the instances, or an
    Auto Scaling instance refresh, which replaces them).
    """
    graph = RunbookGraph.from_document(runbook.document)
    read = _parameters_the_app_reads(ctx, region)
    taken = [graph.step(timed.name) for timed in run.log]
    writes = [
        index
        for index, step in enumerate(taken)
        if step is not None
        and step.action == "aws:executeAwsApi"
        and step.service == "ssm"
        and step.api == "PutParameter"
        and graph.resolve(step.value("Name")) in read
    ]
    where = f"runbook {runbook.resource.id}"
    if not writes:
        known = ", ".join(sorted(read)) or "none named in their user data"
        return (
            f"{where} restores to a new instance but no step points the app at it (PutParameter of "
            f"the parameter the web instances read their database host from: {known})"
        )
    restored = list(run.db_done.values())
    written = run.log[writes[0]].start
    if restored and (written.worst < restored[-1].worst or written.typical < restored[-1].typical):
        return (
            f"{where} writes the endpoint before the restored instance is available (step "
            f"{run.log[writes[0]].name} does not wait for the restore)"
        )
    restarts = [
        step
        for step in taken[writes[0] + 1 :]
        if step is not None
        and (
            step.action == "aws:runCommand"
            or (step.service == "autoscaling" and step.api == "StartInstanceRefresh")
        )
    ]
    if not restarts:
        return (
            f"{where} writes the restored endpoint but restarts nothing after it: the app reads its "
            "database host only when it starts"
        )
    return None


def _database_page(ctx: Context, db: Database) -> list[Step]:
    """RDS reports the failure as an event; a rule delivers it to a function that pages (healing).

    Without such a rule the on-call's response time alone is counted (a person notices).
    """
    event = rds_failure_event(db.identifier, ctx.account(db.resource.id.stack), db.resource.region)
    rules = [r for r in ctx.inv.rules_matching(event, region=db.resource.region) if r.reaches("lambda")]
    if not rules:
        return []
    return event_to_function(ctx.latencies, rules[0].resource.id, "healing function pages the on-call")


def _single_az_restore(ctx: Context, result: ScenarioResult, db: Database) -> tuple[Path, Path, DataLoss]:
    page = _database_page(ctx, db)
    detection = Path(
        "RDS failure event -> healing function -> on-call" if page else "on-call is paged",
        (*page, operator(ctx.latencies, "on-call is paged and decides to restore")),
    )
    return (
        detection,
        restore_path(ctx, result, db, "restore the database to a new instance"),
        _pitr_loss(ctx, db),
    )


def db_primary_failure(ctx: Context) -> ScenarioResult:
    """The primary DB instance fails. Multi-AZ: RDS fails over by itself (typically 60-120 s), no data
    is lost. Single-AZ: a person restores to a new instance (data since the last log upload is lost)."""
    result = ctx.result("db_primary_failure")
    dbs = ctx.primary_databases(ctx.primary)
    if not dbs:
        result.absent_reason = f"no primary RDS DB instance in {ctx.primary}"
        return result
    results = []
    for db in dbs:
        item = ctx.result("db_primary_failure")
        if db.multi_az:
            item.detection, item.recovery, item.data_loss = _multi_az_failover(ctx, db)
        else:
            item.detection, item.recovery, item.data_loss = _single_az_restore(ctx, item, db)
            item.warnings.append(f"{db.resource.id}: MultiAZ is off: a primary failure needs a restore")
            if math.isinf(item.data_loss.seconds):
                item.gap_reason = f"{db.resource.id} has no backups to restore from"
        results.append(item)
    return worst(results)


def az_loss(ctx: Context) -> ScenarioResult:
    """One Availability Zone is lost: its instances stop answering and the DB primary may be there.

    Compute: worst case the AZ held ``ceil(desired / AZs)`` instances; the ALB sees them fail (the
    instances may still look "running" to EC2), the group replaces them in the other AZs in rounds
    (see :func:`replace_instances`). Database: a Multi-AZ primary fails over in parallel. The scenario
    takes the slower of the two.
    """
    result = ctx.result("az_loss")
    lat = ctx.latencies
    groups = ctx.groups(ctx.primary)
    dbs = ctx.primary_databases(ctx.primary)
    if not groups and not dbs:
        result.absent_reason = f"no Auto Scaling group or database in {ctx.primary}"
        return result
    compute: list[tuple[Path, Path]] = []
    for group in groups:
        tg, pool, template = ctx.target_group(group), ctx.pool(group), ctx.template(group)
        zones = group.availability_zones
        if zones == 0:
            zones = 2
            result.warnings.append(
                f"{group.resource.id}: the template does not show its subnets' AZs; "
                "assumed 2 (the largest share lost)"
            )
        elif zones == 1:
            result.gap_reason = (
                f"{group.resource.id} spans {group.availability_zones} AZ: it cannot relaunch elsewhere "
                "(give VPCZoneIdentifier subnets in 2+ AZs)"
            )
            return result
        desired = group.running_capacity
        lost = math.ceil(desired / zones) if desired else 0
        if tg is not None and group.uses_elb_health:
            detection = Path("ALB health check -> Auto Scaling", (target_unhealthy(tg), asg_poll(lat)))
        else:
            detection = Path(
                "EC2 status checks impaired -> Auto Scaling waits, then replaces",
                (
                    lat_step(lat, "EC2 runs its next status check", "EC2_STATUS_CHECK_INTERVAL_SECONDS"),
                    asg_poll(lat),
                    lat_step(
                        lat,
                        "Auto Scaling waits before replacing an impaired running instance",
                        "ASG_IMPAIRED_STATUS_WAIT_SECONDS",
                    ),
                ),
            )
        recovery = Path(
            f"replace {lost} instance(s) of {group.resource.id} in the other {zones - 1} AZ(s)",
            tuple(replace_instances(group, tg, pool, lat, lost=max(lost, 1), template=template)),
        )
        compute.append((detection, recovery))
        result.warnings.extend(
            w for w in group_warnings(group, tg, pool, lat, template) if w not in result.warnings
        )
    database: list[tuple[Path, Path, DataLoss]] = []
    for db in dbs:
        if db.multi_az:
            database.append(_multi_az_failover(ctx, db))
        else:
            database.append(_single_az_restore(ctx, result, db))
            result.warnings.append(f"{db.resource.id}: MultiAZ is off: losing its AZ needs a restore")
    paths = [(d, r) for d, r in compute] + [(d, r) for d, r, _ in database]
    detection, recovery = max(paths, key=lambda pair: pair[0].seconds + pair[1].seconds)
    result.detection, result.recovery = detection, recovery
    for d, r in paths:
        if (d, r) != (detection, recovery):
            result.alternatives.append(Path(f"in parallel: {r.name}", d.steps + r.steps))
    losses = [loss for _, _, loss in database]
    result.data_loss = max(losses, key=lambda loss: loss.seconds) if losses else STATELESS
    if math.isinf(result.data_loss.seconds):
        result.gap_reason = result.data_loss.basis
    return result


def data_deletion(ctx: Context) -> ScenarioResult:
    """Someone deletes data by mistake; the database is restored to just before (PITR).

    Detection is human: the clock starts when the deletion is reported. Recovery: the PITR runbook's
    run (or the restore by hand), then clients switch to the new instance. Data loss: what was written
    after the last transaction-log upload (5 minutes), or since the last snapshot without PITR.
    """
    result = ctx.result("data_deletion")
    dbs = ctx.primary_databases(ctx.primary)
    if not dbs:
        result.absent_reason = f"no primary RDS DB instance in {ctx.primary}"
        return result
    db = dbs[0]
    result.detection = Path(
        "reported by a person",
        (Step("the clock starts when the deletion is reported", 0, "human detection (no automatic signal)"),),
    )
    result.data_loss = _pitr_loss(ctx, db)
    if math.isinf(result.data_loss.seconds):
        result.gap_reason = f"{db.resource.id} has no backups: deleted data cannot be restored"
        return result
    result.recovery = restore_path(ctx, result, db, "point-in-time restore to a new instance")
    return result
