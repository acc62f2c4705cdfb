"""What the pipeline's smoke steps need inside each environment: one small stack per region.

``<Label>-Smoke`` (``Prod/Tokyo-Smoke``) holds a role the smoke step of the tooling account may
assume, and an alarm whose only purpose is to prove that an alarm notification reaches the
environment's alert topic. It exists only when the app is synthesized as the pipeline
(``-c pipeline=true``): the stacks of ``cdk deploy 'Prod/*'`` are unchanged.

Names are derived here from the environment's config, so both sides (this stack in the workload
account, the smoke step in the tooling account) agree without cross-account references.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.base import RegionalStack
from stacks.config import EnvironmentConfig

#: The alert topic the smoke alarm notifies: the least urgent one (nobody is paged by a deploy).
SMOKE_SEVERITY = "low"


def smoke_role_name(config: EnvironmentConfig, label: str) -> str:
    """The role in the workload account that the smoke step of ``label``'s region assumes."""
    return f"{config.app_name}-{config.name}-pipeline-smoke-{label.lower()}"[:64]


def smoke_role_arn(config: EnvironmentConfig, label: str) -> str:
    return f"arn:aws:iam::{config.account}:role/{smoke_role_name(config, label)}"


def smoke_runner_role_name(app_name: str, environment_name: str) -> str:
    """The CodeBuild role in the tooling account that runs an environment's smoke steps."""
    return f"{app_name}-delivery-smoke-{environment_name}"[:64]


def smoke_runner_role_arn(app_name: str, environment_name: str, tooling_account: str) -> str:
    return f"arn:aws:iam::{tooling_account}:role/{smoke_runner_role_name(app_name, environment_name)}"


def smoke_alarm_name(config: EnvironmentConfig) -> str:
    """Deliberately outside the environment's ``{app}-{env}-`` alarm prefix: auto-healing acts on
    alarms with that prefix, and a smoke test must not make it act."""
    return f"pipeline-smoke-{config.app_name}-{config.name}-notification"


def alert_topic_arn(config: EnvironmentConfig, region: str, severity: str = SMOKE_SEVERITY) -> str:
    """The environment's alert topic of ``severity`` (SeverityTopics names it
    ``{app}-{env}-alerts-{severity}``)."""
    return f"arn:aws:sns:{region}:{config.account}:{config.app_name}-{config.name}-alerts-{severity}"


class SmokeTestStack(RegionalStack):
    """The smoke step's role and notification-path alarm in one region of one environment.

    :param runner_role_arn: the tooling account's role that runs the smoke step; only it may assume
        :attr:`role` (trust on the account, conditioned on ``aws:PrincipalArn``, so the trust does not
        depend on the runner role existing first).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        region: str,
        label: str,
        runner_role_arn: str,
        tooling_account: str,
    ) -> None:
        super().__init__(
            scope,
            id,
            config=config,
            region=region,
            description="pipeline smoke test (role, notification alarm)",
        )
        topic_arn = alert_topic_arn(config, region)
        # A metric nothing publishes, missing data not breaching: the alarm stays OK until the smoke
        # step sets it to ALARM. SetAlarmState runs the alarm's actions when the state changes and
        # records the result in the alarm history (CloudWatch API Reference, SetAlarmState).
        self.alarm = cloudwatch.Alarm(
            self,
            "NotificationPath",
            alarm_name=smoke_alarm_name(config),
            alarm_description=(
                f"Pipeline smoke test of {config.app_name} {config.name}: set to ALARM by the delivery "
                f"pipeline after each deploy to prove that alarm notifications reach {topic_arn}. "
                "Not an incident."
            ),
            metric=cloudwatch.Metric(
                namespace=f"{config.app_name}/Delivery",
                metric_name="SmokeTest",
                dimensions_map={"Environment": config.name},
                statistic="Maximum",
                period=cdk.Duration.minutes(5),
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarm.add_alarm_action(
            cloudwatch_actions.SnsAction(sns.Topic.from_topic_arn(self, "AlertTopic", topic_arn))
        )

        self.role = iam.Role(
            self,
            "Role",
            role_name=smoke_role_name(config, label),
            description=f"Assumed after each deploy by the pipeline's smoke step ({tooling_account})",
            assumed_by=iam.AccountPrincipal(tooling_account).with_conditions(
                {"ArnEquals": {"aws:PrincipalArn": runner_role_arn}}
            ),
            max_session_duration=cdk.Duration.hours(1),
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadThePauseSwitch",
                actions=["ssm:GetParameter"],
                resources=[
                    self.format_arn(
                        service="ssm",
                        resource="parameter",
                        resource_name=config.pause_parameter_name.lstrip("/"),
                    )
                ],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="FireTheSmokeAlarmAndReadItsHistory",
                actions=["cloudwatch:SetAlarmState", "cloudwatch:DescribeAlarmHistory"],
                resources=[self.alarm.alarm_arn],
            )
        )
        cdk.CfnOutput(self, "SmokeRoleArn", value=self.role.role_arn)
