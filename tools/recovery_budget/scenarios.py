"""The failure scenarios: detection path, recovery path and data-loss window, derived from templates.

Conventions (all scenarios):
- Detection runs from the moment the failure starts to the moment something starts recovering (a
  group replacing an instance, a function acting, a person deciding). When several paths can detect
  a failure, the fastest one's worst case counts (any one of them starts the recovery); the others are
  kept as ``alternatives`` in the report.
- Recovery runs from there to "serving again at full capacity" (not just "errors stopped").
- Where a region has several Auto Scaling groups, the slowest group's result is the scenario's.
- What the healing function does per alarm is its documented contract (issue 3, lambda_src/auto_heal):
  CPU -> scale out by one only when the group has no target tracking; memory -> restart the web
  service through SSM Run Command; EC2 stopped -> mark the instance unhealthy so the group replaces it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from tools.cloud_assembly import Attr

from .inventory import (
    SIGNAL_CPU,
    SIGNAL_MEMORY,
    SIGNAL_REPLICA_LAG,
    SIGNAL_ROUTE53,
    SIGNAL_UNHEALTHY_HOSTS,
    Alarm,
    AutoScalingGroup,
    Database,
    EventRule,
    HealthCheck,
    Inventory,
    RecordSet,
    TargetGroup,
    WarmPool,
)
from .latencies import Latencies
from .model import DataLoss, Path, ScenarioResult, Step, fmt_duration
from .targets import SCENARIOS, Target
from .timing import (
    alarm_event,
    alarm_fires,
    asg_poll,
    const,
    datapoints_to_fire,
    ec2_state_event,
    event_to_function,
    group_warnings,
    launch,
    metric_resolution,
    operator,
    rds_failure_event,
    replace_instances,
    target_healthy,
    target_unhealthy,
)

_TITLES = {spec.key: (spec.title, spec.level) for spec in SCENARIOS}
_STATELESS = DataLoss(0, "web tier is stateless: instances keep no data (the database holds it)")


@dataclass
class Context:
    inv: Inventory
    latencies: Latencies
    primary: str
    dr: str | None
    targets: dict[str, Target | None]

    def result(self, key: str) -> ScenarioResult:
        title, level = _TITLES[key]
        return ScenarioResult(key=key, title=title, level=level, target=self.targets.get(key))

    def account(self, stack: str) -> str:
        return self.inv.stage.stack(stack).account

    def groups(self, region: str) -> list[AutoScalingGroup]:
        return self.inv.in_region(self.inv.groups, region)

    def target_group(self, group: AutoScalingGroup) -> TargetGroup | None:
        for rid in group.target_groups:
            tg = self.inv.target_group(rid)
            if tg is not None:
                return tg
        return None

    def pool(self, group: AutoScalingGroup) -> WarmPool | None:
        return self.inv.warm_pool(group)

    def primary_databases(self, region: str) -> list[Database]:
        return [db for db in self.inv.in_region(self.inv.databases, region) if not db.is_replica]


@dataclass
class AlarmRouting:
    """Where an alarm's ALARM transition goes.

    ``healing_rules`` reach a Lambda function (the healing function's contract applies);
    ``runbook_rules`` start an SSM Automation runbook; ``notifies`` is true when a person is paged: an
    SNS action, a rule to SNS, a rule to a state machine (the escalation policy pages tiers), or a
    composite alarm with actions that includes this alarm.
    """

    healing_rules: list[EventRule]
    runbook_rules: list[EventRule]
    notifies: bool
    scaling_policies: list[str]


def route_alarm(ctx: Context, alarm: Alarm) -> AlarmRouting:
    """Follow an alarm's ALARM transition through its actions, the deployed rules and composites."""
    region = alarm.resource.region
    event = alarm_event(alarm, ctx.account(alarm.resource.id.stack), region)
    rules = ctx.inv.rules_matching(event, region=region)
    notifies = any(rule.reaches("sns", "state_machine") for rule in rules)
    policies = []
    for action in alarm.actions:
        if isinstance(action, Attr):
            target = ctx.inv.stage.resource(action.resource)
            if target and target.type == "AWS::SNS::Topic":
                notifies = True
            elif target and target.type == "AWS::AutoScaling::ScalingPolicy":
                policies.append(str(target.id))
        elif isinstance(action, str) and ":sns:" in action:
            notifies = True
        elif action is None:
            notifies = True  # an imported topic ARN we cannot resolve: still a notification
    # a composite alarm that includes this one pages for it (issue 4: composites carry the paging actions)
    notifies = notifies or any(c.has_actions and c.includes(alarm) for c in ctx.inv.composites)
    return AlarmRouting(
        [r for r in rules if r.reaches("lambda")],
        [r for r in rules if r.reaches("automation")],
        notifies,
        policies,
    )


def _unknown_name_warning(alarm: Alarm) -> str | None:
    if alarm.name is None:
        return (
            f"{alarm.resource.id} has no literal AlarmName: no rule can be shown to hear it "
            "(name alarms {app}-{env}-{component}-{signal}-{severity})"
        )
    return None


def _pick_fastest(result: ScenarioResult, candidates: list[Path]) -> Path | None:
    if not candidates:
        return None
    ordered = sorted(candidates, key=lambda path: path.seconds)
    result.alternatives.extend(ordered[1:])
    return ordered[0]


def _worst(results: list[ScenarioResult]) -> ScenarioResult:
    def key(result: ScenarioResult) -> float:
        return math.inf if result.total_seconds is None else result.total_seconds

    return max(results, key=key)


def _per_group(
    ctx: Context, key: str, fn: Callable[[Context, ScenarioResult, AutoScalingGroup], None]
) -> ScenarioResult:
    groups = ctx.groups(ctx.primary)
    if not groups:
        result = ctx.result(key)
        result.absent_reason = f"no Auto Scaling group in {ctx.primary}"
        return result
    results = []
    for group in groups:
        result = ctx.result(key)
        fn(ctx, result, group)
        results.append(result)
    return _worst(results)


# --- level 1: instances and processes -----------------------------------------------------------


def _elb_detection(ctx: Context, group: AutoScalingGroup, tg: TargetGroup | None) -> Path | None:
    if tg is None or not group.uses_elb_health:
        return None
    return Path(
        "ALB health check -> Auto Scaling (HealthCheckType ELB)",
        (target_unhealthy(tg), asg_poll(ctx.latencies)),
    )


def _instance_crash(ctx: Context, result: ScenarioResult, group: AutoScalingGroup) -> None:
    """The instance stops or terminates (host failure, OS shutdown, someone stops it).

    Paths: Auto Scaling's EC2 health check sees it is no longer running ("treated as an immediate
    failure"); an EC2 state-change rule reaches the healing function, which marks it unhealthy; the
    ALB health check (with HealthCheckType ELB). Recovery: the group replaces it.
    """
    lat, tg, pool = ctx.latencies, ctx.target_group(group), ctx.pool(group)
    region, account = group.resource.region, ctx.account(group.resource.id.stack)
    candidates = [
        Path(
            "Auto Scaling EC2 health check (instance not running)",
            (
                Step(
                    "Auto Scaling's next periodic health check sees the instance is not running",
                    lat.s("ASG_HEALTH_CHECK_POLL_SECONDS"),
                    f"{group.resource.id}; {const(lat, 'ASG_HEALTH_CHECK_POLL_SECONDS')}",
                ),
            ),
        )
    ]
    states = ("stopping", "stopped", "shutting-down", "terminated")
    rules = {
        rule.resource.id: rule
        for state in states
        for rule in ctx.inv.rules_matching(ec2_state_event(state, account, region), region=region)
        if rule.reaches("lambda")
    }
    for rule in rules.values():
        candidates.append(
            Path(
                f"EC2 state-change event -> {rule.describe_targets()}",
                tuple(
                    event_to_function(lat, rule.resource.id, "healing function marks the instance unhealthy")
                ),
            )
        )
    elb = _elb_detection(ctx, group, tg)
    if elb:
        candidates.append(elb)
    result.detection = _pick_fastest(result, candidates)
    result.recovery = Path(
        "Auto Scaling replaces the instance", tuple(replace_instances(group, tg, pool, lat))
    )
    result.data_loss = _STATELESS
    result.warnings.extend(group_warnings(group, tg, pool, lat))


def _notify_paths(
    ctx: Context, result: ScenarioResult, group: AutoScalingGroup, signal: str, action: str
) -> list[Path]:
    """Alarm -> page a person -> they act (``action``)."""
    paths = []
    for alarm in ctx.inv.alarms_on_group(group, signal):
        routing = route_alarm(ctx, alarm)
        if routing.notifies:
            steps = [*alarm_fires(alarm, ctx.inv, group, ctx.latencies, result.warnings)]
            steps.append(operator(ctx.latencies, f"on-call is paged, decides and {action}"))
            paths.append(
                Path(f"alarm {alarm.name or alarm.resource.id} -> notification -> on-call", tuple(steps))
            )
    return paths


def _process_hung(ctx: Context, result: ScenarioResult, group: AutoScalingGroup) -> None:
    """The web process hangs: ``/health`` times out while EC2 says the instance is running.

    Only the ALB sees this. With HealthCheckType ELB the group replaces the instance; otherwise only
    an unhealthy-host alarm can page a person. Recovery: the group replaces the instance.
    """
    lat, tg, pool = ctx.latencies, ctx.target_group(group), ctx.pool(group)
    candidates = []
    elb = _elb_detection(ctx, group, tg)
    if elb:
        candidates.append(elb)
    elif tg is not None:
        result.warnings.append(
            f"{group.resource.id}: HealthCheckType={group.health_check_type}: the group ignores the ALB "
            "health check, so a hung web process is never replaced automatically (set HealthCheckType ELB)"
        )
    candidates.extend(
        _notify_paths(ctx, result, group, SIGNAL_UNHEALTHY_HOSTS, "marks the instance unhealthy")
    )
    result.detection = _pick_fastest(result, candidates)
    if result.detection is None:
        result.gap_reason = (
            f"nothing detects a hung web process on {group.resource.id}: no ALB health check used by the "
            "group (HealthCheckType ELB) and no unhealthy-host alarm"
        )
        return
    result.recovery = Path(
        "Auto Scaling replaces the instance", tuple(replace_instances(group, tg, pool, lat))
    )
    result.data_loss = _STATELESS
    result.warnings.extend(group_warnings(group, tg, pool, lat))


def _cpu_saturation(ctx: Context, result: ScenarioResult, group: AutoScalingGroup) -> None:
    """Load drives the group's CPU over its threshold; recovery is added capacity serving traffic.

    Paths: a target-tracking policy on CPU (its managed alarm: 3 datapoints at the EC2 metric's
    resolution); a CPU alarm whose action is a scaling policy; a CPU alarm routed to the healing
    function (which scales out only when the group has no target tracking); a CPU alarm that pages.
    Assumes the group is below MaxSize when the load arrives.
    """
    lat, tg, pool, inv = ctx.latencies, ctx.target_group(group), ctx.pool(group), ctx.inv
    desired = group.desired if group.desired is not None else group.min_size
    if group.max_size <= desired:
        result.gap_reason = (
            f"{group.resource.id}: MaxSize={group.max_size} leaves no room above the desired capacity "
            f"{desired}: raise MaxSize so the group can scale out"
        )
        return
    candidates = []
    tracking = [
        p
        for p in inv.policies(group)
        if p.policy_type == "TargetTrackingScaling"
        and p.metric in ("ASGAverageCPUUtilization", "CPUUtilization")
    ]
    if tracking:
        policy = tracking[0]
        probe = Alarm(
            resource=policy.resource,
            name=None,
            namespace="AWS/EC2",
            metric_names=("CPUUtilization",),
            dimensions={},
            period=60,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            threshold=None,
            comparison=None,
            actions=(),
            signal=SIGNAL_CPU,
            math=False,
        )
        resolution, source, _ = metric_resolution(probe, inv, group, lat)
        datapoints = int(lat.s("TARGET_TRACKING_SCALE_OUT_DATAPOINTS"))
        candidates.append(
            Path(
                f"target tracking {policy.resource.id} scales out",
                tuple(
                    datapoints_to_fire(
                        "target-tracking scale-out alarm",
                        datapoints,
                        resolution,
                        resolution,
                        lat,
                        f"{policy.resource.id}: PolicyType=TargetTrackingScaling; "
                        f"{const(lat, 'TARGET_TRACKING_SCALE_OUT_DATAPOINTS')}; {source}",
                    )
                ),
            )
        )
    for alarm in inv.alarms_on_group(group, SIGNAL_CPU):
        if (warning := _unknown_name_warning(alarm)) and warning not in result.warnings:
            result.warnings.append(warning)
        routing = route_alarm(ctx, alarm)
        name = alarm.name or str(alarm.resource.id)
        if routing.scaling_policies:
            candidates.append(
                Path(
                    f"alarm {name} -> scaling policy {routing.scaling_policies[0]}",
                    tuple(alarm_fires(alarm, inv, group, lat, result.warnings)),
                )
            )
        if routing.healing_rules and not tracking:
            rule = routing.healing_rules[0]
            candidates.append(
                Path(
                    f"alarm {name} -> {rule.describe_targets()} scales out by one",
                    (
                        *alarm_fires(alarm, inv, group, lat, result.warnings),
                        *event_to_function(
                            lat, rule.resource.id, "healing function raises the desired capacity"
                        ),
                    ),
                )
            )
    if not candidates:
        candidates.extend(_notify_paths(ctx, result, group, SIGNAL_CPU, "raises the desired capacity"))
    result.detection = _pick_fastest(result, candidates)
    if result.detection is None:
        result.gap_reason = (
            f"nothing adds capacity to {group.resource.id} under CPU load: no target tracking on CPU, no CPU "
            "alarm with a scaling action, healing route or notification"
        )
        return
    steps = [launch(group, pool, lat)]
    if tg is not None:
        steps.append(target_healthy(tg))
    result.recovery = Path("new capacity serves traffic", tuple(steps))
    result.data_loss = _STATELESS


def _memory_pressure(ctx: Context, result: ScenarioResult, group: AutoScalingGroup) -> None:
    """Memory use on an instance rises past its threshold (a leak); recovery restarts the web service.

    Paths: a memory alarm (CloudWatch agent metric) routed to the healing function, which restarts the
    web unit through SSM Run Command; a memory alarm that pages a person who does the same.
    Recovery: the restart, then the target passes the ALB health check again.
    """
    lat, tg, inv = ctx.latencies, ctx.target_group(group), ctx.inv
    candidates = []
    for alarm in inv.alarms_on_group(group, SIGNAL_MEMORY):
        if (warning := _unknown_name_warning(alarm)) and warning not in result.warnings:
            result.warnings.append(warning)
        routing = route_alarm(ctx, alarm)
        for rule in routing.healing_rules[:1]:
            candidates.append(
                Path(
                    f"alarm {alarm.name or alarm.resource.id} -> {rule.describe_targets()}",
                    (
                        *alarm_fires(alarm, inv, group, lat, result.warnings),
                        *event_to_function(
                            lat, rule.resource.id, "healing function sends the restart command"
                        ),
                    ),
                )
            )
    if not candidates:
        candidates.extend(_notify_paths(ctx, result, group, SIGNAL_MEMORY, "restarts the web service"))
    result.detection = _pick_fastest(result, candidates)
    if result.detection is None:
        result.gap_reason = (
            f"no memory alarm on {group.resource.id} (CloudWatch agent mem_used_percent): memory pressure is "
            "only caught once /health fails (see process_hung)"
        )
        return
    steps = [
        Step(
            "SSM Run Command restarts the web unit",
            lat.s("SSM_RUN_COMMAND_SECONDS"),
            const(lat, "SSM_RUN_COMMAND_SECONDS"),
        )
    ]
    if tg is not None:
        steps.append(target_healthy(tg))
    result.recovery = Path("restart the web service", tuple(steps))
    result.data_loss = DataLoss(0, "in-flight requests on the restarted process fail; no stored data is lost")


# --- level 2: zone and database -----------------------------------------------------------------


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
            Step(
                "RDS fails over to the standby",
                lat.s("RDS_MULTI_AZ_FAILOVER_SECONDS"),
                const(lat, "RDS_MULTI_AZ_FAILOVER_SECONDS"),
            ),
            Step(
                "clients resolve the endpoint to the new primary",
                lat.s("DB_CLIENT_DNS_CACHE_SECONDS"),
                const(lat, "DB_CLIENT_DNS_CACHE_SECONDS"),
            ),
        ),
    )
    return detection, recovery, DataLoss(0, f"{db.resource.id}: MultiAZ=true (synchronous standby)")


