"""Confused-deputy conditions over the whole app, exactly as AWS documents them per path.

CloudWatch and EventBridge publish to the alert topics as service principals; a topic or key that
trusts the principal alone pages for anyone's alarm or rule. A condition AWS does not send drops
every page silently, so the test also pins which conditions each path must NOT carry.
"""

from __future__ import annotations

from constructs_lib.alerting import publishers

PUBLISHERS = (publishers.CLOUDWATCH, publishers.EVENTBRIDGE)


def _service(statement: dict) -> str | None:
    principal = statement.get("Principal")
    return principal.get("Service") if isinstance(principal, dict) else None


def _rules_targeting(template: dict) -> dict[str, set[str]]:
    """Topic logical id -> logical ids of the rules whose targets publish to it."""
    rules: dict[str, set[str]] = {}
    for rule_id, r in template["Resources"].items():
        if r["Type"] == "AWS::Events::Rule":
            for target in r["Properties"].get("Targets", []):
                if isinstance(target["Arn"], dict) and "Ref" in target["Arn"]:
                    rules.setdefault(target["Arn"]["Ref"], set()).add(rule_id)
    return rules


def test_topics_let_alarms_and_rules_publish_only_with_their_source(synthesized_app):
    checked = 0
    for path, template in synthesized_app.templates.items():
        rules = _rules_targeting(template)
        for r in template["Resources"].values():
            if r["Type"] != "AWS::SNS::TopicPolicy":
                continue
            (topic,) = [t["Ref"] for t in r["Properties"]["Topics"]]
            for statement in r["Properties"]["PolicyDocument"]["Statement"]:
                service = _service(statement)
                if statement["Effect"] != "Allow" or service is None:
                    continue
                assert service in PUBLISHERS, f"{path}: {service} may publish to {topic}"
                condition = statement["Condition"]
                assert condition["StringEquals"] == {
                    "aws:SourceAccount": synthesized_app.stacks[path].account
                }
                if service == publishers.CLOUDWATCH:
                    # alarms of this app, by name prefix (CLOUDWATCH_TOPIC_POLICY_DOC)
                    (pattern,) = condition["ArnLike"].values()
                    env = path.split("/")[0].lower()
                    assert pattern["Fn::Join"][1][-1].endswith(f":alarm:webapp-{env}-*"), pattern
                else:
                    # the one rule that targets this topic (EVENTBRIDGE_TOPIC_POLICY_DOC)
                    rule = condition["ArnEquals"]["aws:SourceArn"]["Fn::GetAtt"][0]
                    assert rule in rules.get(topic, set()), f"{path}: {rule} does not target {topic}"
                checked += 1
    assert checked >= 4 * 9  # the four topics of every Monitoring and Global stack


def test_alert_keys_serve_the_publishers_for_their_topics_only(synthesized_app):
    checked = 0
    for path, template in synthesized_app.templates.items():
        for r in template["Resources"].values():
            if r["Type"] != "AWS::KMS::Key":
                continue
            for statement in r["Properties"]["KeyPolicy"]["Statement"]:
                service = _service(statement)
                if service not in PUBLISHERS:
                    continue
                condition = statement["Condition"]
                # both principals: only for the alert topics, by SNS's encryption context (SNS_KEY_POLICY_DOC)
                assert len(condition["StringEquals"][publishers.TOPIC_ENCRYPTION_CONTEXT]) == 4, path
                keys = {key for operator in condition.values() for key in operator}
                if service == publishers.EVENTBRIDGE:
                    # aws:Source* is not in EventBridge's KMS requests: such a condition drops deliveries
                    assert not any(key.startswith("aws:Source") for key in keys), f"{path}: {keys}"
                else:
                    assert {"aws:SourceAccount", "aws:SourceArn"} <= keys, f"{path}: {keys}"
                checked += 1
    assert checked == 2 * 9  # one key per Monitoring and Global stack, two publishers each
