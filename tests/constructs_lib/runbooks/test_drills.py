"""Recovery drills: they delete what they create on every path, refuse what would be an outage, and
only their role may delete, and only their own instance."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from constructs_lib import Naming
from constructs_lib.runbooks.drills import BackupRestoreDrillRunbook
from constructs_lib.runbooks.props import DatabasePlacement
from tests.constructs_lib.runbooks.helpers import (
    DB,
    DOCUMENTS,
    OSAKA,
    document_and_role,
    reachable,
    role_statements,
    steps_by_name,
    successors,
)


@pytest.mark.parametrize(
    ("name", "restore"), [("pitr_drill", "RestoreLatest"), ("backup_drill", "RestoreRecoveryPoint")]
)
def test_drills_delete_their_instance_on_every_path_after_the_restore(name, restore):
    content = DOCUMENTS[name]
    after_restore = successors(content, restore)[0]
    ends = {s["name"] for s in content["mainSteps"] if s.get("isEnd")}
    assert ends & reachable(content, after_restore)
    deletes = {"DeleteDrillDatabase", "CleanUpAfterFailure"}
    assert not ends & reachable(content, after_restore, removed=deletes), "a path skips the clean-up"
    for step in deletes:
        assert steps_by_name(content)[step]["inputs"]["Handler"] == "delete_instance"


def test_db_failover_drill_refuses_single_az_and_verifies_the_zone_changed():
    steps = steps_by_name(DOCUMENTS["db_failover_drill"])
    assert steps["DescribeBeforeFailover"]["inputs"]["InputPayload"]["RequireMultiAz"] is True
    assert steps["RebootWithFailover"]["inputs"]["ForceFailover"] is True
    verify = steps["VerifyZoneChanged"]["inputs"]["InputPayload"]
    assert verify["RequireZoneOtherThan"] == "{{ DescribeBeforeFailover.AvailabilityZone }}"


def test_only_the_drills_may_delete_and_only_their_own_instance(dr_synthesized):
    for name in DOCUMENTS:
        template, _, role_id = document_and_role(dr_synthesized, name)
        deletes = [
            s for s in role_statements(template, role_id) if "rds:DeleteDBInstance" in json.dumps(s["Action"])
        ]
        if name.endswith("drill") and name != "db_failover_drill":
            (statement,) = deletes
            assert json.dumps(statement["Resource"]).endswith(f':db:{DB}-{name.split("_")[0]}-drill"]]}}')
        else:
            assert deletes == [], name


def test_fails_when_the_backup_drill_source_is_not_a_database_arn():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"source_database_arn \(.*\) must be an RDS DB instance ARN"):
        BackupRestoreDrillRunbook(
            stack,
            "R",
            naming=Naming(app="webapp", environment="prod"),
            vault_name="v",
            source_database_arn=DB,
            placement=DatabasePlacement(subnet_group_name="g", security_group_ids=["sg-1"]),
            recovery_point_key=kms.Key(stack, "K"),
            notification_topics={s: sns.Topic(stack, f"T{s}") for s in ("low", "high")},
        )


@pytest.mark.parametrize(("name", "marker"), [("pitr_drill", "pitr"), ("backup_drill", "backup-restore")])
def test_drill_roles_tag_only_their_new_instance_with_exactly_the_drill_s_tags(dr_synthesized, name, marker):
    template, content, role_id = document_and_role(dr_synthesized, name)
    statements = role_statements(template, role_id)
    drill_arn_suffix = f':db:{DB}-{name.split("_")[0]}-drill"]]}}'
    tagging = [s for s in statements if "rds:AddTagsToResource" in json.dumps(s["Action"])]
    (tag,) = tagging
    assert tag["Action"] == "rds:AddTagsToResource"  # alone: no other action rides on its conditions
    assert json.dumps(tag["Resource"]).endswith(drill_arn_suffix)
    assert tag["Condition"] == {
        "StringEquals": {"aws:RequestTag/Environment": "prod", "aws:RequestTag/Drill": marker},
        "ForAllValues:StringEquals": {"aws:TagKeys": ["Environment", "Drill"]},
    }
    (delete,) = [s for s in statements if "rds:DeleteDBInstance" in json.dumps(s["Action"])]
    assert delete["Condition"] == {
        "StringEquals": {"aws:ResourceTag/Environment": "prod", "aws:ResourceTag/Drill": marker}
    }
    (restore,) = [s for s in statements if "rds:Restore" in json.dumps(s["Action"])]
    assert restore["Condition"] == {"StringEquals": {"aws:RequestTag/Drill": marker}}
    # ...and the document's restore sends exactly the tags the role allows
    (step,) = [s for s in content["mainSteps"] if s["inputs"].get("Api", "").startswith("Restore")]
    assert step["inputs"]["Tags"] == [
        {"Key": "Environment", "Value": "prod"},
        {"Key": "Drill", "Value": marker},
    ]
