"""SeverityTopics: encrypted topics per severity, key policy, routing, validation, cdk-nag, cfn-lint."""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from constructs_lib._core import Naming
from constructs_lib.alerting import SEVERITIES, publishers
from constructs_lib.alerting.topics import (
    NotificationEndpoints,
    SeverityEndpoints,
    SeverityTopics,
    SlackChannel,
)
from tests.unit.quality import cfn_lint, synth_with_nag

ENV = cdk.Environment(account="123456789012", region="ap-northeast-1")
ENDPOINTS = NotificationEndpoints(
    email_addresses=["oncall@example.com"],
    sms_numbers=["+819012345678"],
    webhook_urls=["https://events.pagerduty.com/integration/abc123/enqueue"],
    slack=SlackChannel(workspace_id="T07EA123LEP", channel_id="C0123ABCDE"),
)


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("notifications")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Notifications", env=ENV)
    topics = SeverityTopics(
        stack, "Alerts", naming=Naming(app="webapp", environment="prod"), endpoints=ENDPOINTS
    )
    publisher = iam.Role(stack, "Publisher", assumed_by=iam.ServicePrincipal("states.amazonaws.com"))
    topics.grant_publish(publisher, "critical")
    templates, violations = synth_with_nag(app, outdir)
    return topics, Template.from_json(templates["Notifications"]), templates["Notifications"], violations


def test_one_topic_per_severity_encrypted_with_the_customer_managed_key(synthesized):
    # given the construct with the default key / when synthesized
    _, template, _, _ = synthesized
    (key_id,) = template.find_resources("AWS::KMS::Key")
    # then
    template.resource_count_is("AWS::SNS::Topic", 4)
    for severity in SEVERITIES:
        template.has_resource_properties(
            "AWS::SNS::Topic",
            {
                "TopicName": f"webapp-prod-alerts-{severity}",
                "KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
            },
        )
    template.has_resource_properties(
        "AWS::KMS::Key", {"EnableKeyRotation": True, "Description": Match.string_like_regexp("webapp-prod")}
    )
    template.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/webapp-prod-alerts"})


def _topic_arn(name: str) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":sns:ap-northeast-1:123456789012:{name}"]]}


ALARMS_OF_THE_APP = {
    "Fn::Join": [
        "",
        ["arn:", {"Ref": "AWS::Partition"}, ":cloudwatch:ap-northeast-1:123456789012:alarm:webapp-prod-*"],
    ]
}


def test_key_policy_lets_cloudwatch_and_eventbridge_encrypt_for_these_topics_only(synthesized):
    # given the default key
    _, template, _, _ = synthesized
    (key,) = template.find_resources("AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    topics = [_topic_arn(f"webapp-prod-alerts-{s}") for s in SEVERITIES]
    granted = {s["Principal"]["Service"]: s for s in statements if "Service" in s.get("Principal", {})}
    assert set(granted) == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    for statement in granted.values():
        # then each publishing service can generate data keys and decrypt, else alarm actions are dropped
        assert statement["Effect"] == "Allow"
        assert (
            sorted(statement["Action"])
            == sorted(publishers.KEY_ACTIONS)
            == ["kms:Decrypt", "kms:GenerateDataKey*"]
        )
        # but only for the four topics, by the encryption context SNS sends (SNS_KEY_POLICY_DOC)
        assert statement["Condition"]["StringEquals"]["kms:EncryptionContext:aws:sns:topicArn"] == topics
    # CloudWatch's statement carries its documented source conditions too
    assert granted["cloudwatch.amazonaws.com"]["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": "123456789012",
            "kms:EncryptionContext:aws:sns:topicArn": topics,
        },
        "ArnLike": {"aws:SourceArn": ALARMS_OF_THE_APP},
    }
    # EventBridge's must not: its KMS requests carry no aws:Source* keys, and deliveries would drop
    assert granted["events.amazonaws.com"]["Condition"] == {
        "StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": topics}
    }


