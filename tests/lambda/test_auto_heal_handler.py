"""The handler against moto: every action, asserting what changed in the emulated account.

Where moto cannot play AWS (it runs no Run Command, has no Automation executions or instance
refreshes, and applies an accepted call at once), a botocore ``before-call`` hook stands in;
those tests say ``via_botocore_hook`` in their names.
"""

from __future__ import annotations

import pytest
from auto_heal_world import (
    COMMAND_DOCUMENT,
    GROUP,
    RUNBOOK,
    RUNBOOK_ROLE,
    group_alarm_eventbridge,
    health_event,
    launch_unsuccessful,
    rds_event,
    state_change,
)


def statuses(result):
    return [r["status"] for r in result["results"]]


# --- instances ----------------------------------------------------------------------------------
def test_standalone_instance_stopped_by_its_host_is_started_recorded_and_notified_via_patched_backend_state(
    world,
):
    world.host_stop(world.standalone)  # Server.ScheduledStop: a retirement stop, nobody chose it

    result = world.invoke(state_change(world.standalone, "stopped"))

    assert world.state(world.standalone) == "running"
    assert world.hooks.mutations() == ["ec2.StartInstances"]
    assert statuses(result) == ["acted"]
    (note,) = world.published("medium")
    assert note["Subject"] == f"[MEDIUM] webapp prod instance-recovery: healed {world.standalone}"
    assert "start instance" in note["Message"] and "succeeded" in note["Message"]
    assert note["MessageAttributes"]["severity"]["Value"] == "medium"
    (incident,) = world.incidents()
    assert (incident["status"], incident["severity"], incident["incident_kind"]) == (
        "acted",
        "medium",
        "instance-recovery",
    )
    assert incident["completed_actions"] == {f"StartInstance:{world.standalone}"}
    assert incident["event_ids"] == {result["results"][0]["event_id"]}


def test_group_member_stopped_is_marked_unhealthy_and_never_started(world):
    member = world.members()[0]
    world.stop(member)

    world.invoke(state_change(member, "stopped"))

    assert world.health(member) == "Unhealthy"
    assert world.state(member) == "stopped"
    assert world.hooks.mutations() == ["autoscaling.SetInstanceHealth"]
    assert world.hooks.params("autoscaling.SetInstanceHealth")[0]["ShouldRespectGracePeriod"] is False


def test_standalone_instance_with_failed_automatic_recovery_is_stopped_and_started(world):
    world.invoke(health_event(world.standalone))

    assert world.hooks.mutations() == ["ec2.StopInstances", "ec2.StartInstances"]
    assert world.state(world.standalone) == "running"
    (note,) = world.published("high")
    assert "stop and start instance" in note["Message"]


def test_automatic_recovery_success_is_a_low_notice_without_action(world):
    world.invoke(health_event(world.standalone, "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS"))

    assert world.hooks.mutations() == []
    assert len(world.published("low")) == 1


@pytest.mark.parametrize("state", ["stopping", "stopped"])
def test_standalone_instance_stopped_through_the_api_is_left_alone_with_a_low_notice(world, state):
    world.stop(world.standalone)  # an operator, a schedule, any automation: Client.UserInitiatedShutdown

    result = world.invoke(state_change(world.standalone, state))

    assert statuses(result) == ["notified"]
    assert world.state(world.standalone) == "stopped" and world.hooks.mutations() == []
    (note,) = world.published("low")
    assert "deliberate, left alone" in note["Message"] and "CloudTrail" in note["Message"]
    assert world.all_published() == {}


def test_standalone_instance_shut_down_from_its_os_is_left_alone_via_patched_backend_state(world):
    world.host_stop(world.standalone, "Client.InstanceInitiatedShutdown")

    world.invoke(state_change(world.standalone, "stopped"))

    assert world.hooks.mutations() == []
    assert "shut down from inside its operating system" in world.published("low")[0]["Message"]


def test_standalone_instance_terminated_through_the_api_is_a_low_notice(world):
    world.client("ec2").terminate_instances(InstanceIds=[world.standalone])

    world.invoke(state_change(world.standalone, "terminated"))

    assert world.hooks.mutations() == []
    assert "deliberate, left alone" in world.published("low")[0]["Message"]
    assert world.published("high") == []


