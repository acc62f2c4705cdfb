"""Scheduled incident detector: find what no event reported, and follow runbooks to their end.

Entry point ``detector.handler`` in the same asset as the healing function (``handler.handler``),
with the same environment variables, ledger, tag guard, dry run, pause switch and rate limit. Run
it on a schedule (e.g. every 5 minutes). Each run:

1. follows the Automation executions started for incidents (by either function):
   ``GetAutomationExecution``; a finished one is recorded on its incident and notified;
2. unless healing is paused, scans this environment's resources and turns each problem into a
   :class:`~events.Detection` handed to the same :class:`~healer.Healer` as events:

   - running instances whose status checks are impaired -> the event path's instance recovery
     (same incident kind and lock: an instance the events already handle is not handled twice);
   - Auto Scaling groups with fewer healthy in-service instances than desired and none launching
     -> ``group-capacity`` (high; critical at zero);
   - databases failed / not serving -> ``database-failure`` (critical) / ``database-unavailable``;
   - Route 53 health checks tagged with this environment reported unhealthy -> ``health-check``.

   Each finding is confirmed against fresh facts before anything happens, recorded as an incident
   and notified, or its runbook started when ``RUNBOOKS_BY_INCIDENT`` names one. A finding on a
   resource with an open event-path incident (a launch failure, an RDS failover) is added to that
   incident instead. Findings are de-duplicated per resource and kind for the incident window.
"""

from __future__ import annotations

if not __package__:  # pragma: no cover - the Lambda runtime; run by tests/lambda/test_auto_heal_packaging.py
    from _bootstrap import as_package_module  # a top-level module of the asset

    __spec__, __package__ = as_package_module(__file__)

import hashlib
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from . import contract
from . import handler as entry
from .config import ConfigError
from .decisions import Finding, database_finding, group_capacity_finding, health_check_finding, is_owned
from .errors import AwsError, RetryableHealingError, TransientAwsError
from .events import Detection

MAX_DETECTIONS_PER_RUN = 50
"""A brake on mass failures: beyond it, the rest waits for the next run (logged, and counted by
the ``DetectionsDeferred`` metric)."""

logger, metrics = entry.logger, entry.metrics


def scan(healer: Any, *, now: float) -> tuple[list[Detection], list[AwsError]]:
    """This environment's problems right now, as detections (reads only), and the reads that failed.

    Each source (instances, groups, databases, health checks) is read on its own: one failing
    (say, no permission for Route 53) does not hide the others' problems.
    """
    aws, config = healer.aws, healer.config
    findings: list[Finding] = []
    errors: list[AwsError] = []

    def impaired_instances() -> None:
        for instance_id, check in sorted(aws.impaired_instances().items()):
            severity = "high" if check == "system" else "medium"
            summary = f"the {check} status check of instance {instance_id} is impaired"
            findings.append(Finding(f"instance-impaired-{check}", instance_id, severity, summary))

    def groups() -> None:
        for group in aws.list_groups():
            if is_owned(group.tags, config) and (finding := group_capacity_finding(group)):
                findings.append(finding)

    def databases() -> None:
        for database in aws.list_databases():
            if is_owned(database.tags, config) and (finding := database_finding(database)):
                findings.append(finding)

    def health_checks() -> None:
        for check in aws.list_health_checks():
            if finding := health_check_finding(check):
                findings.append(finding)

    for source in (impaired_instances, groups, databases, health_checks):
        try:
            source()
        except AwsError as error:
            logger.error("scan failed", extra={"source": source.__name__, "error": str(error)})
            healer.telemetry.count(
                contract.METRIC_SCAN_FAILED, **{contract.DIMENSION_SOURCE: source.__name__}
            )
            errors.append(error)
    detections = [detection(f, now=now) for f in findings]
    return detections, errors


def detection(finding: Finding, *, now: float) -> Detection:
    """A detection of this run. Runs within one incident window are de-duplicated by the ledger's
    lock per resource and kind (so the id must differ per run: the lock lets an id re-enter)."""
    digest = hashlib.sha256(f"{finding.kind}|{finding.resource_id}".encode()).hexdigest()[:16]
    return Detection(
        event_id=f"detector-{digest}-{int(now)}",
        time=datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        kind=finding.kind,
        resource_id=finding.resource_id,
        summary=f"the incident detector found: {finding.summary}",
        facts=(("severity", finding.severity), *finding.facts),
    )


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: Any) -> dict[str, Any]:
    runtime = entry._runtime if entry._runtime is not None else entry.configure()
    if isinstance(runtime, ConfigError):
        logger.error("invalid configuration: acting on nothing", extra={"problems": list(runtime.problems)})
        metrics.add_metric(name=contract.METRIC_CONFIG_INVALID, unit=MetricUnit.Count, value=1)
        return {"status": "config-invalid", "problems": list(runtime.problems)}
    healer = runtime.healer
    deadline = entry._deadline(context)
    retry: list[str] = []

    try:
        followed = healer.follow_executions()
    except TransientAwsError as error:  # the next run follows them again
        followed, retry = [], [f"following runbooks: {error}"]

    if healer.pause_switch():
        logger.info("healing is paused: no scan")
        metrics.add_metric(name=contract.METRIC_DETECTOR_PAUSED, unit=MetricUnit.Count, value=1)
        return {"status": "paused", "followed": followed}

    detections, errors = scan(healer, now=healer.clock())
    retry += [f"scan: {error}" for error in errors if error.retryable]
    metrics.add_metric(name=contract.METRIC_DETECTIONS, unit=MetricUnit.Count, value=len(detections))
    if len(detections) > MAX_DETECTIONS_PER_RUN:
        logger.warning("more findings than one run handles", extra={"findings": len(detections)})
        metrics.add_metric(
            name=contract.METRIC_DETECTIONS_DEFERRED,
            unit=MetricUnit.Count,
            value=len(detections) - MAX_DETECTIONS_PER_RUN,
        )
    results: list[dict[str, Any]] = []
    for found in detections[:MAX_DETECTIONS_PER_RUN]:
        logger.set_correlation_id(found.event_id)
        try:
            results.extend(healer.handle(found, deadline=deadline))
        except TransientAwsError as error:
            retry.append(f"{found.event_id}: {error}")
    logger.set_correlation_id(None)
    if retry:
        raise RetryableHealingError("; ".join(retry))
    return {"status": "done", "followed": followed, "results": results}
