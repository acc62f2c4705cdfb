"""DR runbooks: step graphs, safety order, roles versus the APIs their steps and scripts call, scripts."""

from __future__ import annotations

import ast
import datetime
import inspect
import json
from collections.abc import Mapping

import aws_cdk as cdk
import boto3
import botocore.session
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from botocore.stub import Stubber
from moto import mock_aws

from constructs_lib import dr_runbooks
from constructs_lib.database import database_arn
from constructs_lib.dr_runbooks import (
    SCRIPT_IAM_ACTIONS,
    BackupRestoreDrillRunbook,
    DatabaseFailoverDrillRunbook,
    PitrDrillRunbook,
    PitrRestoreRunbook,
    RegionFailbackRunbook,
    RegionFailoverRunbook,
    RegionRestoreRunbook,
    backup_restore_drill_document,
    database_failover_drill_document,
    pitr_drill_document,
    pitr_restore_document,
    region_restore_document,
    region_switch_document,
)
from constructs_lib.runbook_validation import (
    granted_iam_actions,
    missing_iam_actions,
    required_iam_actions,
    validate_automation_document,
)
from tests.unit.quality import cfn_lint, synth_with_nag

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


# ==============================================================================================
# Documents built directly (no synthesis)
# ==============================================================================================
def _restore_document(*, with_dns: bool, **overrides) -> dict:
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


def _switch_document(planned: bool = False) -> dict:
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
    "failover": _switch_document(),
    "failback": _switch_document(planned=True),
    "pitr_restore": pitr_restore_document(
        automation_role_arn=ROLE,
        source_identifier=DB,
        parameter_group_name=None,
        environment_tag=("Environment", "prod"),
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
    "region_restore": _restore_document(with_dns=True),
    "region_restore_no_dns": _restore_document(with_dns=False),
}


def _steps(content: dict) -> dict[str, dict]:
    return {step["name"]: step for step in content["mainSteps"]}


def _successors(content: dict, name: str) -> list[str]:
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


def _reachable(content: dict, start: str, removed: set[str] = frozenset()) -> set[str]:
    seen, pending = set(), [start]
    while pending:
        name = pending.pop()
        if name in seen or name in removed:
            continue
        seen.add(name)
        pending += _successors(content, name)
    return seen


def _happy_path(content: dict, choices: Mapping[str, str]) -> list[str]:
    """The steps a run visits when nothing fails; ``choices`` picks each branch's next step."""
    steps, path = _steps(content), [content["mainSteps"][0]["name"]]
    while not steps[path[-1]].get("isEnd"):
        step = steps[path[-1]]
        if step["action"] == "aws:branch":
            path.append(choices[step["name"]])
        else:
            names = [s["name"] for s in content["mainSteps"]]
            path.append(step.get("nextStep") or names[names.index(step["name"]) + 1])
    return path


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_passes_the_step_graph_validation(name):
    assert validate_automation_document(DOCUMENTS[name]) == []


def test_failover_promotes_then_scales_then_switches_dns_then_verifies():
    path = _happy_path(
        DOCUMENTS["failover"],
        {"CheckPauseOverride": "AssertNotPaused", "IsStandbyReplica": "PromoteReplica"},
    )
    assert path == [
        "CheckPauseOverride",
        "AssertNotPaused",
        "DescribeStandbyDatabase",
        "IsStandbyReplica",
        "PromoteReplica",
        "WaitForPromotionToStart",
        "WaitForDatabaseAvailable",
        "VerifyPromoted",
        "ScaleOutWebService",
        "OpenRegionSwitch",
        "CloseOtherRegionSwitch",
        "VerifyEndpointHealthy",
        "NotifySuccess",
    ]


def test_failover_rerun_skips_the_promotion_of_an_already_promoted_database():
    path = _happy_path(
        DOCUMENTS["failover"],
        {"CheckPauseOverride": "DescribeStandbyDatabase", "IsStandbyReplica": "WaitForDatabaseAvailable"},
    )
    assert "PromoteReplica" not in path and "VerifyPromoted" in path and "AssertNotPaused" not in path


@pytest.mark.parametrize("name", ["failover", "failback"])
def test_no_path_opens_the_dns_switch_before_the_promotion_is_verified(name):
    content = DOCUMENTS[name]
    assert "OpenRegionSwitch" in _reachable(content, "CheckPauseOverride")
    assert "OpenRegionSwitch" not in _reachable(content, "CheckPauseOverride", removed={"VerifyPromoted"})


def test_switch_steps_open_this_region_then_close_the_other():
    steps = _steps(DOCUMENTS["failover"])
    assert steps["OpenRegionSwitch"]["inputs"] | {} == {
        "Service": "route53",
        "Api": "UpdateHealthCheck",
        "HealthCheckId": "hc-osaka",
        "Inverted": False,
    }
    assert steps["CloseOtherRegionSwitch"]["inputs"]["HealthCheckId"] == "hc-tokyo"
    assert steps["CloseOtherRegionSwitch"]["inputs"]["Inverted"] is True
    assert steps["ScaleOutWebService"]["inputs"]["DesiredCapacity"] == "{{ DesiredCapacity }}"
    assert DOCUMENTS["failover"]["parameters"]["DesiredCapacity"] == {
        "type": "Integer",
        "description": "Instances to start with (production capacity).",
        "default": 2,
    }


def test_failback_freezes_the_serving_region_and_waits_for_the_replica_before_promoting():
    path = _happy_path(
        DOCUMENTS["failback"],
        {"CheckPauseOverride": "AssertNotPaused", "IsStandbyReplica": "FreezeWritesInServingRegion"},
    )
    assert path[path.index("IsStandbyReplica") :][:4] == [
        "IsStandbyReplica",
        "FreezeWritesInServingRegion",
        "WaitForReplicaToCatchUp",
        "PromoteReplica",
    ]
    freeze = _steps(DOCUMENTS["failback"])["FreezeWritesInServingRegion"]["inputs"]["InputPayload"]
    assert freeze["Region"] == "ap-northeast-3"
    assert "FreezeWritesInServingRegion" not in _steps(DOCUMENTS["failover"])


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_failing_step_ends_in_a_failure_notification(name):
    content = DOCUMENTS[name]
    acting = (
        "aws:executeAwsApi",
        "aws:waitForAwsResourceProperty",
        "aws:assertAwsResourceProperty",
        "aws:executeScript",
    )
    for step in content["mainSteps"]:
        if step["action"] in acting and not step["name"].startswith("Notify"):
            assert step.get("onFailure", "").startswith("step:"), f"{step['name']} fails without notifying"
            assert "NotifyFailure" in _reachable(content, step["onFailure"].removeprefix("step:"))
    ends = {s["name"] for s in content["mainSteps"] if s.get("isEnd")}
    assert ends == {"NotifyFailure", "NotifySuccess"} or ends == {"NotifyFailure", "NotifyRestored"}


