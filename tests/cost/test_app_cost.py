"""The cost of the app's own synthesized templates (the session's synthesized_app)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT
from tools.cost import estimate_assembly, load_prices
from tools.cost.estimate import FREE_TYPES
from tools.cost.rules_compute import RULES as COMPUTE_RULES
from tools.cost.rules_data import RULES as DATA_RULES
from tools.cost.rules_ops import RULES as OPS_RULES

H = 730


@pytest.fixture(scope="module")
def costs(synthesized_app):
    return estimate_assembly(synthesized_app.outdir, load_prices())


def _prod_resources(synthesized_app):
    for path, template in synthesized_app.templates.items():
        if path.startswith("Prod/"):
            region = synthesized_app.stacks[path].region
            for body in template["Resources"].values():
                yield region, body["Type"], body.get("Properties", {}), template


def test_every_resource_type_of_the_app_is_priced_or_free_of_charge(synthesized_app, costs):
    types = {
        body["Type"]
        for template in synthesized_app.templates.values()
        for body in template["Resources"].values()
    }
    ruled = set(COMPUTE_RULES) | set(DATA_RULES) | set(OPS_RULES) | set(FREE_TYPES)
    assert {t for t in types if t not in ruled and not t.startswith("Custom::")} == set()
    assert {env: cost.unpriced for env, cost in costs.items()} == {"dev": [], "stg": [], "prod": []}


def test_the_prod_breakdown_matches_an_independent_sum_from_the_templates(synthesized_app, costs):
    """Compute, load balancing, network, database and DNS of prod, summed straight from the raw JSON."""
    prices = load_prices()

    def price(key, region):
        return prices.unit_price(key, region)

    expected = dict.fromkeys(("compute", "load_balancing", "network", "database", "dns"), 0.0)
    for region, type_, props, template in _prod_resources(synthesized_app):
        active = region == "ap-northeast-1"
        if type_ == "AWS::AutoScaling::AutoScalingGroup":
            data = template["Resources"][props["LaunchTemplate"]["LaunchTemplateId"]["Ref"]]["Properties"][
                "LaunchTemplateData"
            ]
            running = int(props["MinSize"])  # prod sets no desired capacity and no schedule
            gb = data["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"]
            expected["compute"] += running * H * price(f"ec2.instance_hour:{data['InstanceType']}", region)
            expected["compute"] += running * gb * price("ebs.gp3_gb_month", region)
            pools = [b for b in template["Resources"].values() if b["Type"] == "AWS::AutoScaling::WarmPool"]
            for pool in pools:  # stopped pool: volumes only. PutWarmPool: (MaxGroupPreparedCapacity,
                # else MaxSize) - desired, never below MinSize
                pool_props = pool["Properties"]
                prepared = pool_props.get("MaxGroupPreparedCapacity", int(props["MaxSize"]))
                stopped = max(prepared - running, pool_props.get("MinSize", 0))
                expected["compute"] += stopped * gb * price("ebs.gp3_gb_month", region)
        elif type_ == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            lcu = 1.0 if active else 0.05
            expected["load_balancing"] += H * (
                price("elb.alb_hour", region) + lcu * price("elb.alb_lcu_hour", region)
            )
            expected["network"] += len(props["Subnets"]) * H * price("vpc.public_ipv4_hour", region)
        elif type_ == "AWS::EC2::NatGateway":
            gb = 20.0 if active else 2.0
            expected["network"] += H * price("vpc.nat_gateway_hour", region) + gb * price(
                "vpc.nat_gateway_gb", region
            )
        elif type_ == "AWS::EC2::EIP":
            expected["network"] += H * price("vpc.public_ipv4_hour", region)
        elif type_ == "AWS::EC2::VPCEndpoint" and props.get("VpcEndpointType") == "Interface":
            expected["network"] += (
                len(props["SubnetIds"]) * H * price("vpc.interface_endpoint_az_hour", region)
            )
            expected["network"] += 1.0 * price("vpc.interface_endpoint_gb", region)
        elif type_ == "AWS::RDS::DBInstance":
            deployment = "multi_az" if props["MultiAZ"] else "single_az"
            klass = props["DBInstanceClass"]
            expected["database"] += H * price(f"rds.postgres.{deployment}_hour:{klass}", region)
            expected["database"] += 50 * price(
                f"rds.gp3_gb_month.{deployment}", region
            )  # replica inherits 50 GB
        elif type_ == "AWS::Route53::HealthCheck":
            config = props["HealthCheckConfig"]
            expected["dns"] += price("route53.health_check_aws_month", region)
            # optional features, each billed: HTTPS and the fast 10 s interval
            options = (config["Type"] == "HTTPS") + (config.get("RequestInterval") == 10)
            expected["dns"] += options * price("route53.health_check_option_aws_month", region)
    prod = costs["prod"]
    for category, value in expected.items():
        assert prod.by_category[category] == pytest.approx(value, abs=0.005), category
    assert prod.monthly_usd == pytest.approx(sum(prod.by_category.values()))
    assert prod.monthly_usd == pytest.approx(sum(item.monthly_usd for item in prod.items))
    assert expected["compute"] > 100 and expected["database"] > 100  # the sum really covered prod


def test_dev_interface_endpoints_cost_more_than_the_nat_gateway_they_replace(costs):
    dev = costs["dev"]
    endpoints = sum(i.monthly_usd for i in dev.items if i.service.startswith("interface endpoint"))
    prices = load_prices()
    one_nat = H * prices.unit_price("vpc.nat_gateway_hour", "ap-northeast-1") + 20 * prices.unit_price(
        "vpc.nat_gateway_gb", "ap-northeast-1"
    )
    assert endpoints > one_nat


def test_prod_warm_pool_is_billed_for_the_volumes_aws_keeps(costs):
    prod = costs["prod"]
    pool = [i for i in prod.items if "warm pool, stopped" in i.service]
    # MaxGroupPreparedCapacity = MinSize = 1: one stopped instance (unset, AWS would keep max 9 - desired 3)
    assert len(pool) == 1 and pool[0].quantity == 1 * 20
    assert not any(i.service.startswith("EC2") and "warm pool" in i.service for i in prod.items)


def test_the_budget_command_adds_cost_to_budget_json(synthesized_app, tmp_path, capsys):
    from tools.cost.cli import main as cost_main
    from tools.recovery_budget.cli import main as budget_main

    budget_main(["--assembly", str(synthesized_app.outdir), "--out", str(tmp_path), "--no-chart"])
    assumptions = ROOT / "cost-assumptions.json"
    code = cost_main(
        ["--assembly", str(synthesized_app.outdir), "--out", str(tmp_path), "--no-strategies"]
        + (["--assumptions", str(assumptions)] if assumptions.exists() else [])
    )
    assert code == 0, capsys.readouterr().err
    budget = json.loads((tmp_path / "budget.json").read_text())
    for env in ("dev", "stg", "prod"):
        entry = budget["environments"][env]
        assert entry["scenarios"]["region_loss"]  # the recovery budget is still there
        assert entry["cost"]["monthly_usd"] == pytest.approx(
            sum(entry["cost"]["by_category"].values()), abs=0.06
        )
        assert entry["cost"]["monthly_usd"] > 100


def test_the_budget_command_fails_naming_a_bad_assumption(synthesized_app, tmp_path, capsys):
    from tools.cost.cli import main as cost_main

    code = cost_main(
        [
            "--assembly",
            str(synthesized_app.outdir),
            "--out",
            str(tmp_path),
            "--no-strategies",
            "--assume",
            "lcu=2",
        ]
    )
    assert code == 2
    assert "unknown cost assumption 'lcu'" in capsys.readouterr().err
