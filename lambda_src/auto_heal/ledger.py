"""The incident ledger: one DynamoDB table (``pk``/``sk`` strings, TTL attribute ``expires_at``).

Item layout (every item expires through the table's TTL on ``expires_at``, epoch seconds):

=================  =================================  ===============================  ==========
item               pk                                 sk                               kept
=================  =================================  ===============================  ==========
idempotency        ``idempotency#<function name>``    ``<function>#<md5 of event id>``  6 hours
incident lock      ``LOCK#<kind>#<resource id>``      ``KIND#<incident kind>``          window + 1 day
action budget      ``RATE#<kind>#<resource id>``      ``KIND#<incident kind>``          window + 1 day
replacement cap    ``RATE#group#<group name>``        ``KIND#replacement``              window + 1 day
incident record    ``INCIDENT#<kind>#<resource id>``  ``INCIDENT#<incident id>``        90 days
runbook to follow  ``FOLLOW#automation``              ``<execution id>``                7 days
member incident    ``MEMBER#group#<group name>``      ``INSTANCE#<instance id>``        window + 1 day
sighting           ``SEEN#<kind>#<resource id>``      ``KIND#<finding kind>``           1 day
=================  =================================  ===============================  ==========

(``<kind>`` is ``instance``, ``group`` or ``database``.)

- **Idempotency** items belong to Powertools (``status``, ``data``, ``in_progress_expires_at``):
  a redelivered event (same EventBridge id / SNS MessageId) returns the stored result.
- **Incident lock**: a conditional put succeeds when no lock exists, the previous one has
  expired (``lock_until`` < now), or the same event holds it (a retry of that event). Different
  events about the same resource and incident kind inside the window (stopping then stopped, an
  alarm by SNS and by EventBridge, the detector and the event path) find it held: they are
  added to the holder's incident record (``event_ids``, ``duplicate_deliveries``) and do nothing.
  Attributes: ``incident_pk``, ``incident_sk``, ``incident_id``, ``owner_event_id``,
  ``acquired_at``, ``lock_until``.
- **Budgets** (sliding windows, not clock hours: no double burst across an hour's end): ``times``,
  the epoch seconds of the actions taken, and ``version``; a slot is taken when fewer than the limit
  fall within the window before now, by a put conditioned on the version read (optimistic locking,
  a few attempts, then a transient error). One budget per resource and incident kind (actions per
  hour), and one per Auto Scaling group for replacements (marking members unhealthy) across every
  incident: at most a share of its in-service capacity per window.
- **Incident record**: ``incident_id`` (``<event time>-<hash>``, sortable, the same for retries
  of one event), ``incident_kind``, ``resource_kind``, ``resource_id``, ``severity``, ``status``
  (open, acted, notified, rate-limited, dry-run, failed, retrying), ``reason``, ``trigger``,
  ``event_ids`` (string set), ``actions`` (list of maps: ``action``, ``key``, ``outcome``,
  ``detail``, ``at``), ``completed_actions`` (string set of action keys done, so a retry never
  repeats them), ``outcome``, ``dry_run``, ``opened_at``/``updated_at`` (ISO 8601 UTC).
  Query one resource's history with ``pk = INCIDENT#instance#i-...``.
- **Member incident**: an incident on an instance of an Auto Scaling group (``incident_id``,
  ``lock_until``): while one is open the detector leaves the group's capacity alone (the group is
  replacing that member: its shortfall is the normal course of a replacement).
- **Sighting**: the incident detector's memory of a finding that must persist before it counts
  (``first_seen``, ``scans``); deleted when the finding is gone.
- **Runbook to follow**: an Automation execution started for an incident (``incident_pk``,
  ``incident_sk``, ``incident_id``, ``document``, ``started_at``, ``severity``); the incident
  detector reads the partition on each run, records the execution's end on the incident
  (``runbook_status``) and deletes the item.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from . import contract
from .aws import AwsGateway
from .model import ActionResult, Plan, ResourceRef

INCIDENT_RETENTION_SECONDS = 90 * 24 * 3600
LOCK_RETENTION_SECONDS = 24 * 3600
FOLLOW_RETENTION_SECONDS = 7 * 24 * 3600
FOLLOW_PK = "FOLLOW#automation"
COUNTER_RETENTION_SECONDS = 24 * 3600
BUDGET_ATTEMPTS = 5
"""Attempts to take a budget slot when other runs write it at the same time."""
IDEMPOTENCY_SECONDS = 6 * 3600
"""How long a delivered event id is remembered: Lambda's longest asynchronous event age."""

