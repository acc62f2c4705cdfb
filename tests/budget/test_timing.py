"""Each timing formula on hand-built templates with answers worked out by hand."""

from __future__ import annotations

import pytest
from budget_templates import (
    TOKYO,
    alarm,
    group,
    launch_hook,
    launch_template,
    merge,
    stage,
    target_group,
    warm_pool,
)

from tools.recovery_budget.inventory import build_inventory, schedule_interval_seconds
from tools.recovery_budget.latencies import Latencies
from tools.recovery_budget.timing import (
    alarm_fires,
    launch,
    replace_instances,
    replacement_batch,
    target_healthy,
    target_unhealthy,
)


def _inventory(*parts):
    return build_inventory(stage("Prod", {"Tokyo-Compute": (TOKYO, merge(*parts))}))


def test_target_unhealthy_is_interval_times_threshold_plus_timeout():
    # given a 10 s interval, 2 failures, 5 s timeout
    inv = _inventory(target_group(interval=10, unhealthy=2, timeout=5))

    # then the worst case is 10 x 2 + 5
    step = target_unhealthy(inv.target_groups[0])
    assert step.seconds == 25
    assert "HealthCheckIntervalSeconds=10" in step.source
    assert step.formula == "10 x 2 + 5"


def test_target_group_without_settings_uses_the_documented_alb_defaults():
    # given a target group that leaves every health-check setting out
    inv = _inventory(target_group(interval=None, timeout=None, unhealthy=None, healthy=None))
    tg = inv.target_groups[0]

    # then ALB's defaults apply: 30 s x 2 + 5 s to fail, 30 s x 5 to pass
    assert target_unhealthy(tg).seconds == 65
    assert target_healthy(tg).seconds == 150


def test_seed_target_group_takes_95_seconds_to_mark_a_hung_target():
    # the seed's 30 s x 3 (90 s) plus the timeout of the last check
    inv = _inventory(target_group(interval=30, unhealthy=3, timeout=5))
    assert target_unhealthy(inv.target_groups[0]).seconds == 95


@pytest.mark.parametrize(
    ("detailed", "period", "evaluation", "datapoints", "expected"),
    [
        # detailed monitoring, 1-min period, 3 of 3: 60 (partial) + 3 x 60 + 60 (ingestion) + 60 (evaluation)
        (True, 60, 3, None, 360),
        # the seed: basic monitoring, 5-min period, 2 of 2: 300 + 2 x 300 + 60 + 60
        (False, 300, 2, None, 1020),
        # 2 out of 5: only the 2 datapoints count
        (True, 60, 5, 2, 300),
        # 1-min period on a basic-monitoring metric: each datapoint is really 5 minutes
        (False, 60, 3, None, 300 + 3 * 300 + 120),
    ],
)
def test_alarm_fires_after_partial_datapoint_m_datapoints_ingestion_and_evaluation(
    detailed, period, evaluation, datapoints, expected, latencies
):
    # given a group-level CPU alarm on an ASG whose launch template sets detailed monitoring or not
    inv = _inventory(
        target_group(),
        group(),
        launch_template(detailed=detailed),
        alarm(
            "Cpu",
            name="webapp-prod-web-cpu-medium",
            metric="CPUUtilization",
            namespace="AWS/EC2",
            period=period,
            evaluation=evaluation,
            datapoints=datapoints,
            dimensions={"AutoScalingGroupName": {"Ref": "WebAsg"}},
        ),
    )
    warnings: list[str] = []

    # when
    steps = alarm_fires(inv.alarms[0], inv, inv.groups[0], latencies, warnings)

    # then
    assert sum(step.seconds for step in steps) == expected
    if not detailed and period < 300:
        assert "turn on detailed monitoring" in warnings[0]


