"""Every scenario derived from small hand-built stages with known answers.

Defaults in force unless a test overrides them: ASG poll 60 s, boot 120 s, EventBridge 5 s, Lambda cold
start 10 s, healing action 5 s, metric ingestion 60 s, alarm evaluation 60 s, operator 900 s.
"""

from __future__ import annotations

import pytest
from budget_templates import (
    OSAKA,
    TOKYO,
    alarm,
    alarm_rule,
    backup_plan,
    cpu_target_tracking,
    database,
    ec2_state_rule,
    group,
    healing_function,
    launch_hook,
    launch_template,
    merge,
    pitr_runbook,
    rule,
    runbook,
    ssm_parameter,
    stage,
    target_group,
    topic,
    warm_pool,
    web_tier,
)

from tools.recovery_budget.budget import budget_for_stage, detect_regions
from tools.recovery_budget.inventory import build_inventory
from tools.recovery_budget.latencies import Latencies
from tools.recovery_budget.model import MET, MISSED, NO_TARGET, NOT_COVERED


def _budget(stacks, *, latencies=None, targets=None, name="Prod"):
    return budget_for_stage(stage(name, stacks), latencies=latencies or Latencies(), target_overrides=targets)


def _tokyo(*parts):
    return {"Tokyo-Compute": (TOKYO, merge(*parts))}


# --- process hung ----------------------------------------------------------------------------


def test_process_hung_is_detected_by_the_alb_and_replaced_by_the_group():
    # given an ELB-checked group behind a 10 s x 2 + 5 s target group, healthy after 2 checks
    env = _budget(_tokyo(web_tier()))
    hung = env["process_hung"]

    # then detection = 10 x 2 + 5 + ASG poll 60; recovery = boot 120 + 10 x 2
    assert hung.detection_seconds == 85
    assert hung.recovery_seconds == 140
    assert hung.total_seconds == 225
    assert hung.data_loss_seconds == 0
    assert hung.status == MET


def test_changing_the_health_check_interval_moves_the_number_as_expected():
    fast = _budget(_tokyo(web_tier(interval=10)))["process_hung"]
    slow = _budget(_tokyo(web_tier(interval=30)))["process_hung"]

    # interval enters detection x UnhealthyThresholdCount (2) and recovery x HealthyThresholdCount (2)
    assert slow.detection_seconds - fast.detection_seconds == 20 * 2
    assert slow.recovery_seconds - fast.recovery_seconds == 20 * 2


def test_fails_when_the_group_ignores_the_alb_health_check():
    # given a group with EC2 health checks only and no unhealthy-host alarm
    hung = _budget(_tokyo(web_tier(health="EC2")))["process_hung"]

    assert hung.status == NOT_COVERED
    assert hung.fails  # a missing piece where there is a target counts against the environment
    assert hung.reason.startswith("not covered: ")
    assert "HealthCheckType ELB" in hung.reason
    assert any("never replaced automatically" in w for w in hung.warnings)


def test_process_hung_without_elb_checks_falls_back_to_paging_on_unhealthy_hosts():
    # given EC2 health checks and an unhealthy-host alarm that notifies (1 of 1 datapoint of 60 s)
    hosts = alarm(
        "Unhealthy",
        name="webapp-prod-web-unhealthyhosts-high",
        metric="UnHealthyHostCount",
        namespace="AWS/ApplicationELB",
        evaluation=1,
        threshold=0,
        actions=[{"Ref": "HighTopic"}],
    )
    hung = _budget(_tokyo(web_tier(health="EC2"), hosts, topic()))["process_hung"]

    # then detection = 60 + 60 + 60 + 60 (alarm) + 900 (on-call): the 5-minute target is missed
    assert hung.detection_seconds == 240 + 900
    assert hung.status == MISSED
    assert "RTO 5m00s" in hung.reason


# --- instance crash ----------------------------------------------------------------------------