def test_topics_require_tls_and_accept_the_alarms_of_this_app_only(synthesized):
    _, template, _, _ = synthesized
    policies = template.find_resources("AWS::SNS::TopicPolicy")
    assert len(policies) == 4
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        deny_plain = [s for s in statements if s["Effect"] == "Deny"]
        assert deny_plain and deny_plain[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        allowed = [s for s in statements if s["Effect"] == "Allow"]
        # only CloudWatch, for alarms of this account named webapp-prod-* (CLOUDWATCH_TOPIC_POLICY_DOC)
        assert [(s["Sid"], s["Principal"]) for s in allowed] == [
            ("AllowAlarmsOfThisApp", {"Service": "cloudwatch.amazonaws.com"})
        ]
        assert allowed[0]["Condition"] == {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": ALARMS_OF_THE_APP},
        }


def test_fails_when_the_alarm_name_prefix_has_a_wildcard():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(
        ValueError, match=r"alarm_name_prefix \('webapp-\*'\) must be a literal alarm name prefix"
    ):
        SeverityTopics(
            stack, "Alerts", naming=Naming(app="webapp", environment="prod"), alarm_name_prefix="webapp-*"
        )


def _subscriptions(template: Template) -> set[tuple[str, str, str]]:
    topic_names = {
        logical_id: resource["Properties"]["TopicName"].rsplit("-", 1)[1]
        for logical_id, resource in template.find_resources("AWS::SNS::Topic").items()
    }
    return {
        (
            topic_names[s["Properties"]["TopicArn"]["Ref"]],
            s["Properties"]["Protocol"],
            s["Properties"]["Endpoint"],
        )
        for s in template.find_resources("AWS::SNS::Subscription").values()
    }


def test_default_routing_follows_the_ops_plan(synthesized):
    # given email, SMS, a pager webhook and Slack
    # then email->high+critical, SMS+pager->critical, Slack->low+medium
    _, template, _, _ = synthesized
    assert _subscriptions(template) == {
        ("high", "email", "oncall@example.com"),
        ("critical", "email", "oncall@example.com"),
        ("critical", "sms", "+819012345678"),
        ("critical", "https", "https://events.pagerduty.com/integration/abc123/enqueue"),
    }
    chat = template.find_resources("AWS::Chatbot::SlackChannelConfiguration")
    (config,) = chat.values()
    props = config["Properties"]
    assert props["SlackWorkspaceId"] == "T07EA123LEP" and props["SlackChannelId"] == "C0123ABCDE"
    # Chatbot names are account-wide: Tokyo and Osaka must not collide
    assert props["ConfigurationName"] == "webapp-prod-ap-northeast-1-c0123abcde"
    topic_names = {
        logical_id: resource["Properties"]["TopicName"]
        for logical_id, resource in template.find_resources("AWS::SNS::Topic").items()
    }
    assert sorted(topic_names[ref["Ref"]] for ref in props["SnsTopicArns"]) == [
        "webapp-prod-alerts-low",
        "webapp-prod-alerts-medium",
    ]
    assert props["GuardrailPolicies"] == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/CloudWatchReadOnlyAccess"]]}
    ]


def test_routing_can_be_overridden(tmp_path):
    app = cdk.App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "S", env=ENV)
    SeverityTopics(
        stack,
        "Alerts",
        naming=Naming(app="webapp", environment="dev"),
        endpoints=NotificationEndpoints(
            email_addresses=["dev@example.com"], email_severities=["medium", "critical"]
        ),
    )
    assert _subscriptions(Template.from_stack(stack)) == {
        ("medium", "email", "dev@example.com"),
        ("critical", "email", "dev@example.com"),
    }


