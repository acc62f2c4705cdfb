"""NightlyPause: the nightly stop's own pause, set in the evening, cleared in the morning, never a person's.

The pause switch says who paused (:mod:`constructs_lib._core.pause`): ``"true"`` a person,
``"scheduled"`` the nightly stop. The morning job must clear its own pause and leave a person's alone,
but SSM ``PutParameter`` has no conditional write; so a small Express state machine reads the switch,
chooses, then writes. :func:`~constructs_lib.web.schedule.add_nightly_stop` starts it from two
EventBridge Scheduler schedules.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from constructs_lib._core import PAUSE_BY_SCHEDULE, PAUSE_OFF, IPauseSwitch, Naming
from constructs_lib.nag import acknowledge

__all__ = ["PARAMETER_NOT_FOUND", "PAUSE", "RESUME", "TRANSITION", "TRANSITIONS", "NightlyPause"]

TRANSITION = "transition"
"""Key of the execution input naming the transition: ``{"transition": "pause"}``."""
PAUSE = "pause"
"""Evening: ``"false"`` (or no parameter) becomes ``"scheduled"``; any other value is left alone."""
RESUME = "resume"
"""Morning: ``"scheduled"`` becomes ``"false"``; any other value is left alone."""
TRANSITIONS: tuple[str, ...] = (PAUSE, RESUME)

PARAMETER_NOT_FOUND = "Ssm.ParameterNotFoundException"
"""The error a Step Functions AWS SDK task reports for SSM's ``ParameterNotFound``: the service name
and the error name in PascalCase, with the ``Exception`` suffix always added (Step Functions Developer
Guide, "AWS SDK service integrations")."""
_TRANSIENT_ERRORS = (
    "Ssm.ThrottlingException",
    "Ssm.InternalServerErrorException",
    "Ssm.TooManyUpdatesException",
)
"""Worth a retry: throttling, SSM's internal errors, concurrent updates of the parameter."""
SCHEDULE_RETRY_ATTEMPTS = 5
"""How often EventBridge Scheduler retries a nightly invocation before it drops it."""
SCHEDULE_MAX_EVENT_AGE = cdk.Duration.minutes(10)
"""... and for how long: a pause or mute hours late would act in daytime, retry briefly, then give up."""


def _with_retries(task: tasks.CallAwsService) -> tasks.CallAwsService:
    """Retry throttling and SSM's transient errors: 3 attempts, 1 s then 2 s apart."""
    task.add_retry(
        errors=list(_TRANSIENT_ERRORS), interval=cdk.Duration.seconds(1), max_attempts=3, backoff_rate=2
    )
    return task