@pytest.mark.parametrize(
    ("name", "restore"), [("pitr_drill", "RestoreLatest"), ("backup_drill", "RestoreRecoveryPoint")]
)
def test_drills_delete_their_instance_on_every_path_after_the_restore(name, restore):
    content = DOCUMENTS[name]
    after_restore = _successors(content, restore)[0]
    ends = {s["name"] for s in content["mainSteps"] if s.get("isEnd")}
    assert ends & _reachable(content, after_restore)
    deletes = {"DeleteDrillDatabase", "CleanUpAfterFailure"}
    assert not ends & _reachable(content, after_restore, removed=deletes), "a path skips the clean-up"
    for step in deletes:
        assert _steps(content)[step]["inputs"]["Handler"] == "delete_instance"


def test_pitr_restore_accepts_only_utc_timestamps_and_names_after_the_source():
    import re

    parameters = DOCUMENTS["pitr_restore"]["parameters"]
    time_pattern = re.compile(parameters["RestoreTime"]["allowedPattern"])
    assert time_pattern.search("2026-01-31T09:15:00Z")
    for bad in ("yesterday", "2026-01-31 09:15", "2026-01-31T09:15:00+09:00"):
        assert not time_pattern.search(bad)
    name_pattern = re.compile(parameters["TargetDBInstanceIdentifier"]["allowedPattern"])
    assert name_pattern.search(f"{DB}-restored-0131")
    for bad in ("other-db", f"{DB}-", f"{DB}--x", f"{DB}-UPPER"):
        assert not name_pattern.search(bad)
    restore = _steps(DOCUMENTS["pitr_restore"])["RestoreToPointInTime"]["inputs"]
    assert restore["DeletionProtection"] is True and restore["PubliclyAccessible"] is False
    assert {"Key": "Environment", "Value": "prod"} in restore["Tags"]


def test_db_failover_drill_refuses_single_az_and_verifies_the_zone_changed():
    steps = _steps(DOCUMENTS["db_failover_drill"])
    assert steps["DescribeBeforeFailover"]["inputs"]["InputPayload"]["RequireMultiAz"] is True
    assert steps["RebootWithFailover"]["inputs"]["ForceFailover"] is True
    verify = steps["VerifyZoneChanged"]["inputs"]["InputPayload"]
    assert verify["RequireZoneOtherThan"] == "{{ DescribeBeforeFailover.AvailabilityZone }}"


_RESTORES = ("region_restore", "region_restore_no_dns")


@pytest.mark.parametrize(
    ("source", "restore_steps"),
    [
        ("RestoreFromReplicatedBackups", ["RestoreFromReplicatedBackups"]),
        ("FindLatestRecoveryPoint", ["FindLatestRecoveryPoint", "RestoreFromRecoveryPoint"]),
        ("WaitForDatabaseAvailable", []),  # an earlier run restored the instance already
    ],
)
def test_region_restore_restores_then_scales_then_switches_dns_then_resumes_healing(source, restore_steps):
    path = _happy_path(DOCUMENTS["region_restore"], {"RestoreSourceBranch": source})
    assert path == [
        "PauseHealing",
        "ChooseRestoreSource",
        "RestoreSourceBranch",
        *restore_steps,
        "WaitForDatabaseAvailable",
        "DescribeRestoredDatabase",
        "ScaleOutWebService",
        "WaitForInServiceInstances",
        "OpenRegionSwitch",
        "CloseOtherRegionSwitch",
        "VerifyEndpointHealthy",
        "ResumeHealing",
        "NotifySuccess",
    ]


def test_region_restore_branches_on_the_source_the_script_chose():
    branch = _steps(DOCUMENTS["region_restore"])["RestoreSourceBranch"]["inputs"]
    assert {c["StringEquals"]: c["NextStep"] for c in branch["Choices"]} == {
        "replicated-backups": "RestoreFromReplicatedBackups",
        "existing-instance": "WaitForDatabaseAvailable",
    }
    assert branch["Default"] == "FindLatestRecoveryPoint"


@pytest.mark.parametrize("name", _RESTORES)
def test_region_restore_uses_the_replicated_backups_at_their_latest_restorable_time(name):
    content = DOCUMENTS[name]
    steps = _steps(content)
    restore = steps["RestoreFromReplicatedBackups"]["inputs"]
    assert restore["Api"] == "RestoreDBInstanceToPointInTime"
    assert restore["UseLatestRestorableTime"] is True and "RestoreTime" not in restore
    assert restore["SourceDBInstanceAutomatedBackupsArn"] == "{{ ChooseRestoreSource.AutomatedBackupsArn }}"
    assert "SourceDBInstanceIdentifier" not in restore
    chooser = steps["ChooseRestoreSource"]["inputs"]
    assert chooser["Handler"] == "choose_restore_source"
    assert chooser["InputPayload"]["AutomatedBackupsArn"] == "{{ SourceDBInstanceAutomatedBackupsArn }}"
    assert chooser["InputPayload"]["TargetDBInstanceIdentifier"] == DR_DB
    fallback = steps["RestoreFromRecoveryPoint"]["inputs"]
    assert fallback["DBSnapshotIdentifier"] == "{{ FindLatestRecoveryPoint.SnapshotIdentifier }}"
    assert steps["FindLatestRecoveryPoint"]["inputs"]["InputPayload"] == {
        "BackupVaultName": "webapp-prod-backup",
        "ResourceArn": SOURCE_ARN,
    }
    for inputs in (restore, fallback):
        assert inputs.get("TargetDBInstanceIdentifier", inputs.get("DBInstanceIdentifier")) == DR_DB
        assert inputs["DBSubnetGroupName"] == "webapp-prod-db" and inputs["VpcSecurityGroupIds"] == [
            "sg-0123"
        ]
        assert inputs["DBInstanceClass"] == "{{ DBInstanceClass }}" and inputs["MultiAZ"] == "{{ MultiAZ }}"
        assert inputs["DeletionProtection"] is True and inputs["PubliclyAccessible"] is False
        assert inputs["BackupRetentionPeriod"] == 14
        assert {"Key": "Environment", "Value": "prod"} in inputs["Tags"]
    parameters = content["parameters"]
    assert parameters["MultiAZ"] == {
        "type": "Boolean",
        "description": "Multi-AZ restored instance.",
        "default": True,
    }
    arn = parameters["SourceDBInstanceAutomatedBackupsArn"]
    assert arn["default"] == (AUTO_BACKUPS_ARN if name == "region_restore" else "")


