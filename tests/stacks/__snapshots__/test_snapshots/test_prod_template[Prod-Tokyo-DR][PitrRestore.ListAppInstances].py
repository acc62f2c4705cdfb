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
