"""Every decision path, as pure functions over plain data (no AWS, no moto)."""

from __future__ import annotations

import pytest
from auto_heal_world import handler_env

from lambda_src.auto_heal.config import load_config
from lambda_src.auto_heal.decisions import (
    DELIBERATE_STOP_REASONS,
    apply_rate_limit,
    budgeted,
    classify_launch_failure,
    decide_database,
    decide_detection,
    decide_group_activity,
    decide_instance,
    replacement_cap,
)
from lambda_src.auto_heal.events import (
    AlarmStateChange,
    DatabaseEvent,
    Detection,
    GroupActivityFailed,
    Ignored,
    InstanceHealthEvent,
    InstanceStateChange,
    MetricRef,
    parse_event,
)
from lambda_src.auto_heal.findings import (
    database_finding,
    group_capacity_finding,
    group_scan_skip,
    health_check_finding,
    shortfall_persists,
)
from lambda_src.auto_heal.group_plans import (
    decide_after_restart,
    decide_agent_offline,
    decide_group_alarm,
    rank_hottest,
)
from lambda_src.auto_heal.model import (
    CaptureDiagnostics,
    CommandResult,
    DatabaseFacts,
    GroupFacts,
    HealthCheckFacts,
    InstanceFacts,
    MarkUnhealthy,
    RebootInstance,
    RestartService,
    ScaleOut,
    StartInstance,
    StartRecoveryRunbook,
    StartRunbook,
    Status,
    StopStartInstance,
)
from lambda_src.auto_heal.triage import (
    DatabaseTarget,
    DetectionTarget,
    GroupActivityTarget,
    GroupAlarmTarget,
    InstanceTarget,
    alarm_severity,
    escalate,
    triage,
)
from tests.events import load_event

CONFIG = load_config(handler_env())
OWNED = {"Environment": "prod"}
I1, I2, I3 = "i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c"


def group(**overrides) -> GroupFacts:
    values = dict(
        name="webapp-prod-web", min_size=1, max_size=4, desired_capacity=2, tags=OWNED, in_service=(I1, I2)
    )
    values.update(overrides)
    return GroupFacts(**values)


def member(
    state="stopped", lifecycle="InService", health="Healthy", group_facts=None, tags=None
) -> InstanceFacts:
    return InstanceFacts(
        instance_id=I1,
        state=state,
        tags={**OWNED, "aws:autoscaling:groupName": "webapp-prod-web"} if tags is None else tags,
        group_name="webapp-prod-web",
        lifecycle_state=lifecycle,
        health_status=health,
        group=group_facts or group(),
    )


def standalone(state="stopped", tags=None, reason="") -> InstanceFacts:
    return InstanceFacts(
        instance_id=I1, state=state, tags=OWNED if tags is None else tags, state_reason=reason
    )


def target(trigger="stopped", severity="medium") -> InstanceTarget:
    return InstanceTarget(I1, trigger, severity, f"test {trigger}")


def alarm(name="webapp-prod-web-cpu-medium", metric=None, state="ALARM", composite=False) -> AlarmStateChange:
    metric = metric or MetricRef("AWS/EC2", "CPUUtilization", (("AutoScalingGroupName", "webapp-prod-web"),))
    return AlarmStateChange(
        "e1", "2026-11-20T03:04:40Z", name, state, "OK", "", (metric,), composite, "eventbridge"
    )


def decide(facts, trigger="stopped", paused=False, severity="medium"):
    return decide_instance(target(trigger, severity), facts, paused=paused, config=CONFIG)


# --- triage ---------------------------------------------------------------------------------
def test_triage_ignores_running_and_pending_instances():
    for state in ("running", "pending"):
        (result,) = triage(InstanceStateChange("e", "t", I1, state), CONFIG)
        assert isinstance(result, Ignored)


def test_triage_maps_shutting_down_to_terminated_with_high_severity():
    (result,) = triage(InstanceStateChange("e", "t", I1, "shutting-down"), CONFIG)
    assert (result.trigger, result.severity) == ("terminated", "high")


