"""The cost of hand-built templates, worked out by hand with round prices (tests/cost/cost_templates.py)."""

from __future__ import annotations

import pytest

from tests.cost.cost_templates import (
    GLOBAL,
    OSAKA,
    TOKYO,
    database,
    environment,
    group,
    merge,
    price_book,
    resource,
    scheduled,
    warm_pool,
)
from tools.cost import Assumptions, CostError, estimate_environment

H = 730  # hours_per_month
DAYS = 730 / 24


def cost(stacks, prices, **assume):
    return estimate_environment(environment(stacks), prices, Assumptions(assume))


def usd(result, service: str, region: str | None = None) -> float:
    return sum(
        i.monthly_usd for i in result.items if service in i.service and (region is None or i.region == region)
    )


def test_a_group_costs_its_instances_and_volumes(prices):
    result = cost({"Tokyo-Compute": (TOKYO, group(min_size=2))}, prices)
    assert usd(result, "EC2 t3.micro") == pytest.approx(2 * H * 0.01)
    assert usd(result, "EBS gp3 volumes (running") == pytest.approx(2 * 20 * 0.1)
    assert result.by_category["compute"] == pytest.approx(2 * H * 0.01 + 2 * 20 * 0.1)
    assert result.monthly_usd == pytest.approx(sum(result.by_category.values()))


def test_a_bigger_instance_type_moves_the_cost_by_the_price_difference(prices):
    micro = cost({"Tokyo-Compute": (TOKYO, group(instance_type="t3.micro"))}, prices)
    small = cost({"Tokyo-Compute": (TOKYO, group(instance_type="t3.small"))}, prices)
    assert small.monthly_usd - micro.monthly_usd == pytest.approx(2 * H * (0.02 - 0.01))


def test_more_capacity_moves_the_cost_per_instance(prices):
    two = cost({"Tokyo-Compute": (TOKYO, group(min_size=2, desired=2))}, prices)
    five = cost({"Tokyo-Compute": (TOKYO, group(min_size=2, max_size=6, desired=5))}, prices)
    per_instance = H * 0.01 + 20 * 0.1
    assert five.monthly_usd - two.monthly_usd == pytest.approx(3 * per_instance)


def test_a_nightly_stop_bills_only_the_scheduled_hours(prices):
    resources = merge(
        group(min_size=1, max_size=2, desired=1),
        scheduled("Stop", "0 22 * * MON-FRI", low=0, high=0, desired=0),
        scheduled("Start", "0 8 * * MON-FRI", low=1, high=2, desired=1),
    )
    result = cost({"Tokyo-Compute": (TOKYO, resources)}, prices)
    # Monday to Friday 08:00-22:00 = 70 of the week's 168 hours.
    assert usd(result, "EC2 t3.micro") == pytest.approx(70 / 168 * H * 0.01)


def test_a_stopped_warm_pool_pays_for_volumes_only_and_fills_up_to_max_minus_desired(prices):
    resources = merge(group(min_size=2, max_size=6, desired=2), warm_pool(min_size=1))
    result = cost({"Tokyo-Compute": (TOKYO, resources)}, prices)
    assert usd(result, "EC2 t3.micro") == pytest.approx(2 * H * 0.01)  # no instance-hours for the pool
    assert usd(result, "warm pool, stopped") == pytest.approx(4 * 20 * 0.1)  # max 6 - desired 2 = 4 volumes
    assert any("warm pool keeps 4" in note for note in result.notes)


def test_a_prepared_capacity_caps_the_warm_pool_and_a_running_pool_pays_instance_hours(prices):
    resources = merge(
        group(min_size=2, max_size=6, desired=2), warm_pool(min_size=1, prepared=3, state="Running")
    )
    result = cost({"Tokyo-Compute": (TOKYO, resources)}, prices)
    assert usd(result, "EC2 t3.micro on demand (warm pool") == pytest.approx(1 * H * 0.01)  # 3 - 2 = 1


def test_detailed_monitoring_and_the_cloudwatch_agent_are_custom_metrics(prices):
    agent = (
        "#!/bin/bash\ncat > /opt/aws/amazon-cloudwatch-agent/etc/config.json <<'CWA'\n"
        '{"metrics": {"aggregation_dimensions": [["AutoScalingGroupName"]], "metrics_collected": '
        '{"mem": {"measurement": ["mem_used_percent"]}, "disk": {"measurement": ["used_percent"], '
        '"resources": ["/", "/data"]}}}}\nCWA\necho done\n'
    )
    result = cost({"Tokyo-Compute": (TOKYO, group(min_size=2, detailed=True, user_data=agent))}, prices)
    assert usd(result, "EC2 detailed monitoring") == pytest.approx(2 * 7 * 0.3)
    # 1 mem + 2 disk metrics per instance, plus the same 3 aggregated per group.
    assert usd(result, "CloudWatch agent") == pytest.approx((2 * 3 + 3) * 0.3)