def test_instance_crash_is_the_slowest_of_its_failure_modes():
    # given an ELB-checked group and an EC2 state-change rule reaching the healing function
    crash = _budget(_tokyo(web_tier(), healing_function(), ec2_state_rule()))["instance_crash"]

    # stopped: the rule reaches the function, 5 + 10 + 5
    assert crash.modes["stopped"].seconds == 20
    assert "EC2 state-change event" in crash.modes["stopped"].name
    # terminated: the function leaves it to the group, whose next check sees it not running (60)
    assert crash.modes["terminated"].seconds == 60
    # dead but running: EC2 says running; the ALB check (10 x 2 + 5) and the group's poll (60)
    assert crash.modes["dead but running"].seconds == 85
    assert crash.detection_seconds == 85
    assert "dead but running: ALB health check" in crash.detection.name


def test_a_dead_instance_without_elb_health_checks_waits_for_the_status_checks():
    crash = _budget(_tokyo(web_tier(health="EC2")))["instance_crash"]
    # status check every minute (60) + the group's poll (60) + "a few minutes" (300)
    assert crash.modes["dead but running"].seconds == 60 + 60 + 300
    assert crash.modes["terminated"].seconds == 60


def test_instance_crash_recovery_uses_a_warm_pool_only_with_a_launch_hook():
    # without a hook the pooled instance may lack its app: a cold boot (120) + 10 x 2
    plain = _budget(_tokyo(web_tier(), warm_pool("Running", 1)))["instance_crash"]
    assert plain.recovery_seconds == 140
    assert any("without an EC2_INSTANCE_LAUNCHING hook" in w for w in plain.warnings)

    # with the hook: warm pool 10 s + 10 x 2
    hooked = _budget(_tokyo(web_tier(), warm_pool("Running", 1), launch_hook()))["instance_crash"]
    assert hooked.recovery_seconds == 30


def test_grace_period_shorter_than_readiness_is_reported():
    crash = _budget(_tokyo(web_tier(grace=60)))["instance_crash"]
    assert any("HealthCheckGracePeriod=60s is shorter" in w for w in crash.warnings)


# --- CPU saturation ------------------------------------------------------------------------------


def test_cpu_saturation_with_target_tracking_and_detailed_monitoring():
    cpu = _budget(_tokyo(web_tier(), cpu_target_tracking()))["cpu_saturation"]

    # managed alarm: 60 + 3 x 60 + 60 + 60; new capacity: boot 120 + 10 x 2
    assert cpu.detection_seconds == 360
    assert cpu.recovery_seconds == 140
    assert cpu.status == MISSED  # 8m20s > 5 min: the honest result with a cold boot


def test_cpu_saturation_without_target_tracking_uses_the_healing_function():
    cpu_alarm = alarm(
        "Cpu",
        name="webapp-prod-web-cpu-medium",
        metric="CPUUtilization",
        namespace="AWS/EC2",
        evaluation=2,
        dimensions={"AutoScalingGroupName": {"Ref": "WebAsg"}},
    )
    cpu = _budget(_tokyo(web_tier(), cpu_alarm, healing_function(), alarm_rule()))["cpu_saturation"]

    # alarm 60 + 2 x 60 + 60 + 60, then 5 + 10 + 5 for the function
    assert cpu.detection_seconds == 300 + 20
    assert "scales out by one" in cpu.detection.name


def test_cpu_alarm_routed_to_the_function_does_not_count_when_target_tracking_owns_scaling():
    cpu_alarm = alarm(
        "Cpu",
        name="webapp-prod-web-cpu-medium",
        metric="CPUUtilization",
        namespace="AWS/EC2",
        evaluation=1,
        dimensions={"AutoScalingGroupName": {"Ref": "WebAsg"}},
    )
    cpu = _budget(_tokyo(web_tier(), cpu_target_tracking(), cpu_alarm, healing_function(), alarm_rule()))[
        "cpu_saturation"
    ]
    assert "target tracking" in cpu.detection.name


