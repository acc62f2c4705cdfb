"""Page once: across the whole app, an alarm that a composite alarm watches has no actions of its own.

A child with its own action pages a second time for the same incident, and that second page ignores
the composite's actions suppressor (the pause switch). Composites route every child to people.
"""

from __future__ import annotations

import re
from typing import Any

ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")
_NAMED_CHILD = re.compile(r'ALARM\("([^"]+)"\)')


def children(rule: Any) -> tuple[set[str], set[str]]:
    """Logical ids (``Fn::GetAtt [id, Arn]``) and literal names or ARNs an ``AlarmRule`` refers to."""
    ids: set[str] = set()
    literals: set[str] = set()
    parts = rule["Fn::Join"][1] if isinstance(rule, dict) and "Fn::Join" in rule else [rule]
    for part in parts:
        if isinstance(part, dict) and "Fn::GetAtt" in part:
            ids.add(part["Fn::GetAtt"][0])
        elif isinstance(part, str):
            literals.update(name.rsplit(":alarm:", 1)[-1] for name in _NAMED_CHILD.findall(part))
    return ids, literals


def test_no_child_of_a_composite_has_actions_of_its_own(synthesized_app):
    checked = 0
    for path, template in synthesized_app.templates.items():
        resources = template.get("Resources", {})
        alarms = {
            logical_id: resource
            for logical_id, resource in resources.items()
            if resource["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        }
        by_name = {
            r["Properties"].get("AlarmName"): i for i, r in alarms.items() if "AlarmName" in r["Properties"]
        }
        for composite in (r for r in alarms.values() if r["Type"] == "AWS::CloudWatch::CompositeAlarm"):
            ids, names = children(composite["Properties"]["AlarmRule"])
            for child_id in ids | {by_name[n] for n in names if n in by_name}:
                child = alarms[child_id]["Properties"]
                assert not [a for a in ACTIONS if child.get(a)], (
                    f"{path}: {child.get('AlarmName', child_id)} is a child of "
                    f"{composite['Properties'].get('AlarmName')} and has actions of its own: it pages twice"
                )
                checked += 1
    assert checked > 50  # every environment's composites and their children were looked at


def test_the_healing_functions_alarms_page_through_the_high_incident_composite(synthesized_app):
    template = synthesized_app.template("Prod/Tokyo-Monitoring")
    alarms = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    healing = {
        k
        for k, r in alarms.items()
        if r["Properties"].get("AlarmName", "").startswith("webapp-prod-autoheal-")
    }
    assert len(healing) == 2
    (high,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::CompositeAlarm"
        and r["Properties"].get("AlarmName") == "webapp-prod-web-incident-high"
    ]
    ids, _ = children(high["Properties"]["AlarmRule"])
    assert healing <= ids
    assert high["Properties"]["AlarmActions"] and high["Properties"].get("ActionsSuppressor")