def test_gp3_iops_above_the_free_baseline_are_billed(prices):
    result = cost({"Tokyo-Compute": (TOKYO, group(min_size=1, iops=5000))}, prices)
    assert usd(result, "provisioned IOPS") == pytest.approx(2000 * 0.005)


def test_an_instance_type_that_is_not_a_literal_is_reported_unpriced(prices):
    result = cost({"Tokyo-Compute": (TOKYO, group(instance_type={"Ref": "TypeParam"}))}, prices)
    assert not any("EC2" in i.service for i in result.items)
    assert any("instance type" in text for text in result.unpriced)


def test_a_capacity_that_is_not_a_literal_fails_with_the_property(prices):
    resources = group()
    resources["WebAsg"]["Properties"]["MinSize"] = {"Ref": "MinParam"}
    with pytest.raises(CostError, match=r"WebAsg\.MinSize"):
        cost({"Tokyo-Compute": (TOKYO, resources)}, prices)


def test_load_balancers_cost_hours_lcus_addresses_and_egress_by_region_role(prices):
    alb = resource("Alb", "AWS::ElasticLoadBalancingV2::LoadBalancer", Type="application", Subnets=["a", "b"])
    result = cost(
        {
            "Tokyo-Data": (TOKYO, database()),
            "Osaka-Data": (OSAKA, database("db-osaka", source_arn=f"arn:aws:rds:{TOKYO}:1:db:db-tokyo")),
            "Tokyo-Compute": (TOKYO, alb),
            "Osaka-Compute": (OSAKA, alb),
        },
        prices,
        alb_lcu_active=2.0,
        alb_lcu_standby=0.1,
        internet_egress_gb_active=100.0,
    )
    assert usd(result, "ALB hours") == pytest.approx(2 * H * 0.02)
    assert usd(result, "ALB capacity units", TOKYO) == pytest.approx(2.0 * H * 0.01)
    assert usd(result, "ALB capacity units", OSAKA) == pytest.approx(0.1 * H * 0.01)
    assert usd(result, "public IPv4 addresses (ALB") == pytest.approx(2 * 2 * H * 0.005)
    assert usd(result, "data out to the internet") == pytest.approx(100 * 0.1)  # serving region only


def test_nat_gateways_addresses_and_interface_endpoints_per_zone(prices):
    resources = merge(
        resource("Nat", "AWS::EC2::NatGateway"),
        resource("Eip", "AWS::EC2::EIP"),
        resource("Ssm", "AWS::EC2::VPCEndpoint", VpcEndpointType="Interface", SubnetIds=["a", "b", "c"]),
        resource("S3", "AWS::EC2::VPCEndpoint", VpcEndpointType="Gateway"),
    )
    result = cost({"Tokyo-Network": (TOKYO, resources)}, prices, nat_data_gb_active=40.0)
    assert usd(result, "NAT gateway hours") == pytest.approx(H * 0.05)
    assert usd(result, "NAT gateway data") == pytest.approx(40 * 0.05)
    assert usd(result, "Elastic IP") == pytest.approx(H * 0.005)
    assert usd(result, "interface endpoint") == pytest.approx(
        3 * H * 0.01 + 1 * 0.01
    )  # gateway endpoint free


def test_databases_multi_az_replica_storage_and_replication_transfer(prices):
    result = cost(
        {
            "Tokyo-Data": (TOKYO, database(multi_az=True, storage=100)),
            "Osaka-Data": (
                OSAKA,
                database(
                    "db-osaka", storage=None, retention=None, source_arn=f"arn:aws:rds:{TOKYO}:1:db:db-tokyo"
                ),
            ),
        },
        prices,
        database_wal_gb_per_day=2.0,
    )
    assert usd(result, "Multi-AZ (primary)") == pytest.approx(H * 0.04)
    assert usd(result, "Single-AZ (read replica)") == pytest.approx(H * 0.02)
    assert usd(result, "storage Multi-AZ") == pytest.approx(100 * 0.2)
    assert usd(result, "storage Single-AZ") == pytest.approx(100 * 0.1)  # inherited from the source
    replication = [i for i in result.items if "read replica ap-northeast-1 -> ap-northeast-3" in i.service]
    assert [i.region for i in replication] == [TOKYO]  # charged to the sending region
    assert replication[0].monthly_usd == pytest.approx(2.0 * DAYS * 0.09)


