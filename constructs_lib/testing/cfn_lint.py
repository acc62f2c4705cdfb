"""cfn-lint over one template or every stack of a synthesized cloud assembly, each in its own region."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_CFN_LINT_IGNORES",
    "assert_cfn_lint_clean",
    "cfn_lint_assembly",
    "cfn_lint_template",
]

# cfn-lint rules CDK output trips by design: W3005 (CDK adds DependsOn next to Ref/GetAtt) and W3010
# (availability zones pinned on purpose, so that synthesis never looks them up).
DEFAULT_CFN_LINT_IGNORES: tuple[str, ...] = ("W3005", "W3010")


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
