"""AWS faults moto cannot raise, injected by a botocore ``before-call`` hook over moto.

Transient faults (throttling, 5xx) are recorded, notified, and raised so Lambda retries the event
(then hands it to the DLQ); the retry acts once and never repeats a completed action. Permanent
faults (access denied) are recorded and notified, and the event is done.
"""

from __future__ import annotations

import pytest
from auto_heal_world import state_change

from lambda_src.auto_heal.errors import RetryableHealingError


def test_throttled_start_via_botocore_hook_is_reported_kept_for_retry_and_then_done_once(world):
    world.host_stop(world.standalone)
    world.hooks.fail("ec2.StartInstances", "RequestLimitExceeded", status=503, times=1)
    event = state_change(world.standalone, "stopped")

    with pytest.raises(RetryableHealingError, match="RequestLimitExceeded"):
        world.invoke(event)

    assert world.state(world.standalone) == "stopped"
    (incident,) = world.incidents()
    assert incident["status"] == "retrying"
    assert incident["actions"][0]["outcome"] == "failed"
    assert world.ledger_items("LOCK#") == []  # released for the retry
    (note,) = world.published("medium")
    assert "retrying" in note["Subject"] and "RequestLimitExceeded" in note["Message"]

    world.invoke(event)  # Lambda's asynchronous retry: same event id

    assert world.state(world.standalone) == "running"
    assert world.hooks.mutations() == ["ec2.StartInstances", "ec2.StartInstances"]
    (incident,) = world.incidents()  # the same incident, now done
    assert incident["status"] == "acted"
    assert [a["outcome"] for a in incident["actions"]] == ["failed", "succeeded"]


def test_service_error_on_scale_out_via_botocore_hook_is_retried_without_repeating_diagnostics(world):
    world.hooks.fail("autoscaling.SetDesiredCapacity", "InternalFailure", status=500, times=1)
    event = world.alarm_event("webapp-prod-web-cpu-medium")

    with pytest.raises(RetryableHealingError, match="InternalFailure"):
        world.invoke(event)
    assert world.group()["DesiredCapacity"] == 2

    world.invoke(event)

    assert world.group()["DesiredCapacity"] == 3
    assert world.hooks.mutations().count("ssm.SendCommand") == 1  # done by the first attempt
    assert world.hooks.mutations().count("autoscaling.SetDesiredCapacity") == 2


def test_throttled_notification_after_acting_via_botocore_hook_is_retried_without_acting_again(world):
    world.hooks.fail("sns.Publish", "Throttling", status=400, times=1)
    event = world.alarm_event("webapp-prod-web-cpu-medium")

    with pytest.raises(RetryableHealingError, match="Throttling"):
        world.invoke(event)
    world.invoke(event)

    assert world.group()["DesiredCapacity"] == 3  # not 4: the scale-out was recorded as done
    assert world.hooks.mutations().count("autoscaling.SetDesiredCapacity") == 1
    assert len(world.published("medium")) == 1


def test_access_denied_on_acting_via_botocore_hook_is_reported_high_and_not_retried(world):
    member = world.members()[0]
    world.stop(member)
    world.hooks.fail("autoscaling.SetInstanceHealth", "AccessDenied", status=403)
    event = state_change(member, "stopped")

    result = world.invoke(event)

    assert result["results"][0]["status"] == "failed"
    assert world.health(member) == "Healthy"
    (note,) = world.published("high")  # medium, escalated because healing failed
    assert "healing FAILED" in note["Subject"] and "AccessDenied" in note["Message"]
    (incident,) = world.incidents()
    assert (incident["status"], incident["severity"]) == ("failed", "high")

    again = world.invoke(event)  # a redelivery does not try again

    assert again["results"][0]["delivery"] == "duplicate"
    assert world.hooks.mutations() == ["autoscaling.SetInstanceHealth"]


def test_throttled_read_via_botocore_hook_is_retried_before_anything_is_recorded(world):
    world.host_stop(world.standalone)
    world.hooks.fail("ec2.DescribeInstances", "RequestLimitExceeded", status=503, times=1)
    event = state_change(world.standalone, "stopped")

    with pytest.raises(RetryableHealingError):
        world.invoke(event)
    assert world.incidents() == [] and world.all_published() == {}

    world.invoke(event)
    assert world.state(world.standalone) == "running"


def test_access_denied_on_a_read_via_botocore_hook_is_notified_and_not_retried(world):
    world.hooks.fail("autoscaling.DescribeAutoScalingInstances", "AccessDenied", status=403)

    result = world.invoke(state_change(world.standalone, "stopped"))

    assert result["results"][0]["status"] == "error"
    assert world.hooks.mutations() == []
    (note,) = world.published("high")
    assert "Could not handle" in note["Message"] and "AccessDenied" in note["Message"]
    assert "No action was taken." in note["Message"]


def test_ledger_throttled_via_botocore_hook_keeps_the_event_for_retry(world):
    world.hooks.fail("dynamodb.PutItem", "ProvisionedThroughputExceededException", status=400, times=1)
    world.host_stop(world.standalone)
    event = state_change(world.standalone, "stopped")

    with pytest.raises(RetryableHealingError, match="idempotency store"):
        world.invoke(event)
    assert world.hooks.mutations() == []

    world.invoke(event)
    assert world.state(world.standalone) == "running"


def test_permanent_notification_failure_via_botocore_hook_is_logged_not_raised(world):
    world.host_stop(world.standalone)
    world.hooks.fail("sns.Publish", "AuthorizationError", status=403)

    result = world.invoke(state_change(world.standalone, "stopped"))

    assert result["results"][0]["status"] == "acted"
    assert world.state(world.standalone) == "running"
    assert world.incidents()[0]["status"] == "acted"


def test_ledger_denied_via_botocore_hook_is_notified_and_nothing_is_done(world):
    world.host_stop(world.standalone)
    world.hooks.fail(
        "dynamodb.UpdateItem", "AccessDeniedException", status=400, times=1
    )  # opening the incident

    result = world.invoke(state_change(world.standalone, "stopped"))

    assert result["results"][0]["status"] == "error"
    assert world.hooks.mutations() == []
    (note,) = world.published("high")
    assert "AccessDeniedException" in note["Message"]