def test_region_restore_accepts_only_an_automated_backups_arn_or_nothing():
    import re

    pattern = re.compile(
        DOCUMENTS["region_restore"]["parameters"]["SourceDBInstanceAutomatedBackupsArn"]["allowedPattern"]
    )
    assert pattern.search(AUTO_BACKUPS_ARN) and pattern.search("")
    for bad in (
        SOURCE_ARN,
        "ab-123",
        f"{AUTO_BACKUPS_ARN} ",
        "arn:aws:rds:ap-northeast-3:1:auto-backup:ab-x",
    ):
        assert not pattern.search(bad)


@pytest.mark.parametrize("name", _RESTORES)
def test_region_restore_pauses_healing_first_and_unpauses_on_every_end_path(name):
    content = DOCUMENTS[name]
    first = content["mainSteps"][0]
    assert first["name"] == "PauseHealing"
    unpause = {"ResumeHealing", "UnpauseAfterFailure"}
    for step_name, value in (("PauseHealing", "true"), *((u, "false") for u in sorted(unpause))):
        inputs = _steps(content)[step_name]["inputs"]
        assert inputs == {
            "Service": "ssm",
            "Api": "PutParameter",
            "Name": PAUSE,
            "Value": value,
            "Type": "String",
            "Overwrite": True,
        }
    ends = {s["name"] for s in content["mainSteps"] if s.get("isEnd")}
    assert ends <= _reachable(content, "PauseHealing")
    assert not ends & _reachable(content, "PauseHealing", removed=unpause), "an end path skips the unpause"
    assert _steps(content)["UnpauseAfterFailure"]["nextStep"] == "NotifyFailure"
    assert _steps(content)["UnpauseAfterFailure"]["onFailure"] == "step:NotifyFailure"  # tell even then
    failing = [s for s in content["mainSteps"] if "onFailure" in s and s["name"] != "UnpauseAfterFailure"]
    assert failing and all(s["onFailure"] == "step:UnpauseAfterFailure" for s in failing)


@pytest.mark.parametrize("name", _RESTORES)
def test_region_restore_scales_the_web_service_to_production_capacity_and_waits_for_it(name):
    content = DOCUMENTS[name]
    steps = _steps(content)
    assert steps["ScaleOutWebService"]["inputs"] == {
        "Service": "autoscaling",
        "Api": "UpdateAutoScalingGroup",
        "AutoScalingGroupName": "webapp-prod-web",
        "MinSize": "{{ MinSize }}",
        "MaxSize": "{{ MaxSize }}",
        "DesiredCapacity": "{{ DesiredCapacity }}",
    }
    defaults = {k: content["parameters"][k]["default"] for k in ("MinSize", "DesiredCapacity", "MaxSize")}
    assert defaults == {"MinSize": 2, "DesiredCapacity": 3, "MaxSize": 6}
    wait = steps["WaitForInServiceInstances"]["inputs"]
    assert wait["Handler"] == "wait_for_in_service_instances"
    assert wait["InputPayload"]["AutoScalingGroupName"] == "webapp-prod-web"
    assert wait["InputPayload"]["MinimumInService"] == "{{ MinSize }}"
    # The web service starts only against an available database.
    assert "ScaleOutWebService" not in _reachable(
        content, "PauseHealing", removed={"WaitForDatabaseAvailable"}
    )


def test_region_restore_switches_dns_only_when_given_switch_ids():
    with_dns, without = (_steps(DOCUMENTS[n]) for n in _RESTORES)
    assert with_dns["OpenRegionSwitch"]["inputs"]["HealthCheckId"] == "hc-osaka"
    assert with_dns["OpenRegionSwitch"]["inputs"]["Inverted"] is False
    assert with_dns["CloseOtherRegionSwitch"]["inputs"]["HealthCheckId"] == "hc-tokyo"
    assert with_dns["CloseOtherRegionSwitch"]["inputs"]["Inverted"] is True
    assert with_dns["VerifyEndpointHealthy"]["inputs"]["InputPayload"]["HealthCheckId"] == "hc-osaka-endpoint"
    assert "DNS was NOT changed" not in with_dns["NotifySuccess"]["inputs"]["Message"]
    assert not {"OpenRegionSwitch", "CloseOtherRegionSwitch", "VerifyEndpointHealthy"} & set(without)
    assert (
        "point clients at this region's load balancer by hand"
        in without["NotifySuccess"]["inputs"]["Message"]
    )
    assert _happy_path(
        DOCUMENTS["region_restore_no_dns"], {"RestoreSourceBranch": "RestoreFromReplicatedBackups"}
    )[-3:] == ["WaitForInServiceInstances", "ResumeHealing", "NotifySuccess"]


def test_region_restore_document_refuses_half_a_switch_pair():
    with pytest.raises(ValueError, match="open_switch_id and close_switch_id go together"):
        _restore_document(with_dns=False, open_switch_id="hc-osaka")


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_api_steps_only_pass_parameters_the_aws_api_accepts(name):
    session = botocore.session.get_session()
    for step in DOCUMENTS[name]["mainSteps"]:
        if step["action"] not in (
            "aws:executeAwsApi",
            "aws:waitForAwsResourceProperty",
            "aws:assertAwsResourceProperty",
        ):
            continue
        inputs = dict(step["inputs"])
        service, api = inputs.pop("Service"), inputs.pop("Api")
        inputs.pop("PropertySelector", None)
        inputs.pop("DesiredValues", None)
        members = session.get_service_model(service).operation_model(api).input_shape.members
        assert set(inputs) <= set(members), f"{step['name']}: {sorted(set(inputs) - set(members))}"


