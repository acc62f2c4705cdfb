"""The cloud-assembly reader: manifests, stages, stacks, templates, assets, references, deploy order."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.tools.assembly_files import (
    ACCOUNT,
    COMPUTE,
    OSAKA,
    OSAKA_COMPUTE,
    TOKYO,
    write_stage,
    write_top,
)
from tools.cloud_assembly import (
    AssemblyError,
    Attr,
    Message,
    MissingAssemblyError,
    ResourceId,
    StackArtifact,
    Stage,
    UnknownStageError,
    deployment_order,
    read_assembly,
)


def _manifest(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


# --------------------------------------------------------------------------------------------
# stages and stacks
# --------------------------------------------------------------------------------------------
def test_stages_are_the_nested_assemblies_with_their_stacks_in_manifest_order(assembly_dir):
    assembly = read_assembly(assembly_dir)

    assert [(stage.name, stage.env, stage.artifact_path) for stage in assembly.stages] == [
        ("Prod", "prod", ("assembly-Prod",)),
        ("Dev", "dev", ("assembly-Dev",)),
    ]
    prod = assembly.stage("prod")
    assert prod.directory == assembly_dir / "assembly-Prod"
    assert [stack.display_name for stack in prod.stacks] == [
        "Prod/Tokyo-Network",
        "Prod/Tokyo-Compute",
        "Prod/Tokyo-Monitoring",
        "Prod/Osaka-Compute",
    ]
    assert prod.regions == [TOKYO, OSAKA]
    assert assembly.stacks == []


def test_a_stack_carries_its_manifest_facts(assembly_dir):
    compute = read_assembly(assembly_dir).stage("Prod").stack("Prod/Tokyo-Compute")

    assert (compute.artifact_id, compute.stack_name, compute.account, compute.region) == (
        "ProdTokyoCompute",
        "Prod-Tokyo-Compute",
        ACCOUNT,
        TOKYO,
    )
    assert (compute.location, compute.layer) == ("Tokyo", "Compute")
    assert compute.dependencies == ("ProdTokyoNetwork",)  # the asset manifest is not a stack
    assert compute.tags == {"Environment": "prod"}
    assert compute.template_path == assembly_dir / "assembly-Prod" / "ProdTokyoCompute.template.json"
    assert compute.assets_path == assembly_dir / "assembly-Prod" / "ProdTokyoCompute.assets.json"
    assert compute.template == COMPUTE
    assert compute.exports() == {"Prod-Tokyo-Compute:ExportsOutputRefWebAsg": {"Ref": "WebAsg"}}


def test_a_stack_without_a_stack_name_deploys_under_its_artifact_id(assembly_dir):
    manifest_path = assembly_dir / "assembly-Dev" / "manifest.json"
    manifest = _manifest(manifest_path)
    del manifest["artifacts"]["DevTokyoNetwork"]["properties"]["stackName"]
    manifest_path.write_text(json.dumps(manifest))

    assert read_assembly(assembly_dir).stage("dev").stacks[0].stack_name == "DevTokyoNetwork"


def test_a_stack_built_by_hand_needs_only_its_name_region_and_account():
    stack = StackArtifact("Dev/Tokyo-Compute", TOKYO, ACCOUNT)

    assert (stack.artifact_id, stack.stack_name, stack.name) == ("Dev/Tokyo-Compute",) * 3
    assert stack.template == {} and stack.resources == {} and stack.file_assets() == []


def test_stacks_outside_a_stage_are_listed_apart(assembly_dir):
    (assembly_dir / "Loose.template.json").write_text(json.dumps({"Resources": {}}))
    write_top(
        assembly_dir,
        "Prod",
        "Dev",
        extra={"Loose": {"type": "aws:cloudformation:stack", "environment": f"aws://{ACCOUNT}/{TOKYO}"}},
    )
    assembly = read_assembly(assembly_dir)

    assert [(s.display_name, s.template_path.name) for s in assembly.stacks] == [
        ("Loose", "Loose.template.json")
    ]
    assert [stage.name for stage in assembly.stages] == ["Prod", "Dev"]
    everything = [
        (stage.name if stage else None, stack.display_name) for stage, stack in assembly.all_stacks()
    ]
    assert everything[0] == (None, "Loose") and len(everything) == 6


def test_a_stage_nested_in_a_stage_is_a_stage_of_its_own(assembly_dir):
    write_stage(assembly_dir / "assembly-Prod", "Canary", {"Tokyo-Compute": (TOKYO, COMPUTE, ())})
    manifest_path = assembly_dir / "assembly-Prod" / "manifest.json"
    manifest = _manifest(manifest_path)
    manifest["artifacts"]["assembly-Canary"] = {
        "type": "cdk:cloud-assembly",
        "properties": {"directoryName": "assembly-Canary", "displayName": "Prod/Canary"},
    }
    manifest_path.write_text(json.dumps(manifest))

    canary = read_assembly(assembly_dir).stage("canary")

    assert canary.artifact_path == ("assembly-Prod", "assembly-Canary")
    assert [s.display_name for s in canary.stacks] == ["Canary/Tokyo-Compute"]


def test_a_stage_is_found_by_environment_or_display_name(assembly_dir):
    assembly = read_assembly(assembly_dir)

    assert assembly.stage("PROD") is assembly.stage("Prod") is assembly.stages[0]


def test_fails_when_the_environment_is_unknown(assembly_dir):
    with pytest.raises(
        UnknownStageError, match=r"no stage for environment 'stg' .*\(stages: prod, dev\)"
    ) as error:
        read_assembly(assembly_dir).stage("stg")
    assert (error.value.environment, error.value.known) == ("stg", ("prod", "dev"))


# --------------------------------------------------------------------------------------------
# unreadable assemblies
# --------------------------------------------------------------------------------------------
def test_fails_when_the_directory_is_not_an_assembly(tmp_path):
    with pytest.raises(
        MissingAssemblyError, match=r"not a cloud assembly \(no manifest\.json\): synthesize first"
    ) as error:
        read_assembly(tmp_path)
    assert error.value.directory == tmp_path


def test_fails_when_a_nested_assembly_is_missing(assembly_dir):
    (assembly_dir / "assembly-Dev" / "manifest.json").unlink()
    with pytest.raises(MissingAssemblyError) as error:
        read_assembly(assembly_dir)
    assert error.value.directory == assembly_dir / "assembly-Dev"


def test_fails_when_a_manifest_is_not_json(assembly_dir):
    (assembly_dir / "manifest.json").write_text("{")
    with pytest.raises(AssemblyError, match=r"manifest\.json is not valid JSON"):
        read_assembly(assembly_dir)


def test_fails_when_a_stack_has_no_environment(assembly_dir):
    manifest_path = assembly_dir / "assembly-Dev" / "manifest.json"
    manifest = _manifest(manifest_path)
    manifest["artifacts"]["DevTokyoNetwork"]["environment"] = "unknown"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(
        AssemblyError, match=r"DevTokyoNetwork: environment 'unknown' is not aws://ACCOUNT/REGION"
    ):
        read_assembly(assembly_dir)


def test_templates_are_read_on_first_use_and_a_missing_one_is_named(assembly_dir):
    template = assembly_dir / "assembly-Dev" / "DevTokyoNetwork.template.json"
    template.unlink()
    stack = read_assembly(assembly_dir).stage("dev").stacks[0]  # the manifests alone read fine

    with pytest.raises(
        AssemblyError, match=rf"DevTokyoNetwork: template {re.escape(str(template))} is missing"
    ):
        stack.template  # noqa: B018


def test_fails_when_a_template_is_not_json(assembly_dir):
    (assembly_dir / "assembly-Dev" / "DevTokyoNetwork.template.json").write_text("not json")
    dev = read_assembly(assembly_dir).stage("dev")
    with pytest.raises(AssemblyError, match=r"DevTokyoNetwork\.template\.json is not valid JSON"):
        dev.index()


# --------------------------------------------------------------------------------------------
# resources and references
# --------------------------------------------------------------------------------------------
def test_resources_by_type_and_region(assembly_dir):
    prod = read_assembly(assembly_dir).stage("prod")

    groups = list(prod.resources("AWS::AutoScaling::AutoScalingGroup"))
    assert [str(group.id) for group in groups] == ["Prod/Tokyo-Compute/WebAsg", "Prod/Osaka-Compute/WebAsg"]
    assert [r.id.logical_id for r in prod.resources(region=OSAKA)] == ["WebAsg"]
    assert len(list(prod.resources())) == 4
    tokyo_group = prod.resource(ResourceId("Prod/Tokyo-Compute", "WebAsg"))
    assert tokyo_group is not None and tokyo_group.properties == {"MinSize": "2"}
    assert tokyo_group.where("MinSize") == "Prod/Tokyo-Compute/WebAsg.MinSize"
    assert prod.resource(None) is None


def test_ref_and_getatt_resolve_to_resources_of_the_same_stack(assembly_dir):
    prod = read_assembly(assembly_dir).stage("prod")
    compute = "Prod/Tokyo-Compute"

    assert prod.resolve({"Ref": "WebAsg"}, compute) == Attr(ResourceId(compute, "WebAsg"))
    assert prod.resolve({"Fn::GetAtt": ["WebTg", "TargetGroupName"]}, compute) == Attr(
        ResourceId(compute, "WebTg"), "TargetGroupName"
    )
    assert prod.resolve({"Fn::GetAtt": "WebTg.Arn"}, compute) == Attr(ResourceId(compute, "WebTg"), "Arn")
    assert prod.resolve({"Ref": "WebAsg"}, "Prod/Tokyo-Monitoring") is None  # not in that stack
    assert prod.resolve("literal", compute) == "literal"


def test_import_value_resolves_through_the_exports_of_the_same_region(assembly_dir):
    prod = read_assembly(assembly_dir).stage("prod")
    value = {"Fn::ImportValue": "Prod-Tokyo-Compute:ExportsOutputRefWebAsg"}

    assert prod.resolve(value, "Prod/Tokyo-Monitoring") == Attr(ResourceId("Prod/Tokyo-Compute", "WebAsg"))
    assert prod.resolve(value, "Prod/Osaka-Compute") is None
    assert prod.resolve({"Fn::ImportValue": "nobody-exports-this"}, "Prod/Tokyo-Monitoring") is None


def test_values_known_only_at_deploy_time_do_not_resolve(assembly_dir):
    prod = read_assembly(assembly_dir).stage("prod")
    compute = "Prod/Tokyo-Compute"

    assert prod.resolve({"Ref": "AWS::Region"}, compute) is None
    assert prod.resolve({"Fn::Join": ["-", ["a", "b", 1]]}, compute) == "a-b-1"
    assert prod.resolve({"Fn::Join": ["-", ["a", {"Ref": "AWS::Region"}]]}, compute) is None
    assert prod.resolve({"Fn::Select": [0, ["a"]]}, compute) is None


def test_the_index_follows_stacks_added_by_hand():
    stage = Stage("Dev")
    stage.stacks.append(StackArtifact("Dev/Tokyo-Compute", TOKYO, ACCOUNT, template_body=COMPUTE))
    assert [r.id.logical_id for r in stage.resources()] == ["WebAsg", "WebTg"]

    stage.stacks.append(StackArtifact("Dev/Osaka-Compute", OSAKA, ACCOUNT, template_body=OSAKA_COMPUTE))
    stage.index()

    assert [str(r.id) for r in stage.resources(region=OSAKA)] == ["Dev/Osaka-Compute/WebAsg"]


# --------------------------------------------------------------------------------------------
# file assets
# --------------------------------------------------------------------------------------------
def _write_assets(assembly_dir: Path, manifest: dict[str, Any]) -> StackArtifact:
    (assembly_dir / "assembly-Dev" / "DevTokyoNetwork.assets.json").write_text(json.dumps(manifest))
    return read_assembly(assembly_dir).stage("dev").stacks[0]


def test_file_assets_are_what_cdk_deploy_publishes_without_the_template(assembly_dir):
    destination = {"bucketName": "cdk-hnb659fds-assets-111111111111-ap-northeast-1", "objectKey": "abc.zip"}
    stack = _write_assets(
        assembly_dir,
        {
            "files": {
                "abc": {
                    "source": {"path": "../asset.abc", "packaging": "zip"},
                    "destinations": {"d": destination},
                },
                "tpl": {
                    "source": {"path": "DevTokyoNetwork.template.json"},
                    "destinations": {"d": {**destination, "objectKey": "tpl.json"}},
                },
                "cfg": {
                    "source": {"path": "config.json"},
                    "destinations": {"osaka": {**destination, "objectKey": "cfg.json", "region": OSAKA}},
                },
            }
        },
    )

    assets = stack.file_assets()

    assert [(a.asset_hash, a.packaging, a.object_key, a.region) for a in assets] == [
        ("abc", "zip", "abc.zip", TOKYO),
        ("cfg", "file", "cfg.json", OSAKA),
    ]
    assert assets[0].source == (assembly_dir / "asset.abc").resolve()
    assert assets[0].bucket_name == destination["bucketName"]


def test_fails_when_a_stack_has_docker_image_assets(assembly_dir):
    stack = _write_assets(assembly_dir, {"files": {}, "dockerImages": {"img": {}}})
    with pytest.raises(AssemblyError, match=r"Dev/Tokyo-Network has docker image assets: .*no docker"):
        stack.file_assets()


# --------------------------------------------------------------------------------------------
# deployment order
# --------------------------------------------------------------------------------------------
def _stack(artifact_id: str, *dependencies: str) -> StackArtifact:
    return StackArtifact(
        artifact_id=artifact_id,
        stack_name=artifact_id,
        display_name=f"Dev/Tokyo-{artifact_id}",
        account=ACCOUNT,
        region=TOKYO,
        template_path=Path(f"{artifact_id}.template.json"),
        assets_path=None,
        dependencies=dependencies,
    )


def test_deployment_order_puts_dependencies_first_and_brings_them_along():
    network, compute, monitoring = (
        _stack("Network"),
        _stack("Compute", "Network"),
        _stack("Monitoring", "Compute"),
    )

    ordered = deployment_order([monitoring, compute, network], select=[monitoring])

    assert [s.artifact_id for s in ordered] == ["Network", "Compute", "Monitoring"]


def test_deployment_order_of_a_read_assembly_follows_its_manifest_dependencies(assembly_dir):
    prod = read_assembly(assembly_dir).stage("prod")
    monitoring = prod.stack("Prod/Tokyo-Monitoring")

    ordered = deployment_order(prod.stacks, select=[monitoring, prod.stack("Prod/Tokyo-Network")])

    assert [s.layer for s in ordered] == ["Network", "Compute", "Monitoring"]


def test_fails_when_stacks_depend_on_each_other():
    a, b = _stack("A", "B"), _stack("B", "A")

    with pytest.raises(AssemblyError, match="dependency cycle"):
        deployment_order([a, b], select=[a])


def test_fails_when_a_dependency_is_not_in_the_assembly():
    with pytest.raises(AssemblyError, match="depends on Data, which is not in the assembly"):
        deployment_order([_stack("Compute", "Data")], select=[_stack("Compute", "Data")])


def test_a_stack_s_messages_come_from_its_manifest_inline_and_additional_metadata(tmp_path):
    # CDK writes most metadata to <artifact>.metadata.json (additionalMetadataFile), some inline.
    (tmp_path / "S.metadata.json").write_text(
        json.dumps(
            {
                "/S/Web": [
                    {"type": "aws:cdk:warning", "data": "plain HTTP"},
                    {"type": "aws:cdk:logicalId", "data": "Web1234"},
                ]
            }
        )
    )
    stack = StackArtifact(
        display_name="Dev/S",
        region="ap-northeast-1",
        account="111111111111",
        metadata={"/S": [{"type": "aws:cdk:info", "data": "placeholder certificate"}]},
        metadata_path=tmp_path / "S.metadata.json",
    )
    assert stack.messages() == [
        Message("/S", "info", "placeholder certificate"),
        Message("/S/Web", "warning", "plain HTTP"),
    ]
