"""cfn-lint over every stack of an assembly, nested stages included, each in its own region."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs

from constructs_lib.testing import assert_cfn_lint_clean, cfn_lint_assembly


def _queue_assembly(tmp_path, *, retention_seconds: int):
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stage = cdk.Stage(app, "Dev")
    stack = cdk.Stack(stage, "Queues", env=cdk.Environment(account="111111111111", region="ap-northeast-3"))
    queue = sqs.Queue(stack, "Queue", enforce_ssl=True)
    queue.node.default_child.add_property_override("MessageRetentionPeriod", retention_seconds)
    return app.synth().directory


def test_cfn_lint_assembly_lints_every_stack_of_nested_stages(tmp_path):
    results = cfn_lint_assembly(_queue_assembly(tmp_path, retention_seconds=345600))
    assert results == {"Dev/Queues": []}
    assert_cfn_lint_clean(_queue_assembly(tmp_path / "again", retention_seconds=345600))


def test_fails_when_cfn_lint_finds_something_and_names_the_stack(tmp_path):
    # SQS keeps messages for at most 14 days (1,209,600 s): cfn-lint's schema knows the maximum.
    assembly = _queue_assembly(tmp_path, retention_seconds=99_999_999)
    findings = cfn_lint_assembly(assembly)["Dev/Queues"]
    assert any("MessageRetentionPeriod" in finding for finding in findings), findings
    with pytest.raises(AssertionError, match=r"Dev/Queues"):
        assert_cfn_lint_clean(assembly)