def test_standalone_instance_terminated_by_aws_is_reported_high_via_patched_backend_state(world):
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.instances import StateReason

    world.client("ec2").terminate_instances(InstanceIds=[world.standalone])
    instance = ec2_backends["123456789012"]["ap-northeast-1"].get_instance(world.standalone)
    instance.state_reason = StateReason("Server.InternalError", "Server.InternalError")

    world.invoke(state_change(world.standalone, "terminated"))

    assert world.hooks.mutations() == []
    (note,) = world.published("high")
    assert "cannot be healed" in note["Message"]


def test_instance_in_standby_is_left_to_the_group(world):
    member = world.members()[0]
    world.client("autoscaling").enter_standby(
        InstanceIds=[member], AutoScalingGroupName=GROUP, ShouldDecrementDesiredCapacity=True
    )
    world.stop(member)

    result = world.invoke(state_change(member, "stopped"))

    assert statuses(result) == ["lifecycle"]
    assert world.hooks.mutations() == [] and world.all_published() == {} and world.incidents() == []


def test_instance_replaced_by_an_instance_refresh_is_left_to_the_group_via_botocore_hook(world):
    member = world.members()[0]
    world.hooks.refreshes[GROUP] = "InProgress"  # moto 5.2.5 has no instance refreshes
    world.stop(member)

    result = world.invoke(state_change(member, "stopped"))

    assert statuses(result) == ["lifecycle"]
    assert world.health(member) == "Healthy"
    assert world.hooks.mutations() == []


# --- safety gates --------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["untagged", "other_env"])
def test_instance_of_no_or_another_environment_is_not_touched(world, which):
    instance = getattr(world, which)
    world.stop(instance)

    result = world.invoke(state_change(instance, "stopped"))

    assert statuses(result) == ["not-owned"]
    assert world.state(instance) == "stopped"
    assert world.hooks.mutations() == [] and world.all_published() == {} and world.incidents() == []


def test_unknown_instance_is_not_touched(world):
    result = world.invoke(state_change("i-0123456789abcdef0", "stopped"))
    assert statuses(result) == ["not-found"]
    assert world.hooks.mutations() == []


@pytest.mark.parametrize("value", ["true", "TRUE", "scheduled", "maybe", "False", " false ", None])
def test_pause_switch_on_missing_or_anything_but_exactly_false_means_no_action(world, value):
    world.set_pause(value)
    world.stop(world.standalone)

    result = world.invoke(state_change(world.standalone, "stopped"))

    assert statuses(result) == ["paused"]
    assert world.state(world.standalone) == "stopped"
    assert world.hooks.mutations() == [] and world.incidents() == []


def test_suppress_tag_means_no_action(world):
    world.client("ec2").create_tags(
        Resources=[world.standalone], Tags=[{"Key": "autoheal:suppress", "Value": "true"}]
    )
    world.stop(world.standalone)

    result = world.invoke(state_change(world.standalone, "stopped"))

    assert statuses(result) == ["suppressed"]
    assert world.state(world.standalone) == "stopped"


def test_dry_run_changes_nothing_but_records_and_notifies_what_it_would_do(world):
    world.configure(DRY_RUN="true")
    member = world.members()[0]
    world.host_stop(world.standalone)
    world.stop(member)

    world.invoke(state_change(world.standalone, "stopped"))
    world.invoke(world.alarm_event("webapp-prod-web-cpu-medium"))
    world.invoke(state_change(member, "stopping"))

    assert world.hooks.mutations() == []
    assert world.state(world.standalone) == "stopped"
    assert world.group()["DesiredCapacity"] == 2
    assert world.health(member) == "Healthy"
    notes = world.published("medium")
    assert len(notes) == 3 and all("[DRY RUN]" in n["Subject"] for n in notes)
    assert {i["status"] for i in world.incidents()} == {"dry-run"}


