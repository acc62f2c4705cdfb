"""Unknown keys are refused where they are written, with the nearest allowed key."""

from __future__ import annotations

import copy
import re

import pytest

from stacks.application import ROOT, project_context
from stacks.config.errors import ConfigError
from stacks.config.loader import load_config
from stacks.config.reader import Reader


@pytest.fixture
def context() -> dict:
    ctx = project_context(ROOT)
    return {k: copy.deepcopy(ctx[k]) for k in ("app_name", "environments", "defaults")}


def test_fails_when_a_key_is_misspelled_instead_of_missing(context):
    # Given capacity.max written as "maximum": the typo is reported, not a missing "max"
    capacity = context["environments"]["dev"]["capacity"]
    capacity["maximum"] = capacity.pop("max")
    with pytest.raises(
        ConfigError,
        match=r"^environments\.dev\.capacity\.maximum: unknown key 'maximum'\. Did you mean 'max'\? "
        r"Allowed here: desired, max, min\.$",
    ):
        load_config(context)


@pytest.mark.parametrize(
    ("where", "key", "nearest"),
    [
        ("environments.prod", "instance_typ", "instance_type"),
        ("environments.prod.health_check", "intervall_seconds", "interval_seconds"),
        ("environments.prod.primary", "vpc_cdir", "vpc_cidr"),
        ("environments.prod.database", "multiaz", "multi_az"),
        ("environments.prod.notifications.critical", "email", "emails"),
        ("environments.prod.monitoring", "audit_rule", "audit_rules"),
        ("environments.prod.healing", "dryrun", "dry_run"),
        ("environments.prod.dns", "zone", "zone_name"),
    ],
)
def test_fails_when_a_nested_key_is_unknown_naming_the_nearest_key(context, where, key, nearest):
    node = context
    for part in where.split("."):
        node = node.setdefault(part, {})
    node[key] = 1
    message = f"{where}.{key}: unknown key '{key}'. Did you mean '{nearest}'?"
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        load_config(context)


def test_fails_when_an_escalation_tier_has_an_unknown_key(context):
    context["environments"]["prod"]["monitoring"] = {
        "escalation": [{"name": "on-call", "severity": "high", "after": 15}]
    }
    with pytest.raises(
        ConfigError,
        match=r"environments\.prod\.monitoring\.escalation\[0\]\.after: unknown key 'after'\. "
        r"Did you mean 'after_minutes'\?",
    ):
        load_config(context)


def test_fails_when_an_unknown_key_resembles_nothing_listing_the_allowed_ones(context):
    context["environments"]["stg"]["capacity"]["spare"] = 1
    with pytest.raises(
        ConfigError,
        match=r"^environments\.stg\.capacity\.spare: unknown key 'spare'\. "
        r"Allowed here: desired, max, min\.$",
    ):
        load_config(context)


def test_fails_when_a_notification_severity_is_unknown_naming_the_nearest(context):
    context["environments"]["dev"]["notifications"]["hgh"] = {"emails": ["a@example.com"]}
    with pytest.raises(
        ConfigError,
        match=r"environments\.dev\.notifications\.hgh: unknown severity 'hgh'\. Did you mean 'high'\? "
        r"Allowed here: critical, high, low, medium, slack_workspace_id\.",
    ):
        load_config(context)


def test_fails_when_a_key_in_defaults_is_unknown(context):
    # defaults are merged into every environment: the first environment reports it
    context["defaults"]["health_check"]["pth"] = "/health"
    with pytest.raises(
        ConfigError, match=r"environments\.dev\.health_check\.pth: unknown key 'pth'\. Did you mean 'path'\?"
    ):
        load_config(context)


def test_reading_an_undeclared_key_is_a_programming_error():
    reader = Reader({"a": 1}, "block", ("a",))
    with pytest.raises(RuntimeError, match=r"block: key 'b' is read but not declared"):
        reader.raw("b", None)
