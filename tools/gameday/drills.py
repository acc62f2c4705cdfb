"""The drills: inject a failure the way AWS would see it, let the deployed healing path respond,
verify the outcome in the emulator.

Each drill starts from a fresh deployment (the emulator is reset first) and follows one pattern:

1. read the starting state from the emulator (EMULATOR);
2. inject the failure through an AWS API, then build the event AWS would emit (INJECTED);
3. route the event through the deployed rules' real patterns and run every Lambda target's
   deployed code on it (EMULATOR for the routing, FUNCTION for what the code returned);
4. read the resulting state back and check it (EMULATOR, CHECK).

Notifications are observed through an SQS queue the game day subscribes to every deployed SNS
topic before the drill; the right topic is the one the function's own ``TOPIC_ARNS`` names for
the expected severity.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.gameday import aws_events, fills_lifecycle
from tools.gameday.function import DeployedFunction
from tools.gameday.routing import route
from tools.gameday.stage import Published, Run, Stage, _results, _short
from tools.gameday.timeline import Timeline

__all__ = ["DRILLS", "Drill", "Published", "Stage"]

SEVERITIES = ("low", "medium", "high", "critical")
STOPPED_MEMBER_SEVERITY = "medium"
"""An Auto Scaling member that stopped: one instance of several, the group replaces it (level 1)."""
LAUNCH_FAILURE_SEVERITY = "high"
"""A launch that failed: capacity cannot recover by itself, a human must look."""


def _healing_run(runs: list[Run], timeline: Timeline) -> Run | None:
    """The one run of the healing function among ``runs`` (other targets may run too)."""
    healing = [r for r in runs if r.is_healing]
    failed = [r for r in runs if not r.invocation.ok]
    passed = timeline.check(
        "routed to the healing function",
        len(healing) == 1 and not failed,
        f"{len(runs)} Lambda target(s) ran, {len(healing)} of them the healing function"
        + (f"; {len(failed)} raised" if failed else ""),
    )
    return healing[0] if passed else None


def _topic_for(function: DeployedFunction, severity: str) -> str:
    return json.loads(function.environment.get("TOPIC_ARNS", "{}")).get(severity, "")


def _check_notification(
    stage: Stage, timeline: Timeline, function: DeployedFunction, severity: str, published: list[Published]
) -> None:
    expected = _topic_for(function, severity)
    for message in published:
        timeline.emulator(
            f"SNS {message.topic_name}: {message.subject!r}",
            [f"attributes {dict(message.attributes)}"],
        )
    on_topic = [m for m in published if m.topic_arn == expected]
    timeline.check(
        f"notified the {severity} topic",
        bool(expected)
        and len(published) == 1
        and len(on_topic) == 1
        and on_topic[0].attributes.get("severity") == severity,
        f"{len(published)} message(s); expected one on "
        f"{expected.rsplit(':', 1)[-1] if expected else f'(no {severity} topic configured)'}",
    )


def _check_incident(
    stage: Stage, timeline: Timeline, function: DeployedFunction, resource: str, kind: str, status: str
) -> dict[str, Any] | None:
    incidents = stage.incidents(function)
    mine = [i for i in incidents if i.get("pk") == f"INCIDENT#{resource}" and i.get("incident_kind") == kind]
    for item in mine:
        actions = (
            ", ".join(f"{a.get('action')} {a.get('outcome')}" for a in item.get("actions", [])) or "none"
        )
        timeline.emulator(
            f"DynamoDB {_short(stage.ledger_table(function))}: {item['pk']} {item['sk']}",
            [f"status {item.get('status')}, severity {item.get('severity')}, actions: {actions}"],
        )
    timeline.check(
        "incident recorded in the ledger",
        len(mine) == 1 and mine[0].get("status") == status,
        f"{len(mine)} {kind} record(s) for {resource}"
        + (f", status {mine[0].get('status')}" if mine else ""),
    )
    return mine[0] if mine else None


# ----------------------------------------------------------------------------------------------
# the drills
# ----------------------------------------------------------------------------------------------
def drill_stopped_instance(stage: Stage, timeline: Timeline) -> None:
    """Stop an instance of the group; the group must replace it; a redelivery must do nothing."""
    group = stage.group()
    members = stage.in_service()
    timeline.emulator(
        f"group {_short(group['AutoScalingGroupName'])}: desired {group['DesiredCapacity']}, "
        f"in service {', '.join(members)}",
        [f"target health: {stage.target_health()}"],
    )
    victim = members[0]
    stage.client("ec2").stop_instances(InstanceIds=[victim])
    timeline.injected(f"StopInstances {victim} (EC2 API): the instance crashes / is stopped")
    lifecycle = next(i for i in stage.group()["Instances"] if i["InstanceId"] == victim)
    timeline.emulator(
        f"{victim} is {stage.instance_state(victim)}; Auto Scaling still reports it "
        f"{lifecycle['LifecycleState']}/{lifecycle['HealthStatus']} (moto runs no EC2 health checks)",
        [f"target health: {stage.target_health()}"],
    )
    event = aws_events.ec2_state_change(
        account=stage.account, region=stage.region, instance_id=victim, state="stopped"
    )
    timeline.injected(f"event 'EC2 Instance State-change Notification' (stopped), id {event['id']}")
    run = _healing_run(stage.deliver(event, timeline), timeline)
    if run is None:
        return
    function = run.function

    after = stage.group()
    now_in_service = stage.in_service()
    replacements = sorted(set(now_in_service) - set(members))
    timeline.emulator(
        f"Auto Scaling: {victim} {_member_state(after, victim)}, "
        f"in service now {', '.join(now_in_service) or 'none'} "
        "(replacement of an Unhealthy member: moto_gaps fill behaviour:autoscaling:SetInstanceHealth)",
        [f"{victim} EC2 state {stage.instance_state(victim)}", f"target health: {stage.target_health()}"],
    )
    timeline.check(
        "instance replaced",
        victim not in now_in_service and len(replacements) == 1,
        f"{victim} {'gone' if victim not in now_in_service else 'still in service'}, "
        f"replacement(s) {replacements or 'none'}",
    )
    health = stage.target_states()
    healthy = sorted(i for i in now_in_service if health.get(i) == "healthy")
    timeline.check(
        "back in service",
        len(now_in_service) == after["DesiredCapacity"] and healthy == now_in_service,
        f"{len(now_in_service)}/{after['DesiredCapacity']} in service, healthy targets {healthy}",
    )
    _check_notification(stage, timeline, function, STOPPED_MEMBER_SEVERITY, stage.published())
    incidents_before = len(stage.incidents(function))
    _check_incident(stage, timeline, function, f"instance#{victim}", "instance-recovery", "acted")

    timeline.injected(
        f"the same event delivered again, id {event['id']} (EventBridge delivers at least once)"
    )
    again = stage.deliver(event, timeline)
    results = [r for run_ in again if run_.is_healing for r in _results(run_.invocation)]
    published = stage.published()
    timeline.check(
        "duplicate delivery ignored",
        bool(results)
        and all(r.get("delivery") == "duplicate" or r.get("status") == "duplicate" for r in results)
        and not published
        and stage.in_service() == now_in_service
        and len(stage.incidents(function)) == incidents_before,
        f"{len(published)} new message(s), in service {stage.in_service()}, "
        f"results {[r.get('delivery') or r.get('status') for r in results]}",
    )


def _deployed_group_alarm(
    stage: Stage, timeline: Timeline, label: str, *, namespace: str, metric: str
) -> tuple[dict[str, Any], str] | None:
    """The group's alarm on ``metric`` and the severity its name carries; a failed check if absent."""
    group_name = stage.group_name()
    alarm = _group_alarm(stage.client("cloudwatch"), group_name, namespace=namespace, metric=metric)
    if not timeline.check(label, alarm is not None, alarm["AlarmName"] if alarm else f"none on {group_name}"):
        return None
    assert alarm is not None
    return alarm, alarm["AlarmName"].rsplit("-", 1)[-1].lower()