def test_automated_backups_are_billed_beyond_the_provisioned_storage_and_replicated_ones_in_full(prices):
    result = cost(
        {"Tokyo-Data": (TOKYO, database(storage=10, retention=7, replicate_backups_to=OSAKA))},
        prices,
        database_used_fraction=1.0,
        database_changed_gb_per_day=1.0,
        database_wal_gb_per_day=1.0,
    )
    stored = 10 + 1.0 * (7 - 1) + 1.0 * 7  # full + 6 incrementals + 7 days of WAL = 23 GB
    assert usd(result, "beyond the free allowance") == pytest.approx((stored - 10) * 0.1)
    assert usd(result, "replicated to ap-northeast-3", OSAKA) == pytest.approx(stored * 0.1)
    assert usd(result, "RDS backup replication") == pytest.approx((1.0 + 1.0) * DAYS * 0.09)


def test_a_backup_plan_with_a_cross_region_copy_stores_twice_and_transfers_the_changes(prices):
    plan = resource(
        "Plan",
        "AWS::Backup::BackupPlan",
        BackupPlan={
            "BackupPlanRule": [
                {
                    "RuleName": "Daily",
                    "ScheduleExpression": "cron(0 18 * * ? *)",
                    "Lifecycle": {"DeleteAfterDays": 14},
                    "CopyActions": [
                        {
                            "DestinationBackupVaultArn": {
                                "Fn::Join": [
                                    "",
                                    ["arn:", {"Ref": "AWS::Partition"}, f":backup:{OSAKA}:1:backup-vault:v"],
                                ]
                            },
                            "Lifecycle": {"DeleteAfterDays": 7},
                        }
                    ],
                }
            ]
        },
    )
    selection = resource(
        "Selection",
        "AWS::Backup::BackupSelection",
        BackupPlanId={"Ref": "Plan"},
        BackupSelection={"Resources": [f"arn:aws:rds:{TOKYO}:1:db:*"]},
    )
    resources = merge(database(storage=100, retention=None), plan, selection)
    result = cost({"Tokyo-Data": (TOKYO, resources)}, prices, database_changed_gb_per_day=1.0)
    used = 100 * 0.5
    assert usd(result, "AWS Backup RDS snapshots") == pytest.approx((used + 13) * 0.1)
    assert usd(result, "AWS Backup copies in ap-northeast-3", OSAKA) == pytest.approx((used + 6) * 0.1)
    assert usd(result, "backup copies ap-northeast-1 -> ap-northeast-3") == pytest.approx(1.0 * DAYS * 0.09)
    full = cost({"Tokyo-Data": (TOKYO, resources)}, prices, backup_copies_incremental=False)
    assert usd(full, "backup copies") == pytest.approx(used * DAYS * 0.09)


def test_alarms_are_billed_per_metric_they_read(prices):
    band = [
        {"Id": "e", "Expression": "ANOMALY_DETECTION_BAND(m, 3)", "ReturnData": True},
        {"Id": "m", "MetricStat": {"Metric": {"MetricName": "Latency"}, "Period": 60, "Stat": "p95"}},
    ]
    math = [{"Id": "e", "Expression": "a + b + c"}] + [
        {"Id": x, "MetricStat": {"Metric": {"MetricName": x}, "Period": 60, "Stat": "Sum"}} for x in "abc"
    ]
    resources = merge(
        resource("Plain", "AWS::CloudWatch::Alarm", MetricName="CPU", Namespace="AWS/EC2", Period=60),
        resource("Fast", "AWS::CloudWatch::Alarm", MetricName="CPU", Namespace="AWS/EC2", Period=10),
        resource("Band", "AWS::CloudWatch::Alarm", Metrics=band),
        resource("Math", "AWS::CloudWatch::Alarm", Metrics=math),
        resource("Composite", "AWS::CloudWatch::CompositeAlarm", AlarmRule="ALARM(Plain)"),
        resource("Board", "AWS::CloudWatch::Dashboard", DashboardBody="{}"),
    )
    result = cost({"Tokyo-Monitoring": (TOKYO, resources)}, prices)
    by_resource = {i.resource.rsplit("/", 1)[-1]: i.monthly_usd for i in result.items}
    assert by_resource["Plain"] == pytest.approx(0.1)
    assert by_resource["Fast"] == pytest.approx(0.3)  # high resolution
    assert by_resource["Band"] == pytest.approx(3 * 0.1)  # anomaly detection: three metrics
    assert by_resource["Math"] == pytest.approx(3 * 0.1)  # three metrics read
    assert by_resource["Composite"] == pytest.approx(0.5)
    assert by_resource["Board"] == pytest.approx(3)


