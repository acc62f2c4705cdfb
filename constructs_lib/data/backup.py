"""Backups copied to the DR region: an AWS Backup plan in the primary region and its DR-region vault.

:class:`CrossRegionBackup` (primary region): an AWS Backup vault and a daily plan whose copy rule
sends every recovery point to a vault of the DR region; :class:`DrBackupVault` (DR region) is that
vault, encrypted with a key of the DR region. Both sides derive the vault's ARN from its name
(:func:`backup_vault_arn`), so no ARN is copied between stacks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_lib._core import Naming
from constructs_lib.data.props import _validate_region
from constructs_lib.data.vault_lock import BackupAccountCopy, VaultLock
from constructs_lib.nag import acknowledge

__all__ = ["DEFAULT_VAULT_LOCK", "CrossRegionBackup", "DrBackupVault", "backup_vault_arn"]

_VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")
_ALIAS = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")
_DAY = cdk.Duration.days(1)
#: AWS Backup's own default start of a rule without a schedule: daily at 05:00 UTC (AWS Backup API
#: reference, ``BackupRule.ScheduleExpression``: "the default expression cron(0 5 ? * * *)").
DEFAULT_BACKUP_HOUR_UTC = 5
#: Every vault is locked unless told otherwise: governance mode (reversible), any retention >= 1 day.
DEFAULT_VAULT_LOCK = VaultLock(min_retention_days=1)


def backup_vault_arn(*, account: str, region: str, vault_name: str, partition: str = "aws") -> str:
    """ARN of an AWS Backup vault, from its name."""
    return f"arn:{partition}:backup:{region}:{account}:backup-vault:{vault_name}"


def default_vault_name(naming: Naming) -> str:
    """``{app}-{env}-backup``: the vault name both regions use unless told otherwise."""
    return naming.name("backup")


def _validate_vault_name(value: str, *, prop: str) -> str:
    if not _VAULT_NAME.match(value):
        raise ValueError(
            f"{prop} ({value!r}) must be 2-50 letters, digits, '-' or '_' (AWS Backup vault names)."
        )
    return value


class DrBackupVault(Construct):
    """The DR region's AWS Backup vault that :class:`CrossRegionBackup` copies recovery points into.

    Encrypted with a customer-managed key of the DR region (created here, rotated yearly, with
    ``key_alias``). Its name is deterministic, so the primary region's plan names it with
    :func:`backup_vault_arn` instead of a copied ARN.

    :param naming: App and environment of the vault.
    :param vault_name: Vault name (the same string the primary region's ``destination_vault_name`` uses).
        Default: ``{app}-{env}-backup``, as :class:`CrossRegionBackup` names its destination.
    :param key_alias: Alias of the vault key, e.g. ``alias/webapp-prod-backup``.
        Default: ``alias/<vault_name>``.
    :param vault_lock: AWS Backup Vault Lock of the vault (see :mod:`~constructs_lib.data.vault_lock`);
        ``None`` for no lock. Default: :data:`DEFAULT_VAULT_LOCK`, governance mode with a 1-day minimum.
    :param removal_policy: What happens to the vault and key when they leave the stack.
        Default: ``RETAIN`` (a vault with recovery points cannot be deleted anyway).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        vault_name: str | None = None,
        key_alias: str | None = None,
        vault_lock: VaultLock | None = DEFAULT_VAULT_LOCK,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id)
        vault_name = _validate_vault_name(vault_name or default_vault_name(naming), prop="vault_name")
        if key_alias is not None and not _ALIAS.match(key_alias):
            raise ValueError(f"key_alias ({key_alias!r}) must look like 'alias/<name>'.")
        self.key = kms.Key(
            self,
            "Key",
            description=f"AWS Backup vault {vault_name} (cross-region copies)",
            enable_key_rotation=True,
            alias=key_alias or f"alias/{vault_name}",
            removal_policy=removal_policy,
        )
        self.vault = backup.BackupVault(
            self,
            "Resource",
            backup_vault_name=vault_name,
            encryption_key=self.key,
            lock_configuration=vault_lock.lock_configuration() if vault_lock else None,
            removal_policy=removal_policy,
        )
        self.vault_lock = vault_lock
        self.vault_name = vault_name
        self.vault_arn = self.vault.backup_vault_arn


