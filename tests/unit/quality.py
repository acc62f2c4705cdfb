"""Shared quality gates for the construct unit tests: cdk-nag at synth time and cfn-lint afterwards.

Every construct test module synthesizes one app with the AWS Solutions pack of cdk-nag attached as a
CDK validation plugin and then lints each synthesized template with cfn-lint. Both steps live here so
that they are configured the same way everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from constructs_lib.testing import DEFAULT_CFN_LINT_IGNORES, cfn_lint_template

DEFAULT_REGION = "ap-northeast-1"
# The rules every module skipped: W3005 (redundant DependsOn), W3010 (hard-coded availability zone).
DEFAULT_IGNORED_CHECKS: tuple[str, ...] = DEFAULT_CFN_LINT_IGNORES


def synth_with_nag(app: cdk.App, outdir: Path) -> tuple[dict[str, dict], list[dict]]:
    """Synthesize ``app`` with cdk-nag's ``AwsSolutionsChecks`` as a validation plugin.

    ``outdir`` must be the directory the app was created with (``cdk.App(outdir=...)``).

    Returns the synthesized templates keyed by stack name (the ``<name>.template.json`` files in
    ``outdir``) and every violation of every plugin in ``validation-report.json`` (empty when there is
    no report). Unacknowledged cdk-nag errors make ``app.synth()`` raise a ``RuntimeError`` mentioning
    ``ValidationFailed``; that one is swallowed because the violations are returned for the tests to
    assert on. Any other ``RuntimeError`` is re-raised.
    """
    outdir = Path(outdir)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
    violations: list[dict] = []
    report = outdir / "validation-report.json"
    if report.exists():
        for plugin in json.loads(report.read_text())["pluginReports"]:
            violations += plugin["violations"]
    templates = {
        p.name.removesuffix(".template.json"): json.loads(p.read_text())
        for p in outdir.glob("*.template.json")
    }
    return templates, violations


def cfn_lint(
    template: dict,
    region: str = DEFAULT_REGION,
    ignore: Sequence[str] = DEFAULT_IGNORED_CHECKS,
) -> list[str]:
    """Lint a synthesized template with cfn-lint for ``region``: the testing kit's runner
    (``constructs_lib.testing.cfn_lint_template``), one line per finding."""
    return cfn_lint_template(template, region=region, ignore=ignore)
