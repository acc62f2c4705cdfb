"""The scheduled incident detector against moto.

moto reports every status check "ok", every health check healthy, and has no Automation
executions: those states are set by a botocore ``before-call`` hook (tests named ``via_botocore_hook``).
"""

from __future__ import annotations

import json

import pytest
from auto_heal_world import (
    GROUP,
    FakeContext,
    execution_id,
    health_event,
    launch_unsuccessful,
    rds_event,
    state_change,
)

from lambda_src.auto_heal.errors import RetryableHealingError

CAPACITY_RUNBOOK = {
    "group-capacity": {
        "document": "webapp-prod-capacity",
        "role_arn": "arn:aws:iam::123456789012:role/webapp-prod-automation",
        "resource_parameter": "AutoScalingGroupName",
        "parameters": {"Reason": "detector"},
    }
}


def make_group_unhealthy(world, count=2):
    autoscaling = world.client("autoscaling")
    for instance in world.members()[:count]:
        autoscaling.set_instance_health(InstanceId=instance, HealthStatus="Unhealthy")


def statuses(result):
    return [r["status"] for r in result["results"]]


SETTLE = 300  # moto's default HealthCheckGracePeriod; no DefaultInstanceWarmup


def detect_persistent(world, **kwargs):
    """Two scheduled runs, far enough apart for a shortfall to count (two scans, > grace + warm-up)."""
    world.detect(**kwargs)
    world.now += SETTLE + 1
    return world.detect(**kwargs)


def test_healthy_environment_has_no_incident(world):
    world.create_database()
    world.create_health_check()

    result = world.detect()

    assert result == {"status": "done", "followed": [], "dispatched": [], "results": []}
    assert world.all_published() == {} and world.hooks.mutations() == []


def test_group_below_desired_is_recorded_and_notified_once_per_window(world):
    make_group_unhealthy(world)

    seen_once = world.detect()
    world.now += SETTLE + 1
    first = world.detect()
    world.now += 300  # the next scheduled run, inside the incident window
    second = world.detect()

    assert seen_once["dispatched"] == []  # one scan is not a shortfall yet
    assert statuses(first) == ["notified"] and statuses(second) == ["duplicate"]
    (note,) = world.published("critical")  # no healthy instance left
    assert "0 of 2 desired instances healthy in service" in note["Message"]
    (incident,) = world.incidents()
    assert (incident["incident_kind"], incident["resource_id"]) == ("group-capacity", GROUP)


def test_group_of_another_environment_is_not_scanned_into_an_incident(world):
    world.create_group("someone-elses", desired=1, max_size=1, tags={"Environment": "stg"})
    world.client("autoscaling").set_instance_health(
        InstanceId=world.members("someone-elses")[0], HealthStatus="Unhealthy"
    )

    assert world.detect()["results"] == []


def test_group_runbook_is_started_and_followed_to_success_via_botocore_hook(world):
    world.configure(RUNBOOKS_BY_INCIDENT=json.dumps(CAPACITY_RUNBOOK))
    make_group_unhealthy(world, count=1)

    detect_persistent(world)

    (execution,) = world.hooks.automations
    assert execution["DocumentName"] == "webapp-prod-capacity"
    assert execution["Parameters"] == {
        "AutomationAssumeRole": ["arn:aws:iam::123456789012:role/webapp-prod-automation"],
        "AutoScalingGroupName": [GROUP],
        "Reason": ["detector"],
    }
    assert len(world.ledger_items("FOLLOW#")) == 1
    assert world.published("high")  # 1 of 2 in service: high

    world.now += 60
    assert world.detect()["followed"] == [{"execution_id": execution_id(1), "status": "InProgress"}]

    world.hooks.automation_status[execution_id(1)] = "Success"
    world.now += 60
    followed = world.detect()["followed"]

    assert followed == [
        {
            "execution_id": execution_id(1),
            "status": "Success",
            "incident_status": "runbook-succeeded",
        }
    ]
    (incident,) = world.incidents()
    assert incident["status"] == "runbook-succeeded"
    assert incident["runbook_status"] == f"{execution_id(1)}: Success"
    assert world.ledger_items("FOLLOW#") == []
    (note,) = world.published("low")
    assert "recovered by runbook" in note["Subject"]


