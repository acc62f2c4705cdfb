"""The budget's view of a cloud assembly: every stage sorted, its templates read, imports resolved.

The reader itself is tested in tests/tools/test_cloud_assembly.py.
"""

from __future__ import annotations

import json

import pytest
from budget_templates import OSAKA, TOKYO, alarm, write_assembly

from tools.cloud_assembly import AssemblyError, Attr, ResourceId
from tools.recovery_budget.assembly import load_assembly
from tools.recovery_budget.inventory import SIGNAL_MEMORY, build_inventory

COMPUTE = {
    "Resources": {
        "WebAsg": {
            "Type": "AWS::AutoScaling::AutoScalingGroup",
            "Properties": {"MinSize": "2", "MaxSize": "4", "HealthCheckType": "ELB"},
        }
    },
    "Outputs": {
        "ExportsOutputRefWebAsg": {
            "Value": {"Ref": "WebAsg"},
            "Export": {"Name": "Prod-Tokyo-Compute:ExportsOutputRefWebAsg"},
        }
    },
}
MONITORING = {
    "Resources": alarm(
        "Mem",
        name="webapp-prod-web-memory-medium",
        metric="mem_used_percent",
        namespace="CWAgent",
        dimensions={"AutoScalingGroupName": {"Fn::ImportValue": "Prod-Tokyo-Compute:ExportsOutputRefWebAsg"}},
    )
}


@pytest.fixture
def assembly_dir(tmp_path):
    return write_assembly(
        tmp_path / "cdk.out",
        {
            "Prod": {
                "Tokyo-Compute": (TOKYO, COMPUTE),
                "Tokyo-Monitoring": (TOKYO, MONITORING),
                "Osaka-Compute": (OSAKA, {"Resources": {}}),
            },
            "Dev": {"Tokyo-Compute": (TOKYO, {"Resources": {}})},
        },
    )


def test_stages_are_the_nested_assemblies_and_regions_come_from_the_manifest(assembly_dir):
    assembly = load_assembly(assembly_dir)

    assert [stage.name for stage in assembly.stages] == ["Dev", "Prod"]
    prod = assembly.stage("prod")
    assert prod.env == "prod"
    assert [stack.name for stack in prod.stacks] == [
        "Prod/Osaka-Compute",
        "Prod/Tokyo-Compute",
        "Prod/Tokyo-Monitoring",
    ]
    assert prod.regions == [TOKYO, OSAKA]
    assert prod.stack("Prod/Tokyo-Compute").account == "111111111111"


def test_import_value_resolves_to_the_exporting_stacks_resource(assembly_dir):
    prod = load_assembly(assembly_dir).stage("Prod")
    inv = build_inventory(prod)

    dimension = inv.alarms[0].dimensions["AutoScalingGroupName"]
    assert dimension == Attr(ResourceId("Prod/Tokyo-Compute", "WebAsg"))
    assert inv.alarms_on_group(inv.groups[0], SIGNAL_MEMORY) == [inv.alarms[0]]


def test_top_level_stacks_outside_a_stage_are_ignored(assembly_dir):
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    manifest["artifacts"]["Loose"] = {
        "type": "aws:cloudformation:stack",
        "environment": "aws://111111111111/ap-northeast-1",
        "properties": {"templateFile": "Loose.template.json"},
    }
    (assembly_dir / "manifest.json").write_text(json.dumps(manifest))

    assert [stage.name for stage in load_assembly(assembly_dir).stages] == ["Dev", "Prod"]


def test_fails_when_the_assembly_has_no_stage(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": {}}))
    with pytest.raises(AssemblyError, match="has no stages"):
        load_assembly(tmp_path)


def test_fails_when_a_template_is_missing(assembly_dir):
    next((assembly_dir / "assembly-Dev").glob("*.template.json")).unlink()
    with pytest.raises(AssemblyError, match="is missing"):
        load_assembly(assembly_dir)
