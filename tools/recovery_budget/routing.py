"""Where an alarm's ALARM transition goes: to a person, to the healing function, to a runbook.

A person is reached through an SNS topic (the route says when the templates subscribe nobody to
it: the subscription may be made elsewhere), a rule that delivers the alarm's state change to such
a topic or to a state machine (the escalation policy), or a composite alarm that includes the alarm
and itself reaches a person. A composite with an ``ActionsSuppressor`` holds its actions back for its
``ActionsSuppressorWaitPeriod`` ("the maximum time ... that the composite alarm waits for the
suppressor alarm to go into the ALARM state. After this time, the composite alarm performs its
actions", CloudWatch API Reference, CompositeAlarm): that wait is part of the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tools.cloud_assembly import Attr, ResourceId

from .facts import Alarm, CompositeAlarm, EventRule, Inventory
from .latencies import Latencies
from .model import Step
from .timing import alarm_event, lat_step

Node = Alarm | CompositeAlarm


@dataclass(frozen=True)
class Page:
    """One way an alarm reaches a person, and the steps it adds after the alarm fires."""

    route: str
    steps: tuple[Step, ...]

    @property
    def seconds(self) -> float:
        return float(sum(step.seconds for step in self.steps))


@dataclass
class AlarmRouting:
    """Where an alarm's ALARM transition goes.

    ``healing_rules`` reach a Lambda function (the healing function's contract applies);
    ``runbook_rules`` start an SSM Automation runbook; ``pages`` are the ways a person is paged
    (fastest first); ``scaling_policies`` are scaling actions of the alarm.
    """

    healing_rules: list[EventRule]
    runbook_rules: list[EventRule]
    pages: list[Page]
    scaling_policies: list[str]
    dead_ends: list[str] = field(default_factory=list)  # actions that reach nobody (for warnings)

    @property
    def notifies(self) -> bool:
        return bool(self.pages)

    @property
    def fastest_page(self) -> Page | None:
        return self.pages[0] if self.pages else None


def _label(node: Node) -> str:
    kind = "composite" if isinstance(node, CompositeAlarm) else "alarm"
    return f"{kind} {node.name or node.resource.id}"


def _suppressor_wait(node: Node) -> tuple[Step, ...]:
    if not isinstance(node, CompositeAlarm) or not node.wait_period:
        return ()
    suppressor = node.suppressor.resource if isinstance(node.suppressor, Attr) else node.suppressor
    return (
        Step(
            f"{_label(node)} holds its actions until its suppressor could have fired",
            float(node.wait_period),
            f"{node.resource.id}: ActionsSuppressor={suppressor}, "
            f"ActionsSuppressorWaitPeriod={node.wait_period}",
        ),
    )


def _topic_reaches(inv: Inventory, action: object) -> tuple[bool, str]:
    """(reaches a person, description) for one alarm action."""
    if isinstance(action, Attr):
        target = inv.stage.resource(action.resource)
        if target is None or target.type != "AWS::SNS::Topic":
            return False, f"{action.resource} (not a topic)"
        if action.resource in inv.subscribed_topics:
            return True, f"topic {action.resource}"
        # Subscriptions may be made outside the templates (a paging service's integration): the topic
        # counts, and the route says the templates subscribe nobody.
        return True, f"topic {action.resource} (no subscription in the templates)"
    if isinstance(action, str):
        if ":sns:" in action:
            return True, f"topic {action} (imported: its subscriptions are not in the templates)"
        return False, action
    return True, "an imported topic (its subscriptions are not in the templates)"


def _rule_pages(inv: Inventory, rule: EventRule) -> list[str]:
    found = []
    for target in rule.targets:
        if target.kind == "state_machine":
            found.append(f"rule {rule.resource.id} -> state machine {target.ref or target.arn}")
        elif target.kind == "sns":
            ok, what = _topic_reaches(inv, Attr(target.ref) if target.ref else target.arn)
            if ok:
                found.append(f"rule {rule.resource.id} -> {what}")
    return found


def pages(
    inv: Inventory,
    node: Node,
    latencies: Latencies,
    account: Callable[[str], str],
    _seen: frozenset[ResourceId] = frozenset(),
    dead_ends: list[str] | None = None,
) -> list[Page]:
    """Every way ``node`` reaches a person, fastest first (``account(stack)`` gives a stack's account)."""
    if node.resource.id in _seen:
        return []
    seen = _seen | {node.resource.id}
    found: list[Page] = []
    wait = _suppressor_wait(node)
    enabled = node.actions_enabled if isinstance(node, Alarm) else True
    for action in node.actions if enabled else ():
        ok, what = _topic_reaches(inv, action)
        if ok:
            found.append(Page(f"{_label(node)} -> {what}", wait))
        elif dead_ends is not None:
            dead_ends.append(f"{_label(node)} -> {what}")
    region = node.resource.region
    event = alarm_event(node, account(node.resource.id.stack), region)
    for rule in inv.rules_matching(event, region=region):
        for route in _rule_pages(inv, rule):
            delivery = lat_step(
                latencies, "EventBridge delivers the state change", "EVENTBRIDGE_DELIVERY_SECONDS"
            )
            found.append(Page(f"{_label(node)} -> {route}", (delivery,)))
    for composite in inv.composites:
        if composite.resource.region == region and composite.includes(node):
            for page in pages(inv, composite, latencies, account, seen, dead_ends):
                found.append(Page(f"{_label(node)} -> {page.route}", page.steps))
    return sorted(found, key=lambda page: (page.seconds, page.route))


def route_alarm(
    inv: Inventory, alarm: Alarm, latencies: Latencies, account: Callable[[str], str]
) -> AlarmRouting:
    """Follow an alarm's ALARM transition through its actions, the deployed rules and composites."""
    region = alarm.resource.region
    event = alarm_event(alarm, account(alarm.resource.id.stack), region)
    rules = inv.rules_matching(event, region=region)
    policies = []
    for action in alarm.actions if alarm.actions_enabled else ():
        if isinstance(action, Attr):
            target = inv.stage.resource(action.resource)
            if target and target.type == "AWS::AutoScaling::ScalingPolicy":
                policies.append(str(target.id))
    dead_ends: list[str] = []
    return AlarmRouting(
        [r for r in rules if r.reaches("lambda")],
        [r for r in rules if r.reaches("automation")],
        pages(inv, alarm, latencies, account, dead_ends=dead_ends),
        policies,
        dead_ends,
    )