# --- idempotency, incident lock, rate limit ----------------------------------------------------
def test_duplicate_delivery_of_one_event_acts_once(world):
    world.host_stop(world.standalone)
    event = state_change(world.standalone, "stopped")

    first = world.invoke(event)
    world.host_stop(world.standalone)  # even if the instance stopped again meanwhile
    second = world.invoke(event)

    assert world.hooks.mutations() == ["ec2.StartInstances"]
    assert second["results"] == [{**first["results"][0], "delivery": "duplicate"}]
    assert len(world.published("medium")) == 1


def test_stopping_then_stopped_is_one_action_by_the_incident_lock_via_botocore_hook(world):
    # The group takes a moment to show the instance unhealthy: the second event still sees it
    # healthy, so only the incident lock keeps it from acting twice.
    world.hooks.accepted_without_effect.add("autoscaling.SetInstanceHealth")
    member = world.members()[0]
    world.stop(member)

    first = world.invoke(state_change(member, "stopping"))
    second = world.invoke(state_change(member, "stopped"))

    assert statuses(first) == ["acted"] and statuses(second) == ["duplicate"]
    assert world.hooks.mutations() == ["autoscaling.SetInstanceHealth"]
    (incident,) = world.incidents()
    assert incident["event_ids"] == {first["results"][0]["event_id"], second["results"][0]["event_id"]}
    assert incident["duplicate_deliveries"] == 1


def test_same_alarm_by_sns_and_eventbridge_is_one_incident_and_one_scale_out(world):
    by_eventbridge = world.invoke(world.alarm_event("webapp-prod-web-cpu-medium"))
    by_sns = world.invoke(world.alarm_event("webapp-prod-web-cpu-medium", via="sns"))

    assert statuses(by_eventbridge) == ["acted"] and statuses(by_sns) == ["duplicate"]
    assert world.group()["DesiredCapacity"] == 3
    assert world.hooks.mutations().count("autoscaling.SetDesiredCapacity") == 1
    assert len(world.incidents()) == 1
    assert len(world.published("medium")) == 1


def test_after_the_incident_window_the_same_resource_is_a_new_incident(world):
    world.host_stop(world.standalone)
    world.invoke(state_change(world.standalone, "stopped"))
    world.now += 901
    world.host_stop(world.standalone)

    world.invoke(state_change(world.standalone, "stopped"))

    assert world.hooks.mutations() == ["ec2.StartInstances", "ec2.StartInstances"]
    assert len(world.incidents()) == 2


def test_past_the_hourly_limit_no_action_and_escalation_to_a_human(world):
    for _ in range(3):
        world.host_stop(world.standalone)
        world.invoke(state_change(world.standalone, "stopped"))
        world.now += 901  # a new incident window, same hour
    world.published("medium")
    world.host_stop(world.standalone)

    result = world.invoke(state_change(world.standalone, "stopped"))

    assert statuses(result) == ["rate-limited"]
    assert world.state(world.standalone) == "stopped"
    assert world.hooks.mutations() == ["ec2.StartInstances"] * 3
    (note,) = world.published("high")
    assert "NOT healed, action limit reached" in note["Subject"]
    assert "over 3 instance-recovery actions in the last hour" in note["Message"]
    assert world.published("medium") == []


def test_diagnostics_take_no_slot_and_each_incident_kind_has_its_own_budget(world):
    # Four CPU flaps on a target-tracking group: diagnostics only, every time; then a memory alarm on
    # the same group is still restarted (before: the CPU diagnostics had used up the hour's budget).
    world.create_group("webapp-prod-api", desired=2, max_size=4, target_tracking=True)
    for _ in range(4):
        assert statuses(
            world.invoke(world.alarm_event("webapp-prod-api-cpu-medium", group="webapp-prod-api"))
        ) == ["acted"]
        world.now += 901
    memory_alarm(world, group="webapp-prod-api")
    world.hooks.command_output = "AUTOHEAL_HEALTH=ok\nAUTOHEAL_MEM_USED_PERCENT=40.0\n"

    result = world.invoke(
        world.alarm_event("webapp-prod-api-memory-high", signal="memory", group="webapp-prod-api")
    )

    assert statuses(result) == ["acted"]
    restarts = [
        p for p in world.hooks.params("ssm.SendCommand") if p["Parameters"]["Action"] == ["RestartService"]
    ]
    assert len(restarts) == 1


