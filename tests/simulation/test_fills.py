"""The simulation's fills against moto (in process): each reproduces the AWS behaviour it names,
on the virtual clock, and plain moto comes back afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from tools.gameday import moto_gaps
from tools.recovery_budget.latencies import Latencies
from tools.simulation import fills
from tools.simulation.clock import VirtualClock

REGION = "ap-northeast-1"
LATENCIES = Latencies()


@pytest.fixture
def hooks():
    clock = VirtualClock(datetime(2030, 1, 1, tzinfo=UTC))
    active = fills.SimHooks(clock, LATENCIES)
    with moto_gaps.applied(), mock_aws(), fills.applied(active):
        yield active


def _subnets(ec2, count=2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{'acd'[i]}")[
            "Subnet"
        ]["SubnetId"]
        for i in range(count)
    ]


def _database(rds, ec2, identifier="db", multi_az=True):
    rds.create_db_subnet_group(DBSubnetGroupName="sg", DBSubnetGroupDescription="d", SubnetIds=_subnets(ec2))
    rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t4g.micro",
        Engine="postgres",
        MasterUsername="u",
        MasterUserPassword="password123",
        AllocatedStorage=20,
        MultiAZ=multi_az,
        DBSubnetGroupName="sg",
    )


def _describe(rds, identifier):
    return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]


def test_multi_az_standby_and_reboot_with_failover_take_the_documented_time(hooks):
    # Amazon RDS User Guide, "Failing over a Multi-AZ DB instance": 60-120 s (the budget's high end)
    rds, ec2 = boto3.client("rds", region_name=REGION), boto3.client("ec2", region_name=REGION)
    _database(rds, ec2)
    before = _describe(rds, "db")
    assert (
        before["SecondaryAvailabilityZone"]
        and before["SecondaryAvailabilityZone"] != before["AvailabilityZone"]
    )

    rds.reboot_db_instance(DBInstanceIdentifier="db", ForceFailover=True)

    assert _describe(rds, "db")["DBInstanceStatus"] == "rebooting"
    hooks.clock.advance(LATENCIES.s("RDS_MULTI_AZ_FAILOVER_SECONDS") - 1)
    assert _describe(rds, "db")["DBInstanceStatus"] == "rebooting"
    hooks.clock.advance(1)
    after = _describe(rds, "db")
    assert after["DBInstanceStatus"] == "available"
    assert (after["AvailabilityZone"], after["SecondaryAvailabilityZone"]) == (
        before["SecondaryAvailabilityZone"],
        before["AvailabilityZone"],
    )


def test_promotion_takes_time_and_ends_without_a_source(hooks):
    # "Promoting a read replica to be a standalone DB instance": still a replica while it is promoted
    rds, ec2 = boto3.client("rds", region_name=REGION), boto3.client("ec2", region_name=REGION)
    _database(rds, ec2, multi_az=False)
    rds.create_db_instance_read_replica(DBInstanceIdentifier="replica", SourceDBInstanceIdentifier="db")

    rds.promote_read_replica(DBInstanceIdentifier="replica")

    during = _describe(rds, "replica")
    assert during["DBInstanceStatus"] == "modifying" and during["ReadReplicaSourceDBInstanceIdentifier"]
    hooks.clock.advance(LATENCIES.s("RDS_REPLICA_PROMOTION_SECONDS"))
    promoted = _describe(rds, "replica")
    assert promoted["DBInstanceStatus"] == "available"
    assert not promoted.get("ReadReplicaSourceDBInstanceIdentifier")


def test_point_in_time_restore_is_created_in_a_zone_that_is_up(hooks):
    rds, ec2 = boto3.client("rds", region_name=REGION), boto3.client("ec2", region_name=REGION)
    _database(rds, ec2, multi_az=False)
    lost = _describe(rds, "db")["AvailabilityZone"]
    hooks.impaired_zones.add(lost)

    rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier="db", TargetDBInstanceIdentifier="restored", UseLatestRestorableTime=True
    )

    restored = _describe(rds, "restored")
    assert restored["DBInstanceStatus"] == "creating" and restored["AvailabilityZone"] != lost
    hooks.clock.advance(LATENCIES.s("RDS_PITR_RESTORE_SECONDS"))
    assert _describe(rds, "restored")["DBInstanceStatus"] == "available"


def test_update_health_check_keeps_what_it_does_not_mention_and_status_comes_from_the_checkers(hooks):
    route53 = boto3.client("route53", region_name="us-east-1")
    child = route53.create_health_check(
        CallerReference="c",
        HealthCheckConfig={"Type": "HTTP", "FullyQualifiedDomainName": "x.example.com", "Port": 80},
    )["HealthCheck"]["Id"]
    switch = route53.create_health_check(
        CallerReference="s",
        HealthCheckConfig={"Type": "CALCULATED", "ChildHealthChecks": [child], "HealthThreshold": 0},
    )["HealthCheck"]["Id"]

    route53.update_health_check(HealthCheckId=switch, Inverted=True)

    config = route53.get_health_check(HealthCheckId=switch)["HealthCheck"]["HealthCheckConfig"]
    assert config["Inverted"] is True and config["ChildHealthChecks"] == [child]
    hooks.checker_observations[child] = lambda: [("us-east-1", False), ("eu-west-1", True)]
    observations = route53.get_health_check_status(HealthCheckId=child)["HealthCheckObservations"]
    assert [o["StatusReport"]["Status"].split(":")[0] for o in observations] == ["Failure", "Success"]


def test_running_instances_are_managed_instances(hooks):
    ec2 = boto3.client("ec2", region_name=REGION)
    running, stopped = (
        i["InstanceId"]
        for i in ec2.run_instances(ImageId="ami-12345678", MinCount=2, MaxCount=2)["Instances"]
    )
    ec2.stop_instances(InstanceIds=[stopped])
    ssm = boto3.client("ssm", region_name=REGION)

    listed = ssm.describe_instance_information()["InstanceInformationList"]
    filtered = ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [running]}])

    assert [(i["InstanceId"], i["PingStatus"]) for i in listed] == [(running, "Online")]
    assert [i["InstanceId"] for i in filtered["InstanceInformationList"]] == [running]


def test_groups_spread_over_zones_and_skip_lost_ones(hooks):
    # EC2 Auto Scaling User Guide, "Availability Zone distribution"
    ec2, autoscaling = (
        boto3.client("ec2", region_name=REGION),
        boto3.client("autoscaling", region_name=REGION),
    )
    subnets = _subnets(ec2, 3)
    ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={"ImageId": "ami-12345678"})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="web",
        LaunchTemplate={"LaunchTemplateName": "web-lt"},
        MinSize=3,
        MaxSize=6,
        VPCZoneIdentifier=",".join(subnets),
    )

    def zones():
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"][
            0
        ]
        ids = [i["InstanceId"] for i in group["Instances"]]
        reservations = ec2.describe_instances(InstanceIds=ids)["Reservations"]
        return sorted(i["Placement"]["AvailabilityZone"] for r in reservations for i in r["Instances"])

    assert zones() == [f"{REGION}a", f"{REGION}c", f"{REGION}d"]
    hooks.impaired_zones.add(f"{REGION}a")
    autoscaling.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=5)
    assert zones().count(f"{REGION}a") == 1 and len(zones()) == 5


def test_plain_moto_comes_back_and_a_second_simulation_is_refused():
    from moto.rds.models import DBInstance

    clock = VirtualClock(datetime(2030, 1, 1, tzinfo=UTC))
    with fills.applied(fills.SimHooks(clock, LATENCIES)):
        assert hasattr(DBInstance, "secondary_availability_zone")
        with (
            pytest.raises(RuntimeError, match="already running"),
            fills.applied(fills.SimHooks(clock, LATENCIES)),
        ):
            pass
    assert "secondary_availability_zone" not in DBInstance.__dict__
    assert fills.hooks() is None
