"""Orchestration of one event: gather facts, decide, lock, rate-limit, act, record, notify.

The order, for each resource an event is about:

1. read the facts (instance, group, metrics, database, pause switch) through :mod:`aws`;
2. decide (:mod:`decisions`, pure); stop here, with a log line and a metric, unless the plan is
   to act or to notify;
3. take the incident lock (one incident per resource and kind per window) — a second event
   about the same incident is recorded on the first one's incident and does nothing;
4. count the action against the resource's hourly budget; past it, escalate instead;
5. act, skipping actions an earlier attempt of the same event completed;
6. record the outcome and notify the severity's topic.

Failures: a transient AWS fault (throttling, 5xx, timeout) is recorded and notified, the lock is
released and the fault re-raised, so Lambda retries the event (then hands it to the DLQ). A
permanent fault (access denied, validation, refusal to touch an untagged resource) is recorded
and notified and the event is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from . import contract
from .aws import AwsGateway
from .config import Config
from .decisions import (
    alarm_problem,
    apply_rate_limit,
    budgeted,
    decide_database,
    decide_detection,
    decide_group_activity,
    decide_instance,
    is_owned,
    replacement_cap,
)
from .errors import PermanentAwsError, TransientAwsError
from .events import Detection, Event, Ignored, Parsed
from .findings import (
    Finding,
    database_finding,
    group_capacity_finding,
    health_check_finding,
)
from .group_plans import (
    FollowUp,
    decide_after_restart,
    decide_agent_offline,
    decide_group_alarm,
)
from .ledger import IncidentRef, Ledger
from .model import (
    Action,
    ActionResult,
    CaptureDiagnostics,
    CommandResult,
    MarkUnhealthy,
    Plan,
    RebootInstance,
    RestartService,
    ScaleOut,
    StartInstance,
    StartRecoveryRunbook,
    StartRunbook,
    Status,
    StopStartInstance,
)
from .reporting import Reporting, describe_event
from .triage import (
    DatabaseTarget,
    DetectionTarget,
    GroupActivityTarget,
    GroupAlarmTarget,
    InstanceTarget,
    Target,
    triage,
)

AGENT_ONLINE = "Online"
"""The SSM agent's ``PingStatus`` when it takes commands (Systems Manager API Reference,
``InstanceInformation.PingStatus``: Online | ConnectionLost | Inactive)."""


class Telemetry(Protocol):
    """Where counters go (EMF metrics in Lambda)."""

    def count(self, name: str, **dimensions: str) -> None: ...


class NullTelemetry:
    def count(self, name: str, **dimensions: str) -> None:
        return None


class Healer(Reporting):
    """Handles parsed events for one environment.

    :param config: Validated configuration.
    :param aws: The AWS adapter (tag checks and dry run live there).
    :param ledger: Incident ledger.
    :param logger: A ``logging.Logger``-compatible logger (Powertools ``Logger`` in Lambda).
    :param telemetry: Counters. Default: none.
    :param region: Shown in notifications. Default: unknown.
    :param clock: Wall-clock seconds. Default: ``time.time``.
    """

    def __init__(
        self,
        *,
        config: Config,
        aws: AwsGateway,
        ledger: Ledger,
        logger: Any,
        telemetry: Telemetry | None = None,
        region: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.aws = aws
        self.ledger = ledger
        self.logger = logger
        self.telemetry = telemetry or NullTelemetry()
        self.region = region
        self.clock = clock
        self._paused: bool | None = None

    # --- entry ---------------------------------------------------------------------------------
    def may_act(self, event: Parsed) -> bool:
        """Whether ``event`` names any resource to look at (pure: parsing and triage only)."""
        return not isinstance(event, Ignored) and any(
            not isinstance(target, Ignored) for target in triage(event, self.config)
        )

    # --- handling ---------------------------------------------------------------------------------
    def handle(self, event: Parsed, *, deadline: float) -> list[dict[str, Any]]:
        """Handle one parsed event; ``deadline`` is a ``time.monotonic()`` value to finish by.

        Returns one JSON-serialisable summary per resource. Raises
        :class:`~errors.TransientAwsError` when the event should be retried.
        """
        self._paused = None  # read the pause switch at most once per event
        if isinstance(event, Ignored):
            self._log_ignored(event.reason, event.event_id)
            return [{"event_id": event.event_id, "status": Status.IGNORED, "reason": event.reason}]
        summaries: list[dict[str, Any]] = []
        for target in triage(event, self.config):
            if isinstance(target, Ignored):
                self._log_ignored(target.reason, event.event_id)
                summaries.append(
                    {"event_id": event.event_id, "status": Status.IGNORED, "reason": target.reason}
                )
            else:
                summaries.append(self._handle_target(event, target, deadline))
        return summaries

    def _log_ignored(self, reason: str, event_id: str) -> None:
        self.logger.info("event ignored", extra={"reason": reason, "event_id": event_id})
        self.telemetry.count(contract.METRIC_EVENT_IGNORED)

    # --- one resource ----------------------------------------------------------------------------
    def _handle_target(self, event: Event, target: Target, deadline: float) -> dict[str, Any]:
        results: list[ActionResult] = []
        try:
            return self._handle_target_or_raise(event, target, deadline, results)
        except PermanentAwsError as error:  # reading facts or writing the ledger failed for good
            return self._cannot_handle(event, target, error, results)
        finally:
            if hasattr(self.logger, "remove_keys"):
                self.logger.remove_keys(["incident_id"])

    def _handle_target_or_raise(
        self, event: Event, target: Target, deadline: float, results: list[ActionResult]
    ) -> dict[str, Any]:
        plan = self._decide(target)
        summary: dict[str, Any] = {
            "event_id": event.event_id,
            "resource": plan.resource.key if plan.resource else None,
            "status": plan.status,
            "reason": plan.reason,
        }
        if not plan.recorded or plan.resource is None:
            self.logger.info("no action", extra={"status": plan.status, "reason": plan.reason})
            self.telemetry.count(contract.METRIC_DECISION, **{contract.DIMENSION_STATUS: plan.status})
            return summary

        now = self.clock()
        if isinstance(event, Detection):  # one incident per resource, whichever path saw it first
            holders = self.ledger.active_locks(plan.resource, now=now)
            if plan.resource.kind == "group":  # a member under repair: its incident covers the group
                holders += self.ledger.active_member_incidents(plan.resource.id, now=now)
            if holders:
                self.ledger.note_duplicate(holders[0], event_id=event.event_id, now=now)
                self.telemetry.count(contract.METRIC_DUPLICATE_INCIDENT)
                return {**summary, "status": "duplicate", "incident_id": holders[0].incident_id}
        incident = IncidentRef.for_event(event.event_id, event.time, plan.resource, plan.incident_kind)
        lock = self.ledger.acquire_lock(
            plan.resource,
            plan.incident_kind,
            incident,
            event_id=event.event_id,
            now=now,
            window_seconds=self.config.incident_window_seconds,
        )
        if not lock.acquired:
            if lock.holder is not None:
                self.ledger.note_duplicate(lock.holder, event_id=event.event_id, now=now)
            holder_id = lock.holder.incident_id if lock.holder else ""
            self.logger.info(
                "same incident already handled",
                extra={
                    "incident_id": holder_id,
                    "holder_event_id": lock.holder_event_id,
                    "reason": plan.reason,
                },
            )
            self.telemetry.count(contract.METRIC_DUPLICATE_INCIDENT)
            return {**summary, "status": "duplicate", "incident_id": holder_id}

        group_name = plan.facts.get("group")
        if plan.resource.kind == "instance" and group_name:  # the detector leaves the group to this one
            self.ledger.mark_member_incident(
                group_name, plan.resource.id, incident, until=int(now) + self.config.incident_window_seconds
            )
        if hasattr(self.logger, "append_keys"):  # Powertools Logger: every later line carries it
            self.logger.append_keys(incident_id=incident.incident_id)
        completed = self.ledger.open_incident(
            incident,
            plan,
            event_id=event.event_id,
            trigger=describe_event(event),
            dry_run=self.config.dry_run,
            now=now,
        )
        notes: list[str] = []
        try:
            if budgeted(plan, completed):  # diagnostics alone take no slot
                allowed = self.ledger.consume_action(
                    plan.resource,
                    plan.incident_kind,
                    now=now,
                    limit=self.config.max_actions_per_resource_per_hour,
                )
                plan = apply_rate_limit(
                    plan, allowed=allowed, limit=self.config.max_actions_per_resource_per_hour
                )
                if not allowed:
                    self.telemetry.count(contract.METRIC_RATE_LIMITED)
            resolved = self._execute(plan, incident, completed, deadline, results, notes)
        except TransientAwsError as error:
            self._transient_failure(event, plan, incident, results, notes, error)
            raise
        status, severity = self._outcome(plan, results, resolved)
        self._finish(event, plan, incident, status=status, severity=severity, results=results, notes=notes)
        return {
            **summary,
            "status": status,
            "severity": severity,
            "incident_id": incident.incident_id,
            "actions": [{"action": r.action.kind, "outcome": r.outcome, "detail": r.detail} for r in results],
        }

    def _decide(self, target: Target) -> Plan:
        config = self.config
        alarm = None
        if isinstance(target, GroupAlarmTarget | InstanceTarget) and target.alarm_name:
            expected = (
                (target.signal, target.group_name)
                if isinstance(target, GroupAlarmTarget)
                else (
                    "status-system" if target.trigger == "impaired-system" else "status-instance",
                    target.instance_id,
                )
            )
            alarm = self.aws.describe_alarm(target.alarm_name)
            refused = alarm_problem(target.alarm_name, expected, alarm, config)
            if refused is not None:
                return refused
        match target:
            case InstanceTarget():
                instance = self.aws.describe_instance(target.instance_id)
                paused = (
                    self._pause_switch()
                    if instance is not None and is_owned(instance.tags, config)
                    else False
                )
                return decide_instance(target, instance, paused=paused, config=config)
            case GroupAlarmTarget():
                group = self.aws.describe_group(target.group_name)
                utilisation: dict[str, float] = {}
                threshold = None
                paused = False
                if group is not None and is_owned(group.tags, config):
                    paused = self._pause_switch()
                    if not paused and target.signal == "cpu":
                        utilisation = self.aws.recent_cpu_percent(group.in_service)
                    elif not paused:
                        utilisation = self.aws.recent_memory_percent(group.name, group.in_service)
                        threshold = alarm.threshold if alarm is not None else None
                return decide_group_alarm(
                    target,
                    group,
                    utilisation=utilisation,
                    memory_threshold_percent=threshold,
                    paused=paused,
                    config=config,
                )
            case GroupActivityTarget():
                group = self.aws.describe_group(target.event.group_name)
                paused = self._pause_switch() if group is not None and is_owned(group.tags, config) else False
                return decide_group_activity(target, group, paused=paused, config=config)
            case DatabaseTarget():
                database = self.aws.describe_database(target.event.db_identifier)
                owned = database is not None and is_owned(database.tags, config)
                paused = self._pause_switch() if owned else False
                return decide_database(target, database, paused=paused, config=config)
            case DetectionTarget():
                finding, tags = self._confirm(target.detection)
                paused = self._pause_switch() if tags is not None and is_owned(tags, config) else False
                return decide_detection(target, finding, tags, paused=paused, config=config)
        raise TypeError(f"unknown target {type(target).__name__}")  # pragma: no cover

    def _confirm(self, detection: Detection) -> tuple[Finding | None, dict[str, str] | None]:
        """Re-read the resource a detection is about: the finding now, and the resource's tags."""
        if detection.kind == "group-capacity":
            group = self.aws.describe_group(detection.resource_id)
            return (group_capacity_finding(group), dict(group.tags)) if group else (None, None)
        if detection.kind.startswith("database-"):
            database = self.aws.describe_database(detection.resource_id)
            return (database_finding(database), dict(database.tags)) if database else (None, None)
        check = self.aws.describe_health_check(detection.resource_id)
        return (health_check_finding(check), dict(check.tags)) if check else (None, None)

    def pause_switch(self) -> bool:
        """Whether healing is paused (read at most once per event; see :meth:`_pause_switch`)."""
        self._paused = None
        return self._pause_switch()

    def _pause_switch(self) -> bool:
        """The pause switch; a missing parameter or an unknown value counts as paused (fail closed).

        Exactly ``false`` is off, as for the pause alarm, the escalation and the runbooks' checks
        (a ``False`` that let healing act while paging stayed silenced would split the two).
        """
        if self._paused is None:
            name = self.config.pause_parameter_name
            value = self.aws.get_parameter(name)
            if value is None:
                self.logger.error("pause parameter missing: treating as paused", extra={"parameter": name})
                self.telemetry.count(contract.METRIC_PAUSE_SWITCH_INVALID)
            elif value not in contract.PAUSE_VALUES:
                self.logger.error(
                    f"pause parameter is none of {', '.join(contract.PAUSE_VALUES)}: treating as paused",
                    extra={"parameter": name, "value": value[:50]},
                )
                self.telemetry.count(contract.METRIC_PAUSE_SWITCH_INVALID)
            self._paused = value != contract.PAUSE_OFF
        return self._paused

    # --- acting --------------------------------------------------------------------------------
    def _execute(
        self,
        plan: Plan,
        incident: IncidentRef,
        completed: frozenset[str],
        deadline: float,
        results: list[ActionResult],
        notes: list[str],
    ) -> bool:
        """Run the plan's actions (and follow-ups) in order; ``False`` if a quick fix did not help."""
        resolved = True
        queue: list[Action] = list(plan.actions)
        while queue:
            action = queue.pop(0)
            if action.key in completed:
                results.append(ActionResult(action, "skipped", "done by an earlier attempt of this event"))
                continue
            follow_up: FollowUp | None = None
            try:
                result, follow_up = self._run(action, incident, deadline)
            except TransientAwsError as error:
                failed = ActionResult(action, "failed", f"{error} (the event will be retried)")
                results.append(failed)
                self.telemetry.count(
                    contract.METRIC_HEALING_ACTION,
                    **{contract.DIMENSION_ACTION: action.kind, contract.DIMENSION_OUTCOME: "retrying"},
                )
                self._best_effort(
                    "record action",
                    self.ledger.record_action,
                    incident,
                    failed,
                    completed=False,
                    now=self.clock(),
                )
                raise
            except PermanentAwsError as error:
                result = ActionResult(action, "failed", str(error))
                if isinstance(action, RestartService):  # the quick fix could not even be applied
                    follow_up = decide_after_restart(
                        action,
                        CommandResult("", "Failed"),
                        runbook_configured=self.config.recovery_runbook_name is not None,
                    )
            results.append(result)
            self.telemetry.count(
                contract.METRIC_HEALING_ACTION,
                **{contract.DIMENSION_ACTION: action.kind, contract.DIMENSION_OUTCOME: result.outcome},
            )
            self.logger.info(
                "action done",
                extra={"action": action.kind, "outcome": result.outcome, "detail": result.detail},
            )
            if follow_up is not None:
                notes.append(follow_up.reason)
                if not follow_up.resolved:
                    resolved = False
                    queue[0:0] = [a for a in follow_up.actions if a.key not in completed]
            done = result.outcome in ("succeeded", "dry-run") and (follow_up is None or follow_up.resolved)
            self.ledger.record_action(incident, result, completed=done, now=self.clock())
            if result.data.get("execution_id"):  # the detector follows it to its end
                self.ledger.follow_execution(
                    result.data["execution_id"],
                    incident,
                    document=result.data.get("document", ""),
                    severity=plan.severity,
                    now=self.clock(),
                )
        return resolved

    def _run(
        self, action: Action, incident: IncidentRef, deadline: float
    ) -> tuple[ActionResult, FollowUp | None]:
        aws, config = self.aws, self.config
        ok = "dry-run" if config.dry_run else "succeeded"
        match action:
            case StartInstance():
                return ActionResult(action, ok, aws.start_instance(action.instance_id)), None
            case StopStartInstance():
                return ActionResult(
                    action, ok, aws.stop_start_instance(action.instance_id, deadline=deadline)
                ), None
            case RebootInstance():
                return ActionResult(action, ok, aws.reboot_instance(action.instance_id)), None
            case MarkUnhealthy():
                capped = self._over_replacement_cap(action.group_name)
                if capped:
                    return ActionResult(action, "withheld", capped), None
                return ActionResult(
                    action, ok, aws.set_unhealthy(action.group_name, action.instance_id)
                ), None
            case ScaleOut():
                detail = aws.set_desired_capacity(action.group_name, action.desired_capacity)
                return ActionResult(action, ok, detail), None
            case CaptureDiagnostics():
                # Run Command to an agent that is not Online waits and times out: only online ones.
                agents = aws.agent_status(action.instance_ids)
                online = tuple(i for i in action.instance_ids if agents[i] == AGENT_ONLINE)
                offline = ", ".join(f"{i} ({agents[i]})" for i in action.instance_ids if i not in online)
                if not online:
                    return ActionResult(action, "not-sent", f"no SSM agent online: {offline}"), None
                detail, command_id = aws.send_diagnostics(
                    online,
                    document=config.command_document,
                    unit=config.web_service_unit,
                    comment=f"autoheal {incident.incident_id} diagnostics",
                )
                if offline:
                    detail += f"; not sent to {offline}: SSM agent not online"
                return ActionResult(action, ok, detail, {"command_id": command_id}), None
            case RestartService():
                ping = aws.agent_status([action.instance_id])[action.instance_id]
                if ping != AGENT_ONLINE:
                    follow_up = decide_agent_offline(action, ping)
                    return ActionResult(action, "not-sent", f"SSM agent {ping}: no command sent"), follow_up
                result = aws.restart_service(
                    action.instance_id,
                    document=config.command_document,
                    unit=config.web_service_unit,
                    port=config.health_check_port,
                    path=config.health_check_path,
                    comment=f"autoheal {incident.incident_id} restart {config.web_service_unit}",
                    deadline=deadline,
                )
                if result is None:
                    return ActionResult(
                        action, "dry-run", f"dry run: would restart {config.web_service_unit}"
                    ), None
                follow_up = decide_after_restart(
                    action, result, runbook_configured=config.recovery_runbook_name is not None
                )
                memory = (
                    f"{result.mem_used_percent:.0f}%" if result.mem_used_percent is not None else "unknown"
                )
                detail = (
                    f"command {result.command_id}: {result.status}, health {result.health}, memory {memory}"
                )
                outcome = "succeeded" if follow_up.resolved else "did-not-help"
                return ActionResult(action, outcome, detail, {"command_id": result.command_id}), follow_up
            case StartRecoveryRunbook():
                if config.recovery_runbook_name is None or config.recovery_runbook_role_arn is None:
                    raise PermanentAwsError("no recovery runbook configured", code="NoRunbook")
                execution_id = aws.start_runbook(
                    config.recovery_runbook_name,
                    instance_id=action.instance_id,
                    parameters={
                        "AutomationAssumeRole": config.recovery_runbook_role_arn,
                        "TopicArn": config.topic_for("high"),
                        "ServiceUnit": config.web_service_unit,
                        "HealthCheckPort": str(config.health_check_port),
                        "HealthCheckPath": config.health_check_path,
                    },
                )
                detail = (
                    f"automation execution {execution_id}"
                    if execution_id
                    else f"dry run: would start {config.recovery_runbook_name}"
                )
                data = {"execution_id": execution_id, "document": config.recovery_runbook_name}
                return ActionResult(action, ok, detail, data), None
            case StartRunbook():
                parameters = {
                    "AutomationAssumeRole": action.role_arn,
                    action.resource_parameter: action.resource.id,
                    **dict(action.parameters),
                }
                execution_id = aws.start_automation(
                    action.document, resource=action.resource, parameters=parameters
                )
                detail = (
                    f"automation execution {execution_id}"
                    if execution_id
                    else f"dry run: would start {action.document}"
                )
                return ActionResult(
                    action, ok, detail, {"execution_id": execution_id, "document": action.document}
                ), None
        raise TypeError(f"unknown action {type(action).__name__}")  # pragma: no cover

    def _over_replacement_cap(self, group_name: str) -> str:
        """Why replacing one more member of the group now would exceed the group-wide cap ("" if not).

        Counts every replacement healing asks of the group, whatever the incident: one AWS Health event
        naming 25 instances must not empty a group.
        """
        config = self.config
        group = self.aws.describe_group(group_name)
        # The in-service capacity the group keeps (its desired capacity): a count that does not shrink
        # as the members already marked leave service, so the cap stays the same through the window.
        in_service = group.desired_capacity if group is not None else 0
        cap = replacement_cap(in_service, config.max_replacement_percent)
        window = config.replacement_window_seconds
        if self.ledger.consume_replacement(group_name, now=self.clock(), limit=cap, window=window):
            return ""
        self.telemetry.count(contract.METRIC_RATE_LIMITED)
        return (
            f"NOT done: group {group_name} already had {cap} replacement(s) in {window // 60} min, its cap "
            f"({config.max_replacement_percent}% of the {in_service} it keeps in service): a human must look"
        )