def _has_pitr(ctx: Context, db: Database) -> bool:
    """Point-in-time recovery: RDS automated backups, or an AWS Backup rule with continuous backup."""
    return db.backup_retention_days > 0 or any(
        rule.continuous for plan in ctx.inv.backup_plans for rule in plan.rules
    )


def _pitr_loss(ctx: Context, db: Database) -> DataLoss:
    """Worst-case loss when restoring ``db``: the log-upload interval with PITR, else the snapshot gap."""
    lat = ctx.latencies
    if db.backup_retention_days > 0:
        return DataLoss(
            lat.s("RDS_PITR_LOG_UPLOAD_SECONDS"),
            f"{db.resource.id}: BackupRetentionPeriod={db.backup_retention_days} (PITR); "
            f"{const(lat, 'RDS_PITR_LOG_UPLOAD_SECONDS')}",
        )
    continuous = [plan for plan in ctx.inv.backup_plans if any(rule.continuous for rule in plan.rules)]
    if continuous:
        return DataLoss(
            lat.s("RDS_PITR_LOG_UPLOAD_SECONDS"),
            f"{continuous[0].resource.id}: EnableContinuousBackup=true; "
            f"{const(lat, 'RDS_PITR_LOG_UPLOAD_SECONDS')}",
        )
    intervals = [
        (rule.interval_seconds, plan)
        for plan in ctx.inv.backup_plans
        for rule in plan.rules
        if rule.interval_seconds
    ]
    if intervals:
        interval, plan = min(intervals, key=lambda item: item[0])
        return DataLoss(interval, f"{plan.resource.id}: snapshots every {fmt_duration(interval)} (no PITR)")
    return DataLoss(math.inf, f"{db.resource.id}: BackupRetentionPeriod=0 and no backup plan")


