"""Least privilege of the healing role: what it may read, and on which resources it may act."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from constructs_lib._core import IPauseSwitch
from constructs_lib.healing.runtime import contract
from constructs_lib.nag import acknowledge, nag_arn
from constructs_lib.runbooks import InstanceRecoveryRunbook

if TYPE_CHECKING:
    from constructs_lib.healing.construct import AutoHealing

__all__ = ["grant_healing_permissions"]

ENVIRONMENT_TAG_KEY = contract.DEFAULT_ENVIRONMENT_TAG_KEY
"""The tag every mutating permission requires, with the environment name as value."""


def grant_healing_permissions(
    healing: AutoHealing,
    stack: cdk.Stack,
    pause_switch: IPauseSwitch,
    runbook: InstanceRecoveryRunbook | None,
) -> None:
    """Give the healing role what it needs and nothing more, and acknowledge the wildcards that remain.

    Reads are unscoped where the APIs allow nothing else; every mutating call (start/stop/reboot,
    Auto Scaling health and capacity, Run Command) is conditioned on the resource carrying the
    environment tag (IAM User Guide, "Controlling access to AWS resources using tags":
    ``aws:ResourceTag``); starting the recovery runbook is scoped to that document and passing its
    role to SSM only.
    """
    tagged = {"StringEquals": {f"aws:ResourceTag/{ENVIRONMENT_TAG_KEY}": healing.naming.environment}}
    instances = stack.format_arn(service="ec2", resource="instance", resource_name="*")
    groups = stack.format_arn(
        service="autoscaling",
        resource="autoScalingGroup",
        resource_name="*:autoScalingGroupName/*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    statements = [
        iam.PolicyStatement(
            sid="ReadOnlyDescribe",
            actions=[
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribePolicies",
                "autoscaling:DescribeWarmPool",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeInstanceRefreshes",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:GetMetricData",
                "ssm:DescribeInstanceInformation",
                "ssm:ListCommandInvocations",
                "ssm:GetCommandInvocation",
                "rds:DescribeDBInstances",
                # The incident detector's reads (Route 53 is global; these APIs take no resource).
                "route53:ListHealthChecks",
                "route53:ListTagsForResource",
                "route53:ListTagsForResources",
                "route53:GetHealthCheckStatus",
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="ActOnTaggedInstances",
            actions=["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
            resources=[instances],
            conditions=tagged,
        ),
        iam.PolicyStatement(
            sid="ActOnTaggedGroups",
            actions=[
                "autoscaling:SetInstanceHealth",
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
            ],
            resources=[groups],
            conditions=tagged,
        ),
        iam.PolicyStatement(
            sid="ReadPauseSwitch",
            actions=["ssm:GetParameter"],
            # GetParameter only (``pause_switch.grant_read`` would add GetParameters, GetParameterHistory
            # and DescribeParameters, which the function never calls).
            resources=[pause_switch.parameter_arn],
        ),
    ]
    for statement in statements:
        healing.role.add_to_policy(statement)
    # Run Command: the library's own document (fixed steps, typed parameters), tagged instances only.
    healing.instance_commands.grant_send(
        healing.role, environment_name=healing.naming.environment, environment_tag_key=ENVIRONMENT_TAG_KEY
    )
    healing.ledger.grant(
        healing.role,
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
    )
    for topic in healing.notification_topics.values():
        topic.grant_publish(healing.role)
    if runbook is not None:
        runbook.grant_start(healing.role)

    acknowledge(
        healing.role,
        "AwsSolutions-IAM5[Resource::*]",
        "Describe/List/Get calls of EC2, Auto Scaling, CloudWatch, SSM and RDS used to decide; "
        "none supports resource-level permissions or all are read-only. X-Ray writes, when on.",
    )
    acknowledge(
        healing.role,
        f"AwsSolutions-IAM5[Resource::{nag_arn(healing, 'ec2', 'instance/*')}]",
        "Start/stop/reboot and Run Command (the library's own document only) on instances tagged with "
        "this environment (aws:ResourceTag condition); which instance is known only from the event.",
    )
    acknowledge(
        healing.role,
        "AwsSolutions-IAM5[Resource::"
        f"{nag_arn(healing, 'autoscaling', 'autoScalingGroup:*:autoScalingGroupName/*')}]",
        "Instance health and capacity only on groups tagged with this environment "
        "(aws:ResourceTag condition); which group is known only from the event.",
    )
    if any(topic.master_key is not None for topic in healing.notification_topics.values()):
        acknowledge(
            healing.role,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Added by topic.grant_publish for the topics' KMS key only (SNS server-side "
            "encryption); scoped to that key.",
        )