def drill_alarm(stage: Stage, timeline: Timeline) -> None:
    """Put the group's CPU alarm into ALARM; the function must respond and notify its severity."""
    cloudwatch = stage.client("cloudwatch")
    group_name = stage.group_name()
    found = _deployed_group_alarm(
        stage, timeline, "CPU alarm deployed", namespace="AWS/EC2", metric="CPUUtilization"
    )
    if found is None:
        return
    alarm, severity = found
    members = stage.in_service()
    hot = members[0]
    now = datetime.now(UTC)
    cloudwatch.put_metric_data(
        Namespace="AWS/EC2",
        MetricData=[
            {
                "MetricName": "CPUUtilization",
                "Dimensions": [{"Name": "InstanceId", "Value": instance}],
                "Timestamp": now - timedelta(minutes=minute),
                "Value": 97.0 if instance == hot else 35.0,
                "Unit": "Percent",
            }
            for instance in members
            for minute in range(1, 6)
        ],
    )
    timeline.injected(f"PutMetricData AWS/EC2 CPUUtilization: {hot} at 97 % for 5 minutes (the load)")
    previous = {
        "value": alarm["StateValue"],
        "reason": alarm.get("StateReason", ""),
        "at": now - timedelta(hours=1),
    }
    reason = (
        f"Threshold Crossed: {alarm.get('EvaluationPeriods', 1)} datapoint(s) were greater than the "
        f"threshold ({alarm.get('Threshold')})."
    )
    cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="ALARM", StateReason=reason)
    timeline.injected(f"SetAlarmState {alarm['AlarmName']} -> ALARM (moto does not evaluate alarms)")
    alarm = cloudwatch.describe_alarms(AlarmNames=[alarm["AlarmName"]])["MetricAlarms"][0]
    timeline.emulator(f"alarm {alarm['AlarmName']} is {alarm['StateValue']} (was {previous['value']})")
    event = aws_events.alarm_state_change(
        account=stage.account,
        region=stage.region,
        alarm=alarm,
        previous_value=previous["value"],
        previous_reason=previous["reason"],
        previous_at=previous["at"],
    )
    timeline.injected(f"event 'CloudWatch Alarm State Change' (ALARM), id {event['id']}")
    desired = stage.group()["DesiredCapacity"]
    run = _healing_run(stage.deliver(event, timeline), timeline)
    if run is None:
        return
    function = run.function
    results = _results(run.invocation)
    acted = [a for r in results for a in r.get("actions", [])]
    commands = stage.client("ssm").list_commands().get("Commands", [])
    for command in commands:
        timeline.emulator(
            f"SSM Run Command {command['CommandId']}: {command['DocumentName']} on "
            f"{', '.join(command.get('InstanceIds', []))}, {command.get('Comment', '')!r}"
        )
    policies = stage.client("autoscaling").describe_policies(
        AutoScalingGroupName=group_name, PolicyTypes=["TargetTrackingScaling"]
    )["ScalingPolicies"]
    after = stage.group()["DesiredCapacity"]
    timeline.emulator(
        f"group desired capacity {desired} -> {after}; target tracking policies: {len(policies)}"
    )
    document = function.environment.get("COMMAND_DOCUMENT_NAME", "")
    diagnosed = any(
        hot in c.get("InstanceIds", [])
        and c["DocumentName"] == document
        and c.get("Parameters", {}).get("Action") == ["Diagnostics"]
        for c in commands
    )
    timeline.check(
        "diagnostics captured on the hottest instance",
        diagnosed
        and any(a.get("action") == "CaptureDiagnostics" and a.get("outcome") == "succeeded" for a in acted),
        f"{len(commands)} command(s) sent; actions {[(a.get('action'), a.get('outcome')) for a in acted]}",
    )
    expected_capacity = desired if policies else desired + 1
    timeline.check(
        "capacity left to the right owner",
        after == expected_capacity,
        f"desired {desired} -> {after}; "
        + (
            "target tracking owns scaling: no manual change"
            if policies
            else "no target tracking: +1 expected"
        ),
    )
    _check_notification(stage, timeline, function, severity, stage.published())
    _check_incident(stage, timeline, function, f"group#{group_name}", "cpu", "acted")


