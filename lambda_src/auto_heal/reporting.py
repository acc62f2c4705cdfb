"""How the healing function reports: incidents closed and notified, failures told to people, runbook
executions followed to their end. A mixin of :class:`~healer.Healer` (it uses the healer's config,
adapter, ledger, logger, telemetry, region and clock)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import contract, messages
from .errors import AwsError, PermanentAwsError, TransientAwsError
from .events import Event
from .ledger import IncidentRef
from .model import ActionResult, Plan, Status
from .triage import Target, at_least, escalate

AUTOMATION_DONE = {
    "Success": True,
    "CompletedWithSuccess": True,
    "Failed": False,
    "TimedOut": False,
    "Cancelled": False,
    "CompletedWithFailure": False,
    "Rejected": False,
    "NotFound": False,
}
"""Final Automation execution statuses, and whether each means the runbook succeeded."""


class Reporting:
    """Outcomes, records and notifications (mixed into :class:`~healer.Healer`)."""

    config: Any
    aws: Any
    ledger: Any
    logger: Any
    telemetry: Any
    region: str
    clock: Callable[[], float]

    @property
    def app_env(self) -> str:
        return f"{self.config.app_name} {self.config.environment_name}"

    # --- runbooks started earlier ---------------------------------------------------------------
    def follow_executions(self) -> list[dict[str, Any]]:
        """Record and notify the end of every Automation execution started for an incident."""
        summaries: list[dict[str, Any]] = []
        for item in self.ledger.executions_to_follow():
            execution_id = item[contract.LEDGER_SORT_KEY]
            try:
                status, failure = self.aws.get_automation_execution(execution_id)
            except PermanentAwsError as error:
                if "NotFound" not in error.code:
                    raise
                status, failure = "NotFound", str(error)
            if status not in AUTOMATION_DONE:
                summaries.append({"execution_id": execution_id, "status": status})
                continue
            succeeded = AUTOMATION_DONE[status]
            incident_status = "runbook-succeeded" if succeeded else "runbook-failed"
            severity = str(item.get("severity", "high"))
            severity = "low" if succeeded else at_least(escalate(severity), "high")
            detail = f"runbook {item.get('document', '')} execution {execution_id}: {status}"
            if failure:
                detail += f" ({failure})"
            self.ledger.record_runbook_end(
                item, status=status, incident_status=incident_status, detail=detail, now=self.clock()
            )
            resource = str(item["incident_pk"]).split("#", 2)[-1]
            text = (
                f"Auto-healing - {self.app_env} ({self.region or 'region unknown'})\n\n"
                f"Incident:  {item.get('incident_id', '')}\nResource:  {resource}\n"
                f"Severity:  {severity}\nStatus:    {incident_status}\n\n{detail}\n"
            )
            self._best_effort(
                "notify",
                self.aws.publish,
                self.config.topic_for(severity),
                subject=messages.subject(
                    severity=severity,
                    status=incident_status,
                    app_env=self.app_env,
                    resource=resource,
                    kind="runbook",
                    dry_run=False,
                ),
                message=text,
                attributes=self._attributes(severity, incident_status, str(item.get("incident_id", ""))),
            )
            self.telemetry.count(
                contract.METRIC_RUNBOOK_FINISHED,
                **{contract.DIMENSION_OUTCOME: "succeeded" if succeeded else "failed"},
            )
            summaries.append(
                {"execution_id": execution_id, "status": status, "incident_status": incident_status}
            )
        return summaries

    # --- outcome, records, notifications ----------------------------------------------------------
    def _outcome(self, plan: Plan, results: Sequence[ActionResult], resolved: bool) -> tuple[str, str]:
        if plan.status == Status.RATE_LIMITED:
            return "rate-limited", plan.severity
        if plan.status == Status.NOTIFY:
            return "notified", plan.severity
        if any(r.outcome == "failed" for r in results):
            return "failed", at_least(escalate(plan.severity), "high")
        if any(r.outcome == "withheld" for r in results):
            return "rate-limited", at_least(escalate(plan.severity), "high")
        if resolved and results and all(r.outcome == "not-sent" for r in results):
            return "notified", plan.severity  # nothing could be sent (no SSM agent online): said so
        if self.config.dry_run:
            return "dry-run", plan.severity
        if not resolved:
            return "unresolved", escalate(plan.severity)
        return "acted", plan.severity

    def _finish(
        self,
        event: Event,
        plan: Plan,
        incident: IncidentRef,
        *,
        status: str,
        severity: str,
        results: Sequence[ActionResult],
        notes: Sequence[str],
    ) -> None:
        outcome = "; ".join([f"{r.action.kind}: {r.outcome}" for r in results] + list(notes)) or plan.reason
        self.ledger.close_incident(
            incident, status=status, severity=severity, outcome=outcome, now=self.clock()
        )
        self.telemetry.count(
            contract.METRIC_INCIDENT,
            **{contract.DIMENSION_STATUS: status, contract.DIMENSION_KIND: plan.incident_kind},
        )
        self.logger.info(
            "incident handled",
            extra={"status": status, "severity": severity, "reason": plan.reason, "outcome": outcome},
        )
        self._notify(event, plan, incident, status=status, severity=severity, results=results, notes=notes)

    def _transient_failure(
        self,
        event: Event,
        plan: Plan,
        incident: IncidentRef,
        results: Sequence[ActionResult],
        notes: Sequence[str],
        error: TransientAwsError,
    ) -> None:
        """Record and report a fault worth retrying, then free the lock for the retry."""
        self.logger.warning("transient failure: the event will be retried", extra={"error": str(error)})
        self.telemetry.count(contract.METRIC_HEALING_FAILURE, **{contract.DIMENSION_KIND: "transient"})
        now = self.clock()
        outcome = f"transient failure, retrying: {error}"
        self._best_effort(
            "close incident",
            self.ledger.close_incident,
            incident,
            status="retrying",
            severity=plan.severity,
            outcome=outcome,
            now=now,
        )
        self._best_effort(
            "notify",
            self._notify,
            event,
            plan,
            incident,
            status="retrying",
            severity=plan.severity,
            results=results,
            notes=[*notes, outcome],
        )
        if plan.resource is not None:
            self._best_effort(
                "release lock",
                self.ledger.release_lock,
                plan.resource,
                plan.incident_kind,
                event_id=event.event_id,
            )

    def _cannot_handle(
        self, event: Event, target: Target, error: PermanentAwsError, results: Sequence[ActionResult]
    ) -> dict[str, Any]:
        """A permanent fault outside an action (reading facts, the ledger): report, do not retry."""
        self.logger.error("cannot handle the event", extra={"error": str(error)})
        self.telemetry.count(contract.METRIC_HEALING_FAILURE, **{contract.DIMENSION_KIND: "permanent"})
        severity = at_least(getattr(target, "severity", "high"), "high")
        subject = messages.subject(
            severity=severity,
            status="failed",
            app_env=self.app_env,
            resource="",
            kind="auto-healing",
            dry_run=self.config.dry_run,
        )
        done = [f"  - {r.action.describe()}: {r.outcome} ({r.detail})" for r in results]
        text = "\n".join(
            [
                f"Auto-healing - {self.app_env} ({self.region or 'region unknown'})",
                "",
                f"Could not handle event {event.event_id} ({describe_event(event)}):",
                f"  {error}",
                "",
                "Actions taken before the fault:" if done else "No action was taken.",
                *done,
                "",
                "Check the function's permissions, the ledger table and the resource; handle it by hand.",
            ]
        )
        self._best_effort(
            "notify",
            self.aws.publish,
            self.config.topic_for(severity),
            subject=subject,
            message=text,
            attributes=self._attributes(severity, "failed", ""),
        )
        return {"event_id": event.event_id, "status": "error", "reason": str(error)}

    def _notify(
        self,
        event: Event,
        plan: Plan,
        incident: IncidentRef,
        *,
        status: str,
        severity: str,
        results: Sequence[ActionResult],
        notes: Sequence[str],
    ) -> None:
        resource = plan.resource.id if plan.resource else ""
        subject = messages.subject(
            severity=severity,
            status=status,
            app_env=self.app_env,
            resource=resource,
            kind=plan.incident_kind,
            dry_run=self.config.dry_run,
        )
        text = messages.body(
            plan=plan,
            status=status,
            severity=severity,
            incident_id=incident.incident_id,
            event_id=event.event_id,
            app_env=self.app_env,
            region=self.region,
            results=results,
            notes=notes,
            ledger=f"table {self.ledger.table_name}, pk={incident.pk}, sk={incident.sk}",
            dry_run=self.config.dry_run,
        )
        try:
            self.aws.publish(
                self.config.topic_for(severity),
                subject=subject,
                message=text,
                attributes=self._attributes(severity, status, incident.incident_id),
            )
        except PermanentAwsError as error:
            self.logger.error("notification failed", extra={"error": str(error), "severity": severity})
            self.telemetry.count(contract.METRIC_NOTIFICATION_FAILED)
            return
        self.telemetry.count(contract.METRIC_NOTIFICATION, **{contract.DIMENSION_SEVERITY: severity})

    def _attributes(self, severity: str, status: str, incident_id: str) -> dict[str, str]:
        return {
            "severity": severity,
            "status": status,
            "incident_id": incident_id,
            "application": self.config.app_name,
            "environment": self.config.environment_name,
        }

    def _best_effort(self, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            function(*args, **kwargs)
        except AwsError as error:
            self.logger.error(f"{what} failed while reporting another failure", extra={"error": str(error)})


def describe_event(event: Event) -> str:
    """A short human description of the triggering event."""
    kind = type(event).__name__
    detail = (
        getattr(event, "state", "") or getattr(event, "type_code", "") or getattr(event, "event_code", "")
    )
    name = (
        getattr(event, "alarm_name", "")
        or getattr(event, "group_name", "")
        or getattr(event, "instance_id", "")
    )
    via = getattr(event, "delivered_by", "eventbridge")
    return " ".join(part for part in (kind, name, detail, f"via {via}") if part)