def _restore_start(ctx: Context, region: str, *apis: str) -> Step:
    lat = ctx.latencies
    # The runbook that covers most of the path (a failover promotes AND scales), not any that calls one.
    runbooks = sorted(
        (rb for rb in ctx.inv.in_region(ctx.inv.runbooks, region) if rb.calls(*apis)),
        key=lambda rb: -sum(rb.calls(api) for api in apis),
    )
    if runbooks:
        return Step(
            f"start runbook {runbooks[0].name or runbooks[0].resource.id}",
            lat.s("RUNBOOK_START_SECONDS"),
            f"{runbooks[0].resource.id} calls {'/'.join(apis)}; {const(lat, 'RUNBOOK_START_SECONDS')}",
        )
    return Step(
        f"no runbook in {region} calls {'/'.join(apis)}: done by hand",
        lat.s("MANUAL_PROCEDURE_SECONDS"),
        const(lat, "MANUAL_PROCEDURE_SECONDS"),
    )


def _database_page(ctx: Context, db: Database) -> list[Step]:
    """RDS reports the failure as an event; a rule delivers it to a function that pages (healing).

    Without such a rule the on-call's response time alone is counted (a person notices).
    """
    identifier = ctx.inv.stage.resolve(
        db.resource.properties.get("DBInstanceIdentifier"), db.resource.id.stack
    )
    event = rds_failure_event(
        identifier if isinstance(identifier, str) else None,
        ctx.account(db.resource.id.stack),
        db.resource.region,
    )
    rules = [r for r in ctx.inv.rules_matching(event, region=db.resource.region) if r.reaches("lambda")]
    if not rules:
        return []
    return event_to_function(ctx.latencies, rules[0].resource.id, "healing function pages the on-call")