@contextmanager
def scripted_instance_agent(answer: Callable[[str, Mapping[str, Sequence[str]]], str]) -> Iterator[None]:
    """Run Command on the emulator's instances answers ``answer(instance_id, parameters)``.

    moto runs no commands: every invocation ends ``Success`` with empty output. A drill whose
    verdict depends on what the instance says (a service restart's health probe) scripts the
    instance's answer here, and labels it INJECTED. Only for the duration of the block.
    """
    from moto.ssm.models import Command

    original = Command.invocation_response

    def invocation_response(self: Any, instance_id: str, plugin_name: str) -> dict[str, Any]:
        response = original(self, instance_id, plugin_name)
        response["StandardOutputContent"] = answer(instance_id, dict(self.parameters or {}))
        return response

    Command.invocation_response = invocation_response  # type: ignore[method-assign]
    try:
        yield
    finally:
        Command.invocation_response = original  # type: ignore[method-assign]


def drill_memory(stage: Stage, timeline: Timeline) -> None:
    """The group's memory alarm: restart the service on the instance using most memory, verify."""
    cloudwatch = stage.client("cloudwatch")
    group_name = stage.group_name()
    found = _deployed_group_alarm(
        stage, timeline, "memory alarm deployed", namespace="CWAgent", metric="mem_used_percent"
    )
    if found is None:
        return
    alarm, severity = found
    members = stage.in_service()
    hot = members[0]
    now = datetime.now(UTC)
    cloudwatch.put_metric_data(
        Namespace="CWAgent",
        MetricData=[
            {
                "MetricName": "mem_used_percent",
                "Dimensions": [
                    {"Name": "AutoScalingGroupName", "Value": group_name},
                    {"Name": "InstanceId", "Value": instance},
                ],
                "Timestamp": now - timedelta(minutes=minute),
                "Value": 93.0 if instance == hot else 48.0,
                "Unit": "Percent",
            }
            for instance in members
            for minute in range(1, 6)
        ],
    )
    timeline.injected(f"PutMetricData CWAgent mem_used_percent: {hot} at 93 % for 5 minutes (a leak)")
    cloudwatch.set_alarm_state(
        AlarmName=alarm["AlarmName"],
        StateValue="ALARM",
        StateReason=f"Threshold Crossed: datapoints greater than the threshold ({alarm.get('Threshold')}).",
    )
    timeline.injected(f"SetAlarmState {alarm['AlarmName']} -> ALARM (moto does not evaluate alarms)")
    previous = alarm
    alarm = cloudwatch.describe_alarms(AlarmNames=[alarm["AlarmName"]])["MetricAlarms"][0]
    event = aws_events.alarm_state_change(
        account=stage.account,
        region=stage.region,
        alarm=alarm,
        previous_value=previous["StateValue"],
        previous_reason=previous.get("StateReason", ""),
        previous_at=now - timedelta(hours=1),
    )
    timeline.injected(f"event 'CloudWatch Alarm State Change' (ALARM), id {event['id']}")
    healthy_answer = "AUTOHEAL_RESTART_RC=0\nAUTOHEAL_HEALTH=ok\nAUTOHEAL_MEM_USED_PERCENT=41.0\n"

    def answer(instance_id: str, parameters: Mapping[str, Sequence[str]]) -> str:
        return healthy_answer if list(parameters.get("Action", [])) == ["RestartService"] else ""

    timeline.injected(
        "the instances' answer to Run Command (moto runs no commands): after a service restart, the "
        "health endpoint answers and memory is 41 %",
        healthy_answer.splitlines(),
    )
    with scripted_instance_agent(answer):
        run = _healing_run(stage.deliver(event, timeline), timeline)
    if run is None:
        return
    function = run.function
    unit = function.environment.get("WEB_SERVICE_UNIT", "")
    document = function.environment.get("COMMAND_DOCUMENT_NAME", "")
    commands = stage.client("ssm").list_commands().get("Commands", [])
    restarts = [
        c
        for c in commands
        if c["DocumentName"] == document
        and c.get("Parameters", {}).get("Action") == ["RestartService"]
        and c.get("Parameters", {}).get("ServiceUnit") == [unit]
    ]
    for command in commands:
        timeline.emulator(
            f"SSM Run Command {command['CommandId']}: {command['DocumentName']} on "
            f"{', '.join(command.get('InstanceIds', []))}, {command.get('Comment', '')!r}"
        )
    actions = [a for r in _results(run.invocation) for a in r.get("actions", [])]
    timeline.check(
        "service restarted on the instance using most memory",
        len(restarts) == 1
        and restarts[0].get("InstanceIds") == [hot]
        and any(a.get("action") == "RestartService" and a.get("outcome") == "succeeded" for a in actions),
        f"{len(restarts)} restart command(s) of unit {unit!r} on {[c.get('InstanceIds') for c in restarts]}; "
        f"actions {[(a.get('action'), a.get('outcome')) for a in actions]}",
    )
    timeline.check(
        "instance kept (the restart freed the memory)",
        stage.in_service() == members,
        f"in service {stage.in_service()} (was {members})",
    )
    _check_notification(stage, timeline, function, severity, stage.published())
    _check_incident(stage, timeline, function, f"group#{group_name}", "memory", "acted")