@pytest.mark.parametrize(
    ("code", "status", "trigger", "severity"),
    [
        ("AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE", "open", "impaired-system", "high"),
        ("AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS", "closed", "recovered", "low"),
        ("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", "upcoming", "retirement", "medium"),
        ("AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED", "open", "retirement", "medium"),
    ],
)
def test_triage_health_events(code, status, trigger, severity):
    results = triage(InstanceHealthEvent("e", "t", code, status, (I1, I2)), CONFIG)
    assert [(r.instance_id, r.trigger, r.severity) for r in results] == [
        (I1, trigger, severity),
        (I2, trigger, severity),
    ]


def test_triage_ignores_closed_retirements_and_other_health_codes():
    for code, status in (
        ("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", "closed"),
        ("AWS_EC2_OPERATIONAL_ISSUE", "open"),
    ):
        (result,) = triage(InstanceHealthEvent("e", "t", code, status, (I1,)), CONFIG)
        assert isinstance(result, Ignored)


def test_triage_cpu_and_memory_alarms_target_the_group_with_the_names_severity():
    (cpu,) = triage(alarm("webapp-prod-web-cpu-High"), CONFIG)
    assert cpu == GroupAlarmTarget("webapp-prod-web", "cpu", "high", "webapp-prod-web-cpu-High", cpu.summary)
    memory_metric = MetricRef("CWAgent", "mem_used_percent", (("AutoScalingGroupName", "webapp-prod-web"),))
    (memory,) = triage(alarm("webapp-prod-web-memory-critical", memory_metric), CONFIG)
    assert (memory.signal, memory.severity) == ("memory", "critical")


def test_triage_status_check_alarms_target_the_instance():
    system = MetricRef("AWS/EC2", "StatusCheckFailed_System", (("InstanceId", I1),))
    (result,) = triage(alarm("webapp-prod-web-status-high", system), CONFIG)
    assert (result.instance_id, result.trigger) == (I1, "impaired-system")
    instance = MetricRef("AWS/EC2", "StatusCheckFailed_Instance", (("InstanceId", I1),))
    (result,) = triage(alarm("webapp-prod-web-status-high", instance), CONFIG)
    assert result.trigger == "impaired-instance"


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (alarm(state="OK"), "went to OK"),
        (alarm(name="webapp-stg-web-cpu-high"), "not this environment's"),
        (alarm(name="webapp-prod2-web-cpu-high"), "not this environment's"),
        (alarm(name="webapp-prod-autoheal-errors-high"), "the healing function's own"),
        (alarm(composite=True), "composite"),
        (alarm(metric=MetricRef("AWS/EC2", "CPUUtilization", (("InstanceId", I1),))), "no healing for it"),
        (alarm(metric=MetricRef("AWS/ApplicationELB", "RequestCount", ())), "no healing for it"),
    ],
)
def test_triage_ignores_alarms_that_are_not_healable(event, reason):
    (result,) = triage(event, CONFIG)
    assert isinstance(result, Ignored)
    assert reason in result.reason


def test_triage_ignores_metric_math_alarms_without_a_group_metric_but_accepts_them_with_one():
    (math_only,) = parse_event(load_event("cloudwatch-alarm-state-change-metric-math"))
    (result,) = triage(math_only, CONFIG)
    assert isinstance(result, Ignored)
    with_cpu = AlarmStateChange(
        "e", "t", "webapp-prod-web-cpu-high", "ALARM", "OK", "",
        (MetricRef("AWS/EC2", "CPUUtilization", (("AutoScalingGroupName", "g1"),)), MetricRef("X", "Y", ())),
        False, "sns",
    )  # fmt: skip
    (result,) = triage(with_cpu, CONFIG)
    assert (result.group_name, result.signal) == ("g1", "cpu")


def test_alarm_severity_reads_the_suffix_in_any_case_and_defaults_to_none():
    assert alarm_severity("webapp-prod-web-cpu-CRITICAL") == "critical"
    assert alarm_severity("webapp-prod-web-cpu") is None


def test_triage_database_events():
    failure = DatabaseEvent("e", "t", "db1", "", "RDS-EVENT-0031", ("failure",), "failed")
    failover = DatabaseEvent("e", "t", "db1", "", "RDS-EVENT-0049", ("failover",), "done")
    backup = DatabaseEvent("e", "t", "db1", "", "RDS-EVENT-0001", ("backup",), "backup")
    assert triage(failure, CONFIG)[0].severity == "critical"
    assert triage(failover, CONFIG)[0].incident_kind == "database-failover"
    assert isinstance(triage(backup, CONFIG)[0], Ignored)


