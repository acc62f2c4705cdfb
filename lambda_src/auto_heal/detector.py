"""Scheduled incident detector: find what no event reported, hand it over, follow runbooks to their end.

Entry point ``detector.handler`` in the same asset as the healing function (``handler.handler``),
with the same environment variables and ledger, and a role of its own that may read, write the
ledger, notify and invoke the healing function, but change nothing else. Run it on a schedule
(e.g. every 5 minutes). Each run:

1. follows the Automation executions started for incidents: ``GetAutomationExecution``; a
   finished one is recorded on its incident and notified;
2. unless healing is paused, scans this environment's resources:

   - running instances whose status checks are impaired -> ``instance-impaired-system`` /
     ``instance-impaired-instance`` (the event path's instance recovery, same incident and lock);
   - Auto Scaling groups with fewer healthy in-service instances than desired and none launching
     -> ``group-capacity`` (high; critical at zero), once the shortfall has persisted: two scans,
     and longer than the group's health check grace period plus its instance warm-up (a normal
     replacement is not an incident). Groups with suspended processes (a rolling update, an
     operator), an instance refresh under way or a member under an open incident are left alone
     (and their count starts afresh);
   - databases failed / not serving -> ``database-failure`` (critical) / ``database-unavailable``;
   - Route 53 health checks tagged with this environment reported unhealthy -> ``health-check``;

3. hands each finding to the healing function (``HEALING_FUNCTION_NAME``, asynchronous invoke) as
   an ``Incident Detected`` event (source ``autoheal.detector``). The healing function re-reads the
   resource, then records, notifies or acts exactly as for an AWS event: one incident per resource
   and kind for the incident window, whichever path saw it first.
"""

from __future__ import annotations

if not __package__:  # pragma: no cover - the Lambda runtime; run by tests/lambda/test_auto_heal_packaging.py
    from _bootstrap import as_package_module  # a top-level module of the asset

    __spec__, __package__ = as_package_module(__file__)

import hashlib
import os
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from . import contract
from . import handler as entry
from .config import ConfigError
from .decisions import (
    is_owned,
)
from .errors import AwsError, RetryableHealingError, TransientAwsError
from .findings import (
    Finding,
    database_finding,
    group_capacity_finding,
    group_scan_skip,
    health_check_finding,
    shortfall_persists,
)
from .model import ResourceRef

MAX_DETECTIONS_PER_RUN = 25
"""A brake on mass failures: beyond it, the rest waits for the next run (logged, and counted by
the ``DetectionsDeferred`` metric)."""

logger, metrics = entry.logger, entry.metrics


GROUP_CAPACITY = "group-capacity"