def _single_az_restore(ctx: Context, db: Database) -> tuple[Path, Path, DataLoss]:
    lat = ctx.latencies
    page = _database_page(ctx, db)
    detection = Path(
        "RDS failure event -> healing function -> on-call" if page else "on-call is paged",
        (*page, operator(lat, "on-call is paged and decides to restore")),
    )
    recovery = Path(
        "restore the database to a new instance (PITR)",
        (
            _restore_start(ctx, db.resource.region, "RestoreDBInstanceToPointInTime"),
            Step(
                "RDS restores to the latest restorable time",
                lat.s("RDS_PITR_RESTORE_SECONDS"),
                const(lat, "RDS_PITR_RESTORE_SECONDS"),
            ),
            Step(
                "clients switch to the restored instance",
                lat.s("DB_CLIENT_DNS_CACHE_SECONDS"),
                const(lat, "DB_CLIENT_DNS_CACHE_SECONDS"),
            ),
        ),
    )
    return detection, recovery, _pitr_loss(ctx, db)


def db_primary_failure(ctx: Context) -> ScenarioResult:
    """The primary DB instance fails. Multi-AZ: RDS fails over by itself (60-120 s documented), no data
    is lost. Single-AZ: a person restores to a new instance from PITR (data since the last log upload
    is lost)."""
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
            item.detection, item.recovery, item.data_loss = _single_az_restore(ctx, db)
            item.warnings.append(f"{db.resource.id}: MultiAZ is off: a primary failure needs a restore")
            if math.isinf(item.data_loss.seconds):
                item.gap_reason = f"{db.resource.id} has no backups to restore from"
        results.append(item)
    return _worst(results)


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
        tg, pool = ctx.target_group(group), ctx.pool(group)
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
        desired = group.desired if group.desired is not None else group.min_size
        lost = math.ceil(desired / zones) if desired else 0
        if tg is not None and group.uses_elb_health:
            detection = Path("ALB health check -> Auto Scaling", (target_unhealthy(tg), asg_poll(lat)))
        else:
            detection = Path(
                "EC2 status checks impaired -> Auto Scaling waits, then replaces",
                (
                    asg_poll(lat),
                    Step(
                        "Auto Scaling waits before replacing an impaired running instance",
                        lat.s("ASG_IMPAIRED_STATUS_WAIT_SECONDS"),
                        const(lat, "ASG_IMPAIRED_STATUS_WAIT_SECONDS"),
                    ),
                ),
            )
        recovery = Path(
            f"replace {lost} instance(s) of {group.resource.id} in the other {zones - 1} AZ(s)",
            tuple(replace_instances(group, tg, pool, lat, lost=max(lost, 1))),
        )
        compute.append((detection, recovery))
        result.warnings.extend(w for w in group_warnings(group, tg, pool, lat) if w not in result.warnings)
    database: list[tuple[Path, Path, DataLoss]] = []
    for db in dbs:
        if db.multi_az:
            database.append(_multi_az_failover(ctx, db))
        else:
            database.append(_single_az_restore(ctx, db))
            result.warnings.append(f"{db.resource.id}: MultiAZ is off: losing its AZ needs a restore")
    paths = [(d, r) for d, r in compute] + [(d, r) for d, r, _ in database]
    detection, recovery = max(paths, key=lambda pair: pair[0].seconds + pair[1].seconds)
    result.detection, result.recovery = detection, recovery
    for d, r in paths:
        if (d, r) != (detection, recovery):
            result.alternatives.append(Path(f"in parallel: {r.name}", d.steps + r.steps))
    losses = [loss for _, _, loss in database]
    result.data_loss = max(losses, key=lambda loss: loss.seconds) if losses else _STATELESS
    if math.isinf(result.data_loss.seconds):
        result.gap_reason = result.data_loss.basis
    return result