def test_endpoints_per_severity_route_each_severity_to_its_own_people():
    # given different people per severity and two Slack channels
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    SeverityTopics(
        stack,
        "Alerts",
        naming=Naming(app="webapp", environment="stg"),
        severity_endpoints={
            "low": SeverityEndpoints(slack_channel_ids=["C0LOWNOISE1"]),
            "medium": SeverityEndpoints(slack_channel_ids=["C0LOWNOISE1", "C0OPSTEAM01"]),
            "high": SeverityEndpoints(email_addresses=["sre@example.com"], slack_channel_ids=["C0OPSTEAM01"]),
            "critical": SeverityEndpoints(
                sms_numbers=["+819012345678"], email_addresses=["lead@example.com"]
            ),
        },
        slack_workspace_id="T07EA123LEP",
    )
    template = Template.from_stack(stack)
    # then subscriptions follow the mapping and each channel gets its own severities
    assert _subscriptions(template) == {
        ("high", "email", "sre@example.com"),
        ("critical", "sms", "+819012345678"),
        ("critical", "email", "lead@example.com"),
    }
    topic_names = {
        k: r["Properties"]["TopicName"] for k, r in template.find_resources("AWS::SNS::Topic").items()
    }
    channels = {
        r["Properties"]["SlackChannelId"]: sorted(
            topic_names[t["Ref"]] for t in r["Properties"]["SnsTopicArns"]
        )
        for r in template.find_resources("AWS::Chatbot::SlackChannelConfiguration").values()
    }
    assert channels == {
        "C0LOWNOISE1": ["webapp-stg-alerts-low", "webapp-stg-alerts-medium"],
        "C0OPSTEAM01": ["webapp-stg-alerts-high", "webapp-stg-alerts-medium"],
    }


def test_with_email_alone_every_paging_severity_reaches_someone():
    # given only an email address with the default routing
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    topics = SeverityTopics(
        stack,
        "Alerts",
        naming=Naming(app="webapp", environment="dev"),
        endpoints=NotificationEndpoints(email_addresses=["dev@example.com"]),
    )
    # then high and critical are emailed; low and medium (Slack by default) reach nobody, and say so
    assert _subscriptions(Template.from_stack(stack)) == {
        ("high", "email", "dev@example.com"),
        ("critical", "email", "dev@example.com"),
    }
    assert topics.severities_without_subscribers() == ["low", "medium"]
    assert topics.severities_without_subscribers(["critical", "high"]) == []


def test_a_severity_with_only_slack_has_subscribers():
    assert SeverityEndpoints(slack_channel_ids=["C0OPSTEAM01"]).has_subscribers
    assert not SeverityEndpoints().has_subscribers


def test_fails_when_slack_channels_come_without_a_workspace():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(
        ValueError, match=r"lists Slack channels \(C0OPSTEAM01\) but slack_workspace_id is not set"
    ):
        SeverityTopics(
            stack,
            "Alerts",
            naming=Naming(app="webapp", environment="stg"),
            severity_endpoints={"high": SeverityEndpoints(slack_channel_ids=["C0OPSTEAM01"])},
        )


def test_fails_when_both_ways_of_routing_are_given():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(ValueError, match="give endpoints or severity_endpoints, not both"):
        SeverityTopics(
            stack,
            "Alerts",
            naming=Naming(app="webapp", environment="stg"),
            endpoints=NotificationEndpoints(),
            severity_endpoints={},
        )


def test_grant_publish_includes_the_key(synthesized):
    _, template, _, _ = synthesized
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like({"Action": "sns:Publish"}),
                        Match.object_like({"Action": ["kms:Decrypt", "kms:GenerateDataKey*"]}),
                    ]
                )
            }
        },
    )


def test_topics_mapping_is_keyed_by_severity(synthesized):
    topics = synthesized[0]
    assert list(topics.topics) == list(SEVERITIES)
    assert topics.topic("high") is topics.topics["high"]


def test_cdk_nag_has_no_unacknowledged_findings(synthesized):
    violations = synthesized[3]
    assert violations == [], json.dumps(violations, indent=1)[:3000]


def test_cdk_nag_check_can_fail(tmp_path):
    # positive control: the same helper reports a planted finding, so an empty list above means clean
    app = cdk.App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    sns.Topic(cdk.Stack(app, "Planted", env=ENV), "PlainTopic")
    _, violations = synth_with_nag(app, tmp_path)
    assert "AwsSolutions-SNS3" in {v["ruleName"] for v in violations}


