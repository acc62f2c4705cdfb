"""Drills of everyday operations healing must recognise and leave alone, and of the detector.

An operator stopping a standalone instance; Standby (the way to work on a group member); scale-in
(back to the warm pool with ``ReuseOnScaleIn``, else terminated and still visible for a while); the
warm pool's own stops and starts; the incident detector, whose shortfall must persist before it counts.
Same pattern as :mod:`tools.gameday.drills` (whose helpers these use); the Auto Scaling behaviour comes
from :mod:`tools.gameday.fills_lifecycle`, named in the timeline where it acts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tools.gameday import aws_events, fills_lifecycle
from tools.gameday.drills import (
    Stage,
    _check_incident,
    _check_notification,
    _healing_environment,
    _healing_run,
    _member_state,
    _results,
    _short,
)
from tools.gameday.timeline import Timeline

__all__ = [
    "drill_detector_persistence",
    "drill_operator_stop",
    "drill_scale_in",
    "drill_standby",
    "drill_warm_pool",
]

SETTLE_MARGIN_SECONDS = 60
"""How far past a group's grace period plus warm-up the detector's first sighting is set."""


def _statuses(runs: list[Any]) -> list[str]:
    return [str(r.get("status")) for run in runs if run.is_healing for r in _results(run.invocation)]


def _nothing_done(stage: Stage, timeline: Timeline, runs: list[Any], *, allowed: tuple[str, ...]) -> None:
    statuses = _statuses(runs)
    published = stage.published()
    timeline.check(
        "left alone",
        bool(statuses) and all(s in allowed for s in statuses) and not published,
        f"function statuses {statuses}, {len(published)} message(s)",
    )


def drill_operator_stop(stage: Stage, timeline: Timeline) -> None:
    """An operator stops a standalone instance through the EC2 API: a low notice, no restart."""
    environment = _healing_environment(stage).get("ENVIRONMENT_NAME", "")
    group = stage.group()
    subnet = group["VPCZoneIdentifier"].split(",")[0]
    template = group.get("LaunchTemplate") or {}
    ec2 = stage.client("ec2")
    launched = ec2.run_instances(
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet,
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"]}
        if template.get("LaunchTemplateId")
        else {},
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [
                    {"Key": "Environment", "Value": environment},
                    {"Key": "Name", "Value": "operator-box"},
                ],
            }
        ],
    )["Instances"][0]["InstanceId"]
    timeline.injected(
        f"RunInstances {launched}: a standalone instance of the environment (an operator's box)"
    )
    ec2.stop_instances(InstanceIds=[launched])
    reason = ec2.describe_instances(InstanceIds=[launched])["Reservations"][0]["Instances"][0]["StateReason"]
    timeline.injected(f"StopInstances {launched} (EC2 API): the operator stops it on purpose")
    timeline.emulator(f"{launched} is {stage.instance_state(launched)}, StateReason {reason['Code']}")
    event = aws_events.ec2_state_change(
        account=stage.account, region=stage.region, instance_id=launched, state="stopped"
    )
    timeline.injected(f"event 'EC2 Instance State-change Notification' (stopped), id {event['id']}")
    run = _healing_run(stage.deliver(event, timeline), timeline)
    if run is None:
        return
    timeline.outcome = "LEFT ALONE"
    timeline.check(
        "not started again",
        stage.instance_state(launched) == "stopped",
        f"{launched} is {stage.instance_state(launched)}",
    )
    _check_notification(stage, timeline, run.function, "low", stage.published())
    _check_incident(stage, timeline, run.function, f"instance#{launched}", "instance-stopped", "notified")


def drill_standby(stage: Stage, timeline: Timeline) -> None:
    """An operator puts a member in Standby to work on it and stops it: nobody replaces it."""
    group = stage.group()
    name = group["AutoScalingGroupName"]
    members = stage.in_service()
    member = members[0]
    autoscaling = stage.client("autoscaling")
    autoscaling.enter_standby(
        InstanceIds=[member], AutoScalingGroupName=name, ShouldDecrementDesiredCapacity=True
    )
    timeline.injected(f"EnterStandby {member} (decrementing desired): the documented way to work on a member")
    stage.client("ec2").stop_instances(InstanceIds=[member])
    timeline.injected(f"StopInstances {member}: the operator's maintenance")
    event = aws_events.ec2_state_change(
        account=stage.account, region=stage.region, instance_id=member, state="stopped"
    )
    timeline.injected(f"event 'EC2 Instance State-change Notification' (stopped), id {event['id']}")
    runs = stage.deliver(event, timeline)
    if _healing_run(runs, timeline) is None:
        return
    timeline.outcome = "LEFT ALONE"
    _nothing_done(stage, timeline, runs, allowed=("lifecycle",))
    later = datetime.now(UTC) + timedelta(seconds=int(group.get("HealthCheckGracePeriod", 0)) + 1)
    replaced = fills_lifecycle.run_health_checks(stage.account, stage.region, now=later)
    timeline.emulator(
        "Auto Scaling's EC2 health check, past the grace period (fill behaviour:autoscaling:EC2 health "
        f"check): {'; '.join(replaced) or 'nothing to do'}"
    )
    after = stage.group()
    timeline.check(
        "the group leaves a Standby member alone",
        _member_state(after, member).startswith("Standby")
        and len(stage.in_service()) == after["DesiredCapacity"],
        f"{member} {_member_state(after, member)}; in service {stage.in_service()}, "
        f"desired {after['DesiredCapacity']}",
    )


def drill_scale_in(stage: Stage, timeline: Timeline) -> None:
    """The group scales in: back to the warm pool (ReuseOnScaleIn) or terminated; healing does nothing."""
    group = stage.group()
    name = group["AutoScalingGroupName"]
    before = set(stage.in_service())
    pool = (
        stage.client("autoscaling").describe_warm_pool(AutoScalingGroupName=name).get("WarmPoolConfiguration")
    )
    reuse = bool(pool and (pool.get("InstanceReusePolicy") or {}).get("ReuseOnScaleIn"))
    desired = group["DesiredCapacity"]
    timeline.emulator(
        f"group {_short(name)}: desired {desired}, members "
        f"{[(i['InstanceId'], i['LifecycleState']) for i in group['Instances']]}"
    )
    autoscaling = stage.client("autoscaling")
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, MinSize=0, DesiredCapacity=desired - 1)
    timeline.injected(f"UpdateAutoScalingGroup desired {desired} -> {desired - 1} (a scheduled scale-in)")
    after = stage.group()
    left = sorted(before - set(stage.in_service()))
    if len(left) != 1:
        timeline.check(
            "one instance scaled in",
            False,
            f"left service: {[(i, stage.instance_state(i), _member_state(after, i)) for i in left]}",
        )
        return
    (gone,) = left
    ec2_state = stage.instance_state(gone)
    tags = {
        t["Key"]: t["Value"]
        for t in stage.client("ec2")
        .describe_instances(InstanceIds=[gone])["Reservations"][0]["Instances"][0]
        .get("Tags", [])
    }
    timeline.emulator(
        f"{gone}: EC2 {ec2_state}, {_member_state(after, gone)} "
        "(fill behaviour:autoscaling:scale-in and warm pool)",
        [f"tags: {sorted(tags)}"],
    )
    if reuse:
        timeline.check(
            "returned to the warm pool, still a member",
            ec2_state == "stopped" and "Warmed:Stopped" in _member_state(after, gone),
            f"{gone} {ec2_state}, {_member_state(after, gone)}",
        )
    else:
        timeline.check(
            "terminated, still visible with its group tag",
            ec2_state == "terminated" and tags.get("aws:autoscaling:groupName") == name,
            f"{gone} {ec2_state}, group tag {tags.get('aws:autoscaling:groupName')!r}",
        )
    state = "stopped" if reuse else "terminated"
    event = aws_events.ec2_state_change(
        account=stage.account, region=stage.region, instance_id=gone, state=state
    )
    timeline.injected(f"event 'EC2 Instance State-change Notification' ({state}), id {event['id']}")
    runs = stage.deliver(event, timeline)
    if _healing_run(runs, timeline) is None:
        return
    timeline.outcome = "LEFT ALONE"
    _nothing_done(stage, timeline, runs, allowed=("lifecycle", "ignored"))


def drill_warm_pool(stage: Stage, timeline: Timeline) -> None:
    """The warm pool stops its instances and starts them on scale-out: none of it is an incident."""
    group = stage.group()
    name = group["AutoScalingGroupName"]
    pool = (
        stage.client("autoscaling").describe_warm_pool(AutoScalingGroupName=name).get("WarmPoolConfiguration")
    )
    if not pool:
        timeline.outcome = "NOT APPLICABLE"
        timeline.check(
            "no warm pool in this environment", not pool, f"DescribeWarmPool of {_short(name)}: none"
        )
        return
    warmed = sorted(i["InstanceId"] for i in group["Instances"] if i["LifecycleState"] == "Warmed:Stopped")
    timeline.emulator(
        f"warm pool of {_short(name)}: MinSize {pool.get('MinSize')}, {pool.get('PoolState')}, "
        f"instances {warmed} "
        "(fill cfn:AWS::AutoScaling::WarmPool)"
    )
    if not warmed:
        timeline.check("warm pool holds an instance", False, "none Warmed:Stopped")
        return
    pooled = warmed[0]
    event = aws_events.ec2_state_change(
        account=stage.account, region=stage.region, instance_id=pooled, state="stopped"
    )
    timeline.injected(
        f"event 'EC2 Instance State-change Notification' (stopped) of {pooled}: entering the pool"
    )
    runs = stage.deliver(event, timeline)
    if _healing_run(runs, timeline) is None:
        return
    timeline.outcome = "LEFT ALONE"
    _nothing_done(stage, timeline, runs, allowed=("lifecycle",))
    desired = group["DesiredCapacity"]
    stage.client("autoscaling").set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=desired + 1)
    timeline.injected(f"SetDesiredCapacity {desired} -> {desired + 1}: scale-out")
    timeline.check(
        "scale-out starts the pool's instance",
        pooled in stage.in_service() and stage.instance_state(pooled) == "running",
        f"{pooled} {stage.instance_state(pooled)}, {_member_state(stage.group(), pooled)}",
    )


def drill_detector_persistence(stage: Stage, timeline: Timeline) -> None:
    """A shortfall counts only once it persists; then the detector hands it over and it is notified."""
    from moto.autoscaling.models import autoscaling_backends

    group = stage.group()
    name = group["AutoScalingGroupName"]
    member = stage.in_service()[0]
    state = next(
        s
        for s in autoscaling_backends[stage.account][stage.region].autoscaling_groups[name].instance_states
        if s.instance.id == member
    )
    state.health_status = "Unhealthy"
    timeline.injected(
        f"{member} fails its health check and no replacement can launch (insufficient capacity): patched "
        "backend state, moto's launches always succeed"
    )
    detector = _detector(stage)
    if not timeline.check(
        "detector deployed", detector is not None, "a function with handler detector.handler"
    ):
        return
    scheduled = {
        "id": "gameday-scan-1",
        "source": "aws.events",
        "detail-type": "Scheduled Event",
        "detail": {},
    }
    first = detector.invoke(scheduled, stage.emulator)
    timeline.function(f"detector.handler ran: {_response(first)}")
    early = [
        (h[1].get("detail", {}).get("kind"), h[1].get("detail", {}).get("resource_id"))
        for h in fills_lifecycle.ASYNC_INVOCATIONS
    ]
    timeline.emulator(f"handed over after one scan: {early}")
    timeline.check(
        "one scan is not a shortfall yet",
        first.ok and fills_lifecycle.ASYNC_INVOCATIONS == [],
        f"handed over: {len(fills_lifecycle.ASYNC_INVOCATIONS)}",
    )
    settle = int(group.get("HealthCheckGracePeriod", 0)) + int(group.get("DefaultInstanceWarmup") or 0)
    table = detector.environment["LEDGER_TABLE_NAME"]
    stage.client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": f"SEEN#group#{name}"}, "sk": {"S": "KIND#group-capacity"}},
        UpdateExpression="SET first_seen = first_seen - :back",
        ExpressionAttributeValues={":back": {"N": str(settle + SETTLE_MARGIN_SECONDS)}},
    )
    timeline.injected(
        f"ledger: the first sighting moved {settle + SETTLE_MARGIN_SECONDS} s back (grace + warm-up + a "
        "minute: the next scheduled run, without waiting; the emulator has no clock)"
    )
    second = detector.invoke({**scheduled, "id": "gameday-scan-2"}, stage.emulator)
    timeline.function(f"detector.handler ran: {_response(second)}")
    handed = list(fills_lifecycle.ASYNC_INVOCATIONS)
    fills_lifecycle.ASYNC_INVOCATIONS.clear()
    timeline.emulator(
        f"Lambda asynchronous invokes queued (fill api:lambda:Invoke (Event)): {[h[0] for h in handed]}"
    )
    if not timeline.check(
        "the persistent shortfall is handed to the healing function",
        second.ok and len(handed) == 1 and handed[0][1].get("detail", {}).get("kind") == "group-capacity",
        f"{len(handed)} hand-over(s)",
    ):
        return
    function_name, payload = handed[0]
    healing = stage.function(f"arn:aws:lambda:{stage.region}:{stage.account}:function:{function_name}")
    invocation = healing.invoke(payload, stage.emulator)
    timeline.function(f"handler.handler ran on the finding: {_response(invocation)}")
    timeline.outcome = "NOTIFIED"
    _check_notification(
        stage, timeline, healing, "critical" if len(stage.in_service()) == 0 else "high", stage.published()
    )
    _check_incident(stage, timeline, healing, f"group#{name}", "group-capacity", "notified")


def _detector(stage: Stage) -> Any:
    for stack in stage.stacks:
        for logical_id, (rtype, physical_id) in stack.resources.items():
            if rtype == "AWS::Lambda::Function" and (
                stack.template["Resources"][logical_id]["Properties"].get("Handler") == "detector.handler"
            ):
                return stage.function(f"arn:aws:lambda:{stage.region}:{stage.account}:function:{physical_id}")
    return None


def _response(invocation: Any) -> str:
    if invocation.error is not None:
        return f"raised {type(invocation.error).__name__}: {invocation.error}"
    response = invocation.response if isinstance(invocation.response, dict) else {}
    return f"{response.get('status')} { ({k: v for k, v in response.items() if k != 'status'}) }"[:300]
