"""The testing kit consumer apps use: masked snapshots, cdk-nag findings, cfn-lint over an assembly."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from constructs_lib.testing import (
    ASSET_HASH_PLACEHOLDER,
    CdkTemplateSnapshotExtension,
    NagFinding,
    assert_cfn_lint_clean,
    assert_no_nag_findings,
    cfn_lint_assembly,
    mask_template,
    nag_findings,
)

HASH = "0123456789abcdef" * 4


def _template_with_asset() -> dict:
    return {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"S3Key": f"{HASH}.zip"}, "Runtime": "python3.11"},
                "Metadata": {"aws:asset:path": "/home/someone/cdk.out/asset.x", "aws:cdk:path": "S/Fn"},
            }
        }
    }


def _unencrypted_topic_app(tmp_path, *, acknowledged: bool = False, in_stage: bool = False) -> cdk.App:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    scope = cdk.Stage(app, "Prod") if in_stage else app
    stack = cdk.Stack(scope, "Alerts", env=cdk.Environment(account="111111111111", region="ap-northeast-1"))
    topic = sns.Topic(stack, "Topic", master_key=None)
    if acknowledged:
        cdk.Validations.of(topic).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SNS3", reason="publishers are AWS services inside the account"
            )
        )
    return app


def test_mask_template_replaces_asset_hashes_and_asset_paths_only():
    masked = mask_template(_template_with_asset())
    fn = masked["Resources"]["Fn"]
    assert fn["Properties"]["Code"]["S3Key"] == f"{ASSET_HASH_PLACEHOLDER}.zip"
    assert fn["Metadata"]["aws:asset:path"] == "<asset-path>"
    assert fn["Metadata"]["aws:cdk:path"] == "S/Fn"
    assert fn["Properties"]["Runtime"] == "python3.11"


def test_mask_template_leaves_shorter_and_longer_hex_runs_alone():
    template = {"Resources": {"A": {"Type": "X", "Properties": {"Short": "ab" * 31, "Long": "ab" * 33}}}}
    assert mask_template(template) == template


def test_snapshot_extension_serializes_a_masked_template():
    serialized = CdkTemplateSnapshotExtension().serialize(_template_with_asset())
    assert HASH not in serialized
    assert json.loads(serialized)["Resources"]["Fn"]["Properties"]["Code"]["S3Key"] == "<asset-hash>.zip"


def test_snapshot_extension_with_a_real_stack(tmp_path, snapshot):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Fn", env=cdk.Environment(account="111111111111", region="ap-northeast-3"))
    code = tmp_path / "code"
    code.mkdir()
    (code / "index.py").write_text("def handler(event, context):\n    return None\n")
    lambda_.Function(
        stack,
        "Handler",
        runtime=lambda_.Runtime.PYTHON_3_11,
        handler="index.handler",
        code=lambda_.Code.from_asset(str(code)),
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    assert ASSET_HASH_PLACEHOLDER in CdkTemplateSnapshotExtension().serialize(template)
    assert template == snapshot.use_extension(CdkTemplateSnapshotExtension)


def test_nag_findings_lists_each_finding_with_its_construct_path(tmp_path):
    findings = nag_findings(_unencrypted_topic_app(tmp_path))
    assert (
        NagFinding(
            rule="AwsSolutions-SNS3",
            severity="error",
            construct_path="Alerts/Topic/Resource",
            description="The SNS Topic does not require publishers to use SSL.",
        )
        in findings
    )


def test_nag_findings_reach_stacks_inside_a_stage(tmp_path):
    findings = nag_findings(_unencrypted_topic_app(tmp_path, in_stage=True))
    assert [f.construct_path for f in findings if f.rule == "AwsSolutions-SNS3"] == [
        "Prod/Alerts/Topic/Resource"
    ]


def test_acknowledged_findings_are_not_reported(tmp_path):
    assert nag_findings(_unencrypted_topic_app(tmp_path, acknowledged=True)) == []
    assert_no_nag_findings(_unencrypted_topic_app(tmp_path / "again", acknowledged=True))


def test_fails_when_a_finding_is_unacknowledged_and_names_rule_and_path(tmp_path):
    with pytest.raises(AssertionError) as raised:
        assert_no_nag_findings(_unencrypted_topic_app(tmp_path))
    assert "AwsSolutions-SNS3 (error) at Alerts/Topic/Resource" in str(raised.value)
    assert "acknowledge" in str(raised.value)


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