# --- data deletion --------------------------------------------------------------------------------


def data_deletion(ctx: Context) -> ScenarioResult:
    """Someone deletes data by mistake; the database is restored to just before (PITR).

    Detection is human: the clock starts when the deletion is reported. Recovery: start the PITR
    runbook (or do it by hand), RDS restores to a new instance, clients switch to it. Data loss: what
    was written after the last transaction-log upload (5 minutes) — or since the last snapshot when
    PITR is off.
    """
    result = ctx.result("data_deletion")
    dbs = ctx.primary_databases(ctx.primary)
    if not dbs:
        result.absent_reason = f"no primary RDS DB instance in {ctx.primary}"
        return result
    lat = ctx.latencies
    db = dbs[0]
    result.detection = Path(
        "reported by a person",
        (Step("the clock starts when the deletion is reported", 0, "human detection (no automatic signal)"),),
    )
    result.data_loss = _pitr_loss(ctx, db)
    if math.isinf(result.data_loss.seconds):
        result.gap_reason = f"{db.resource.id} has no backups: deleted data cannot be restored"
        return result
    restore_label, restore_name = (
        ("RDS restores to the chosen time", "RDS_PITR_RESTORE_SECONDS")
        if _has_pitr(ctx, db)
        else ("RDS restores the latest snapshot", "RDS_SNAPSHOT_RESTORE_SECONDS")
    )
    result.recovery = Path(
        "point-in-time restore to a new instance",
        (
            _restore_start(ctx, db.resource.region, "RestoreDBInstanceToPointInTime"),
            Step(restore_label, lat.s(restore_name), const(lat, restore_name)),
            Step(
                "clients switch to the restored instance",
                lat.s("DB_CLIENT_DNS_CACHE_SECONDS"),
                const(lat, "DB_CLIENT_DNS_CACHE_SECONDS"),
            ),
        ),
    )
    return result


