"""The ``aws:executeScript`` handlers of the DR runbooks (Python 3.11, boto3).

Each is self-contained: :func:`constructs_lib.runbooks.steps._script` ships it alone with
:func:`inspect.getsource`, so it imports what it needs and uses no module globals. Their boto3 calls
are listed in :data:`SCRIPT_IAM_ACTIONS` and granted to the runbook's role (the tests compare the two).
"""

from __future__ import annotations

__all__ = [
    "SCRIPT_IAM_ACTIONS",
    "choose_restore_source",
    "delete_instance",
    "describe_database",
    "find_auto_scaling_group",
    "find_latest_recovery_point",
    "freeze_region",
    "list_in_service_instances",
    "wait_for_in_service_instances",
    "wait_for_replica_lag",
    "wait_until_endpoint_healthy",
    "wait_until_promoted",
]


#: IAM actions each script calls (the role must grant them; tests read the scripts' boto3 calls).
SCRIPT_IAM_ACTIONS: dict[str, frozenset[str]] = {
    "describe_database": frozenset({"rds:DescribeDBInstances"}),
    "wait_until_promoted": frozenset({"rds:DescribeDBInstances"}),
    "wait_until_endpoint_healthy": frozenset({"route53:GetHealthCheckStatus"}),
    "freeze_region": frozenset(
        {"ssm:PutParameter", "autoscaling:UpdateAutoScalingGroup", "autoscaling:DescribeAutoScalingGroups"}
    ),
    "wait_for_replica_lag": frozenset({"cloudwatch:GetMetricStatistics"}),
    "find_latest_recovery_point": frozenset({"backup:ListRecoveryPointsByBackupVault"}),
    "delete_instance": frozenset({"rds:DeleteDBInstance", "rds:DescribeDBInstances"}),
    "choose_restore_source": frozenset({"rds:DescribeDBInstances", "rds:DescribeDBInstanceAutomatedBackups"}),
    "wait_for_in_service_instances": frozenset({"autoscaling:DescribeAutoScalingGroups"}),
    "find_auto_scaling_group": frozenset({"ec2:DescribeInstances"}),
    "list_in_service_instances": frozenset({"autoscaling:DescribeAutoScalingGroups"}),
}


def describe_database(events: dict, context: object) -> dict:
    """Status of one DB instance; optionally refuse a single-AZ one or one still in a given zone."""
    import boto3

    rds = boto3.client("rds")
    instance = rds.describe_db_instances(DBInstanceIdentifier=events["DBInstanceIdentifier"])["DBInstances"][
        0
    ]
    zone = instance.get("AvailabilityZone", "")
    if events.get("RequireMultiAz") and not instance.get("MultiAZ"):
        raise RuntimeError(
            f"{events['DBInstanceIdentifier']} is not Multi-AZ: a forced failover would be an outage."
        )
    if events.get("RequireZoneOtherThan") and zone == events["RequireZoneOtherThan"]:
        raise RuntimeError(
            f"{events['DBInstanceIdentifier']} is still in {zone}: the failover did not happen."
        )
    return {
        "IsReplica": bool(instance.get("ReadReplicaSourceDBInstanceIdentifier")),
        "Status": instance["DBInstanceStatus"],
        "MultiAZ": bool(instance.get("MultiAZ")),
        "AvailabilityZone": zone,
        "SecondaryAvailabilityZone": instance.get("SecondaryAvailabilityZone", ""),
        "Endpoint": (instance.get("Endpoint") or {}).get("Address", ""),
    }


def wait_until_promoted(events: dict, context: object) -> dict:
    """Poll until the instance has no replication source and is ``available``; raise on timeout."""
    import time

    import boto3

    rds = boto3.client("rds")
    identifier = events["DBInstanceIdentifier"]
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    started = time.monotonic()
    while True:
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
        promoted = not instance.get("ReadReplicaSourceDBInstanceIdentifier")
        if promoted and instance["DBInstanceStatus"] == "available":
            return {"SecondsWaited": int(time.monotonic() - started)}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(
                f"{identifier} is still {'a replica' if not promoted else instance['DBInstanceStatus']} "
                f"after {int(timeout)} s; the step is retried, then the runbook fails."
            )
        time.sleep(poll)


def wait_until_endpoint_healthy(events: dict, context: object) -> dict:
    """Poll a Route 53 health check until at least half of its checkers report success."""
    import time

    import boto3

    route53 = boto3.client("route53")
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    started = time.monotonic()
    while True:
        observations = route53.get_health_check_status(HealthCheckId=events["HealthCheckId"])[
            "HealthCheckObservations"
        ]
        healthy = sum(
            1 for o in observations if o.get("StatusReport", {}).get("Status", "").startswith("Success")
        )
        if observations and healthy * 2 >= len(observations):
            return {"HealthyObservations": healthy, "Observations": len(observations)}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(
                f"only {healthy} of {len(observations)} Route 53 checkers see the endpoint healthy after "
                f"{int(timeout)} s."
            )
        time.sleep(poll)


