"""Who may publish to the alert topics: CloudWatch alarms and EventBridge rules, exactly as AWS documents.

Both services publish as their service principal, on behalf of whoever owns the alarm or rule: a
topic that trusts the principal alone can be made to page by anyone's alarm or rule (the confused
deputy). AWS documents one set of conditions per path, and a condition the service does not send
silently drops every notification, so these builders use exactly those:

* Topic policy, CloudWatch: ``aws:SourceAccount`` plus ``aws:SourceArn`` matching the alarms' ARNs by
  name prefix (:data:`CLOUDWATCH_TOPIC_POLICY_DOC`).
* Topic policy, EventBridge: ``aws:SourceAccount`` plus ``aws:SourceArn`` equal to the rule's ARN
  (:data:`EVENTBRIDGE_TOPIC_POLICY_DOC`). ``aws_events_targets.SnsTopic`` adds an unconditioned
  statement with no option for one; :class:`TopicTarget` is the replacement.
* Key policy of encrypted topics: both principals limited to the topics by the encryption context
  SNS sends, ``kms:EncryptionContext:aws:sns:topicArn`` (:data:`SNS_KEY_POLICY_DOC`). CloudWatch's
  statement also carries its documented ``aws:SourceAccount``/``aws:SourceArn``; EventBridge's must
  not: its KMS requests carry no ``aws:Source*`` keys, and such a condition drops its deliveries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
import jsii
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

CLOUDWATCH_TOPIC_POLICY_DOC = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/US_SetupSNS.html "
    "(Amazon CloudWatch User Guide, Setting up Amazon SNS notifications: confused deputy prevention)"
)
"""Topic policy for alarm notifications: ``StringEquals aws:SourceAccount`` and
``ArnLike aws:SourceArn arn:...:cloudwatch:<region>:<account>:alarm:<name>``."""
EVENTBRIDGE_TOPIC_POLICY_DOC = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions "
    "(Amazon EventBridge User Guide, Amazon SNS permissions)"
)
"""Topic policy for a rule's target: ``aws:SourceArn`` the rule's ARN (and ``aws:SourceAccount``)."""
SNS_KEY_POLICY_DOC = (
    "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services "
    "(Amazon SNS Developer Guide, Key management: compatibility between event sources from AWS services "
    "and encrypted topics)"
)
"""Key policy letting the service principals use the key of an encrypted topic."""

CLOUDWATCH = "cloudwatch.amazonaws.com"
"""Service principal of CloudWatch alarm actions."""
EVENTBRIDGE = "events.amazonaws.com"
"""Service principal of EventBridge rule targets."""
SOURCE_ACCOUNT = "aws:SourceAccount"
SOURCE_ARN = "aws:SourceArn"
TOPIC_ENCRYPTION_CONTEXT = "kms:EncryptionContext:aws:sns:topicArn"
"""Encryption context key SNS puts in the KMS requests it makes for a topic (its ARN)."""
KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")
"""What a publisher to an encrypted topic needs of the key."""

# CloudWatch alarm names (PutMetricAlarm AlarmName): printable ASCII; a prefix here is literal (no wildcards).
_PREFIX = re.compile(r"^[A-Za-z0-9_.:/=+@ -]{1,200}$")


def validate_alarm_name_prefix(prefix: str, *, prop: str = "alarm_name_prefix") -> str:
    """A literal alarm name prefix (the alarms allowed to publish), else a ValueError naming ``prop``."""
    if cdk.Token.is_unresolved(prefix) or not _PREFIX.match(prefix):
        raise ValueError(
            f"{prop} ({prefix!r}) must be a literal alarm name prefix without wildcards, e.g. 'webapp-prod-'."
        )
    return prefix


def alarm_arn_pattern(scope: Construct, alarm_name_prefix: str) -> str:
    """``arn:<partition>:cloudwatch:<region>:<account>:alarm:<prefix>*`` of the scope's stack."""
    return cdk.Stack.of(scope).format_arn(
        service="cloudwatch",
        resource="alarm",
        resource_name=f"{validate_alarm_name_prefix(alarm_name_prefix)}*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )


def topic_arn(scope: Construct, topic_name: str) -> str:
    """The ARN of a topic of the scope's stack by its literal name (no reference to the topic)."""
    return cdk.Stack.of(scope).format_arn(
        service="sns", resource=topic_name, arn_format=cdk.ArnFormat.NO_RESOURCE_NAME
    )


def alarms_may_publish(topic: sns.ITopic, *, account: str, alarm_arns: str, sid: str) -> iam.PolicyStatement:
    """Topic policy statement: CloudWatch may publish for this account's alarms matching ``alarm_arns``."""
    return iam.PolicyStatement(
        sid=sid,
        principals=[iam.ServicePrincipal(CLOUDWATCH)],
        actions=["sns:Publish"],
        resources=[topic.topic_arn],
        conditions={"StringEquals": {SOURCE_ACCOUNT: account}, "ArnLike": {SOURCE_ARN: alarm_arns}},
    )


def rule_may_publish(topic: sns.ITopic, *, account: str, rule_arn: str) -> iam.PolicyStatement:
    """Topic policy statement: EventBridge may publish for the one rule ``rule_arn`` of ``account``."""
    return iam.PolicyStatement(
        principals=[iam.ServicePrincipal(EVENTBRIDGE)],
        actions=["sns:Publish"],
        resources=[topic.topic_arn],
        conditions={"StringEquals": {SOURCE_ACCOUNT: account}, "ArnEquals": {SOURCE_ARN: rule_arn}},
    )


def key_statements(*, topic_arns: Sequence[str], account: str, alarm_arns: str) -> list[iam.PolicyStatement]:
    """Key policy statements for an alert key: each principal only for ``topic_arns``.

    CloudWatch's also requires its documented source conditions; EventBridge's carries none of them
    (see the module docstring: they would drop its deliveries).
    """
    topics = list(topic_arns)
    return [
        iam.PolicyStatement(
            sid="AllowCloudwatchToPublishToEncryptedTopics",
            principals=[iam.ServicePrincipal(CLOUDWATCH)],
            actions=list(KEY_ACTIONS),
            resources=["*"],
            conditions={
                "StringEquals": {SOURCE_ACCOUNT: account, TOPIC_ENCRYPTION_CONTEXT: topics},
                "ArnLike": {SOURCE_ARN: alarm_arns},
            },
        ),
        iam.PolicyStatement(
            sid="AllowEventsToPublishToEncryptedTopics",
            principals=[iam.ServicePrincipal(EVENTBRIDGE)],
            actions=list(KEY_ACTIONS),
            resources=["*"],
            conditions={"StringEquals": {TOPIC_ENCRYPTION_CONTEXT: topics}},
        ),
    ]


@jsii.implements(events.IRuleTarget)
class TopicTarget:
    """An EventBridge rule target publishing to an SNS topic that only this rule may publish to.

    Use it instead of ``aws_events_targets.SnsTopic``, which lets any rule of any account publish
    (its policy statement has no source condition, and it cannot be given one). ``bind`` adds a
    statement to the topic's policy allowing ``events.amazonaws.com`` for this rule's ARN in this
    account; an imported topic's policy cannot be edited, so allow the rule there yourself. The
    topic's key, if it has one, must let EventBridge use it for the topic (the key of
    :class:`~constructs_lib.alerting.SeverityTopics` does).

    :param topic: the topic to publish to.
    :param message: what is published. Default: the matched event, as JSON.
    """

    def __init__(self, topic: sns.ITopic, *, message: events.RuleTargetInput | None = None) -> None:
        self.topic = topic
        self.message = message

    def bind(self, rule: events.IRule, id: str | None = None) -> events.RuleTargetConfig:
        account = cdk.Stack.of(rule).account
        self.topic.add_to_resource_policy(
            rule_may_publish(self.topic, account=account, rule_arn=rule.rule_arn)
        )
        return events.RuleTargetConfig(arn=self.topic.topic_arn, input=self.message)
