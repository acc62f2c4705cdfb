"""Region failover and failback: order of the steps, the DNS switch, the freeze of the serving region,
and the constructs' prop checks."""

from __future__ import annotations

import copy

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns

from constructs_lib import Naming
from constructs_lib.alerting import PauseSwitch
from constructs_lib.runbooks import graph
from constructs_lib.runbooks.props import RegionSwitches, ServingRegion, StandbyDatabase, WebCapacity
from constructs_lib.runbooks.region_switch import RegionFailbackRunbook, RegionFailoverRunbook
from constructs_lib.runbooks.validation import validate_automation_document
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


def test_failover_scales_out_then_promotes_then_waits_for_capacity_then_switches_dns():
    path = happy_path(
        DOCUMENTS["failover"],
        {"CheckPauseOverride": "AssertNotPaused", "IsStandbyReplica": "PromoteReplica"},
    )
    assert path == [
        "CheckPauseOverride",
        "AssertNotPaused",
        "ScaleOutWebService",
        "DescribeStandbyDatabase",
        "IsStandbyReplica",
        "PromoteReplica",
        "WaitForPromotionToStart",
        "WaitForDatabaseAvailable",
        "VerifyPromoted",
        "WaitForInServiceInstances",
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
def test_the_scale_out_starts_before_the_promotion_and_its_wait_on_every_path(name):
    """Automation has no parallel branches: the group scales beside the promotion by starting first."""
    content = DOCUMENTS[name]
    start = content["mainSteps"][0]["name"]
    for later in ("PromoteReplica", "WaitForPromotionToStart", "WaitForDatabaseAvailable", "VerifyPromoted"):
        assert later in reachable(content, start)
        assert later not in reachable(content, start, removed={"ScaleOutWebService"}), later
    # and never again after the promotion started
    assert "ScaleOutWebService" not in graph.reachable(content, "PromoteReplica", on_failure=False)


@pytest.mark.parametrize("name", ["failover", "failback"])
def test_dns_moves_only_after_the_promotion_and_the_production_minimum_in_service(name):
    content = DOCUMENTS[name]
    start = content["mainSteps"][0]["name"]
    for switch in ("OpenRegionSwitch", "CloseOtherRegionSwitch"):
        assert switch in reachable(content, start)
        for gate in ("VerifyPromoted", "WaitForInServiceInstances"):
            assert switch not in reachable(content, start, removed={gate}), (switch, gate)
    wait = steps_by_name(content)["WaitForInServiceInstances"]
    assert wait["inputs"]["Handler"] == "wait_for_in_service_instances"
    assert wait["inputs"]["InputPayload"]["MinimumInService"] == "{{ MinSize }}"
    assert wait["inputs"]["InputPayload"]["AutoScalingGroupName"] == "webapp-prod-web"
    assert content["parameters"]["MinSize"]["default"] == 2
    # the wait sees the group the scale-out sized
    scale = steps_by_name(content)["ScaleOutWebService"]["inputs"]
    assert scale["AutoScalingGroupName"] == wait["inputs"]["InputPayload"]["AutoScalingGroupName"]
    assert scale["MinSize"] == "{{ MinSize }}"


@pytest.mark.parametrize("name", ["failover", "failback"])
def test_every_step_states_its_timeout_and_attempts_and_the_graph_is_valid(name):
    content = DOCUMENTS[name]
    assert graph.steps_without_explicit_timing(content) == []
    assert validate_automation_document(content) == []
    steps = steps_by_name(content)
    # a script step never outlives aws:executeScript's 600 s, and its own poll loop ends before that
    for step in steps.values():
        if step["action"] == "aws:executeScript":
            assert step["timeoutSeconds"] <= 600
            assert step["inputs"]["InputPayload"].get("TimeoutSeconds", 0) < step["timeoutSeconds"]
    assert steps["WaitForInServiceInstances"]["maxAttempts"] == 3
    assert steps["PromoteReplica"]["maxAttempts"] == 1  # never promote twice
    assert steps["WaitForPromotionToStart"]["timeoutSeconds"] > 60


def test_the_timing_check_reports_a_step_without_timing():
    content = copy.deepcopy(DOCUMENTS["failover"])
    del steps_by_name(content)["OpenRegionSwitch"]["maxAttempts"]
    assert graph.steps_without_explicit_timing(content) == ["OpenRegionSwitch: no maxAttempts"]


def test_a_paused_environment_is_not_scaled_out():
    """Only the pause check leads to the scale-out: its assertion, or the human override."""
    content = DOCUMENTS["failover"]
    into = {
        step["name"]
        for step in content["mainSteps"]
        if "ScaleOutWebService" in graph.successors(content, step["name"], on_failure=False)
    }
    assert into == {"CheckPauseOverride", "AssertNotPaused"}
    (override,) = steps_by_name(content)["CheckPauseOverride"]["inputs"]["Choices"]
    assert override == {
        "NextStep": "ScaleOutWebService",
        "Variable": "{{ IgnorePauseSwitch }}",
        "StringEquals": "true",
    }
    assert steps_by_name(content)["AssertNotPaused"]["onFailure"] == "step:NotifyFailure"


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
    assert path.index("ScaleOutWebService") < path.index("FreezeWritesInServingRegion")
    freeze = steps_by_name(DOCUMENTS["failback"])["FreezeWritesInServingRegion"]["inputs"]["InputPayload"]
    assert freeze["Region"] == "ap-northeast-3"
    assert "FreezeWritesInServingRegion" not in steps_by_name(DOCUMENTS["failover"])


# -- construct validation ------------------------------------------------------------------------


def _failover_props(stack: cdk.Stack, **overrides) -> dict:
    topics = {s: sns.Topic(stack, f"T{s}") for s in ("high", "critical")}
    return {
        "naming": Naming(app="webapp", environment="prod"),
        "pause_switch": PauseSwitch.from_parameter_name(stack, "Pause", PAUSE),
        "notification_topics": topics,
        "standby": StandbyDatabase(identifier=DB),
        "capacity": WebCapacity(auto_scaling_group_name="webapp-prod-web", min_capacity=2, max_capacity=6),
        "dns": RegionSwitches(open_switch_id="a", close_switch_id="b", endpoint_health_check_id="c"),
        **overrides,
    }


def test_fails_when_the_failure_topic_is_missing():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    props = _failover_props(stack)
    props["notification_topics"] = {"high": props["notification_topics"]["high"]}
    with pytest.raises(ValueError, match=r"failure_severity \('critical'\) has no topic"):
        RegionFailoverRunbook(stack, "R", **props)


def test_fails_when_a_severity_is_not_a_severity():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"success_severity \('urgent'\) is not a severity"):
        RegionFailoverRunbook(stack, "R", **_failover_props(stack, success_severity="urgent"))


