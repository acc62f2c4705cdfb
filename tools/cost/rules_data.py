"""Pricing rules for data: RDS instances, replicas and their backups, AWS Backup plans with cross-region
copies, DynamoDB tables and S3 buckets. Inter-region transfer is charged to the sending region.
"""

from __future__ import annotations

from collections import defaultdict
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from .schedule import ScheduleError, weekly_firings

if TYPE_CHECKING:
    from .estimate import Pricing, Rule
    from .templates import Res

# AWS::RDS::DBInstance defaults (CloudFormation resource reference): BackupRetentionPeriod 1 for a
# source instance, StorageType gp2 (io1 when Iops is set).
DEFAULT_BACKUP_RETENTION_DAYS = 1
DEFAULT_RDS_STORAGE_TYPE = "gp2"
# Amazon RDS pricing, "Backup storage": no charge for backup storage up to 100 % of the total database
# storage provisioned in a region (https://aws.amazon.com/rds/pricing/).
FREE_BACKUP_SHARE_OF_STORAGE = 1.0
# Performance Insights pricing: the 7-day retention of the free tier costs nothing.
FREE_PERFORMANCE_INSIGHTS_DAYS = 7
# AWS Backup: a rule without ScheduleExpression runs daily (AWS::Backup::BackupPlan BackupRuleResourceType).
DEFAULT_BACKUPS_PER_DAY = 1.0
_ENGINES = {"postgres": "postgres"}


def _arn_parts(value: Any) -> tuple[str | None, str | None]:
    """``arn:aws:rds:REGION:ACCOUNT:db:ID`` -> (REGION, ID); a bare identifier -> (None, ID)."""
    if not isinstance(value, str):
        return None, None
    if value.startswith("arn:"):
        parts = value.split(":")
        return (parts[3] or None, parts[-1]) if len(parts) >= 7 else (None, None)
    return None, value


def _dbs_matching(p: Pricing, pattern: str | None, region: str | None) -> list[Res]:
    """DB instances whose identifier matches ``pattern`` (AWS Backup selections allow ``*``)."""
    return [
        db
        for db in p.env.resources("AWS::RDS::DBInstance")
        if pattern is not None
        and fnmatchcase(str(db.props.get("DBInstanceIdentifier", "")), pattern)
        and (region is None or db.region == region)
    ]


def _db_by_identifier(p: Pricing, identifier: str | None, region: str | None) -> Res | None:
    if identifier is None or "*" in identifier:
        return None
    found = _dbs_matching(p, identifier, region)
    return found[0] if found else None


def _source(p: Pricing, db: Res) -> Res | None:
    region, identifier = _arn_parts(p.env.literal(db, db.props.get("SourceDBInstanceIdentifier")))
    return _db_by_identifier(p, identifier, region or db.region)


def _prop(db: Res, source: Res | None, key: str, default: Any = None) -> Any:
    """A property of a DB instance, else of its source (a replica inherits storage and engine)."""
    if key in db.props:
        return db.props[key]
    if source is not None and key in source.props:
        return source.props[key]
    return default


def _storage_gb(p: Pricing, db: Res) -> float:
    return float(_prop(db, _source(p, db), "AllocatedStorage", 0) or 0)


def price_database(p: Pricing, db: Res) -> None:
    source = _source(p, db)
    if db.props.get("SourceDBInstanceIdentifier") and source is None:
        p.notes.append(f"{db.id}: replica of a database outside this environment; its storage is not known")
    engine = _ENGINES.get(str(_prop(db, source, "Engine", "")).lower())
    klass = p.env.literal(db, db.props.get("DBInstanceClass"))
    if engine is None or not isinstance(klass, str):
        p.unpriced.append(f"{db.id}: engine {_prop(db, source, 'Engine')!r} / class {klass!r} not priced")
        return
    multi = str(db.props.get("MultiAZ", False)).lower() == "true"
    deployment = "multi_az" if multi else "single_az"
    label = "Multi-AZ" if multi else "Single-AZ"
    role = "read replica" if source is not None or db.props.get("SourceDBInstanceIdentifier") else "primary"
    hours = p.hours
    p.add(
        "database",
        f"RDS {engine} {klass} {label} ({role})",
        db,
        hours,
        f"rds.{engine}.{deployment}_hour:{klass}",
        f"{hours:g} h",
    )
    storage = _storage_gb(p, db)
    kind = str(_prop(db, source, "StorageType", DEFAULT_RDS_STORAGE_TYPE))
    p.add(
        "database",
        f"RDS {kind} storage {label}",
        db,
        storage,
        f"rds.{kind}_gb_month.{deployment}",
        f"{storage:g} GB allocated"
        + (" (inherited from the source)" if "AllocatedStorage" not in db.props else ""),
    )
    if float(db.props.get("MonitoringInterval", 0) or 0) > 0:
        gb = p.a.v("rds_enhanced_monitoring_gb")
        p.add(
            "logs",
            "RDS enhanced monitoring (RDSOSMetrics log)",
            db,
            gb,
            "logs.ingest_gb",
            f"{gb:g} GB (assumption rds_enhanced_monitoring_gb)",
        )
    retention = float(db.props.get("PerformanceInsightsRetentionPeriod", FREE_PERFORMANCE_INSIGHTS_DAYS) or 0)
    if db.props.get("EnablePerformanceInsights") and retention > FREE_PERFORMANCE_INSIGHTS_DAYS:
        p.unpriced.append(f"{db.id}: Performance Insights retention of {retention:g} days is not priced")
    if source is not None and source.region != db.region:
        # Cross-region read replicas: the replication traffic is billed as data transfer out of the
        # source region (Amazon RDS pricing, "Data transfer").
        wal = p.a.v("database_wal_gb_per_day") * p.days
        p.add(
            "data_transfer",
            f"replication to the read replica {source.region} -> {db.region}",
            db,
            wal,
            "transfer.inter_region_out_gb",
            f"{p.a.v('database_wal_gb_per_day'):g} GB/day of WAL x {p.days:.1f} days",
            region=source.region,
        )