# --- instances: gates -----------------------------------------------------------------------
def test_unknown_instance_is_not_found():
    assert decide(None).status == Status.NOT_FOUND


@pytest.mark.parametrize("tags", [{}, {"Environment": "stg"}, {"environment": "prod"}])
def test_instance_without_this_environments_tag_is_not_owned(tags):
    assert decide(standalone(tags=tags)).status == Status.NOT_OWNED


def test_member_of_a_group_without_this_environments_tag_is_not_owned():
    assert decide(member(group_facts=group(tags={}))).status == Status.NOT_OWNED


@pytest.mark.parametrize(
    "lifecycle",
    ["Pending", "Pending:Wait", "Terminating", "Terminating:Wait", "Terminated", "Standby", "EnteringStandby",
     "Warmed:Stopped", "Warmed:Running", "Detaching"],
)  # fmt: skip
def test_the_group_is_doing_its_job_in_these_lifecycle_states(lifecycle):
    plan = decide(member(lifecycle=lifecycle))
    assert plan.status == Status.LIFECYCLE
    assert lifecycle in plan.reason


def test_instance_refresh_in_progress_is_the_groups_job():
    plan = decide(member(group_facts=group(refresh_in_progress=True)))
    assert (plan.status, "instance refresh" in plan.reason) == (Status.LIFECYCLE, True)


def test_instance_that_left_its_group_is_the_groups_job():
    facts = InstanceFacts(I1, "stopped", {**OWNED, "aws:autoscaling:groupName": "webapp-prod-web"})
    assert decide(facts).status == Status.LIFECYCLE


@pytest.mark.parametrize("value", ["true", "yes", ""])
def test_suppress_tag_on_the_instance_or_its_group_leaves_it_alone(value):
    assert decide(standalone(tags={**OWNED, "autoheal:suppress": value})).status == Status.SUPPRESSED
    suppressed_group = group(tags={**OWNED, "autoheal:suppress": value})
    assert decide(member(group_facts=suppressed_group)).status == Status.SUPPRESSED


def test_suppress_tag_set_to_false_does_not_suppress():
    assert decide(standalone(tags={**OWNED, "autoheal:suppress": "false"})).status == Status.ACT


def test_pause_switch_stops_everything():
    assert decide(standalone(), paused=True).status == Status.PAUSED
    assert decide(member(), paused=True).status == Status.PAUSED


# --- instances: actions ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "trigger", ["stopping", "stopped", "impaired-system", "impaired-instance", "retirement"]
)
def test_group_member_is_marked_unhealthy_never_restarted(trigger):
    plan = decide(member(state="running" if trigger.startswith(("impaired", "retire")) else trigger), trigger)
    assert plan.actions == (MarkUnhealthy("webapp-prod-web", I1),)
    assert plan.incident_kind == "instance-recovery"


def test_group_member_already_unhealthy_or_terminated_is_left_to_the_group():
    assert decide(member(health="Unhealthy")).status == Status.LIFECYCLE
    assert decide(member(state="terminated"), "terminated").status == Status.LIFECYCLE


def test_group_member_running_again_is_ignored():
    assert decide(member(state="running"), "stopped").status == Status.IGNORED


@pytest.mark.parametrize(
    ("trigger", "state", "status", "actions"),
    [
        ("stopped", "stopped", Status.ACT, (StartInstance(I1),)),
        ("stopping", "stopped", Status.ACT, (StartInstance(I1),)),
        ("stopping", "stopping", Status.DEFERRED, ()),
        ("stopped", "running", Status.IGNORED, ()),
        ("stopped", "pending", Status.IGNORED, ()),
        ("impaired-system", "running", Status.ACT, (StopStartInstance(I1),)),
        ("impaired-system", "stopping", Status.ACT, (StopStartInstance(I1),)),
        ("impaired-system", "stopped", Status.ACT, (StartInstance(I1),)),
        ("retirement", "running", Status.ACT, (StopStartInstance(I1),)),
        ("impaired-instance", "running", Status.ACT, (RebootInstance(I1),)),
        ("impaired-instance", "stopped", Status.ACT, (StartInstance(I1),)),
    ],
)
def test_standalone_instance(trigger, state, status, actions):
    plan = decide(standalone(state=state), trigger)
    assert (plan.status, plan.actions) == (status, actions)