def _serving(stack: cdk.Stack, **overrides) -> ServingRegion:
    props = {
        "region": "ap-northeast-3",
        "auto_scaling_group_name": "webapp-prod-web",
        "pause_switch": PauseSwitch.from_parameter_name(stack, "ServingPause", PAUSE),
    }
    return ServingRegion(**(props | overrides))


def test_fails_when_failback_is_deployed_in_the_region_it_leaves():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"serving\.region \('ap-northeast-3'\) is this stack's region"):
        RegionFailbackRunbook(stack, "R", serving=_serving(stack), **_failover_props(stack))


def test_fails_when_the_serving_group_name_is_a_token():
    stack = cdk.Stack(cdk.App(), "S", env=TOKYO)
    with pytest.raises(ValueError, match=r"serving\.auto_scaling_group_name must be a plain name"):
        _serving(stack, auto_scaling_group_name=cdk.Aws.STACK_NAME)


def test_fails_when_the_serving_pause_switch_is_not_addressed_by_name():
    stack = cdk.Stack(cdk.App(), "S", env=TOKYO)
    switch = PauseSwitch(stack, "Switch", naming=Naming(app="webapp", environment="prod"), with_alarm=False)
    with pytest.raises(ValueError, match=r"serving\.pause_switch must be addressed by a plain"):
        _serving(stack, pause_switch=switch)


def test_fails_when_the_serving_region_is_not_a_region_code():
    stack = cdk.Stack(cdk.App(), "S", env=TOKYO)
    with pytest.raises(ValueError, match=r"serving\.region \('osaka'\) must be a region code"):
        _serving(stack, region="osaka")


def test_failback_waits_for_the_lag_it_was_given():
    stack = cdk.Stack(cdk.App(), "S", env=TOKYO)
    runbook = RegionFailbackRunbook(
        stack, "R", serving=_serving(stack), max_replica_lag_seconds=5, **_failover_props(stack)
    )
    wait = steps_by_name(runbook.content)["WaitForReplicaToCatchUp"]["inputs"]["InputPayload"]
    assert wait["MaxReplicaLagSeconds"] == 5


def test_failover_without_an_endpoint_check_reports_success_without_verifying():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    runbook = RegionFailoverRunbook(
        stack, "R", **_failover_props(stack, dns=RegionSwitches(open_switch_id="a", close_switch_id="b"))
    )
    assert validate_automation_document(runbook.content) == []
    steps = steps_by_name(runbook.content)
    assert "VerifyEndpointHealthy" not in steps
    assert "not verified" in steps["NotifySuccess"]["inputs"]["Message"]