# --- level 3: region --------------------------------------------------------------------------------


def _records_for(ctx: Context, region: str | None, role: str) -> list[RecordSet]:
    """Failover records pointing at ``region`` (when the alias tells), else those with ``Failover=role``."""
    by_region = [r for r in ctx.inv.records if r.failover and region and r.target_region == region]
    return by_region or [r for r in ctx.inv.records if r.failover == role]


def _primary_endpoint_checks(ctx: Context) -> list[HealthCheck]:
    """The Route 53 checks that watch the primary region's endpoint.

    Only endpoint checks (HTTP/HTTPS/TCP) detect anything: a ``CALCULATED`` check is a switch a runbook
    sets. Preference: the checks a primary record uses, directly or as children of its switch; then
    endpoint checks whose host is in the primary region; then every endpoint check.
    """
    inv = ctx.inv
    by_id = {hc.resource.id: hc for hc in inv.health_checks}
    linked: list[HealthCheck] = []
    for record in _records_for(ctx, ctx.primary, "PRIMARY"):
        hc = by_id.get(record.health_check) if record.health_check else None
        if hc is None:
            continue
        candidates = [hc] if hc.watches_endpoint else [by_id[c] for c in hc.children if c in by_id]
        linked.extend(c for c in candidates if c.watches_endpoint and c not in linked)
    endpoint_checks = [hc for hc in inv.health_checks if hc.watches_endpoint]
    regional = [hc for hc in endpoint_checks if hc.target_region == ctx.primary]
    return linked or regional or endpoint_checks


def _region_detection(ctx: Context, result: ScenarioResult) -> Path:
    lat, inv = ctx.latencies, ctx.inv
    checks = _primary_endpoint_checks(ctx)
    if not checks:
        result.warnings.append("no Route 53 health check watches the primary endpoint")
        return Path(
            "noticed by people",
            (operator(lat, "users or on-call notice the outage and decide to fail over"),),
        )
    candidates = []
    for hc in checks:
        hc_step = Step(
            "Route 53 health checkers see the endpoint fail",
            hc.request_interval * hc.failure_threshold + lat.s("ROUTE53_CHECK_TIMEOUT_SECONDS"),
            f"{hc.resource.id}: RequestInterval={hc.request_interval}, "
            f"FailureThreshold={hc.failure_threshold}; "
            f"{const(lat, 'ROUTE53_CHECK_TIMEOUT_SECONDS')}",
            f"{hc.request_interval} x {hc.failure_threshold} + {lat.s('ROUTE53_CHECK_TIMEOUT_SECONDS'):g}",
        )
        alarms = [
            a
            for a in inv.alarms
            if a.signal == SIGNAL_ROUTE53
            and a.resource.region != ctx.primary  # an alarm in the lost region cannot fire
            and (
                not isinstance(a.dimensions.get("HealthCheckId"), Attr)
                or a.dimensions["HealthCheckId"].resource == hc.resource.id
            )
        ]
        for alarm in alarms:
            fired = alarm_fires(alarm, inv, None, lat, result.warnings)
            routing = route_alarm(ctx, alarm)
            name = alarm.name or str(alarm.resource.id)
            if routing.runbook_rules:
                rule = routing.runbook_rules[0]
                trigger = Step(
                    f"rule starts the failover ({rule.describe_targets()})",
                    lat.s("EVENTBRIDGE_DELIVERY_SECONDS"),
                    f"{rule.resource.id}; {const(lat, 'EVENTBRIDGE_DELIVERY_SECONDS')}",
                )
                candidates.append(
                    Path(
                        f"Route 53 health check -> alarm {name} -> automatic failover",
                        (hc_step, *fired, trigger),
                    )
                )
            elif routing.notifies:
                candidates.append(
                    Path(
                        f"Route 53 health check -> alarm {name} -> on-call",
                        (hc_step, *fired, operator(lat, "on-call is paged and decides to fail over")),
                    )
                )
        if not alarms:
            result.warnings.append(f"{hc.resource.id} has no alarm outside {ctx.primary}: nobody is paged")
            candidates.append(
                Path(
                    "Route 53 health check (no alarm) -> noticed by people",
                    (hc_step, operator(lat, "on-call notices and decides to fail over")),
                )
            )
    return _pick_fastest(result, candidates) or candidates[0]


