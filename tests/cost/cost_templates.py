"""Hand-built templates and a round-number price book for the cost tests.

Each builder returns ``{logical_id: resource}`` with only the properties the cost reads, in the shapes
CDK synthesizes. Prices are round numbers so every expected cost can be worked out by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.cost.prices import PriceBook
from tools.cost.templates import Environment, StackTemplate

TOKYO = "ap-northeast-1"
OSAKA = "ap-northeast-3"
GLOBAL = "us-east-1"
ACCOUNT = "111111111111"

Resources = dict[str, dict[str, Any]]


def _item(
    usd: float, unit: str = "unit", per: float = 1, osaka: float | None = None, us: float | None = None
):
    return {
        "unit": unit,
        "per": per,
        "source": "test",
        "usd": {TOKYO: usd, OSAKA: usd if osaka is None else osaka, GLOBAL: usd if us is None else us},
    }


PRICES: dict[str, dict[str, Any]] = {
    "ec2.instance_hour:t3.micro": _item(0.01, "instance-hour"),
    "ec2.instance_hour:t3.small": _item(0.02, "instance-hour"),
    "ec2.cpu_credit_vcpu_hour": _item(0.05),
    "ebs.gp3_gb_month": _item(0.1, "GB-month"),
    "ebs.gp2_gb_month": _item(0.2, "GB-month"),
    "ebs.gp3_iops_month": _item(0.005),
    "ebs.gp3_throughput_mibps_month": _item(0.04),
    "elb.alb_hour": _item(0.02),
    "elb.alb_lcu_hour": _item(0.01),
    "vpc.nat_gateway_hour": _item(0.05),
    "vpc.nat_gateway_gb": _item(0.05),
    "vpc.public_ipv4_hour": _item(0.005),
    "vpc.interface_endpoint_az_hour": _item(0.01),
    "vpc.interface_endpoint_gb": _item(0.01),
    "transfer.inter_region_out_gb": _item(0.09, us=0.02),
    "transfer.internet_out_gb": _item(0.1),
    "rds.postgres.single_az_hour:db.t4g.micro": _item(0.02),
    "rds.postgres.multi_az_hour:db.t4g.micro": _item(0.04),
    "rds.gp3_gb_month.single_az": _item(0.1),
    "rds.gp3_gb_month.multi_az": _item(0.2),
    "rds.backup_gb_month": _item(0.1),
    "backup.rds_snapshot_gb_month": _item(0.1),
    "route53.health_check_aws_month": {
        "unit": "check-month",
        "per": 1,
        "source": "test",
        "usd": {"global": 0.5},
    },
    "route53.health_check_non_aws_month": {
        "unit": "check",
        "per": 1,
        "source": "test",
        "usd": {"global": 0.75},
    },
    "route53.health_check_option_aws_month": {
        "unit": "option",
        "per": 1,
        "source": "test",
        "usd": {"global": 1},
    },
    "route53.health_check_option_non_aws_month": {
        "unit": "option",
        "per": 1,
        "source": "test",
        "usd": {"global": 2},
    },
    "route53.hosted_zone_month": {"unit": "zone", "per": 1, "source": "test", "usd": {"global": 0.5}},
    "kms.key_month": _item(1),
    "kms.rotation_month": _item(1),
    "kms.requests": _item(0.03, per=10000),
    "cloudwatch.alarm_metric_month": _item(0.1),
    "cloudwatch.high_res_alarm_metric_month": _item(0.3),
    "cloudwatch.composite_alarm_month": _item(0.5),
    "cloudwatch.dashboard_month": _item(3),
    "cloudwatch.metric_month": _item(0.3),
    "logs.ingest_gb": _item(0.5),
    "logs.vended_ingest_gb": _item(0.25),
    "logs.storage_gb_month": _item(0.03),
    "lambda.requests": _item(0.2, per=1_000_000),
    "lambda.gb_second_x86": _item(0.00001),
    "lambda.gb_second_arm": _item(0.000008),
    "dynamodb.on_demand_write": _item(1, per=1_000_000),
    "dynamodb.on_demand_read": _item(0.2, per=1_000_000),
    "dynamodb.storage_gb_month": _item(0.25),
    "dynamodb.pitr_gb_month": _item(0.2),
    "sns.publish": _item(0.5, per=1_000_000),
    "sns.email": _item(2, per=100_000),
    "sns.sms_japan": _item(0.07),
    "sqs.requests": _item(0.4, per=1_000_000),
    "stepfunctions.standard_transition": _item(0.025, per=1000),
    "stepfunctions.express_request": _item(1, per=1_000_000),
    "stepfunctions.express_gb_second": _item(0.00001),
    "secretsmanager.secret_month": _item(0.4),
    "secretsmanager.api_requests": _item(0.05, per=10000),
    "fis.action_minute": _item(0.1),
    "config.rule_evaluation": _item(0.001),
    "s3.standard_gb_month": _item(0.025),
    "scheduler.invocations": _item(1, per=1_000_000),
    "ssm.advanced_parameter_month": _item(0.05),
}


def price_book(**changes: dict[str, Any]) -> PriceBook:
    items = {**PRICES, **changes}
    return PriceBook(
        Path("test-prices.json"), "test", "2026-12-01", "test prices", items, {"test": "hand-made"}
    )


def environment(stacks: dict[str, tuple[str, Resources]], name: str = "Prod") -> Environment:
    """``{"Tokyo-Compute": (TOKYO, resources)}`` -> an environment of stage ``name``."""
    return Environment(
        name.lower(),
        name,
        [
            StackTemplate(f"{name}/{stack}", region, {"Resources": res}, ACCOUNT)
            for stack, (region, res) in stacks.items()
        ],
    )


def group(
    *,
    min_size: int = 2,
    max_size: int = 4,
    desired: int | None = None,
    instance_type: Any = "t3.micro",
    volume_gb: int | None = 20,
    volume_type: str = "gp3",
    detailed: bool = False,
    user_data: Any = None,
    iops: int | None = None,
) -> Resources:
    ebs: dict[str, Any] = {"VolumeType": volume_type, "Encrypted": True}
    if volume_gb is not None:
        ebs["VolumeSize"] = volume_gb
    if iops is not None:
        ebs["Iops"] = iops
    data: dict[str, Any] = {
        "InstanceType": instance_type,
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": ebs}],
        "Monitoring": {"Enabled": detailed},
    }
    if user_data is not None:
        data["UserData"] = {"Fn::Base64": user_data}
    props: dict[str, Any] = {
        "MinSize": str(min_size),
        "MaxSize": str(max_size),
        "LaunchTemplate": {"LaunchTemplateId": {"Ref": "WebLt"}, "Version": "1"},
    }
    if desired is not None:
        props["DesiredCapacity"] = str(desired)
    return {
        "WebLt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": data}},
        "WebAsg": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": props},
    }


def scheduled(name: str, recurrence: str, *, low: int, high: int, desired: int) -> Resources:
    return {
        name: {
            "Type": "AWS::AutoScaling::ScheduledAction",
            "Properties": {
                "AutoScalingGroupName": {"Ref": "WebAsg"},
                "Recurrence": recurrence,
                "MinSize": low,
                "MaxSize": high,
                "DesiredCapacity": desired,
                "TimeZone": "Asia/Tokyo",
            },
        }
    }


def warm_pool(*, min_size: int = 1, state: str = "Stopped", prepared: int | None = None) -> Resources:
    props: dict[str, Any] = {
        "AutoScalingGroupName": {"Ref": "WebAsg"},
        "MinSize": min_size,
        "PoolState": state,
    }
    if prepared is not None:
        props["MaxGroupPreparedCapacity"] = prepared
    return {"WebPool": {"Type": "AWS::AutoScaling::WarmPool", "Properties": props}}


def database(
    identifier: str = "db-tokyo",
    *,
    multi_az: bool = False,
    storage: int | None = 100,
    retention: int | None = 7,
    source_arn: str | None = None,
    replicate_backups_to: str | None = None,
) -> Resources:
    props: dict[str, Any] = {
        "DBInstanceClass": "db.t4g.micro",
        "DBInstanceIdentifier": identifier,
        "MultiAZ": multi_az,
        "StorageType": "gp3",
    }
    if source_arn is None:
        props["Engine"] = "postgres"
    else:
        props["SourceDBInstanceIdentifier"] = source_arn
    if storage is not None:
        props["AllocatedStorage"] = str(storage)
    if retention is not None:
        props["BackupRetentionPeriod"] = retention
    if replicate_backups_to is not None:
        props["AutomaticBackupReplicationRegion"] = replicate_backups_to
    return {"Database": {"Type": "AWS::RDS::DBInstance", "Properties": props}}


def resource(logical_id: str, type_: str, **props: Any) -> Resources:
    return {logical_id: {"Type": type_, "Properties": props}}


def merge(*parts: Resources) -> Resources:
    merged: Resources = {}
    for part in parts:
        merged.update(part)
    return merged
