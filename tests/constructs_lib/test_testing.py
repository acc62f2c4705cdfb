"""The testing kit consumer apps use: masked snapshots with side files, cdk-nag, cfn-lint over an assembly."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_stepfunctions as sfn

from constructs_lib.testing import (
    ASSET_HASH_PLACEHOLDER,
    CdkTemplateSnapshotExtension,
    NagFinding,
    assert_cfn_lint_clean,
    assert_no_nag_findings,
    cfn_lint_assembly,
    join_template,
    mask_template,
    nag_findings,
    resource_type_counts,
    split_template,
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


# Side files: the long strings of a template as readable files next to its snapshot.


def _template_with_long_strings() -> dict:
    dashboard_body = [
        '{"widgets":[{"type":"metric","properties":{"region":"',
        {"Ref": "AWS::Region"},
        '","alarms":["',
        {"Fn::GetAtt": ["CpuAlarm1A2B3C4D", "Arn"]},
        '"],"loadBalancer":"',
        {"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::ImportValue": "Web:LoadBalancer"}]}]},
        '"}}]}',
    ]
    recovery = {
        "schemaVersion": "0.3",
        "description": "Recovery:\nrestart, then check.",
        "mainSteps": [
            {
                "name": "Check",
                "action": "aws:executeScript",
                "inputs": {
                    "Runtime": "python3.11",
                    "Handler": "check",
                    "Script": "def check(e, c):\n    return {}\n",
                },
            },
            {
                "name": "Restart",
                "action": "aws:runCommand",
                "inputs": {
                    "DocumentName": "AWS-RunShellScript",
                    "Parameters": {"commands": ["systemctl restart web", "curl -fsS localhost/health"]},
                },
            },
        ],
    }
    return {
        "Resources": {
            "Dashboard9A2B3C4D": {
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {"DashboardBody": {"Fn::Join": ["", dashboard_body]}},
            },
            "Recovery0A1B2C3D": {"Type": "AWS::SSM::Document", "Properties": {"Content": recovery}},
            "WebLaunchTemplate11223344": {
                "Type": "AWS::EC2::LaunchTemplate",
                "Properties": {
                    "LaunchTemplateData": {"UserData": {"Fn::Base64": "#!/bin/bash\necho ${HOME}\n"}}
                },
            },
        }
    }


def test_split_template_moves_long_strings_into_readable_side_files():
    split = split_template(_template_with_long_strings())
    assert sorted(split.side_files) == [
        "Dashboard.dashboard.json",
        "Recovery.Check.py",
        "Recovery.Restart.sh",
        "Recovery.document.yaml",
        "WebLaunchTemplate.user-data.sh",
    ]
    resources = split.template["Resources"]
    assert (
        resources["Dashboard9A2B3C4D"]["Properties"]["DashboardBody"]
        == "<side file: Dashboard.dashboard.json>"
    )
    assert resources["Recovery0A1B2C3D"]["Properties"]["Content"] == "<side file: Recovery.document.yaml>"
    assert json.loads(split.side_files["Dashboard.dashboard.json"]) == {
        "widgets": [
            {
                "type": "metric",
                "properties": {
                    "region": "${Ref AWS::Region}",
                    "alarms": ["${GetAtt CpuAlarm1A2B3C4D.Arn}"],
                    "loadBalancer": "${Fn::Select [1, ${Fn::Split ['/', ${ImportValue Web:LoadBalancer}]}]}",
                },
            }
        ]
    }
    assert split.side_files["Dashboard.dashboard.json"].startswith('{\n  "widgets": [\n')
    assert split.side_files["Recovery.Check.py"] == "def check(e, c):\n    return {}\n"
    assert split.side_files["Recovery.Restart.sh"] == "systemctl restart web\ncurl -fsS localhost/health\n"
    assert split.side_files["WebLaunchTemplate.user-data.sh"] == "#!/bin/bash\necho ${HOME}\n"
    document = split.side_files["Recovery.document.yaml"]
    assert "description: |-\n  Recovery:\n  restart, then check.\n" in document
    assert "Script: '<side file: Recovery.Check.py>'" in document
    assert "commands: '<side file: Recovery.Restart.sh>'" in document


def test_join_template_restores_the_split_template_exactly():
    template = _template_with_long_strings()
    split = split_template(template)
    assert join_template(split.template, split.side_files) == template


def test_values_without_an_exact_text_form_stay_inline():
    template = {
        "Resources": {
            "Joined": {  # a delimiter other than "" has no text form
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {"DashboardBody": {"Fn::Join": [",", ["a", {"Ref": "X"}]]}},
            },
            "NotJson": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"DefinitionString": "{oops"},
            },
            "Looks": {  # its text already reads like a token
                "Type": "AWS::EC2::Instance",
                "Properties": {"UserData": {"Fn::Base64": "echo ${Ref X}"}},
            },
            "Doc": {
                "Type": "AWS::SSM::Document",
                "Properties": {
                    "Content": {
                        "mainSteps": [
                            {
                                "name": "Run",
                                "action": "aws:runShellScript",
                                "inputs": {"runCommand": ["a\nb"]},
                            }
                        ]
                    }
                },
            },
        }
    }
    split = split_template(template)
    assert list(split.side_files) == ["Doc.document.yaml"]  # its multi-line command stays in the document
    assert split.template["Resources"]["NotJson"] == template["Resources"]["NotJson"]
    assert join_template(split.template, split.side_files) == template


def test_fails_when_a_side_file_is_missing_and_names_it():
    split = split_template(_template_with_long_strings())
    del split.side_files["Recovery.Check.py"]
    with pytest.raises(ValueError, match=r"'Recovery\.Check\.py' is missing"):
        join_template(split.template, split.side_files)


def test_fails_when_a_template_string_reads_like_a_side_file_placeholder():
    template = {
        "Resources": {
            "Board": {
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {"DashboardBody": "<side file: x.json>"},
            }
        }
    }
    with pytest.raises(ValueError, match=r"reads like '<side file: \.\.\.>'"):
        split_template(template)


def test_split_and_join_a_synthesized_dashboard_state_machine_and_document(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Ops", env=cdk.Environment(account="111111111111", region="ap-northeast-3"))
    alarm = cloudwatch.Alarm(
        stack,
        "Cpu",
        metric=cloudwatch.Metric(namespace="AWS/EC2", metric_name="CPUUtilization"),
        threshold=80,
        evaluation_periods=1,
    )
    board = cloudwatch.Dashboard(stack, "Board")
    board.add_widgets(cloudwatch.AlarmStatusWidget(alarms=[alarm]), cloudwatch.AlarmWidget(alarm=alarm))
    sfn.StateMachine(
        stack,
        "Flow",
        definition_body=sfn.DefinitionBody.from_chainable(
            sfn.Wait(stack, "Pause", time=sfn.WaitTime.duration(cdk.Duration.seconds(5))).next(
                sfn.Pass(stack, "Done", parameters={"topic": stack.region})
            )
        ),
    )
    ssm.CfnDocument(
        stack,
        "Runbook",
        document_type="Automation",
        content={
            "schemaVersion": "0.3",
            "mainSteps": [
                {
                    "name": "Hello",
                    "action": "aws:executeScript",
                    "inputs": {"Runtime": "python3.11", "Handler": "h", "Script": f"# {alarm.alarm_arn}\n"},
                }
            ],
        },
    )
    template = cdk.assertions.Template.from_stack(stack).to_json()
    split = split_template(template)
    assert {name.split(".", 1)[1] for name in split.side_files} == {
        "dashboard.json",
        "definition.json",
        "document.yaml",
        "Hello.py",
    }
    assert "${GetAtt Cpu" in next(
        text for name, text in split.side_files.items() if name.endswith("Hello.py")
    )
    assert join_template(split.template, split.side_files) == template


def test_resource_type_counts_sums_up_a_template():
    template = {
        "Resources": {"A": {"Type": "AWS::SNS::Topic"}, "B": {"Type": "AWS::SNS::Topic"}, "C": {"Type": "X"}}
    }
    assert resource_type_counts(template) == {"AWS::SNS::Topic": 2, "X": 1}


_SNAPSHOT_TEST = """
import json
from pathlib import Path

