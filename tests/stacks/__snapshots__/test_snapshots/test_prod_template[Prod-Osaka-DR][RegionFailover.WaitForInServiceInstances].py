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
