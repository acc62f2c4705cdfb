"""Accounts (production alone in its account) and the backup protection settings of the config."""

from __future__ import annotations

import copy

import pytest
from aws_cdk.assertions import Annotations, Match

from stacks.application import ROOT, build_app, project_context
from stacks.config.errors import ConfigError
from stacks.config.loader import load_config


@pytest.fixture
def context() -> dict:
    ctx = project_context(ROOT)
    return {k: copy.deepcopy(ctx[k]) for k in ("app_name", "environments", "defaults")}


def test_shipped_environments_each_have_their_own_account(context):
    config = load_config(context)
    assert all(env.account_shared_with == () for env in config.environments.values())


@pytest.mark.parametrize("other", ["dev", "stg"])
def test_fails_when_production_shares_its_account(context, other):
    context["environments"][other]["account"] = context["environments"]["prod"]["account"]
    with pytest.raises(
        ConfigError,
        match=rf"environments\.prod\.account is '333333333333', the same account as "
        rf"environments\.{other}\.account: prod keeps its data \(retain_data: true\) "
        r"and needs an AWS account of its own",
    ):
        load_config(context)


def test_dev_and_stg_may_share_an_account_with_a_warning(context):
    context["environments"]["stg"]["account"] = context["environments"]["dev"]["account"]
    config = load_config(context)
    assert config.environments["dev"].account_shared_with == ("stg",)
    assert config.environments["stg"].account_shared_with == ("dev",)
    assert config.environments["prod"].account_shared_with == ()

    _, _, stages = build_app({**context, "env": "stg"}, nag=False, builtin_validation=False)
    (stage,) = stages
    for data in stage.data.values():
        Annotations.from_stack(data).has_warning(
            "*", Match.string_like_regexp(r"environments\.stg\.account \(111111111111\) is shared with dev")
        )


def test_prod_vaults_are_locked_in_governance_mode_at_its_retention(context):
    config = load_config(context)
    lock = config.environments["prod"].backup.vault_lock
    assert (lock.mode, lock.min_retention_days) == ("governance", 14)
    assert config.environments["dev"].backup.vault_lock.mode == "governance"


@pytest.mark.parametrize(
    ("vault_lock", "message"),
    [
        (
            {"min_retention_days": 30},
            r"environments\.prod\.backup\.retention_days \(14 days\) is shorter than "
            r"environments\.prod\.backup\.vault_lock\.min_retention_days \(30\)",
        ),
        (
            {"changeable_for_days": 3},
            r"environments\.prod\.backup\.vault_lock\.changeable_for_days turns on compliance mode",
        ),
        (
            {"mode": "compliance"},
            r"environments\.prod\.backup\.vault_lock\.mode is compliance but "
            r"environments\.prod\.backup\.vault_lock\.changeable_for_days is missing",
        ),
        (
            {"mode": "compliance", "changeable_for_days": 1},
            r"environments\.prod\.backup\.vault_lock\.changeable_for_days \(1\) must be at least 3",
        ),
        ({"mode": "strict"}, r"environments\.prod\.backup\.vault_lock\.mode is 'strict'"),
    ],
)
def test_fails_when_the_vault_lock_is_wrong(context, vault_lock, message):
    context["environments"]["prod"]["backup"] = {"vault_lock": vault_lock}
    with pytest.raises(ConfigError, match=message):
        load_config(context)


def test_compliance_mode_is_accepted_when_spelled_out(context):
    context["environments"]["prod"]["backup"] = {
        "vault_lock": {"mode": "compliance", "changeable_for_days": 3, "min_retention_days": 7}
    }
    lock = load_config(context).environments["prod"].backup.vault_lock
    assert (lock.mode, lock.changeable_for_days) == ("compliance", 3)


def test_account_copy_is_read_and_checked(context):
    context["environments"]["prod"]["backup"] = {
        "account_copy": {"account": "444444444444", "vault_name": "org-backup", "retention_days": 30}
    }
    copy_ = load_config(context).environments["prod"].backup.account_copy
    assert (copy_.account, copy_.vault_name, copy_.retention_days) == ("444444444444", "org-backup", 30)
    context["environments"]["prod"]["backup"] = {
        "account_copy": {"account": "4444", "vault_name": "org-backup"}
    }
    with pytest.raises(ConfigError, match=r"environments\.prod\.backup\.account_copy\.account \('4444'\)"):
        load_config(context)
