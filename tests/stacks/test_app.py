"""The assembled app: stages, stack names, environments, tags, outputs, removal policies."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from stacks.application import build_app, project_context
from tests.conftest import ROOT
from tests.stacks.stack_names import all_stack_paths


def _resources(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_one_stage_per_environment_with_stacks_named_by_region_and_layer(synthesized_app):
    stages = {path.split("/")[0] for path in synthesized_app.templates}
    assert stages == {"Dev", "Stg", "Prod"}
    assert {p for p in synthesized_app.templates if p.startswith("Prod/")} >= {
        "Prod/Tokyo-Network",
        "Prod/Tokyo-Compute",
        "Prod/Osaka-Network",
        "Prod/Osaka-Compute",
    }
    stack = synthesized_app.stacks["Prod/Osaka-Compute"]
    assert stack.stack_name == "Prod-Osaka-Compute"
    assert stack.region == "ap-northeast-3" and stack.account == "333333333333"


def test_no_context_lookups_are_needed(synthesized_app):
    for manifest in synthesized_app.outdir.glob("**/manifest.json"):
        assert "missing" not in json.loads(manifest.read_text()), manifest


def test_every_taggable_resource_carries_application_and_environment(synthesized_app):
    for path, template in synthesized_app.templates.items():
        env = path.split("/")[0].lower()
        for kind in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::AutoScaling::AutoScalingGroup"):
            for r in _resources(template, kind):
                tags = {t["Key"]: t["Value"] for t in r["Properties"]["Tags"]}
                assert tags["Application"] == "webapp" and tags["Environment"] == env, (path, kind)
        for asg in _resources(template, "AWS::AutoScaling::AutoScalingGroup"):
            assert all(t["PropagateAtLaunch"] for t in asg["Properties"]["Tags"]), path


def test_compute_stacks_output_alb_dns_asg_name_and_target_group(synthesized_app):
    for path, template in synthesized_app.templates.items():
        if path.endswith("-Compute"):
            assert {"LoadBalancerDnsName", "AutoScalingGroupName", "TargetGroupArn"} <= set(
                template["Outputs"]
            )


def test_prod_retains_logs_and_data_while_dev_tears_down(synthesized_app):
    prod = synthesized_app.template("Prod/Tokyo-Network")
    dev = synthesized_app.template("Dev/Tokyo-Network")
    assert {r["DeletionPolicy"] for r in _resources(prod, "AWS::Logs::LogGroup")} == {"Retain"}
    assert {r["DeletionPolicy"] for r in _resources(dev, "AWS::Logs::LogGroup")} == {"Delete"}
    assert synthesized_app.stacks["Prod/Tokyo-Compute"].termination_protection is True
    assert synthesized_app.stacks["Dev/Tokyo-Compute"].termination_protection is False


def test_standby_region_capacity_follows_the_dr_strategy(synthesized_app):
    def asg(path):
        (group,) = _resources(synthesized_app.template(path), "AWS::AutoScaling::AutoScalingGroup")
        return group["Properties"]

    assert asg("Prod/Tokyo-Compute")["MinSize"] == "3"
    assert asg("Prod/Osaka-Compute")["MinSize"] == "1"  # warm standby
    assert asg("Stg/Osaka-Compute")["MinSize"] == "0"  # pilot light
    assert asg("Dev/Osaka-Compute")["MinSize"] == "0"  # backup & restore
    for path in synthesized_app.templates:
        if path.endswith("-Compute"):
            assert "DesiredCapacity" not in asg(path), path


def test_every_region_has_the_pause_switch_and_only_scheduled_envs_set_it(synthesized_app):
    for path, template in synthesized_app.templates.items():
        if path.endswith("-Compute"):
            env = path.split("/")[0].lower()
            (param,) = _resources(template, "AWS::SSM::Parameter")
            assert param["Properties"]["Name"] == f"/webapp/{env}/pause"
    assert len(_resources(synthesized_app.template("Dev/Tokyo-Compute"), "AWS::Scheduler::Schedule")) == 2
    assert _resources(synthesized_app.template("Dev/Osaka-Compute"), "AWS::Scheduler::Schedule") == []
    assert _resources(synthesized_app.template("Prod/Tokyo-Compute"), "AWS::Scheduler::Schedule") == []


def test_selecting_one_environment_synthesizes_only_it(tmp_path):
    _, _, stages = build_app(
        {**project_context(ROOT), "env": "stg"}, outdir=str(tmp_path), nag=False, builtin_validation=False
    )
    assert [s.stage_name for s in stages] == ["Stg"]


@pytest.mark.slow
def test_the_cdk_cli_synthesizes_offline_like_python_app_py(tmp_path):
    """The pinned CLI (package-lock.json), as `make synth` runs it, works without credentials."""
    cdk_cli = ROOT / "node_modules" / ".bin" / "cdk"
    assert cdk_cli.exists(), "run `make setup` (npm ci) first"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = f"{os.path.dirname(sys.executable)}:{env['PATH']}"
    out = tmp_path / "cli.out"
    result = subprocess.run(
        [str(cdk_cli), "synth", "--quiet", "-c", "env=dev", "-o", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    templates = sorted(p.name for p in out.glob("assembly-Dev/*.template.json"))
    assert len(templates) == len([p for p in all_stack_paths() if p.startswith("Dev/")]), templates
