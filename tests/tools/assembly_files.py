"""Mini cloud assemblies written as ``cdk synth`` lays them out, for the reader's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCOUNT = "111111111111"
TOKYO = "ap-northeast-1"
OSAKA = "ap-northeast-3"

COMPUTE = {
    "Resources": {
        "WebAsg": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {"MinSize": "2"}},
        "WebTg": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {"Port": 80}},
    },
    "Outputs": {
        "ExportsOutputRefWebAsg": {
            "Value": {"Ref": "WebAsg"},
            "Export": {"Name": "Prod-Tokyo-Compute:ExportsOutputRefWebAsg"},
        },
        "NotExported": {"Value": "x"},
    },
}
MONITORING = {
    "Resources": {
        "Mem": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Dimensions": [
                    {
                        "Name": "AutoScalingGroupName",
                        "Value": {"Fn::ImportValue": "Prod-Tokyo-Compute:ExportsOutputRefWebAsg"},
                    }
                ]
            },
        }
    }
}
OSAKA_COMPUTE = {"Resources": {"WebAsg": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {}}}}


def _stack_artifact(
    stage: str, name: str, region: str, *, dependencies: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "type": "aws:cloudformation:stack",
        "environment": f"aws://{ACCOUNT}/{region}",
        "properties": {
            "templateFile": f"{stage}{name.replace('-', '')}.template.json",
            "stackName": f"{stage}-{name}",
            "tags": {"Environment": stage.lower()},
        },
        "dependencies": [*dependencies, f"{stage}{name.replace('-', '')}.assets"],
        "displayName": f"{stage}/{name}",
    }


def write_stage(
    root: Path, stage: str, stacks: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]]
) -> None:
    """A stage ``assembly-<stage>/`` as ``cdk synth`` writes it.

    ``stacks`` is ``{"Tokyo-Compute": (region, template, dependencies)}``, dependencies named like the
    stacks of the same stage; each stack gets its asset manifest artifact, as CDK writes them.
    """
    directory = root / f"assembly-{stage}"
    directory.mkdir(parents=True)
    artifacts: dict[str, Any] = {}
    for name, (region, template, dependencies) in stacks.items():
        artifact_id = f"{stage}{name.replace('-', '')}"
        (directory / f"{artifact_id}.template.json").write_text(json.dumps(template))
        artifacts[f"{artifact_id}.assets"] = {
            "type": "cdk:asset-manifest",
            "properties": {"file": f"{artifact_id}.assets.json"},
        }
        (directory / f"{artifact_id}.assets.json").write_text(json.dumps({"version": "55.0.0", "files": {}}))
        ids = tuple(f"{stage}{d.replace('-', '')}" for d in dependencies)
        artifacts[artifact_id] = _stack_artifact(stage, name, region, dependencies=ids)
    (directory / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))


def write_top(root: Path, *stages: str, extra: dict[str, Any] | None = None) -> None:
    artifacts: dict[str, Any] = {"Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}
    for stage in stages:
        artifacts[f"assembly-{stage}"] = {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": f"assembly-{stage}", "displayName": stage},
        }
    artifacts.update(extra or {})
    (root / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))


def write_example(root: Path) -> Path:
    """Prod (Tokyo Network <- Compute <- Monitoring, Osaka Compute) and Dev (Tokyo Network) in ``root``."""
    write_stage(
        root,
        "Prod",
        {
            "Tokyo-Network": (TOKYO, {"Resources": {}}, ()),
            "Tokyo-Compute": (TOKYO, COMPUTE, ("Tokyo-Network",)),
            "Tokyo-Monitoring": (TOKYO, MONITORING, ("Tokyo-Compute",)),
            "Osaka-Compute": (OSAKA, OSAKA_COMPUTE, ()),
        },
    )
    write_stage(root, "Dev", {"Tokyo-Network": (TOKYO, {"Resources": {}}, ())})
    write_top(root, "Prod", "Dev")
    return root
