"""The delivery pipeline as synthesized from cdk.json (one synthesis for the module, cdk-nag on)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from constructs_lib.healing import alarm_state_change_pattern
from constructs_lib.testing import CONSTRUCT_ANNOTATIONS_REPORT, CdkTemplateSnapshotExtension, mask_template
from stacks.pipeline import placeholder_values
from stacks.pipeline.pipeline_stack import SYNTH_COMMANDS, SYNTH_INSTALL_COMMANDS, pinned_cli_version
from stacks.pipeline.smoke import smoke_alarm_name
from tests.conftest import ROOT


def _actions(stage: dict) -> dict[str, dict]:
    return {a["Name"]: a for a in stage["Actions"]}


def _run_order(stage: dict, name: str) -> int:
    return _actions(stage)[name]["RunOrder"]


def _deploy_actions(stage: dict) -> list[dict]:
    return [a for a in stage["Actions"] if a["ActionTypeId"]["Provider"] == "CloudFormation"]


def _buildspec(pipeline, action: dict) -> dict:
    project = action["Configuration"]["ProjectName"]["Ref"]
    spec = pipeline.template["Resources"][project]["Properties"]["Source"]["BuildSpec"]
    return json.loads(spec) if isinstance(spec, str) else spec


# -- shape ----------------------------------------------------------------------------------------


def test_stages_run_source_build_self_mutation_assets_then_dev_stg_prod(synthesized_pipeline):
    names = [s["Name"] for s in synthesized_pipeline.stages]
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", "Dev", "Stg", "Prod"]


def test_pipeline_is_v2_with_kms_encrypted_artifacts_for_cross_account_deploys(synthesized_pipeline):
    (pipeline,) = synthesized_pipeline.resources("AWS::CodePipeline::Pipeline").values()
    assert pipeline["Properties"]["PipelineType"] == "V2"
    (bucket,) = synthesized_pipeline.resources("AWS::S3::Bucket").values()
    encryption = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    (key,) = synthesized_pipeline.resources("AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    # The workload accounts' deploy roles may use the key: artifacts cross accounts.
    key_policy = json.dumps(key["Properties"]["KeyPolicy"])
    for account in (env.account for env in synthesized_pipeline.config.environments.values()):
        assert f"iam::{account}:role/cdk-hnb659fds-deploy-role-{account}-" in key_policy


def test_source_is_the_configured_connection_with_both_use_connection_actions(synthesized_pipeline):
    delivery = synthesized_pipeline.delivery
    (source,) = synthesized_pipeline.stage("Source")["Actions"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["ConnectionArn"] == delivery.connection_arn
    assert source["Configuration"]["FullRepositoryId"] == delivery.repository
    assert source["Configuration"]["BranchName"] == delivery.branch
    granted = {
        statement["Action"]
        for policy in synthesized_pipeline.resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Resource"] == delivery.connection_arn
    }
    assert granted == {"codestar-connections:UseConnection", "codeconnections:UseConnection"}


def test_synth_step_installs_from_the_lock_files_tests_checks_the_budget_and_synthesizes(
    synthesized_pipeline,
):
    (synth,) = synthesized_pipeline.stage("Build")["Actions"]
    spec = _buildspec(synthesized_pipeline, synth)
    assert spec["phases"]["install"]["commands"] == list(SYNTH_INSTALL_COMMANDS) == ["make setup"]
    assert spec["phases"]["build"]["commands"] == list(SYNTH_COMMANDS)
    assert SYNTH_COMMANDS == ("make test", "make budget", "make synth-pipeline")
    assert spec["artifacts"]["base-directory"] == "cdk.out"
    assert re.fullmatch(r"3\.1[1-9]", spec["phases"]["install"]["runtime-versions"]["python"])


def test_synth_step_commands_exist_in_the_makefile_and_install_from_pinned_files():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("setup", "test", "budget", "synth-pipeline"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    recipe = makefile.split("\nsynth-pipeline:")[1].split("\n\n")[0]
    assert "-c pipeline=true" in recipe and "cfn-lint" in recipe
    assert "$(NPM) ci" in makefile  # package-lock.json, not npm install
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert "==" in line, line


def test_self_mutation_uses_the_cli_pinned_in_package_lock(synthesized_pipeline):
    (mutate,) = synthesized_pipeline.stage("UpdatePipeline")["Actions"]
    spec = _buildspec(synthesized_pipeline, mutate)
    assert f"npm install -g aws-cdk@{pinned_cli_version()}" in spec["phases"]["install"]["commands"]


# -- gates ----------------------------------------------------------------------------------------


def test_a_person_approves_before_prod_and_only_before_prod(synthesized_pipeline):
    for name in ("Dev", "Stg"):
        providers = {a["ActionTypeId"]["Provider"] for a in synthesized_pipeline.stage(name)["Actions"]}
        assert "Manual" not in providers, name
    prod = synthesized_pipeline.stage("Prod")
    approval = _run_order(prod, "PromoteToProd")
    assert _actions(prod)["PromoteToProd"]["ActionTypeId"]["Provider"] == "Manual"
    assert all(approval < a["RunOrder"] for a in _deploy_actions(prod))


def test_broadening_check_runs_after_the_approval_not_beside_it_and_before_any_deploy(synthesized_pipeline):
    prod = synthesized_pipeline.stage("Prod")
    actions = _actions(prod)
    check, confirm = actions["CheckBroadeningProd.Check"], actions["CheckBroadeningProd.Confirm"]
    assert check["ActionTypeId"]["Provider"] == "CodeBuild"
    assert confirm["ActionTypeId"]["Provider"] == "Manual"
    assert _run_order(prod, "PromoteToProd") < check["RunOrder"] < confirm["RunOrder"]
    assert all(confirm["RunOrder"] < a["RunOrder"] for a in _deploy_actions(prod))
    # The check diffs the Prod stage's stacks (cdk diff --security-only --fail) with the pinned CLI: the
    # latest (3.x) rejects this aws-cdk-lib's assembly, and a failing diff counts as a broadening.
    spec = json.dumps(_buildspec(synthesized_pipeline, check))
    assert "--security-only" in spec
    assert f"npm install -g aws-cdk@{pinned_cli_version()}" in spec
    assert not re.search(r"npm install -g aws-cdk[^@]", spec)
    variables = {v["name"]: v["value"] for v in json.loads(check["Configuration"]["EnvironmentVariables"])}
    assert variables["STAGE_PATH"] == "Prod"


@pytest.mark.parametrize("stage_name", ["Dev", "Stg", "Prod"])
def test_stacks_deploy_after_every_stack_they_depend_on(synthesized_pipeline, stage_name):
    stage = synthesized_pipeline.stage(stage_name)
    manifest = synthesized_pipeline.stage_manifest(stage_name)
    stacks = {k: a for k, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"}

    def action(artifact_id: str, step: str) -> int:
        return _run_order(stage, f"{stacks[artifact_id]['displayName'].split('/', 1)[1]}.{step}")

    checked = 0
    for artifact_id, artifact in stacks.items():
        for dependency in artifact.get("dependencies", []):
            if dependency in stacks:
                assert action(dependency, "Deploy") < action(artifact_id, "Prepare"), (
                    artifact_id,
                    dependency,
                )
                checked += 1
    assert checked >= 15


@pytest.mark.parametrize("stage_name", ["Dev", "Stg", "Prod"])
def test_cross_region_order_tokyo_data_then_osaka_replica_both_regions_then_global(
    synthesized_pipeline, stage_name
):
    stage = synthesized_pipeline.stage(stage_name)
    assert _run_order(stage, "Tokyo-Data.Deploy") < _run_order(stage, "Osaka-Data.Prepare")
    for region_stack in ("Tokyo-Compute", "Osaka-Compute"):
        assert _run_order(stage, f"{region_stack}.Deploy") < _run_order(stage, "Global.Prepare")
    for dr in ("Tokyo-DR", "Osaka-DR"):
        assert _run_order(stage, "Global.Deploy") < _run_order(stage, f"{dr}.Prepare")


def test_each_environment_is_the_same_stage_cdk_deploy_deploys_templates_unchanged(
    synthesized_pipeline, synthesized_app
):
    """Stages live in the app, not in the pipeline stack: same paths, so the same logical ids, tags and
    templates as `cdk deploy 'Prod/*'` (the app the snapshots review), plus one smoke stack per region."""
    compared = 0
    for stage_name in ("Dev", "Stg", "Prod"):
        for artifact in synthesized_pipeline.stage_manifest(stage_name)["artifacts"].values():
            if artifact["type"] != "aws:cloudformation:stack":
                continue
            display = artifact["displayName"]
            if display.endswith("-Smoke"):
                continue
            template = synthesized_pipeline.stage_template(display)
            assert mask_template(template) == mask_template(synthesized_app.template(display)), display
            assert artifact["properties"]["stackName"] == display.replace("/", "-")
            compared += 1
    assert compared == 33


# -- smoke ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage_name", ["Dev", "Stg", "Prod"])
def test_one_smoke_step_per_region_runs_after_every_deploy_of_its_environment(
    synthesized_pipeline, stage_name
):
    stage = synthesized_pipeline.stage(stage_name)
    env = synthesized_pipeline.config.environments[stage_name.lower()]
    last_deploy = max(a["RunOrder"] for a in _deploy_actions(stage))
    for rc in env.regions:
        smoke = _actions(stage)[f"Smoke{rc.label}"]
        assert smoke["RunOrder"] > last_deploy
        variables = json.loads(smoke["Configuration"]["EnvironmentVariables"])
        (dns,) = [v for v in variables if v["name"] == "LOAD_BALANCER_DNS"]
        compute = _actions(stage)[f"{rc.label}-Compute.Deploy"]
        assert dns["value"] == f"#{{{compute['Namespace']}.LoadBalancerDnsName}}"
        (command,) = _buildspec(synthesized_pipeline, smoke)["phases"]["build"]["commands"]
        assert command.startswith("python3 -m scripts.smoke ")
        prefix = f"{env.app_name}-{env.name}"
        assert f"--region {rc.region}" in command
        assert (
            f"--role-arn arn:aws:iam::{env.account}:role/{prefix}-pipeline-smoke-{rc.label.lower()}"
            in command
        )
        assert f"--pause-parameter {env.pause_parameter_name}" in command
        assert f"--topic-arn arn:aws:sns:{rc.region}:{env.account}:{prefix}-alerts-low" in command
        assert ("--skip-health" in command) == (env.capacity_for(rc.region).min == 0)


def test_smoke_runner_may_assume_only_its_environments_smoke_roles(synthesized_pipeline):
    roles = synthesized_pipeline.resources("AWS::IAM::Role")
    policies = synthesized_pipeline.resources("AWS::IAM::Policy").values()
    for env in synthesized_pipeline.config.environments.values():
        (role_id,) = [
            k
            for k, r in roles.items()
            if r["Properties"].get("RoleName") == f"{env.app_name}-delivery-smoke-{env.name}"
        ]
        assumed = [
            statement["Resource"]
            for policy in policies
            if {"Ref": role_id} in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if statement["Action"] == "sts:AssumeRole"
        ]
        assert sorted(assumed) == sorted(
            f"arn:aws:iam::{env.account}:role/{env.app_name}-{env.name}-pipeline-smoke-{rc.label.lower()}"
            for rc in env.regions
        )


def test_smoke_role_trusts_only_the_runner_and_reads_only_what_the_checks_need(synthesized_pipeline):
    tooling, app = synthesized_pipeline.delivery.account, synthesized_pipeline.config.app_name
    prod = synthesized_pipeline.config.environments["prod"]
    template = synthesized_pipeline.stage_template(f"Prod/{prod.primary.label}-Smoke")
    (role,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert f"{tooling}:root" in json.dumps(trust["Principal"])
    assert trust["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{tooling}:role/{app}-delivery-smoke-prod"}
    }
    assert trust["Action"] == "sts:AssumeRole"
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["ReadThePauseSwitch"]["Action"] == "ssm:GetParameter"
    assert f"parameter{prod.pause_parameter_name}" in json.dumps(statements["ReadThePauseSwitch"]["Resource"])
    alarm_statement = statements["FireTheSmokeAlarmAndReadItsHistory"]
    assert alarm_statement["Action"] == ["cloudwatch:DescribeAlarmHistory", "cloudwatch:SetAlarmState"]
    assert "*" not in json.dumps(policy["Properties"]["PolicyDocument"])
    (alarm,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert alarm["Properties"]["AlarmActions"] == [
        f"arn:aws:sns:{prod.primary.region}:{prod.account}:{app}-prod-alerts-low"
    ]
    assert alarm["Properties"]["TreatMissingData"] == "notBreaching"


def test_smoke_alarm_does_not_wake_auto_healing(synthesized_pipeline):
    """Healing acts on alarms named {app}-{env}-* going into ALARM; the smoke alarm is outside that."""
    from moto.events.models import EventPattern

    env = synthesized_pipeline.config.environments["prod"]
    prefix = f"{env.app_name}-{env.name}-"  # AutoHealing's default alarm_name_prefix
    pattern = EventPattern.load(json.dumps(alarm_state_change_pattern(prefix, f"{prefix}web-")))

    def event(name: str) -> dict:
        return {
            "source": "aws.cloudwatch",
            "detail-type": "CloudWatch Alarm State Change",
            "resources": [f"arn:aws:cloudwatch:{env.primary.region}:{env.account}:alarm:{name}"],
            "detail": {"alarmName": name, "state": {"value": "ALARM"}, "configuration": {"metrics": []}},
        }

    assert pattern.matches_event(event(f"{prefix}db-cpu-high"))  # the pattern does match this env's alarms
    assert not pattern.matches_event(event(smoke_alarm_name(env)))


# -- gate and snapshot ----------------------------------------------------------------------------


def test_cdk_nag_passed_over_the_pipeline_its_support_stacks_and_every_stage(synthesized_pipeline):
    report_file = synthesized_pipeline.outdir / "validation-report.json"
    violations = []
    if report_file.exists():
        for plugin in json.loads(report_file.read_text())["pluginReports"]:
            if plugin["pluginName"] != CONSTRUCT_ANNOTATIONS_REPORT:  # warnings, asserted elsewhere
                violations += plugin.get("violations", [])
    assert violations == []
    manifest = json.loads((synthesized_pipeline.outdir / "manifest.json").read_text())
    support = [a for k, a in manifest["artifacts"].items() if k.startswith("cross-region-stack-")]
    tooling = synthesized_pipeline.delivery.account
    regions = {rc.region for env in synthesized_pipeline.config.environments.values() for rc in env.regions}
    deployed_elsewhere = sorted((regions | {"us-east-1"}) - {synthesized_pipeline.delivery.region})
    assert sorted(a["environment"] for a in support) == [f"aws://{tooling}/{r}" for r in deployed_elsewhere]


def test_pipeline_stack_matches_snapshot(synthesized_pipeline, snapshot):
    """Asset hashes masked (CdkTemplateSnapshotExtension); review the diff after an intended change."""
    template = synthesized_pipeline.template
    assert "<asset-hash>" in json.dumps(mask_template(template))  # the buildspecs name asset hashes
    assert template == snapshot.use_extension(CdkTemplateSnapshotExtension)


def test_each_placeholder_left_in_cdk_json_is_warned_about_at_synth(synthesized_pipeline):
    warned = sorted(w for w in _warnings(synthesized_pipeline.outdir) if "still holds the placeholder" in w)
    expected = placeholder_values(synthesized_pipeline.delivery)
    assert len(warned) == len(expected)
    assert all(key in warning for key, warning in zip(sorted(expected), warned, strict=True))


def _warnings(outdir: Path) -> list[str]:
    metadata = json.loads((outdir / "Delivery.metadata.json").read_text())
    return [
        str(e["data"]) for entries in metadata.values() for e in entries if e["type"] == "aws:cdk:warning"
    ]


def _as_the_cli_writes_it(template: dict) -> dict:
    """The CDK CLI adds a ``CDKMetadata`` resource that an in-process synth leaves out; cfn-lint 1.58
    recognises CDK templates by it and skips checks CDK's own output trips (Fn::Join ARNs in pipeline
    actions, reported as E3703). `make synth-pipeline` lints the CLI's output: lint the same here."""
    cdk_metadata = {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:"}}
    return {**template, "Resources": {**template["Resources"], "CDKMetadata": cdk_metadata}}


def test_pipeline_support_and_smoke_templates_are_cfn_lint_clean(synthesized_pipeline):
    """The new templates only (the environments' stacks are linted by the suite already)."""
    from constructs_lib.testing import cfn_lint_template

    outdir = synthesized_pipeline.outdir
    manifest = json.loads((outdir / "manifest.json").read_text())
    templates = {
        name: (
            json.loads((outdir / a["properties"]["templateFile"]).read_text()),
            a["environment"].split("/")[-1],
        )
        for name, a in manifest["artifacts"].items()
        if a["type"] == "aws:cloudformation:stack"
    }
    for rc in synthesized_pipeline.config.environments["prod"].regions:
        templates[f"Prod/{rc.label}-Smoke"] = (
            synthesized_pipeline.stage_template(f"Prod/{rc.label}-Smoke"),
            rc.region,
        )
    assert len(templates) == 5
    findings = {
        name: cfn_lint_template(_as_the_cli_writes_it(t), region=region)
        for name, (t, region) in templates.items()
    }
    assert findings == {name: [] for name in templates}
