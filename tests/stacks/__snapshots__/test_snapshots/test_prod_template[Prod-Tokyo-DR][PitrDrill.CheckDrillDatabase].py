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
