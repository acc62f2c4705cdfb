"""Cross-region backup copies: a daily plan in the primary region copying into the DR region's vault."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from constructs_lib._core import Naming
from constructs_lib.data.backup import CrossRegionBackup, DrBackupVault, backup_vault_arn
from tests.unit.quality import cfn_lint, synth_with_nag

ACCOUNT = "111111111111"
TOKYO = cdk.Environment(account=ACCOUNT, region="ap-northeast-1")
OSAKA = cdk.Environment(account=ACCOUNT, region="ap-northeast-3")
VAULT = "webapp-prod-backup"
NAMING = Naming(app="webapp", environment="prod")


def _flat(value) -> str:
    """A synthesized ARN as text, with the partition pseudo parameter read as ``aws``."""
    if isinstance(value, str):
        return value
    parts = value["Fn::Join"][1]
    return "".join("aws" if part == {"Ref": "AWS::Partition"} else part for part in parts)


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("backup")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    backup_stack = cdk.Stack(app, "Backup", env=TOKYO)
    backup = CrossRegionBackup(
        backup_stack,
        "Backup",
        naming=NAMING,
        destination_region="ap-northeast-3",
    )
    dr_stack = cdk.Stack(app, "DrVault", env=OSAKA)
    dr_vault = DrBackupVault(dr_stack, "Vault", naming=NAMING)

    templates, violations = synth_with_nag(app, outdir)
    return {
        "backup": backup,
        "dr_vault": dr_vault,
        "templates": templates,
        "violations": violations,
    }


def test_vault_is_encrypted_with_a_customer_managed_key(synthesized):
    raw = synthesized["templates"]["Backup"]
    template = Template.from_json(raw)
    (key_id,) = template.find_resources("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}})
    template.has_resource_properties(
        "AWS::Backup::BackupVault",
        {"BackupVaultName": VAULT, "EncryptionKeyArn": {"Fn::GetAtt": [key_id, "Arn"]}},
    )


def test_plan_backs_up_daily_keeps_14_days_and_copies_to_the_osaka_vault(synthesized):
    raw = synthesized["templates"]["Backup"]
    (plan,) = Template.from_json(raw).find_resources("AWS::Backup::BackupPlan").values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    # By default AWS Backup's own start, 05:00 UTC: the library assumes no time zone.
    assert rule["ScheduleExpression"] == "cron(0 5 * * ? *)"
    assert rule["Lifecycle"] == {"DeleteAfterDays": 14}
    (copy,) = rule["CopyActions"]
    expected = backup_vault_arn(account=ACCOUNT, region="ap-northeast-3", vault_name=VAULT)
    assert _flat(copy["DestinationBackupVaultArn"]) == expected
    assert copy["Lifecycle"] == {"DeleteAfterDays": 14}


def test_copy_destination_is_exactly_the_dr_vault_encrypted_with_an_osaka_key(synthesized):
    dr_raw = synthesized["templates"]["DrVault"]
    template = Template.from_json(dr_raw)
    (key_id,) = template.find_resources("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}})
    template.has_resource_properties(
        "AWS::Backup::BackupVault",
        {"BackupVaultName": VAULT, "EncryptionKeyArn": {"Fn::GetAtt": [key_id, "Arn"]}},
    )
    template.has_resource_properties("AWS::KMS::Alias", {"AliasName": "alias/webapp-prod-backup"})
    # The name-derived ARN the Tokyo plan uses is the ARN this Osaka vault will have.
    dr_vault = synthesized["dr_vault"]
    assert cdk.Stack.of(dr_vault).region == "ap-northeast-3"
    backup = synthesized["backup"]
    assert _flat(cdk.Stack.of(backup).resolve(backup.destination_vault_arn)) == backup_vault_arn(
        account=ACCOUNT, region=cdk.Stack.of(dr_vault).region, vault_name=dr_vault.vault_name
    )


def test_selection_takes_rds_instances_tagged_with_the_environment(synthesized):
    raw = synthesized["templates"]["Backup"]
    (selection,) = Template.from_json(raw).find_resources("AWS::Backup::BackupSelection").values()
    spec = selection["Properties"]["BackupSelection"]
    assert json.dumps(spec["Resources"]).count(":db:*") == 1
    assert spec["Conditions"] == {
        "StringEquals": [{"ConditionKey": "aws:ResourceTag/Environment", "ConditionValue": "prod"}]
    }
    assert "ListOfTags" not in spec  # ListOfTags would OR with Resources; Conditions AND with them


def test_fails_when_backup_selection_would_take_everything():
    stack = cdk.Stack(cdk.App(), "S", env=TOKYO)
    with pytest.raises(ValueError, match="give selection_tags"):
        CrossRegionBackup(stack, "B", naming=NAMING, destination_region="ap-northeast-3", selection_tags={})


def test_fails_when_copies_would_stay_in_the_same_region():
    stack = cdk.Stack(cdk.App(), "S", env=TOKYO)
    with pytest.raises(ValueError, match=r"destination_region \('ap-northeast-1'\) is this stack's region"):
        CrossRegionBackup(
            stack,
            "B",
            naming=NAMING,
            destination_region="ap-northeast-1",
            selection_tags={"Environment": "x"},
        )


def test_fails_when_the_vault_name_is_invalid():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"vault_name \('prod vault'\) must be 2-50"):
        DrBackupVault(stack, "V", naming=NAMING, vault_name="prod vault")


# -- quality gates -----------------------------------------------------------------------------
def test_cdk_nag_finds_nothing_unacknowledged(synthesized):
    assert synthesized["violations"] == []


@pytest.mark.parametrize(("stack", "region"), [("Backup", "ap-northeast-1"), ("DrVault", "ap-northeast-3")])
def test_cfn_lint_is_clean(synthesized, stack, region):
    assert cfn_lint(synthesized["templates"][stack], region) == []
