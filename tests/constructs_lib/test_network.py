"""ResilientVpc: zones, subnets, NAT or endpoints, flow logs."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from constructs_lib.network import ResilientVpc

ENV = cdk.Environment(account="111111111111", region="ap-northeast-1")
ZONES = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]


def _template(**props) -> Template:
    stack = cdk.Stack(cdk.App(), "Net", env=ENV)
    ResilientVpc(stack, "Vpc", cidr="10.40.0.0/16", availability_zones=ZONES, **props)
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def without_nat() -> Template:
    return _template(nat_gateways=0)


@pytest.fixture(scope="module")
def with_nat() -> Template:
    return _template(nat_gateways=3, removal_policy=cdk.RemovalPolicy.DESTROY)


def test_spans_the_pinned_zones_with_public_and_private_subnets(without_nat):
    without_nat.resource_count_is("AWS::EC2::Subnet", 6)
    for zone in ZONES:
        without_nat.has_resource_properties(
            "AWS::EC2::Subnet", {"AvailabilityZone": zone, "MapPublicIpOnLaunch": True}
        )
        without_nat.has_resource_properties(
            "AWS::EC2::Subnet", {"AvailabilityZone": zone, "MapPublicIpOnLaunch": False}
        )


def test_without_nat_every_endpoint_an_instance_needs_exists(without_nat):
    without_nat.resource_count_is("AWS::EC2::NatGateway", 0)
    # ... including Auto Scaling: warm-pool instances complete their launch hook through it.
    for service in ("ssm", "ssmmessages", "ec2messages", "monitoring", "logs", "autoscaling"):
        without_nat.has_resource_properties(
            "AWS::EC2::VPCEndpoint",
            {
                "ServiceName": f"com.amazonaws.ap-northeast-1.{service}",
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": True,
            },
        )
    # Amazon Linux package repositories live in S3: a gateway endpoint keeps dnf working.
    without_nat.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]},
            "VpcEndpointType": "Gateway",
        },
    )


def test_endpoints_accept_https_from_inside_the_vpc_only(without_nat):
    without_nat.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "VPC interface endpoints: HTTPS from inside the VPC",
            "SecurityGroupIngress": [
                Match.object_like({"CidrIp": "10.40.0.0/16", "FromPort": 443, "ToPort": 443})
            ],
        },
    )


def test_with_nat_has_one_gateway_per_zone_and_no_interface_endpoints(with_nat):
    with_nat.resource_count_is("AWS::EC2::NatGateway", 3)
    endpoints = with_nat.find_resources("AWS::EC2::VPCEndpoint")
    assert [e["Properties"]["VpcEndpointType"] for e in endpoints.values()] == ["Gateway"]


def test_flow_logs_capture_all_traffic_to_a_retained_log_group(without_nat, with_nat):
    without_nat.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": "ALL"})
    without_nat.has_resource("AWS::Logs::LogGroup", {"DeletionPolicy": "Retain"})
    with_nat.has_resource("AWS::Logs::LogGroup", {"DeletionPolicy": "Delete"})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"availability_zones": ["ap-northeast-1a"]},
            r"availability_zones has 1 zone\(s\).*give 2 or 3 zones",
        ),
        (
            {"availability_zones": ["ap-northeast-1a", "ap-northeast-3a"]},
            r"availability_zones \['ap-northeast-3a'\] are not in the stack's region ap-northeast-1",
        ),
        ({"nat_gateways": 4}, r"nat_gateways \(4\) must be between 0 and the number of zones \(3\)"),
    ],
)
def test_fails_when_props_are_bad(props, message):
    stack = cdk.Stack(cdk.App(), "Bad", env=ENV)
    with pytest.raises(ValueError, match=message):
        ResilientVpc(stack, "Vpc", cidr="10.40.0.0/16", **{"availability_zones": ZONES, **props})


@pytest.mark.parametrize(
    ("zones", "props", "message"),
    [
        (["ap-northeast-1a"], {}, "availability_zones has 1 zone(s) ['ap-northeast-1a']: give 2 or 3 zones."),
        (
            ["ap-northeast-1a", "ap-northeast-1a"],
            {},
            "availability_zones lists 'ap-northeast-1a' twice (['ap-northeast-1a', 'ap-northeast-1a']): "
            "name each zone once.",
        ),
        (
            ["ap-northeast-1a", "ap-northeast-3a"],
            {"region": "ap-northeast-1"},
            "availability_zones ['ap-northeast-3a'] are not in the stack's region ap-northeast-1: use zones "
            "such as ap-northeast-1a.",
        ),
        (
            ["ap-northeast-1a", "ap-northeast-1c"],
            {"nat_gateways": 3},
            "nat_gateways (3) must be between 0 and the number of zones (2).",
        ),
        (
            ["ap-northeast-1a", "ap-northeast-1c"],
            {"nat_gateways": -1},
            "nat_gateways (-1) must be between 0 and the number of zones (2).",
        ),
    ],
)
def test_validate_zones_fails_naming_the_zones_and_the_fix(zones, props, message):
    import re

    from constructs_lib import validate_zones

    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        validate_zones(zones, **props)


def test_validate_zones_returns_the_zones_and_ignores_an_unknown_region():
    from constructs_lib import validate_zones

    assert validate_zones(("us-east-1a", "us-east-1b"), nat_gateways=2) == ["us-east-1a", "us-east-1b"]
