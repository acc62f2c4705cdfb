"""What the function lets in: its own account and region only, ARNs in full, fresh events only, text
that can be encoded, format-checked identifiers, alarms that are this stack's, idempotency on content."""

from __future__ import annotations

import json

import pytest
from auto_heal_world import (
    ACCOUNT,
    GROUP,
    health_event,
    iso,
    launch_unsuccessful,
    load_event,
    new_id,
    state_change,
)

from lambda_src.auto_heal.origin import Origin, age_problem, parse_arn, parse_time


def statuses(result):
    return [r["status"] for r in result["results"]]


def reasons(result):
    return " ".join(r.get("reason", "") for r in result["results"])


# --- origin ------------------------------------------------------------------------------------------
def test_the_origin_comes_from_the_functions_own_arn_and_region():
    arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:webapp-prod-autoheal"
    assert Origin.of(arn, "ap-northeast-1") == Origin("123456789012", "ap-northeast-1", "aws")
    assert Origin.of(arn, "ap-northeast-3") is None  # a function runs where its ARN says
    assert Origin.of("not-an-arn", "ap-northeast-1") is None
    assert parse_arn("arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0abcd1111aaaa2222").resource == (
        "instance/i-0abcd1111aaaa2222"
    )
    assert parse_arn("arn:aws:ec2:ap-northeast-1:12345:instance/i-1") is None
    assert parse_arn("i-0abcd1111aaaa2222") is None


def test_an_event_of_another_account_or_region_is_not_acted_on(world):
    world.stop(world.standalone)
    for field, value in (("account", "999999999999"), ("region", "us-east-1")):
        event = state_change(world.standalone, "stopped")
        event[field] = value

        result = world.invoke(event)

        assert statuses(result) == ["ignored"] and value in reasons(result)
    assert world.state(world.standalone) == "stopped"
    assert world.hooks.operations() == []  # not even read


def test_a_resource_arn_of_another_account_is_not_acted_on(world):
    world.stop(world.standalone)
    event = state_change(world.standalone, "stopped")
    event["resources"] = [f"arn:aws:ec2:ap-northeast-1:999999999999:instance/{world.standalone}"]

    assert statuses(world.invoke(event)) == ["ignored"]
    assert world.state(world.standalone) == "stopped"


def test_a_health_event_naming_a_foreign_arn_acts_on_nothing(world):
    member = world.members()[0]
    event = health_event(member)
    event["resources"] = [f"arn:aws:ec2:ap-northeast-1:999999999999:instance/{member}"]
    event["detail"]["affectedEntities"] = [{"entityValue": member, "awsAccountId": "999999999999"}]

    result = world.invoke(event)

    assert statuses(result) == ["ignored"] and "names no EC2 instance of this account" in reasons(result)
    assert world.hooks.mutations() == [] and world.health(member) == "Healthy"


def test_an_sns_alarm_notification_from_another_accounts_topic_is_not_acted_on(world):
    event = world.alarm_event("webapp-prod-web-cpu-medium", via="sns")
    record = event["Records"][0]["Sns"]
    record["TopicArn"] = "arn:aws:sns:ap-northeast-1:999999999999:webapp-prod-high"

    assert statuses(world.invoke(event)) == ["ignored"]
    assert world.hooks.mutations() == []


# --- time --------------------------------------------------------------------------------------------
def test_times_of_every_shape_parse():
    assert parse_time("2026-11-20T03:04:40.551+0000") == parse_time("2026-11-20T03:04:40.551Z")
    assert parse_time("Fri, 20 Nov 2026 00:00:00 GMT") == parse_time("2026-11-20T00:00:00Z")
    assert parse_time("2026-11-20T03:04:40") is None  # no zone: not a time the function trusts
    assert parse_time("yesterday") is None


def test_a_stale_event_is_dropped_and_a_fresh_one_acted_on(world):
    world.stop(world.standalone)
    old = state_change(world.standalone, "stopped")
    old["time"] = iso(world.now - 16 * 60)

    result = world.invoke(old, stamp=False)

    assert statuses(result) == ["ignored"] and "stale" in reasons(result)
    assert world.state(world.standalone) == "stopped" and world.hooks.operations() == []
    assert statuses(world.invoke(state_change(world.standalone, "stopped"))) != ["ignored"]


def test_the_stale_age_is_configurable(world):
    world.configure(STALE_EVENT_SECONDS="3600")
    event = state_change(world.standalone, "stopping")
    event["time"] = iso(world.now - 30 * 60)

    assert "stale" not in reasons(world.invoke(event, stamp=False))