@pytest.mark.parametrize("reason", list(DELIBERATE_STOP_REASONS))
@pytest.mark.parametrize(
    ("trigger", "state", "kind"),
    [
        ("stopped", "stopped", "instance-stopped"),
        ("stopping", "stopping", "instance-stopped"),
        ("terminated", "terminated", "instance-terminated"),
        ("terminated", "shutting-down", "instance-terminated"),
        ("impaired-system", "stopped", "instance-stopped"),
        ("retirement", "stopped", "instance-stopped"),
    ],
)
def test_a_standalone_instance_stopped_on_purpose_is_left_alone_with_a_low_notice(
    reason, trigger, state, kind
):
    plan = decide(standalone(state=state, reason=reason), trigger, severity="high")
    assert (plan.status, plan.severity, plan.incident_kind, plan.actions) == (Status.NOTIFY, "low", kind, ())
    assert reason in plan.reason and "CloudTrail" in plan.reason


@pytest.mark.parametrize(
    "reason", ["Server.ScheduledStop", "Server.InternalError", "Server.SpotInstanceShutdown"]
)
def test_a_standalone_instance_stopped_by_its_host_is_started(reason):
    assert decide(standalone(state="stopped", reason=reason)).actions == (StartInstance(I1),)


def test_a_group_member_stopped_on_purpose_is_still_replaced_as_auto_scaling_itself_would():
    facts = member(state="stopped")
    facts = InstanceFacts(
        **{**{f: getattr(facts, f) for f in facts.__slots__}, "state_reason": "Client.UserInitiatedShutdown"}
    )
    assert decide(facts).actions == (MarkUnhealthy("webapp-prod-web", I1),)


def test_standalone_instance_terminated_is_notified_at_high_severity():
    plan = decide(standalone(state="terminated"), "terminated", severity="medium")
    assert (plan.status, plan.severity, plan.incident_kind) == (Status.NOTIFY, "high", "instance-terminated")


def test_automatic_recovery_success_is_a_low_severity_notice():
    plan = decide(standalone(state="running"), "recovered", severity="low")
    assert (plan.status, plan.severity, plan.incident_kind, plan.actions) == (
        Status.NOTIFY,
        "low",
        "instance-notice",
        (),
    )


# --- CPU alarm ------------------------------------------------------------------------------
def cpu_target(severity="medium") -> GroupAlarmTarget:
    return GroupAlarmTarget("webapp-prod-web", "cpu", severity, "webapp-prod-web-cpu-medium", "alarm")


def decide_cpu(facts, cpu=None, severity="medium", paused=False):
    return decide_group_alarm(
        cpu_target(severity),
        facts,
        utilisation=cpu if cpu is not None else {I1: 30.0, I2: 95.0, I3: 99.0},
        memory_threshold_percent=None,
        paused=paused,
        config=CONFIG,
    )


def test_rank_hottest_only_ranks_candidates_with_data():
    assert rank_hottest({I1: 10, I2: 90, I3: 99}, [I1, I2], 2) == (I2, I1)
    assert rank_hottest({}, [I1], 2) == ()


def test_cpu_alarm_with_target_tracking_captures_diagnostics_on_the_hottest_and_leaves_capacity_alone():
    plan = decide_cpu(group(target_tracking=True, in_service=(I1, I2, I3)))
    assert plan.actions == (CaptureDiagnostics((I3, I2)),)
    assert (plan.status, plan.severity) == (Status.ACT, "medium")
    assert "no manual capacity change" in plan.reason


def test_cpu_alarm_with_target_tracking_at_max_escalates():
    plan = decide_cpu(group(target_tracking=True, desired_capacity=4), severity="medium")
    assert plan.severity == "high"
    assert not any(isinstance(a, ScaleOut) for a in plan.actions)
    assert "max capacity" in plan.reason