# ==============================================================================================
# Scripts: declared IAM actions versus the boto3 calls they make
# ==============================================================================================
def _script_api_calls(function) -> set[str]:
    """``service:Operation`` for every ``<client>.<method>(...)`` of a script, via botocore's mapping."""
    tree = ast.parse(inspect.getsource(function))
    clients: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "client"
        ):
            clients[node.targets[0].id] = node.value.args[0].value
    calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id in clients:
                service = clients[owner.id]
                client = boto3.client(service, region_name="ap-northeast-1")
                operation = client.meta.method_to_api_mapping[node.func.attr]
                prefix = client.meta.service_model.signing_name
                calls.add(f"{'cloudwatch' if prefix == 'monitoring' else prefix}:{operation}")
    return calls


@pytest.mark.parametrize("name", sorted(SCRIPT_IAM_ACTIONS))
def test_script_iam_declarations_match_the_calls_the_script_makes(name):
    assert _script_api_calls(getattr(dr_runbooks, name)) == SCRIPT_IAM_ACTIONS[name]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_script_step_runs_a_declared_script(name):
    for step in DOCUMENTS[name]["mainSteps"]:
        if step["action"] == "aws:executeScript":
            assert step["inputs"]["Handler"] in SCRIPT_IAM_ACTIONS
            assert step["inputs"]["Runtime"] == "python3.11"
            namespace: dict = {}  # the script runs alone in AWS: no imports or names of this module
            exec(compile(step["inputs"]["Script"], step["name"], "exec"), namespace)
            assert callable(namespace[step["inputs"]["Handler"]])


