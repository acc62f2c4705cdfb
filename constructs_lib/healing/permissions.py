"""Least privilege of the healing function's role and of the incident detector's role.

Every action granted here is called by the handler code (``tests/constructs_lib/healing/
test_permissions.py`` derives the calls from its source and compares): nothing unused is granted.
Reads are resource-scoped where the API allows it (alarms of this environment by name prefix,
databases, Route 53 health checks); the rest are on ``*`` because the API has no resource type.
Every mutating call is conditioned on the resource carrying the environment tag (IAM User Guide,
"Controlling access to AWS resources using tags": ``aws:ResourceTag``). The detector may mutate
nothing: it reads, keeps its ledger items, notifies the end of runbooks and invokes the function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from constructs_lib.healing.runtime import contract
from constructs_lib.nag import acknowledge, nag_arn
from constructs_lib.runbooks import InstanceRecoveryRunbook

if TYPE_CHECKING:
    from constructs_lib.healing.construct import AutoHealing

__all__ = [
    "DETECTOR_UNSCOPED_READS",
    "HEALING_UNSCOPED_READS",
    "grant_detector_permissions",
    "grant_healing_permissions",
]

ENVIRONMENT_TAG_KEY = contract.DEFAULT_ENVIRONMENT_TAG_KEY
"""The tag every mutating permission requires, with the environment name as value."""

LEDGER_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
)
"""What both roles do with ledger items (the function's Powertools idempotency included)."""

HEALING_UNSCOPED_READS: tuple[str, ...] = (
    "ec2:DescribeInstances",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribePolicies",
    "autoscaling:DescribeInstanceRefreshes",
    "cloudwatch:GetMetricData",
    "ssm:DescribeInstanceInformation",
    "ssm:GetCommandInvocation",
)
"""The function's reads on ``*``: EC2 and Auto Scaling ``Describe*`` actions, ``GetMetricData`` and
``DescribeInstanceInformation`` (the SSM agent's ping, checked before Run Command) have no resource
types (Service Authorization Reference, each service's "Actions" table; EC2 User Guide, "Describe
actions do not support resource-level permissions"); a command invocation is named by its id, known
only after SendCommand."""

DETECTOR_UNSCOPED_READS: tuple[str, ...] = (
    "ec2:DescribeInstanceStatus",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeInstanceRefreshes",
    "route53:ListHealthChecks",
)
"""The detector's scans on ``*``: listing calls with no resource type."""


def _tagged(healing: AutoHealing) -> dict[str, dict[str, str]]:
    return {"StringEquals": {f"aws:ResourceTag/{ENVIRONMENT_TAG_KEY}": healing.naming.environment}}


def _databases(stack: cdk.Stack) -> str:
    return stack.format_arn(
        service="rds", resource="db", resource_name="*", arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
    )


def _health_checks() -> str:
    # Route 53 is global: its ARNs have no region and no account.
    return f"arn:{cdk.Aws.PARTITION}:route53:::healthcheck/*"


_HEALTH_CHECKS_NAG = "arn:<AWS::Partition>:route53:::healthcheck/*"


def grant_healing_permissions(
    healing: AutoHealing,
    stack: cdk.Stack,
    runbook: InstanceRecoveryRunbook | None,
) -> None:
    """Give the function's role what it calls and nothing more; acknowledge each wildcard with its reason."""
    tagged = _tagged(healing)
    instances = stack.format_arn(service="ec2", resource="instance", resource_name="*")
    groups = stack.format_arn(
        service="autoscaling",
        resource="autoScalingGroup",
        resource_name="*:autoScalingGroupName/*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    alarms = stack.format_arn(
        service="cloudwatch",
        resource="alarm",
        resource_name=f"{healing.alarm_name_prefix}*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    statements = [
        iam.PolicyStatement(
            sid="DescribeWithoutResourceTypes", actions=list(HEALING_UNSCOPED_READS), resources=["*"]
        ),
        iam.PolicyStatement(
            sid="DescribeThisEnvironmentsAlarms",
            actions=["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
            resources=[alarms],
        ),
        iam.PolicyStatement(
            sid="DescribeDatabases", actions=["rds:DescribeDBInstances"], resources=[_databases(stack)]
        ),
        iam.PolicyStatement(
            sid="ReadHealthChecks",
            actions=["route53:GetHealthCheckStatus", "route53:ListTagsForResource"],
            resources=[_health_checks()],
        ),
        iam.PolicyStatement(
            sid="ActOnTaggedInstances",
            actions=["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
            resources=[instances],
            conditions=tagged,
        ),
        iam.PolicyStatement(
            sid="ActOnTaggedGroups",
            actions=["autoscaling:SetInstanceHealth", "autoscaling:SetDesiredCapacity"],
            resources=[groups],
            conditions=tagged,
        ),
        iam.PolicyStatement(
            sid="ReadPauseSwitch",
            actions=["ssm:GetParameter"],
            # GetParameter only (``pause_switch.grant_read`` would add GetParameters, GetParameterHistory
            # and DescribeParameters, which the function never calls).
            resources=[healing.pause_switch.parameter_arn],
        ),
    ]
    for statement in statements:
        healing.role.add_to_policy(statement)
    # Run Command: the library's own document (fixed steps, typed parameters), tagged instances only.
    healing.instance_commands.grant_send(
        healing.role, environment_name=healing.naming.environment, environment_tag_key=ENVIRONMENT_TAG_KEY
    )
    healing.ledger.grant(healing.role, *LEDGER_ACTIONS)
    for topic in healing.notification_topics.values():
        topic.grant_publish(healing.role)
    if runbook is not None:
        runbook.grant_start(healing.role)

    acknowledge(
        healing.role,
        "AwsSolutions-IAM5[Resource::*]",
        f"{', '.join(HEALING_UNSCOPED_READS)}: read-only, and none has a resource type in IAM (EC2 and "
        "Auto Scaling Describe*, GetMetricData, SSM DescribeInstanceInformation) or a resource known "
        "before the call (a command invocation is named by the id SendCommand returns). X-Ray trace "
        "writes when tracing is on.",
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
        "SetInstanceHealth and SetDesiredCapacity only on groups tagged with this environment "
        "(aws:ResourceTag condition); which group is known only from the event.",
    )
    _acknowledge_scoped_reads(healing, healing.role, alarms=True)
    _acknowledge_topic_key(healing, healing.role)


def grant_detector_permissions(healing: AutoHealing, role: iam.Role) -> None:
    """The detector's read-mostly role: scans, the pause switch, following runbook executions, ledger
    items, notifying the end of a runbook, invoking the healing function. No mutating AWS call."""
    stack = cdk.Stack.of(healing)
    healing.log_group.grant_write(role)
    for statement in (
        iam.PolicyStatement(
            sid="ScanWithoutResourceTypes", actions=list(DETECTOR_UNSCOPED_READS), resources=["*"]
        ),
        iam.PolicyStatement(
            sid="DescribeDatabases", actions=["rds:DescribeDBInstances"], resources=[_databases(stack)]
        ),
        iam.PolicyStatement(
            sid="ReadHealthChecks",
            actions=["route53:GetHealthCheckStatus", "route53:ListTagsForResources"],
            resources=[_health_checks()],
        ),
        iam.PolicyStatement(
            sid="ReadPauseSwitch",
            actions=["ssm:GetParameter"],
            resources=[healing.pause_switch.parameter_arn],
        ),
        iam.PolicyStatement(
            sid="FollowRunbookExecutions",
            actions=["ssm:GetAutomationExecution"],
            resources=[stack.format_arn(service="ssm", resource="automation-execution", resource_name="*")],
        ),
    ):
        role.add_to_policy(statement)
    healing.ledger.grant(role, *LEDGER_ACTIONS)
    for topic in healing.notification_topics.values():
        topic.grant_publish(role)
    healing.function.grant_invoke(role)

    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        f"{', '.join(DETECTOR_UNSCOPED_READS)}: read-only listing calls with no resource type in IAM; "
        "the scan finds this environment's resources by their tags afterwards.",
    )
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::{nag_arn(healing, 'ssm', 'automation-execution/*')}]",
        "GetAutomationExecution only (read): execution ids exist only once the function started them.",
    )
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::<{stack.get_logical_id(healing.function.node.default_child)}.Arn>:*]",
        "lambda:InvokeFunction on the healing function's versions and aliases (added by grant_invoke); "
        "that function only.",
    )
    _acknowledge_scoped_reads(healing, role, alarms=False)
    _acknowledge_topic_key(healing, role)


def _acknowledge_scoped_reads(healing: AutoHealing, role: iam.Role, *, alarms: bool) -> None:
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::{nag_arn(healing, 'rds', 'db:*')}]",
        "rds:DescribeDBInstances only (read) on DB instances of this account and region: the database "
        "is known from the event or the scan, and its environment tag is checked before anything.",
    )
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::{_HEALTH_CHECKS_NAG}]",
        "Route 53 health check status and tags only (read); Route 53 ARNs carry no account, and which "
        "check is known from the scan (checks are then filtered by their environment tag).",
    )
    if alarms:
        prefix = healing.alarm_name_prefix
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{nag_arn(healing, 'cloudwatch', f'alarm:{prefix}*')}]",
            "cloudwatch:DescribeAlarms and ListTagsForResource (read) of this environment's alarms only, "
            "by their name prefix: the function re-reads the alarm an event names, and its tags, before "
            "it trusts the event.",
        )


def _acknowledge_topic_key(healing: AutoHealing, role: iam.Role) -> None:
    if any(topic.master_key is not None for topic in healing.notification_topics.values()):
        acknowledge(
            role,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Added by topic.grant_publish for the topics' KMS key only (SNS server-side "
            "encryption); scoped to that key.",
        )
