"""What protects recovery points: AWS Backup Vault Lock, and an optional copy to a separate backup account.

**Vault Lock** (AWS Backup Developer Guide, "AWS Backup Vault Lock"; CloudFormation
``AWS::Backup::BackupVault LockConfiguration``): once a vault is locked, no one can delete a recovery
point before its retention ends or shorten its lifecycle, and every backup or copy job into the vault
must keep its recovery point at least ``MinRetentionDays`` (and at most ``MaxRetentionDays``), or
the job fails. Two modes:

- *Governance* (no ``ChangeableForDays``; the default here): principals allowed
  ``backup:DeleteBackupVaultLockConfiguration`` can still change or remove the lock. It stops
  accidents and most attackers, and stays reversible.
- *Compliance* (``ChangeableForDays`` set, at least 3: AWS Backup's 72-hour cooling-off period):
  during those days the lock can still be changed or deleted; after that the lock **and the vault**
  are immutable: no user, not the root user, not AWS, can delete the lock, shorten retention or
  delete the vault while it holds recovery points, and the stack that owns it can no longer remove
  it. Choose it only when a regulation requires it, and test the retention values first.

**Copy to a backup account** (AWS Backup Developer Guide, "Creating backup copies across AWS
accounts"): a second copy action into a vault of another account of the same AWS Organization, so a
compromised workload account cannot delete every copy. The library writes the copy action and the
key grants of this side; three things live outside this app and must be done once:

1. In the Organizations management account, turn on cross-account backup:
   ``aws backup update-global-settings --global-settings isCrossAccountBackupEnabled=true``
   (AWS Backup API, ``UpdateGlobalSettings``; only the management account may call it).
2. In the backup account, create the destination vault (ideally locked) with a vault access policy
   that allows ``backup:CopyIntoBackupVault`` to the source account (``Principal``: its root ARN,
   or ``Condition`` ``aws:PrincipalOrgID`` for the whole organization).
3. Share the source keys with the backup account: a recovery point encrypted with an AWS managed
   key cannot be copied across accounts; the customer managed keys that encrypt the recovery points
   (the vault key, and for RDS the database's own key, since RDS snapshots keep their key) must allow
   the backup account to use them (:meth:`BackupAccountCopy.grant_key_use` adds that statement).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from constructs_lib.data.options import validate_region

__all__ = ["BackupAccountCopy", "VaultLock"]

#: ``ChangeableForDays`` must be at least 3 (AWS Backup, ``PutBackupVaultLockConfiguration``: the
#: 72-hour cooling-off period before a compliance-mode lock becomes immutable).
MIN_CHANGEABLE_FOR_DAYS = 3
#: ``MinRetentionDays``/``MaxRetentionDays`` are whole days, 1-36,500 (AWS Backup,
#: ``PutBackupVaultLockConfiguration``).
RETENTION_DAYS_RANGE = (1, 36500)
_ACCOUNT = re.compile(r"^\d{12}$")
_VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")


@dataclass(frozen=True, kw_only=True)
class VaultLock:
    """AWS Backup Vault Lock of one vault (see the module docstring for the two modes).

    :param min_retention_days: Shortest retention a backup or copy job into the vault may ask for.
        Must not exceed the retention of any rule or copy that writes into the vault (their jobs
        would fail): the constructs check it.
    :param max_retention_days: Longest retention allowed. Default: no maximum.
    :param changeable_for_days: Compliance mode: days (>= 3) during which the lock can still be
        changed or removed; after them the lock and the vault are immutable, for ever.
        Default: none, governance mode (reversible by principals allowed
        ``backup:DeleteBackupVaultLockConfiguration``).
    """

    min_retention_days: int = 1
    max_retention_days: int | None = None
    changeable_for_days: int | None = None

    def __post_init__(self) -> None:
        low, high = RETENTION_DAYS_RANGE
        for prop, value in (
            ("min_retention_days", self.min_retention_days),
            ("max_retention_days", self.max_retention_days),
        ):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
            ):
                raise ValueError(
                    f"vault_lock.{prop} ({value!r}) must be a whole number of days, {low}-{high}."
                )
        if self.max_retention_days is not None and self.max_retention_days < self.min_retention_days:
            raise ValueError(
                f"vault_lock.max_retention_days ({self.max_retention_days}) must be >= "
                f"vault_lock.min_retention_days ({self.min_retention_days})."
            )
        if self.changeable_for_days is not None and (
            isinstance(self.changeable_for_days, bool)
            or not isinstance(self.changeable_for_days, int)
            or self.changeable_for_days < MIN_CHANGEABLE_FOR_DAYS
        ):
            raise ValueError(
                f"vault_lock.changeable_for_days ({self.changeable_for_days!r}) must be at least "
                f"{MIN_CHANGEABLE_FOR_DAYS} (AWS Backup's cooling-off period). It turns on compliance mode: "
                "after those days the lock and the vault can never be changed or deleted. Leave it out for "
                "governance mode."
            )

    @property
    def mode(self) -> str:
        """``governance`` or ``compliance``."""
        return "governance" if self.changeable_for_days is None else "compliance"

    def lock_configuration(self) -> backup.LockConfiguration:
        """The L2's lock configuration (``LockConfiguration`` of ``AWS::Backup::BackupVault``)."""
        return backup.LockConfiguration(
            min_retention=cdk.Duration.days(self.min_retention_days),
            max_retention=cdk.Duration.days(self.max_retention_days) if self.max_retention_days else None,
            changeable_for=cdk.Duration.days(self.changeable_for_days) if self.changeable_for_days else None,
        )

    def check_retention(self, days: float, *, prop: str) -> None:
        """Raise if a rule or copy keeping recovery points ``days`` days would be refused by this lock."""
        if days < self.min_retention_days:
            raise ValueError(
                f"{prop} ({days:g} days) is shorter than vault_lock.min_retention_days "
                f"({self.min_retention_days}): AWS Backup would fail every job into the locked vault. "
                "Lower min_retention_days or keep recovery points longer."
            )
        if self.max_retention_days is not None and days > self.max_retention_days:
            raise ValueError(
                f"{prop} ({days:g} days) is longer than vault_lock.max_retention_days "
                f"({self.max_retention_days}): AWS Backup would fail every job into the locked vault."
            )


