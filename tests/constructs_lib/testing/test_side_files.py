"""Side files: the long strings of a template as readable files next to its snapshot."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_stepfunctions as sfn

from constructs_lib.testing import join_template, split_template
from tests.constructs_lib.testing.templates import template_with_long_strings


def test_split_template_moves_long_strings_into_readable_side_files():
    split = split_template(template_with_long_strings())
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
    template = template_with_long_strings()
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
    split = split_template(template_with_long_strings())
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
