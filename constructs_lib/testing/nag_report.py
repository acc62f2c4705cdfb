"""cdk-nag findings of a synthesized app (cdk-nag 3 is a CDK validation plugin).

:func:`nag_findings` synthesizes with the pack attached and reads the assembly's
``validation-report.json``; :func:`assert_no_nag_findings` fails listing each unacknowledged one
with its construct path.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk

__all__ = ["CONSTRUCT_ANNOTATIONS_REPORT", "NagFinding", "assert_no_nag_findings", "nag_findings"]

# With the feature flag @aws-cdk/core:annotationsInValidationReport, CDK also writes the constructs'
# annotations (warnings, errors) into validation-report.json under this plugin name: they are not
# rule-pack findings (read them with aws_cdk.assertions.Annotations).
CONSTRUCT_ANNOTATIONS_REPORT = "Construct Annotations"


@dataclass(frozen=True)
class NagFinding:
    """One cdk-nag finding: the rule, its severity, the construct path and what the rule says."""

    rule: str
    severity: str
    construct_path: str
    description: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.severity}) at {self.construct_path}: {self.description}"


def _aws_solutions_pack(app: cdk.App) -> Any:
    try:
        from cdk_nag import AwsSolutionsChecks
    except ImportError as error:
        raise ImportError(
            'cdk-nag is not installed: pip install "self-healing-web[nag]" (or the [testing] extra)'
        ) from error
    return AwsSolutionsChecks(app)


def nag_findings(app: cdk.App, *, packs: Sequence[Any] | None = None) -> list[NagFinding]:
    """Synthesize ``app`` with cdk-nag attached and return every unacknowledged finding.

    ``packs`` are cdk-nag 3 validation plugins (default: the AWS Solutions pack). Acknowledged findings
    (``Validations.of(scope).acknowledge(...)``) are not reported by cdk-nag and so not returned.
    The app must not have been synthesized yet (plugins run during ``app.synth()``).
    """
    plugins = list(packs) if packs is not None else [_aws_solutions_pack(app)]
    cdk.Validations.of(app).add_plugins(*plugins)
    # Only the packs' own reports: the same file also holds aws-cdk-lib's built-in CloudFormation
    # validation ("CloudFormation Validate") and, with annotationsInValidationReport, the app's
    # annotations ("Construct Annotations").
    pack_names = {getattr(p, "read_pack_name", None) or getattr(p, "name", None) for p in plugins} - {None}
    try:
        assembly_dir = Path(app.synth().directory)
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        assembly_dir = Path(app.outdir)
    report = assembly_dir / "validation-report.json"
    if not report.exists():
        return []
    findings = []
    for plugin in json.loads(report.read_text())["pluginReports"]:
        name = plugin.get("pluginName")
        if name == CONSTRUCT_ANNOTATIONS_REPORT or (pack_names and name not in pack_names):
            continue
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                findings.append(
                    NagFinding(
                        rule=violation["ruleName"],
                        severity=violation.get("severity", "error"),
                        construct_path=construct.get("constructPath", "?"),
                        description=violation.get("description", ""),
                    )
                )
    return findings


def assert_no_nag_findings(app: cdk.App, *, packs: Sequence[Any] | None = None) -> None:
    """Synthesize ``app`` with cdk-nag and fail listing every unacknowledged finding, if any."""
    findings = nag_findings(app, packs=packs)
    if findings:
        lines = "\n".join(f"  - {finding}" for finding in findings)
        raise AssertionError(
            f"{len(findings)} unacknowledged cdk-nag finding(s); fix each or acknowledge it next to its "
            f"cause with Validations.of(scope).acknowledge(...) and a specific reason:\n{lines}"
        )
