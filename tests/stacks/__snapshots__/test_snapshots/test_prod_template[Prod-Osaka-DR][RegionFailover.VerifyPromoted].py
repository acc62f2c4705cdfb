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