def test_cpu_alarm_without_target_tracking_scales_out_by_one():
    plan = decide_cpu(group(desired_capacity=2))
    assert plan.actions[-1] == ScaleOut("webapp-prod-web", 3, 2)


def test_cpu_alarm_without_target_tracking_at_max_escalates_instead_of_scaling():
    plan = decide_cpu(group(desired_capacity=4, max_size=4), severity="high")
    assert plan.severity == "critical"
    assert not any(isinstance(a, ScaleOut) for a in plan.actions)


def test_cpu_alarm_without_per_instance_data_still_captures_diagnostics():
    plan = decide_cpu(group(target_tracking=True), cpu={})
    assert plan.actions == (CaptureDiagnostics((I1, I2)),)
    assert plan.facts["hottest"] == "no per-instance CPU data"


def test_cpu_alarm_gates():
    assert decide_cpu(None).status == Status.NOT_FOUND
    assert decide_cpu(group(tags={})).status == Status.NOT_OWNED
    assert decide_cpu(group(), paused=True).status == Status.PAUSED


# --- memory alarm ---------------------------------------------------------------------------
def decide_memory(memory):
    return decide_group_alarm(
        GroupAlarmTarget("webapp-prod-web", "memory", "high", "webapp-prod-web-memory-high", "alarm"),
        group(),
        utilisation=memory,
        memory_threshold_percent=90.0,
        paused=False,
        config=CONFIG,
    )


def test_memory_alarm_restarts_the_service_on_the_instance_using_most_memory():
    plan = decide_memory({I1: 70.0, I2: 96.0})
    assert plan.actions == (RestartService(I2, "webapp-prod-web", 90.0),)
    assert plan.incident_kind == "memory"


def test_memory_alarm_without_per_instance_data_notifies_without_acting():
    plan = decide_memory({})
    assert (plan.status, plan.actions) == (Status.NOTIFY, ())


RESTART = RestartService(I1, "webapp-prod-web", 90.0)


def test_restart_that_worked_resolves():
    follow = decide_after_restart(RESTART, CommandResult("c", "Success", "ok", 40.0), runbook_configured=True)
    assert follow.resolved and follow.actions == ()


def test_restart_with_memory_still_high_has_the_group_replace_the_instance():
    follow = decide_after_restart(RESTART, CommandResult("c", "Success", "ok", 93.5), runbook_configured=True)
    assert follow.actions == (MarkUnhealthy("webapp-prod-web", I1),)
    assert "memory still 94%" in follow.reason


@pytest.mark.parametrize(
    "result",
    [
        CommandResult("c", "Success", "fail", 20.0),
        CommandResult("c", "Failed"),
        CommandResult("c", "Waiting"),
    ],
)
def test_restart_that_did_not_help_replaces_a_member_and_runs_the_runbook_for_a_standalone(result):
    for runbook_configured in (True, False):  # a member is never rebooted by a runbook
        assert decide_after_restart(RESTART, result, runbook_configured=runbook_configured).actions == (
            MarkUnhealthy("webapp-prod-web", I1),
        )
    standalone_restart = RestartService(I1, None)
    assert decide_after_restart(standalone_restart, result, runbook_configured=True).actions == (
        StartRecoveryRunbook(I1),
    )
    alone = decide_after_restart(standalone_restart, result, runbook_configured=False)
    assert alone.actions == () and "a human must look" in alone.reason


def test_an_offline_agent_replaces_a_member_and_leaves_a_standalone_to_a_human():
    assert decide_agent_offline(RESTART, "ConnectionLost").actions == (MarkUnhealthy("webapp-prod-web", I1),)
    alone = decide_agent_offline(RestartService(I1, None), "Inactive")
    assert alone.actions == () and not alone.resolved and "Inactive" in alone.reason


# --- launch failures and databases ------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "cause"),
    [
        ("We currently do not have sufficient t3.micro capacity in the Availability Zone", "capacity"),
        ("You have requested more vCPU capacity than your current vCPU limit of 32 allows", "quota"),
        ("Instance type is not supported in your requested Availability Zone", "availability-zone"),
        ("The image id '[ami-123]' does not exist", "configuration"),
        ("Something else", "unknown"),
    ],
)  # fmt: skip
def test_launch_failure_causes(message, cause):
    assert classify_launch_failure(message) == cause


