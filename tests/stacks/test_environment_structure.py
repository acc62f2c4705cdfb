"""Dev and stg against prod: what differs by design, read from the config, and what must not differ.

tests/stacks/test_snapshots.py keeps prod's templates in full but only the resource-type counts of dev
and stg. These tests say why those counts differ from prod's: each difference follows from a config
value (NAT gateways, zones, DR strategy, capacity, warm pool, schedule, audit rules, DNS,
notifications, data retention), and every other resource type has the same count as in prod.
"""

from __future__ import annotations

import re

import pytest

from constructs_lib.testing import resource_type_counts
from tests.stacks.stack_names import all_stack_paths, environment_names

PROD = "prod"
OTHER_STACKS = all_stack_paths(environments=[name for name in environment_names() if name != PROD])
STANDBY_REPLICA_STRATEGIES = ("pilot_light", "warm_standby")
CDK_HASH = re.compile(r"[0-9A-F]{8}$")  # the suffix CDK appends to a construct path in a logical id

# Per layer, the resource types whose count may differ from prod's, and the config that decides it.
BY_DESIGN: dict[str, dict[str, str]] = {
    "Network": {
        "AWS::EC2::NatGateway": "nat_gateways",
        "AWS::EC2::EIP": "nat_gateways (an address each)",
        "AWS::EC2::Route": "nat_gateways (the private subnets' default routes) and availability_zones",
        "AWS::EC2::Subnet": "availability_zones",
        "AWS::EC2::RouteTable": "availability_zones",
        "AWS::EC2::SubnetRouteTableAssociation": "availability_zones",
        "AWS::EC2::VPCEndpoint": "nat_gateways: 0 brings interface endpoints instead",
        "AWS::EC2::SecurityGroup": "nat_gateways: 0 (the interface endpoints' security group)",
    },
    "Compute": {
        "AWS::AutoScaling::WarmPool": "warm_pool_size",
        "AWS::AutoScaling::ScheduledAction": "schedule",
        "AWS::Scheduler::Schedule": "schedule (the pause switch)",
        "AWS::Scheduler::ScheduleGroup": "schedule (the nightly schedules' own group)",
        "AWS::StepFunctions::StateMachine": "schedule (the nightly pause, which sets and clears the switch)",
        "AWS::Logs::LogGroup": "schedule (the nightly pause's execution log)",
        "AWS::IAM::Policy": "schedule (the schedules' and the nightly pause's role policies)",
        "Custom::S3AutoDeleteObjects": "retain_data: false (the access-log bucket is emptied on delete)",
        "Custom::CrossRegionExportWriter": "dr_strategy (the standby's exports for the global stack)",
        "AWS::Lambda::Function": "the custom resources' providers",
        "AWS::IAM::Role": "the custom resources' providers, the schedules' and the nightly pause's roles",
        "AWS::ARCZonalShift::ZonalAutoshiftConfiguration": "zonal_autoshift (on in prod)",
        "AWS::ElasticLoadBalancingV2::Listener": "certificate_arn (dev: plain HTTP, allow_plain_http)",
        "AWS::CloudWatch::Alarm": "zonal_autoshift (its practice run's outcome alarm)",
    },
    "Data": {
        "AWS::RDS::DBInstance": "dr_strategy (a standby replica)",
        "AWS::RDS::DBParameterGroup": "dr_strategy (the replica's parameters)",
        "AWS::Logs::LogGroup": "dr_strategy (the replica's exported logs; the heartbeat's log group)",
        "AWS::IAM::Role": "dr_strategy (the replica's monitoring role; the heartbeat's role)",
        "AWS::SSM::Parameter": "dr_strategy (the endpoint parameter exists where a database does)",
        # The replication heartbeat runs on the primary only when a standby replica exists.
        "AWS::Lambda::Function": "dr_strategy (the replication heartbeat)",
        "AWS::Lambda::Permission": "dr_strategy (the heartbeat's schedule)",
        "AWS::Events::Rule": "dr_strategy (the heartbeat's schedule)",
        "AWS::IAM::Policy": "dr_strategy (the heartbeat's role)",
        "AWS::EC2::SecurityGroup": "dr_strategy (the heartbeat's security group)",
        "AWS::EC2::SecurityGroupEgress": "dr_strategy (the heartbeat's way to the database)",
        "AWS::EC2::SecurityGroupIngress": "dr_strategy (the database admits the heartbeat)",
    },
    "Monitoring": {
        "AWS::Config::ConfigRule": "monitoring.audit_rules",
        "AWS::Events::Rule": "monitoring.audit_rules (non-compliance notifications)",
        "AWS::SNS::Subscription": "notifications",
        "AWS::CloudWatch::Alarm": "dr_strategy (standby alarms); schedule (nightly pause failure alarm)",
    },
    "DR": {
        "Custom::CrossRegionExportReader": "dr_strategy (the failover runbook reads the primary's exports)",
        "AWS::Lambda::Function": "dr_strategy (the export reader's provider)",
        "AWS::IAM::Role": "dr_strategy (the export reader's provider)",
    },
    "Global": {
        "AWS::Route53::RecordSet": "dns",
        "AWS::Route53::HealthCheck": "dns (failover checks) and dr_strategy",
        "AWS::CloudWatch::Alarm": "dns, dr_strategy (one per checked endpoint); schedule (quiet hours)",
        "AWS::SNS::Subscription": "notifications",
        "Custom::CrossRegionExportWriter": "dns",
        "AWS::Lambda::Function": "dns (the export writer's provider)",
        "AWS::IAM::Role": "dns (the export writer's provider); schedule (the quiet hours' schedule roles)",
        "AWS::Scheduler::Schedule": "schedule (the quiet hours of the alarms the nightly stop would fire)",
        "AWS::Scheduler::ScheduleGroup": "schedule (the quiet hours' own group)",
        "AWS::IAM::Policy": "schedule (the quiet hours' schedule roles)",
    },
}


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    """``{logical id: properties}`` of the resources of one type."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


@pytest.fixture
def stack(synthesized_app):
    def template(env, layer: str, region: str | None = None) -> dict:
        name = f"{env.region_config(region).label}-{layer}" if region else layer
        return synthesized_app.template(f"{env.stage_name}/{name}")

    return template


@pytest.mark.parametrize("stack_path", OTHER_STACKS, ids=lambda path: path.replace("/", "-"))
def test_every_other_resource_type_has_prods_count(synthesized_app, stack_path):
    name = stack_path.split("/")[1]
    by_design = BY_DESIGN[name.rsplit("-", 1)[-1]]
    prod_stage = synthesized_app.config.environments[PROD].stage_name
    counts = resource_type_counts(synthesized_app.template(stack_path))
    prod_counts = resource_type_counts(synthesized_app.template(f"{prod_stage}/{name}"))
    fixed = sorted((set(counts) | set(prod_counts)) - set(by_design))
    assert {t: counts.get(t, 0) for t in fixed} == {t: prod_counts.get(t, 0) for t in fixed}


@pytest.mark.parametrize("name", environment_names())
def test_nat_gateways_zones_and_endpoints_follow_the_config(synthesized_app, stack, name):
    env = synthesized_app.config.environments[name]
    for region in env.regions:
        network = stack(env, "Network", region.region)
        assert len(_of_type(network, "AWS::EC2::NatGateway")) == env.nat_gateways
        assert len(_of_type(network, "AWS::EC2::Subnet")) == 2 * len(region.availability_zones)
        endpoints = _of_type(network, "AWS::EC2::VPCEndpoint").values()
        interface = [e for e in endpoints if e.get("VpcEndpointType") == "Interface"]
        assert bool(interface) is (env.nat_gateways == 0), "interface endpoints exactly when there is no NAT"


@pytest.mark.parametrize("name", environment_names())
def test_instances_capacity_warm_pool_and_schedule_follow_the_config(synthesized_app, stack, name):
    env = synthesized_app.config.environments[name]
    for region, capacity in ((env.active_region, env.capacity), (env.standby_region, env.dr_capacity)):
        compute = stack(env, "Compute", region)
        (launch_template,) = _of_type(compute, "AWS::EC2::LaunchTemplate").values()
        assert launch_template["LaunchTemplateData"]["InstanceType"] == env.instance_type
        (group,) = _of_type(compute, "AWS::AutoScaling::AutoScalingGroup").values()
        assert (group["MinSize"], group["MaxSize"]) == (str(capacity.min), str(capacity.max))
        active = region == env.active_region
        warm_pools = [pool["MinSize"] for pool in _of_type(compute, "AWS::AutoScaling::WarmPool").values()]
        assert warm_pools == ([env.warm_pool_size] if active and env.warm_pool_size else [])
        schedules = _of_type(compute, "AWS::Scheduler::Schedule")
        assert len(schedules) == (2 if active and env.schedule else 0), "stop and start, active region only"
        machines = _of_type(compute, "AWS::StepFunctions::StateMachine")
        assert len(machines) == (1 if schedules else 0), "the nightly pause exactly where schedules start it"
        # the schedules start the nightly pause, which writes this environment's switch
        assert sorted((t["Target"]["Arn"], t["Target"]["Input"]) for t in schedules.values()) == sorted(
            ({"Ref": machine}, f'{{"transition":"{transition}"}}')
            for machine in machines
            for transition in ("pause", "resume")
        )
        for machine in machines.values():
            assert f'"Name":"{env.pause_parameter_name}"' in str(machine["DefinitionString"])


@pytest.mark.parametrize("name", environment_names())
def test_database_and_standby_follow_the_config_and_the_dr_strategy(synthesized_app, stack, name):
    env = synthesized_app.config.environments[name]
    (primary,) = _of_type(stack(env, "Data", env.active_region), "AWS::RDS::DBInstance").values()
    assert primary["DBInstanceClass"] == f"db.{env.database.instance_class}"
    assert primary.get("MultiAZ", False) is env.database.multi_az
    assert primary["BackupRetentionPeriod"] == env.database.backup_retention_days
    replica = env.dr_strategy in STANDBY_REPLICA_STRATEGIES
    standby = _of_type(stack(env, "Data", env.standby_region), "AWS::RDS::DBInstance")
    assert len(standby) == (1 if replica else 0)
    documents = _of_type(stack(env, "DR", env.standby_region), "AWS::SSM::Document")
    runbooks = {CDK_HASH.sub("", logical_id) for logical_id in documents}
    assert ("RegionFailover" in runbooks, "RegionRestore" in runbooks) == (replica, not replica)


@pytest.mark.parametrize("name", environment_names())
def test_audit_rules_dns_and_notifications_follow_the_config(synthesized_app, stack, name):
    env = synthesized_app.config.environments[name]
    monitoring, global_ = stack(env, "Monitoring", env.active_region), stack(env, "Global")
    assert bool(_of_type(monitoring, "AWS::Config::ConfigRule")) is env.monitoring.audit_rules
    assert len(_of_type(global_, "AWS::Route53::RecordSet")) == (2 if env.dns else 0), "primary and secondary"
    endpoints = env.notifications.endpoints.values()
    subscribers = sum(len(e.email_addresses) + len(e.sms_numbers) + len(e.webhook_urls) for e in endpoints)
    for template in (monitoring, global_):
        assert len(_of_type(template, "AWS::SNS::Subscription")) == subscribers