def scan(healer: Any, *, now: float) -> tuple[list[Finding], list[AwsError]]:
    """This environment's problems right now, and the reads that failed. Reads only, but for the
    ledger's sightings of group shortfalls (they must persist before they count).

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
        ledger = healer.ledger
        for group in aws.list_groups():
            if not is_owned(group.tags, config):
                continue
            resource = ResourceRef("group", group.name)
            finding = group_capacity_finding(group)
            if finding is None:
                ledger.forget_sighting(resource, GROUP_CAPACITY)
                continue
            skip = group_scan_skip(
                group,
                refreshing=aws.refresh_in_progress(group.name),
                member_incident=bool(ledger.active_member_incidents(group.name, now=now)),
            )
            if skip is not None:
                logger.info("group shortfall left alone", extra={"reason": skip})
                ledger.forget_sighting(resource, GROUP_CAPACITY)
                continue
            first_seen, scans = ledger.sight(resource, GROUP_CAPACITY, now=now)
            if shortfall_persists(group, first_seen=first_seen, scans=scans, now=now):
                findings.append(finding)
            else:
                logger.info(
                    "group shortfall seen, not yet persistent",
                    extra={"group": group.name, "scans": scans, "since": int(now - first_seen)},
                )

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
    return findings, errors


def detection_event(finding: Finding, *, now: float, account: str, region: str) -> dict[str, Any]:
    """The ``Incident Detected`` event of ``finding`` for the healing function.

    Runs within one incident window are de-duplicated by the ledger's lock per resource and kind, so
    the id differs per run (the lock lets only the same id re-enter).
    """
    digest = hashlib.sha256(f"{finding.kind}|{finding.resource_id}".encode()).hexdigest()[:16]
    return {
        "version": "0",
        "id": f"detector-{digest}-{int(now)}",
        "source": contract.DETECTION_SOURCE,
        "detail-type": contract.DETECTION_DETAIL_TYPE,
        "account": account,
        "region": region,
        "time": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resources": [],
        "detail": {
            "kind": finding.kind,
            "resource_id": finding.resource_id,
            "summary": f"the incident detector found: {finding.summary}",
            "facts": {"severity": finding.severity, **dict(finding.facts)},
        },
    }


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(clear_state=True)
def handler(event: Any, context: Any) -> dict[str, Any]:
    runtime = entry._runtime if entry._runtime is not None else entry.configure()
    if isinstance(runtime, ConfigError):
        logger.error("invalid configuration: acting on nothing", extra={"problems": list(runtime.problems)})
        metrics.add_metric(name=contract.METRIC_CONFIG_INVALID, unit=MetricUnit.Count, value=1)
        return {"status": "config-invalid", "problems": list(runtime.problems)}
    healer = runtime.healer
    retry: list[str] = []

    try:
        followed = healer.follow_executions()
    except TransientAwsError as error:  # the next run follows them again
        followed, retry = [], [f"following runbooks: {error}"]

    if healer.pause_switch():
        logger.info("healing is paused: no scan")
        metrics.add_metric(name=contract.METRIC_DETECTOR_PAUSED, unit=MetricUnit.Count, value=1)
        return {"status": "paused", "followed": followed}

    if not healer.config.healing_function_name:
        problem = f"{contract.HEALING_FUNCTION_NAME} is missing: the detector has nobody to hand findings to"
        logger.error("invalid configuration: acting on nothing", extra={"problems": [problem]})
        metrics.add_metric(name=contract.METRIC_CONFIG_INVALID, unit=MetricUnit.Count, value=1)
        return {"status": "config-invalid", "problems": [problem], "followed": followed}

    findings, errors = scan(healer, now=healer.clock())
    retry += [f"scan: {error}" for error in errors if error.retryable]
    metrics.add_metric(name=contract.METRIC_DETECTIONS, unit=MetricUnit.Count, value=len(findings))
    if len(findings) > MAX_DETECTIONS_PER_RUN:
        logger.warning("more findings than one run hands over", extra={"findings": len(findings)})
        metrics.add_metric(
            name=contract.METRIC_DETECTIONS_DEFERRED,
            unit=MetricUnit.Count,
            value=len(findings) - MAX_DETECTIONS_PER_RUN,
        )
    now = healer.clock()
    account, region = _account(context), os.environ.get("AWS_REGION", "")
    dispatched: list[str] = []
    for finding in findings[:MAX_DETECTIONS_PER_RUN]:
        event = detection_event(finding, now=now, account=account, region=region)
        try:
            healer.aws.invoke_async(healer.config.healing_function_name, event)
        except AwsError as error:
            logger.error("hand-over failed", extra={"finding": event["id"], "error": str(error)})
            if error.retryable:
                retry.append(f"{event['id']}: {error}")
            continue
        dispatched.append(event["id"])
    if retry:
        raise RetryableHealingError("; ".join(retry))
    return {"status": "done", "followed": followed, "dispatched": dispatched}


def _account(context: Any) -> str:
    """This function's account, from its own ARN (``arn:aws:lambda:<region>:<account>:function:...``)."""
    arn = str(getattr(context, "invoked_function_arn", "") or "")
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""