# ==============================================================================================
# Synthesized runbooks: roles, cdk-nag, cfn-lint
# ==============================================================================================
def _topics(stack: cdk.Stack) -> dict[str, sns.ITopic]:
    key = kms.Key(stack, "AlertsKey", enable_key_rotation=True)
    return {s: sns.Topic(stack, f"Alerts{s.title()}", master_key=key, enforce_ssl=True) for s in SEVERITIES}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("dr_runbooks")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    osaka = cdk.Stack(app, "Osaka", env=OSAKA)
    osaka_topics = _topics(osaka)
    group_name = cdk.CfnParameter(osaka, "WebGroupName").value_as_string  # a token, as from another stack
    runbooks: dict[str, tuple[str, object]] = {}
    runbooks["failover"] = (
        "Osaka",
        RegionFailoverRunbook(
            osaka,
            "RegionFailover",
            environment_name="prod",
            database_identifier=DB,
            auto_scaling_group_name=group_name,
            production_capacity=(2, 2, 6),
            open_switch_id="hc-osaka",
            close_switch_id="hc-tokyo",
            endpoint_health_check_id="hc-osaka-endpoint",
            pause_parameter_name=PAUSE,
            notification_topics=osaka_topics,
        ),
    )
    vault_key = kms.Key(osaka, "VaultKey", enable_key_rotation=True)
    runbooks["backup_drill"] = (
        "Osaka",
        BackupRestoreDrillRunbook(
            osaka,
            "BackupRestoreDrill",
            environment_name="prod",
            vault_name="webapp-prod-backup",
            source_database_arn=SOURCE_ARN,
            subnet_group_name="webapp-prod-db",
            security_group_ids=["sg-0123"],
            recovery_point_key=vault_key,
            notification_topics=osaka_topics,
        ),
    )
    restore = {
        "environment_name": "prod",
        "source_database_arn": SOURCE_ARN,
        "target_identifier": DR_DB,
        "vault_name": "webapp-prod-backup",
        "subnet_group_name": "webapp-prod-db",
        "security_group_ids": ["sg-0123"],
        "encryption_key": kms.Key(osaka, "DataKey", enable_key_rotation=True),
        "recovery_point_key": vault_key,
        "auto_scaling_group_name": "webapp-prod-web",
        "production_capacity": (2, 3, 6),
        "pause_parameter_name": PAUSE,
        "notification_topics": osaka_topics,
        "multi_az": True,
        "backup_retention_days": 14,
    }
    runbooks["region_restore"] = (
        "Osaka",
        RegionRestoreRunbook(
            osaka,
            "RegionRestore",
            **restore,
            source_automated_backups_arn=AUTO_BACKUPS_ARN,
            open_switch_id="hc-osaka",
            close_switch_id="hc-tokyo",
            endpoint_health_check_id="hc-osaka-endpoint",
        ),
    )
    runbooks["region_restore_no_dns"] = (
        "Osaka",
        RegionRestoreRunbook(osaka, "RegionRestoreWithoutDns", **restore),
    )
    tokyo = cdk.Stack(app, "Tokyo", env=TOKYO)
    tokyo_topics = _topics(tokyo)
    db_key = kms.Key(tokyo, "DbKey", enable_key_rotation=True)
    runbooks["failback"] = (
        "Tokyo",
        RegionFailbackRunbook(
            tokyo,
            "RegionFailback",
            environment_name="prod",
            database_identifier=f"{DB}-g2",
            auto_scaling_group_name="webapp-prod-web",
            production_capacity=(2, 2, 6),
            open_switch_id="hc-tokyo",
            close_switch_id="hc-osaka",
            endpoint_health_check_id="hc-tokyo-endpoint",
            pause_parameter_name=PAUSE,
            notification_topics=tokyo_topics,
            serving_region="ap-northeast-3",
            serving_auto_scaling_group_name="webapp-prod-web",
            serving_pause_parameter_name=PAUSE,
        ),
    )
    placement = {"subnet_group_name": "webapp-prod-db", "security_group_ids": ["sg-0123"]}
    runbooks["pitr_restore"] = (
        "Tokyo",
        PitrRestoreRunbook(
            tokyo,
            "PitrRestore",
            environment_name="prod",
            source_identifier=DB,
            encryption_key=db_key,
            notification_topics=tokyo_topics,
            **placement,
        ),
    )
    runbooks["pitr_drill"] = (
        "Tokyo",
        PitrDrillRunbook(
            tokyo,
            "PitrDrill",
            environment_name="prod",
            source_identifier=DB,
            encryption_key=db_key,
            notification_topics=tokyo_topics,
            **placement,
        ),
    )
    runbooks["db_failover_drill"] = (
        "Tokyo",
        DatabaseFailoverDrillRunbook(
            tokyo,
            "DatabaseFailoverDrill",
            environment_name="prod",
            database_identifier=DB,
            pause_parameter_name=PAUSE,
            notification_topics=tokyo_topics,
        ),
    )
    starter = iam.Role(tokyo, "IncidentDetector", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    runbooks["pitr_restore"][1].grant_start(starter)
    templates, violations = synth_with_nag(app, outdir)
    return runbooks, templates, violations


def _document_and_role(synthesized, name: str) -> tuple[dict, dict, str]:
    runbooks, templates, _ = synthesized
    stack_name, runbook = runbooks[name]
    template = templates[stack_name]
    stack = cdk.Stack.of(runbook)
    content = template["Resources"][stack.get_logical_id(runbook.document)]["Properties"]["Content"]
    return template, content, stack.get_logical_id(runbook.role.node.default_child)


def _script_actions(content: dict) -> set[str]:
    return {
        action
        for step in content["mainSteps"]
        if step["action"] == "aws:executeScript"
        for action in SCRIPT_IAM_ACTIONS[step["inputs"]["Handler"]]
    }


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_role_grants_every_api_its_steps_and_scripts_call(synthesized, name):
    template, content, role_id = _document_and_role(synthesized, name)
    assert validate_automation_document(content) == []
    required = required_iam_actions(content) | _script_actions(content)
    if "Tags" in json.dumps(content):
        required.add("rds:AddTagsToResource")  # RDS authorizes tags given at creation separately
    assert missing_iam_actions(required, granted_iam_actions(template, role_id)) == set()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_role_grants_nothing_its_runbook_does_not_use(synthesized, name):
    template, content, role_id = _document_and_role(synthesized, name)
    required = required_iam_actions(content) | _script_actions(content) | {"rds:AddTagsToResource"}
    extra = {a for a in granted_iam_actions(template, role_id) if not a.startswith("kms:")} - required
    assert extra == set()


def _statements(template: dict, role_id: str) -> list[dict]:
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_mutating_permissions_on_shared_resources_require_the_environment_tag(synthesized):
    for name in (
        "failover",
        "failback",
        "db_failover_drill",
        "pitr_drill",
        "backup_drill",
        "region_restore",
        "region_restore_no_dns",
    ):
        template, _, role_id = _document_and_role(synthesized, name)
        for statement in _statements(template, role_id):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if {"autoscaling:UpdateAutoScalingGroup", "rds:RebootDBInstance", "rds:DeleteDBInstance"} & set(
                actions
            ):
                assert statement["Condition"]["StringEquals"] == {"aws:ResourceTag/Environment": "prod"}, name


def test_only_the_drills_may_delete_and_only_their_own_instance(synthesized):
    for name in DOCUMENTS:
        template, _, role_id = _document_and_role(synthesized, name)
        deletes = [
            s for s in _statements(template, role_id) if "rds:DeleteDBInstance" in json.dumps(s["Action"])
        ]
        if name.endswith("drill") and name != "db_failover_drill":
            (statement,) = deletes
            assert json.dumps(statement["Resource"]).endswith(f':db:{DB}-{name.split("_")[0]}-drill"]]}}')
        else:
            assert deletes == [], name


def _actions(statement: dict) -> set[str]:
    actions = statement["Action"]
    return {actions} if isinstance(actions, str) else set(actions)


def test_region_restore_role_restores_only_into_the_target_and_flips_switches_only_when_given(synthesized):
    restores = {"rds:RestoreDBInstanceToPointInTime", "rds:RestoreDBInstanceFromDBSnapshot"}
    for name in _RESTORES:
        template, _, role_id = _document_and_role(synthesized, name)
        statements = _statements(template, role_id)
        creating = [s for s in statements if restores & _actions(s)]
        assert len(creating) == 2, name
        for statement in creating:
            text = json.dumps(statement["Resource"])
            assert f':db:{DR_DB}"' in text and ":db:*" not in text and f':db:{DB}"' not in text
        (pause,) = [s for s in statements if "ssm:PutParameter" in _actions(s)]
        assert json.dumps(pause["Resource"]).endswith(f':parameter{PAUSE}"]]}}')
        route53 = {a for s in statements for a in _actions(s) if a.startswith("route53:")}
        expected = {"route53:UpdateHealthCheck", "route53:GetHealthCheckStatus"}
        assert route53 == (expected if name == "region_restore" else set()), name


def test_roles_trust_only_this_account_s_automation(synthesized):
    template, _, role_id = _document_and_role(synthesized, "failover")
    (statement,) = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "ssm.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


def test_grant_start_lets_a_caller_start_the_runbook_with_its_role(synthesized):
    _, templates, _ = synthesized
    policies = [
        r["Properties"]["PolicyDocument"]
        for k, r in templates["Tokyo"]["Resources"].items()
        if r["Type"] == "AWS::IAM::Policy" and k.startswith("IncidentDetector")
    ]
    text = json.dumps(policies)
    assert "ssm:StartAutomationExecution" in text and "automation-definition" in text
    assert "iam:PassRole" in text and "ssm:GetAutomationExecution" in text
    # The runbook's role may be passed to SSM only.
    pass_role = [st for p in policies for st in p["Statement"] if st["Action"] == "iam:PassRole"]
    assert pass_role and all(
        st["Condition"] == {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}} for st in pass_role
    )


def test_cdk_nag_finds_nothing_unacknowledged(synthesized):
    assert synthesized[2] == []


@pytest.mark.parametrize(("stack", "region"), [("Osaka", "ap-northeast-3"), ("Tokyo", "ap-northeast-1")])
def test_cfn_lint_is_clean(synthesized, stack, region):
    assert cfn_lint(synthesized[1][stack], region) == []


