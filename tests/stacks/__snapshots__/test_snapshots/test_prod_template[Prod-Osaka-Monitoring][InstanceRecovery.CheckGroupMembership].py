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
