"""Environment names and regions come from cdk.json: any safe name, any region, labels from config."""

from __future__ import annotations

import copy
import json

import pytest

from stacks.application import ROOT, build_app, project_context
from stacks.config.errors import ConfigError
from stacks.config.loader import load_config

LAYERS = ("Network", "Compute", "Data", "Monitoring", "DR")


@pytest.fixture
def context() -> dict:
    ctx = project_context(ROOT)
    return {k: copy.deepcopy(ctx[k]) for k in ("app_name", "environments", "defaults")}


def _qa_from_stg(context: dict) -> dict:
    """A ``qa`` environment copied from ``stg``, with its own VPC ranges and DNS name."""
    qa = copy.deepcopy(context["environments"]["stg"])
    qa["primary"]["vpc_cidr"] = "10.40.0.0/16"
    qa["dr"]["vpc_cidr"] = "10.41.0.0/16"
    qa["dns"] = {**qa["dns"], "zone_name": "qa.example.com", "record_name": "www.qa.example.com"}
    context["environments"]["qa"] = qa
    return context


def test_shipped_config_labels_its_regions_tokyo_and_osaka(context):
    assert context["defaults"]["primary"] == {"region": "ap-northeast-1", "label": "Tokyo"}
    assert context["defaults"]["dr"] == {"region": "ap-northeast-3", "label": "Osaka"}
    prod = load_config(context).environments["prod"]
    assert [(rc.region, rc.label) for rc in prod.regions] == [
        ("ap-northeast-1", "Tokyo"),
        ("ap-northeast-3", "Osaka"),
    ]
    assert prod.database_identifier("ap-northeast-3") == "webapp-prod-db-osaka"


def test_a_new_environment_name_gets_its_stage_and_resource_names(context):
    qa = load_config(_qa_from_stg(context)).environments["qa"]
    assert qa.stage_name == "Qa"
    assert qa.pause_parameter_name == "/webapp/qa/pause"
    assert qa.web_group_name == "webapp-qa-web"
    assert qa.database_identifier("ap-northeast-1") == "webapp-qa-db-tokyo"
    assert (qa.dr_strategy, qa.primary.vpc_cidr, qa.dr.vpc_cidr) == (
        "pilot_light",
        "10.40.0.0/16",
        "10.41.0.0/16",
    )


def test_regions_and_labels_come_from_config(context):
    env = context["environments"]["dev"]
    context["defaults"]["primary"] = {"region": "eu-west-1", "label": "Ireland"}
    context["defaults"]["dr"] = {"region": "eu-central-1"}  # no label: derived from the code
    env["primary"]["availability_zones"] = ["eu-west-1a", "eu-west-1b"]
    env["dr"]["availability_zones"] = ["eu-central-1a", "eu-central-1b"]
    env["database"]["generations"] = {"eu-central-1": 2}
    del env["schedule"]
    dev = load_config({**context, "environments": {"dev": env}}).environments["dev"]
    assert [(rc.region, rc.label) for rc in dev.regions] == [
        ("eu-west-1", "Ireland"),
        ("eu-central-1", "EuCentral1"),
    ]
    assert dev.database_identifier("eu-west-1") == "webapp-dev-db-ireland"
    assert dev.database_identifier("eu-central-1") == "webapp-dev-db-eucentral1-g2"


@pytest.mark.slow
def test_qa_environment_copied_from_stg_synthesizes_its_own_stage(context, tmp_path):
    # Given a qa environment copied from stg with its own CIDRs; when only qa is synthesized (with
    # cdk-nag, like every synth of this app)
    full = {**project_context(ROOT), **_qa_from_stg(context), "env": "qa"}
    app, _, stages = build_app(full, outdir=str(tmp_path), builtin_validation=False)
    app.synth()
    # then its stage holds every stack of both regions and Global, and no other stage was built
    assert [s.stage_name for s in stages] == ["Qa"]
    manifest = json.loads((tmp_path / "assembly-Qa" / "manifest.json").read_text())
    stacks = {
        a["displayName"]: a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"
    }
    expected = {f"Qa/{label}-{layer}" for label in ("Tokyo", "Osaka") for layer in LAYERS} | {"Qa/Global"}
    assert set(stacks) == expected
    assert stacks["Qa/Osaka-Network"]["environment"] == "aws://222222222222/ap-northeast-3"
    assert not (tmp_path / "assembly-Stg").exists()
    network = json.loads(
        (tmp_path / "assembly-Qa" / stacks["Qa/Tokyo-Network"]["properties"]["templateFile"]).read_text()
    )
    (vpc,) = [r for r in network["Resources"].values() if r["Type"] == "AWS::EC2::VPC"]
    assert vpc["Properties"]["CidrBlock"] == "10.40.0.0/16"
    assert {"Key": "Environment", "Value": "qa"} in vpc["Properties"]["Tags"]


def test_fails_when_a_region_is_not_a_region_code(context):
    context["defaults"]["dr"]["region"] = "Osaka"
    with pytest.raises(
        ConfigError,
        match=r"^environments\.dev\.dr\.region \('Osaka'\) must be a region code such as 'ap-northeast-3'\.$",
    ):
        load_config(context)


def test_fails_when_a_region_label_is_not_a_name(context):
    context["environments"]["prod"]["dr"]["label"] = "osaka-dr"
    with pytest.raises(
        ConfigError,
        match=r"environments\.prod\.dr\.label is 'osaka-dr': a region label is 1-16 letters or digits "
        r"starting with an upper-case letter",
    ):
        load_config(context)


def test_fails_when_both_regions_have_the_same_label(context):
    context["environments"]["stg"]["dr"]["label"] = "Tokyo"
    with pytest.raises(
        ConfigError,
        match=r"environments\.stg\.dr\.label is 'Tokyo', the same as the primary region's: .* give the two "
        r"regions different labels",
    ):
        load_config(context)


def test_fails_when_a_schedule_names_no_time_zone(context):
    del context["environments"]["dev"]["schedule"]["timezone"]
    with pytest.raises(
        ConfigError, match=r"environments\.dev\.schedule\.timezone is missing: add it to cdk\.json"
    ):
        load_config(context)


def test_fails_when_a_database_generation_names_a_region_outside_the_environment(context):
    context["environments"]["prod"]["database"]["generations"] = {"us-west-2": 2}
    with pytest.raises(
        ConfigError,
        match=r"environments\.prod\.database\.generations\.us-west-2 is 2: use a region of this environment "
        r"\(ap-northeast-1, ap-northeast-3\)",
    ):
        load_config(context)


def test_fails_when_selecting_an_environment_with_a_typo(context):
    with pytest.raises(ConfigError, match=r"-c env='prd': unknown environment\. Did you mean 'prod'\?"):
        load_config(context).selected("prd")
