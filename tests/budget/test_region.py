"""Region loss on hand-built stages in CDK's shapes: the failover runbook's step graph decides the figure.

Defaults in force: boot 120 s (no user data), target healthy 10 x 2, promotion 600 s, runbook start 60 s,
API step 5 s, script step 15 s, wait-step poll 30 s (a script's PollSeconds when it has one), Route 53
check timeout 6 s, health-status flip 60 s, alias TTL 60 s, alarm 60 + 60 + 60 + 60 s, on-call 900 s.
"""

from __future__ import annotations

import copy

import pytest
from budget_templates import (
    GLOBAL,
    OSAKA,
    TOKYO,
    alarm,
    backup_plan,
    database,
    launch_hook,
    merge,
    stage,
    web_tier,
)
from region_templates import (
    PROMOTE_THEN_SCALE,
    SCALE_BESIDE_PROMOTION,
    endpoint_alarm,
    global_stack,
    warm_standby,
)

from tools.recovery_budget.budget import budget_for_stage
from tools.recovery_budget.latencies import Latencies
from tools.recovery_budget.model import MET, MISSED, NOT_COVERED

DETECTION = 30 * 3 + 6 + 240 + 900  # Tokyo endpoint check, its alarm, the on-call's decision


def _region(stacks, **latencies):
    return budget_for_stage(stage("Prod", stacks), latencies=Latencies(latencies))["region_loss"]


def test_promote_then_scale_runs_the_scale_out_after_the_promotion():
    result = _region(warm_standby(PROMOTE_THEN_SCALE))

    # runbook from 60: pause check 5, describe 15, promote at 80 (ready 680), sleep 60, the wait sees it
    # at 680 + poll 30, verify 5, scale-out at 715 (3 serve at 715 + 120 + 20), switches at 730,
    # Route 53 60 + alias TTL 60: clients reach Osaka at 850; full capacity at 855
    assert result.detection_seconds == DETECTION
    assert result.recovery_seconds == 855
    assert result.milestones["first_success"].seconds == DETECTION + 850
    assert result.milestones["full_capacity"].seconds == DETECTION + 855
    assert result.status == MET
    names = [step.label for step in result.recovery.steps]
    assert names.index(next(n for n in names if "VerifyPromoted" in n)) < names.index(
        next(n for n in names if "ScaleOutWebService" in n)
    )


def test_scale_beside_promotion_hides_a_slow_launch_behind_the_promotion():
    # given launches that take 900 s: after the promotion they add to it, beside it they overlap
    serial = _region(warm_standby(PROMOTE_THEN_SCALE), INSTANCE_BOOT_SECONDS=900)
    parallel = _region(warm_standby(SCALE_BESIDE_PROMOTION), INSTANCE_BOOT_SECONDS=900)

    # serial: scale-out at 715, 3 serve at 715 + 900 + 20 = 1635
    assert serial.recovery_seconds == 1635
    # beside: scale-out at 65 (3 serve at 985); the capacity wait sees them InService (running, no
    # hook: 65 + 45) at once; switches at 735, clients at 855; full capacity at 985
    assert parallel.milestones["first_success"].seconds == DETECTION + 855
    assert parallel.recovery_seconds == 985


def test_with_a_launch_hook_the_capacity_wait_holds_dns_until_instances_are_ready():
    stacks = warm_standby(SCALE_BESIDE_PROMOTION)
    _, resources = stacks["Osaka-Compute"]
    stacks["Osaka-Compute"] = (OSAKA, merge(resources, launch_hook()))
    result = _region(stacks, INSTANCE_BOOT_SECONDS=900)

    # InService only once ready (65 + 900), seen after a 15 s poll; switches at 980 + 10; clients 1110
    assert result.milestones["first_success"].seconds == DETECTION + 1110
    assert result.recovery_seconds == 1110
    wait = next(s for s in result.recovery.steps if "WaitForInServiceInstances" in s.label)
    assert "3 InService instance(s) in webapp-prod-web" in wait.label