@dataclass(frozen=True, kw_only=True)
class BackupAccountCopy:
    """A copy of every recovery point into a vault of a separate backup account (see the module
    docstring for the three steps outside this app).

    :param account: The backup account's id (12 digits); not the workload's own account.
    :param vault_name: Name of the destination vault in that account.
    :param region: Region of that vault. Default: the region of the backup plan.
    :param retention_days: How long the copies are kept there. Default: the plan's retention.
    :param vault_lock: The destination vault's lock, if any, so a retention it would refuse fails the
        synth instead of every copy job. Default: not checked.
    """

    account: str
    vault_name: str
    region: str | None = None
    retention_days: int | None = None
    vault_lock: VaultLock | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.account, str) or not _ACCOUNT.match(self.account):
            raise ValueError(f"account_copy.account ({self.account!r}) must be a 12-digit AWS account id.")
        if not _VAULT_NAME.match(self.vault_name):
            raise ValueError(
                f"account_copy.vault_name ({self.vault_name!r}) must be 2-50 letters, digits, '-' or '_'."
            )
        if self.region is not None:
            validate_region(self.region, prop="account_copy.region")
        if self.retention_days is not None and self.retention_days < 1:
            raise ValueError(f"account_copy.retention_days ({self.retention_days}) must be at least 1.")

    def vault_arn(self, *, region: str, partition: str = "aws") -> str:
        """ARN of the destination vault (``region`` is used when :attr:`region` is not set)."""
        return f"arn:{partition}:backup:{self.region or region}:{self.account}:backup-vault:{self.vault_name}"

    def grant_key_use(self, key: kms.IKey) -> iam.AddToResourcePolicyResult:
        """Let the backup account use ``key`` for the copies (decrypt the source, create the grant AWS
        Backup needs). Add it to every customer managed key that encrypts a recovery point being copied."""
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"CrossAccountBackupGrantTo{self.account}",
                principals=[iam.AccountPrincipal(self.account)],
                actions=["kms:CreateGrant"],
                resources=["*"],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )
        return key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"CrossAccountBackupCopyTo{self.account}",
                principals=[iam.AccountPrincipal(self.account)],
                actions=["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
