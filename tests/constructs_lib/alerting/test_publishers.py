"""TopicTarget and the publisher statements: only the rule that targets a topic may publish to it."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk.assertions import Template

from constructs_lib._core import Naming
from constructs_lib.alerting import SeverityTopics, TopicTarget

ENV = cdk.Environment(account="123456789012", region="ap-northeast-1")
PATTERN = events.EventPattern(source=["aws.config"], detail_type=["Config Rules Compliance Change"])


def _stack_with_rule(target) -> tuple[cdk.Stack, dict]:
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    topics = SeverityTopics(stack, "Alerts", naming=Naming(app="webapp", environment="prod"))
    rule = events.Rule(stack, "Findings", event_pattern=PATTERN, targets=[target(topics.topic("medium"))])
    template = Template.from_stack(stack).to_json()
    rule_id = stack.get_logical_id(rule.node.default_child)
    return stack, {"template": template, "rule": rule_id}


def _service_statements(template: dict, kind: str, service: str) -> list[dict]:
    found = []
    for r in template["Resources"].values():
        if r["Type"] == kind:
            document = r["Properties"].get("PolicyDocument") or r["Properties"]["KeyPolicy"]
            found += [
                s
                for s in document["Statement"]
                if isinstance(s["Principal"], dict) and s["Principal"].get("Service") == service
            ]
    return found


def test_topic_target_allows_its_rule_and_nothing_else():
    # given a rule publishing to the medium topic through TopicTarget
    _, built = _stack_with_rule(
        lambda topic: TopicTarget(topic, message=events.RuleTargetInput.from_text("x"))
    )
    template = built["template"]
    # then the topic lets EventBridge publish only for that rule of this account
    # (publishers.EVENTBRIDGE_TOPIC_POLICY_DOC)
    (statement,) = _service_statements(template, "AWS::SNS::TopicPolicy", "events.amazonaws.com")
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [built["rule"], "Arn"]}},
    }
    # and the rule targets the topic with the given message
    (target,) = template["Resources"][built["rule"]]["Properties"]["Targets"]
    assert target["Input"] == '"x"' and "Ref" in target["Arn"]
    # and the key gains no statement beyond the topic-scoped one
    (key_statement,) = _service_statements(template, "AWS::KMS::Key", "events.amazonaws.com")
    assert list(key_statement["Condition"]["StringEquals"]) == ["kms:EncryptionContext:aws:sns:topicArn"]


def test_cdk_sns_topic_target_would_allow_any_rule_which_is_why_topic_target_exists():
    # given CDK's own SnsTopic target on the same topic
    _, built = _stack_with_rule(targets.SnsTopic)
    template = built["template"]
    # then its statements carry no source condition at all (the confused deputy TopicTarget closes)
    topic_statements = _service_statements(template, "AWS::SNS::TopicPolicy", "events.amazonaws.com")
    key_statements = _service_statements(template, "AWS::KMS::Key", "events.amazonaws.com")
    assert any("Condition" not in s for s in topic_statements)
    assert any("Condition" not in s for s in key_statements)
