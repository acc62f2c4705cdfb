"""PauseSwitchAlarm: an alarm in ALARM while the environment's pause switch is anything but "false".

It is the ``actions_suppressor`` of the paging composites during planned stops and drills. A small
Express state machine turns the SSM parameter into a metric, which the alarm watches.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from constructs_lib._core import PAUSE_OFF, IPauseSwitch, Naming, Severity
from constructs_lib.monitoring.metrics import ONE_MINUTE
from constructs_lib.monitoring.naming import with_component
from constructs_lib.nag import acknowledge

_FIVE_MINUTES = cdk.Duration.minutes(5)


class PauseSwitchAlarm(Construct):
    """An alarm in ALARM while the environment's pause switch (an SSM String parameter) pauses.

    The switch pauses unless it reads exactly ``"false"``: ``"true"`` (a person), ``"scheduled"`` (the
    nightly stop) and any other value count as paused, as the healing function counts them (fail
    closed). CloudWatch cannot read SSM parameters, so a small Express state machine publishes the
    switch as a metric (``{namespace} Paused`` = 0 for ``"false"``, else 1; dimensions Application
    and Environment): on every change
    of the parameter (EventBridge "Parameter Store Change") and every ``resync_interval``. The alarm
    treats missing data as "keep the last state", so it holds between publications. Before the first
    publication it is INSUFFICIENT_DATA, which does not suppress: failure to publish fails towards
    paging, never towards silence. A missing parameter is such a failure (the read fails, nothing is
    published), not a value: the alarm keeps its last state.

    Use it as ``actions_suppressor`` of :class:`SeverityCompositeAlarms`. Limits: CloudWatch does not
    re-send an ALARM that began while suppressed once suppression ends; the escalation state machine
    checks the switch itself. It deliberately exposes no ``alarms`` list: it is the suppressor, not an
    incident, and must never be a child of the composites it silences.

    :param naming: app and environment of the alarm, state machine and metric dimensions.
        Default component (of the alarm name): ``operations``.
    :param pause_switch: the switch (:class:`~constructs_lib.alerting.PauseSwitch`, or one imported
        with ``PauseSwitch.from_parameter_name``); its name may be a token.
    :param namespace: namespace of the ``Paused`` metric. Default: ``{app}/Operations``.
    :param resync_interval: how often the metric is re-published from the parameter. Default: 5 minutes.
    :param log_retention: retention of the publisher's execution log. Default: one month.
    :param log_removal_policy: what happens to the execution log when the stack goes. Default: ``DESTROY``
        (an operational log); environments that keep their data pass ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        pause_switch: IPauseSwitch,
        namespace: str | None = None,
        resync_interval: cdk.Duration = _FIVE_MINUTES,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, id)
        naming = with_component(naming, "operations")
        if not isinstance(pause_switch, IPauseSwitch):
            raise TypeError(
                f"pause_switch must be a pause switch (IPauseSwitch), got {type(pause_switch).__name__}: "
                "pass PauseSwitch(...) or PauseSwitch.from_parameter_name(scope, id, '/app/env/pause')."
            )
        pause_parameter_name = pause_switch.parameter_name
        app_name, environment_name = naming.app, naming.environment
        if resync_interval.to_seconds() < 60:
            raise ValueError(
                f"resync_interval ({resync_interval.to_human_string()}) must be at least 1 minute, "
                "the smallest EventBridge rate."
            )
        self.namespace = namespace or f"{app_name}/Operations"
        self.pause_switch = pause_switch
        self.pause_parameter_name = pause_parameter_name
        dimensions = {"Application": app_name, "Environment": environment_name}
        self._dimensions = dimensions

        def publish(state_id: str, value: int) -> sfn.CustomState:
            return sfn.CustomState(
                self,
                state_id,
                state_json={
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
                    "Parameters": {
                        "Namespace": self.namespace,
                        "MetricData": [
                            {
                                "MetricName": "Paused",
                                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                                "Value": value,
                                "Unit": "Count",
                            }
                        ],
                    },
                    "ResultPath": None,
                },
            )

        read = sfn.CustomState(
            self,
            "ReadSwitch",
            state_json={
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
                "Parameters": {"Name": pause_parameter_name},
                "ResultSelector": {"value.$": "$.Parameter.Value"},
                "ResultPath": "$.switch",
            },
        )
        # Fail closed, as the healing function: only "false" is running; "true", "scheduled" and
        # anything else is paused.
        definition = read.next(
            sfn.Choice(self, "IsPaused")
            .when(sfn.Condition.string_equals("$.switch.value", PAUSE_OFF), publish("PublishRunning", 0))
            .otherwise(publish("PublishPaused", 1))
        )
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{app_name}-{environment_name}-pause-switch",
            retention=log_retention,
            removal_policy=log_removal_policy,
        )
        self.publisher = sfn.StateMachine(
            self,
            "Publisher",
            state_machine_name=f"{app_name}-{environment_name}-pause-switch",
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=cdk.Duration.minutes(1),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )
        self.publisher.add_to_role_policy(
            iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[pause_switch.parameter_arn])
        )
        self.publisher.add_to_role_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": self.namespace}},
            )
        )
        _acknowledge_state_machine_role(
            self.publisher,
            extra="PutMetricData has no resource-level permissions; "
            "the statement is limited to one namespace by condition.",
        )

        events.Rule(
            self,
            "OnChange",
            description=f"Publish the pause switch {pause_parameter_name} when it changes.",
            event_pattern=events.EventPattern(
                source=["aws.ssm"],
                detail_type=["Parameter Store Change"],
                detail={"name": [pause_parameter_name], "operation": ["Create", "Update"]},
            ),
            targets=[targets.SfnStateMachine(self.publisher)],
        )
        events.Rule(
            self,
            "Resync",
            description=f"Re-publish the pause switch {pause_parameter_name} periodically.",
            schedule=events.Schedule.rate(resync_interval),
            targets=[targets.SfnStateMachine(self.publisher)],
        )
        self.alarm = cloudwatch.Alarm(
            self,
            "Resource",
            alarm_name=naming.alarm_name("paused", Severity.LOW),
            alarm_description=(
                f"The pause switch {pause_parameter_name} is not '{PAUSE_OFF}': healing and paging are "
                "paused (by a person, by the nightly stop, or by an unknown value). "
                "Used as the actions suppressor of the composite alarms."
            ),
            metric=self.metric_paused(),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.IGNORE,
        )

    def metric_paused(self, **kwargs) -> cloudwatch.Metric:
        """``Paused`` (Maximum per minute): 0 while the switch is "false", 1 while it is anything else."""
        return cloudwatch.Metric(
            namespace=self.namespace,
            metric_name="Paused",
            dimensions_map=dict(self._dimensions),
            **{"statistic": "Maximum", "period": ONE_MINUTE, **kwargs},
        )


def _acknowledge_state_machine_role(machine: sfn.StateMachine, *, extra: str = "") -> None:
    """Acknowledge the wildcard statements CDK adds for state machine logging and X-Ray."""
    role = machine.role
    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "Step Functions log delivery (logs:*LogDelivery*) and X-Ray (PutTraceSegments) have no "
        f"resource-level permissions. {extra}".strip(),
    )
