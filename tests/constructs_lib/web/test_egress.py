"""What the web instances may reach: HTTPS and the database port, nothing else unless widened."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from constructs_lib.network import ResilientVpc
from constructs_lib.web import AutoHealingWebService

ENV = cdk.Environment(account="111111111111", region="eu-west-1")


def _egress(**props) -> tuple[list[dict], ResilientVpc]:
    stack = cdk.Stack(cdk.App(), "Shop", env=ENV)
    network = ResilientVpc(
        stack, "Network", cidr="10.0.0.0/16", availability_zones=["eu-west-1a", "eu-west-1b"]
    )
    web = AutoHealingWebService(stack, "Web", vpc=network.vpc, **props)
    resources = Template.from_stack(stack).to_json()["Resources"]
    group_id = stack.get_logical_id(web.instance_security_group.node.default_child)
    # Inline rules, plus the ones CDK writes as their own resources (prefix lists)
    separate = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::EC2::SecurityGroupEgress"
        and r["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    return resources[group_id]["Properties"]["SecurityGroupEgress"] + separate, network


def _rules(egress: list[dict]) -> set[tuple]:
    return {
        (
            r["IpProtocol"],
            r.get("FromPort"),
            r.get("ToPort"),
            r.get("CidrIp") or r.get("DestinationPrefixListId"),
        )
        for r in egress
    }


def test_instances_reach_https_and_the_database_subnets_only_by_default():
    egress, network = _egress()
    private = {s.ipv4_cidr_block for s in network.vpc.isolated_subnets}
    assert len(private) == 2
    assert _rules(egress) == {
        ("tcp", 443, 443, "0.0.0.0/0"),
        *(("tcp", 5432, 5432, cidr) for cidr in private),
    }


def test_egress_can_be_narrowed_to_endpoints_and_a_prefix_list():
    egress, _ = _egress(
        https_egress=[ec2.Peer.ipv4("10.0.0.0/16"), ec2.Peer.prefix_list("pl-61a54008")],
        database_egress=[ec2.Peer.ipv4("10.0.8.0/22")],
        database_port=6432,
    )
    assert _rules(egress) == {
        ("tcp", 443, 443, "10.0.0.0/16"),
        ("tcp", 443, 443, "pl-61a54008"),
        ("tcp", 6432, 6432, "10.0.8.0/22"),
    }


def test_egress_can_be_widened_to_everything():
    egress, _ = _egress(allow_all_outbound=True)
    assert _rules(egress) == {("-1", None, None, "0.0.0.0/0")}