def drill_launch_failure(stage: Stage, timeline: Timeline) -> None:
    """A launch into the group fails; the function must notify high and record, changing nothing."""
    group = stage.group()
    subnet = group["VPCZoneIdentifier"].split(",")[0]
    zone = stage.client("ec2").describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AvailabilityZone"]
    instance_type = _instance_type(stage, group)
    members = stage.in_service()
    timeline.emulator(
        f"group {_short(group['AutoScalingGroupName'])}: desired {group['DesiredCapacity']}, "
        f"in service {members}"
    )
    event = aws_events.launch_unsuccessful(
        account=stage.account,
        region=stage.region,
        group_name=group["AutoScalingGroupName"],
        group_arn=group["AutoScalingGroupARN"],
        availability_zone=zone,
        subnet_id=subnet,
        status_message=(
            f"We currently do not have sufficient {instance_type} capacity in the Availability Zone you "
            f"requested ({zone}). Our system will be working on provisioning additional capacity."
        ),
        cause=(
            "An instance was started in response to a difference between desired and actual capacity, "
            f"increasing the capacity from {group['DesiredCapacity']} to {group['DesiredCapacity'] + 1}."
        ),
    )
    timeline.injected(
        f"event 'EC2 Instance Launch Unsuccessful' ({instance_type} capacity in {zone}), id {event['id']}",
        ["moto's launches always succeed: the failure exists only as this event"],
    )
    run = _healing_run(stage.deliver(event, timeline), timeline)
    if run is None:
        return
    timeline.outcome = "NOTIFIED"  # nothing to recover: Auto Scaling retries the launch itself
    function = run.function
    after = stage.group()
    timeline.check(
        "nothing changed",
        after["DesiredCapacity"] == group["DesiredCapacity"] and stage.in_service() == members,
        f"desired {group['DesiredCapacity']} -> {after['DesiredCapacity']}, in service {stage.in_service()}",
    )
    _check_notification(stage, timeline, function, LAUNCH_FAILURE_SEVERITY, stage.published())
    _check_incident(
        stage, timeline, function, f"group#{group['AutoScalingGroupName']}", "launch-failure", "notified"
    )


