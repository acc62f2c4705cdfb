"""Game day: an AWS FIS experiment template that takes one availability zone's instances away."""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_fis as fis
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_lib._core import Naming
from constructs_lib.nag import acknowledge

__all__ = ["AzOutageExperiment"]

_SELECTION_MODE = re.compile(r"^(ALL|COUNT\(\d+\)|PERCENT\((100|[1-9]?\d)\))$")
_ZONE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")
TARGET_KEY = "InstancesInZone"
ACTION_KEY = "StopInstancesInZone"


class AzOutageExperiment(Construct):
    """FIS experiment template: stop this environment's running instances in one availability zone.

    Targets: EC2 instances tagged ``<environment_tag_key>=<naming.environment>``, filtered to
    ``Placement.AvailabilityZone = availability_zone`` and ``State.Name = running``. Action:
    ``aws:ec2:stop-instances``. Stop conditions: the given alarms; FIS halts the experiment (and
    restarts the instances if ``start_instances_after`` is set) as soon as one is in ALARM. An
    experiment that finds no target fails instead of "succeeding" with nothing done.

    What it rehearses: a zone going away under the Auto Scaling group; its health checks replace the
    stopped instances in the remaining zones. The template never starts by itself: run it with
    ``aws fis start-experiment --experiment-template-id <id>`` (set the pause switch first if the
    healing function should stand back).

    The role is assumed by FIS for this account's experiments only; it may stop/start instances only
    when they carry the environment tag, and describe instances (no resource-level permission).

    :param naming: App and environment; the environment is the tag value of the target instances.
    :param availability_zone: The zone to take away, e.g. ``ap-northeast-1a`` (of the stack's region).
    :param stop_condition_alarms: Alarms that stop the experiment (at least one), e.g. the service's
        composite health alarm: a game day must not become an outage.
    :param selection_mode: ``ALL``, ``COUNT(n)`` or ``PERCENT(n)`` of the matching instances.
        Default: ``ALL`` (the whole zone).
    :param start_instances_after: Restart the stopped instances after this long (FIS
        ``startInstancesAfterDuration``, 1 minute to 12 hours). Default: they stay stopped; the Auto
        Scaling group replaces them, which is what the experiment verifies.
    :param ebs_kms_keys: Customer-managed keys of the instances' EBS volumes; needed only with
        ``start_instances_after`` (starting such an instance creates a KMS grant). Default: none.
    :param log_group: CloudWatch Logs group for the experiment log. Default: no log (the timeline
        stays in the FIS console).
    :param experiment_name: ``Name`` tag of the template. Default: ``{app}-{env}-az-outage``.
    :param environment_tag_key: Tag key. Default: ``Environment``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        availability_zone: str,
        stop_condition_alarms: Sequence[cloudwatch.IAlarm],
        selection_mode: str = "ALL",
        start_instances_after: cdk.Duration | None = None,
        ebs_kms_keys: Sequence[kms.IKey] = (),
        log_group: logs.ILogGroup | None = None,
        experiment_name: str | None = None,
        environment_tag_key: str = "Environment",
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        environment_name = naming.environment
        if not _ZONE.match(availability_zone):
            raise ValueError(
                f"availability_zone ({availability_zone!r}) must be a zone name such as 'ap-northeast-1a'."
            )
        if not cdk.Token.is_unresolved(stack.region) and not availability_zone.startswith(stack.region):
            raise ValueError(
                f"availability_zone ({availability_zone!r}) is not in the stack's region {stack.region}: "
                f"use a zone such as {stack.region}a."
            )
        if not stop_condition_alarms:
            raise ValueError(
                "stop_condition_alarms is empty: give at least one alarm (e.g. the composite health "
                "alarm) so FIS stops the experiment before it becomes an outage."
            )
        if not _SELECTION_MODE.match(selection_mode):
            raise ValueError(
                f"selection_mode ({selection_mode!r}) must be 'ALL', 'COUNT(n)' or 'PERCENT(n)' (n <= 100)."
            )
        if start_instances_after is not None and not 60 <= start_instances_after.to_seconds() <= 43200:
            raise ValueError(
                f"start_instances_after ({start_instances_after.to_seconds()} s) must be 60-43200 s "
                "(1 minute to 12 hours)."
            )
        if ebs_kms_keys and start_instances_after is None:
            raise ValueError(
                "ebs_kms_keys is only needed with start_instances_after (FIS starts the instances); "
                "set start_instances_after or drop ebs_kms_keys."
            )

        self.role = iam.Role(
            self,
            "Role",
            description=f"FIS: stop {environment_name} instances in {availability_zone}",
            assumed_by=iam.ServicePrincipal(
                "fis.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="fis", resource="experiment", resource_name="*"
                        )
                    },
                },
            ),
        )
        instances = stack.format_arn(service="ec2", resource="instance", resource_name="*")
        actions = ["ec2:StopInstances"] + (["ec2:StartInstances"] if start_instances_after else [])
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="StopTaggedInstances",
                actions=actions,
                resources=[instances],
                conditions={"StringEquals": {f"aws:ResourceTag/{environment_tag_key}": environment_name}},
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(sid="FindTargets", actions=["ec2:DescribeInstances"], resources=["*"])
        )
        if ebs_kms_keys:
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="StartInstancesWithEncryptedVolumes",
                    actions=["kms:CreateGrant"],
                    resources=[key.key_arn for key in ebs_kms_keys],
                    conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
                )
            )
        log_configuration = None
        if log_group is not None:
            log_configuration = fis.CfnExperimentTemplate.ExperimentTemplateLogConfigurationProperty(
                log_schema_version=2,
                cloud_watch_logs_configuration={"LogGroupArn": log_group.log_group_arn},
            )
            # FIS delivers experiment logs through CloudWatch Logs vended delivery.
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="DeliverExperimentLogs",
                    actions=[
                        "logs:CreateLogDelivery",
                        "logs:PutResourcePolicy",
                        "logs:DescribeResourcePolicies",
                        "logs:DescribeLogGroups",
                    ],
                    resources=["*"],
                )
            )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "ec2:DescribeInstances (and, with a log group, the CloudWatch Logs delivery calls) support "
            "no resource-level permissions; FIS needs them to resolve targets and deliver its log.",
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:{_nag(stack.region, 'Region')}:"
            f"{_nag(stack.account, 'AccountId')}:instance/*]",
            "Targets are resolved at run time; the role may stop only instances carrying the "
            "environment tag (aws:ResourceTag condition).",
        )

        parameters = {}
        if start_instances_after is not None:
            parameters["startInstancesAfterDuration"] = _iso_duration(start_instances_after)
        self.template = fis.CfnExperimentTemplate(
            self,
            "Resource",
            description=(
                f"Game day: stop {environment_name} instances in {availability_zone} "
                "(stopped by the service's alarms)"
            ),
            role_arn=self.role.role_arn,
            targets={
                TARGET_KEY: fis.CfnExperimentTemplate.ExperimentTemplateTargetProperty(
                    resource_type="aws:ec2:instance",
                    selection_mode=selection_mode,
                    resource_tags={environment_tag_key: environment_name},
                    filters=[
                        fis.CfnExperimentTemplate.ExperimentTemplateTargetFilterProperty(
                            path="Placement.AvailabilityZone", values=[availability_zone]
                        ),
                        fis.CfnExperimentTemplate.ExperimentTemplateTargetFilterProperty(
                            path="State.Name", values=["running"]
                        ),
                    ],
                )
            },
            actions={
                ACTION_KEY: fis.CfnExperimentTemplate.ExperimentTemplateActionProperty(
                    action_id="aws:ec2:stop-instances",
                    description=f"Stop every targeted instance in {availability_zone}",
                    targets={"Instances": TARGET_KEY},
                    parameters=parameters or None,
                )
            },
            stop_conditions=[
                fis.CfnExperimentTemplate.ExperimentTemplateStopConditionProperty(
                    source="aws:cloudwatch:alarm", value=alarm.alarm_arn
                )
                for alarm in stop_condition_alarms
            ],
            experiment_options=fis.CfnExperimentTemplate.ExperimentTemplateExperimentOptionsProperty(
                account_targeting="single-account", empty_target_resolution_mode="fail"
            ),
            log_configuration=log_configuration,
            tags={"Name": experiment_name or naming.name("az-outage")},
        )
        #: Id of the experiment template (``aws fis start-experiment --experiment-template-id``).
        self.experiment_template_id: str = self.template.attr_id
        self.availability_zone = availability_zone

    def grant_start(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start experiments from this template.

        ``fis:StartExperiment`` is authorized on the template and on the experiment it creates, whose
        id does not exist yet (``experiment/*``); that wildcard is acknowledged for cdk-nag when
        ``grantee`` is a construct of this stack (acknowledge it yourself otherwise).
        """
        stack = cdk.Stack.of(self)
        if isinstance(grantee, Construct) and cdk.Stack.of(grantee) is stack:
            acknowledge(
                grantee,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:fis:{_nag(stack.region, 'Region')}:"
                f"{_nag(stack.account, 'AccountId')}:experiment/*]",
                "StartExperiment authorizes the experiment it creates, whose id is generated at start; "
                "the template is named exactly.",
            )
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["fis:StartExperiment"],
            resource_arns=[
                stack.format_arn(
                    service="fis", resource="experiment-template", resource_name=self.experiment_template_id
                ),
                stack.format_arn(service="fis", resource="experiment", resource_name="*"),
            ],
        )


def _iso_duration(duration: cdk.Duration) -> str:
    seconds = int(duration.to_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return (
        "PT"
        + (f"{hours}H" if hours else "")
        + (f"{minutes}M" if minutes else "")
        + (f"{seconds}S" if seconds else "")
    )


def _nag(value: str, pseudo: str) -> str:
    return f"<AWS::{pseudo}>" if cdk.Token.is_unresolved(value) else value
