"""Region failover and failback: order of the steps, the DNS switch, the freeze of the serving region,
and the constructs' prop checks."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns

from constructs_lib.runbooks.region_switch import RegionFailbackRunbook, RegionFailoverRunbook
from tests.constructs_lib.runbooks.helpers import (
    DB,
    DOCUMENTS,
    OSAKA,
    PAUSE,
    TOKYO,
    happy_path,
    reachable,
    steps_by_name,
)


def test_failover_promotes_then_scales_then_switches_dns_then_verifies():
    path = happy_path(
        DOCUMENTS["failover"],
        {"CheckPauseOverride": "AssertNotPaused", "IsStandbyReplica": "PromoteReplica"},
    )
    assert path == [
        "CheckPauseOverride",
        "AssertNotPaused",
        "DescribeStandbyDatabase",
        "IsStandbyReplica",
        "PromoteReplica",
        "WaitForPromotionToStart",
        "WaitForDatabaseAvailable",
        "VerifyPromoted",
        "ScaleOutWebService",
        "OpenRegionSwitch",
        "CloseOtherRegionSwitch",
        "VerifyEndpointHealthy",
        "NotifySuccess",
    ]


def test_failover_rerun_skips_the_promotion_of_an_already_promoted_database():
    path = happy_path(
        DOCUMENTS["failover"],
        {"CheckPauseOverride": "DescribeStandbyDatabase", "IsStandbyReplica": "WaitForDatabaseAvailable"},
    )
    assert "PromoteReplica" not in path and "VerifyPromoted" in path and "AssertNotPaused" not in path


@pytest.mark.parametrize("name", ["failover", "failback"])
def test_no_path_opens_the_dns_switch_before_the_promotion_is_verified(name):
    content = DOCUMENTS[name]
    assert "OpenRegionSwitch" in reachable(content, "CheckPauseOverride")
    assert "OpenRegionSwitch" not in reachable(content, "CheckPauseOverride", removed={"VerifyPromoted"})


def test_switch_steps_open_this_region_then_close_the_other():
    steps = steps_by_name(DOCUMENTS["failover"])
    assert steps["OpenRegionSwitch"]["inputs"] | {} == {
        "Service": "route53",
        "Api": "UpdateHealthCheck",
        "HealthCheckId": "hc-osaka",
        "Inverted": False,
    }
    assert steps["CloseOtherRegionSwitch"]["inputs"]["HealthCheckId"] == "hc-tokyo"
    assert steps["CloseOtherRegionSwitch"]["inputs"]["Inverted"] is True
    assert steps["ScaleOutWebService"]["inputs"]["DesiredCapacity"] == "{{ DesiredCapacity }}"
    assert DOCUMENTS["failover"]["parameters"]["DesiredCapacity"] == {
        "type": "Integer",
        "description": "Instances to start with (production capacity).",
        "default": 2,
    }


def test_failback_freezes_the_serving_region_and_waits_for_the_replica_before_promoting():
    path = happy_path(
        DOCUMENTS["failback"],
        {"CheckPauseOverride": "AssertNotPaused", "IsStandbyReplica": "FreezeWritesInServingRegion"},
    )
    assert path[path.index("IsStandbyReplica") :][:4] == [
        "IsStandbyReplica",
        "FreezeWritesInServingRegion",
        "WaitForReplicaToCatchUp",
        "PromoteReplica",
    ]
    freeze = steps_by_name(DOCUMENTS["failback"])["FreezeWritesInServingRegion"]["inputs"]["InputPayload"]
    assert freeze["Region"] == "ap-northeast-3"
    assert "FreezeWritesInServingRegion" not in steps_by_name(DOCUMENTS["failover"])


# -- construct validation ------------------------------------------------------------------------


def _failover_props(stack: cdk.Stack, **overrides) -> dict:
    topics = {s: sns.Topic(stack, f"T{s}") for s in ("high", "critical")}
    return {
        "environment_name": "prod",
        "database_identifier": DB,
        "auto_scaling_group_name": "webapp-prod-web",
        "production_capacity": (2, 2, 6),
        "open_switch_id": "a",
        "close_switch_id": "b",
        "endpoint_health_check_id": "c",
        "pause_parameter_name": PAUSE,
        "notification_topics": topics,
        **overrides,
    }


def test_fails_when_production_capacity_is_not_min_desired_max():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"production_capacity \(2, 6, 4\) must be \(min, desired, max\)"):
        RegionFailoverRunbook(stack, "R", **_failover_props(stack, production_capacity=(2, 6, 4)))


def test_fails_when_the_failure_topic_is_missing():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    props = _failover_props(stack)
    props["notification_topics"] = {"high": props["notification_topics"]["high"]}
    with pytest.raises(ValueError, match=r"failure_severity \('critical'\) has no topic"):
        RegionFailoverRunbook(stack, "R", **props)


def test_fails_when_failback_is_deployed_in_the_region_it_leaves():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"serving_region \('ap-northeast-3'\) is this stack's region"):
        RegionFailbackRunbook(
            stack,
            "R",
            serving_region="ap-northeast-3",
            serving_auto_scaling_group_name="web",
            serving_pause_parameter_name=PAUSE,
            **_failover_props(stack),
        )


def test_fails_when_the_serving_group_name_is_a_token():
    stack = cdk.Stack(cdk.App(), "S", env=TOKYO)
    with pytest.raises(ValueError, match="serving_auto_scaling_group_name must be a plain name"):
        RegionFailbackRunbook(
            stack,
            "R",
            serving_region="ap-northeast-3",
            serving_auto_scaling_group_name=cdk.Aws.STACK_NAME,
            serving_pause_parameter_name=PAUSE,
            **_failover_props(stack),
        )
