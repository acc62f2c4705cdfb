"""Review aws-cdk-lib's recommended feature flags one at a time against this app's templates.

    .venv/bin/python -m scripts.feature_flags                  # every unconfigured flag, report to stdout
    .venv/bin/python -m scripts.feature_flags --out docs/feature-flags-review.md --jobs 2

For each flag that cdk.json does not set and whose recommended value differs from what it does when
unset, the whole app (every environment) is synthesized with only that flag at its recommended
value and compared with the app as configured. A flag is reported as

- ``no change``: no template changes (safe to adopt);
- ``stateless``: templates change, but no stateful resource (database, key, vault, table, bucket,
  secret, log group, queue) is touched: adopt after reviewing the listed resources (the stacks' own
  tags in the assembly manifest are compared too, as a pseudo-resource of type ``StackTags``);
- ``STATEFUL``: a stateful resource is added, removed, renamed (new logical id) or changed: such a
  change can replace data in an existing deployment; decide by hand (usually: leave the flag off and
  write down why).

Synthesis runs with cdk-nag off (a flag may change the ids findings are acknowledged under; the
suite checks nag with the adopted flags) and without aws-cdk-lib's built-in validation.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Types whose replacement or change can lose data or access to it.
STATEFUL_TYPES = frozenset(
    {
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
        "AWS::Backup::BackupVault",
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::SecretsManager::Secret",
        "AWS::Logs::LogGroup",
        "AWS::SQS::Queue",
        "AWS::SSM::Parameter",
    }
)
_ASSET_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass
class FlagEffect:
    flag: str
    explanation: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    stateful: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if self.stateful:
            return "STATEFUL"
        if self.added or self.removed or self.changed:
            return "stateless"
        return "no change"


def _synth(extra_context: dict[str, Any]) -> dict[str, dict]:
    """{stack path: masked template} of every environment with ``extra_context`` on top of cdk.json."""
    from stacks.node_runtime import use_bundled_node

    use_bundled_node()
    from stacks.application import build_app, project_context

    context = {**project_context(ROOT), **extra_context}
    with tempfile.TemporaryDirectory() as outdir:
        app, _, stages = build_app(context, outdir=outdir, nag=False, builtin_validation=False)
        app.synth()
        templates = {}
        for stage in stages:
            for child in stage.node.children:
                if hasattr(child, "stack_name"):
                    path = (
                        Path(outdir) / f"assembly-{stage.stage_name}" / f"{child.artifact_id}.template.json"
                    )
                    templates[child.node.path] = json.loads(_ASSET_HASH.sub("<hash>", path.read_text()))
    return templates


def _report(outdir: Path) -> dict[str, dict]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    for artifact in manifest["artifacts"].values():
        if (
            artifact["type"] == "cdk:feature-flag-report"
            and artifact["properties"]["module"] == "aws-cdk-lib"
        ):
            return artifact["properties"]["flags"]
    raise SystemExit("no aws-cdk-lib feature-flag report in the assembly")


def candidate_flags() -> dict[str, str]:
    """{flag: explanation} of flags cdk.json leaves unset whose recommended value changes behaviour."""
    from stacks.node_runtime import use_bundled_node

    use_bundled_node()
    from stacks.application import build_app, project_context

    context = project_context(ROOT)
    with tempfile.TemporaryDirectory() as outdir:
        app, _, _ = build_app({**context, "env": "dev"}, outdir=outdir, nag=False, builtin_validation=False)
        app.synth()
        flags = _report(Path(outdir))
    candidates = {}
    for name, info in sorted(flags.items()):
        if name in context or "recommendedValue" not in info:
            continue
        unset = info.get("unconfiguredBehavesLike", {}).get("v2", False)
        if info["recommendedValue"] != unset:
            candidates[name] = info.get("explanation", "")
    return candidates


def compare(flag: str, explanation: str, baseline: dict[str, dict]) -> FlagEffect:
    effect = FlagEffect(flag=flag, explanation=explanation)
    try:
        templates = _synth({flag: True})
    except Exception as error:  # a flag may need other props; report it instead of stopping the review
        effect.error = str(error).splitlines()[0][:200]
        return effect
    for path in sorted(set(baseline) | set(templates)):
        before = baseline.get(path, {}).get("Resources", {})
        after = templates.get(path, {}).get("Resources", {})
        for logical_id in sorted(set(before) | set(after)):
            old, new = before.get(logical_id), after.get(logical_id)
            if old == new:
                continue
            kind = (new or old)["Type"]
            where = f"{path}/{logical_id} ({kind})"
            if old is None:
                effect.added.append(where)
            elif new is None:
                effect.removed.append(where)
            else:
                effect.changed.append(where)
            if kind in STATEFUL_TYPES:
                effect.stateful.append(where)
    return effect


def _compare_job(args: tuple[str, str, dict[str, dict]]) -> FlagEffect:
    return compare(*args)


def render(effects: list[FlagEffect]) -> str:
    lines = [
        "| flag | verdict | resources added / removed / changed | stateful resources touched |",
        "| --- | --- | --- | --- |",
    ]
    for e in effects:
        counts = f"{len(e.added)} / {len(e.removed)} / {len(e.changed)}" if not e.error else e.error
        stateful = "<br>".join(e.stateful[:6]) + (" ..." if len(e.stateful) > 6 else "")
        lines.append(f"| `{e.flag}` | {e.verdict} | {counts} | {stateful} |")
    details = ["", "## Changed resources per flag", ""]
    for e in effects:
        if e.added or e.removed or e.changed:
            details.append(f"### `{e.flag}`\n\n{e.explanation}\n")
            for label, items in (("added", e.added), ("removed", e.removed), ("changed", e.changed)):
                for item in items[:40]:
                    details.append(f"- {label}: {item}")
                if len(items) > 40:
                    details.append(f"- ... and {len(items) - 40} more {label}")
            details.append("")
    return "\n".join(lines + details) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flags", help="comma-separated flags to review (default: every candidate)")
    parser.add_argument("--out", type=Path, help="write the markdown report here (default: stdout)")
    parser.add_argument("--jobs", type=int, default=1, help="parallel synthesis processes")
    args = parser.parse_args(argv)
    candidates = candidate_flags()
    if args.flags:
        wanted = [f.strip() for f in args.flags.split(",") if f.strip()]
        unknown = [f for f in wanted if f not in candidates]
        if unknown:
            print(
                f"not candidate flags (set in cdk.json, unknown, or no behaviour change): {unknown}",
                file=sys.stderr,
            )
            return 2
        candidates = {f: candidates[f] for f in wanted}
    baseline = _synth({})
    jobs = [(flag, explanation, baseline) for flag, explanation in candidates.items()]
    if args.jobs > 1:
        # spawn, not fork: the parent's jsii kernel (a Node child process) cannot be shared.
        with ProcessPoolExecutor(
            max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            effects = list(pool.map(_compare_job, jobs))
    else:
        effects = [_compare_job(job) for job in jobs]
    report = render(effects)
    if args.out:
        args.out.write_text(report)
    else:
        print(report)
    summary = {
        v: sum(1 for e in effects if e.verdict == v) for v in ("no change", "stateless", "STATEFUL", "ERROR")
    }
    print(f"{len(effects)} flags reviewed: {summary}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