def test_a_scheduled_retirement_notice_counts_until_its_scheduled_start():
    posted = parse_time("2026-11-06T01:00:00Z")
    due = "Fri, 20 Nov 2026 00:00:00 GMT"
    week_later = posted + 7 * 86_400
    assert age_problem("2026-11-06T01:00:00Z", now=week_later, max_age=900, not_after=due) is None
    late = age_problem(
        "2026-11-06T01:00:00Z", now=parse_time("2026-11-20T00:00:01Z"), max_age=900, not_after=due
    )
    assert late is not None and "too late" in late
    # without a scheduled start, the age rule
    assert "stale" in age_problem("2026-11-06T01:00:00Z", now=week_later, max_age=900)


def test_a_retirement_notice_posted_days_ago_is_still_acted_on(world):
    retiring = world.standalone
    event = load_event("health-ec2-persistent-instance-retirement-scheduled")
    event["id"] = new_id()
    event["time"] = iso(world.now - 3 * 86_400)
    event["resources"] = [retiring]
    event["detail"]["affectedEntities"] = [{"entityValue": retiring}]
    event["detail"]["startTime"] = "Mon, 30 Nov 2026 00:00:00 GMT"  # after the world's now

    result = world.invoke(event, stamp=False)

    assert statuses(result) == ["acted"]
    assert world.hooks.mutations() == ["ec2.StopInstances", "ec2.StartInstances"]


# --- text and identifiers ------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["instance-id", "state"])
def test_a_lone_surrogate_is_a_permanent_rejection_never_a_retry(world, where):
    event = state_change(world.standalone, "stopped")
    event["detail"][where] += "\ud800"

    result = world.invoke(event)  # returns: no RetryableHealingError, so no retries and no DLQ

    assert statuses(result) == ["ignored"] and "cannot be encoded" in reasons(result)
    assert world.hooks.operations() == [] and world.ledger_items("LOCK#") == []


def test_a_surrogate_escaped_inside_an_sns_message_is_rejected_too(world):
    event = world.alarm_event("webapp-prod-web-cpu-medium", via="sns")
    record = event["Records"][0]["Sns"]
    record["Message"] = record["Message"].replace('"NewStateReason": "', '"NewStateReason": "\\ud800', 1)

    result = world.invoke(event)

    assert statuses(result) == ["ignored"] and "cannot be encoded" in reasons(result)
    assert world.ledger_items("LOCK#") == []


def test_a_group_name_dimension_that_is_no_group_name_pages_nobody(world):
    event = world.alarm_event("webapp-prod-web-cpu-medium")
    event["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"] = {
        "AutoScalingGroupName": "x" * 2_000
    }

    result = world.invoke(event)

    assert statuses(result) == ["ignored"] and "not a valid AutoScalingGroupName" in reasons(result)
    assert world.all_published() == {} and world.hooks.operations() == []


# --- alarms: this stack's only ------------------------------------------------------------------------
def test_an_alarm_named_like_ours_but_not_tagged_ours_triggers_nothing(world):
    event = world.alarm_event("webapp-prod-web-cpu-medium", tags={})  # created by anyone in the account

    result = world.invoke(event)

    assert statuses(result) == ["not-owned"] and "not this stack's" in reasons(result)
    assert world.hooks.mutations() == [] and world.all_published() == {}


def test_an_alarm_that_is_ok_again_or_gone_triggers_nothing(world):
    event = world.alarm_event("webapp-prod-web-cpu-medium")
    world.client("cloudwatch").set_alarm_state(
        AlarmName="webapp-prod-web-cpu-medium", StateValue="OK", StateReason="recovered"
    )
    assert statuses(world.invoke(event)) == ["ignored"]

    gone = world.alarm_event("webapp-prod-web-cpu-high")
    world.client("cloudwatch").delete_alarms(AlarmNames=["webapp-prod-web-cpu-high"])
    assert statuses(world.invoke(gone)) == ["not-found"]
    assert world.hooks.mutations() == []


def test_an_event_claiming_another_group_than_the_alarm_watches_is_not_believed(world):
    other = world.create_group("webapp-prod-api", desired=1, max_size=3)
    event = world.alarm_event("webapp-prod-web-cpu-medium")  # the alarm watches GROUP
    event["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"] = {
        "AutoScalingGroupName": "webapp-prod-api"
    }

    result = world.invoke(event)

    assert statuses(result) == ["ignored"] and "not ('cpu', 'webapp-prod-api')" in reasons(result)
    assert world.group("webapp-prod-api")["DesiredCapacity"] == 1 and other


# --- idempotency on content --------------------------------------------------------------------------
def test_an_event_reusing_an_id_with_other_content_is_not_answered_from_the_first(world):
    world.stop(world.standalone)
    first = state_change(world.standalone, "stopping", event_id="reused-id")
    world.invoke(first)
    second = launch_unsuccessful(GROUP)
    second["id"] = "reused-id"

    result = world.invoke(second)

    assert result["results"][0].get("delivery") != "duplicate"
    assert result["results"][0]["status"] == "notified"
    assert json.dumps(result).count("launch") >= 1 and ACCOUNT
