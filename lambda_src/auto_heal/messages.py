"""Notification text: pure functions from a plan and its results to an SNS subject and message.

Written for people first (email, chat): a one-line subject with severity and outcome, then what
happened, the facts, each action with its outcome, and where the incident is recorded. Message
attributes (set by the caller) carry severity, status, incident id, application and
environment for subscription filter policies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import ActionResult, Plan

SUBJECT_LIMIT = 100  # SNS: ASCII, no line breaks, at most 100 characters

_HEADLINES = {
    "acted": "healed",
    "dry-run": "would heal (dry run)",
    "notified": "incident",
    "rate-limited": "NOT healed, action limit reached",
    "failed": "healing FAILED",
    "retrying": "healing failed, retrying",
    "unresolved": "quick fix did not help",
    "runbook-succeeded": "recovered by runbook",
    "runbook-failed": "runbook FAILED",
}


def subject(*, severity: str, status: str, app_env: str, resource: str, kind: str, dry_run: bool) -> str:
    headline = _HEADLINES.get(status, status)
    text = f"[{severity.upper()}]{' [DRY RUN]' if dry_run else ''} {app_env} {kind}: {headline} {resource}"
    text = re.sub(r"[^\x20-\x7e]", "?", text)
    return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 3] + "..."


def body(
    *,
    plan: Plan,
    status: str,
    severity: str,
    incident_id: str,
    event_id: str,
    app_env: str,
    region: str,
    results: Sequence[ActionResult],
    notes: Sequence[str],
    ledger: str,
    dry_run: bool,
) -> str:
    resource = f"{plan.resource.kind} {plan.resource.id}" if plan.resource else "(none)"
    lines = [
        f"Auto-healing - {app_env} ({region or 'region unknown'})",
        "",
        f"Incident:  {incident_id} ({plan.incident_kind})",
        f"Resource:  {resource}",
        f"Severity:  {severity}",
        f"Status:    {status}{' (DRY RUN: nothing was changed)' if dry_run else ''}",
        "",
        "What happened:",
        f"  {plan.reason}",
    ]
    if plan.facts:
        lines += ["", "Facts:"] + [f"  - {k}: {v}" for k, v in plan.facts.items()]
    if results:
        lines += ["", "Actions:"]
        for result in results:
            detail = f" ({result.detail})" if result.detail else ""
            lines.append(f"  - {result.action.describe()}: {result.outcome}{detail}")
    if notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in notes]
    lines += ["", f"Event: {event_id}", f"Ledger: {ledger}"]
    return "\n".join(lines)