def test_seed_cpu_alarm_with_basic_monitoring_takes_17_minutes_to_fire():
    # given the seed: 5-minute CPU alarm, 2 datapoints, basic monitoring, notification only
    seed_alarm = alarm(
        "Cpu",
        name="webapp-prod-web-cpu-medium",
        metric="CPUUtilization",
        namespace="AWS/EC2",
        period=300,
        evaluation=2,
        dimensions={"AutoScalingGroupName": {"Ref": "WebAsg"}},
        actions=[{"Ref": "HighTopic"}],
    )
    parts = merge(target_group(), group(), launch_template(detailed=False), seed_alarm, topic())
    cpu = _budget({"Tokyo-Compute": (TOKYO, parts)})["cpu_saturation"]

    # 300 + 2 x 300 + 60 + 60 = 17 min until the alarm, then the on-call
    assert cpu.detection_seconds == 1020 + 900


def test_fails_when_the_group_has_no_room_to_scale_out():
    cpu = _budget(_tokyo(web_tier(min_size=2, max_size=2), cpu_target_tracking()))["cpu_saturation"]
    assert cpu.status == NOT_COVERED
    assert "MaxSize=2" in cpu.reason


# --- memory pressure ---------------------------------------------------------------------------


def test_memory_pressure_restarts_the_service_through_the_healing_function():
    memory = alarm(
        "Mem",
        name="webapp-prod-web-memory-medium",
        metric="mem_used_percent",
        namespace="CWAgent",
        threshold=85,
        dimensions={"AutoScalingGroupName": {"Ref": "WebAsg"}},
    )
    result = _budget(_tokyo(web_tier(), memory, healing_function(), alarm_rule()))["memory_pressure"]

    # agent 60 + 3 x 60 + 60 + 60, then 5 + 10 + 5; restart 30 + one round of probes 60 (the
    # function sends RetryCount 0) + 10 x 2
    assert result.detection_seconds == 360 + 20
    assert result.recovery_seconds == 110
    assert result.status == MISSED  # 7m10s > 5 min


def test_fails_when_nothing_watches_memory():
    result = _budget(_tokyo(web_tier()))["memory_pressure"]
    assert result.status == NOT_COVERED
    assert "no memory alarm" in result.reason


def test_alarm_without_a_literal_name_is_never_assumed_to_reach_a_rule():
    memory = alarm(
        "Mem",
        name=None,
        metric="mem_used_percent",
        namespace="CWAgent",
        dimensions={"AutoScalingGroupName": {"Ref": "WebAsg"}},
    )
    result = _budget(_tokyo(web_tier(), memory, healing_function(), alarm_rule()))["memory_pressure"]
    assert result.detection is None
    assert any("no literal AlarmName" in w for w in result.warnings)


# --- AZ loss -------------------------------------------------------------------------------------


def test_az_loss_replaces_the_lost_share_in_rounds():
    # given 6 instances over 3 AZs, no maintenance policy: 2 lost, replaced one at a time
    result = _budget(_tokyo(web_tier(min_size=6, max_size=9, azs=3)))["az_loss"]

    # detection 10 x 2 + 5 + 60; recovery (120 + 20) + one more round of 140
    assert result.detection_seconds == 85
    assert result.recovery_seconds == 280
    assert result.status == MISSED  # 6m05s: one at a time is too slow


def test_az_loss_in_one_round_with_a_wide_instance_maintenance_policy():
    # given the same group with MinHealthyPercentage 100 / MaxHealthyPercentage 200: all 2 at once
    result = _budget(_tokyo(web_tier(min_size=6, max_size=12, azs=3, maintenance=(100, 200))))["az_loss"]
    assert result.recovery_seconds == 140
    assert result.status == MET


def test_az_loss_takes_the_slower_of_compute_and_a_multi_az_database():
    # a single instance per AZ: compute 85 + 140 = 225; the database failover (worst 180 + 60) is slower
    result = _budget(
        {
            "Tokyo-Compute": (TOKYO, web_tier()),
            "Tokyo-Data": (TOKYO, database(multi_az=True)),
        }
    )["az_loss"]
    assert result.total_seconds == 240
    assert [p.seconds for p in result.alternatives] == [225]
    assert result.data_loss_seconds == 0