@pytest.mark.parametrize("shape", [PROMOTE_THEN_SCALE, SCALE_BESIDE_PROMOTION])
def test_a_longer_sleep_than_the_promotion_moves_the_figure(shape):
    base = _region(warm_standby(shape))
    short = _region(warm_standby(shape, sleep="PT8M"))  # within the 600 s worst promotion: absorbed
    long = _region(warm_standby(shape, sleep="PT20M"))

    assert short.recovery_seconds == base.recovery_seconds
    assert short.typical_total_seconds > base.typical_total_seconds  # typical promotion is 300 s
    # the sleep ends 1140 s later than the promotion's wait would have (60 + 1200 vs 680 + 30)
    assert long.recovery_seconds - base.recovery_seconds == pytest.approx(1285 - 710, abs=5)


def test_removing_the_scale_out_leaves_the_standby_below_production_capacity():
    serial = _region(warm_standby(PROMOTE_THEN_SCALE, scale_out=False))
    assert serial.status == NOT_COVERED
    assert "3 instance(s) serve in ap-northeast-3" in serial.reason
    assert serial.milestones["full_capacity"].seconds is None
    # clients still reach the one standby instance
    assert serial.milestones["first_success"].seconds is not None

    parallel = _region(warm_standby(SCALE_BESIDE_PROMOTION, scale_out=False))
    assert parallel.status == NOT_COVERED
    assert "WaitForInServiceInstances fails" in parallel.reason
    assert parallel.milestones["first_success"].seconds is None


def test_a_replica_without_backups_takes_its_first_backup_during_the_promotion():
    result = _region(warm_standby(PROMOTE_THEN_SCALE, replica_retention=None))
    # the promotion takes 600 + 1200 s: 1200 s more than with backup retention
    assert result.recovery_seconds == 855 + 1200
    assert any("takes the first backup" in step.label for step in result.recovery.steps)


def test_a_runbook_wait_shorter_than_the_promotion_fails_the_failover():
    stacks = warm_standby(PROMOTE_THEN_SCALE)
    _, resources = stacks["Osaka-DR"]
    steps = resources["RegionFailover"]["Properties"]["Content"]["mainSteps"]
    wait = next(s for s in steps if s["name"] == "WaitForDatabaseAvailable")
    wait["timeoutSeconds"] = 300  # the worst promotion takes 600 s
    verify = next(s for s in steps if s["name"] == "VerifyPromoted")
    verify["maxAttempts"] = 1
    verify["inputs"]["InputPayload"]["TimeoutSeconds"] = 60
    result = _region(stacks)
    assert result.status == NOT_COVERED
    assert "fails" in result.reason
    assert result.milestones["runbook_end"].label.startswith("runbook fails")


def test_the_dns_step_follows_the_alias_through_the_cross_region_reference():
    result = _region(warm_standby())
    ttl = next(s for s in result.recovery.steps if "cached answer" in s.label)
    assert ttl.seconds == 60
    assert "Prod/Osaka-Compute/WebLoadBalancer (through a cross-region reference)" in ttl.source


@pytest.mark.parametrize(
    ("dns_name", "seconds", "warned"),
    [("webapp-alb-1.ap-northeast-3.elb.amazonaws.com", 60, False), ("www.other.example.net", 300, True)],
)
def test_an_alias_written_literally(dns_name, seconds, warned):
    stacks = warm_standby()
    _, resources = stacks["Global"]
    record = resources["SecondaryRecord"]["Properties"]
    record["AliasTarget"] = dict(record["AliasTarget"], DNSName=dns_name)
    result = _region(stacks)
    ttl = next(s for s in result.recovery.steps if "cached answer" in s.label)
    assert ttl.seconds == seconds
    assert any("not a load balancer" in w for w in result.warnings) is warned


def test_the_fastest_check_that_pages_is_used_and_every_path_is_stated():
    # given the public name checked every 10 s with its own paging alarm
    stacks = warm_standby()
    _, resources = stacks["Global"]
    resources["PublicEndpoint"] = {
        "Type": "AWS::Route53::HealthCheck",
        "Properties": {
            "HealthCheckConfig": {
                "Type": "HTTPS",
                "FullyQualifiedDomainName": "www.example.com",
                "ResourcePath": "/health",
                "RequestInterval": 10,
                "FailureThreshold": 3,
            }
        },
    }
    resources.update(endpoint_alarm("PublicAlarm", "PublicEndpoint"))
    result = _region(stacks)

    assert "PublicEndpoint" in result.detection.steps[0].source
    assert result.detection_seconds == 10 * 3 + 6 + 240 + 900
    assert any("PrimaryEndpoint" in path.steps[0].source for path in result.alternatives)