from constructs_lib.testing import assert_template_matches_snapshot


def test_stack(snapshot):
    assert_template_matches_snapshot(json.loads(Path("template.json").read_text()), snapshot)
"""


def test_template_snapshot_files_are_written_compared_with_a_diff_and_pruned(pytester, monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # the inner run is no xdist worker
    pytester.makeini("[pytest]\nnorecursedirs = __snapshots__\n")  # side files include test_*.py names
    pytester.makepyfile(test_stack=_SNAPSHOT_TEST)
    template_file = pytester.path / "template.json"
    template = _template_with_long_strings()
    template_file.write_text(json.dumps(template))
    snapshots = pytester.path / "__snapshots__" / "test_stack"

    written = pytester.runpytest("--snapshot-update")
    written.assert_outcomes(passed=1)
    written.stdout.no_fnmatch_line("*Can not relate*")  # syrupy relates each file to its test
    assert sorted(p.name for p in snapshots.iterdir()) == [
        "test_stack.json",
        "test_stack[Dashboard.dashboard].json",
        "test_stack[Recovery.Check].py",
        "test_stack[Recovery.Restart].sh",
        "test_stack[Recovery.document].yaml",
        "test_stack[WebLaunchTemplate.user-data].sh",
    ]
    assert (snapshots / "test_stack[Recovery.Check].py").read_text() == "def check(e, c):\n    return {}\n"
    pytester.runpytest().assert_outcomes(passed=1)

    script = template["Resources"]["Recovery0A1B2C3D"]["Properties"]["Content"]["mainSteps"][0]["inputs"]
    script["Script"] = "def check(e, c):\n    return {'ok': True}\n"
    template_file.write_text(json.dumps(template))
    failed = pytester.runpytest()
    failed.assert_outcomes(failed=1)
    failed.stdout.fnmatch_lines(
        [
            "*1 of 6 snapshot files differ*",
            "*--- Recovery.Check.py (snapshot)",
            "*+++ synthesized",
            "*-    return {}",
            "*+    return {'ok': True}",
        ]
    )
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=1)
    assert "'ok': True" in (snapshots / "test_stack[Recovery.Check].py").read_text()

    del template["Resources"]["Recovery0A1B2C3D"]
    template_file.write_text(json.dumps(template))
    assert pytester.runpytest().ret != 0  # the document and its scripts are unused snapshot files now
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=1)
    assert not any("Recovery" in p.name for p in snapshots.iterdir())


def test_mask_template_masks_cdk_assets_destination_ids_in_pipeline_buildspecs():
    command = f'cdk-assets publish "{HASH}:111111111111-ap-northeast-3-a20999ce"'
    template = {"Resources": {"P": {"Type": "AWS::CodeBuild::Project", "Properties": {"BuildSpec": command}}}}
    masked = mask_template(template)["Resources"]["P"]["Properties"]["BuildSpec"]
    assert masked == 'cdk-assets publish "<asset-hash>:111111111111-ap-northeast-3-<destination>"'


def test_construct_annotations_in_the_validation_report_are_not_nag_findings(tmp_path):
    # A `cdk init` app sets @aws-cdk/core:annotationsInValidationReport: warnings join the report.
    app = cdk.App(
        outdir=str(tmp_path / "cdk.out"), context={"@aws-cdk/core:annotationsInValidationReport": True}
    )
    stack = cdk.Stack(app, "Queues", env=cdk.Environment(account="111111111111", region="ap-northeast-1"))
    dead_letters = sqs.Queue(stack, "Dlq", enforce_ssl=True)
    queue = sqs.Queue(
        stack,
        "Queue",
        enforce_ssl=True,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=3),
    )
    cdk.Annotations.of(queue).add_warning_v2("example:warning", "a warning the app means")
    assert nag_findings(app) == []