PK, SK, TTL = contract.LEDGER_PARTITION_KEY, contract.LEDGER_SORT_KEY, contract.LEDGER_TTL_ATTRIBUTE


@dataclass(frozen=True, slots=True)
class IncidentRef:
    incident_id: str
    pk: str
    sk: str

    @classmethod
    def for_event(cls, event_id: str, event_time: str, resource: ResourceRef, kind: str) -> IncidentRef:
        """Deterministic: the same event about the same resource always gives the same incident."""
        digest = hashlib.sha256(f"{event_id}|{resource.key}|{kind}".encode()).hexdigest()[:10]
        stamp = re.sub(r"[^0-9T]", "", event_time.split(".")[0])[:15] or "unknown"
        incident_id = f"{stamp}-{digest}"
        return cls(incident_id, f"INCIDENT#{resource.key}", f"INCIDENT#{incident_id}")


@dataclass(frozen=True, slots=True)
class LockResult:
    acquired: bool
    holder: IncidentRef | None = None  # the incident holding the lock when not acquired
    holder_event_id: str = ""


class Ledger:
    """Reads and writes ledger items through :class:`~aws.AwsGateway` (which owns the calls)."""

    def __init__(self, aws: AwsGateway, table_name: str) -> None:
        self._aws = aws
        self.table_name = table_name

    # --- incident lock ---------------------------------------------------------------------------
    def acquire_lock(
        self,
        resource: ResourceRef,
        kind: str,
        incident: IncidentRef,
        *,
        event_id: str,
        now: float,
        window_seconds: int,
    ) -> LockResult:
        until = int(now) + window_seconds
        acquired, current = self._aws.ddb_put(
            self.table_name,
            {
                PK: f"LOCK#{resource.key}",
                SK: f"KIND#{kind}",
                "incident_pk": incident.pk,
                "incident_sk": incident.sk,
                "incident_id": incident.incident_id,
                "owner_event_id": event_id,
                "acquired_at": int(now),
                "lock_until": until,
                TTL: until + LOCK_RETENTION_SECONDS,
            },
            condition=f"attribute_not_exists({PK}) OR lock_until < :now OR owner_event_id = :event",
            values={":now": int(now), ":event": event_id},
        )
        if acquired:
            return LockResult(True)
        current = current or {}
        holder = None
        if current.get("incident_pk") and current.get("incident_sk"):
            holder = IncidentRef(
                str(current.get("incident_id", "")), current["incident_pk"], current["incident_sk"]
            )
        return LockResult(False, holder, str(current.get("owner_event_id", "")))

    def active_lock(self, resource: ResourceRef, kind: str, *, now: float) -> IncidentRef | None:
        """The incident holding ``resource``'s lock of ``kind`` right now, if any."""
        item = self._aws.ddb_get(self.table_name, {PK: f"LOCK#{resource.key}", SK: f"KIND#{kind}"})
        if not item or int(item.get("lock_until", 0)) < int(now) or not item.get("incident_pk"):
            return None
        return IncidentRef(str(item.get("incident_id", "")), item["incident_pk"], item["incident_sk"])

    def release_lock(self, resource: ResourceRef, kind: str, *, event_id: str) -> bool:
        """Give the lock up (after a transient failure) so the retry of this event may act."""
        return self._aws.ddb_delete(
            self.table_name,
            {PK: f"LOCK#{resource.key}", SK: f"KIND#{kind}"},
            condition="owner_event_id = :event",
            values={":event": event_id},
        )

    def active_locks(self, resource: ResourceRef, *, now: float) -> list[IncidentRef]:
        """Every incident holding a lock on ``resource`` right now, whatever its kind."""
        return [
            IncidentRef(str(item.get("incident_id", "")), item["incident_pk"], item["incident_sk"])
            for item in self._aws.ddb_query(self.table_name, f"LOCK#{resource.key}")
            if int(item.get("lock_until", 0)) >= int(now) and item.get("incident_pk")
        ]

    # --- members of groups under repair ------------------------------------------------------------
    def mark_member_incident(
        self, group_name: str, instance_id: str, incident: IncidentRef, *, until: int
    ) -> None:
        self._aws.ddb_put(
            self.table_name,
            {
                PK: f"MEMBER#group#{group_name}",
                SK: f"INSTANCE#{instance_id}",
                "incident_pk": incident.pk,
                "incident_sk": incident.sk,
                "incident_id": incident.incident_id,
                "lock_until": until,
                TTL: until + LOCK_RETENTION_SECONDS,
            },
        )

    def active_member_incidents(self, group_name: str, *, now: float) -> list[IncidentRef]:
        """Open incidents on members of the group (see "Member incident" above)."""
        return [
            IncidentRef(str(item.get("incident_id", "")), item["incident_pk"], item["incident_sk"])
            for item in self._aws.ddb_query(self.table_name, f"MEMBER#group#{group_name}")
            if int(item.get("lock_until", 0)) >= int(now) and item.get("incident_pk")
        ]

    # --- the detector's sightings ----------------------------------------------------------------
    def sight(self, resource: ResourceRef, kind: str, *, now: float) -> tuple[float, int]:
        """Count one more scan that saw ``kind`` on ``resource``: ``(first seen, scans so far)``."""
        _, item = self._aws.ddb_update(
            self.table_name,
            {PK: f"SEEN#{resource.key}", SK: f"KIND#{kind}"},
            update=f"SET first_seen = if_not_exists(first_seen, :now), {TTL} = :expires ADD scans :one",
            values={":now": int(now), ":one": 1, ":expires": int(now) + COUNTER_RETENTION_SECONDS},
            return_new=True,
        )
        item = item or {}
        return float(item.get("first_seen", now)), int(item.get("scans", 1))

    def forget_sighting(self, resource: ResourceRef, kind: str) -> None:
        """The finding is gone (or set aside): the next one starts counting afresh."""
        self._aws.ddb_delete(
            self.table_name,
            {PK: f"SEEN#{resource.key}", SK: f"KIND#{kind}"},
            condition=f"attribute_exists({PK})",
            values={},
        )

    # --- budgets (sliding windows) --------------------------------------------------------------
    def consume_action(
        self, resource: ResourceRef, kind: str, *, now: float, limit: int, window: int = 3600
    ) -> bool:
        """Take one of ``resource``'s ``limit`` actions for incident ``kind`` in the ``window`` seconds
        before ``now``; ``False`` (nothing taken) when they are all taken."""
        return self._take(f"RATE#{resource.key}", f"KIND#{kind}", now=now, limit=limit, window=window)

    def consume_replacement(self, group_name: str, *, now: float, limit: int, window: int) -> bool:
        """Take one of the group's ``limit`` replacements in the ``window`` seconds before ``now``."""
        return self._take(f"RATE#group#{group_name}", "KIND#replacement", now=now, limit=limit, window=window)

    def used(self, pk: str, sk: str, *, now: float, window: int) -> int:
        """How many slots of a budget are taken within ``window`` before ``now``."""
        item = self._aws.ddb_get(self.table_name, {PK: pk, SK: sk}) or {}
        return sum(1 for t in item.get("times", []) if int(t) > now - window)

    def _take(self, pk: str, sk: str, *, now: float, limit: int, window: int) -> bool:
        from .errors import TransientAwsError

        for _ in range(BUDGET_ATTEMPTS):
            item = self._aws.ddb_get(self.table_name, {PK: pk, SK: sk}) or {}
            recent = sorted(int(t) for t in item.get("times", []) if int(t) > now - window)
            if len(recent) >= limit:
                return False
            version = int(item.get("version", 0))
            taken, _ = self._aws.ddb_put(
                self.table_name,
                {
                    PK: pk,
                    SK: sk,
                    "times": [*recent, int(now)],
                    "version": version + 1,
                    TTL: int(now) + window + COUNTER_RETENTION_SECONDS,
                },
                condition=f"attribute_not_exists({PK}) OR version = :version",
                values={":version": version},
            )
            if taken:
                return True
        raise TransientAwsError(
            f"budget {pk} {sk}: written by others {BUDGET_ATTEMPTS} times in a row", code="Contention"
        )

    # --- incident records ------------------------------------------------------------------------
    def open_incident(
        self, incident: IncidentRef, plan: Plan, *, event_id: str, trigger: str, dry_run: bool, now: float
    ) -> frozenset[str]:
        """Create (or, on a retry, refresh) the record; returns the keys of actions already done."""
        if plan.resource is None:
            raise ValueError("an incident needs a plan with a resource")
        _, item = self._aws.ddb_update(
            self.table_name,
            {PK: incident.pk, SK: incident.sk},
            update=(
                "SET incident_id = :id, incident_kind = :kind, resource_kind = :rkind, resource_id = :rid, "
                "severity = :severity, #status = :status, reason = :reason, #trigger = :trigger, "
                "dry_run = :dry, opened_at = if_not_exists(opened_at, :now), updated_at = :now, "
                f"{TTL} = :expires, actions = if_not_exists(actions, :empty) ADD event_ids :events"
            ),
            names={"#status": "status", "#trigger": "trigger"},
            values={
                ":id": incident.incident_id,
                ":kind": plan.incident_kind,
                ":rkind": plan.resource.kind,
                ":rid": plan.resource.id,
                ":severity": plan.severity,
                ":status": "open",
                ":reason": plan.reason[:2000],
                ":trigger": trigger[:500],
                ":dry": dry_run,
                ":now": _iso(now),
                ":expires": int(now) + INCIDENT_RETENTION_SECONDS,
                ":empty": [],
                ":events": {event_id},
            },
            return_new=True,
        )
        return frozenset((item or {}).get("completed_actions", set()))

    def record_action(
        self, incident: IncidentRef, result: ActionResult, *, completed: bool, now: float
    ) -> None:
        entry = {
            "action": result.action.describe(),
            "key": result.action.key,
            "outcome": result.outcome,
            "detail": result.detail[:1000],
            "at": _iso(now),
            **{k: str(v) for k, v in result.data.items() if v},
        }
        update = "SET actions = list_append(if_not_exists(actions, :empty), :entry), updated_at = :now"
        values: dict[str, object] = {":entry": [entry], ":empty": [], ":now": _iso(now)}
        if completed:
            update += " ADD completed_actions :key"
            values[":key"] = {result.action.key}
        self._aws.ddb_update(
            self.table_name, {PK: incident.pk, SK: incident.sk}, update=update, values=values
        )

    def close_incident(
        self, incident: IncidentRef, *, status: str, severity: str, outcome: str, now: float
    ) -> None:
        self._aws.ddb_update(
            self.table_name,
            {PK: incident.pk, SK: incident.sk},
            update="SET #status = :status, severity = :severity, outcome = :outcome, updated_at = :now",
            names={"#status": "status"},
            values={":status": status, ":severity": severity, ":outcome": outcome[:2000], ":now": _iso(now)},
        )

    def note_duplicate(self, incident: IncidentRef, *, event_id: str, now: float) -> bool:
        """Add ``event_id`` to the holder's record; ``False`` if that record does not exist (yet)."""
        updated, _ = self._aws.ddb_update(
            self.table_name,
            {PK: incident.pk, SK: incident.sk},
            update="ADD event_ids :events, duplicate_deliveries :one SET updated_at = :now",
            values={":events": {event_id}, ":one": 1, ":now": _iso(now)},
            condition=f"attribute_exists({PK})",
        )
        return updated

    # --- runbooks to follow -----------------------------------------------------------------------
    def follow_execution(
        self, execution_id: str, incident: IncidentRef, *, document: str, severity: str, now: float
    ) -> None:
        self._aws.ddb_put(
            self.table_name,
            {
                PK: FOLLOW_PK,
                SK: execution_id,
                "incident_pk": incident.pk,
                "incident_sk": incident.sk,
                "incident_id": incident.incident_id,
                "document": document,
                "severity": severity,
                "started_at": _iso(now),
                TTL: int(now) + FOLLOW_RETENTION_SECONDS,
            },
        )

    def executions_to_follow(self) -> list[dict]:
        return self._aws.ddb_query(self.table_name, FOLLOW_PK)

    def record_runbook_end(
        self, item: dict, *, status: str, incident_status: str, detail: str, now: float
    ) -> None:
        """Write the execution's end on its incident and stop following it."""
        self._aws.ddb_update(
            self.table_name,
            {PK: item["incident_pk"], SK: item["incident_sk"]},
            update=(
                "SET runbook_status = :status, #status = :incident_status, "
                "outcome = :detail, updated_at = :now"
            ),
            names={"#status": "status"},
            values={
                ":status": f"{item[SK]}: {status}",
                ":incident_status": incident_status,
                ":detail": detail[:2000],
                ":now": _iso(now),
            },
        )
        self._aws.ddb_delete(
            self.table_name,
            {PK: FOLLOW_PK, SK: item[SK]},
            condition=f"attribute_exists({PK})",
            values={},
        )

    def get_incident(self, incident: IncidentRef) -> dict | None:
        return self._aws.ddb_get(self.table_name, {PK: incident.pk, SK: incident.sk})


def _iso(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
