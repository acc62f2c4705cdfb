"""Vault Lock on both vaults (governance unless compliance is asked for) and the copy to a backup account."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from constructs_lib._core import Naming
from constructs_lib.data import BackupAccountCopy, CrossRegionBackup, DrBackupVault, VaultLock

TOKYO = cdk.Environment(account="111111111111", region="ap-northeast-1")
OSAKA = cdk.Environment(account="111111111111", region="ap-northeast-3")
NAMING = Naming(app="webapp", environment="prod")
BACKUP_ACCOUNT = "999999999999"


def _backup(**props) -> tuple[cdk.Stack, CrossRegionBackup]:
    stack = cdk.Stack(cdk.App(), "Backup", env=TOKYO)
    return stack, CrossRegionBackup(
        stack, "Backup", naming=NAMING, destination_region="ap-northeast-3", **props
    )


def test_both_vaults_are_locked_in_governance_mode_by_default():
    stack, _ = _backup()
    dr_stack = cdk.Stack(cdk.App(), "Dr", env=OSAKA)
    DrBackupVault(dr_stack, "Vault", naming=NAMING)
    for s in (stack, dr_stack):
        (vault,) = Template.from_stack(s).find_resources("AWS::Backup::BackupVault").values()
        assert vault["Properties"]["LockConfiguration"] == {"MinRetentionDays": 1}  # no ChangeableForDays


def test_compliance_mode_writes_changeable_for_days():
    lock = VaultLock(min_retention_days=7, max_retention_days=400, changeable_for_days=3)
    assert lock.mode == "compliance" and VaultLock().mode == "governance"
    stack, _ = _backup(vault_lock=lock)
    (vault,) = Template.from_stack(stack).find_resources("AWS::Backup::BackupVault").values()
    assert vault["Properties"]["LockConfiguration"] == {
        "MinRetentionDays": 7,
        "MaxRetentionDays": 400,
        "ChangeableForDays": 3,
    }


def test_no_lock_when_asked():
    stack, _ = _backup(vault_lock=None)
    (vault,) = Template.from_stack(stack).find_resources("AWS::Backup::BackupVault").values()
    assert "LockConfiguration" not in vault["Properties"]


@pytest.mark.parametrize("days", [0, 1, 2])
def test_fails_when_compliance_could_lock_without_the_cooling_off_period(days):
    with pytest.raises(
        ValueError, match=r"changeable_for_days \(\d\) must be at least 3 .* never be changed"
    ):
        VaultLock(changeable_for_days=days)


def test_fails_when_the_lock_minimum_exceeds_the_plan_retention():
    with pytest.raises(
        ValueError, match=r"retention \(14 days\) is shorter than vault_lock.min_retention_days \(30\)"
    ):
        _backup(vault_lock=VaultLock(min_retention_days=30))


def test_fails_when_the_destination_lock_would_refuse_the_copies():
    with pytest.raises(
        ValueError, match=r"copy_retention \(7 days\) is shorter than vault_lock.min_retention_days"
    ):
        _backup(
            retention=cdk.Duration.days(14),
            copy_retention=cdk.Duration.days(7),
            destination_vault_lock=VaultLock(min_retention_days=14),
        )


def test_fails_when_the_lock_maximum_is_below_its_minimum():
    with pytest.raises(
        ValueError, match=r"max_retention_days \(5\) must be >= vault_lock.min_retention_days \(7\)"
    ):
        VaultLock(min_retention_days=7, max_retention_days=5)


def test_account_copy_adds_a_copy_into_the_backup_accounts_vault_and_shares_the_vault_key():
    copy = BackupAccountCopy(account=BACKUP_ACCOUNT, vault_name="org-backup", retention_days=30)
    stack, backup = _backup(account_copy=copy)
    template = Template.from_stack(stack)
    (plan,) = template.find_resources("AWS::Backup::BackupPlan").values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    dr_copy, account_copy = rule["CopyActions"]
    assert "ap-northeast-3" in json.dumps(dr_copy["DestinationBackupVaultArn"])
    assert account_copy["Lifecycle"] == {"DeleteAfterDays": 30}
    assert json.dumps(account_copy["DestinationBackupVaultArn"]).count(
        f":{BACKUP_ACCOUNT}:backup-vault:org-backup"
    )
    assert "ap-northeast-1" in json.dumps(account_copy["DestinationBackupVaultArn"])
    (key,) = template.find_resources("AWS::KMS::Key").values()
    statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    use = statements[f"CrossAccountBackupCopyTo{BACKUP_ACCOUNT}"]
    assert BACKUP_ACCOUNT in json.dumps(use["Principal"]) and "kms:Decrypt" in use["Action"]
    grant = statements[f"CrossAccountBackupGrantTo{BACKUP_ACCOUNT}"]
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert backup.account_copy_vault_arn.endswith(f"{BACKUP_ACCOUNT}:backup-vault:org-backup")


def test_fails_when_the_backup_account_is_the_workload_account():
    with pytest.raises(
        ValueError, match=r"account_copy.account \('111111111111'\) is this stack's own account"
    ):
        _backup(account_copy=BackupAccountCopy(account="111111111111", vault_name="org-backup"))


def test_fails_when_the_backup_accounts_lock_would_refuse_the_copies():
    lock = VaultLock(min_retention_days=90)
    with pytest.raises(ValueError, match=r"account_copy.retention_days \(14 days\) is shorter"):
        _backup(
            account_copy=BackupAccountCopy(account=BACKUP_ACCOUNT, vault_name="org-backup", vault_lock=lock)
        )


def test_fails_when_the_backup_account_is_not_an_account_id():
    with pytest.raises(ValueError, match=r"account_copy.account \('backup'\) must be a 12-digit"):
        BackupAccountCopy(account="backup", vault_name="org-backup")