def test_global_alarms_without_actions_leave_the_region_not_covered():
    stacks = warm_standby()
    stacks["Global"] = (GLOBAL, global_stack(alarm_actions=False))
    result = _region(stacks)
    assert result.status == NOT_COVERED
    assert result.fails
    assert "nothing pages a person" in result.reason
    assert "noticed by people" in result.detection.name
    assert any("pages nobody" in w for w in result.warnings)


def test_a_deep_check_watches_the_database_mode():
    plain = _region(warm_standby())
    assert "noticed by people (no deep check)" in plain.modes["database lost, web tier up"].name

    stacks = warm_standby()
    stacks["Global"] = (GLOBAL, global_stack(deep_check=True))
    deep = _region(stacks)
    mode = deep.modes["database lost, web tier up"]
    assert mode.name.startswith("database lost, web tier up: deep check Prod/Global/DeepEndpoint")
    assert mode.seconds == 96 + 240 + 900


REPLICA = {"DBInstanceIdentifier": "webapp-prod-db-osaka"}


def _lag_alarm(missing: str = "breaching", **routing):
    return alarm(
        "Lag",
        name="webapp-prod-db-replica-lag-high",
        metric="ReplicaLag",
        namespace="AWS/RDS",
        threshold=60,
        dimensions=REPLICA,
        missing=missing,
        **routing,
    )


def _silence_alarm(**routing):
    return alarm(
        "Silent",
        name="webapp-prod-db-replica-silent-high",
        metric="CPUUtilization",
        namespace="AWS/RDS",
        threshold=1,
        comparison="LessThanThreshold",
        dimensions=REPLICA,
        missing="breaching",
        **routing,
    )


def test_a_lag_alarm_quiet_on_missing_data_bounds_the_loss_only_with_a_paging_silence_alarm():
    topic = {"HighTopic": {"Type": "AWS::SNS::Topic", "Properties": {}}}
    page = {"actions": [{"Ref": "HighTopic"}]}
    alone = _region(warm_standby(extra_osaka=merge(_lag_alarm("notBreaching", **page), topic)))
    assert alone.data_loss_seconds == 300
    assert any("nothing pages when the replica stops reporting" in w for w in alone.warnings)

    unrouted_silence = _region(
        warm_standby(extra_osaka=merge(_lag_alarm("notBreaching", **page), _silence_alarm(), topic))
    )
    assert unrouted_silence.data_loss_seconds == 300

    both = _region(
        warm_standby(extra_osaka=merge(_lag_alarm("notBreaching", **page), _silence_alarm(**page), topic))
    )
    assert both.data_loss_seconds == 60
    assert "webapp-prod-db-replica-lag-high" not in " ".join(both.warnings)


def test_the_replica_lag_bound_counts_only_when_the_alarm_pages_someone():
    unrouted = _region(warm_standby(extra_osaka=_lag_alarm()))
    assert unrouted.data_loss_seconds == 300
    assert any("pages nobody" in w for w in unrouted.warnings)

    own_actions = _region(
        warm_standby(
            extra_osaka=merge(
                _lag_alarm(actions=[{"Ref": "HighTopic"}]),
                {"HighTopic": {"Type": "AWS::SNS::Topic", "Properties": {}}},
            )
        )
    )
    assert own_actions.data_loss_seconds == 60


def test_the_replica_lag_alarm_pages_through_a_composite_with_actions():
    composite = {
        "Type": "AWS::CloudWatch::CompositeAlarm",
        "Properties": {
            "AlarmName": "webapp-prod-web-incident-high",
            "AlarmRule": {"Fn::Join": ["", ['(ALARM("', {"Fn::GetAtt": ["Lag", "Arn"]}, '"))']]},
            "AlarmActions": [{"Ref": "HighTopic"}],
        },
    }
    extra = merge(
        _lag_alarm(), {"HighTopic": {"Type": "AWS::SNS::Topic", "Properties": {}}}, {"High": composite}
    )
    result = _region(warm_standby(extra_osaka=extra))
    assert result.data_loss_seconds == 60
    assert "composite webapp-prod-web-incident-high" in result.data_loss.basis

    silent = copy.deepcopy(extra)
    silent["High"]["Properties"]["AlarmActions"] = []
    assert _region(warm_standby(extra_osaka=silent)).data_loss_seconds == 300