def test_launch_unsuccessful_is_notified_high_with_its_cause():
    event = GroupActivityFailed(
        "e", "t", "launch", "webapp-prod-web", "not sufficient capacity", "", "ap-northeast-1c", "", ""
    )
    plan = decide_group_activity(GroupActivityTarget(event, "high"), group(), paused=False, config=CONFIG)
    assert (plan.status, plan.severity, plan.incident_kind, plan.facts["cause"]) == (
        Status.NOTIFY, "high", "launch-failure", "capacity",
    )  # fmt: skip
    assert decide_group_activity(
        GroupActivityTarget(event, "high"), None, paused=False, config=CONFIG
    ).status == (Status.NOT_FOUND)


def test_database_failover_is_recorded_and_notified_when_owned():
    event = DatabaseEvent(
        "e", "t", "webapp-prod-db", "", "RDS-EVENT-0049", ("failover",), "A Multi-AZ failover has completed."
    )
    target = DatabaseTarget(event, "database-failover", "high")
    plan = decide_database(
        target, DatabaseFacts("webapp-prod-db", "available", OWNED, True), paused=False, config=CONFIG
    )
    assert (plan.status, plan.severity, plan.actions) == (Status.NOTIFY, "high", ())
    assert decide_database(
        target, DatabaseFacts("x", "available", {}), paused=False, config=CONFIG
    ).status == (Status.NOT_OWNED)


# --- rate limit -----------------------------------------------------------------------------
def test_rate_limit_withholds_actions_and_escalates_to_at_least_high():
    plan = decide(standalone())
    limited = apply_rate_limit(plan, allowed=False, limit=3)
    assert (limited.status, limited.actions, limited.severity) == (Status.RATE_LIMITED, (), "high")
    assert "start instance" in limited.reason
    assert apply_rate_limit(plan, allowed=True, limit=3) is plan


def test_rate_limit_keeps_read_only_diagnostics():
    plan = decide_cpu(group(target_tracking=False))
    assert [a.kind for a in plan.actions] == ["CaptureDiagnostics", "ScaleOut"]
    limited = apply_rate_limit(plan, allowed=False, limit=3)
    assert [a.kind for a in limited.actions] == ["CaptureDiagnostics"]
    assert limited.status == Status.RATE_LIMITED and "scale group" in limited.reason
    diagnostics_only = decide_cpu(group(target_tracking=True))
    assert budgeted(diagnostics_only) == ()  # takes no slot at all


@pytest.mark.parametrize(("capacity", "cap"), [(0, 1), (1, 1), (2, 1), (4, 1), (7, 1), (8, 2), (100, 25)])
def test_replacement_cap_is_a_quarter_rounded_down_at_least_one(capacity, cap):
    assert replacement_cap(capacity, 25) == cap


def test_escalate_is_capped_at_critical():
    assert [escalate(s) for s in ("low", "medium", "high", "critical")] == [
        "medium",
        "high",
        "critical",
        "critical",
    ]


# --- incident detector findings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_service", "pending", "desired", "severity"),
    [
        ((I1, I2), 0, 2, None),
        ((I1,), 1, 2, None),
        ((I1,), 0, 2, "high"),
        ((), 0, 2, "critical"),
        ((), 0, 0, None),
    ],
)
def test_group_capacity_finding_counts_launching_instances_as_on_the_way(
    in_service, pending, desired, severity
):
    finding = group_capacity_finding(group(in_service=in_service, pending=pending, desired_capacity=desired))
    assert (finding.severity if finding else None) == severity


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("available", None),
        ("modifying", None),
        ("backing-up", None),
        ("stopped", "database-unavailable"),
        ("rebooting", "database-unavailable"),
        ("failed", "database-failure"),
        ("storage-full", "database-failure"),
        ("inaccessible-encryption-credentials", "database-failure"),
    ],
)
def test_database_finding_by_status(status, kind):
    finding = database_finding(DatabaseFacts("webapp-prod-db", status, OWNED))
    assert (finding.kind if finding else None) == kind