def test_cfn_lint_is_clean(synthesized):
    assert cfn_lint(synthesized[2]) == []


@pytest.mark.parametrize(
    ("endpoints", "message"),
    [
        (
            NotificationEndpoints(email_addresses=["oncall-at-example.com"]),
            "email_addresses: 'oncall-at-example.com'",
        ),
        (
            NotificationEndpoints(sms_numbers=["090-1234-5678"]),
            "sms_numbers: '090-1234-5678' is not an E.164",
        ),
        (NotificationEndpoints(webhook_urls=["http://pager.example.com/x"]), "not an https:// URL"),
        (
            NotificationEndpoints(slack=SlackChannel(workspace_id="my-team", channel_id="C0123ABCDE")),
            "slack.workspace_id ('my-team')",
        ),
        (NotificationEndpoints(email_severities=["urgent"]), "email_severities ('urgent') is not a severity"),
        (
            {"critical": SeverityEndpoints(sms_numbers=["+81 90"])},
            "severity_endpoints['critical'].sms_numbers: '+81 90' is not an E.164",
        ),
    ],
)
def test_fails_when_an_endpoint_is_malformed(endpoints, message):
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    routing = (
        {"endpoints": endpoints}
        if isinstance(endpoints, NotificationEndpoints)
        else {"severity_endpoints": endpoints}
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        SeverityTopics(stack, "Alerts", naming=Naming(app="webapp", environment="prod"), **routing)


def test_fails_when_naming_is_not_a_naming():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(TypeError, match=r"naming must be a constructs_lib\.Naming, got str"):
        SeverityTopics(stack, "Alerts", naming="webapp-prod")


def test_validate_severity_endpoints_returns_a_route_for_every_severity():
    from constructs_lib import validate_severity_endpoints

    routes = validate_severity_endpoints(
        {"medium": SeverityEndpoints(slack_channel_ids=["C0OPSTEAM01"])}, slack_workspace_id="T07EA123LEP"
    )
    assert list(routes) == ["low", "medium", "high", "critical"]
    assert routes["medium"].slack_channel_ids == ["C0OPSTEAM01"]
    assert not routes["high"].has_subscribers


@pytest.mark.parametrize(
    ("endpoints", "workspace", "message"),
    [
        ({"urgent": SeverityEndpoints()}, None, "severity_endpoints ('urgent') is not a severity"),
        (
            {"high": SeverityEndpoints(email_addresses=["oncall"])},
            None,
            "severity_endpoints['high'].email_addresses: 'oncall' is not an email address",
        ),
        (
            {"medium": SeverityEndpoints(slack_channel_ids=["general"])},
            "T07EA123LEP",
            "severity_endpoints['medium'].slack_channel_ids ('general') must be a Slack id",
        ),
        (
            {"medium": SeverityEndpoints(slack_channel_ids=["C0OPSTEAM01"])},
            "my-team",
            "slack_workspace_id ('my-team') must be a Slack id: 9-21 upper-case letters and digits",
        ),
        (
            {"high": SeverityEndpoints(slack_channel_ids=["C0OPSTEAM01", "C0OPSTEAM02"])},
            None,
            "severity_endpoints['high'].slack_channel_ids lists Slack channels (C0OPSTEAM01, C0OPSTEAM02) "
            "but slack_workspace_id is not set: give the Slack workspace id authorised in AWS Chatbot.",
        ),
    ],
)
def test_validate_severity_endpoints_fails_naming_the_entry_and_the_fix(endpoints, workspace, message):
    from constructs_lib.alerting import validate_severity_endpoints

    with pytest.raises(ValueError, match="^" + re.escape(message)):
        validate_severity_endpoints(endpoints, slack_workspace_id=workspace)
    # SeverityTopics refuses the same endpoints with the same words
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        SeverityTopics(
            stack,
            "Alerts",
            naming=Naming(app="webapp", environment="prod"),
            severity_endpoints=endpoints,
            slack_workspace_id=workspace,
        )
