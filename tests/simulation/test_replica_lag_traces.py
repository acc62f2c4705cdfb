"""The replica-lag alarms as synthesized, evaluated by the simulator (CloudWatch's documented
missing-data rules) over traces of a replica's metrics: a promotion must not page for ever, a silent
replica must page, and the severity composite must carry both."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from constructs_lib import Naming
from constructs_lib.data import ReplicaLagAlarm
from tools.simulation.alarms import ALARM, OK, AlarmSpec, MetricAlarm
from tools.simulation.composite import CompositeAlarm
from tools.simulation.metrics import MetricKey, MetricStore

REPLICA = "webapp-prod-db-osaka"
LAG = MetricKey.of("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": REPLICA})
CPU = MetricKey.of("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": REPLICA})
INGESTION = 60  # a minute's datapoint becomes visible a minute after it ends
MINUTES = 50
WARMUP = 8  # evaluated from this minute on, once the evaluation range holds data (as Sim does)


@pytest.fixture(scope="module")
def specs() -> dict[str, AlarmSpec]:
    """The two alarms exactly as the construct synthesizes them."""
    stack = cdk.Stack(
        cdk.App(builtin_cloud_formation_validation=False),
        "Osaka",
        env=cdk.Environment(account="111111111111", region="ap-northeast-3"),
    )
    ReplicaLagAlarm(
        stack, "ReplicaLagAlarm", naming=Naming(app="webapp", environment="prod"), database_identifier=REPLICA
    )
    template = stack.resolve(cdk.assertions.Template.from_stack(stack).to_json())
    found = {}
    for body in template["Resources"].values():
        if body["Type"] == "AWS::CloudWatch::Alarm":
            found[body["Properties"]["AlarmName"]] = AlarmSpec.from_description(body["Properties"])
    return found


def _run(specs, *, lag, cpu) -> dict[str, list[str]]:
    """States per minute of both alarms and of a composite paging on either, over the traces
    ``lag(minute)`` / ``cpu(minute)`` (``None``: no datapoint that minute)."""
    store = MetricStore()
    for minute in range(MINUTES):
        for key, trace in ((LAG, lag), (CPU, cpu)):
            value = trace(minute)
            if value is not None:
                store.add(key, minute * 60.0, value, visible_at=(minute + 1) * 60.0 + INGESTION)
    alarms = {name: MetricAlarm(spec, store, state=OK) for name, spec in specs.items()}
    composite = CompositeAlarm(
        "webapp-prod-web-incident-high",
        " OR ".join(f'ALARM("{name}")' for name in alarms),
        alarm_actions=("arn:aws:sns:ap-northeast-3:111111111111:webapp-prod-alerts-high",),
    )
    states: dict[str, list[str]] = {name: [] for name in [*alarms, composite.name]}
    for minute in range(WARMUP, MINUTES):
        for name, alarm in alarms.items():
            alarm.evaluate(minute * 60.0, 0.0)
            states[name].append(alarm.state)
        composite.update(minute * 60.0, {name: alarm.state for name, alarm in alarms.items()})
        states[composite.name].append(composite.state)
    states["pages"] = [e.at for e in composite.events if e.kind == "actions" and e.state == ALARM]
    return states


LAG_ALARM, SILENT_ALARM = "webapp-prod-db-replica-lag-high", "webapp-prod-db-replica-silent-high"


def test_a_promoted_replica_stops_reporting_lag_and_nothing_pages(specs):
    # replicating (1 s of lag) until minute 10, then promoted: no ReplicaLag, the instance runs on
    states = _run(specs, lag=lambda m: 1.0 if m < 20 else None, cpu=lambda m: 8.0)
    assert set(states[LAG_ALARM]) == {OK} and set(states[SILENT_ALARM]) == {OK}
    assert states["pages"] == []


def test_a_region_loss_pages_on_the_lag_then_the_promotion_brings_the_alarm_back_to_ok(specs):
    # Tokyo lost at minute 15: the lag grows by a minute a minute; promoted at minute 30
    states = _run(
        specs, lag=lambda m: 1.0 if m < 15 else (60.0 * (m - 14) if m < 30 else None), cpu=lambda m: 8.0
    )
    assert ALARM in states[LAG_ALARM]
    assert states[LAG_ALARM][-1] == OK  # back to OK once promoted, for good
    last_alarm = WARMUP + max(i for i, s in enumerate(states[LAG_ALARM]) if s == ALARM)
    assert last_alarm <= 30 + 2  # until the promotion's first minute is visible
    assert set(states[SILENT_ALARM]) == {OK}
    assert len(states["pages"]) == 1


def test_a_replica_that_stops_reporting_while_the_primary_is_alive_pages(specs):
    # the primary commits heartbeats and the replica keeps up, until minute 20 when the replica
    # instance stops publishing anything (stopped, failed, deleted)
    states = _run(specs, lag=lambda m: 1.0 if m < 20 else None, cpu=lambda m: 8.0 if m < 20 else None)
    assert set(states[LAG_ALARM]) == {OK}  # no ReplicaLag reads as promoted...
    assert states[SILENT_ALARM][-1] == ALARM  # ...but its silence pages
    first = WARMUP + states[SILENT_ALARM].index(ALARM)  # the minute it fires
    assert 20 + 3 <= first <= 20 + 3 + 2  # three silent minutes, the last one due a minute later
    assert len(states["pages"]) == 1 and states["pages"][0] == first * 60


def test_the_old_breaching_lag_alarm_stayed_in_alarm_after_a_promotion(specs):
    # the defect: ReplicaLag with missing data breaching never leaves ALARM once the replica is promoted
    old = AlarmSpec(**{**specs[LAG_ALARM].__dict__, "treat_missing_data": "breaching"})
    states = _run({LAG_ALARM: old}, lag=lambda m: 1.0 if m < 20 else None, cpu=lambda m: 8.0)
    assert states[LAG_ALARM][-1] == ALARM and len(states["pages"]) == 1