def freeze_region(events: dict, context: object) -> dict:
    """Stop writes in another region: its pause switch on, its web service group to zero."""
    import boto3

    region = events["Region"]
    ssm = boto3.client("ssm", region_name=region)
    autoscaling = boto3.client("autoscaling", region_name=region)
    ssm.put_parameter(Name=events["PauseParameterName"], Value="true", Type="String", Overwrite=True)
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[events["AutoScalingGroupName"]])
    previous = groups["AutoScalingGroups"][0]["DesiredCapacity"] if groups["AutoScalingGroups"] else 0
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=events["AutoScalingGroupName"], MinSize=0, MaxSize=0, DesiredCapacity=0
    )
    return {"PreviousDesiredCapacity": previous}


def wait_for_replica_lag(events: dict, context: object) -> dict:
    """Wait ``MinimumWaitSeconds``, then until the replica's newest ``ReplicaLag`` is small enough."""
    import datetime
    import time

    import boto3

    cloudwatch = boto3.client("cloudwatch")
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    time.sleep(float(events.get("MinimumWaitSeconds", 60)))
    started = time.monotonic()
    lag = None
    while True:
        now = datetime.datetime.now(datetime.UTC)
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName="ReplicaLag",
            Dimensions=[{"Name": "DBInstanceIdentifier", "Value": events["DBInstanceIdentifier"]}],
            StartTime=now - datetime.timedelta(minutes=5),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        if points:
            lag = max(points, key=lambda p: p["Timestamp"])["Maximum"]
            if lag <= float(events.get("MaxReplicaLagSeconds", 0)):
                return {"ReplicaLagSeconds": int(lag)}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(
                f"ReplicaLag of {events['DBInstanceIdentifier']} is {lag} s (no data if None) after "
                f"{int(timeout)} s; writes may still be arriving."
            )
        time.sleep(poll)


def find_latest_recovery_point(events: dict, context: object) -> dict:
    """Newest COMPLETED recovery point of ``ResourceArn`` in the vault, and its age in minutes."""
    import datetime

    import boto3

    backup = boto3.client("backup")
    points, token = [], None
    while True:
        kwargs = {"BackupVaultName": events["BackupVaultName"], "ByResourceType": "RDS"}
        if token:
            kwargs["NextToken"] = token
        page = backup.list_recovery_points_by_backup_vault(**kwargs)
        points += [
            p
            for p in page.get("RecoveryPoints", [])
            if p.get("ResourceArn") == events["ResourceArn"] and p.get("Status") == "COMPLETED"
        ]
        token = page.get("NextToken")
        if not token:
            break
    if not points:
        raise RuntimeError(
            f"no completed recovery point of {events['ResourceArn']} in vault {events['BackupVaultName']}: "
            "the copy rule has not delivered one yet, or it fails (check AWS Backup copy jobs)."
        )
    newest = max(points, key=lambda p: p["CreationDate"])
    created = newest["CreationDate"]
    age = datetime.datetime.now(datetime.UTC) - created
    return {
        "RecoveryPointArn": newest["RecoveryPointArn"],
        "SnapshotIdentifier": newest["RecoveryPointArn"].split(":snapshot:", 1)[-1],
        "CreationDate": created.isoformat(),
        "AgeMinutes": int(age.total_seconds() // 60),
    }


def delete_instance(events: dict, context: object) -> dict:
    """Delete a drill instance without a final snapshot and wait until it is gone (absent is fine)."""
    import time

    import boto3

    rds = boto3.client("rds")
    identifier = events["DBInstanceIdentifier"]
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    started = time.monotonic()
    requested = False
    while True:
        try:
            status = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0][
                "DBInstanceStatus"
            ]
        except rds.exceptions.DBInstanceNotFoundFault:
            return {"Deleted": True}
        if not requested and status != "deleting":
            try:
                rds.delete_db_instance(
                    DBInstanceIdentifier=identifier, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
                )
                requested = True
            except rds.exceptions.InvalidDBInstanceStateFault:
                pass  # still creating or modifying: try again on the next poll
            except rds.exceptions.DBInstanceNotFoundFault:
                return {"Deleted": True}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(f"{identifier} is still {status} after {int(timeout)} s.")
        time.sleep(poll)