def drill_paused(stage: Stage, timeline: Timeline) -> None:
    """With the pause switch on, healing does nothing for a stopped member; the group still replaces
    it (its own EC2 health check ignores the switch): Standby is the way to work on a member."""
    members = stage.in_service()
    victim = members[0]
    function_env = _healing_environment(stage)
    parameter = function_env.get("PAUSE_PARAMETER_NAME", "")
    if not timeline.check(
        "pause switch deployed", bool(parameter), parameter or "PAUSE_PARAMETER_NAME unset"
    ):
        return
    ssm = stage.client("ssm")
    timeline.emulator(f"{parameter} = {ssm.get_parameter(Name=parameter)['Parameter']['Value']}")
    ssm.put_parameter(Name=parameter, Value="true", Type="String", Overwrite=True)
    timeline.injected(f"PutParameter {parameter} = true (an operator pauses healing before maintenance)")
    stage.client("ec2").stop_instances(InstanceIds=[victim])
    timeline.injected(f"StopInstances {victim} (EC2 API): maintenance on a member, without Standby")
    event = aws_events.ec2_state_change(
        account=stage.account, region=stage.region, instance_id=victim, state="stopped"
    )
    timeline.injected(f"event 'EC2 Instance State-change Notification' (stopped), id {event['id']}")
    run = _healing_run(stage.deliver(event, timeline), timeline)
    if run is None:
        return
    function = run.function
    statuses = [r.get("status") for r in _results(run.invocation)]
    published = stage.published()
    timeline.check(
        "nothing done while paused",
        statuses == ["paused"]
        and stage.instance_state(victim) == "stopped"
        and victim in {i["InstanceId"] for i in stage.group()["Instances"]}
        and not published
        and not stage.incidents(function),
        f"function statuses {statuses}, {victim} {stage.instance_state(victim)}, {len(published)} message(s)",
    )
    grace = int(stage.group().get("HealthCheckGracePeriod", 0))
    done = fills_lifecycle.run_health_checks(
        stage.account, stage.region, now=datetime.now(UTC) + timedelta(seconds=grace + 1)
    )
    timeline.emulator(
        "Auto Scaling's EC2 health check past the grace period (fill behaviour:autoscaling:EC2 health "
        f"check): {'; '.join(done) or 'nothing to do'}",
        ["the pause switch is healing's and paging's: Auto Scaling's own health check does not read it"],
    )
    in_service = stage.in_service()
    timeline.outcome = "RECOVERED BY THE GROUP"
    timeline.check(
        "the group replaced it anyway: use Standby to work on a member",
        victim not in in_service and len(in_service) == stage.group()["DesiredCapacity"],
        f"in service {in_service} (was {members}); the stopped member "
        f"{'is gone' if victim not in in_service else 'is still in service'}",
    )
    ssm.put_parameter(Name=parameter, Value="false", Type="String", Overwrite=True)
    timeline.injected(f"PutParameter {parameter} = false (maintenance over)")
    stage.published()