def test_fails_when_the_group_lives_in_one_az():
    result = _budget(_tokyo(web_tier(azs=1)))["az_loss"]
    assert result.status == NOT_COVERED
    assert "spans 1 AZ" in result.reason


def test_az_loss_with_a_single_az_database_loses_data():
    result = _budget({"Tokyo-Compute": (TOKYO, web_tier()), "Tokyo-Data": (TOKYO, database(multi_az=False))})[
        "az_loss"
    ]
    assert result.data_loss_seconds == 300
    assert result.status == MISSED


# --- database --------------------------------------------------------------------------------------


def test_multi_az_database_fails_over_within_target():
    result = _budget({"Tokyo-Data": (TOKYO, database(multi_az=True))})["db_primary_failure"]
    # RDS failover 180 (worst; typical 90) + client DNS cache 60 (typical 30)
    assert result.total_seconds == 240
    assert result.typical_total_seconds == 120
    assert result.data_loss_seconds == 0
    assert result.status == MET


def test_single_az_database_needs_a_restore_and_misses_rto_and_rpo():
    result = _budget({"Tokyo-Data": (TOKYO, database(multi_az=False))})["db_primary_failure"]
    # on-call 900; by hand 1800 + restore 1800 + DNS 60
    assert result.detection_seconds == 900
    assert result.recovery_seconds == 3660
    assert result.data_loss_seconds == 300
    assert result.status == MISSED


def test_single_az_database_failure_pages_through_the_rds_failure_event():
    # given a rule that delivers RDS failure events to the healing function
    rds_rule = rule(
        "RdsEvents",
        {
            "source": ["aws.rds"],
            "detail-type": ["RDS DB Instance Event"],
            "detail": {"EventCategories": ["failure"]},
        },
    )
    result = _budget(
        {
            "Tokyo-Data": (TOKYO, database(multi_az=False)),
            "Tokyo-Monitoring": (TOKYO, merge(healing_function(), rds_rule)),
        }
    )["db_primary_failure"]
    # then the page goes through EventBridge 5 + cold start 10 + the function 5, then the on-call's 900
    assert result.detection_seconds == 920
    assert result.detection.name == "RDS failure event -> healing function -> on-call"


def test_no_database_is_not_covered_and_not_a_miss():
    env = _budget(_tokyo(web_tier()))
    assert env["db_primary_failure"].status == NOT_COVERED
    assert env["data_deletion"].status == NOT_COVERED
    assert "no primary RDS DB instance" in env["db_primary_failure"].reason
    assert env["db_primary_failure"] not in env.missed


# --- accidental deletion ---------------------------------------------------------------------------


ENDPOINT = "/webapp/prod/db/endpoint"


def _pitr_stage(runbook_resources, *, app_reads: str | None = ENDPOINT):
    user_data = (
        f"#!/bin/bash\nEnvironment=DB_ENDPOINT_PARAMETER={app_reads}\n" if app_reads else "#!/bin/bash\n"
    )
    return {
        "Tokyo-Compute": (TOKYO, merge(target_group(), launch_template(user_data=user_data), group())),
        "Tokyo-Data": (TOKYO, merge(database(), ssm_parameter(ENDPOINT))),
        "Tokyo-DR": (TOKYO, runbook_resources),
    }


def test_data_deletion_with_a_pitr_runbook_that_switches_the_app_meets_one_hour():
    result = _budget(_pitr_stage(pitr_runbook(parameter=ENDPOINT)))["data_deletion"]
    by_hand = _budget(_pitr_stage(pitr_runbook()))["data_deletion"]
    # the switch adds PutParameter 5 + Run Command 30; the app then opens connections to a name it
    # never resolved, so the person's change and its DNS cache (60) are gone. Loss = log uploads.
    assert result.detection_seconds == 0
    assert result.recovery_seconds == by_hand.recovery_seconds - 60 + 5 + 30
    assert result.recovery_seconds < 3600
    assert result.data_loss_seconds == 300
    assert result.status == MET
    assert "runbook step RestartApp" in result.recovery.steps[-1].label