def test_one_health_event_naming_a_whole_group_replaces_a_quarter_and_escalates_the_rest(world):
    members = world.create_group("webapp-prod-api", desired=4, max_size=4)
    event = health_event(members[0])
    event["resources"] = list(members)
    event["detail"]["affectedEntities"] = [{"entityValue": m} for m in members]

    result = world.invoke(event)

    assert sorted(statuses(result)) == ["acted", "rate-limited", "rate-limited", "rate-limited"]
    assert world.hooks.mutations() == ["autoscaling.SetInstanceHealth"]  # 25 % of 4 in service
    capped = [r for r in result["results"] if r["status"] == "rate-limited"]
    assert all(r["severity"] in ("high", "critical") for r in capped)
    assert "group webapp-prod-api already had 1 replacement(s) in 15 min" in capped[0]["actions"][0]["detail"]

    world.now += 901  # the window slides on: the next one may go
    again = health_event(members[1])
    assert statuses(world.invoke(again)) == ["acted"]


def test_the_replacement_cap_is_configurable(world):
    world.configure(MAX_REPLACEMENT_PERCENT="100")
    members = world.create_group("webapp-prod-api", desired=3, max_size=3)
    event = health_event(members[0])
    event["resources"] = list(members)
    event["detail"]["affectedEntities"] = [{"entityValue": m} for m in members]

    assert statuses(world.invoke(event)) == ["acted"] * 3


# --- alarms ---------------------------------------------------------------------------------------
def test_cpu_alarm_on_a_target_tracking_group_captures_diagnostics_on_the_hottest_and_keeps_capacity(world):
    members = world.create_group("webapp-prod-api", desired=3, max_size=4, target_tracking=True)
    for instance, cpu in zip(members, (20.0, 97.0, 91.0), strict=True):
        world.put_metric("AWS/EC2", "CPUUtilization", {"InstanceId": instance}, cpu)

    world.invoke(world.alarm_event("webapp-prod-api-cpu-medium", group="webapp-prod-api"))

    assert world.hooks.mutations() == ["ssm.SendCommand"]
    (command,) = world.hooks.params("ssm.SendCommand")  # moto lists every instance as a target
    assert command["InstanceIds"] == [members[1], members[2]]
    # the library's own document, read-only action; never a shell script of the function's making
    assert command["DocumentName"] == COMMAND_DOCUMENT
    assert command["Parameters"] == {"Action": ["Diagnostics"], "ServiceUnit": ["webapp"]}
    assert world.group("webapp-prod-api")["DesiredCapacity"] == 3
    (note,) = world.published("medium")
    assert f"{members[1]} (97%)" in note["Message"]


def test_cpu_alarm_on_a_target_tracking_group_at_max_escalates(world):
    world.create_group("webapp-prod-api", desired=2, max_size=2, target_tracking=True)

    world.invoke(world.alarm_event("webapp-prod-api-cpu-medium", group="webapp-prod-api"))

    assert world.group("webapp-prod-api")["DesiredCapacity"] == 2
    (note,) = world.published("high")
    assert "at max capacity" in note["Message"]


def test_cpu_alarm_on_a_group_without_target_tracking_scales_out_by_one_within_max(world):
    world.invoke(world.alarm_event("webapp-prod-web-cpu-medium"))

    assert world.group()["DesiredCapacity"] == 3
    assert len(world.members()) == 3


def memory_alarm(world, threshold=90.0, group=GROUP):
    world.client("cloudwatch").put_metric_alarm(
        AlarmName=f"{group}-memory-high",
        Namespace="CWAgent",
        MetricName="mem_used_percent",
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": group}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=3,
        Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold",
    )
    members = world.members(group)
    for instance, used in zip(members, (55.0, 96.0), strict=True):
        world.put_metric(
            "CWAgent", "mem_used_percent", {"AutoScalingGroupName": group, "InstanceId": instance}, used
        )
    return members[1]  # the hottest


