"""SeverityTopics: one encrypted SNS topic per severity, with subscriptions routed by channel.

Alarm actions and EventBridge targets publish to these topics. With the AWS-managed SNS key
(``alias/aws/sns``) CloudWatch and EventBridge cannot use the key and their notifications are dropped
without an error anywhere, so the topics share a customer-managed key whose policy lets both services
generate data keys (``kms:GenerateDataKey*``) and decrypt.

Routing (the defaults, see :class:`NotificationEndpoints`): Slack (AWS Chatbot) for low
and medium, email for high and critical, SMS and the pager webhook for critical.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from constructs_lib._core import SEVERITIES, Naming, Severity, validate_severity
from constructs_lib.alerting.publishers import (
    alarm_arn_pattern,
    alarms_may_publish,
    key_statements,
    topic_arn,
    validate_alarm_name_prefix,
)
from constructs_lib.monitoring.naming import with_component
from constructs_lib.nag import acknowledge

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/\S*)?$")
_SLACK_ID = re.compile(r"^[A-Z0-9]{9,21}$")


@dataclass(frozen=True, kw_only=True)
class SlackChannel:
    """An AWS Chatbot (Amazon Q Developer in chat applications) Slack channel.

    The workspace must first be authorised once in the Chatbot console (that step cannot be done by
    CloudFormation); copy the workspace id from there and the channel id from the channel's link.
    """

    workspace_id: str
    """Slack workspace (team) id authorised in AWS Chatbot, e.g. ``T07EA123LEP``."""
    channel_id: str
    """Slack channel id, e.g. ``C0123ABCDE`` (private channels must invite ``@aws`` first)."""


@dataclass(frozen=True, kw_only=True)
class SeverityEndpoints:
    """Where one severity is delivered. Every list defaults to empty."""

    email_addresses: Sequence[str] = ()
    """Email recipients (each confirms the subscription once)."""
    sms_numbers: Sequence[str] = ()
    """Phone numbers in E.164 form (``+819012345678``)."""
    webhook_urls: Sequence[str] = ()
    """HTTPS endpoints such as a PagerDuty integration URL (stored in the template in clear text)."""
    slack_channel_ids: Sequence[str] = ()
    """Slack channels (of the ``slack_workspace_id`` given to SeverityTopics) that get this severity."""

    def validate(self, *, where: str = "") -> None:
        """Raise ValueError naming the first malformed address, number, URL or channel id."""
        for email in self.email_addresses:
            if not _EMAIL.match(email):
                raise ValueError(
                    f"{where}email_addresses: {email!r} is not an email address (name@example.com)."
                )
        for number in self.sms_numbers:
            if not _E164.match(number):
                raise ValueError(
                    f"{where}sms_numbers: {number!r} is not an E.164 phone number: write '+', the country "
                    "code and the number without spaces or dashes, e.g. '+819012345678'."
                )
        for url in self.webhook_urls:
            if not _HTTPS_URL.match(url):
                raise ValueError(
                    f"{where}webhook_urls: {url!r} is not an https:// URL: plain http would send alerts "
                    "unencrypted."
                )
        for channel in self.slack_channel_ids:
            _validate_slack_id(channel, prop=f"{where}slack_channel_ids")

    @property
    def has_subscribers(self) -> bool:
        """Whether anyone at all is told (an address, a number, a URL or a channel)."""
        return bool(self.email_addresses or self.sms_numbers or self.webhook_urls or self.slack_channel_ids)


def _validate_slack_id(value: str, *, prop: str) -> None:
    if not _SLACK_ID.match(value):
        raise ValueError(
            f"{prop} ({value!r}) must be a Slack id: 9-21 upper-case letters and digits (copy it from the "
            "AWS Chatbot console or the channel link)."
        )


def validate_severity_endpoints(
    severity_endpoints: Mapping[str, SeverityEndpoints],
    *,
    slack_workspace_id: str | None = None,
    prop: str = "severity_endpoints",
) -> dict[str, SeverityEndpoints]:
    """Check endpoints given per severity, as :class:`SeverityTopics` takes them, and return the
    routes of every severity (no endpoints where none are given).

    ``ValueError`` naming the first problem, its value and the fix: a key that is not a severity; a
    malformed address, number, URL or channel id (:meth:`SeverityEndpoints.validate`); a
    ``slack_workspace_id`` that is not a Slack id; Slack channels without a ``slack_workspace_id``.
    ``prop`` names the mapping in messages (``severity_endpoints['high'].sms_numbers: ...``).
    """
    routes: dict[str, SeverityEndpoints] = {severity: SeverityEndpoints() for severity in Severity}
    for severity, route in severity_endpoints.items():
        validate_severity(severity, prop=prop)
        route.validate(where=f"{prop}[{severity!r}].")
        routes[severity] = route
    if slack_workspace_id is not None:
        _validate_slack_id(slack_workspace_id, prop="slack_workspace_id")
        return routes
    for severity, route in routes.items():
        if route.slack_channel_ids:
            raise ValueError(
                f"{prop}[{str(severity)!r}].slack_channel_ids lists Slack channels "
                f"({', '.join(route.slack_channel_ids)}) but slack_workspace_id is not set: give the Slack "
                "workspace id authorised in AWS Chatbot."
            )
    return routes


@dataclass(frozen=True, kw_only=True)
class NotificationEndpoints:
    """One set of endpoints, routed per channel with the library's routing as defaults.

    Slack for low and medium, email for high and critical, SMS for emergencies (critical) and the
    pager webhook for critical. Every endpoint list defaults to empty (a topic with no subscriber
    still records the alarm in the console and in EventBridge, but tells no one:
    :meth:`SeverityTopics.severities_without_subscribers` finds them). When different people get
    different severities, give SeverityTopics ``severity_endpoints`` instead.
    """

    email_addresses: Sequence[str] = ()
    """Email recipients (each confirms the subscription once). Default: no email."""
    sms_numbers: Sequence[str] = ()
    """Phone numbers in E.164 form (``+819012345678``). Default: no SMS."""
    webhook_urls: Sequence[str] = ()
    """HTTPS endpoints such as a PagerDuty integration URL. Default: no webhook.

    The URL (with any integration key in it) is stored in the template in clear text.
    """
    slack: SlackChannel | None = None
    """Slack channel through AWS Chatbot. Default: no chat notifications."""

    email_severities: Sequence[str] = (Severity.HIGH, Severity.CRITICAL)
    """Severities sent to ``email_addresses``. Default: high and critical (with email alone, critical
    still reaches someone)."""
    sms_severities: Sequence[str] = (Severity.CRITICAL,)
    """Severities sent to ``sms_numbers``. Default: critical."""
    webhook_severities: Sequence[str] = (Severity.CRITICAL,)
    """Severities sent to ``webhook_urls`` (the pager). Default: critical."""
    slack_severities: Sequence[str] = (Severity.LOW, Severity.MEDIUM)
    """Severities sent to the Slack channel. Default: low and medium."""

    def by_severity(self) -> dict[str, SeverityEndpoints]:
        """The same routing as one validated :class:`SeverityEndpoints` per severity."""
        SeverityEndpoints(
            email_addresses=self.email_addresses, sms_numbers=self.sms_numbers, webhook_urls=self.webhook_urls
        ).validate()
        if self.slack is not None:
            _validate_slack_id(self.slack.workspace_id, prop="slack.workspace_id")
            _validate_slack_id(self.slack.channel_id, prop="slack.channel_id")
        for prop in ("email_severities", "sms_severities", "webhook_severities", "slack_severities"):
            for severity in getattr(self, prop):
                validate_severity(severity, prop=prop)

        def routed(values: Sequence[str], severities: Sequence[str], severity: str) -> tuple[str, ...]:
            return tuple(values) if severity in severities else ()

        slack = (self.slack.channel_id,) if self.slack is not None else ()
        return {
            severity: SeverityEndpoints(
                email_addresses=routed(self.email_addresses, self.email_severities, severity),
                sms_numbers=routed(self.sms_numbers, self.sms_severities, severity),
                webhook_urls=routed(self.webhook_urls, self.webhook_severities, severity),
                slack_channel_ids=routed(slack, self.slack_severities, severity),
            )
            for severity in Severity
        }


class SeverityTopics(Construct):
    """One SNS topic per severity, encrypted with a customer-managed key, subscribed per routing.

    Topics are named ``{app}-{env}-alerts-{severity}``. Each topic requires TLS from publishers and
    lets CloudWatch publish only for this account's alarms named ``alarm_name_prefix...`` (as AWS
    documents against the confused deputy, see :mod:`constructs_lib.alerting.publishers`); an
    EventBridge rule publishes through :class:`~constructs_lib.alerting.TopicTarget`, which allows
    that one rule.

    :param naming: app and environment used in topic, key alias and chat configuration names (the
        component is not used).
    :param endpoints: one set of endpoints with the library's routing (see
        :class:`NotificationEndpoints`). Default: no subscriptions (topics only).
    :param severity_endpoints: endpoints per severity, instead of ``endpoints``, when different
        people get different severities. Default: no subscriptions.
    :param slack_workspace_id: Slack workspace of the ``slack_channel_ids`` in
        ``severity_endpoints``. Default: none (then no severity may list Slack channels).
    :param alarm_name_prefix: alarms whose names start with it may publish (those of this account and
        region). Default: ``{app}-{env}-``, every alarm of the environment named by :class:`Naming`.
    :param key: KMS key for the topics. Default: a new customer-managed key with yearly rotation,
        alias ``alias/{app}-{env}-alerts``, whose policy lets CloudWatch and EventBridge use it for
        these four topics only. An imported key must already carry those grants: the construct cannot
        edit its policy.
    :param key_removal_policy: what happens to a new key when it leaves the stack.
        Default: ``RETAIN`` (messages in flight and subscriptions to other regions may still need it).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        endpoints: NotificationEndpoints | None = None,
        severity_endpoints: Mapping[str, SeverityEndpoints] | None = None,
        slack_workspace_id: str | None = None,
        alarm_name_prefix: str | None = None,
        key: kms.IKey | None = None,
        key_removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id)
        naming = with_component(naming, "alerts")
        self.naming = naming
        self.routes, workspace = self._routes(endpoints, severity_endpoints, slack_workspace_id)
        """Endpoints of every severity, whichever way they were given."""
        prefix = naming.prefix
        self.alarm_name_prefix = validate_alarm_name_prefix(
            alarm_name_prefix if alarm_name_prefix is not None else f"{prefix}-"
        )
        """Alarms named with this prefix (in this account and region) may publish to the topics."""
        alarm_arns = alarm_arn_pattern(self, self.alarm_name_prefix)
        account = cdk.Stack.of(self).account
        names = {severity: f"{prefix}-alerts-{severity}" for severity in Severity}

        if key is None:
            created = kms.Key(
                self,
                "Key",
                alias=f"alias/{prefix}-alerts",
                description=f"Encrypts the {prefix} alert topics; CloudWatch and EventBridge publish.",
                enable_key_rotation=True,
                removal_policy=key_removal_policy,
            )
            # The topics' ARNs by name: the key cannot refer to the topics it encrypts (a cycle).
            arns = [topic_arn(self, name) for name in names.values()]
            for statement in key_statements(topic_arns=arns, account=account, alarm_arns=alarm_arns):
                created.add_to_resource_policy(statement)
            key = created
        self.key: kms.IKey = key

        self._topics: dict[str, sns.Topic] = {}
        for severity in Severity:
            topic = sns.Topic(
                self,
                severity.label,
                topic_name=names[severity],
                display_name=f"{prefix} {severity} alerts",
                master_key=key,
                enforce_ssl=True,
            )
            topic.add_to_resource_policy(
                alarms_may_publish(topic, account=account, alarm_arns=alarm_arns, sid="AllowAlarmsOfThisApp")
            )
            self._topics[severity] = topic

        self._subscribe()
        self.slack_channels: dict[str, chatbot.SlackChannelConfiguration] = {}
        """Chatbot channel configurations keyed by Slack channel id."""
        if workspace is not None:
            self._add_slack(prefix, workspace)

    # -- public API --------------------------------------------------------------------------------

    @property
    def topics(self) -> Mapping[str, sns.ITopic]:
        """Topics keyed by severity: the ``notification_topics`` other constructs take."""
        return dict(self._topics)

    def topic(self, severity: str) -> sns.ITopic:
        """The topic of ``severity`` (one of :data:`SEVERITIES`)."""
        return self._topics[validate_severity(severity, prop="severity")]

    def severities_without_subscribers(self, severities: Sequence[str] = SEVERITIES) -> list[Severity]:
        """Those of ``severities`` whose topic nobody is subscribed to (least urgent first).

        A topic without subscribers still records the alarm, but tells no one: every severity that
        alarms or rules publish to should have at least one endpoint.
        """
        chosen = {validate_severity(s, prop="severities") for s in severities}
        return [s for s in Severity if s in chosen and not self.routes[s].has_subscribers]

    def alarm_action(self, severity: str) -> cloudwatch.IAlarmAction:
        """An alarm action publishing to the topic of ``severity``."""
        return cloudwatch_actions.SnsAction(self.topic(severity))

    def grant_publish(self, grantee: iam.IGrantable, *severities: str) -> iam.Grant:
        """Let ``grantee`` publish to the given severities' topics (all of them when none is given).

        Includes ``kms:GenerateDataKey*``/``kms:Decrypt`` on the key, which encrypted topics need.
        """
        chosen = severities or SEVERITIES
        grant = None
        for severity in chosen:
            topic_grant = self._topics[validate_severity(severity, prop="severities")].grant_publish(grantee)
            grant = topic_grant if grant is None else grant.combine(topic_grant)
        assert grant is not None
        if isinstance(grantee, Construct):
            acknowledge(
                grantee,
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "Publishing to an SSE topic needs the GenerateDataKey* family (with and without "
                "plaintext); the statement is scoped to the alert topics' single key.",
            )
        return grant

    def metric_notifications_failed(self, severity: str, **kwargs) -> cloudwatch.Metric:
        """SNS ``NumberOfNotificationsFailed`` (Sum per 5 minutes) for the topic of ``severity``."""
        return self._topics[
            validate_severity(severity, prop="severity")
        ].metric_number_of_notifications_failed(
            **{"period": cdk.Duration.minutes(5), "statistic": "Sum", **kwargs}
        )

    def widgets(self) -> list[cloudwatch.IWidget]:
        """Dashboard widgets: notifications published and failed per severity."""
        return [
            cloudwatch.GraphWidget(
                title="Alert notifications by severity",
                left=[
                    topic.metric_number_of_messages_published(
                        label=f"{severity} published", period=cdk.Duration.minutes(5), statistic="Sum"
                    )
                    for severity, topic in self._topics.items()
                ],
                right=[
                    self.metric_notifications_failed(severity, label=f"{severity} failed")
                    for severity in self._topics
                ],
                width=12,
            )
        ]

    # -- internals ---------------------------------------------------------------------------------

    @staticmethod
    def _routes(
        endpoints: NotificationEndpoints | None,
        severity_endpoints: Mapping[str, SeverityEndpoints] | None,
        slack_workspace_id: str | None,
    ) -> tuple[dict[str, SeverityEndpoints], str | None]:
        if endpoints is not None and severity_endpoints is not None:
            raise ValueError(
                "give endpoints or severity_endpoints, not both: they are two ways to say the same."
            )
        if endpoints is not None:
            if slack_workspace_id is not None:
                raise ValueError(
                    "slack_workspace_id goes with severity_endpoints; with endpoints use slack=."
                )
            return endpoints.by_severity(), endpoints.slack.workspace_id if endpoints.slack else None
        routes = validate_severity_endpoints(severity_endpoints or {}, slack_workspace_id=slack_workspace_id)
        channels = any(route.slack_channel_ids for route in routes.values())
        return routes, slack_workspace_id if channels else None

    def _subscribe(self) -> None:
        for severity, route in self.routes.items():
            topic = self._topics[severity]
            for address in route.email_addresses:
                topic.add_subscription(subscriptions.EmailSubscription(address))
            for number in route.sms_numbers:
                topic.add_subscription(subscriptions.SmsSubscription(number))
            for url in route.webhook_urls:
                topic.add_subscription(
                    subscriptions.UrlSubscription(url, protocol=sns.SubscriptionProtocol.HTTPS)
                )

    def _add_slack(self, prefix: str, workspace_id: str) -> None:
        role = iam.Role(
            self,
            "SlackChannelRole",
            assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
            description=f"AWS Chatbot reads alarm details for the {prefix} Slack alerts.",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadAlarmContext",
                actions=[
                    "cloudwatch:DescribeAlarms",
                    "cloudwatch:GetMetricData",
                    "cloudwatch:GetMetricWidgetImage",
                ],
                resources=["*"],
            )
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Chatbot renders alarm graphs: GetMetricData and GetMetricWidgetImage have no resource-level "
            "permissions, and the alarms a channel shows are not known to this construct.",
        )
        region = cdk.Stack.of(self).region
        channels: dict[str, list[str]] = {}
        for severity, route in self.routes.items():
            for channel in route.slack_channel_ids:
                channels.setdefault(channel, []).append(severity)
        for channel, severities in channels.items():
            self.slack_channels[channel] = chatbot.SlackChannelConfiguration(
                self,
                f"Slack{channel}",
                # Chatbot is a global service: configuration names are unique per account, not region.
                slack_channel_configuration_name=f"{prefix}-{region}-{channel.lower()}",
                slack_workspace_id=workspace_id,
                slack_channel_id=channel,
                notification_topics=[self._topics[severity] for severity in severities],
                role=role,
                # The guardrail caps what channel members can do through the bot: read-only, never
                # admin (CloudFormation's default guardrail is AdministratorAccess).
                guardrail_policies=[
                    iam.ManagedPolicy.from_aws_managed_policy_name("CloudWatchReadOnlyAccess")
                ],
                logging_level=chatbot.LoggingLevel.ERROR,
            )