def _backup_gb(p: Pricing, used: float, retention_days: float, per_day: float = 1.0) -> float:
    """Full first snapshot, then one incremental per backup (changed blocks) over the retention."""
    return used + p.a.v("database_changed_gb_per_day") * max(retention_days - 1 / per_day, 0)


def price_database_backups(p: Pricing) -> None:
    """Automated backups per region beyond the free allowance, and their cross-region replication."""
    allowance: dict[str, float] = defaultdict(float)
    stored: dict[str, float] = defaultdict(float)
    fraction, wal = p.a.v("database_used_fraction"), p.a.v("database_wal_gb_per_day")
    for db in p.env.resources("AWS::RDS::DBInstance"):
        storage = _storage_gb(p, db)
        allowance[db.region] += storage * FREE_BACKUP_SHARE_OF_STORAGE
        replica = bool(db.props.get("SourceDBInstanceIdentifier"))
        days = float(
            db.props.get("BackupRetentionPeriod", 0 if replica else DEFAULT_BACKUP_RETENTION_DAYS) or 0
        )
        if days <= 0:
            continue
        gb = _backup_gb(p, storage * fraction, days) + wal * days  # snapshots + transaction logs for PITR
        stored[db.region] += gb
        destination = p.env.literal(db, db.props.get("AutomaticBackupReplicationRegion"))
        if isinstance(destination, str) and destination != db.region:
            kept = float(db.props.get("AutomaticBackupReplicationRetentionPeriod", days) or days)
            copy = _backup_gb(p, storage * fraction, kept) + wal * kept
            p.add(
                "backup",
                f"RDS automated backups replicated to {destination}",
                db,
                copy,
                "rds.backup_gb_month",
                f"{storage * fraction:g} GB + changes and WAL over {kept:g} days (no free allowance assumed)",
                region=destination,
            )
            moved = (p.a.v("database_changed_gb_per_day") + wal) * p.days
            p.add(
                "data_transfer",
                f"RDS backup replication {db.region} -> {destination}",
                db,
                moved,
                "transfer.inter_region_out_gb",
                f"(changed + WAL) GB/day x {p.days:.1f} days",
            )
    for region, gb in sorted(stored.items()):
        charged = gb - allowance[region]
        p.add(
            "backup",
            "RDS automated backups beyond the free allowance",
            f"{p.env.stage}/{region}",
            charged,
            "rds.backup_gb_month",
            f"{gb:.1f} GB stored - {allowance[region]:g} GB free (provisioned storage)",
            region=region,
        )


def _backups_per_day(expression: Any) -> float:
    if not isinstance(expression, str):
        return DEFAULT_BACKUPS_PER_DAY
    try:
        return len(weekly_firings(expression)) / 7 or DEFAULT_BACKUPS_PER_DAY
    except ScheduleError:
        return DEFAULT_BACKUPS_PER_DAY


def _selected_databases(p: Pricing, plan: Res) -> list[Res]:
    chosen: list[Res] = []
    for selection in p.env.referrers(plan, "AWS::Backup::BackupSelection"):
        for item in (selection.props.get("BackupSelection") or {}).get("Resources") or []:
            target = p.env.target(selection, item)
            if target is not None:
                matched = [target] if target.type == "AWS::RDS::DBInstance" else []
            else:
                arn = p.env.literal(selection, item)
                region, identifier = _arn_parts(arn)
                rds = isinstance(arn, str) and arn.split(":")[2:3] == ["rds"]
                matched = _dbs_matching(p, identifier, region) if rds else []
            if matched:
                chosen.extend(db for db in matched if db not in chosen)
            else:
                p.notes.append(
                    f"{selection.id}: selected resource {item!r} is not an RDS instance here; not priced"
                )
    return chosen


