"""Shared inputs of the DR runbook tests: documents built directly, step-graph walks, role readers."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk

from constructs_lib.data import database_arn
from constructs_lib.runbooks.drills import (
    backup_restore_drill_document,
    database_failover_drill_document,
    pitr_drill_document,
)
from constructs_lib.runbooks.pitr import pitr_restore_document
from constructs_lib.runbooks.props import EndpointSwitch
from constructs_lib.runbooks.region_restore import region_restore_document
from constructs_lib.runbooks.region_switch import region_switch_document
from constructs_lib.runbooks.scripts import SCRIPT_IAM_ACTIONS

ACCOUNT = "111111111111"
TOKYO = cdk.Environment(account=ACCOUNT, region="ap-northeast-1")
OSAKA = cdk.Environment(account=ACCOUNT, region="ap-northeast-3")
DB = "webapp-prod-db"
PAUSE = "/webapp/prod/pause"
SEVERITIES = ("low", "medium", "high", "critical")
TOPIC = "arn:aws:sns:ap-northeast-3:111111111111:webapp-prod-alerts-{}"
ROLE = "arn:aws:iam::111111111111:role/runbook"
SOURCE_ARN = database_arn(account=ACCOUNT, region="ap-northeast-1", instance_identifier=DB)
DR_DB = "webapp-prod-db-osaka"
AUTO_BACKUPS_ARN = f"arn:aws:rds:ap-northeast-3:{ACCOUNT}:auto-backup:ab-l2ijcexjp7xq7hoj4siexample"


def restore_document(*, with_dns: bool, **overrides) -> dict:
    props = {
        "automation_role_arn": ROLE,
        "source_database_arn": SOURCE_ARN,
        "target_identifier": DR_DB,
        "source_automated_backups_arn": AUTO_BACKUPS_ARN if with_dns else None,
        "vault_name": "webapp-prod-backup",
        "subnet_group_name": "webapp-prod-db",
        "security_group_ids": ["sg-0123"],
        "instance_class": "db.t4g.medium",
        "multi_az": True,
        "parameter_group_name": None,
        "backup_retention_days": 14,
        "auto_scaling_group_name": "webapp-prod-web",
        "min_capacity": 2,
        "max_capacity": 6,
        "desired_capacity": 3,
        "pause_parameter_name": PAUSE,
        "environment_tag": ("Environment", "prod"),
        "success_topic_arn": TOPIC.format("high"),
        "failure_topic_arn": TOPIC.format("critical"),
    }
    if with_dns:
        props |= {
            "open_switch_id": "hc-osaka",
            "close_switch_id": "hc-tokyo",
            "endpoint_health_check_id": "hc-osaka-endpoint",
        }
    return region_restore_document(**(props | overrides))


def switch_document(planned: bool = False) -> dict:
    return region_switch_document(
        automation_role_arn=ROLE,
        database_identifier=DB,
        auto_scaling_group_name="webapp-prod-web",
        min_capacity=2,
        max_capacity=6,
        desired_capacity=2,
        open_switch_id="hc-osaka",
        close_switch_id="hc-tokyo",
        endpoint_health_check_id="hc-osaka-endpoint",
        pause_parameter_name=PAUSE,
        backup_retention_days=14,
        success_topic_arn=TOPIC.format("high"),
        failure_topic_arn=TOPIC.format("critical"),
        planned_from=(
            {
                "region": "ap-northeast-3",
                "auto_scaling_group_name": "webapp-prod-web",
                "pause_parameter_name": PAUSE,
            }
            if planned
            else None
        ),
    )


_COMMON = {"success_topic_arn": TOPIC.format("low"), "failure_topic_arn": TOPIC.format("high")}
_PLACEMENT = {
    "subnet_group_name": "webapp-prod-db",
    "security_group_ids": ["sg-0123"],
    "instance_class": "db.t4g.medium",
}
DOCUMENTS = {
    "failover": switch_document(),
    "failback": switch_document(planned=True),
    "pitr_restore": pitr_restore_document(
        automation_role_arn=ROLE,
        source_identifier=DB,
        parameter_group_name=None,
        environment_tag=("Environment", "prod"),
        **_PLACEMENT,
        **_COMMON,
    ),
    "pitr_restore_switch": pitr_restore_document(
        automation_role_arn=ROLE,
        source_identifier=DB,
        parameter_group_name=None,
        environment_tag=("Environment", "prod"),
        endpoint_switch=EndpointSwitch(
            endpoint_parameter_name="/webapp/prod/db/endpoint",
            auto_scaling_group_name="webapp-prod-web",
            command_document_name="webapp-prod-instance-commands",
            health_path="/health/deep",
        ),
        **_PLACEMENT,
        **_COMMON,
    ),
    "pitr_drill": pitr_drill_document(
        automation_role_arn=ROLE,
        source_identifier=DB,
        drill_identifier=f"{DB}-pitr-drill",
        environment_tag=("Environment", "prod"),
        **_PLACEMENT,
        **_COMMON,
    ),
    "backup_drill": backup_restore_drill_document(
        automation_role_arn=ROLE,
        vault_name="webapp-prod-backup",
        source_database_arn=SOURCE_ARN,
        drill_identifier=f"{DB}-backup-drill",
        environment_tag=("Environment", "prod"),
        **_PLACEMENT,
        **_COMMON,
    ),
    "db_failover_drill": database_failover_drill_document(
        automation_role_arn=ROLE, database_identifier=DB, pause_parameter_name=PAUSE, **_COMMON
    ),
    "region_restore": restore_document(with_dns=True),
    "region_restore_no_dns": restore_document(with_dns=False),
}


def steps_by_name(content: dict) -> dict[str, dict]:
    return {step["name"]: step for step in content["mainSteps"]}


def successors(content: dict, name: str) -> list[str]:
    steps = content["mainSteps"]
    index = [s["name"] for s in steps].index(name)
    step = steps[index]
    found: list[str] = []
    if step["action"] == "aws:branch":
        found += [c["NextStep"] for c in step["inputs"]["Choices"]] + [step["inputs"]["Default"]]
    elif "nextStep" in step:
        found.append(step["nextStep"])
    elif not step.get("isEnd") and index + 1 < len(steps):
        found.append(steps[index + 1]["name"])
    for key in ("onFailure", "onCancel"):
        if str(step.get(key, "")).startswith("step:"):
            found.append(step[key].removeprefix("step:"))
    return found


def reachable(content: dict, start: str, removed: set[str] = frozenset()) -> set[str]:
    seen, pending = set(), [start]
    while pending:
        name = pending.pop()
        if name in seen or name in removed:
            continue
        seen.add(name)
        pending += successors(content, name)
    return seen


def happy_path(content: dict, choices: Mapping[str, str]) -> list[str]:
    """The steps a run visits when nothing fails; ``choices`` picks each branch's next step."""
    steps, path = steps_by_name(content), [content["mainSteps"][0]["name"]]
    while not steps[path[-1]].get("isEnd"):
        step = steps[path[-1]]
        if step["action"] == "aws:branch":
            path.append(choices[step["name"]])
        else:
            names = [s["name"] for s in content["mainSteps"]]
            path.append(step.get("nextStep") or names[names.index(step["name"]) + 1])
    return path


RESTORES = ("region_restore", "region_restore_no_dns")


def document_and_role(dr_synthesized, name: str) -> tuple[dict, dict, str]:
    runbooks, templates, _ = dr_synthesized
    stack_name, runbook = runbooks[name]
    template = templates[stack_name]
    stack = cdk.Stack.of(runbook)
    content = template["Resources"][stack.get_logical_id(runbook.document)]["Properties"]["Content"]
    return template, content, stack.get_logical_id(runbook.role.node.default_child)


def script_actions(content: dict) -> set[str]:
    return {
        action
        for step in content["mainSteps"]
        if step["action"] == "aws:executeScript"
        for action in SCRIPT_IAM_ACTIONS[step["inputs"]["Handler"]]
    }


def role_statements(template: dict, role_id: str) -> list[dict]:
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def statement_actions(statement: dict) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)