class NightlyPause(Construct):
    """An Express state machine that pauses for the nightly stop and clears only that pause.

    Start it with ``{"transition": "pause"}`` before the stop and ``{"transition": "resume"}`` after
    the start (:meth:`schedule_target` builds the EventBridge Scheduler target). It reads the switch
    (``ssm:GetParameter``), chooses, and writes (``ssm:PutParameter``) only when the choice says so:

    - ``pause`` (evening): ``"false"``, or no parameter at all, becomes ``"scheduled"``; ``"true"``
      (a person's pause), ``"scheduled"`` or any other value (which pauses already) stays as it is.
    - ``resume`` (morning): ``"scheduled"`` becomes ``"false"``; ``"true"`` (a person who paused before
      the evening or over the night) or any other value stays as it is.

    A person who sets ``"true"`` over a ``"scheduled"`` at night takes the pause over: the morning
    leaves it. A person who sets ``"false"`` at night ends the nightly pause early; the morning then
    has nothing to clear. Any other input fails the execution before reading anything.

    **Race window.** Read and write are two calls, one state transition apart: milliseconds, twice a
    day at known times. A person who writes the switch inside that window is overwritten: in the
    evening a ``"true"`` written just after the read of ``"false"`` becomes ``"scheduled"`` (and is
    cleared the next morning); in the morning a ``"true"`` written just after the read of
    ``"scheduled"`` becomes ``"false"``. ``PutParameter`` has no condition (no expected value or
    version) that could close it. A person pausing within a minute of the schedule should read the
    switch back afterwards.

    **Failures** write nothing more: a read or write that fails (after retries for throttling and
    internal errors) fails the execution, which its log and the state machine's ``ExecutionsFailed``
    metric show. Evening: the switch keeps its value (healing and paging are not paused for the
    stop). Morning: it stays ``"scheduled"``, so healing and paging stay paused until a person sets
    ``"false"``. A missing parameter in the morning is such a failure too (no pause of the
    schedule's to clear; the healing function already treats a missing switch as paused).

    :param pause_switch: the switch to set and clear; the machine may read and write it, nothing else.
    :param naming: names the state machine ``{app}-{env}-nightly-pause`` and its log group
        ``/aws/vendedlogs/states/{app}-{env}-nightly-pause``. Default: a state machine name generated
        by CloudFormation, and a log group named after this construct's path.
    :param log_retention: retention of the execution log. Default: one month.
    :param log_removal_policy: what happens to the execution log when the stack goes. Default:
        ``DESTROY`` (an operational log); environments that keep their data pass ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        pause_switch: IPauseSwitch,
        naming: Naming | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, id)
        if not isinstance(pause_switch, IPauseSwitch):
            raise TypeError(
                f"pause_switch must be a pause switch (IPauseSwitch), got {type(pause_switch).__name__}: "
                "pass PauseSwitch(...) or PauseSwitch.from_parameter_name(scope, id, '/app/env/pause')."
            )
        self.pause_switch = pause_switch
        name = pause_switch.parameter_name
        arn = pause_switch.parameter_arn

        def read(state_id: str, state_name: str) -> tasks.CallAwsService:
            task = tasks.CallAwsService(
                self,
                state_id,
                state_name=state_name,
                service="ssm",
                action="getParameter",
                iam_action="ssm:GetParameter",
                iam_resources=[arn],
                parameters={"Name": name},
                result_selector={"value": sfn.JsonPath.string_at("$.Parameter.Value")},
                result_path="$.switch",
            )
            return _with_retries(task)

        def write(state_id: str, state_name: str, value: str) -> tasks.CallAwsService:
            task = tasks.CallAwsService(
                self,
                state_id,
                state_name=state_name,
                service="ssm",
                action="putParameter",
                iam_action="ssm:PutParameter",
                iam_resources=[arn],
                parameters={"Name": name, "Value": value, "Type": "String", "Overwrite": True},
                result_path=sfn.JsonPath.DISCARD,
            )
            return _with_retries(task)

        # evening: false (or no parameter) -> scheduled; anything else stays
        set_scheduled = write("SetScheduled", f"Pause: set {PAUSE_BY_SCHEDULE}", PAUSE_BY_SCHEDULE)
        read_before_pause = read("ReadBeforePause", "Pause: read the switch")
        read_before_pause.add_catch(set_scheduled, errors=[PARAMETER_NOT_FOUND], result_path="$.readError")
        evening = read_before_pause.next(
            sfn.Choice(self, "SwitchOff", state_name=f"Pause: is the switch {PAUSE_OFF}?")
            .when(sfn.Condition.string_equals("$.switch.value", PAUSE_OFF), set_scheduled)
            .otherwise(
                sfn.Succeed(
                    self,
                    "AlreadyPaused",
                    state_name="Pause: already paused, left as it is",
                    comment="A person's pause ('true'), the schedule's own, or an unknown value (which "
                    "pauses already): never overwritten.",
                )
            )
        )
        # morning: scheduled -> false; anything else stays
        morning = read("ReadBeforeResume", "Resume: read the switch").next(
            sfn.Choice(self, "PausedBySchedule", state_name=f"Resume: is the switch {PAUSE_BY_SCHEDULE}?")
            .when(
                sfn.Condition.string_equals("$.switch.value", PAUSE_BY_SCHEDULE),
                write("ClearScheduled", f"Resume: set {PAUSE_OFF}", PAUSE_OFF),
            )
            .otherwise(
                sfn.Succeed(
                    self,
                    "NotOurPause",
                    state_name="Resume: not the schedule's pause, left as it is",
                    comment="A person's pause ('true', set before the evening or over the night), an "
                    "unknown value, or already 'false': only a person clears those.",
                )
            )
        )
        definition = (
            sfn.Choice(self, "Transition", state_name="Which transition?")
            .when(sfn.Condition.string_equals(f"$.{TRANSITION}", PAUSE), evening)
            .when(sfn.Condition.string_equals(f"$.{TRANSITION}", RESUME), morning)
            .otherwise(
                sfn.Fail(
                    self,
                    "UnknownTransition",
                    error="UnknownTransition",
                    cause=f"The input's '{TRANSITION}' must be '{PAUSE}' or '{RESUME}'; nothing was read "
                    "or written.",
                )
            )
        )

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name="/aws/vendedlogs/states/"
            + (
                naming.name("nightly-pause")
                if naming is not None
                else cdk.Names.unique_resource_name(self, max_length=200, separator="-")
            ),
            retention=log_retention,
            removal_policy=log_removal_policy,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "Resource",
            state_machine_name=naming.name("nightly-pause") if naming is not None else None,
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            comment=f"Set {name} to '{PAUSE_BY_SCHEDULE}' for the nightly stop and clear only that.",
            timeout=cdk.Duration.minutes(1),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
        )
        acknowledge(
            self.state_machine.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Step Functions log delivery (logs:*LogDelivery*) and X-Ray (PutTraceSegments) have no "
            "resource-level permissions. The switch itself is read and written by its ARN only.",
        )

    def failure_alarm(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        topic: sns.ITopic,
        schedule_group: scheduler.IScheduleGroup | None = None,
    ) -> cloudwatch.Alarm:
        """An alarm in ``scope`` that pages ``topic`` directly when a run fails or times out, or (with
        ``schedule_group``, the group of the schedules that start it) is never started.

        A failed morning run leaves the switch at ``"scheduled"``: healing stays paused all day, and
        so do the paging composites, whose actions suppressor is the switch. This alarm must therefore
        not be a composite's child: it has its own action (the one alarm that pages while the switch
        is on) and pages once, as every run is a single execution. It watches Step Functions'
        ``ExecutionsFailed`` and ``ExecutionsTimedOut`` (``AWS/States``, dimension
        ``StateMachineArn``; Step Functions Developer Guide, "Step Functions metrics for CloudWatch"),
        summed per 5 minutes; no data (no run) is not breaching. Those metrics are delivered on a
        best-effort basis (same page). A run the scheduler never starts is not an execution: with
        ``schedule_group`` the alarm also counts the group's ``InvocationDroppedCount`` (``AWS/Scheduler``:
        invocations dropped once a schedule's retry policy is exhausted; EventBridge Scheduler User
        Guide, "Monitoring EventBridge Scheduler with Amazon CloudWatch"), so keep the group to these
        schedules.

        :param naming: names the alarm ``{app}-{env}-{component}-nightly-pause-failed-high``
            (component default: ``web``).
        :param topic: the topic to page (the high severity's in this app).
        """
        period = cdk.Duration.minutes(5)
        inputs = {
            "failed": self.state_machine.metric_failed(period=period, statistic="Sum"),
            "timed_out": self.state_machine.metric_timed_out(period=period, statistic="Sum"),
        }
        if schedule_group is not None:
            inputs["dropped"] = schedule_group.metric_dropped(period=period, statistic="Sum")
        failed = cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({key}, 0)" for key in inputs),
            using_metrics=inputs,
            label="Nightly pause runs failed, timed out or never started",
            period=period,
        )
        named = naming if naming.component else naming.for_component("web")
        alarm = cloudwatch.Alarm(
            scope,
            id,
            alarm_name=named.alarm_name("nightly-pause-failed", "high"),
            alarm_description=(
                f"A nightly pause run failed: {self.pause_switch.parameter_name} may still read "
                f"'{PAUSE_BY_SCHEDULE}' (healing and paging paused) or was never set for the stop. "
                f"Read the switch; set '{PAUSE_OFF}' if the service is up. The execution log is "
                f"{self.log_group.log_group_name}."
            ),
            metric=failed,
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(topic))
        return alarm

    def schedule_target(
        self,
        transition: str,
        *,
        retry_attempts: int = SCHEDULE_RETRY_ATTEMPTS,
        max_event_age: cdk.Duration = SCHEDULE_MAX_EVENT_AGE,
    ) -> scheduler_targets.StepFunctionsStartExecution:
        """An EventBridge Scheduler target that starts the machine with ``{"transition": transition}``.

        :param transition: :data:`PAUSE` or :data:`RESUME`.
        :param retry_attempts: how often the scheduler retries starting the execution. Default: 5.
        :param max_event_age: after how long it gives up. Default: 10 minutes: a pause set hours late
            would silence healing in daytime, a resume hours late would leave it paused for no reason.
        """
        if transition not in TRANSITIONS:
            raise ValueError(f"transition ({transition!r}) must be one of {', '.join(TRANSITIONS)}.")
        return scheduler_targets.StepFunctionsStartExecution(
            self.state_machine,
            input=scheduler.ScheduleTargetInput.from_object({TRANSITION: transition}),
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
        )
