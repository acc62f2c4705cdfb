"""Instance types, DB instance classes and booleans are checked against what AWS and JSON accept."""

from __future__ import annotations

import copy
import json
import re

import pytest

from stacks.application import ROOT, build_app, project_context
from stacks.config.errors import ConfigError
from stacks.config.loader import load_config
from stacks.config.values import INSTANCE_TYPE, check_flag


@pytest.fixture
def context() -> dict:
    ctx = project_context(ROOT)
    return {k: copy.deepcopy(ctx[k]) for k in ("app_name", "environments", "defaults")}


@pytest.mark.parametrize(
    "value",
    [
        "t3.micro",
        "m7g.large",
        "c6gn.16xlarge",
        "u-6tb1.metal",
        "m7i-flex.large",
        "c7i.metal-24xl",
        "t4g.nano",
    ],
)
def test_real_instance_types_match_the_pattern(value):
    assert INSTANCE_TYPE.match(value)


def test_fails_when_an_instance_type_has_a_typo_in_its_size(context):
    context["environments"]["dev"]["instance_type"] = "t3.micr"
    with pytest.raises(
        ConfigError,
        match=r"^environments\.dev\.instance_type is 't3\.micr': not an EC2 instance type\. "
        r"Did you mean 't3\.micro'\? Write <family>\.<size>, e\.g\. t3\.micro or m7g\.large",
    ):
        load_config(context)


@pytest.mark.parametrize("value", ["T3.micro", "t3", "micro", "db.t3.micro", 3])
def test_fails_when_an_instance_type_is_not_family_dot_size(context, value):
    context["environments"]["stg"]["instance_type"] = value
    with pytest.raises(
        ConfigError,
        match=re.escape(f"environments.stg.instance_type is {value!r}: not an EC2 instance type"),
    ):
        load_config(context)


def test_fails_when_a_db_instance_class_has_a_typo(context):
    context["environments"]["dev"]["database"]["instance_class"] = "t4g.micr"
    with pytest.raises(
        ConfigError,
        match=r"environments\.dev\.database\.instance_class is 't4g\.micr': not an RDS instance class\. "
        r"Did you mean 't4g\.micro'\? Use one of t4g\.micro, .* \(without the 'db\.' prefix\)",
    ):
        load_config(context)


def test_fails_when_a_db_instance_class_is_valid_but_its_memory_unknown(context):
    context["environments"]["prod"]["database"]["instance_class"] = "r6g.large"
    with pytest.raises(
        ConfigError,
        match=r"environments\.prod\.database\.instance_class is 'r6g\.large': its memory is unknown to this "
        r"app .* Did you mean 'r7g\.large'\? .* or add it to DB_INSTANCE_MEMORY_GIB",
    ):
        load_config(context)


@pytest.mark.parametrize("value", ["true", "false", "yes", 1, None])
def test_fails_when_a_config_boolean_is_not_a_json_boolean(context, value):
    context["environments"]["prod"]["retain_data"] = value
    with pytest.raises(
        ConfigError,
        match=re.escape(
            f"environments.prod.retain_data is {value!r}: use true or false (JSON booleans, without quotes)"
        ),
    ):
        load_config(context)


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), (False, False), ("true", True), ("False", False)]
)
def test_context_flags_accept_json_booleans_and_the_cli_strings(value, expected):
    assert check_flag("builtin_validation", value) is expected


def test_fails_when_a_context_flag_is_neither_true_nor_false():
    # -c builtin_validation=maybe used to mean "false" silently
    context = {**project_context(ROOT), "builtin_validation": "maybe"}
    with pytest.raises(
        ConfigError,
        match=r"^builtin_validation is 'maybe': use true or false \(e\.g\. -c builtin_validation=true\)\.$",
    ):
        build_app(context)


def test_fails_when_the_cli_passes_a_context_flag_that_is_not_a_boolean(monkeypatch):
    # The CDK CLI hands its context over in CDK_CONTEXT_JSON
    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"builtin_validation": "1"}))
    with pytest.raises(ConfigError, match=r"^builtin_validation is '1': use true or false"):
        build_app(None)