def test_failed_runbook_is_escalated_via_botocore_hook(world):
    world.configure(RUNBOOKS_BY_INCIDENT=json.dumps(CAPACITY_RUNBOOK))
    make_group_unhealthy(world, count=1)
    detect_persistent(world)
    world.published("high")
    world.hooks.automation_status[execution_id(1)] = "Failed"
    world.now += 300

    world.detect()

    (note,) = world.published("critical")
    assert "runbook FAILED" in note["Subject"] and "verifying health" in note["Message"]
    assert world.incidents()[0]["status"] == "runbook-failed"


def test_impaired_standalone_instance_gets_the_event_paths_recovery_and_only_once_via_botocore_hook(world):
    world.hooks.impaired[world.standalone] = "system"

    result = world.detect()
    by_event = world.invoke(health_event(world.standalone))  # AWS Health reports it too, later

    assert statuses(result) == ["acted"]
    assert world.hooks.mutations() == ["ec2.StopInstances", "ec2.StartInstances"]
    assert [r["status"] for r in by_event["results"]] == ["duplicate"]


def test_impaired_group_member_is_marked_unhealthy_via_botocore_hook(world):
    member = world.members()[0]
    world.hooks.impaired[member] = "instance"

    world.detect()

    assert world.health(member) == "Unhealthy"
    assert world.hooks.mutations() == ["autoscaling.SetInstanceHealth"]


def test_impaired_instance_of_another_environment_is_not_touched_via_botocore_hook(world):
    world.hooks.impaired[world.other_env] = "system"

    assert statuses(world.detect()) == ["not-owned"]
    assert world.hooks.mutations() == []


def test_stopped_database_is_an_incident(world):
    world.create_database()
    world.client("rds").stop_db_instance(DBInstanceIdentifier="webapp-prod-db")

    world.detect()

    (note,) = world.published("high")
    assert "database webapp-prod-db is stopped" in note["Message"]
    assert world.incidents()[0]["incident_kind"] == "database-unavailable"


def test_database_finding_during_an_open_failover_incident_is_added_to_it(world):
    world.create_database()
    world.invoke(rds_event("webapp-prod-db", categories=["failover"]))
    world.client("rds").stop_db_instance(DBInstanceIdentifier="webapp-prod-db")

    result = world.detect()

    assert statuses(result) == ["duplicate"]
    (incident,) = world.incidents()
    assert incident["incident_kind"] == "database-failover"
    assert incident["duplicate_deliveries"] == 1


def test_unhealthy_health_check_is_critical_via_botocore_hook(world):
    check = world.create_health_check()
    world.create_health_check("someone-elses", tags={"Environment": "stg"})
    world.hooks.unhealthy_checks.add(check)

    result = world.detect()

    assert statuses(result) == ["notified"]
    (note,) = world.published("critical")
    assert "webapp-prod-tokyo is unhealthy" in note["Message"]
    assert "0 of 2" in note["Message"]


def test_paused_detector_follows_runbooks_but_does_not_scan(world):
    make_group_unhealthy(world)
    world.set_pause("true")

    result = world.detect()

    assert result == {"status": "paused", "followed": []}
    assert world.incidents() == []
    assert not any(op.startswith("autoscaling.") for op in world.hooks.operations())


def test_dry_run_detector_starts_no_runbook(world):
    world.configure(DRY_RUN="true", RUNBOOKS_BY_INCIDENT=json.dumps(CAPACITY_RUNBOOK))
    make_group_unhealthy(world)

    detect_persistent(world)

    assert world.hooks.automations == [] and world.hooks.mutations() == []
    assert "[DRY RUN]" in world.published("critical")[0]["Subject"]


def test_a_failing_scan_source_via_botocore_hook_does_not_hide_the_others(world):
    world.hooks.fail("route53.ListHealthChecks", "AccessDenied", status=403)
    make_group_unhealthy(world)

    result = detect_persistent(world)

    assert statuses(result) == ["notified"]


def test_a_throttled_scan_via_botocore_hook_asks_for_a_retry_after_handling_the_rest(world):
    world.hooks.fail("rds.DescribeDBInstances", "Throttling", status=400)
    make_group_unhealthy(world)

    with pytest.raises(RetryableHealingError, match="scan"):
        world.detect()
    world.now += SETTLE + 1
    with pytest.raises(RetryableHealingError, match="scan"):
        world.detect()
    assert len(world.published("critical")) == 1


