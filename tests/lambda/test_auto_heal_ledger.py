"""The ledger's conditional writes against moto's DynamoDB: lock, rate counter, incident record."""

from __future__ import annotations

import pytest
from auto_heal_world import START, TABLE

from lambda_src.auto_heal.aws import AwsGateway
from lambda_src.auto_heal.ledger import IncidentRef, Ledger
from lambda_src.auto_heal.model import ActionResult, Plan, ResourceRef, StartInstance, Status

RESOURCE = ResourceRef("instance", "i-0000000000000000a")
KIND = "instance-recovery"
WINDOW = 900


@pytest.fixture
def ledger(world) -> Ledger:
    return Ledger(
        AwsGateway(environment_tag_key="Environment", environment_name="prod", session=world.session), TABLE
    )


def incident(event_id: str) -> IncidentRef:
    return IncidentRef.for_event(event_id, "2026-11-20T02:41:54Z", RESOURCE, KIND)


def acquire(ledger, event_id, now=START):
    return ledger.acquire_lock(
        RESOURCE, KIND, incident(event_id), event_id=event_id, now=now, window_seconds=WINDOW
    )


def test_incident_ids_are_deterministic_per_event_and_sortable_by_time():
    assert incident("e1") == incident("e1")
    assert incident("e1") != incident("e2")
    assert incident("e1").incident_id.startswith("20261120T024154-")
    assert incident("e1").pk == "INCIDENT#instance#i-0000000000000000a"


def test_lock_is_held_against_other_events_within_the_window(ledger):
    assert acquire(ledger, "e1").acquired
    second = acquire(ledger, "e2", START + WINDOW - 1)
    assert not second.acquired
    assert (second.holder, second.holder_event_id) == (incident("e1"), "e1")


def test_lock_is_reentrant_for_the_same_event_and_free_after_the_window(ledger):
    assert acquire(ledger, "e1").acquired
    assert acquire(ledger, "e1", START + 5).acquired  # a retry of the same event (extends the lock)
    assert not acquire(ledger, "e2", START + WINDOW + 1).acquired
    assert acquire(ledger, "e2", START + 5 + WINDOW + 1).acquired


def test_lock_is_released_only_by_its_owner(ledger):
    acquire(ledger, "e1")
    assert not ledger.release_lock(RESOURCE, KIND, event_id="e2")
    assert ledger.release_lock(RESOURCE, KIND, event_id="e1")
    assert acquire(ledger, "e2").acquired


def test_action_budget_is_per_resource_and_incident_kind(ledger):
    assert [ledger.consume_action(RESOURCE, KIND, now=START, limit=3) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert ledger.used(f"RATE#{RESOURCE.key}", f"KIND#{KIND}", now=START, window=3600) == 3
    other = ResourceRef("instance", "i-0000000000000000b")
    assert ledger.consume_action(other, KIND, now=START, limit=3)
    assert ledger.consume_action(RESOURCE, "memory", now=START, limit=3)  # another kind, its own budget


def test_action_budget_is_a_sliding_window_not_a_clock_hour(ledger):
    hour_end = 1_795_003_200.0  # 2026-11-18T12:00:00Z
    for minutes_before in (3, 2, 1):
        assert ledger.consume_action(RESOURCE, KIND, now=hour_end - 60 * minutes_before, limit=3)
    # a new clock hour, but the last 60 minutes already hold 3: no second burst across the hour
    assert not ledger.consume_action(RESOURCE, KIND, now=hour_end + 60, limit=3)
    # the oldest leaves the window an hour after it was taken
    assert ledger.consume_action(RESOURCE, KIND, now=hour_end - 180 + 3601, limit=3)


def test_replacement_cap_counts_across_incidents_per_group(ledger):
    assert ledger.consume_replacement("webapp-prod-web", now=START, limit=2, window=900)
    assert ledger.consume_replacement("webapp-prod-web", now=START + 1, limit=2, window=900)
    assert not ledger.consume_replacement("webapp-prod-web", now=START + 2, limit=2, window=900)
    assert ledger.consume_replacement("webapp-prod-api", now=START + 2, limit=2, window=900)
    assert ledger.consume_replacement("webapp-prod-web", now=START + 901, limit=2, window=900)


def test_budget_written_by_others_meanwhile_is_read_again_via_patched_gateway(ledger):
    # Another run takes a slot between this run's read and its conditional put: the put fails on
    # the version and the slot is taken on the fresh state (optimistic locking).
    aws = ledger._aws
    original_put = aws.ddb_put
    raced = []

    def racing_put(table, item, **kwargs):
        if not raced:
            raced.append(True)
            original_put(table, {**item, "version": item["version"], "times": [int(START)] * 2})
        return original_put(table, item, **kwargs)

    aws.ddb_put = racing_put
    try:
        assert ledger.consume_action(RESOURCE, KIND, now=START, limit=3)
        assert not ledger.consume_action(RESOURCE, KIND, now=START, limit=3)
    finally:
        aws.ddb_put = original_put
    assert ledger.used(f"RATE#{RESOURCE.key}", f"KIND#{KIND}", now=START, window=3600) == 3


def test_incident_record_keeps_actions_events_and_completed_keys(ledger):
    ref = incident("e1")
    plan = Plan(Status.ACT, "stopped", RESOURCE, KIND, "medium", (StartInstance("i-0000000000000000a"),))
    assert (
        ledger.open_incident(ref, plan, event_id="e1", trigger="t", dry_run=False, now=START) == frozenset()
    )
    ledger.record_action(
        ref, ActionResult(plan.actions[0], "succeeded", "started"), completed=True, now=START
    )
    ledger.close_incident(ref, status="acted", severity="medium", outcome="ok", now=START)
    assert ledger.note_duplicate(ref, event_id="e2", now=START)

    # a retry of the same event learns what is already done
    assert ledger.open_incident(ref, plan, event_id="e1", trigger="t", dry_run=False, now=START) == {
        "StartInstance:i-0000000000000000a"
    }
    item = ledger.get_incident(ref)
    assert item["event_ids"] == {"e1", "e2"}
    assert item["duplicate_deliveries"] == 1
    assert item["actions"][0]["outcome"] == "succeeded"
    assert item["opened_at"] == "2026-11-18T11:06:40Z"
    assert int(item["expires_at"]) == int(START) + 90 * 24 * 3600


def test_duplicate_of_an_incident_not_recorded_yet_is_not_created(ledger):
    assert not ledger.note_duplicate(incident("nobody"), event_id="e2", now=START)
    assert ledger.get_incident(incident("nobody")) is None