def test_data_deletion_is_not_covered_when_the_runbook_does_not_point_the_app_at_the_restore():
    result = _budget(_pitr_stage(pitr_runbook()))["data_deletion"]
    assert result.status == NOT_COVERED
    assert "no step points the app at it" in result.reason
    assert ENDPOINT in result.reason  # the parameter the app reads, named for the fix
    # the figures still say what it costs with a person's change (clients' DNS cache last)
    assert result.recovery.steps[-1].label == "clients switch to the restored instance"


def test_data_deletion_is_not_covered_when_the_switch_does_not_wait_for_the_restore():
    early = pitr_runbook(parameter=ENDPOINT)
    steps = early["PitrRestore"]["Properties"]["Content"]["mainSteps"]
    steps.insert(1, steps.pop(2))  # PutParameter before the wait
    result = _budget(_pitr_stage(early))["data_deletion"]
    assert result.status == NOT_COVERED
    assert "before the restored instance is available" in result.reason


def test_data_deletion_is_not_covered_when_the_parameter_written_is_not_the_one_the_app_reads():
    result = _budget(_pitr_stage(pitr_runbook(parameter=ENDPOINT), app_reads=None))["data_deletion"]
    assert result.status == NOT_COVERED
    assert "none named in their user data" in result.reason


def test_data_deletion_is_not_covered_when_nothing_restarts_the_app_after_the_switch():
    result = _budget(_pitr_stage(pitr_runbook(parameter=ENDPOINT, restart=False)))["data_deletion"]
    assert result.status == NOT_COVERED
    assert "restarts nothing after it" in result.reason


def test_data_deletion_by_hand_misses_one_hour():
    result = _budget({"Tokyo-Data": (TOKYO, database())})["data_deletion"]
    assert result.recovery_seconds == 1800 + 1800 + 60
    assert result.status == MISSED


def test_data_deletion_without_pitr_falls_back_to_daily_snapshots():
    result = _budget({"Tokyo-Data": (TOKYO, merge(database(retention=0), backup_plan("cron(0 3 * * ? *)")))})[
        "data_deletion"
    ]
    assert result.data_loss_seconds == 86400
    assert result.status == MISSED


def test_fails_when_the_database_has_no_backups_at_all():
    result = _budget({"Tokyo-Data": (TOKYO, database(retention=0))})["data_deletion"]
    assert result.status == NOT_COVERED
    assert "no backups" in result.reason


# --- targets and regions -------------------------------------------------------------------------


def test_target_overrides_per_environment_and_null_removes_a_target():
    targets = {
        "*": {"process_hung": {"rto_seconds": 60, "rpo_seconds": 0}},
        "prod": {"memory_pressure": None},
    }
    env = _budget(_tokyo(web_tier()), targets=targets)
    assert env["process_hung"].status == MISSED  # 225 s > 60 s
    assert env["memory_pressure"].status == NOT_COVERED  # no alarm, but no target either
    assert env["instance_crash"].target.rto_seconds == 300

    other = _budget(_tokyo(web_tier()), targets={"dev": {"process_hung": None}})
    assert other["process_hung"].status == MET


def test_no_target_is_reported_not_judged():
    env = _budget(_tokyo(web_tier()), targets={"*": {"process_hung": None}})
    assert env["process_hung"].status == NO_TARGET


@pytest.mark.parametrize(
    ("primary_db_region", "expected"),
    [(TOKYO, (TOKYO, OSAKA)), (OSAKA, (OSAKA, TOKYO))],
)
def test_primary_region_follows_the_primary_database(primary_db_region, expected):
    replica_region = OSAKA if primary_db_region == TOKYO else TOKYO
    built = stage(
        "Prod",
        {
            "A-Data": (primary_db_region, database()),
            "B-Data": (replica_region, database("Replica", source="arn:aws:rds:x:1:db:webapp")),
        },
    )
    assert detect_regions(build_inventory(built)) == expected