def choose_restore_source(events: dict, context: object) -> dict:
    """Where the region restore takes the database from (``Source``).

    ``existing-instance``: the target exists already (an earlier run restored it); ``replicated-backups``:
    restorable automated backups of the source replicated into this region (the given ARN, else the
    newest found by the source's identifier and ARN); ``recovery-point``: none, use the backup vault.
    A given ARN that cannot be restored from is an error, not a reason to restore older data.
    """
    import boto3

    rds = boto3.client("rds")
    try:
        instance = rds.describe_db_instances(DBInstanceIdentifier=events["TargetDBInstanceIdentifier"])[
            "DBInstances"
        ][0]
        return {
            "Source": "existing-instance",
            "AutomatedBackupsArn": "",
            "LatestRestorableTime": "",
            "Status": instance["DBInstanceStatus"],
        }
    except rds.exceptions.DBInstanceNotFoundFault:
        pass
    requested = events.get("AutomatedBackupsArn") or ""
    backups, marker = [], None
    while True:
        kwargs = (
            {"DBInstanceAutomatedBackupsArn": requested}
            if requested
            else {"DBInstanceIdentifier": events["SourceDBInstanceIdentifier"]}
        )
        if marker:
            kwargs["Marker"] = marker
        try:
            page = rds.describe_db_instance_automated_backups(**kwargs)
        except rds.exceptions.DBInstanceAutomatedBackupNotFoundFault:
            page = {}
        backups += page.get("DBInstanceAutomatedBackups", [])
        marker = page.get("Marker")
        if not marker:
            break
    usable = [
        b
        for b in backups
        if b.get("Status") in ("active", "replicating", "retained")
        and (b.get("RestoreWindow") or {}).get("LatestTime")
        and (requested or b.get("DBInstanceArn", events["SourceDatabaseArn"]) == events["SourceDatabaseArn"])
    ]
    if requested and not usable:
        raise RuntimeError(
            f"automated backups {requested} are not in this region or not restorable (statuses: "
            f"{[b.get('Status') for b in backups]}); run again with an empty "
            "SourceDBInstanceAutomatedBackupsArn to use the replicated backups found by name, else the "
            "newest copy in the backup vault."
        )
    if not usable:
        return {
            "Source": "recovery-point",
            "AutomatedBackupsArn": "",
            "LatestRestorableTime": "",
            "Status": "",
        }
    newest = max(usable, key=lambda b: b["RestoreWindow"]["LatestTime"])
    return {
        "Source": "replicated-backups",
        "AutomatedBackupsArn": newest["DBInstanceAutomatedBackupsArn"],
        "LatestRestorableTime": newest["RestoreWindow"]["LatestTime"].isoformat(),
        "Status": newest["Status"],
    }


def wait_for_in_service_instances(events: dict, context: object) -> dict:
    """Poll until the group has ``MinimumInService`` (at least 1) InService, healthy instances."""
    import time

    import boto3

    autoscaling = boto3.client("autoscaling")
    name = events["AutoScalingGroupName"]
    required = max(int(events.get("MinimumInService", 1)), 1)
    timeout, poll = float(events.get("TimeoutSeconds", 540)), float(events.get("PollSeconds", 15))
    started = time.monotonic()
    while True:
        groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        if not groups:
            raise RuntimeError(f"Auto Scaling group {name} does not exist in this region.")
        in_service = sum(
            1
            for i in groups[0].get("Instances", [])
            if i.get("LifecycleState") == "InService" and i.get("HealthStatus") == "Healthy"
        )
        if in_service >= required:
            return {"InServiceInstances": in_service}
        if time.monotonic() - started >= timeout:
            raise TimeoutError(
                f"{name} has {in_service} InService healthy instances of the {required} required after "
                f"{int(timeout)} s; the step is retried, then the runbook fails."
            )
        time.sleep(poll)


def find_auto_scaling_group(events: dict, context: object) -> dict:
    """Whether ``InstanceId`` belongs to an Auto Scaling group: its ``aws:autoscaling:groupName`` tag.

    Auto Scaling tags every instance it launches with ``aws:autoscaling:groupName`` (Amazon EC2 Auto
    Scaling User Guide, "Tag Auto Scaling groups and instances"); a standalone instance has no such tag.
    """
    import boto3

    ec2 = boto3.client("ec2")
    instance_id = events["InstanceId"]
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    instances = [i for r in reservations for i in r.get("Instances", [])]
    if not instances:
        raise RuntimeError(f"Instance {instance_id} does not exist in this region.")
    tags = {t["Key"]: t["Value"] for t in instances[0].get("Tags", [])}
    group = tags.get("aws:autoscaling:groupName", "")
    return {"IsMember": bool(group), "AutoScalingGroupName": group}


def list_in_service_instances(events: dict, context: object) -> dict:
    """The group's ``InService`` instances: ``InstanceIds``, ``Count`` and ``Others`` (instances in any
    other lifecycle state, which start the app, and so read its configuration, on their own).

    ``SendCommand`` takes at most 50 instance ids (Systems Manager API Reference, SendCommand,
    InstanceIds): a larger group is refused here, before anything is sent.
    """
    import boto3

    autoscaling = boto3.client("autoscaling")
    name = events["AutoScalingGroupName"]
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    if not groups:
        raise RuntimeError(f"Auto Scaling group {name} does not exist in this region.")
    members = groups[0].get("Instances", [])
    in_service = sorted(i["InstanceId"] for i in members if i.get("LifecycleState") == "InService")
    if len(in_service) > 50:
        raise RuntimeError(
            f"{name} has {len(in_service)} InService instances; SendCommand takes at most 50 instance ids: "
            "restart the app with an instance refresh instead."
        )
    others = sorted(
        f"{i['InstanceId']}:{i.get('LifecycleState')}" for i in members if i["InstanceId"] not in in_service
    )
    return {"InstanceIds": in_service, "Count": len(in_service), "Others": ", ".join(others) or "none"}
