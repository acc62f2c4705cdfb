"""The nightly stop's pause: the schedule's own pause is cleared in the morning, a person's survives it.

The nightly stop's two EventBridge Scheduler schedules start the deployed ``NightlyPause`` state
machine with ``{"transition": "pause"}`` (evening) and ``{"transition": "resume"}`` (morning). moto
has no EventBridge Scheduler, so the game day fires a schedule itself: it starts the deployed target
(the state machine, as CloudFormation created it in the emulator) with the deployed input, both read
from the synthesized template. What the machine then reads and writes, and the healing function's
answer afterwards, is the emulator's and the deployed code's (Step Functions executions run through
the fill ``behaviour:stepfunctions:executions``).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.gameday import aws_events
from tools.gameday.drills import Stage, _healing_environment, _healing_run, _results, _short
from tools.gameday.timeline import Timeline

__all__ = ["PauseSchedule", "drill_nightly_pause", "pause_schedules"]

EXECUTION_TIMEOUT_SECONDS = 30.0
_CDK_HASH = re.compile(r"[0-9A-F]{8}$")


@dataclass(frozen=True, slots=True)
class PauseSchedule:
    """A deployed-template schedule that starts a deployed state machine."""

    logical_id: str
    expression: str
    timezone: str
    machine_arn: str
    input: str

    @property
    def transition(self) -> str:
        return str(json.loads(self.input).get("transition", ""))


def pause_schedules(stage: Stage) -> dict[str, PauseSchedule]:
    """Transition -> schedule, for every schedule of the deployed stacks whose target is a state
    machine of the same stack (the schedules themselves are left out of the local deploy)."""
    found: dict[str, PauseSchedule] = {}
    for stack in stage.stacks:
        for logical_id, resource in stack.artifact.template.get("Resources", {}).items():
            if resource.get("Type") != "AWS::Scheduler::Schedule":
                continue
            properties = resource.get("Properties", {})
            target = properties.get("Target", {})
            reference = target.get("Arn")
            machine = reference.get("Ref") if isinstance(reference, Mapping) else None
            kind, physical_id = stack.resources.get(machine or "", ("", ""))
            if kind != "AWS::StepFunctions::StateMachine" or not isinstance(target.get("Input"), str):
                continue
            schedule = PauseSchedule(
                logical_id=logical_id,
                expression=str(properties.get("ScheduleExpression", "")),
                timezone=str(properties.get("ScheduleExpressionTimezone", "UTC")),
                machine_arn=physical_id,
                input=target["Input"],
            )
            found[schedule.transition] = schedule
    return found


def _fire(stage: Stage, timeline: Timeline, schedule: PauseSchedule) -> dict[str, Any]:
    """Start the schedule's target with its input, as EventBridge Scheduler would; wait for the end."""
    sfn = stage.client("stepfunctions")
    timeline.injected(
        f"schedule {_CDK_HASH.sub('', schedule.logical_id)} fires "
        f"({schedule.expression} {schedule.timezone}): "
        f"StartExecution {_short(schedule.machine_arn)} with its input {schedule.input}",
        [
            "moto has no EventBridge Scheduler: the game day starts the deployed target with the "
            "deployed input"
        ],
    )
    arn = sfn.start_execution(
        stateMachineArn=schedule.machine_arn, name=uuid.uuid4().hex, input=schedule.input
    )["executionArn"]
    deadline = time.monotonic() + EXECUTION_TIMEOUT_SECONDS
    execution = sfn.describe_execution(executionArn=arn)
    while execution["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
        execution = sfn.describe_execution(executionArn=arn)
    events = sfn.get_execution_history(executionArn=arn)["events"]
    path = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    timeline.emulator(
        f"execution {execution['status']}"
        + (f" ({execution.get('error')})" if execution.get("error") else "")
        + " (fill behaviour:stepfunctions:executions)",
        [" -> ".join(path)],
    )
    return execution


def _switch(stage: Stage, timeline: Timeline, name: str) -> str | None:
    ssm = stage.client("ssm")
    try:
        value: str | None = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        value = None
    timeline.emulator(f"{name} = {value if value is not None else '(no parameter)'}")
    return value


def _set_switch(stage: Stage, timeline: Timeline, name: str, value: str, why: str) -> None:
    stage.client("ssm").put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    timeline.injected(f"PutParameter {name} = {value} ({why})")


def drill_nightly_pause(stage: Stage, timeline: Timeline) -> None:
    """The evening sets "scheduled" only over "false" and the morning clears only "scheduled": an
    operator's "true", set before the evening, is still there in the morning, and healing holds back."""
    schedules = pause_schedules(stage)
    if not schedules:
        timeline.outcome = "NOT APPLICABLE"
        timeline.check(
            "no nightly stop in this environment",
            True,
            "no schedule of the deployed stacks starts a state machine",
        )
        return
    parameter = _healing_environment(stage).get("PAUSE_PARAMETER_NAME", "")
    evening, morning = schedules.get("pause"), schedules.get("resume")
    if not timeline.check(
        "pause schedules deployed",
        bool(parameter) and evening is not None and morning is not None,
        f"evening {evening.logical_id if evening else 'missing'}, morning "
        f"{morning.logical_id if morning else 'missing'}, switch {parameter or 'PAUSE_PARAMETER_NAME unset'}",
    ):
        return
    assert evening is not None and morning is not None
    timeline.outcome = "OPERATOR'S PAUSE KEPT"

    # 1. an ordinary night: the schedule pauses, and clears its own pause in the morning
    _set_switch(stage, timeline, parameter, "false", "healing and paging act")
    _fire(stage, timeline, evening)
    value = _switch(stage, timeline, parameter)
    timeline.check("evening: false becomes scheduled", value == "scheduled", f"{parameter} = {value}")
    _fire(stage, timeline, morning)
    value = _switch(stage, timeline, parameter)
    timeline.check("morning: scheduled becomes false", value == "false", f"{parameter} = {value}")

    # 2. an operator paused for maintenance in the afternoon: the night leaves the pause alone
    _set_switch(stage, timeline, parameter, "true", "an operator pauses for maintenance before the evening")
    _fire(stage, timeline, evening)
    value = _switch(stage, timeline, parameter)
    timeline.check("evening: an operator's true stays", value == "true", f"{parameter} = {value}")
    _fire(stage, timeline, morning)
    value = _switch(stage, timeline, parameter)
    timeline.check("morning: the operator's true stays", value == "true", f"{parameter} = {value}")

    # ... and healing still holds back for the maintenance after the morning
    victim = stage.in_service()[0]
    stage.client("ec2").stop_instances(InstanceIds=[victim])
    timeline.injected(
        f"StopInstances {victim} (EC2 API): the operator's maintenance goes on after the morning"
    )
    event = aws_events.ec2_state_change(
        account=stage.account, region=stage.region, instance_id=victim, state="stopped"
    )
    timeline.injected(f"event 'EC2 Instance State-change Notification' (stopped), id {event['id']}")
    run = _healing_run(stage.deliver(event, timeline), timeline)
    if run is None:
        return
    statuses = [r.get("status") for r in _results(run.invocation)]
    published = stage.published()
    timeline.check(
        "healing still holds back for the operator",
        statuses == ["paused"] and stage.instance_state(victim) == "stopped" and not published,
        f"function statuses {statuses}, {victim} {stage.instance_state(victim)}, {len(published)} message(s)",
    )
    _set_switch(
        stage, timeline, parameter, "false", "maintenance over: only a person clears a person's pause"
    )