def _region_database(ctx: Context, result: ScenarioResult) -> tuple[Step | None, DataLoss]:
    lat, inv, dr = ctx.latencies, ctx.inv, ctx.dr
    primaries = ctx.primary_databases(ctx.primary)
    if not primaries:
        return None, _STATELESS
    db = primaries[0]
    replicas = [r for r in inv.in_region(inv.databases, dr or "") if r.is_replica]
    if replicas:
        replica = replicas[0]
        lag_alarms = [
            a
            for a in inv.in_region(inv.alarms, dr or "")
            if a.signal == SIGNAL_REPLICA_LAG and a.threshold is not None
        ]
        if lag_alarms:
            bound = min(lag_alarms, key=lambda a: a.threshold or 0)
            loss = DataLoss(
                float(bound.threshold or 0),
                f"{replica.resource.id}: cross-Region replica; lag bounded by alarm {bound.resource.id} "
                f"Threshold={bound.threshold:g}s",
            )
        else:
            loss = DataLoss(
                lat.s("RDS_REPLICA_LAG_SECONDS"),
                f"{replica.resource.id}: cross-Region replica, no ReplicaLag alarm; "
                f"{const(lat, 'RDS_REPLICA_LAG_SECONDS')}",
            )
        step = Step(
            f"promote the read replica in {dr}",
            lat.s("RDS_REPLICA_PROMOTION_SECONDS"),
            f"{replica.resource.id}: SourceDBInstanceIdentifier set; "
            f"{const(lat, 'RDS_REPLICA_PROMOTION_SECONDS')}",
        )
        return step, loss
    if dr and db.backup_replication_region == dr:
        loss = DataLoss(
            lat.s("RDS_PITR_LOG_UPLOAD_SECONDS") + lat.s("RDS_BACKUP_REPLICATION_LAG_SECONDS"),
            f"{db.resource.id}: AutomaticBackupReplicationRegion={dr}; "
            f"{const(lat, 'RDS_PITR_LOG_UPLOAD_SECONDS')} "
            f"+ {const(lat, 'RDS_BACKUP_REPLICATION_LAG_SECONDS')}",
        )
        step = Step(
            f"restore the replicated backup in {dr}",
            lat.s("RDS_PITR_RESTORE_SECONDS"),
            f"{db.resource.id}: AutomaticBackupReplicationRegion={dr}; "
            f"{const(lat, 'RDS_PITR_RESTORE_SECONDS')}",
        )
        return step, loss
    copies = [
        (rule, plan)
        for plan in inv.backup_plans
        for rule in plan.rules
        if dr in rule.copy_regions and rule.interval_seconds
    ]
    if copies:
        rule, plan = min(copies, key=lambda item: item[0].interval_seconds or math.inf)
        interval = float(rule.interval_seconds or 0)
        copy = float(rule.completion_window_seconds or lat.s("BACKUP_COPY_SECONDS"))
        loss = DataLoss(
            interval + copy,
            f"{plan.resource.id}: rule {rule.name} {rule.schedule} copies to {dr}: "
            f"every {fmt_duration(interval)} "
            f"+ backup and copy {fmt_duration(copy)}",
        )
        step = Step(
            f"restore the copied backup in {dr}",
            lat.s("RDS_SNAPSHOT_RESTORE_SECONDS"),
            f"{plan.resource.id}; {const(lat, 'RDS_SNAPSHOT_RESTORE_SECONDS')}",
        )
        return step, loss
    result.gap_reason = (
        f"no copy of {db.resource.id} in {dr or 'a DR region'}: no cross-Region replica, backup replication "
        "or backup copy rule"
    )
    return None, DataLoss(math.inf, result.gap_reason)