def test_cloudwatch_agent_metric_resolution_follows_the_collection_interval():
    # given a memory alarm on the agent's metric and a 30 s collection interval
    inv = _inventory(
        target_group(),
        group(),
        launch_template(),
        alarm("Mem", name="webapp-prod-web-memory-medium", metric="mem_used_percent", namespace="CWAgent"),
    )
    latencies = Latencies({"CWAGENT_COLLECTION_INTERVAL_SECONDS": 30})

    steps = alarm_fires(inv.alarms[0], inv, inv.groups[0], latencies, [])

    # then 30 (partial) + 3 x max(60, 30) + 60 + 60
    assert sum(step.seconds for step in steps) == 330


@pytest.mark.parametrize(
    ("state", "min_size", "expected"),
    [("Stopped", 1, 60), ("Hibernated", 1, 60), ("Running", 2, 10), ("Stopped", 0, 120)],
)
@pytest.mark.parametrize("as_resource", [True, False])
def test_launch_uses_the_warm_pool_only_when_it_keeps_instances_and_a_hook_holds_them(
    state, min_size, expected, as_resource, latencies
):
    # given a launch hook, as its own resource or in the group's LifecycleHookSpecificationList
    hook = launch_hook(as_resource=as_resource)
    inv = _inventory(target_group(), group(), launch_template(), warm_pool(state, min_size), hook)
    assert inv.groups[0].launch_hook is not None
    assert launch(inv.groups[0], inv.warm_pools[0], latencies).seconds == expected


@pytest.mark.parametrize("transition", [None, "autoscaling:EC2_INSTANCE_TERMINATING"])
def test_a_warm_pool_without_a_launch_hook_is_a_cold_boot(transition, latencies):
    parts = [target_group(), group(), launch_template(), warm_pool("Stopped", 2)]
    if transition:
        parts.append(launch_hook(transition))
    inv = _inventory(*parts)
    step = launch(inv.groups[0], inv.warm_pools[0], latencies)
    assert step.seconds == 120  # INSTANCE_BOOT_SECONDS: no user data to derive a boot from
    assert "no EC2_INSTANCE_LAUNCHING hook" in step.source


@pytest.mark.parametrize(
    ("desired", "maintenance", "expected_batch"),
    [
        (3, None, 1),  # 10 % of 3 rounds down to 0 -> one at a time
        (30, None, 3),  # 10 % of 30
        (10, (90, 120), 3),  # room between 90 % and 120 % of 10
        (4, (100, 110), 1),  # launch before terminating, small group
    ],
)
def test_replacement_batch_follows_the_instance_maintenance_policy(
    desired, maintenance, expected_batch, latencies
):
    inv = _inventory(target_group(), group(desired=desired, maintenance=maintenance), launch_template())
    batch, _ = replacement_batch(inv.groups[0], latencies)
    assert batch == expected_batch


def test_replacing_more_instances_than_one_batch_takes_rounds_with_warmup(latencies):
    # given 4 lost instances, one at a time (desired 6, no policy), 60 s default instance warmup
    inv = _inventory(target_group(interval=10, healthy=2), group(desired=6, warmup=60), launch_template())

    steps = replace_instances(inv.groups[0], inv.target_groups[0], None, latencies, lost=4)

    # then each round is boot 120 + 10 x 2 = 140, and 3 more rounds each add the 60 s warmup
    assert [step.seconds for step in steps] == [120, 20, 3 * (140 + 60)]


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("cron(0 3 * * ? *)", 86400),
        ("cron(0 0,12 * * ? *)", 43200),
        ("cron(0 1,3 * * ? *)", 22 * 3600),
        ("cron(0 */6 * * ? *)", 6 * 3600),
        ("cron(15 * * * ? *)", 3600),
        ("cron(0 3 ? * MON *)", 7 * 86400),
        ("rate(1 hour)", 3600),
        ("rate(12 hours)", 43200),
        ("rate(1 day)", 86400),
        ("at(2025-01-01T00:00:00)", None),
    ],
)
def test_schedule_interval_is_the_largest_gap_between_runs(expression, seconds):
    assert schedule_interval_seconds(expression) == seconds
