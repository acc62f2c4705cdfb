"""Helpers of the healing construct tests: the stacks they build and readers of the synthesized templates."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from constructs_lib._core import Naming
from constructs_lib.alerting import PauseSwitch
from constructs_lib.healing import AutoHealing

ENV = cdk.Environment(account="123456789012", region="ap-northeast-1")


def make_topics(stack: cdk.Stack) -> dict[str, sns.ITopic]:
    key = kms.Key(stack, "AlertsKey", enable_key_rotation=True)
    return {
        severity: sns.Topic(stack, f"Alerts{severity.title()}", master_key=key, enforce_ssl=True)
        for severity in ("medium", "high", "critical")
    }


def logical_id(synthesized, stack: str, construct) -> str:
    return synthesized["stacks"][stack].get_logical_id(construct.node.default_child)


def dead_letter_queue_id(synthesized) -> str:
    return logical_id(synthesized, "Full", synthesized["full"].dead_letter_queue)


def only(template: Template, kind: str) -> dict[str, Any]:
    resources = template.find_resources(kind)
    assert len(resources) == 1, f"expected one {kind}, found {sorted(resources)}"
    return next(iter(resources.values()))


def function_with_handler(template: Template, handler: str = "handler.handler") -> dict[str, Any]:
    functions = [
        f
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == handler
    ]
    assert len(functions) == 1, f"expected one function with handler {handler}"
    return functions[0]


def function_environment(template: Template) -> dict[str, Any]:
    return function_with_handler(template)["Properties"]["Environment"]["Variables"]


def join(value: Any) -> str:
    """Render a Fn::Join of literals and Refs as text (Refs as <LogicalId>)."""
    if isinstance(value, str):
        return value
    separator, parts = value["Fn::Join"]
    return separator.join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)


def statements(template: Template) -> list[dict[str, Any]]:
    found = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def role_statements(synthesized, stack: str, role) -> list[dict[str, Any]]:
    role_id = synthesized["stacks"][stack].get_logical_id(role.node.default_child)
    template = synthesized["templates"][stack]
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]:
            found += resource["Properties"]["PolicyDocument"]["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def concrete(value: Any) -> str:
    """A deployed-looking value for a synthesized environment variable (Refs, GetAtts, Joins)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        name = value["Ref"]
        return (
            f"arn:aws:sns:ap-northeast-1:123456789012:{name}" if "Alerts" in name else f"Stack-{name}-1A2B3C"
        )
    if "Fn::GetAtt" in value:
        return f"arn:aws:iam::123456789012:role/Stack-{value['Fn::GetAtt'][0]}-1A2B3C"
    separator, parts = value["Fn::Join"]
    return separator.join(concrete(part) for part in parts)


def build(**overrides: Any) -> AutoHealing:
    stack = cdk.Stack(cdk.App(), "Validation", env=ENV)
    props: dict[str, Any] = {
        "naming": Naming(app="webapp", environment="prod"),
        "notification_topics": {"high": sns.Topic(stack, "High")},
        "pause_switch": PauseSwitch.from_parameter_name(stack, "Pause", "/webapp/prod/pause"),
        **overrides,
    }
    return AutoHealing(stack, "Healing", **props)