def test_the_detector_itself_only_reads_and_hands_over_via_botocore_hook(world):
    member = world.members()[0]
    world.hooks.impaired[member] = "instance"

    result = world.detect(deliver=False)

    assert world.hooks.mutations() == [] and world.all_published() == {}
    (handed,) = world.hooks.invocations  # queued by the hooks (moto's Invoke needs docker)
    assert result["dispatched"] == [handed["id"]]
    assert (handed["FunctionName"], handed["source"], handed["detail-type"]) == (
        "webapp-prod-autoheal", "autoheal.detector", "Incident Detected",
    )  # fmt: skip
    assert (handed["account"], handed["region"]) == ("123456789012", "ap-northeast-1")
    assert handed["detail"]["kind"] == "instance-impaired-instance"
    assert handed["detail"]["resource_id"] == member

    world.deliver_invocations()  # the healing function runs it, as Lambda's asynchronous invoke would

    assert world.hooks.mutations() == ["autoscaling.SetInstanceHealth"]


def test_detector_without_a_function_to_hand_over_to_acts_on_nothing(world):
    from lambda_src.auto_heal import detector
    from lambda_src.auto_heal import handler as handler_module

    make_group_unhealthy(world)
    world.configure()  # the healing function's environment: no HEALING_FUNCTION_NAME
    result = detector.handler({"id": "x", "source": "aws.events", "detail": {}}, FakeContext())

    assert result["status"] == "config-invalid"
    assert "HEALING_FUNCTION_NAME is missing" in result["problems"][0]
    assert world.hooks.invocations == [] and world.hooks.mutations() == []
    handler_module._runtime = None


def test_a_finding_is_a_claim_the_function_checks_before_anything(world):
    # A finding handed over (or forged by anyone allowed to invoke the function) about a healthy group
    group = world.group()
    claim = {
        "version": "0",
        "id": "detector-claim-1",
        "source": "autoheal.detector",
        "detail-type": "Incident Detected",
        "account": "123456789012",
        "region": "ap-northeast-1",
        "time": "2026-11-18T11:06:40Z",
        "resources": [],
        "detail": {"kind": "group-capacity", "resource_id": group["AutoScalingGroupName"], "facts": {}},
    }

    result = world.invoke(claim)

    assert statuses(result) == ["ignored"]
    assert "no longer so" in result["results"][0]["reason"]
    assert world.hooks.mutations() == [] and world.all_published() == {} and world.incidents() == []


# --- a shortfall must persist; groups being changed are left alone ------------------------------------
def test_a_shortfall_shorter_than_grace_and_warm_up_is_no_incident(world):
    make_group_unhealthy(world, count=1)
    world.detect()
    world.now += SETTLE - 60  # a second scan, but the replacement may still be in its grace period

    assert world.detect()["dispatched"] == []
    world.now += 61
    assert len(world.detect()["dispatched"]) == 1


def test_a_normal_replacement_by_the_event_path_opens_no_group_capacity_incident(world):
    member = world.members()[0]
    world.host_stop(member)
    world.invoke(state_change(member, "stopped"))  # marked unhealthy: the group is one short for a while
    assert world.health(member) == "Unhealthy"

    detect_persistent(world)
    world.now += SETTLE
    world.detect()

    assert [i["incident_kind"] for i in world.incidents()] == ["instance-recovery"]
    assert world.published("high") == [] and world.published("critical") == []


def test_groups_with_suspended_processes_are_left_alone_and_counted_afresh(world):
    make_group_unhealthy(world, count=1)
    autoscaling = world.client("autoscaling")
    world.detect()
    autoscaling.suspend_processes(
        AutoScalingGroupName=GROUP, ScalingProcesses=["HealthCheck", "ReplaceUnhealthy"]
    )
    world.now += SETTLE + 1

    assert world.detect()["dispatched"] == []  # a rolling update (CloudFormation suspends these)
    assert world.ledger_items("SEEN#") == []
    autoscaling.resume_processes(AutoScalingGroupName=GROUP)
    world.now += 60
    assert world.detect()["dispatched"] == []  # counting starts again after the deploy
    world.now += SETTLE + 1
    assert len(world.detect()["dispatched"]) == 1


def test_a_group_in_an_instance_refresh_is_left_alone_via_botocore_hook(world):
    make_group_unhealthy(world, count=1)
    world.hooks.refreshes[GROUP] = "InProgress"  # moto lacks DescribeInstanceRefreshes

    assert detect_persistent(world)["dispatched"] == []


def test_a_finding_on_a_resource_with_any_open_incident_is_added_to_it(world):
    world.invoke(launch_unsuccessful())  # an event-path incident on the group
    make_group_unhealthy(world, count=1)

    result = detect_persistent(world)

    assert statuses(result) == ["duplicate"]
    (incident,) = world.incidents()
    assert incident["incident_kind"] == "launch-failure" and incident["duplicate_deliveries"] == 1
