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


def test_action_budget_is_per_resource_per_hour(ledger):
    assert [ledger.consume_action(RESOURCE, now=START, limit=3) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert ledger.actions_this_hour(RESOURCE, now=START) == 3
    other = ResourceRef("instance", "i-0000000000000000b")
    assert ledger.consume_action(other, now=START, limit=3)
    assert ledger.consume_action(RESOURCE, now=START + 3600, limit=3)


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