def _region_compute(ctx: Context) -> Step:
    lat, dr = ctx.latencies, ctx.dr or ""
    primary_groups = ctx.groups(ctx.primary)
    needed = max((g.desired if g.desired is not None else g.min_size for g in primary_groups), default=1)
    groups = ctx.groups(dr)
    if not groups:
        return Step(
            f"deploy the web tier in {dr or 'the DR region'} and boot it",
            lat.s("STACK_DEPLOY_SECONDS") + lat.s("INSTANCE_BOOT_SECONDS"),
            f"no Auto Scaling group in {dr}; {const(lat, 'STACK_DEPLOY_SECONDS')} + "
            f"{const(lat, 'INSTANCE_BOOT_SECONDS')}",
        )
    group = groups[0]
    if group.min_size >= needed:
        return Step(
            f"web tier in {dr} already runs at production capacity",
            0,
            f"{group.resource.id}: MinSize={group.min_size} >= {needed}",
        )
    tg = ctx.target_group(group)
    ready = launch(group, ctx.pool(group), lat)
    seconds = ready.seconds + (target_healthy(tg).seconds if tg else 0)
    return Step(
        f"scale the web tier in {dr} from {group.min_size} to {needed}",
        seconds,
        f"{group.resource.id}: MinSize={group.min_size}; {ready.source}"
        + (f"; {tg.resource.id}: {tg.interval} x {tg.healthy_threshold}" if tg else ""),
    )


def _region_dns(ctx: Context, result: ScenarioResult) -> Step | None:
    lat = ctx.latencies
    secondaries = _records_for(ctx, ctx.dr, "SECONDARY")
    if not secondaries:
        return None
    record = secondaries[0]
    if record.target_region and ctx.dr and record.target_region != ctx.dr:
        result.warnings.append(
            f"{record.resource.id}: SECONDARY points at {record.target_region}, not {ctx.dr}"
        )
    if record.alias_to_elb:
        ttl, ttl_source = (
            lat.s("ALIAS_ELB_TTL_SECONDS"),
            f"alias to a load balancer; {const(lat, 'ALIAS_ELB_TTL_SECONDS')}",
        )
    else:
        ttl = float(record.ttl if record.ttl is not None else 300)
        ttl_source = f"TTL={record.ttl}"
    return Step(
        "DNS answers the DR record and resolver caches expire",
        lat.s("ROUTE53_PROPAGATION_SECONDS") + ttl,
        f"{record.resource.id}: Failover=SECONDARY, {ttl_source}; "
        f"{const(lat, 'ROUTE53_PROPAGATION_SECONDS')}",
        f"{lat.s('ROUTE53_PROPAGATION_SECONDS'):g} + {ttl:g}",
    )


def region_loss(ctx: Context) -> ScenarioResult:
    """The primary region is lost; the app is brought up in the DR region.

    Detection: a Route 53 health check on the primary endpoint (interval x threshold), its alarm
    outside the lost region, then either a rule that starts the failover or a person who decides.
    Recovery: start the failover runbook (or do it by hand); promote/restore the database and bring
    the DR web tier to production capacity in parallel; Route 53 answers the DR record. Data loss:
    replica lag, backup replication lag, or the backup copy interval.
    """
    result = ctx.result("region_loss")
    if not ctx.groups(ctx.primary) and not ctx.primary_databases(ctx.primary):
        result.absent_reason = f"nothing to fail over: no web tier or database in {ctx.primary}"
        return result
    if not ctx.dr:
        result.gap_reason = "no DR region: the stage deploys to one region only"
        return result
    result.detection = _region_detection(ctx, result)
    db_step, loss = _region_database(ctx, result)
    result.data_loss = loss
    if result.gap_reason:
        return result
    compute_step = _region_compute(ctx)
    start = _restore_start(ctx, ctx.dr, "PromoteReadReplica", "RestoreDBInstance", "UpdateAutoScalingGroup")
    parallel = [step for step in (db_step, compute_step) if step is not None]
    slowest = max(parallel, key=lambda step: step.seconds)
    combined = Step(
        " | ".join(f"{step.label} ({fmt_duration(step.seconds)})" for step in parallel),
        slowest.seconds,
        " | ".join(step.source for step in parallel),
        "in parallel: the slowest counts" if len(parallel) > 1 else "",
    )
    dns = _region_dns(ctx, result)
    if dns is None:
        result.gap_reason = f"no Route 53 failover record (SECONDARY) sends clients to {ctx.dr}"
        result.recovery = Path("fail over to the DR region (no DNS switch)", (start, combined))
        return result
    result.recovery = Path(f"fail over to {ctx.dr}", (start, combined, dns))
    return result


SCENARIO_FUNCTIONS: dict[str, Callable[[Context], ScenarioResult]] = {
    "instance_crash": lambda ctx: _per_group(ctx, "instance_crash", _instance_crash),
    "process_hung": lambda ctx: _per_group(ctx, "process_hung", _process_hung),
    "cpu_saturation": lambda ctx: _per_group(ctx, "cpu_saturation", _cpu_saturation),
    "memory_pressure": lambda ctx: _per_group(ctx, "memory_pressure", _memory_pressure),
    "az_loss": az_loss,
    "db_primary_failure": db_primary_failure,
    "data_deletion": data_deletion,
    "region_loss": region_loss,
}
