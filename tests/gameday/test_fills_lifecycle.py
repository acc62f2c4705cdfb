"""The lifecycle fills (tools/gameday/fills_lifecycle.py) against moto: replacement, the EC2 health
check, scale-in with and without a warm pool, the warm pool's template type, asynchronous invokes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.gameday.conftest import REGION
from tests.gameday.test_moto_gaps import _create_stack, _group_with_target_group, _members, _target_health
from tools.gameday import fills_lifecycle, moto_gaps

ACCOUNT = "123456789012"


def _backend():
    from moto.autoscaling.models import autoscaling_backends

    return autoscaling_backends[ACCOUNT][REGION]


def _client(service: str):
    return boto3.client(service, region_name=REGION)


def _instance(instance_id: str) -> dict:
    return _client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def _launch_first(group: str) -> None:
    """What the template's InstanceMaintenancePolicy gives the group (moto drops it on the API path)."""
    _backend().autoscaling_groups[group].instance_maintenance_policy = {"MinHealthyPercentage": 100}


def test_a_replacement_launches_first_and_the_terminated_instance_keeps_its_tags(gaps):
    group, target_group = _group_with_target_group(desired=2)
    _launch_first(group)
    old = sorted(_members(group))[0]

    _client("autoscaling").set_instance_health(InstanceId=old, HealthStatus="Unhealthy")

    assert old not in _members(group) and len(_members(group)) == 2
    terminated = _instance(old)
    assert terminated["State"]["Name"] == "terminated"
    assert {"Key": "aws:autoscaling:groupName", "Value": group} in terminated["Tags"]  # still visible, tagged
    assert _target_health(target_group, [old])[old] in ("draining", "unused")


def test_no_replacement_while_replace_unhealthy_is_suspended(gaps):
    group, _ = _group_with_target_group(desired=2)
    autoscaling = _client("autoscaling")
    autoscaling.suspend_processes(AutoScalingGroupName=group, ScalingProcesses=["ReplaceUnhealthy"])
    member = sorted(_members(group))[0]

    autoscaling.set_instance_health(InstanceId=member, HealthStatus="Unhealthy")

    assert _members(group)[member] == ("InService", "Unhealthy")
    assert _instance(member)["State"]["Name"] == "running"


def test_the_ec2_health_check_replaces_a_stopped_member_past_its_grace_period_only(gaps):
    group, _ = _group_with_target_group(desired=2)
    _backend().autoscaling_groups[group].health_check_grace_period = 180
    stopped, standby = sorted(_members(group))
    _client("ec2").stop_instances(InstanceIds=[stopped, standby])
    _client("autoscaling").enter_standby(
        InstanceIds=[standby], AutoScalingGroupName=group, ShouldDecrementDesiredCapacity=True
    )

    assert fills_lifecycle.run_health_checks(ACCOUNT, REGION) == []  # launched moments ago: in grace
    later = datetime.now(UTC) + timedelta(minutes=4)
    (done,) = fills_lifecycle.run_health_checks(ACCOUNT, REGION, now=later)

    assert done.startswith(f"{stopped} (stopped): Unhealthy")
    assert stopped not in _members(group)
    assert _members(group)[standby] == ("Standby", "Healthy")  # Standby members are not checked


def test_the_ec2_health_check_does_nothing_while_health_checks_are_suspended(gaps):
    group, _ = _group_with_target_group(desired=1)
    (member,) = _members(group)
    _client("ec2").stop_instances(InstanceIds=[member])
    _client("autoscaling").suspend_processes(AutoScalingGroupName=group, ScalingProcesses=["HealthCheck"])

    later = datetime.now(UTC) + timedelta(hours=1)
    assert fills_lifecycle.run_health_checks(ACCOUNT, REGION, now=later) == []
    assert member in _members(group)


def test_scale_in_with_a_reusing_warm_pool_returns_the_instance_to_the_pool(gaps):
    group, _ = _group_with_target_group(desired=2)
    autoscaling = _client("autoscaling")
    autoscaling.put_warm_pool(
        AutoScalingGroupName=group,
        MinSize=0,
        PoolState="Stopped",
        InstanceReusePolicy={"ReuseOnScaleIn": True},
    )

    autoscaling.set_desired_capacity(AutoScalingGroupName=group, DesiredCapacity=1)

    states = {i: s for i, (s, _) in _members(group).items()}
    (pooled,) = [i for i, s in states.items() if s == "Warmed:Stopped"]
    assert _instance(pooled)["State"]["Name"] == "stopped"
    rows = autoscaling.describe_auto_scaling_instances(InstanceIds=[pooled])["AutoScalingInstances"]
    assert (rows[0]["AutoScalingGroupName"], rows[0]["LifecycleState"]) == (group, "Warmed:Stopped")

    autoscaling.set_desired_capacity(AutoScalingGroupName=group, DesiredCapacity=2)  # scale out: reused

    assert _members(group)[pooled][0] == "InService"
    assert _instance(pooled)["State"]["Name"] == "running" and len(_members(group)) == 2


def test_scale_in_without_a_pool_terminates_keeping_the_tags(gaps):
    group, _ = _group_with_target_group(desired=2)

    _client("autoscaling").set_desired_capacity(AutoScalingGroupName=group, DesiredCapacity=1)

    (gone,) = [
        r["InstanceId"]
        for r in _client("ec2").describe_instances()["Reservations"][0]["Instances"]
        if r["State"]["Name"] == "terminated"
    ] or [None]
    assert gone is not None and gone not in _members(group)
    assert {"Key": "aws:autoscaling:groupName", "Value": group} in _instance(gone)["Tags"]


def test_a_warm_pool_in_a_template_holds_its_stopped_instances(gaps):
    group, _ = _group_with_target_group(desired=1)
    _create_stack(
        {
            "Resources": {
                "Pool": {
                    "Type": "AWS::AutoScaling::WarmPool",
                    "Properties": {
                        "AutoScalingGroupName": group,
                        "MinSize": 1,
                        "PoolState": "Stopped",
                        "InstanceReusePolicy": {"ReuseOnScaleIn": True},
                    },
                }
            }
        }
    )
    warmed = [i for i, (state, _) in _members(group).items() if state == "Warmed:Stopped"]
    assert len(warmed) == 1 and _instance(warmed[0])["State"]["Name"] == "stopped"
    pool = _client("autoscaling").describe_warm_pool(AutoScalingGroupName=group)["WarmPoolConfiguration"]
    assert pool["MinSize"] == 1


def test_an_asynchronous_invoke_is_queued_for_the_game_day(gaps):
    _client("lambda").invoke(
        FunctionName="arn:aws:lambda:ap-northeast-1:123456789012:function:webapp-dev-heal",
        InvocationType="Event",
        Payload=json.dumps({"id": "x"}).encode(),
    )
    assert fills_lifecycle.ASYNC_INVOCATIONS == [("webapp-dev-heal", {"id": "x"})]


def test_the_lifecycle_fills_are_listed_and_come_off_with_the_others():
    names = {gap.name for gap in moto_gaps.GAPS}
    assert {"behaviour:autoscaling:EC2 health check", "api:lambda:Invoke (Event)"} <= names
    assert "AWS::AutoScaling::WarmPool" not in moto_gaps.SKIPPED_TYPES
    with moto_gaps.applied():
        fills_lifecycle.ASYNC_INVOCATIONS.append(("f", {}))
    assert fills_lifecycle.ASYNC_INVOCATIONS == []
    with pytest.raises(AttributeError):
        from moto.autoscaling.models import FakeAutoScalingGroup

        _ = FakeAutoScalingGroup.instance_maintenance_policy  # plain moto again