@pytest.mark.parametrize("deep", [False, True])
def test_a_rule_starting_the_failover_runbook_skips_the_on_call(deep):
    stacks = warm_standby()
    stacks["Global"] = (GLOBAL, global_stack(deep_check=deep))
    _, resources = stacks["Global"]
    account = {"Ref": "AWS::AccountId"}
    resources["StartFailover"] = {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "EventPattern": {
                "source": ["aws.cloudwatch"],
                "detail-type": ["CloudWatch Alarm State Change"],
                "detail": {"alarmName": [{"prefix": "webapp-prod-"}], "state": {"value": ["ALARM"]}},
            },
            "Targets": [
                {
                    "Id": "Failover",
                    "Arn": {
                        "Fn::Join": ["", ["arn:aws:ssm:ap-northeast-3:", account, ":automation-definition/x"]]
                    },
                }
            ],
        },
    }
    result = _region(stacks)
    down = result.modes["region down"]
    assert "automatic failover" in down.name
    assert down.seconds == 96 + 240 + 5
    assert down.human_seconds == 0
    if deep:  # the deep check starts the failover too: nobody decides
        assert result.detection_seconds == 96 + 240 + 5
        assert result.decision_seconds == 0
    else:  # a database lost behind a green /health is still only noticed by people
        assert "noticed by people" in result.detection.name
        assert result.decision_seconds == 900


def test_backup_restore_loses_a_day_of_data_and_says_what_is_missing():
    stacks = {
        "Tokyo-Compute": (TOKYO, web_tier()),
        "Tokyo-Data": (TOKYO, merge(database(), backup_plan("cron(0 3 * * ? *)", copy_to=OSAKA))),
        "Osaka-Network": (OSAKA, {}),
    }
    result = _region(stacks)
    # RPO: one day between backups + 1 h for the backup and its copy
    assert result.data_loss_seconds == 86400 + 3600
    assert result.status == NOT_COVERED
    assert "no Route 53 health check" in result.reason
    assert "data loss 25h00m > RPO 1h00m" in "; ".join(result.misses()) or result.fails


def test_no_copy_of_the_database_in_the_dr_region_is_not_covered():
    stacks = {
        "Tokyo-Compute": (TOKYO, web_tier()),
        "Tokyo-Data": (TOKYO, database()),
        "Osaka-Compute": (OSAKA, web_tier()),
    }
    result = _region(stacks)
    assert result.status == NOT_COVERED
    assert "no copy of" in result.reason


def test_no_failover_record_is_not_covered():
    stacks = warm_standby()
    _, resources = stacks["Global"]
    stacks["Global"] = (GLOBAL, {k: v for k, v in resources.items() if not k.endswith("Record")})
    result = _region(stacks)
    assert result.status == NOT_COVERED
    assert "no Route 53 failover record" in result.reason


def test_a_missed_rto_is_a_miss_not_a_gap():
    result = budget_for_stage(
        stage("Prod", warm_standby()),
        latencies=Latencies(),
        target_overrides={"*": {"region_loss": {"rto_seconds": 600, "rpo_seconds": 3600}}},
    )["region_loss"]
    assert result.status == MISSED
    assert "RTO 10m00s" in result.reason


@pytest.mark.parametrize(("retention", "promotion"), [(7, 600), (None, 600 + 1200)])
def test_without_a_failover_runbook_the_failover_is_done_by_hand(retention, promotion):
    stacks = warm_standby(replica_retention=retention)
    del stacks["Osaka-DR"]  # the switch ids' reader lives there too: DNS is flipped by hand
    result = _region(stacks)
    assert result.recovery.name == "fail over to ap-northeast-3 by hand"
    # by hand 1800, the promotion (with its first backup when the replica keeps none), the switch by
    # hand 1800, Route 53 60 and the alias TTL 60
    assert result.recovery_seconds == 1800 + promotion + 1800 + 60 + 60
    assert result.decision_seconds == 900 + 1800 + 1800
