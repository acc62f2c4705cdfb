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