def test_memory_alarm_restarts_the_service_on_the_hottest_and_verifies_health_via_botocore_hook(world):
    hottest = memory_alarm(world)
    world.hooks.command_output = "AUTOHEAL_RESTART_RC=0\nAUTOHEAL_HEALTH=ok\nAUTOHEAL_MEM_USED_PERCENT=41.5\n"

    result = world.invoke(world.alarm_event("webapp-prod-web-memory-high", signal="memory"))

    assert statuses(result) == ["acted"]
    assert world.hooks.mutations() == ["ssm.SendCommand"]
    (command,) = world.hooks.params("ssm.SendCommand")
    assert command["InstanceIds"] == [hottest]
    assert command["DocumentName"] == COMMAND_DOCUMENT
    assert command["Parameters"] == {
        "Action": ["RestartService"],
        "ServiceUnit": ["webapp"],
        "HealthCheckPort": ["8080"],
        "HealthCheckPath": ["/health"],
        "RetryCount": ["0"],
    }
    assert world.health(hottest) == "Healthy"
    (note,) = world.published("high")
    assert "health ok, memory 42%" in note["Message"]


def test_memory_still_high_after_restart_has_the_group_replace_the_instance_via_botocore_hook(world):
    hottest = memory_alarm(world)
    world.hooks.command_output = "AUTOHEAL_HEALTH=ok\nAUTOHEAL_MEM_USED_PERCENT=93.0\n"

    result = world.invoke(world.alarm_event("webapp-prod-web-memory-high", signal="memory"))

    assert statuses(result) == ["unresolved"]
    assert world.hooks.mutations() == ["ssm.SendCommand", "autoscaling.SetInstanceHealth"]
    assert world.health(hottest) == "Unhealthy"
    (note,) = world.published("critical")  # high, escalated: the quick fix did not help
    assert "memory still 93%" in note["Message"]


@pytest.mark.parametrize("runbook", [RUNBOOK, ""])
def test_a_member_unhealthy_after_restart_is_marked_unhealthy_never_rebooted_by_a_runbook_via_botocore_hook(
    world, runbook
):
    world.configure(RECOVERY_RUNBOOK_NAME=runbook, RECOVERY_RUNBOOK_ROLE_ARN=RUNBOOK_ROLE if runbook else "")
    hottest = memory_alarm(world)
    world.hooks.command_output = "AUTOHEAL_HEALTH=fail\nAUTOHEAL_MEM_USED_PERCENT=30.0\n"

    world.invoke(world.alarm_event("webapp-prod-web-memory-high", signal="memory"))

    # The group replaces it; a runbook's reboot would fight the group and the load balancer.
    assert world.hooks.mutations() == ["ssm.SendCommand", "autoscaling.SetInstanceHealth"]
    assert world.hooks.automations == []
    assert world.health(hottest) == "Unhealthy"
    (incident,) = world.incidents()
    assert [a["outcome"] for a in incident["actions"]] == ["did-not-help", "succeeded"]


def test_restart_with_no_verifiable_output_counts_as_not_helped(world):
    # moto's Run Command returns Success with empty output: health unknown -> the group replaces it.
    hottest = memory_alarm(world)
    world.invoke(world.alarm_event("webapp-prod-web-memory-high", signal="memory"))
    assert world.hooks.mutations() == ["ssm.SendCommand", "autoscaling.SetInstanceHealth"]
    assert world.health(hottest) == "Unhealthy"


@pytest.mark.parametrize("ping", ["ConnectionLost", "Inactive", "NotRegistered"])
def test_no_restart_is_sent_to_an_offline_agent_the_member_is_replaced_via_botocore_hook(world, ping):
    hottest = memory_alarm(world)
    world.hooks.agents[hottest] = ping  # moto lacks DescribeInstanceInformation: the hooks answer

    result = world.invoke(world.alarm_event("webapp-prod-web-memory-high", signal="memory"))

    assert world.hooks.operations().count("ssm.DescribeInstanceInformation") == 1
    assert world.hooks.mutations() == ["autoscaling.SetInstanceHealth"]  # no SendCommand to wait on
    assert world.health(hottest) == "Unhealthy"
    assert statuses(result) == ["unresolved"]
    assert f"SSM agent of {hottest} is {ping}" in result["results"][0]["reason"] or any(
        ping in a["detail"] for a in result["results"][0]["actions"]
    )


