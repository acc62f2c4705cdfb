"""Health checks and metric traces on the virtual clock, without the emulator.

ALB: "Health checks for Application Load Balancer target groups"
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
Route 53: "How Amazon Route 53 determines whether a health check is healthy"
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.simulation.clock import VirtualClock
from tools.simulation.health import (
    ROUTE53_CHECKER_REGIONS,
    AppModel,
    Route53Checkers,
    TargetHealthChecker,
    TargetSettings,
)
from tools.simulation.metrics import MetricKey, MetricStore
from tools.simulation.timeline import SimTimeline
from tools.simulation.traces import MetricSource, Shape, interval_average
from tools.simulation.webtier import next_phase

EPOCH = datetime(2030, 1, 1, 0, 0, 1, tzinfo=UTC)


def _checker(clock, app, settings=None, targets=("i-1",)):
    store = MetricStore()
    checker = TargetHealthChecker(
        clock=clock,
        timeline=SimTimeline("t", clock),
        app=app,
        settings=settings or TargetSettings(10, 5, 2, 2, "test"),
        targets=lambda: list(targets),
        store=store,
        metric_dimensions={"LoadBalancer": "app/x/1", "TargetGroup": "targetgroup/x/1"},
        ingestion_delay=60,
        label="test",
    )
    return checker, store


def test_a_hung_target_is_unhealthy_after_u_failed_checks_each_ending_at_its_timeout():
    clock = VirtualClock(EPOCH, start=-100)
    app = AppModel(clock, 120, "boot")
    app.know("i-1", "a", ready=True)
    checker, store = _checker(clock, app)
    checker.prime("i-1")
    checker.start(next_phase(clock.now, 10))  # last check 1 s before the failure: the budget's worst case
    clock.advance_to(0)
    app.hung["i-1"] = 0.0

    clock.advance_to(60)

    # checks at 9 and 19 fail when their 5 s timeouts expire: unhealthy at 24 = the budget's 10 x 2 + 5 - 1
    assert checker.changes == [(24.0, "i-1", "unhealthy")]
    unhealthy = MetricKey.of(
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
        {"LoadBalancer": "app/x/1", "TargetGroup": "targetgroup/x/1"},
    )
    assert max(store.values(unhealthy, 0, clock.absolute(60), visible_at=1e9)) == 1


def test_a_new_target_is_healthy_after_h_passing_checks_once_booted():
    clock = VirtualClock(EPOCH)
    app = AppModel(clock, 120, "boot")
    app.know("i-2", "a")
    checker, _ = _checker(clock, app, targets=("i-2",))
    checker.start(next_phase(clock.now, 10))

    clock.advance_to(200)

    assert checker.changes[-1] == (139.0, "i-2", "healthy")  # ready at 120: passes at 129 and 139
    assert checker.changes[0][2] == "unhealthy"  # failed checks while it booted


def test_route53_turns_unhealthy_when_no_more_than_18_percent_of_checkers_see_it_healthy():
    clock = VirtualClock(EPOCH, start=-60)
    up = {"value": True}
    store = MetricStore()
    checkers = Route53Checkers(
        clock=clock,
        timeline=SimTimeline("r", clock),
        health_check_id="hc",
        label="hc",
        request_interval=30,
        failure_threshold=3,
        endpoint_healthy=lambda: up["value"],
        check_timeout=6,
        store=store,
        ingestion_delay=60,
    )
    checkers.start(next_phase(clock.now, 30))
    clock.advance_to(0)
    up["value"] = False

    clock.advance_to(200)

    (at, healthy), *_ = checkers.changes
    assert not healthy
    # the checker whose 3rd failure leaves at most 1 of 8 healthy (1/8 = 12.5 % <= 18 %): within 30 x 3 + 6
    assert 60 < at <= 30 * 3 + 6
    assert sum(1 for _, verdict in checkers.observations() if verdict) <= 1
    assert len(checkers.observations()) == len(ROUTE53_CHECKER_REGIONS)


def test_metric_sources_sample_at_the_resolution_and_become_visible_after_ingestion():
    clock = VirtualClock(EPOCH, start=-1)  # -1 is a minute boundary
    store = MetricStore()
    key = MetricKey.of("AWS/EC2", "CPUUtilization", {"InstanceId": "i-1"})
    shape = Shape(baseline=30, peak=90, start=0, climb_seconds=60)
    MetricSource(
        clock=clock,
        store=store,
        key=key,
        resolution=60,
        value=lambda s, e: interval_average(shape, s, e),
        ingestion_delay=60,
    ).start()

    clock.advance_to(200)

    samples = store.samples(key)
    assert [s.visible_at for s in samples] == [
        119.0,
        179.0,
        239.0,
    ]  # [-1, 59) closes at 59, visible 60 s later
    assert samples[0].value == pytest.approx(59.5, abs=1)  # the climb's average over its first minute
    assert samples[1].value == pytest.approx(90, abs=0.1)
    assert store.values(key, clock.absolute(-1), clock.absolute(59), visible_at=118) == []


def test_shapes_climb_then_drift():
    leak = Shape(baseline=80, peak=95, start=0, climb_seconds=60, drift_per_minute=1)
    assert leak(-5) == 80 and leak(30) == pytest.approx(87.5) and leak(180) == pytest.approx(97)
    assert Shape(baseline=10, peak=200, climb_seconds=1)(10) == 100  # capped at the ceiling