def test_explicit_regions_win_and_a_missing_dr_region_is_none():
    built = stage("Dev", {"Tokyo-Compute": (TOKYO, web_tier())})
    assert detect_regions(build_inventory(built)) == (TOKYO, None)
    assert detect_regions(build_inventory(built), "ap-northeast-1", "us-west-2") == (TOKYO, None)


def test_a_child_alarm_pages_through_the_composite_that_includes_it():
    # given a memory alarm with no actions of its own, in a composite that pages (CDK's rendering)
    memory = alarm(
        "Mem",
        name="webapp-prod-web-memory-medium",
        metric="mem_used_percent",
        namespace="CWAgent",
        dimensions={"AutoScalingGroupName": {"Ref": "WebAsg"}},
    )
    composite = {
        "MediumComposite": {
            "Type": "AWS::CloudWatch::CompositeAlarm",
            "Properties": {
                "AlarmRule": {"Fn::Join": ["", ['(ALARM("', {"Fn::GetAtt": ["Mem", "Arn"]}, '"))']]},
                "AlarmActions": [{"Ref": "HighTopic"}],
            },
        }
    }
    result = _budget(_tokyo(web_tier(), memory, composite, topic()))["memory_pressure"]

    # then the on-call is paged: 60 + 3 x 60 + 60 + 60 + 900
    assert result.detection_seconds == 360 + 900
    assert "-> composite" in result.detection.name and "-> topic" in result.detection.name


def test_a_runbook_calling_the_api_from_a_script_step_counts():
    script_runbook = {
        "Pitr": {
            "Type": "AWS::SSM::Document",
            "Properties": {
                "DocumentType": "Automation",
                "Content": {
                    "mainSteps": [
                        {
                            "name": "Restore",
                            "action": "aws:executeScript",
                            "inputs": {"Script": "rds.restore_db_instance_to_point_in_time(**a)"},
                        }
                    ]
                },
            },
        }
    }
    result = _budget({"Tokyo-Data": (TOKYO, merge(database(), script_runbook))})["data_deletion"]
    assert result.recovery.steps[0].seconds == 60
    assert "start runbook" in result.recovery.steps[0].label


def test_az_loss_assumes_two_zones_when_the_subnets_are_not_visible():
    tier = web_tier(min_size=4, max_size=8, maintenance=(100, 200))
    tier["WebAsg"]["Properties"]["VPCZoneIdentifier"] = {"Fn::Split": [",", {"Fn::ImportValue": "Subnets"}]}
    result = _budget(_tokyo(tier))["az_loss"]
    assert "replace 2 instance(s)" in result.recovery.name
    assert any("assumed 2" in w for w in result.warnings)


def test_a_scenario_the_budget_cannot_follow_is_not_covered_instead_of_crashing(monkeypatch):
    from tools.recovery_budget import scenarios

    def broken(ctx):
        return [][0]  # what an unexpected template shape used to do

    monkeypatch.setitem(scenarios.SCENARIO_FUNCTIONS, "az_loss", broken)
    env = _budget(_tokyo(web_tier()))
    assert env["az_loss"].status == NOT_COVERED
    assert "cannot follow this scenario" in env["az_loss"].reason
    assert "IndexError" in env["az_loss"].reason
    assert env["az_loss"] in env.missed  # it has a target: the environment fails
    assert env["process_hung"].status == MET  # the other scenarios are unaffected


def test_a_drill_is_never_taken_for_the_restore_runbook():
    drill = runbook("PitrDrill", "RestoreDBInstanceToPointInTime")
    steps = drill["PitrDrill"]["Properties"]["Content"]["mainSteps"]
    steps.append(
        {
            "name": "Delete",
            "action": "aws:executeAwsApi",
            "inputs": {"Service": "rds", "Api": "DeleteDBInstance"},
        }
    )
    result = _budget({"Tokyo-Data": (TOKYO, merge(database(), drill))})["data_deletion"]
    assert "by hand" in result.recovery.name
