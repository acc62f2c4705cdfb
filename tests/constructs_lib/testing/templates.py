"""Templates the testing kit's tests share: one with an asset, one with long embedded strings."""

from __future__ import annotations

HASH = "0123456789abcdef" * 4


def template_with_asset() -> dict:
    return {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"S3Key": f"{HASH}.zip"}, "Runtime": "python3.11"},
                "Metadata": {"aws:asset:path": "/home/someone/cdk.out/asset.x", "aws:cdk:path": "S/Fn"},
            }
        }
    }


def template_with_long_strings() -> dict:
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
