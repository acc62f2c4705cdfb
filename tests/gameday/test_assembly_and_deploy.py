"""Reading the assembly, preparing templates for moto, and deploying Network + Compute into it."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest

from tools.cloud_assembly import AssemblyError
from tools.gameday.assembly import load_environment
from tools.gameday.deploy import DeployError, prepare_template, references, zip_folder
from tools.gameday.emulator import Emulator
from tools.gameday.moto_gaps import SKIPPED_TYPES
from tools.gameday.runner import deploy_environment, select_stacks

SUPPORTED = frozenset({"AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::Lambda::Function"})


# --------------------------------------------------------------------------------------------
# assembly (the reader itself: tests/tools/test_cloud_assembly.py)
# --------------------------------------------------------------------------------------------
def test_fails_when_there_is_no_assembly(tmp_path):
    with pytest.raises(AssemblyError, match=r"no cloud assembly at .*run `make synth` first"):
        load_environment(tmp_path, "dev")


def test_fails_when_the_environment_is_not_in_the_assembly_and_names_those_that_are(dev_assembly):
    with pytest.raises(AssemblyError, match=r"environment 'prod' is not in the assembly .*stages: dev"):
        load_environment(dev_assembly, "prod")


def test_reads_the_environment_stacks_with_region_layer_and_assets(dev_assembly):
    stacks = {s.display_name: s for s in load_environment(dev_assembly, "dev")}

    compute = stacks["Dev/Tokyo-Compute"]
    assert (compute.region, compute.account, compute.location, compute.layer) == (
        "ap-northeast-1",
        "111111111111",
        "Tokyo",
        "Compute",
    )
    assert stacks["Dev/Tokyo-Network"].artifact_id in compute.dependencies
    assert compute.tags == {"Application": "webapp", "Environment": "dev"}
    assets = compute.file_assets()
    assert assets and all(a.packaging == "zip" and a.source.is_dir() for a in assets)
    assert all(a.bucket_name == "cdk-hnb659fds-assets-111111111111-ap-northeast-1" for a in assets)


def test_selects_the_tokyo_layers_in_deploy_order(dev_assembly):
    stacks = select_stacks(dev_assembly, "dev", layers=("Compute", "Network"))

    assert [s.display_name for s in stacks] == ["Dev/Tokyo-Network", "Dev/Tokyo-Compute"]


def test_fails_when_a_layer_is_missing_and_names_what_there_is(dev_assembly):
    with pytest.raises(
        AssemblyError, match=r"no Database stack for dev in ap-northeast-1 .*Dev/Tokyo-Compute"
    ):
        select_stacks(dev_assembly, "dev", layers=("Network", "Database"))


# --------------------------------------------------------------------------------------------
# templates
# --------------------------------------------------------------------------------------------
def test_references_finds_ref_getatt_and_sub_names():
    node = {
        "A": {"Ref": "Topic"},
        "B": {"Fn::GetAtt": ["Queue", "Arn"]},
        "C": {"Fn::GetAtt": "Function.Arn"},
        "D": {"Fn::Sub": "arn:${AWS::Partition}:x:${Bucket.Arn}/${!Literal}"},
        "E": {"Fn::Sub": ["${Name}-${Other}", {"Name": {"Ref": "Param"}}]},
    }

    assert references(node) == {
        "Topic",
        "Queue",
        "Function",
        "AWS::Partition",
        "Bucket",
        "Name",
        "Other",
        "Param",
    }


def test_strips_custom_resources_and_unmodelled_types_and_lists_them():
    template = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Policy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"Topics": [{"Ref": "Topic"}]}},
            "Cleanup": {"Type": "Custom::S3AutoDeleteObjects", "DependsOn": ["Policy"]},
            "Queue": {"Type": "AWS::SQS::Queue", "DependsOn": ["Cleanup", "Topic"]},
            "Alone": {"Type": "AWS::SQS::Queue", "DependsOn": "Cleanup"},
        },
        "Outputs": {
            "TopicArn": {"Value": {"Ref": "Topic"}},
            "Gone": {"Value": {"Fn::GetAtt": ["Cleanup", "Result"]}},
        },
    }

    prepared, skipped = prepare_template(template, stack="Dev/Tokyo-X", supported=SUPPORTED)

    assert set(prepared["Resources"]) == {"Topic", "Queue", "Alone"}
    assert prepared["Resources"]["Queue"]["DependsOn"] == ["Topic"]
    assert "DependsOn" not in prepared["Resources"]["Alone"]
    assert set(prepared["Outputs"]) == {"TopicArn"}
    assert {(s.logical_id, s.resource_type) for s in skipped} == {
        ("Policy", "AWS::SNS::TopicPolicy"),
        ("Cleanup", "Custom::S3AutoDeleteObjects"),
        ("Gone", "Output"),
    }
    assert "Cleanup" in template["Resources"]  # the original is untouched


def test_fails_when_moto_cannot_create_a_type_nobody_decided_about():
    template = {"Resources": {"Health": {"Type": "AWS::Route53::HealthCheck"}}}

    with pytest.raises(
        DeployError, match=r"moto cannot create Health \(AWS::Route53::HealthCheck\)\. Fill the gap"
    ):
        prepare_template(template, stack="Dev/Global", supported=SUPPORTED)


def test_fails_when_a_kept_resource_refers_to_a_skipped_one():
    template = {
        "Resources": {
            "Cleanup": {"Type": "Custom::Thing"},
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Role": {"Fn::GetAtt": ["Cleanup", "Arn"]}},
            },
        }
    }

    with pytest.raises(DeployError, match=r"Function \(AWS::Lambda::Function\) refers to Cleanup"):
        prepare_template(template, stack="Dev/Tokyo-X", supported=SUPPORTED)


def test_an_event_rule_that_exists_for_a_skipped_resource_is_left_out_with_it():
    template = {
        "Resources": {
            "Audit": {"Type": "AWS::Config::ConfigRule"},
            "OnNonCompliant": {
                "Type": "AWS::Events::Rule",
                "Properties": {"EventPattern": {"detail": {"configRuleName": [{"Ref": "Audit"}]}}},
            },
            "Topic": {"Type": "AWS::SNS::Topic"},
        }
    }

    prepared, skipped = prepare_template(
        template, stack="Prod/Tokyo-X", supported=SUPPORTED | {"AWS::Events::Rule"}
    )

    assert set(prepared["Resources"]) == {"Topic"}
    reasons = {s.logical_id: s.reason for s in skipped}
    assert reasons["OnNonCompliant"] == "exists for skipped Audit"


def test_zips_a_folder_the_same_way_every_time(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "b.py").write_text("b = 2\n")
    (tmp_path / "a.py").write_text("a = 1\n")

    first, second = zip_folder(tmp_path), zip_folder(tmp_path)

    assert first == second
    assert zipfile.ZipFile(BytesIO(first)).namelist() == ["a.py", "pkg/b.py"]


# --------------------------------------------------------------------------------------------
# the harness on Network + Compute
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def network_and_compute(dev_assembly):
    stacks = select_stacks(dev_assembly, "dev", layers=("Network", "Compute"))
    with Emulator(account=stacks[0].account) as emulator:
        yield emulator, deploy_environment(emulator, stacks)


def test_network_and_compute_reach_create_complete(network_and_compute):
    _, deployed = network_and_compute

    assert [(d.artifact.display_name, d.status) for d in deployed] == [
        ("Dev/Tokyo-Network", "CREATE_COMPLETE"),
        ("Dev/Tokyo-Compute", "CREATE_COMPLETE"),
    ]
    compute_template = deployed[1].artifact.template
    skipped = {(s.logical_id, s.resource_type) for d in deployed for s in d.skipped}
    assert all(rtype.startswith("Custom::") or rtype in SKIPPED_TYPES for _, rtype in skipped), skipped
    assert {"Custom::VpcRestrictDefaultSG", "AWS::EC2::SecurityGroupEgress"} <= {t for _, t in skipped}
    created = {logical for d in deployed for logical in d.resources}
    for logical_id, resource in compute_template["Resources"].items():
        assert (logical_id in created) != ((logical_id, resource["Type"]) in skipped), logical_id


def test_the_group_runs_its_desired_instances_registered_and_tagged(network_and_compute):
    emulator, deployed = network_and_compute
    region = "ap-northeast-1"
    (group_name,) = deployed[1].physical_ids("AWS::AutoScaling::AutoScalingGroup")
    group = emulator.client("autoscaling", region).describe_auto_scaling_groups(
        AutoScalingGroupNames=[group_name]
    )["AutoScalingGroups"][0]

    members = [i["InstanceId"] for i in group["Instances"] if i["LifecycleState"] == "InService"]
    assert len(members) == group["DesiredCapacity"] >= 1
    (target_group,) = deployed[1].physical_ids("AWS::ElasticLoadBalancingV2::TargetGroup")
    health = emulator.client("elbv2", region).describe_target_health(TargetGroupArn=target_group)
    assert {h["Target"]["Id"]: h["TargetHealth"]["State"] for h in health["TargetHealthDescriptions"]} == {
        i: "healthy" for i in members
    }
    tags = emulator.client("ec2", region).describe_instances(InstanceIds=members)["Reservations"][0][
        "Instances"
    ][0]["Tags"]
    assert {"Key": "Environment", "Value": "dev"} in tags
    policies = emulator.client("autoscaling", region).describe_policies(AutoScalingGroupName=group_name)
    assert {p["PolicyType"] for p in policies["ScalingPolicies"]} == {"TargetTrackingScaling"}


def _imports(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["Fn::ImportValue"]} if isinstance(node.get("Fn::ImportValue"), str) else set()
        return found.union(*(_imports(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_imports(v) for v in node))
    return set()


def test_the_pause_switch_exists_and_every_import_found_its_export(network_and_compute):
    emulator, deployed = network_and_compute
    region = "ap-northeast-1"

    pause = emulator.client("ssm", region).get_parameter(Name="/webapp/dev/pause")["Parameter"]
    exports = {
        e["Name"]: e["Value"] for e in emulator.client("cloudformation", region).list_exports()["Exports"]
    }

    assert pause["Value"] == "false"
    imported = _imports(deployed[1].template)
    assert imported and imported <= set(exports)
    network_ids = {pid for _, pid in deployed[0].resources.values()}
    assert {exports[name] for name in imported} <= network_ids
