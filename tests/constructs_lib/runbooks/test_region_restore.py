"""Region restore (backup & restore): restore source, order of the steps, pause switch, DNS, the role
and the construct's prop checks."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from constructs_lib import Naming
from constructs_lib.alerting import PauseSwitch
from constructs_lib.runbooks.props import DatabasePlacement, RestoreSource, RestoreTarget, WebCapacity
from constructs_lib.runbooks.region_restore import RegionRestoreRunbook
from tests.constructs_lib.runbooks.helpers import (
    AUTO_BACKUPS_ARN,
    DB,
    DOCUMENTS,
    DR_DB,
    OSAKA,
    PAUSE,
    RESTORES,
    SOURCE_ARN,
    TOKYO,
    document_and_role,
    happy_path,
    reachable,
    restore_document,
    role_statements,
    statement_actions,
    steps_by_name,
)


@pytest.mark.parametrize(
    ("source", "restore_steps"),
    [
        ("RestoreFromReplicatedBackups", ["RestoreFromReplicatedBackups"]),
        ("FindLatestRecoveryPoint", ["FindLatestRecoveryPoint", "RestoreFromRecoveryPoint"]),
        ("WaitForDatabaseAvailable", []),  # an earlier run restored the instance already
    ],
)
def test_region_restore_restores_then_scales_then_switches_dns_then_resumes_healing(source, restore_steps):
    path = happy_path(DOCUMENTS["region_restore"], {"RestoreSourceBranch": source})
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
    branch = steps_by_name(DOCUMENTS["region_restore"])["RestoreSourceBranch"]["inputs"]
    assert {c["StringEquals"]: c["NextStep"] for c in branch["Choices"]} == {
        "replicated-backups": "RestoreFromReplicatedBackups",
        "existing-instance": "WaitForDatabaseAvailable",
    }
    assert branch["Default"] == "FindLatestRecoveryPoint"


@pytest.mark.parametrize("name", RESTORES)
def test_region_restore_uses_the_replicated_backups_at_their_latest_restorable_time(name):
    content = DOCUMENTS[name]
    steps = steps_by_name(content)
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


@pytest.mark.parametrize("name", RESTORES)
def test_region_restore_pauses_healing_first_and_unpauses_on_every_end_path(name):
    content = DOCUMENTS[name]
    first = content["mainSteps"][0]
    assert first["name"] == "PauseHealing"
    unpause = {"ResumeHealing", "UnpauseAfterFailure"}
    for step_name, value in (("PauseHealing", "true"), *((u, "false") for u in sorted(unpause))):
        inputs = steps_by_name(content)[step_name]["inputs"]
        assert inputs == {
            "Service": "ssm",
            "Api": "PutParameter",
            "Name": PAUSE,
            "Value": value,
            "Type": "String",
            "Overwrite": True,
        }
    ends = {s["name"] for s in content["mainSteps"] if s.get("isEnd")}
    assert ends <= reachable(content, "PauseHealing")
    assert not ends & reachable(content, "PauseHealing", removed=unpause), "an end path skips the unpause"
    assert steps_by_name(content)["UnpauseAfterFailure"]["nextStep"] == "NotifyFailure"
    assert (
        steps_by_name(content)["UnpauseAfterFailure"]["onFailure"] == "step:NotifyFailure"
    )  # tell even then
    failing = [s for s in content["mainSteps"] if "onFailure" in s and s["name"] != "UnpauseAfterFailure"]
    assert failing and all(s["onFailure"] == "step:UnpauseAfterFailure" for s in failing)


@pytest.mark.parametrize("name", RESTORES)
def test_region_restore_scales_the_web_service_to_production_capacity_and_waits_for_it(name):
    content = DOCUMENTS[name]
    steps = steps_by_name(content)
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
    assert "ScaleOutWebService" not in reachable(
        content, "PauseHealing", removed={"WaitForDatabaseAvailable"}
    )


def test_region_restore_switches_dns_only_when_given_switch_ids():
    with_dns, without = (steps_by_name(DOCUMENTS[n]) for n in RESTORES)
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
    assert happy_path(
        DOCUMENTS["region_restore_no_dns"], {"RestoreSourceBranch": "RestoreFromReplicatedBackups"}
    )[-3:] == ["WaitForInServiceInstances", "ResumeHealing", "NotifySuccess"]


def test_region_restore_document_refuses_half_a_switch_pair():
    with pytest.raises(ValueError, match="open_switch_id and close_switch_id go together"):
        restore_document(with_dns=False, open_switch_id="hc-osaka")


def test_region_restore_role_restores_only_into_the_target_and_flips_switches_only_when_given(dr_synthesized):
    restores = {"rds:RestoreDBInstanceToPointInTime", "rds:RestoreDBInstanceFromDBSnapshot"}
    for name in RESTORES:
        template, _, role_id = document_and_role(dr_synthesized, name)
        statements = role_statements(template, role_id)
        creating = [s for s in statements if restores & statement_actions(s)]
        assert len(creating) == 2, name
        for statement in creating:
            text = json.dumps(statement["Resource"])
            assert f':db:{DR_DB}"' in text and ":db:*" not in text and f':db:{DB}"' not in text
        (pause,) = [s for s in statements if "ssm:PutParameter" in statement_actions(s)]
        assert json.dumps(pause["Resource"]).endswith(f':parameter{PAUSE}"]]}}')
        route53 = {a for s in statements for a in statement_actions(s) if a.startswith("route53:")}
        expected = {"route53:UpdateHealthCheck", "route53:GetHealthCheckStatus"}
        assert route53 == (expected if name == "region_restore" else set()), name


def _restore_props(stack: cdk.Stack, **overrides) -> dict:
    return {
        "naming": Naming(app="webapp", environment="prod"),
        "pause_switch": PauseSwitch.from_parameter_name(stack, "Pause", PAUSE),
        "notification_topics": {s: sns.Topic(stack, f"T{s}") for s in ("high", "critical")},
        "target": RestoreTarget(identifier=DR_DB, placement=DatabasePlacement("g", ["sg-1"])),
        "capacity": WebCapacity(auto_scaling_group_name="webapp-prod-web", min_capacity=2, max_capacity=6),
        **overrides,
    }


def _source(stack: cdk.Stack, **overrides) -> RestoreSource:
    keys = {"encryption_key": kms.Key(stack, "K1"), "recovery_point_key": kms.Key(stack, "K2")}
    return RestoreSource(
        **({"database_arn": SOURCE_ARN, "vault_name": "webapp-prod-backup"} | keys | overrides)
    )


@pytest.mark.parametrize(
    ("env", "source", "message"),
    [
        (TOKYO, {}, r"source.database_arn is in ap-northeast-1, this stack's region"),
        (OSAKA, {"database_arn": DB}, r"source.database_arn \(.*\) must be an RDS DB instance ARN"),
        (OSAKA, {"automated_backups_arn": SOURCE_ARN}, "must be a replicated automated backups ARN"),
    ],
)
def test_region_restore_refuses_invalid_props(env, source, message):
    stack = cdk.Stack(cdk.App(), "S", env=env)
    with pytest.raises(ValueError, match=message):
        RegionRestoreRunbook(stack, "R", source=_source(stack, **source), **_restore_props(stack))