def _member_state(group: Mapping[str, Any], instance_id: str) -> str:
    row = next((i for i in group["Instances"] if i["InstanceId"] == instance_id), None)
    if row is None:
        return "no longer a member of the group"
    return f"{row['LifecycleState']}/{row['HealthStatus']} in the group"


def _group_alarm(cloudwatch: Any, group_name: str, *, namespace: str, metric: str) -> dict[str, Any] | None:
    """The group's alarm on ``namespace``/``metric`` of the highest severity.

    Severity is the last part of the name (``{app}-{env}-{component}-{signal}-{severity}``).
    """
    candidates = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page["MetricAlarms"]:
            dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
            severity = alarm["AlarmName"].rsplit("-", 1)[-1].lower()
            if (
                alarm.get("Namespace") == namespace
                and alarm.get("MetricName") == metric
                and dimensions.get("AutoScalingGroupName") == group_name
                and severity in SEVERITIES
            ):
                candidates.append((SEVERITIES.index(severity), alarm["AlarmName"], alarm))
    return max(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


def _instance_type(stage: Stage, group: Mapping[str, Any]) -> str:
    template = group.get("LaunchTemplate") or (group.get("MixedInstancesPolicy") or {}).get(
        "LaunchTemplate", {}
    ).get("LaunchTemplateSpecification", {})
    if not template.get("LaunchTemplateId"):
        return "t3.micro"
    versions = stage.client("ec2").describe_launch_template_versions(
        LaunchTemplateId=template["LaunchTemplateId"]
    )
    data = (
        versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]
        if versions["LaunchTemplateVersions"]
        else {}
    )
    return data.get("InstanceType", "t3.micro")


def _healing_environment(stage: Stage) -> Mapping[str, str]:
    """The healing function's environment: the Lambda target of the EC2 state-change rule."""
    probe = aws_events.ec2_state_change(
        account=stage.account, region=stage.region, instance_id="i-00000000000000000", state="stopped"
    )
    for matched in route(stage.emulator, probe, region=stage.region):
        if ":function:" in matched.target_arn:
            return stage.function(matched.target_arn).environment
    return {}


@dataclass(frozen=True, slots=True)
class Drill:
    name: str
    title: str
    run: Callable[[Stage, Timeline], None]


def _drills() -> tuple[Drill, ...]:
    from tools.gameday import drills_operations as operations  # it builds on this module's helpers
    from tools.gameday import drills_pause as pause

    return (
        Drill("stopped-instance", "an instance of the Auto Scaling group stops", drill_stopped_instance),
        Drill("alarm", "the group's CPU alarm goes into ALARM", drill_alarm),
        Drill("memory", "the group's memory alarm goes into ALARM", drill_memory),
        Drill("launch-failure", "Auto Scaling cannot launch an instance", drill_launch_failure),
        Drill("paused", "a member stops while the pause switch is on", drill_paused),
        Drill(
            "nightly-pause",
            "the nightly stop clears its own pause, never an operator's",
            pause.drill_nightly_pause,
        ),
        Drill("operator-stop", "an operator stops a standalone instance", operations.drill_operator_stop),
        Drill("standby", "an operator works on a member in Standby", operations.drill_standby),
        Drill("scale-in", "the group scales in", operations.drill_scale_in),
        Drill("warm-pool", "the warm pool stops and starts its instances", operations.drill_warm_pool),
        Drill(
            "detector",
            "a shortfall persists until the detector reports it",
            operations.drill_detector_persistence,
        ),
    )


DRILLS: tuple[Drill, ...] = _drills()