def test_health_check_is_unhealthy_when_at_most_18_percent_of_checkers_report_healthy():
    assert health_check_finding(HealthCheckFacts("hc", "n", OWNED, 3, 16)) is None  # 19%
    assert health_check_finding(HealthCheckFacts("hc", "n", OWNED, 2, 16)).severity == "critical"  # 12.5%
    assert health_check_finding(HealthCheckFacts("hc", "n", OWNED, 0, 0)) is None  # no report yet


def detection_target(kind="group-capacity", resource="webapp-prod-web") -> DetectionTarget:
    return DetectionTarget(Detection("d1", "2026-11-20T03:00:00Z", kind, resource, "found"), "high")


def test_detection_is_notified_without_a_runbook_and_started_with_one():
    finding = group_capacity_finding(group(in_service=(I1,)))
    plan = decide_detection(detection_target(), finding, OWNED, paused=False, config=CONFIG)
    assert (plan.status, plan.incident_kind, plan.actions) == (Status.NOTIFY, "group-capacity", ())

    env = handler_env(
        RUNBOOKS_BY_INCIDENT='{"group-capacity": {"document": "capacity-doc", '
        '"role_arn": "arn:aws:iam::123456789012:role/r", "resource_parameter": "AutoScalingGroupName"}}'
    )
    plan = decide_detection(detection_target(), finding, OWNED, paused=False, config=load_config(env))
    (action,) = plan.actions
    assert isinstance(action, StartRunbook)
    assert (action.document, action.resource.id, action.resource_parameter) == (
        "capacity-doc", "webapp-prod-web", "AutoScalingGroupName",
    )  # fmt: skip


def test_detection_gates_and_staleness():
    finding = group_capacity_finding(group(in_service=(I1,)))
    assert (
        decide_detection(detection_target(), finding, None, paused=False, config=CONFIG).status
        == Status.NOT_FOUND
    )
    assert (
        decide_detection(detection_target(), finding, {}, paused=False, config=CONFIG).status
        == Status.NOT_OWNED
    )
    assert (
        decide_detection(detection_target(), finding, OWNED, paused=True, config=CONFIG).status
        == Status.PAUSED
    )
    assert (
        decide_detection(detection_target(), None, OWNED, paused=False, config=CONFIG).status
        == Status.IGNORED
    )


def test_detections_of_impaired_instances_take_the_event_paths_instance_recovery():
    event = Detection("d1", "t", "instance-impaired-system", I1, "found")
    (target,) = triage(event, CONFIG)
    assert (target.instance_id, target.trigger, target.severity) == (I1, "impaired-system", "high")


# --- groups being changed ---------------------------------------------------------------------------
@pytest.mark.parametrize("process", ["ReplaceUnhealthy", "HealthCheck", "Launch", "Terminate"])
def test_a_member_of_a_group_with_replacement_suspended_is_notified_not_marked(process):
    plan = decide(member(group_facts=group(suspended_processes=(process, "AZRebalance"))))
    assert (plan.status, plan.actions) == (Status.NOTIFY, ())
    assert process in plan.reason and "rolling update" in plan.reason


def test_other_suspended_processes_do_not_stop_a_replacement():
    plan = decide(member(group_facts=group(suspended_processes=("AZRebalance", "ScheduledActions"))))
    assert plan.actions == (MarkUnhealthy("webapp-prod-web", I1),)


def test_the_detector_leaves_groups_being_changed_alone():
    assert group_scan_skip(group(), refreshing=False, member_incident=False) is None
    assert "suspended processes (HealthCheck)" in group_scan_skip(
        group(suspended_processes=("HealthCheck",)), refreshing=False, member_incident=False
    )
    assert "instance refresh" in group_scan_skip(group(), refreshing=True, member_incident=False)
    assert "replacing a member" in group_scan_skip(group(), refreshing=False, member_incident=True)


@pytest.mark.parametrize(
    ("scans", "elapsed", "counts"),
    [(1, 10_000, False), (2, 240, False), (2, 241, True), (3, 240, False), (5, 600, True)],
)
def test_a_shortfall_counts_after_two_scans_and_grace_plus_warm_up(scans, elapsed, counts):
    settling = group(health_check_grace_seconds=180, instance_warmup_seconds=60)
    assert shortfall_persists(settling, first_seen=1000.0, scans=scans, now=1000.0 + elapsed) is counts
