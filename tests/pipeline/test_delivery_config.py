"""cdk.json's ``delivery`` block: defaults, placeholders and a clear message for every bad value."""

from __future__ import annotations

import dataclasses

import pytest

from stacks.config import ConfigError, load_config
from stacks.pipeline import build_pipeline_app, load_delivery_config, pipeline_requested, placeholder_values
from stacks.pipeline.pipeline_stack import smoke_command
from tests.pipeline.conftest import pipeline_context

ARN = "arn:aws:codeconnections:ap-northeast-1:555555555555:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"


@pytest.fixture
def context() -> dict:
    return pipeline_context()


@pytest.fixture
def app_config(context):
    return load_config({k: context[k] for k in ("app_name", "environments", "defaults")})


def _load(context, app_config, **overrides):
    delivery = {**context["delivery"], **overrides}
    for key, value in overrides.items():
        if value is None:
            delivery.pop(key)
    return load_delivery_config({"delivery": delivery}, app_config)


def _real(**overrides) -> dict:
    """A delivery block with every placeholder replaced."""
    return {
        "account": "555555555555",
        "connection_arn": ARN,
        "repository": "acme/self-healing-web",
        **overrides,
    }


def test_shipped_delivery_deploys_dev_stg_then_prod_after_an_approval(context, app_config):
    delivery = _load(context, app_config)
    assert delivery.environments == ("dev", "stg", "prod")
    assert delivery.manual_approval == ("prod",)
    assert delivery.region == "ap-northeast-1" and delivery.branch == "main"
    assert delivery.connection_service == "codeconnections"


def test_shipped_values_are_reported_as_placeholders_and_real_ones_are_not(context, app_config):
    assert len(placeholder_values(_load(context, app_config))) == 3
    assert placeholder_values(_load(context, app_config, **_real())) == []


def test_defaults_order_from_cdk_json_and_approve_the_last_of_several(context, app_config):
    delivery = _load(context, app_config, environments=None, manual_approval=None)
    assert delivery.environments == ("dev", "stg", "prod") and delivery.manual_approval == ("prod",)
    single = _load(context, app_config, environments=["dev"], manual_approval=None)
    assert single.manual_approval == ()


def test_an_older_codestar_connections_arn_is_accepted(context, app_config):
    arn = ARN.replace("codeconnections", "codestar-connections")
    delivery = _load(context, app_config, **_real(connection_arn=arn))
    assert delivery.connection_service == "codestar-connections"


def test_a_connection_from_another_region_is_accepted_connections_are_global(context, app_config):
    arn = ARN.replace("ap-northeast-1", "us-east-1")
    assert _load(context, app_config, **_real(connection_arn=arn)).connection_arn == arn


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"account": "12345"}, "delivery.account is '12345': an AWS account id is 12 digits"),
        ({"region": "tokyo"}, "delivery.region is 'tokyo': use a region code such as ap-northeast-1"),
        (
            {"connection_arn": "arn:aws:codeconnections:ap-northeast-1:555555555555:host/x"},
            "expected a connection ARN",
        ),
        (
            {"connection_arn": ARN.replace("555555555555", "666666666666")},
            "create the connection in the tooling account",
        ),
        ({"repository": "https://github.com/acme/web.git"}, "write it as owner/name"),
        ({"branch": "feature..x"}, "delivery.branch is 'feature..x': not a valid git branch name"),
        ({"branch": ""}, "delivery.branch must be a non-empty string"),
        (
            {"environments": ["dev", "qa"]},
            "delivery.environments contains 'qa', which is not under environments",
        ),
        ({"environments": ["dev", "dev"]}, "delivery.environments lists an environment twice"),
        ({"environments": []}, "delivery.environments is empty"),
        (
            {"manual_approval": ["qa"]},
            "delivery.manual_approval contains 'qa', which the pipeline does not deploy",
        ),
        ({"manual_approval": ["dev"]}, "contains the first environment ('dev')"),
        ({"manual_approval": "prod"}, "delivery.manual_approval must be a list of environment names"),
        ({"connection": ARN}, "delivery: unknown key(s) connection"),
        ({"repository": None}, "delivery.repository is missing: add it to cdk.json's delivery block"),
    ],
)
def test_fails_when_a_delivery_value_is_wrong(context, app_config, overrides, message):
    with pytest.raises(ConfigError) as error:
        _load(context, app_config, **_real(**overrides))
    assert message in str(error.value)


def test_fails_when_the_delivery_block_is_missing(app_config):
    with pytest.raises(ConfigError, match="delivery is missing: the pipeline needs a delivery block"):
        load_delivery_config({}, app_config)


@pytest.mark.parametrize(
    ("context", "expected"),
    [({}, False), ({"pipeline": True}, True), ({"pipeline": "true"}, True), ({"pipeline": "False"}, False)],
)
def test_pipeline_flag_reads_true_or_false(context, expected):
    assert pipeline_requested(context) is expected


def test_pipeline_flag_from_the_cli_context(monkeypatch):
    monkeypatch.setenv("CDK_CONTEXT_JSON", '{"pipeline": "true"}')
    assert pipeline_requested(None) is True


def test_fails_when_the_pipeline_flag_is_not_true_or_false():
    expected = r"pipeline is 'yes please': use true or false \(e.g. -c pipeline=true\)"
    with pytest.raises(ConfigError, match=expected):
        pipeline_requested({"pipeline": "yes please"})


def test_fails_when_one_environment_is_selected_for_the_pipeline(context):
    with pytest.raises(ConfigError, match=r"-c env=prod with -c pipeline=true: .* drop -c env"):
        build_pipeline_app({**context, "env": "prod"}, nag=False, builtin_validation=False)


# -- the smoke step's command line, from an environment's config -------------------------------------


def test_smoke_command_checks_https_with_the_public_name_when_the_region_has_a_certificate(app_config):
    prod = app_config.environments["prod"]
    cert = "arn:aws:acm:ap-northeast-1:333333333333:certificate/abc"
    https = dataclasses.replace(prod, primary=dataclasses.replace(prod.primary, certificate_arn=cert))
    # (cdk.json's prod carries a placeholder certificate; plain HTTP is built by hand here)
    plain = dataclasses.replace(prod, primary=dataclasses.replace(prod.primary, certificate_arn=None))

    assert "--tls-server-name www.example.com" in smoke_command(https, "ap-northeast-1", "Tokyo")
    assert not any("--tls-server-name" in a for a in smoke_command(plain, "ap-northeast-1", "Tokyo"))


def test_smoke_command_skips_health_where_the_standby_runs_no_instances(app_config):
    stg = app_config.environments["stg"]  # pilot light: Osaka at zero
    assert any(a.startswith("--skip-health ") for a in smoke_command(stg, "ap-northeast-3", "Osaka"))
    assert not any(a.startswith("--skip-health ") for a in smoke_command(stg, "ap-northeast-1", "Tokyo"))


def test_fails_when_a_certificate_has_no_public_name_to_verify(app_config):
    dev = app_config.environments["dev"]  # dev has no dns
    cert = "arn:aws:acm:ap-northeast-1:111111111111:certificate/abc"
    https = dataclasses.replace(dev, primary=dataclasses.replace(dev.primary, certificate_arn=cert))

    with pytest.raises(ConfigError, match=r"environments\.dev: a certificate_arn without dns"):
        smoke_command(https, "ap-northeast-1", "Tokyo")
