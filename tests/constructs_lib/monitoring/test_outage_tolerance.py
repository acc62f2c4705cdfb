"""Riding out a Multi-AZ failover: the arithmetic, and the same outage on the simulator's Route 53
checkers and CloudWatch alarm (tools/simulation), phase by phase."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from constructs_lib.monitoring.outage_tolerance import (
    MULTI_AZ_FAILOVER,
    ROUTE53_CHECK_SECONDS,
    datapoints_to_ride_out,
    longest_breaching_run,
)
from tools.simulation.alarms import ALARM, AlarmSpec, MetricAlarm
from tools.simulation.clock import VirtualClock
from tools.simulation.health import Route53Checkers
from tools.simulation.metrics import MetricStore
from tools.simulation.timeline import SimTimeline

EPOCH = datetime(2030, 1, 1, tzinfo=UTC)  # a minute boundary


def test_the_documented_failover_is_two_minutes():
    assert MULTI_AZ_FAILOVER.to_seconds() == 120
    assert ROUTE53_CHECK_SECONDS == 4 + 2


def test_a_two_minute_outage_of_30_second_checks_can_breach_four_minutes_so_the_alarm_needs_five():
    # 5 checks can fail (>= 3): unhealthy under 120 + 6 + 30 = 156 s, which touches 4 one-minute periods
    assert longest_breaching_run(120, request_interval_seconds=30, failure_threshold=3) == 4
    assert datapoints_to_ride_out(120, request_interval_seconds=30, failure_threshold=3) == 5
    # faster checks do not shorten it: 120 + 6 + 10 = 136 s still touches 4 periods
    assert longest_breaching_run(120, request_interval_seconds=10, failure_threshold=3) == 4


def test_a_threshold_above_the_failing_checks_keeps_the_check_itself_healthy():
    # at most ceil(126 / 30) = 5 checks fail: threshold 6 never turns the endpoint unhealthy
    assert longest_breaching_run(120, request_interval_seconds=30, failure_threshold=6) == 0
    assert datapoints_to_ride_out(120, request_interval_seconds=30, failure_threshold=6) == 1
    assert longest_breaching_run(0, request_interval_seconds=30, failure_threshold=3) == 0


def test_fails_when_the_timing_is_not_positive():
    with pytest.raises(ValueError, match=r"request_interval_seconds \(0\) must be at least 1"):
        longest_breaching_run(120, request_interval_seconds=0, failure_threshold=3)


def _alarm_fires(
    *, outage_start: float, outage: float, interval: int, threshold: int, datapoints: int
) -> bool:
    """The simulator's checkers (8 regions, >18 % rule) and alarm (Minimum per minute, M of M)."""
    clock = VirtualClock(EPOCH, start=-600)
    store = MetricStore()
    down = {"value": False}
    checkers = Route53Checkers(
        clock=clock,
        timeline=SimTimeline("ride-out", clock),
        health_check_id="hc",
        label="deep",
        request_interval=interval,
        failure_threshold=threshold,
        endpoint_healthy=lambda: not down["value"],
        check_timeout=ROUTE53_CHECK_SECONDS,
        store=store,
        ingestion_delay=60,
    )
    checkers.start(-600 + interval)
    alarm = MetricAlarm(
        AlarmSpec.from_description(
            {
                "AlarmName": "deep",
                "ComparisonOperator": "LessThanThreshold",
                "Threshold": 1,
                "EvaluationPeriods": datapoints,
                "DatapointsToAlarm": datapoints,
                "Period": 60,
                "Namespace": "AWS/Route53",
                "MetricName": "HealthCheckStatus",
                "Dimensions": [{"Name": "HealthCheckId", "Value": "hc"}],
                "Statistic": "Minimum",
                "TreatMissingData": "breaching",
            }
        ),
        store,
    )
    fired = []
    clock.every(60, lambda: fired.append(alarm.evaluate(clock.now, clock.absolute(0.0))), first_at=-300)
    clock.schedule(outage_start, lambda: down.update(value=True), label="outage")
    clock.schedule(outage_start + outage, lambda: down.update(value=False), label="recovery")
    clock.advance_to(outage_start + outage + 900)
    return any(t is not None and t.state == ALARM for t in fired)


@pytest.mark.parametrize("phase", [0.0, 7.5, 15.0, 22.5, 29.0, 41.0, 53.0, 59.5])
def test_the_simulated_checks_and_alarm_ride_out_a_two_minute_outage_at_any_phase(phase):
    needed = datapoints_to_ride_out(120, request_interval_seconds=30, failure_threshold=3)
    assert not _alarm_fires(outage_start=phase, outage=120, interval=30, threshold=3, datapoints=needed)


def test_the_simulated_alarm_still_fires_when_the_database_stays_unreachable():
    needed = datapoints_to_ride_out(120, request_interval_seconds=30, failure_threshold=3)
    assert _alarm_fires(outage_start=0.0, outage=600, interval=30, threshold=3, datapoints=needed)


def test_the_simulated_one_minute_alarm_of_before_paged_on_a_two_minute_failover():
    # the shallow check's alarm shape (1 of 1) on a deep path would page on every Multi-AZ failover
    assert _alarm_fires(outage_start=0.0, outage=120, interval=30, threshold=3, datapoints=1)
