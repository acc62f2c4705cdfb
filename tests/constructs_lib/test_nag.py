"""The public cdk-nag helper: rule packs reach stacks inside a Stage, and cdk-nag stays optional."""

from __future__ import annotations

import json
import subprocess
import sys

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs

from constructs_lib.nag import NAG_EXTRA, acknowledge, add_aws_solutions_checks, apply_nag
from tests.conftest import ROOT


def stage_with_queue(app: cdk.App, *, careless: bool) -> cdk.Stack:
    """A Stage holding one stack with a queue: unencrypted and without TLS when ``careless``."""
    stack = cdk.Stack(cdk.Stage(app, "Prod"), "Queues")
    if careless:
        sqs.Queue(stack, "Queue", encryption=sqs.QueueEncryption.UNENCRYPTED)
    else:
        dead_letters = sqs.Queue(
            stack, "DeadLetters", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True
        )
        sqs.Queue(
            stack,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=3),
        )
    return stack


def new_app(tmp_path) -> cdk.App:
    return cdk.App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)


def findings(tmp_path) -> list[str]:
    report = json.loads((tmp_path / "validation-report.json").read_text())
    return sorted(v["ruleName"] for plugin in report["pluginReports"] for v in plugin["violations"])


def test_a_violation_inside_a_stage_fails_the_synth(tmp_path):
    app = new_app(tmp_path)
    apply_nag(app)
    stage_with_queue(app, careless=True)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    assert findings(tmp_path) == ["AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"]


def test_the_same_stage_without_the_violation_synthesizes(tmp_path):
    app = new_app(tmp_path)
    apply_nag(app)
    stage_with_queue(app, careless=False)
    app.synth()
    assert len(list(tmp_path.glob("assembly-Prod/*.template.json"))) == 1
    report = tmp_path / "validation-report.json"
    assert not report.exists() or findings(tmp_path) == []


def test_an_acknowledged_finding_does_not_fail_the_synth(tmp_path):
    app = new_app(tmp_path)
    add_aws_solutions_checks(app)
    stack = stage_with_queue(app, careless=True)
    for rule in ("AwsSolutions-SQS2", "AwsSolutions-SQS3", "AwsSolutions-SQS4"):
        acknowledge(stack, rule, "a scratch queue of this test: nothing sensitive passes through it")
    app.synth()


def test_several_packs_are_registered_once_each(tmp_path):
    plugins = apply_nag(new_app(tmp_path), packs=("AwsSolutions", "Serverless", "AwsSolutions"))
    assert [type(p).__name__ for p in plugins] == ["AwsSolutionsChecks", "ServerlessChecks"]


def test_fails_when_a_pack_is_unknown(tmp_path):
    with pytest.raises(
        ValueError, match=r"packs \(\['AwsSolution'\]\) must name one or more of AwsSolutions"
    ):
        apply_nag(new_app(tmp_path), packs=["AwsSolution"])


def test_fails_when_the_scope_is_not_a_stage(tmp_path):
    stack = cdk.Stack(new_app(tmp_path), "Queues")
    with pytest.raises(ValueError, match=r"apply_nag needs the app or a cdk.Stage, got 'Queues' \(Stack\)"):
        apply_nag(stack)


def test_fails_naming_the_extra_when_cdk_nag_is_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "cdk_nag", None)  # what the import system does for a missing module
    with pytest.raises(ImportError) as raised:
        apply_nag(new_app(tmp_path))
    assert NAG_EXTRA in str(raised.value)
    assert 'pip install "self-healing-web[nag]"' in str(raised.value)
    assert raised.value.name == "cdk_nag"


def test_the_library_imports_without_cdk_nag():
    code = (
        "import sys, pkgutil, importlib\n"
        "sys.modules['cdk_nag'] = None\n"  # any `import cdk_nag` now raises ImportError
        "import constructs_lib\n"
        # Handler code (constructs_lib._handlers) runs with its own folder as the Lambda root: not here.
        "names = [m.name for m in pkgutil.walk_packages(constructs_lib.__path__, 'constructs_lib.')\n"
        "         if not m.name.startswith('constructs_lib._handlers')]\n"
        "for name in names: importlib.import_module(name)\n"
        "from constructs_lib.nag import acknowledge\n"
        "print(len(names))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.strip().splitlines()[-1]) > 10