# -- construct validation ------------------------------------------------------------------------
def _failover_props(stack: cdk.Stack, **overrides) -> dict:
    topics = {s: sns.Topic(stack, f"T{s}") for s in ("high", "critical")}
    return {
        "environment_name": "prod",
        "database_identifier": DB,
        "auto_scaling_group_name": "webapp-prod-web",
        "production_capacity": (2, 2, 6),
        "open_switch_id": "a",
        "close_switch_id": "b",
        "endpoint_health_check_id": "c",
        "pause_parameter_name": PAUSE,
        "notification_topics": topics,
        **overrides,
    }


def test_fails_when_production_capacity_is_not_min_desired_max():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"production_capacity \(2, 6, 4\) must be \(min, desired, max\)"):
        RegionFailoverRunbook(stack, "R", **_failover_props(stack, production_capacity=(2, 6, 4)))


def test_fails_when_the_failure_topic_is_missing():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    props = _failover_props(stack)
    props["notification_topics"] = {"high": props["notification_topics"]["high"]}
    with pytest.raises(ValueError, match=r"failure_severity \('critical'\) has no topic"):
        RegionFailoverRunbook(stack, "R", **props)


def test_fails_when_failback_is_deployed_in_the_region_it_leaves():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"serving_region \('ap-northeast-3'\) is this stack's region"):
        RegionFailbackRunbook(
            stack,
            "R",
            serving_region="ap-northeast-3",
            serving_auto_scaling_group_name="web",
            serving_pause_parameter_name=PAUSE,
            **_failover_props(stack),
        )


def test_fails_when_the_serving_group_name_is_a_token():
    stack = cdk.Stack(cdk.App(), "S", env=TOKYO)
    with pytest.raises(ValueError, match="serving_auto_scaling_group_name must be a plain name"):
        RegionFailbackRunbook(
            stack,
            "R",
            serving_region="ap-northeast-3",
            serving_auto_scaling_group_name=cdk.Aws.STACK_NAME,
            serving_pause_parameter_name=PAUSE,
            **_failover_props(stack),
        )


def test_fails_when_the_backup_drill_source_is_not_a_database_arn():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"source_database_arn \(.*\) must be an RDS DB instance ARN"):
        BackupRestoreDrillRunbook(
            stack,
            "R",
            environment_name="prod",
            vault_name="v",
            source_database_arn=DB,
            subnet_group_name="g",
            security_group_ids=["sg-1"],
            recovery_point_key=kms.Key(stack, "K"),
            notification_topics={s: sns.Topic(stack, f"T{s}") for s in ("low", "high")},
        )


def _restore_props(stack: cdk.Stack, **overrides) -> dict:
    return {
        "environment_name": "prod",
        "source_database_arn": SOURCE_ARN,
        "target_identifier": DR_DB,
        "vault_name": "webapp-prod-backup",
        "subnet_group_name": "g",
        "security_group_ids": ["sg-1"],
        "encryption_key": kms.Key(stack, "K1"),
        "recovery_point_key": kms.Key(stack, "K2"),
        "auto_scaling_group_name": "webapp-prod-web",
        "production_capacity": (2, 2, 6),
        "pause_parameter_name": PAUSE,
        "notification_topics": {s: sns.Topic(stack, f"T{s}") for s in ("high", "critical")},
        **overrides,
    }


@pytest.mark.parametrize(
    ("env", "overrides", "message"),
    [
        (TOKYO, {}, r"source_database_arn is in ap-northeast-1, this stack's region"),
        (OSAKA, {"source_database_arn": DB}, r"source_database_arn \(.*\) must be an RDS DB instance ARN"),
        (OSAKA, {"open_switch_id": "hc-osaka"}, "open_switch_id and close_switch_id go together"),
        (OSAKA, {"source_automated_backups_arn": SOURCE_ARN}, "must be a replicated automated backups ARN"),
        (OSAKA, {"production_capacity": (3, 2, 6)}, r"production_capacity \(3, 2, 6\) must be"),
        (
            OSAKA,
            {"target_identifier": "Bad_Name"},
            r"target_identifier \('Bad_Name'\) must be an RDS identifier",
        ),
        (OSAKA, {"security_group_ids": []}, "security_group_ids is empty"),
    ],
)
def test_region_restore_refuses_invalid_props(env, overrides, message):
    stack = cdk.Stack(cdk.App(), "S", env=env)
    with pytest.raises(ValueError, match=message):
        RegionRestoreRunbook(stack, "R", **_restore_props(stack, **overrides))


# ==============================================================================================
# Scripts on moto
# ==============================================================================================
@pytest.fixture()
def aws():
    with mock_aws():
        yield


def _database(rds, identifier: str, *, multi_az: bool = False) -> None:
    rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t4g.medium",
        Engine="postgres",
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        MultiAZ=multi_az,
    )


