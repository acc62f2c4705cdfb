"""A testing kit for apps built with this library: snapshot, cdk-nag and cfn-lint in three calls.

    from constructs_lib.testing import (
        CdkTemplateSnapshotExtension, assert_no_nag_findings, assert_cfn_lint_clean,
    )

    def test_stack_matches_snapshot(snapshot):
        app = cdk.App(outdir=str(tmp_path))
        stack = MyStack(app, "My")
        assert_no_nag_findings(app)                       # synthesizes with cdk-nag's AWS Solutions pack
        template = Template.from_stack(stack).to_json()
        assert template == snapshot.use_extension(CdkTemplateSnapshotExtension)
        assert_cfn_lint_clean(tmp_path)                   # every template of the assembly, its own region

Snapshots: a template's asset hashes change with the handler code and the CDK version, not with the
infrastructure. :func:`mask_template` replaces them (and the machine-dependent asset paths CDK writes
into metadata when the CLI asks for them) by fixed placeholders; :class:`CdkTemplateSnapshotExtension`
is syrupy's JSON extension with that mask applied, one readable ``.json`` file per snapshot.

cdk-nag 3 is a CDK *validation plugin* (``Validations.of(app).add_plugins(...)``): it reaches stacks
inside ``cdk.Stage`` s, and its findings land in the assembly's ``validation-report.json``.
:func:`nag_findings` synthesizes with the pack attached and returns every finding;
:func:`assert_no_nag_findings` fails listing each unacknowledged one with its construct path.

The kit needs the ``testing`` extra (``pip install "self-healing-web[testing]"``: syrupy, cfn-lint,
cdk-nag). Only this module imports them: the rest of the library never needs them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk

try:
    from syrupy.extensions.json import JSONSnapshotExtension
except ImportError as _error:  # pragma: no cover - only without the extra
    raise ImportError(
        'constructs_lib.testing needs the testing extra: pip install "self-healing-web[testing]"'
    ) from _error

__all__ = [
    "ASSET_HASH_PLACEHOLDER",
    "DEFAULT_CFN_LINT_IGNORES",
    "CdkTemplateSnapshotExtension",
    "NagFinding",
    "assert_cfn_lint_clean",
    "assert_no_nag_findings",
    "cfn_lint_assembly",
    "cfn_lint_template",
    "mask_template",
    "nag_findings",
]

ASSET_HASH_PLACEHOLDER = "<asset-hash>"
ASSET_PATH_PLACEHOLDER = "<asset-path>"
# CDK asset hashes are SHA-256 hex digests: in S3 keys ("<hash>.zip"), image tags, asset parameters.
_ASSET_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
# Resource metadata CDK writes when the CLI enables asset metadata: absolute, machine-dependent paths.
_ASSET_PATH_METADATA = ("aws:asset:path", "aws:asset:original-path")
# cfn-lint rules CDK output trips by design: W3005 (CDK adds DependsOn next to Ref/GetAtt) and W3010
# (availability zones pinned on purpose, so that synthesis never looks them up).
DEFAULT_CFN_LINT_IGNORES: tuple[str, ...] = ("W3005", "W3010")


def mask_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` with asset hashes and machine-dependent asset paths replaced.

    Everything else is kept as synthesized, so a snapshot diff shows every real change.
    """
    masked = json.loads(_ASSET_HASH.sub(ASSET_HASH_PLACEHOLDER, json.dumps(template)))
    for resource in masked.get("Resources", {}).values():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if isinstance(metadata, dict):
            for key in _ASSET_PATH_METADATA:
                if key in metadata:
                    metadata[key] = ASSET_PATH_PLACEHOLDER
    return masked


class CdkTemplateSnapshotExtension(JSONSnapshotExtension):
    """Use with syrupy: ``assert template == snapshot.use_extension(CdkTemplateSnapshotExtension)``.

    One ``.json`` file per snapshot (``__snapshots__/<test module>/<test name>.json``), with asset
    hashes and asset paths masked by :func:`mask_template`. Other data is serialized unchanged.
    """

    def serialize(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping) and "Resources" in data:
            data = mask_template(data)
        return super().serialize(data, **kwargs)


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
    cdk.Validations.of(app).add_plugins(*(packs if packs is not None else [_aws_solutions_pack(app)]))
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


def cfn_lint_template(
    template: Mapping[str, Any], *, region: str, ignore: Iterable[str] = DEFAULT_CFN_LINT_IGNORES
) -> list[str]:
    """cfn-lint one template for ``region``; one line per finding: ``"<rule> <message> (<path>)"``."""
    try:
        from cfnlint.api import ManualArgs, lint
    except ImportError as error:
        raise ImportError('cfn-lint is not installed: pip install "self-healing-web[testing]"') from error
    matches = lint(json.dumps(template), config=ManualArgs(regions=[region], ignore_checks=list(ignore)))
    return [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches]


def _stack_templates(assembly_dir: Path) -> Iterable[tuple[str, Path, str]]:
    """(display path, template file, region) of every stack in an assembly and its nested stages."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        kind = artifact.get("type")
        props = artifact.get("properties", {})
        if kind == "aws:cloudformation:stack":
            region = artifact.get("environment", "aws://unknown-account/unknown-region").rsplit("/", 1)[-1]
            yield (
                artifact.get("displayName", artifact_id),
                assembly_dir / props["templateFile"],
                region,
            )
        elif kind == "cdk:cloud-assembly":
            yield from _stack_templates(assembly_dir / props["directoryName"])


def cfn_lint_assembly(
    assembly_dir: str | Path,
    *,
    ignore: Iterable[str] = DEFAULT_CFN_LINT_IGNORES,
    default_region: str = "us-east-1",
) -> dict[str, list[str]]:
    """cfn-lint every stack of a synthesized cloud assembly (nested stages included) in its own region.

    Returns ``{stack display path: findings}`` for every stack; a clean stack maps to ``[]``.
    Environment-agnostic stacks are linted for ``default_region``.
    """
    ignore = tuple(ignore)
    results: dict[str, list[str]] = {}
    for name, template_file, region in _stack_templates(Path(assembly_dir)):
        lint_region = default_region if region in ("unknown-region", "") else region
        results[name] = cfn_lint_template(
            json.loads(template_file.read_text()), region=lint_region, ignore=ignore
        )
    return results


def assert_cfn_lint_clean(
    assembly_dir: str | Path,
    *,
    ignore: Iterable[str] = DEFAULT_CFN_LINT_IGNORES,
    default_region: str = "us-east-1",
) -> None:
    """Fail listing every cfn-lint finding of every stack in the assembly, if any."""
    results = cfn_lint_assembly(assembly_dir, ignore=ignore, default_region=default_region)
    if not results:
        raise AssertionError(f"no stack templates found in the cloud assembly at {assembly_dir}")
    dirty = {name: findings for name, findings in results.items() if findings}
    if dirty:
        lines = "\n".join(
            f"  {name}:\n" + "\n".join(f"    - {f}" for f in found) for name, found in dirty.items()
        )
        raise AssertionError(f"cfn-lint findings in {len(dirty)} stack(s):\n{lines}")
