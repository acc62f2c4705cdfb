"""The incident detector: the healing code's scheduled entry point, for what no event reports.

Every ``interval`` it scans for impaired instances, Auto Scaling groups below desired in-service,
databases not ``available`` and unhealthy Route 53 health checks of this environment, and hands each
finding to the healing function, which checks it, records it and notifies or acts (the runbook of
that incident kind). It has a role of its own: it may read, keep its ledger items, notify the end of
runbooks and invoke the healing function; it may change nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations

from constructs_lib.healing.permissions import grant_detector_permissions
from constructs_lib.healing.runtime import contract
from constructs_lib.nag import acknowledge

if TYPE_CHECKING:
    from constructs_lib.healing.construct import AutoHealing

__all__ = [
    "DEFAULT_DETECTOR_INTERVAL",
    "DETECTOR_INCIDENT_KINDS",
    "DetectorRunbook",
    "add_detector",
    "runbooks_by_incident",
]

DEFAULT_DETECTOR_INTERVAL = cdk.Duration.minutes(5)
"""How often the detector scans unless told otherwise."""
DETECTOR_INCIDENT_KINDS: tuple[str, ...] = contract.DETECTOR_INCIDENT_KINDS
"""Incident kinds the detector can start a runbook for."""


class _StartableRunbook(Protocol):
    document_name: str
    role: iam.IRole

    def grant_start(self, grantee: iam.IGrantable) -> iam.Grant: ...


@dataclass(frozen=True)
class DetectorRunbook:
    """An Automation runbook the incident detector starts for one incident kind.

    ``resource_parameter`` is the runbook parameter that receives the affected resource's id;
    ``parameters`` are fixed values for the others.
    """

    runbook: _StartableRunbook
    resource_parameter: str
    parameters: Mapping[str, str] = field(default_factory=dict)


def runbooks_by_incident(healing: AutoHealing, runbooks: Mapping[str, DetectorRunbook]) -> str:
    """``RUNBOOKS_BY_INCIDENT`` of the healing function (``{}`` when none)."""
    unknown = sorted(set(runbooks) - set(DETECTOR_INCIDENT_KINDS))
    if unknown:
        raise ValueError(
            f"detector_runbooks has unknown incident kind(s) {unknown}: "
            f"use {', '.join(DETECTOR_INCIDENT_KINDS)}."
        )
    mapping = {
        kind: {
            "document": rb.runbook.document_name,
            "role_arn": rb.runbook.role.role_arn,
            "resource_parameter": rb.resource_parameter,
            "parameters": dict(rb.parameters),
        }
        for kind, rb in sorted(runbooks.items())
    }
    return cdk.Stack.of(healing).to_json_string(mapping) if mapping else "{}"


def add_detector(
    healing: AutoHealing,
    *,
    interval: cdk.Duration,
    environment: Mapping[str, str],
    timeout: cdk.Duration,
    memory_size: int,
    runbooks: Mapping[str, DetectorRunbook],
    code: lambda_.Code,
    layer: lambda_.ILayerVersion,
) -> tuple[lambda_.Function, events.Rule]:
    """The detector function (``detector.handler`` of the healing ``code``), its role and its schedule.

    It shares the healing function's log group, ledger and dead-letter queue; the healing function
    may start the ``runbooks`` (one per incident kind of :data:`DETECTOR_INCIDENT_KINDS`).
    """
    for rb in runbooks.values():
        rb.runbook.grant_start(healing.role)  # the healing function starts them for the findings
    role = iam.Role(
        healing,
        "DetectorRole",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"Incident detector of {healing.naming.prefix}: reads and hands findings over",
    )
    grant_detector_permissions(healing, role)
    detector = lambda_.Function(
        healing,
        "Detector",
        description="Incident detector: groups below desired, database not available, endpoint unhealthy",
        runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.X86_64,
        handler="detector.handler",
        code=code,  # the same asset: one package, two entry points
        layers=[layer],
        # Its own role: reads, ledger, notifications, invoking the healing function. What it finds is
        # handled by the healing function, under the same per-resource locks as the events.
        role=role,
        log_group=healing.log_group,
        environment={**environment, contract.HEALING_FUNCTION_NAME: healing.function.function_name},
        timeout=timeout,
        memory_size=memory_size,
        reserved_concurrent_executions=1,
        retry_attempts=0,  # the next scan is the retry
        on_failure=destinations.SqsDestination(healing.dead_letter_queue),
    )
    acknowledge(
        detector,
        "AwsSolutions-L1",
        "Python 3.13 on purpose: same asset and Powertools layer as the healing function.",
    )
    rule = events.Rule(
        healing,
        "DetectorSchedule",
        description=f"{healing.naming.environment}: scan for incidents every {interval.to_human_string()}",
        schedule=events.Schedule.rate(interval),
    )
    rule.add_target(
        targets.LambdaFunction(detector, retry_attempts=0, dead_letter_queue=healing.dead_letter_queue)
    )
    return detector, rule
