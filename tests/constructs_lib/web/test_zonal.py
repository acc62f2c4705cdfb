"""Losing a zone: zonal shift on the load balancer and group, zonal autoshift, capacity for practice runs."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Match, Template

from constructs_lib._core import Naming, Severity
from constructs_lib.network import ResilientVpc
from constructs_lib.web import AutoHealingWebService, ZonalAutoshift, capacity_after_zone_loss
from constructs_lib.web.zonal import max_capacity_for_zone_loss

ENV = cdk.Environment(account="111111111111", region="eu-west-1")
THREE_ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def _service(zones=THREE_ZONES, **props) -> tuple[AutoHealingWebService, Template, cdk.Stack]:
    stack = cdk.Stack(cdk.App(), "Shop", env=ENV)
    vpc = ResilientVpc(stack, "Network", cidr="10.0.0.0/16", availability_zones=zones)
    web = AutoHealingWebService(stack, "Web", vpc=vpc.vpc, **props)
    return web, Template.from_stack(stack), stack


def test_load_balancer_and_group_are_registered_with_zonal_shift_by_default():
    _, t, _ = _service()
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "zonal_shift.config.enabled", "Value": "true"}]
            )
        },
    )
    t.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "AvailabilityZoneImpairmentPolicy": {
                "ZonalShiftEnabled": True,
                "ImpairedZoneHealthCheckBehavior": "ReplaceUnhealthy",
            }
        },
    )
    t.resource_count_is("AWS::ARCZonalShift::ZonalAutoshiftConfiguration", 0)  # autoshift is opt-in


def test_zonal_shift_can_be_left_off_and_the_impaired_zone_behaviour_chosen():
    _, off, _ = _service(zonal_shift=False)
    off.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup", {"AvailabilityZoneImpairmentPolicy": Match.absent()}
    )
    assert "zonal_shift.config.enabled" not in str(
        off.find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer")
    )
    _, ignore, _ = _service(impaired_zone_health_check="IgnoreUnhealthy")
    ignore.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "AvailabilityZoneImpairmentPolicy": Match.object_like(
                {"ImpairedZoneHealthCheckBehavior": "IgnoreUnhealthy"}
            )
        },
    )


def test_autoshift_practises_with_its_own_outcome_alarm_by_default():
    web, t, stack = _service(
        naming=Naming(app="shop", environment="prod"),
        min_capacity=3,
        max_capacity=9,
        zonal_autoshift=ZonalAutoshift(),
    )
    alb = stack.get_logical_id(web.load_balancer.node.default_child)
    (own,) = web.alarms
    assert (own.severity, own.signal) == (Severity.MEDIUM, "zonal-practice-errors")
    alarm = stack.get_logical_id(own.alarm.node.default_child)
    t.has_resource_properties(
        "AWS::ARCZonalShift::ZonalAutoshiftConfiguration",
        {
            "ResourceIdentifier": {"Ref": alb},
            "ZonalAutoshiftStatus": "ENABLED",
            "PracticeRunConfiguration": {
                "OutcomeAlarms": [{"AlarmIdentifier": {"Fn::GetAtt": [alarm, "Arn"]}, "Type": "CLOUDWATCH"}]
            },
        },
    )
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "shop-prod-web-zonal-practice-errors-medium",
            "Threshold": 5,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 3,
            "TreatMissingData": "notBreaching",
            "AlarmActions": Match.absent(),  # it judges practice runs; composites decide who is told
        },
    )


def test_autoshift_takes_the_callers_alarms_and_blocked_times():
    stack = cdk.Stack(cdk.App(), "Shop", env=ENV)
    vpc = ResilientVpc(stack, "Network", cidr="10.0.0.0/16", availability_zones=THREE_ZONES)
    outcome = cloudwatch.Alarm.from_alarm_arn(
        stack, "Outcome", "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:shop-5xx"
    )
    blocking = cloudwatch.Alarm.from_alarm_arn(
        stack, "Block", "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:shop-pause"
    )
    web = AutoHealingWebService(
        stack,
        "Web",
        vpc=vpc.vpc,
        zonal_autoshift=ZonalAutoshift(
            outcome_alarms=[outcome],
            blocking_alarms=[blocking],
            blocked_windows=["Mon:10:00-Mon:10:30"],
            blocked_dates=["2025-12-31"],
        ),
    )
    assert web.alarms == []
    Template.from_stack(stack).has_resource_properties(
        "AWS::ARCZonalShift::ZonalAutoshiftConfiguration",
        {
            "PracticeRunConfiguration": {
                "OutcomeAlarms": [{"AlarmIdentifier": outcome.alarm_arn, "Type": "CLOUDWATCH"}],
                "BlockingAlarms": [{"AlarmIdentifier": blocking.alarm_arn, "Type": "CLOUDWATCH"}],
                "BlockedWindows": ["Mon:10:00-Mon:10:30"],
                "BlockedDates": ["2025-12-31"],
            }
        },
    )


@pytest.mark.parametrize(
    ("max_capacity", "zones", "remaining"), [(9, 3, 6), (4, 2, 2), (3, 3, 2), (2, 2, 1), (1, 2, 0), (5, 1, 0)]
)
def test_capacity_after_zone_loss_assumes_the_lost_zone_held_its_full_share(max_capacity, zones, remaining):
    assert capacity_after_zone_loss(max_capacity, zones) == remaining


@pytest.mark.parametrize(("min_capacity", "zones", "needed"), [(3, 3, 5), (2, 2, 4), (1, 3, 2), (6, 2, 12)])
def test_the_smallest_maximum_that_survives_a_zone_loss(min_capacity, zones, needed):
    assert max_capacity_for_zone_loss(min_capacity, zones) == needed
    assert (
        capacity_after_zone_loss(needed, zones) >= min_capacity > capacity_after_zone_loss(needed - 1, zones)
    )


def test_fails_when_practice_runs_would_leave_less_than_the_minimum():
    with pytest.raises(
        ValueError,
        match=r"max_capacity \(2\) over 2 zones leaves 1 instance\(s\) when a zone is lost .* fewer than "
        r"min_capacity \(2\): raise max_capacity to at least 4",
    ):
        _service(zones=THREE_ZONES[:2], min_capacity=2, max_capacity=2, zonal_autoshift=ZonalAutoshift())


def test_fails_when_autoshift_is_asked_without_zonal_shift():
    with pytest.raises(ValueError, match=r"zonal_autoshift needs zonal_shift"):
        _service(zonal_shift=False, zonal_autoshift=ZonalAutoshift())


def test_fails_when_a_practice_run_alarm_is_in_another_region():
    stack = cdk.Stack(cdk.App(), "Shop", env=ENV)
    vpc = ResilientVpc(stack, "Network", cidr="10.0.0.0/16", availability_zones=THREE_ZONES)
    elsewhere = cloudwatch.Alarm.from_alarm_arn(
        stack, "Far", "arn:aws:cloudwatch:us-east-1:111111111111:alarm:x"
    )
    with pytest.raises(
        ValueError, match=r"zonal_autoshift\.outcome_alarms: alarm .* is in us-east-1, .* \(eu-west-1\)"
    ):
        AutoHealingWebService(
            stack, "Web", vpc=vpc.vpc, zonal_autoshift=ZonalAutoshift(outcome_alarms=[elsewhere])
        )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"blocked_windows": ["Monday 10:00"]},
            r"blocked_windows: 'Monday 10:00' is not a weekly UTC window",
        ),
        ({"blocked_dates": ["31.12.2025"]}, r"blocked_dates: '31\.12\.2025' is not a date"),
    ],
)
def test_fails_when_blocked_times_are_not_in_the_format_arc_reads(props, message):
    with pytest.raises(ValueError, match=message):
        ZonalAutoshift(**props)


def test_fails_when_the_impaired_zone_behaviour_is_unknown():
    with pytest.raises(ValueError, match=r"impaired_zone_health_check \('Replace'\) must be one of"):
        _service(impaired_zone_health_check="Replace")