def price_backup_plan(p: Pricing, plan: Res) -> None:
    databases = _selected_databases(p, plan)
    fraction, changed = p.a.v("database_used_fraction"), p.a.v("database_changed_gb_per_day")
    never = p.a.v("backup_months_without_lifecycle") * 365 / 12
    for rule in (plan.props.get("BackupPlan") or {}).get("BackupPlanRule") or []:
        per_day = _backups_per_day(rule.get("ScheduleExpression"))
        days = float((rule.get("Lifecycle") or {}).get("DeleteAfterDays", never))
        for db in databases:
            used = _storage_gb(p, db) * fraction
            gb = _backup_gb(p, used, days, per_day)
            name = rule.get("RuleName", "rule")
            p.add(
                "backup",
                f"AWS Backup RDS snapshots ({name})",
                plan,
                gb,
                "backup.rds_snapshot_gb_month",
                f"{used:g} GB data + {changed:g} GB/day changed over {days:g} days",
            )
            for copy in rule.get("CopyActions") or []:
                arn = p.env.literal(plan, copy.get("DestinationBackupVaultArn"))
                destination = arn.split(":")[3] if isinstance(arn, str) and arn.count(":") >= 5 else None
                if destination is None:
                    p.unpriced.append(
                        f"{plan.id}: copy destination {copy.get('DestinationBackupVaultArn')!r}"
                    )
                    continue
                kept = float((copy.get("Lifecycle") or {}).get("DeleteAfterDays", days))
                p.add(
                    "backup",
                    f"AWS Backup copies in {destination}",
                    plan,
                    _backup_gb(p, used, kept, per_day),
                    "backup.rds_snapshot_gb_month",
                    f"copies kept {kept:g} days",
                    region=destination,
                )
                if destination == plan.region:
                    continue
                incremental = p.a.flag("backup_copies_incremental")
                moved = (changed if incremental else used * per_day) * p.days
                basis = (
                    f"{changed:g} GB changed/day"
                    if incremental
                    else f"full copies of {used:g} GB x {per_day:g}/day"
                )
                p.add(
                    "data_transfer",
                    f"backup copies {plan.region} -> {destination}",
                    plan,
                    moved,
                    "transfer.inter_region_out_gb",
                    f"{basis} x {p.days:.1f} days",
                )


def price_table(p: Pricing, table: Res) -> None:
    if table.props.get("BillingMode", "PROVISIONED") != "PAY_PER_REQUEST":
        p.unpriced.append(f"{table.id}: provisioned-capacity tables are not priced")
        return
    writes, reads = p.a.v("dynamodb_writes_per_table"), p.a.v("dynamodb_reads_per_table")
    storage = p.a.v("dynamodb_storage_gb_per_table")
    p.add(
        "automation",
        "DynamoDB on-demand writes",
        table,
        writes,
        "dynamodb.on_demand_write",
        f"{writes:g} WRU",
    )
    p.add("automation", "DynamoDB on-demand reads", table, reads, "dynamodb.on_demand_read", f"{reads:g} RRU")
    p.add("automation", "DynamoDB storage", table, storage, "dynamodb.storage_gb_month", f"{storage:g} GB")
    if (table.props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled"):
        p.add(
            "backup",
            "DynamoDB point-in-time recovery",
            table,
            storage,
            "dynamodb.pitr_gb_month",
            f"{storage:g} GB",
        )


def _expiration_days(bucket: Res) -> float | None:
    rules = ((bucket.props.get("LifecycleConfiguration") or {}).get("Rules")) or []
    days = [
        float(r["ExpirationInDays"])
        for r in rules
        if r.get("Status") == "Enabled" and "ExpirationInDays" in r
    ]
    return min(days) if days else None


def price_bucket(p: Pricing, bucket: Res) -> None:
    months = (_expiration_days(bucket) or p.a.v("log_months_without_retention") * 365 / 12) / (365 / 12)
    for lb in p.env.referrers(bucket, "AWS::ElasticLoadBalancingV2::LoadBalancer"):
        monthly = p.by_role(bucket.region, "alb_access_logs_gb_active", "alb_access_logs_gb_standby")
        p.add(
            "logs",
            "ALB access logs in S3",
            bucket,
            monthly * months,
            "s3.standard_gb_month",
            f"{monthly:g} GB/month kept {months:.1f} months (lifecycle) for {lb.logical_id}",
        )
        return
    gb = p.a.v("s3_other_bucket_gb")
    p.add(
        "automation",
        "S3 storage",
        bucket,
        gb,
        "s3.standard_gb_month",
        f"{gb:g} GB (assumption s3_other_bucket_gb)",
    )


RULES: dict[str, Rule] = {
    "AWS::RDS::DBInstance": price_database,
    "AWS::Backup::BackupPlan": price_backup_plan,
    "AWS::DynamoDB::Table": price_table,
    "AWS::S3::Bucket": price_bucket,
}
