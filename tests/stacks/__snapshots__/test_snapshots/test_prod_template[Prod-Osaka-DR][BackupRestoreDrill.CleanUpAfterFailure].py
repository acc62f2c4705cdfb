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
