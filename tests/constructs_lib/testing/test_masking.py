"""Snapshot masking: asset hashes and asset paths replaced, the rest of a template kept."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from constructs_lib.testing import ASSET_HASH_PLACEHOLDER, CdkTemplateSnapshotExtension, mask_template
from tests.constructs_lib.testing.templates import HASH, template_with_asset


def test_mask_template_replaces_asset_hashes_and_asset_paths_only():
    masked = mask_template(template_with_asset())
    fn = masked["Resources"]["Fn"]
    assert fn["Properties"]["Code"]["S3Key"] == f"{ASSET_HASH_PLACEHOLDER}.zip"
    assert fn["Metadata"]["aws:asset:path"] == "<asset-path>"
    assert fn["Metadata"]["aws:cdk:path"] == "S/Fn"
    assert fn["Properties"]["Runtime"] == "python3.11"


def test_mask_template_leaves_shorter_and_longer_hex_runs_alone():
    template = {"Resources": {"A": {"Type": "X", "Properties": {"Short": "ab" * 31, "Long": "ab" * 33}}}}
    assert mask_template(template) == template


def test_snapshot_extension_serializes_a_masked_template():
    serialized = CdkTemplateSnapshotExtension().serialize(template_with_asset())
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


def test_mask_template_masks_cdk_assets_destination_ids_in_pipeline_buildspecs():
    command = f'cdk-assets publish "{HASH}:111111111111-ap-northeast-3-a20999ce"'
    template = {"Resources": {"P": {"Type": "AWS::CodeBuild::Project", "Properties": {"BuildSpec": command}}}}
    masked = mask_template(template)["Resources"]["P"]["Properties"]["BuildSpec"]
    assert masked == 'cdk-assets publish "<asset-hash>:111111111111-ap-northeast-3-<destination>"'
