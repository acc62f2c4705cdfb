"""Print what a synthesized assembly contains: stages, stacks, regions and resources per stack.

python -m scripts.synth_summary [cdk.out]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from tools.cloud_assembly import AssemblyError, StackArtifact, read_assembly


def stacks(outdir: Path) -> list[tuple[str, StackArtifact]]:
    """``(stage, stack)`` for every stack of the assembly, in artifact-id order at each level.

    A stack outside any stage has stage ``""``; a stage nested in another is listed under the
    top-level one.
    """
    assembly = read_assembly(outdir)
    top_level = {
        stage.artifact_path[0]: stage.name for stage in assembly.stages if len(stage.artifact_path) == 1
    }
    rows: list[tuple[tuple[str, ...], str, StackArtifact]] = []
    for stage, stack in assembly.all_stacks():
        if stage is None:
            rows.append(((stack.artifact_id,), "", stack))
        else:
            rows.append(((*stage.artifact_path, stack.artifact_id), top_level[stage.artifact_path[0]], stack))
    return [(stage_name, stack) for _, stage_name, stack in sorted(rows, key=lambda row: row[0])]


def main(argv: list[str]) -> int:
    outdir = Path(argv[1] if len(argv) > 1 else "cdk.out")
    try:
        rows = stacks(outdir)
    except AssemblyError as error:
        print(error, file=sys.stderr)
        return 1
    if not rows:
        print(f"no stacks in {outdir}", file=sys.stderr)
        return 1
    print(f"{'stage':<6} {'stack':<28} {'region':<15} {'resources':>9}  top types")
    total = 0
    for stage, stack in rows:
        try:
            resources = stack.resources
        except AssemblyError as error:
            print(error, file=sys.stderr)
            return 1
        total += len(resources)
        kinds = Counter(r["Type"].split("::", 1)[1] for r in resources.values()).most_common(3)
        top = ", ".join(f"{k} x{n}" for k, n in kinds)
        print(f"{stage:<6} {stack.stack_name:<28} {stack.region:<15} {len(resources):>9}  {top}")
    stages = sorted({stage for stage, _ in rows})
    print(f"{len(stages)} stage(s) ({', '.join(stages)}), {len(rows)} stacks, {total} resources in {outdir}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