def test_route53_health_checks_pay_for_https_and_the_fast_interval(prices):
    resources = merge(
        resource(
            "Basic", "AWS::Route53::HealthCheck", HealthCheckConfig={"Type": "HTTP", "RequestInterval": 30}
        ),
        resource(
            "Fast", "AWS::Route53::HealthCheck", HealthCheckConfig={"Type": "HTTPS", "RequestInterval": 10}
        ),
        resource("Calc", "AWS::Route53::HealthCheck", HealthCheckConfig={"Type": "CALCULATED"}),
    )
    result = cost({"Global": (GLOBAL, resources)}, prices)
    assert result.by_category["dns"] == pytest.approx(3 * 0.5 + 2 * 1.0)
    external = cost({"Global": (GLOBAL, resources)}, prices, route53_health_checks_on_aws_endpoints=False)
    # Calculated checks have no endpoint: always the basic AWS rate.
    assert external.by_category["dns"] == pytest.approx(2 * 0.75 + 0.5 + 2 * 2.0)


def test_logs_cost_ingestion_and_storage_over_their_retention(prices):
    resources = merge(
        resource("FlowLogs", "AWS::Logs::LogGroup", RetentionInDays=365),
        resource(
            "Flow",
            "AWS::EC2::FlowLog",
            LogGroupName={"Ref": "FlowLogs"},
            LogDestinationType="cloud-watch-logs",
        ),
        resource("Pg", "AWS::Logs::LogGroup", LogGroupName="/aws/rds/instance/db/postgresql"),
    )
    result = cost({"Tokyo-Network": (TOKYO, resources)}, prices, log_gb_flow_logs_active=10.0)
    assert usd(result, "VPC flow logs log ingestion") == pytest.approx(10 * 0.25)  # vended-log rate
    assert usd(result, "VPC flow logs log storage") == pytest.approx(10 * 12 * 0.03)
    assert usd(result, "RDS PostgreSQL log storage") == pytest.approx(
        1.0 * 12 * 0.03
    )  # no retention: 12 months


def test_keys_secrets_replicas_and_small_services(prices):
    resources = merge(
        resource("Key", "AWS::KMS::Key", EnableKeyRotation=True),
        resource("Secret", "AWS::SecretsManager::Secret", ReplicaRegions=[{"Region": OSAKA}]),
        resource("Fn", "AWS::Lambda::Function", MemorySize=1024),
        resource("Sms", "AWS::SNS::Subscription", Protocol="sms", Endpoint="+819000000000"),
        resource("Express", "AWS::StepFunctions::StateMachine", StateMachineType="EXPRESS"),
    )
    result = cost({"Tokyo-Monitoring": (TOKYO, resources)}, prices, kms_rotations_billed=2)
    assert usd(result, "KMS key") == pytest.approx(1 + 2 * 1)  # key + two billed rotations
    assert usd(result, "replica secret", OSAKA) == pytest.approx(0.4)
    assert usd(result, "Lambda duration") == pytest.approx(10_000 * 0.3 * 1.0 * 0.00001)
    assert usd(result, "SMS") == pytest.approx(30 * 0.07)
    assert usd(result, "express requests") == pytest.approx(1000 / 1_000_000)


def test_free_types_cost_nothing_and_unknown_types_are_reported(prices):
    resources = merge(
        resource("Role", "AWS::IAM::Role"),
        resource("Sg", "AWS::EC2::SecurityGroup"),
        resource("Queue", "AWS::Kinesis::Stream"),
    )
    result = cost({"Tokyo-Network": (TOKYO, resources)}, prices)
    assert result.items == []
    assert "AWS::IAM::Role" in result.free
    assert result.unpriced == ["Prod/Tokyo-Network/Queue (AWS::Kinesis::Stream): no pricing rule"]


def test_a_price_missing_from_the_snapshot_fails_with_the_key_and_the_fix():
    prices = price_book()
    prices.items.pop("ec2.instance_hour:t3.micro")
    with pytest.raises(ValueError, match=r"no price 'ec2.instance_hour:t3.micro'.*refresh_prices"):
        cost({"Tokyo-Compute": (TOKYO, group())}, prices)