class CrossRegionBackup(Construct):
    """Daily AWS Backup of the environment's resources, copied to a vault in the DR region.

    A vault encrypted with a customer-managed key, a plan with one rule (``schedule``, kept for
    ``retention``) whose copy action sends each recovery point to ``destination_vault_name`` in
    ``destination_region`` (a :class:`DrBackupVault`, which re-encrypts it with the DR region's key),
    and a selection. The selection takes the resources whose ARN matches ``resource_arns`` *and*
    whose tags match ``selection_tags`` (AWS Backup ``Conditions``, AND logic), so tagging a
    resource ``Environment=<env>`` is enough to back it up.

    :param naming: App and environment whose resources are backed up.
    :param destination_region: DR region of the copies.
    :param vault_name: Name of this region's vault. Default: ``{app}-{env}-backup``.
    :param destination_vault_name: Name of the DR region's vault. Default: ``vault_name``.
    :param selection_tags: Tags a resource must carry to be selected, e.g. ``{"Environment": "prod"}``.
        Default: ``{"Environment": <naming.environment>}``.
    :param resource_arns: ARN patterns of the selected resources. Default: every RDS DB instance
        of this account and region (``arn:aws:rds:<region>:<account>:db:*``).
    :param retention: How long recovery points are kept here. Default: 14 days.
    :param copy_retention: How long the copies are kept in the DR region. Default: ``retention``.
    :param schedule: When the daily backup starts (a cron schedule, in UTC). Default: 05:00 UTC daily,
        AWS Backup's own default start; place it after the databases' backup windows.
    :param encryption_key: Key of this region's vault. Default: a new customer-managed key.
    :param vault_lock: AWS Backup Vault Lock of this region's vault (see
        :mod:`~constructs_lib.data.vault_lock`); checked against ``retention``; ``None`` for no lock.
        Default: :data:`DEFAULT_VAULT_LOCK`, governance mode with a 1-day minimum.
    :param destination_vault_lock: The lock of the DR region's vault (give the same value to its
        :class:`DrBackupVault`), checked against ``copy_retention`` so a copy the destination would
        refuse fails the synth. Default: ``vault_lock``.
    :param account_copy: Also copy every recovery point into a vault of a separate backup account
        (see :mod:`~constructs_lib.data.vault_lock` for the steps outside this app); this vault's key
        is shared with that account. Default: no cross-account copy.
    :param removal_policy: What happens to the vault and key. Default: ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        destination_region: str,
        vault_name: str | None = None,
        destination_vault_name: str | None = None,
        selection_tags: Mapping[str, str] | None = None,
        resource_arns: Sequence[str] | None = None,
        retention: cdk.Duration | None = None,
        copy_retention: cdk.Duration | None = None,
        schedule: events.Schedule | None = None,
        encryption_key: kms.IKey | None = None,
        vault_lock: VaultLock | None = DEFAULT_VAULT_LOCK,
        destination_vault_lock: VaultLock | None = None,
        account_copy: BackupAccountCopy | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        vault_name = _validate_vault_name(vault_name or default_vault_name(naming), prop="vault_name")
        if selection_tags is None and resource_arns is None:
            selection_tags = {"Environment": naming.environment}
        _validate_region(destination_region, prop="destination_region")
        destination_vault_name = _validate_vault_name(
            destination_vault_name or vault_name, prop="destination_vault_name"
        )
        if not cdk.Token.is_unresolved(stack.region) and destination_region == stack.region:
            raise ValueError(
                f"destination_region ({destination_region!r}) is this stack's region: copies must go "
                "to the DR region."
            )
        retention = retention or cdk.Duration.days(14)
        copy_retention = copy_retention or retention
        for name, value in (("retention", retention), ("copy_retention", copy_retention)):
            if value.to_days() < 1:
                raise ValueError(f"{name} ({value.to_days()} days) must be at least 1 day.")
        # MinRetentionDays never above what a rule or copy into the locked vault keeps.
        if vault_lock is not None:
            vault_lock.check_retention(retention.to_days(), prop="retention")
        destination_vault_lock = destination_vault_lock or vault_lock
        if destination_vault_lock is not None:
            destination_vault_lock.check_retention(copy_retention.to_days(), prop="copy_retention")
        account_copy_retention = (
            cdk.Duration.days(account_copy.retention_days)
            if account_copy is not None and account_copy.retention_days is not None
            else retention
        )
        if account_copy is not None:
            if not cdk.Token.is_unresolved(stack.account) and account_copy.account == stack.account:
                raise ValueError(
                    f"account_copy.account ({account_copy.account!r}) is this stack's own account: the copy "
                    "exists to survive the loss of this account; name the separate backup account."
                )
            if account_copy.vault_lock is not None:
                account_copy.vault_lock.check_retention(
                    account_copy_retention.to_days(), prop="account_copy.retention_days"
                )
        if not selection_tags and resource_arns is not None and not resource_arns:
            raise ValueError(
                "resource_arns is empty and selection_tags is not given: nothing would be selected."
            )
        if not selection_tags and resource_arns is None:
            raise ValueError(
                "give selection_tags (e.g. {'Environment': 'prod'}) or resource_arns: without either "
                "AWS Backup would select every RDS instance of the account."
            )

        self.key = encryption_key or kms.Key(
            self,
            "Key",
            description=f"AWS Backup vault {vault_name}",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=vault_name,
            encryption_key=self.key,
            lock_configuration=vault_lock.lock_configuration() if vault_lock else None,
            removal_policy=removal_policy,
        )
        self.vault_lock = vault_lock
        #: ARN of the DR region's vault the copy rule writes to.
        self.destination_vault_arn = backup_vault_arn(
            account=stack.account,
            region=destination_region,
            vault_name=destination_vault_name,
            partition=stack.partition,
        )
        destination = backup.BackupVault.from_backup_vault_arn(
            self, "DestinationVault", self.destination_vault_arn
        )
        schedule = schedule or events.Schedule.cron(minute="0", hour=str(DEFAULT_BACKUP_HOUR_UTC))
        self.plan = backup.BackupPlan(
            self,
            "Resource",
            backup_vault=self.vault,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name="DailyWithCopyToDrRegion",
                    schedule_expression=schedule,
                    delete_after=retention,
                    start_window=cdk.Duration.hours(1),
                    completion_window=cdk.Duration.hours(8),
                    copy_actions=[
                        backup.BackupPlanCopyActionProps(
                            destination_backup_vault=destination, delete_after=copy_retention
                        ),
                        *self._account_copy_actions(account_copy, account_copy_retention),
                    ],
                )
            ],
        )

        self.role = iam.Role(
            self,
            "Role",
            description=f"AWS Backup: back up and copy the resources of plan {vault_name}",
            assumed_by=iam.ServicePrincipal("backup.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSBackupServiceRolePolicyForBackup"
                ),
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSBackupServiceRolePolicyForRestores"
                ),
            ],
        )
        for policy in ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"):
            acknowledge(
                self.role,
                f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{policy}]",
                "The AWS Backup service role policies cover every resource type Backup supports and "
                "track new ones; AWS maintains them and the selection below limits what is backed up.",
            )
        self.resource_arns = list(
            resource_arns
            if resource_arns is not None
            else [
                stack.format_arn(
                    service="rds",
                    resource="db",
                    resource_name="*",
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ]
        )
        conditions = None
        if selection_tags:
            conditions = {
                "StringEquals": [
                    {"ConditionKey": f"aws:ResourceTag/{key}", "ConditionValue": value}
                    for key, value in sorted(selection_tags.items())
                ]
            }
        self.selection = backup.CfnBackupSelection(
            self,
            "Selection",
            backup_plan_id=self.plan.backup_plan_id,
            backup_selection=backup.CfnBackupSelection.BackupSelectionResourceTypeProperty(
                selection_name="TaggedResources",
                iam_role_arn=self.role.role_arn,
                resources=self.resource_arns,
                conditions=conditions,
            ),
        )
        self.retention = retention
        self.copy_retention = copy_retention
        self.destination_region = destination_region
        self.account_copy = account_copy
        if account_copy is not None:
            account_copy.grant_key_use(self.key)

    def _account_copy_actions(
        self, account_copy: BackupAccountCopy | None, retention: cdk.Duration
    ) -> list[backup.BackupPlanCopyActionProps]:
        if account_copy is None:
            return []
        stack = cdk.Stack.of(self)
        #: ARN of the backup account's vault (None without ``account_copy``).
        self.account_copy_vault_arn = account_copy.vault_arn(region=stack.region, partition=stack.partition)
        vault = backup.BackupVault.from_backup_vault_arn(
            self, "BackupAccountVault", self.account_copy_vault_arn
        )
        return [backup.BackupPlanCopyActionProps(destination_backup_vault=vault, delete_after=retention)]

    def metric_failed_copy_jobs(self, *, period: cdk.Duration | None = None) -> cloudwatch.Metric:
        """Copy jobs that failed (``AWS/Backup NumberOfCopyJobsFailed``), sum per day by default."""
        return cloudwatch.Metric(
            namespace="AWS/Backup",
            metric_name="NumberOfCopyJobsFailed",
            statistic="Sum",
            period=period or _DAY,
        )

    def metric_failed_backup_jobs(self, *, period: cdk.Duration | None = None) -> cloudwatch.Metric:
        """Backup jobs that failed (``AWS/Backup NumberOfBackupJobsFailed``), sum per day by default."""
        return cloudwatch.Metric(
            namespace="AWS/Backup",
            metric_name="NumberOfBackupJobsFailed",
            statistic="Sum",
            period=period or _DAY,
        )
