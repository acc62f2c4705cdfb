"""Print what a synthesized assembly contains: stages, stacks, regions and resources per stack.

python -m scripts.synth_summary [cdk.out]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def stacks(outdir: Path):
    """Yield ``(stage, stack_name, region, template_path)`` for every stack of the assembly."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    for art_id, art in sorted(manifest.get("artifacts", {}).items()):
        if art.get("type") == "cdk:cloud-assembly":
            yield from (
                (art["displayName"] if "displayName" in art else art_id.removeprefix("assembly-"), *rest)
                for _, *rest in stacks(outdir / art["properties"]["directoryName"])
            )
        elif art.get("type") == "aws:cloudformation:stack":
            region = art.get("environment", "").rsplit("/", 1)[-1]
            name = art.get("properties", {}).get("stackName") or art.get("displayName", art_id)
            yield ("", name, region, outdir / art["properties"]["templateFile"])


def main(argv: list[str]) -> int:
    outdir = Path(argv[1] if len(argv) > 1 else "cdk.out")
    rows = list(stacks(outdir))
    if not rows:
        print(f"no stacks in {outdir}", file=sys.stderr)
        return 1
    print(f"{'stage':<6} {'stack':<28} {'region':<15} {'resources':>9}  top types")
    total = 0
    for stage, name, region, template in rows:
        resources = json.loads(template.read_text()).get("Resources", {})
        total += len(resources)
        kinds = Counter(r["Type"].split("::", 1)[1] for r in resources.values()).most_common(3)
        top = ", ".join(f"{k} x{n}" for k, n in kinds)
        print(f"{stage:<6} {name:<28} {region:<15} {len(resources):>9}  {top}")
    stages = sorted({r[0] for r in rows})
    print(f"{len(stages)} stage(s) ({', '.join(stages)}), {len(rows)} stacks, {total} resources in {outdir}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
