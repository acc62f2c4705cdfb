"""Create single template resources through the service APIs, for stacks moto's CloudFormation
cannot deploy (see :mod:`tools.simulation.world`). Each creator passes the properties the drills
rely on and says, in the note it returns, what it left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.simulation.world import World

__all__ = ["MATERIALIZERS"]

Creator = Callable[["World", str, str, Mapping[str, Any]], tuple[str, str]]


def _tags(world: World, stack: str, props: Mapping[str, Any]) -> list[dict[str, str]]:
    tags = world.resolve(props.get("Tags") or [], stack)
    if isinstance(tags, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": str(t["Key"]), "Value": str(t.get("Value", ""))} for t in tags]


def _generated_name(world: World, stack: str, logical_id: str) -> str:
    return f"{world.by_name(stack).stack_name}-{logical_id}".lower()[:63]


def _security_group(world: World, stack: str, logical_id: str, props: Mapping[str, Any]) -> tuple[str, str]:
    region = world.by_name(stack).region
    group = world.client("ec2", region).create_security_group(
        GroupName=_generated_name(world, stack, logical_id),
        Description=str(world.resolve(props.get("GroupDescription", "simulation"), stack)),
        VpcId=str(world.resolve(props["VpcId"], stack)),
    )
    return group["GroupId"], "rules left out: the emulator sends no traffic"


def _db_subnet_group(world: World, stack: str, logical_id: str, props: Mapping[str, Any]) -> tuple[str, str]:
    region = world.by_name(stack).region
    name = str(
        world.resolve(props.get("DBSubnetGroupName"), stack) or _generated_name(world, stack, logical_id)
    )
    world.client("rds", region).create_db_subnet_group(
        DBSubnetGroupName=name,
        DBSubnetGroupDescription=str(
            world.resolve(props.get("DBSubnetGroupDescription", "simulation"), stack)
        ),
        SubnetIds=[str(s) for s in world.resolve(props["SubnetIds"], stack)],
    )
    return name, "subnets from the Network stack deployed in the emulator"


def _db_instance(world: World, stack: str, logical_id: str, props: Mapping[str, Any]) -> tuple[str, str]:
    region = world.by_name(stack).region
    rds = world.client("rds", region)

    def value(key: str, default: Any = None) -> Any:
        return world.resolve(props[key], stack) if key in props else default

    identifier = str(value("DBInstanceIdentifier") or _generated_name(world, stack, logical_id))
    common: dict[str, Any] = {
        "DBInstanceIdentifier": identifier,
        "DBInstanceClass": str(value("DBInstanceClass")),
        "DBSubnetGroupName": str(value("DBSubnetGroupName")),
        "VpcSecurityGroupIds": [str(g) for g in value("VPCSecurityGroups", [])],
        "MultiAZ": str(value("MultiAZ", False)).lower() == "true",
        "Tags": _tags(world, stack, props),
        "DeletionProtection": str(value("DeletionProtection", False)).lower() == "true",
    }
    left_out = "KMS keys, parameter group, monitoring role, log exports, Performance Insights"
    source = value("SourceDBInstanceIdentifier")
    if source:
        # moto looks a cross-region replica's subnet group up in the source's region: leave it out and
        # place the replica in the first zone of its own subnet group instead.
        subnet_group = common.pop("DBSubnetGroupName")
        subnets = rds.describe_db_subnet_groups(DBSubnetGroupName=subnet_group)["DBSubnetGroups"][0][
            "Subnets"
        ]
        zone = sorted(s["SubnetAvailabilityZone"]["Name"] for s in subnets)[0]
        rds.create_db_instance_read_replica(
            SourceDBInstanceIdentifier=str(source), AvailabilityZone=zone, **common
        )
        return identifier, (
            f"read replica of {source} in {zone} (subnet group {subnet_group} not attached: moto looks a "
            f"cross-region replica's subnet group up in the source region); left out: {left_out}"
        )
    rds.create_db_instance(
        **common,
        Engine=str(value("Engine")),
        EngineVersion=str(value("EngineVersion", "")) or None,
        AllocatedStorage=int(value("AllocatedStorage", 20)),
        BackupRetentionPeriod=int(value("BackupRetentionPeriod", 1)),
        Port=int(value("Port", 5432)),
        DBName=str(value("DBName", "")) or None,
        MasterUsername=str(value("MasterUsername", "admin")),
        MasterUserPassword=_password(),
        StorageEncrypted=str(value("StorageEncrypted", False)).lower() == "true",
    )
    return (
        identifier,
        "master password: an emulator stand-in (the template's is a Secrets Manager reference); "
        f"left out: {left_out}",
    )


def _password() -> str:
    from tools.simulation.world import EMULATOR_DB_PASSWORD

    return EMULATOR_DB_PASSWORD


def _health_check(world: World, stack: str, logical_id: str, props: Mapping[str, Any]) -> tuple[str, str]:
    config = world.resolve(props["HealthCheckConfig"], stack)
    config = {k: v for k, v in config.items() if v is not None}
    created = world.client("route53", "us-east-1").create_health_check(
        CallerReference=f"{stack}/{logical_id}", HealthCheckConfig=config
    )
    return created["HealthCheck"][
        "Id"
    ], f"type {config.get('Type')}; its status comes from the simulated checkers"


def _topic(world: World, stack: str, logical_id: str, props: Mapping[str, Any]) -> tuple[str, str]:
    region = world.by_name(stack).region
    name = str(world.resolve(props.get("TopicName"), stack) or _generated_name(world, stack, logical_id))
    arn = world.client("sns", region).create_topic(Name=name)["TopicArn"]
    stage = world.stage(region)
    if stage.observer is not None:  # observed like the deployed topics
        queue_arn = world.client("sqs", region).get_queue_attributes(
            QueueUrl=stage.observer.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        world.client("sns", region).subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    return arn, "KMS key and subscriptions left out; the simulation's observer queue is subscribed"


def _alarm(world: World, stack: str, logical_id: str, props: Mapping[str, Any]) -> tuple[str, str]:
    region = world.by_name(stack).region
    resolved = {k: world.resolve(v, stack) for k, v in props.items() if k != "Tags"}
    resolved.setdefault("AlarmName", _generated_name(world, stack, logical_id))
    world.client("cloudwatch", region).put_metric_alarm(**resolved)
    return str(resolved["AlarmName"]), "stored in the emulator; evaluated by the simulation"


MATERIALIZERS: Mapping[str, Creator] = {
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::RDS::DBSubnetGroup": _db_subnet_group,
    "AWS::RDS::DBInstance": _db_instance,
    "AWS::Route53::HealthCheck": _health_check,
    "AWS::SNS::Topic": _topic,
    "AWS::CloudWatch::Alarm": _alarm,
}
