"""Paging routes: an alarm's own actions, rules, composites (nested), and the suppressor's wait."""

from __future__ import annotations

from budget_templates import TOKYO, alarm, merge, stage, topic

from tools.recovery_budget.inventory import build_inventory
from tools.recovery_budget.latencies import Latencies
from tools.recovery_budget.routing import pages, route_alarm


def _composite(logical_id, children, *, actions=True, suppressor=None, wait=None, enabled=None):
    parts = []
    for child in children:
        parts += ['ALARM("', {"Fn::GetAtt": [child, "Arn"]}, '") OR ']
    props = {
        "AlarmName": f"webapp-prod-{logical_id.lower()}",
        "AlarmRule": {"Fn::Join": ["", [*parts[:-1], '")']]},
    }
    if actions:
        props["AlarmActions"] = [{"Ref": "HighTopic"}]
    if suppressor:
        props["ActionsSuppressor"] = {"Fn::GetAtt": [suppressor, "Arn"]}
        props["ActionsSuppressorWaitPeriod"] = wait
        props["ActionsSuppressorExtensionPeriod"] = 300
    if enabled is not None:
        props["ActionsEnabled"] = enabled
    return {logical_id: {"Type": "AWS::CloudWatch::CompositeAlarm", "Properties": props}}


def _lag(**kwargs):
    return alarm(
        "Lag", name="webapp-prod-db-replica-lag-high", metric="ReplicaLag", namespace="AWS/RDS", **kwargs
    )


def _pause():
    return alarm("Pause", name="webapp-prod-pause", metric="Paused", namespace="webapp")


def _routes(*parts, child="Lag"):
    inv = build_inventory(stage("Prod", {"Tokyo-Monitoring": (TOKYO, merge(*parts))}))
    node = next(a for a in inv.alarms if a.resource.id.logical_id == child)
    return inv, pages(inv, node, Latencies(), lambda stack: "111111111111")


def test_an_alarm_without_actions_or_composite_pages_nobody():
    inv, found = _routes(_lag(), topic())
    assert found == []
    routing = route_alarm(inv, inv.alarms[0], Latencies(), lambda stack: "111111111111")
    assert not routing.notifies


def test_own_actions_page_and_say_when_the_topic_has_no_subscription_in_the_templates():
    _, found = _routes(_lag(actions=[{"Ref": "HighTopic"}]), topic())
    assert [p.route for p in found] == [
        "alarm webapp-prod-db-replica-lag-high -> topic Prod/Tokyo-Monitoring/HighTopic "
        "(no subscription in the templates)"
    ]
    assert found[0].seconds == 0


def test_a_composite_with_a_suppressor_holds_the_page_for_its_wait_period():
    _, found = _routes(_lag(), _pause(), topic(), _composite("High", ["Lag"], suppressor="Pause", wait=120))
    assert len(found) == 1
    assert found[0].seconds == 120
    assert "ActionsSuppressorWaitPeriod=120" in found[0].steps[0].source
    assert found[0].route.startswith("alarm webapp-prod-db-replica-lag-high -> composite webapp-prod-high")


def test_nested_composites_page_through_the_outer_one_with_actions():
    parts = (
        _lag(),
        topic(),
        _composite("Inner", ["Lag"], actions=False),
        _composite("Outer", ["Inner"], suppressor="Inner", wait=60),
    )
    _, found = _routes(*parts)
    assert [p.route.count("composite") for p in found] == [2]
    assert found[0].seconds == 60


def test_a_composite_with_actions_disabled_pages_nobody():
    _, found = _routes(_lag(), topic(), _composite("High", ["Lag"], enabled=False))
    assert found == []


def test_a_rule_delivering_the_state_change_to_a_state_machine_pages():
    machine = {"Escalation": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {}}}
    rule = {
        "OnAlarm": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventPattern": {
                    "source": ["aws.cloudwatch"],
                    "detail-type": ["CloudWatch Alarm State Change"],
                    "detail": {
                        "alarmName": ["webapp-prod-db-replica-lag-high"],
                        "state": {"value": ["ALARM"]},
                    },
                },
                "Targets": [{"Id": "t", "Arn": {"Ref": "Escalation"}}],
            },
        }
    }
    _, found = _routes(_lag(), machine, rule)
    assert len(found) == 1
    assert "state machine Prod/Tokyo-Monitoring/Escalation" in found[0].route
    assert found[0].seconds == 5  # EventBridge delivery