def test_describe_and_promotion_wait_tell_a_replica_from_a_promoted_primary_moto_state_set(aws):
    """moto 5.2.5's PromoteReadReplica keeps ``ReadReplicaSourceDBInstanceIdentifier``; RDS drops it.

    The test sets moto's instance to what RDS reports after a promotion (the emulator's state, named).
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.rds.models import rds_backends

    rds = boto3.client("rds", region_name="ap-northeast-1")
    _database(rds, DB)
    rds.create_db_instance_read_replica(DBInstanceIdentifier=f"{DB}-replica", SourceDBInstanceIdentifier=DB)
    replica = {"DBInstanceIdentifier": f"{DB}-replica"}

    assert dr_runbooks.describe_database(replica, None)["IsReplica"] is True
    with pytest.raises(TimeoutError, match="still a replica"):
        dr_runbooks.wait_until_promoted({**replica, "TimeoutSeconds": 0, "PollSeconds": 0}, None)

    rds.promote_read_replica(**replica)
    rds_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-1"].databases[
        f"{DB}-replica"
    ].source_db_instance_identifier = None
    assert dr_runbooks.describe_database(replica, None)["IsReplica"] is False
    assert dr_runbooks.wait_until_promoted({**replica, "TimeoutSeconds": 0}, None) == {"SecondsWaited": 0}


def test_failover_drill_refuses_a_single_az_database(aws):
    rds = boto3.client("rds", region_name="ap-northeast-1")
    _database(rds, DB, multi_az=False)
    with pytest.raises(RuntimeError, match="is not Multi-AZ"):
        dr_runbooks.describe_database({"DBInstanceIdentifier": DB, "RequireMultiAz": True}, None)


def test_failover_drill_fails_when_the_zone_did_not_change_moto_reboot_is_a_no_op(aws):
    rds = boto3.client("rds", region_name="ap-northeast-1")
    _database(rds, DB, multi_az=True)
    before = dr_runbooks.describe_database({"DBInstanceIdentifier": DB, "RequireMultiAz": True}, None)
    rds.reboot_db_instance(DBInstanceIdentifier=DB, ForceFailover=True)  # moto accepts, changes nothing
    with pytest.raises(RuntimeError, match="the failover did not happen"):
        dr_runbooks.describe_database(
            {"DBInstanceIdentifier": DB, "RequireZoneOtherThan": before["AvailabilityZone"]}, None
        )


def test_delete_instance_removes_the_drill_database_and_accepts_it_gone(aws):
    rds = boto3.client("rds", region_name="ap-northeast-1")
    _database(rds, f"{DB}-pitr-drill")
    event = {"DBInstanceIdentifier": f"{DB}-pitr-drill", "PollSeconds": 0}
    assert dr_runbooks.delete_instance(event, None) == {"Deleted": True}
    assert rds.describe_db_instances()["DBInstances"] == []
    assert dr_runbooks.delete_instance(event, None) == {"Deleted": True}


def test_freeze_region_pauses_and_empties_the_serving_region(aws):
    region = "ap-northeast-3"
    ssm = boto3.client("ssm", region_name=region)
    ec2 = boto3.client("ec2", region_name=region)
    autoscaling = boto3.client("autoscaling", region_name=region)
    ssm.put_parameter(Name=PAUSE, Value="false", Type="String")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"ImageId": image})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="webapp-prod-web",
        LaunchTemplate={"LaunchTemplateName": "web"},
        MinSize=1,
        MaxSize=4,
        DesiredCapacity=2,
        AvailabilityZones=[f"{region}a"],
    )
    result = dr_runbooks.freeze_region(
        {"Region": region, "AutoScalingGroupName": "webapp-prod-web", "PauseParameterName": PAUSE}, None
    )
    assert result == {"PreviousDesiredCapacity": 2}
    assert ssm.get_parameter(Name=PAUSE)["Parameter"]["Value"] == "true"
    group = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"][0]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (0, 0, 0)


def test_replica_lag_wait_returns_once_caught_up_and_times_out_otherwise(aws):
    cloudwatch = boto3.client("cloudwatch", region_name="ap-northeast-1")
    event = {"DBInstanceIdentifier": DB, "MinimumWaitSeconds": 0, "TimeoutSeconds": 0, "PollSeconds": 0}
    with pytest.raises(TimeoutError, match="no data if None"):
        dr_runbooks.wait_for_replica_lag(event, None)
    cloudwatch.put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": "ReplicaLag",
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": DB}],
                "Value": 12.0,
                "Timestamp": datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1),
            }
        ],
    )
    with pytest.raises(TimeoutError, match=r"is 12\.0 s"):
        dr_runbooks.wait_for_replica_lag(event, None)
    assert dr_runbooks.wait_for_replica_lag({**event, "MaxReplicaLagSeconds": 15}, None) == {
        "ReplicaLagSeconds": 12
    }


def test_endpoint_wait_passes_on_moto_s_healthy_observations(aws):
    route53 = boto3.client("route53")
    check = route53.create_health_check(
        CallerReference="t",
        HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": "app.example.com", "Port": 443},
    )["HealthCheck"]["Id"]
    result = dr_runbooks.wait_until_endpoint_healthy({"HealthCheckId": check, "TimeoutSeconds": 0}, None)
    assert result["HealthyObservations"] >= 1 and result["HealthyObservations"] * 2 >= result["Observations"]


def test_endpoint_wait_times_out_on_failing_observations_event_hook_over_moto(aws, monkeypatch):
    route53 = boto3.client("route53")
    check = route53.create_health_check(
        CallerReference="t",
        HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": "app.example.com", "Port": 443},
    )["HealthCheck"]["Id"]
    failing = {"Status": "Failure: Connection timed out", "CheckedTime": datetime.datetime.now(datetime.UTC)}

    def fail_observations(parsed, **_):  # moto always reports Success; AWS would report this
        for observation in parsed.get("HealthCheckObservations", []):
            observation["StatusReport"] = failing

    real_client = boto3.client

    def client_with_hook(service, *args, **kwargs):
        client = real_client(service, *args, **kwargs)
        client.meta.events.register("after-call.route53.GetHealthCheckStatus", fail_observations)
        return client

    monkeypatch.setattr(boto3, "client", client_with_hook)
    with pytest.raises(TimeoutError, match="only 0 of"):
        dr_runbooks.wait_until_endpoint_healthy({"HealthCheckId": check, "TimeoutSeconds": 0}, None)


def _stubbed_backup(monkeypatch, recovery_points: list[dict]) -> Stubber:
    """moto 5.2.5 has no ListRecoveryPointsByBackupVault: a botocore Stubber answers instead."""
    client = boto3.client("backup", region_name="ap-northeast-3")
    stubber = Stubber(client)
    stubber.add_response(
        "list_recovery_points_by_backup_vault",
        {"RecoveryPoints": recovery_points},
        {"BackupVaultName": "webapp-prod-backup", "ByResourceType": "RDS"},
    )
    stubber.activate()
    monkeypatch.setattr(boto3, "client", lambda service, *a, **k: client)
    return stubber


def test_latest_recovery_point_is_the_newest_completed_copy_of_the_database_botocore_stubber(monkeypatch):
    now = datetime.datetime.now(datetime.UTC)

    def point(job: str, hours_ago: float, status: str = "COMPLETED", resource: str = SOURCE_ARN) -> dict:
        return {
            "RecoveryPointArn": f"arn:aws:rds:ap-northeast-3:{ACCOUNT}:snapshot:awsbackup:copyjob-{job}",
            "ResourceArn": resource,
            "Status": status,
            "CreationDate": now - datetime.timedelta(hours=hours_ago),
        }

    stubber = _stubbed_backup(
        monkeypatch,
        [
            point("old", 26),
            point("newest-but-partial", 1, status="PARTIAL"),
            point("other-db", 0.5, resource=SOURCE_ARN.replace(DB, "other-db")),
            point("good", 2),
        ],
    )
    result = dr_runbooks.find_latest_recovery_point(
        {"BackupVaultName": "webapp-prod-backup", "ResourceArn": SOURCE_ARN}, None
    )
    stubber.assert_no_pending_responses()
    assert result["SnapshotIdentifier"] == "awsbackup:copyjob-good"
    assert 119 <= result["AgeMinutes"] <= 121


def test_backup_drill_fails_clearly_without_a_copy_botocore_stubber(monkeypatch):
    _stubbed_backup(monkeypatch, [])
    with pytest.raises(RuntimeError, match=r"no completed recovery point of .* in vault webapp-prod-backup"):
        dr_runbooks.find_latest_recovery_point(
            {"BackupVaultName": "webapp-prod-backup", "ResourceArn": SOURCE_ARN}, None
        )


def test_choose_restore_source_keeps_an_instance_an_earlier_run_restored(aws):
    rds = boto3.client("rds")  # the scripts use the default region (the runbook's, in AWS)
    _database(rds, DR_DB)
    event = {
        "TargetDBInstanceIdentifier": DR_DB,
        "SourceDBInstanceIdentifier": DB,
        "SourceDatabaseArn": SOURCE_ARN,
        "AutomatedBackupsArn": "",
    }
    result = dr_runbooks.choose_restore_source(event, None)
    assert result["Source"] == "existing-instance" and result["Status"] == "available"


def test_choose_restore_source_falls_back_to_the_vault_without_replicated_backups(aws):
    event = {
        "TargetDBInstanceIdentifier": DR_DB,
        "SourceDBInstanceIdentifier": DB,
        "SourceDatabaseArn": SOURCE_ARN,
        "AutomatedBackupsArn": "",
    }
    assert dr_runbooks.choose_restore_source(event, None)["Source"] == "recovery-point"


def _stubbed_rds(monkeypatch, automated_backups: list[dict], expected_filter: dict) -> Stubber:
    """moto 5.2.5 has no replicated automated backups: a botocore Stubber answers instead."""
    client = boto3.client("rds", region_name="ap-northeast-3")
    stubber = Stubber(client)
    stubber.add_client_error(
        "describe_db_instances",
        service_error_code="DBInstanceNotFound",
        http_status_code=404,
        expected_params={"DBInstanceIdentifier": DR_DB},
    )
    stubber.add_response(
        "describe_db_instance_automated_backups",
        {"DBInstanceAutomatedBackups": automated_backups},
        expected_filter,
    )
    stubber.activate()
    monkeypatch.setattr(boto3, "client", lambda service, *a, **k: client)
    return stubber


def _automated_backup(
    suffix: str, hours_ago: float, status: str = "replicating", source: str = SOURCE_ARN
) -> dict:
    latest = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=hours_ago)
    return {
        "DBInstanceArn": source,
        "DBInstanceIdentifier": source.rsplit(":db:", 1)[-1],
        "DBInstanceAutomatedBackupsArn": f"arn:aws:rds:ap-northeast-3:{ACCOUNT}:auto-backup:ab-{suffix}",
        "Status": status,
        "RestoreWindow": {"EarliestTime": latest - datetime.timedelta(days=7), "LatestTime": latest},
    }


def test_choose_restore_source_picks_the_newest_restorable_replicated_backups_botocore_stubber(monkeypatch):
    stubber = _stubbed_rds(
        monkeypatch,
        [
            _automated_backup("older", 30, status="retained"),
            _automated_backup("pending", 0, status="pending"),
            _automated_backup("other", 0.01, source=SOURCE_ARN.replace(DB, f"{DB}-other")),
            _automated_backup("newest", 0.1),
        ],
        {"DBInstanceIdentifier": DB},
    )
    event = {
        "TargetDBInstanceIdentifier": DR_DB,
        "SourceDBInstanceIdentifier": DB,
        "SourceDatabaseArn": SOURCE_ARN,
        "AutomatedBackupsArn": "",
    }
    result = dr_runbooks.choose_restore_source(event, None)
    stubber.assert_no_pending_responses()
    assert result["Source"] == "replicated-backups"
    assert result["AutomatedBackupsArn"].endswith(":auto-backup:ab-newest")
    assert datetime.datetime.fromisoformat(result["LatestRestorableTime"]) > datetime.datetime.now(
        datetime.UTC
    ) - datetime.timedelta(hours=1)


def test_choose_restore_source_refuses_a_given_arn_it_cannot_restore_botocore_stubber(monkeypatch):
    _stubbed_rds(monkeypatch, [], {"DBInstanceAutomatedBackupsArn": AUTO_BACKUPS_ARN})
    event = {
        "TargetDBInstanceIdentifier": DR_DB,
        "SourceDBInstanceIdentifier": DB,
        "SourceDatabaseArn": SOURCE_ARN,
        "AutomatedBackupsArn": AUTO_BACKUPS_ARN,
    }
    with pytest.raises(RuntimeError, match="not in this region or not restorable"):
        dr_runbooks.choose_restore_source(event, None)


def test_in_service_wait_times_out_on_an_empty_group_and_passes_once_scaled(aws):
    region = "ap-northeast-1"  # the scripts use the default region (the runbook's, in AWS)
    ec2 = boto3.client("ec2", region_name=region)
    autoscaling = boto3.client("autoscaling", region_name=region)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"ImageId": image})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="webapp-prod-web",
        LaunchTemplate={"LaunchTemplateName": "web"},
        MinSize=0,
        MaxSize=0,
        DesiredCapacity=0,
        AvailabilityZones=[f"{region}a"],
    )
    event = {"AutoScalingGroupName": "webapp-prod-web", "MinimumInService": 2, "TimeoutSeconds": 0}
    with pytest.raises(TimeoutError, match="has 0 InService healthy instances of the 2 required"):
        dr_runbooks.wait_for_in_service_instances(event, None)
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName="webapp-prod-web", MinSize=2, MaxSize=6, DesiredCapacity=3
    )
    assert dr_runbooks.wait_for_in_service_instances(event, None) == {"InServiceInstances": 3}
    with pytest.raises(RuntimeError, match="does not exist"):
        dr_runbooks.wait_for_in_service_instances({**event, "AutoScalingGroupName": "missing"}, None)
