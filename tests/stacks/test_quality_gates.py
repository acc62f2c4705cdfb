"""cdk-nag and cfn-lint over the whole app: zero unacknowledged findings, zero lint problems."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest

from constructs_lib.nag import acknowledge
from scripts.validation_report import failures
from tests.conftest import ROOT


def test_cdk_nag_found_nothing_unacknowledged(synthesized_app):
    # The synth in the fixture raises ValidationFailed on any finding; the report must be clean too.
    report = json.loads((synthesized_app.outdir / "validation-report.json").read_text())
    assert failures(report) == {}


def test_the_app_fails_its_synth_on_a_cdk_nag_finding(tmp_path):
    """Negative control: the nag gate of build_app really bites (an unencrypted, non-TLS queue)."""
    from aws_cdk import aws_sqs as sqs

    from stacks.application import build_app, project_context

    context = {**project_context(ROOT), "env": "dev"}
    app, _, stages = build_app(context, outdir=str(tmp_path), builtin_validation=False)
    sqs.Queue(
        stages[0].compute["ap-northeast-1"], "CarelessQueue", encryption=sqs.QueueEncryption.UNENCRYPTED
    )
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    found = failures(json.loads((tmp_path / "validation-report.json").read_text()))
    assert any("AwsSolutions-SQS" in rule for rule in found), found


def test_fails_when_an_acknowledgement_has_no_specific_reason():
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ValueError, match="needs a specific reason"):
        acknowledge(stack, "AwsSolutions-IAM5", "needed")


def test_acknowledgements_use_the_validations_api_not_cfn_metadata():
    sources = [*ROOT.glob("constructs_lib/**/*.py"), *ROOT.glob("stacks/*.py")]
    offenders = [p.name for p in sources if "NagSuppressions" in p.read_text()]
    assert offenders == [], "acknowledge findings with constructs_lib.nag.acknowledge and a reason"


def test_cfn_lint_finds_nothing_in_any_template(synthesized_app):
    templates = sorted(str(p) for p in Path(synthesized_app.outdir).glob("assembly-*/*.template.json"))
    assert len(templates) == len(synthesized_app.templates)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--config-file",
            str(ROOT / ".cfnlintrc.yaml"),
            "--",
            *templates,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