def test_diagnostics_go_to_online_agents_only_via_botocore_hook(world):
    members = world.create_group("webapp-prod-api", desired=3, max_size=4, target_tracking=True)
    for instance, cpu in zip(members, (20.0, 97.0, 91.0), strict=True):
        world.put_metric("AWS/EC2", "CPUUtilization", {"InstanceId": instance}, cpu)
    world.hooks.agents[members[1]] = "ConnectionLost"

    world.invoke(world.alarm_event("webapp-prod-api-cpu-medium", group="webapp-prod-api"))

    (command,) = world.hooks.params("ssm.SendCommand")
    assert command["InstanceIds"] == [members[2]]
    assert f"{members[1]} (ConnectionLost)" in world.published("medium")[0]["Message"]


def test_alarm_of_another_environment_or_a_composite_alarm_is_ignored_without_any_call(world):
    world.invoke(group_alarm_eventbridge("webapp-stg-web-cpu-high"))
    world.invoke(group_alarm_eventbridge("webapp-prod-autoheal-errors-high"))
    assert world.hooks.operations() == []


# --- groups and databases -------------------------------------------------------------------------
def test_launch_unsuccessful_notifies_high_with_the_cause(world):
    world.invoke(launch_unsuccessful())

    (note,) = world.published("high")
    assert "cause: capacity" in note["Message"]
    assert "ap-northeast-1c" in note["Message"]
    assert world.hooks.mutations() == []
    (incident,) = world.incidents()
    assert (incident["incident_kind"], incident["status"]) == ("launch-failure", "notified")


def test_launch_unsuccessful_in_an_untagged_group_is_ignored(world):
    world.create_group("someone-elses", desired=1, max_size=1, tags={})
    world.invoke(launch_unsuccessful("someone-elses"))
    assert world.all_published() == {}


@pytest.mark.parametrize(("categories", "severity"), [(["failover"], "high"), (["failure"], "critical")])
def test_database_failover_and_failure_are_recorded_and_notified(world, categories, severity):
    world.create_database("webapp-prod-db")

    world.invoke(rds_event("webapp-prod-db", categories=categories))

    (note,) = world.published(severity)
    assert "webapp-prod-db" in note["Subject"]
    assert world.incidents()[0]["incident_kind"] == f"database-{categories[0]}"
    assert world.hooks.mutations() == []


# --- input the handler must survive ---------------------------------------------------------------
@pytest.mark.parametrize("event", [{}, {"foo": 1}, [], "text", None, {"Records": "x"}, {"detail-type": 7}])
def test_malformed_payload_is_logged_and_dropped_without_any_aws_call(world, event):
    result = world.invoke(event)
    assert statuses(result) == ["ignored"]
    assert world.hooks.operations() == []


def test_invalid_configuration_fails_closed_without_any_aws_call(world):
    world.configure(TOPIC_ARNS="")
    world.stop(world.standalone)

    result = world.invoke(state_change(world.standalone, "stopped"))

    assert result["status"] == "config-invalid"
    assert world.hooks.operations() == []
    assert world.state(world.standalone) == "stopped"


@pytest.mark.parametrize(
    ("value", "paused", "invalid"),
    [("false", False, 0), ("true", True, 0), ("scheduled", True, 0), ("maybe", True, 1), (None, True, 1)],
)
def test_the_pause_switch_knows_who_may_set_it_and_fails_closed_via_stub_gateway(value, paused, invalid):
    import logging
    from types import SimpleNamespace

    from auto_heal_world import handler_env

    from lambda_src.auto_heal.config import load_config
    from lambda_src.auto_heal.healer import Healer

    counted: list[str] = []
    healer = Healer(
        config=load_config(handler_env()),
        aws=SimpleNamespace(get_parameter=lambda name: value),
        ledger=None,
        logger=logging.getLogger("test"),
        telemetry=SimpleNamespace(count=lambda name, **dimensions: counted.append(name)),
    )
    assert healer.pause_switch() is paused
    assert counted.count("PauseSwitchInvalid") == invalid
