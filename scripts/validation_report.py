"""Summarise cdk.out/validation-report.json (cdk-nag and CDK's CloudFormation validation).

python -m scripts.validation_report [cdk.out]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def failures(report: dict) -> dict[str, list[str]]:
    """Violations of plugins that did not succeed, as ``rule -> [construct paths]``."""
    out: dict[str, list[str]] = defaultdict(list)
    for plugin in report.get("pluginReports", []):
        for v in plugin.get("violations", []):
            if v.get("severity") == "warning" and plugin.get("conclusion") == "success":
                continue
            for c in v.get("violatingConstructs", []) or v.get("violatingResources", []):
                out[f"{plugin.get('pluginName')}: {v.get('ruleName')}"].append(
                    c.get("constructPath") or c.get("resourceLogicalId", "?")
                )
    return dict(out)


def main(argv: list[str]) -> int:
    outdir = Path(argv[1] if len(argv) > 1 else "cdk.out")
    report = json.loads((outdir / "validation-report.json").read_text())
    found = failures(report)
    for rule, paths in sorted(found.items()):
        print(f"{rule}  ({len(paths)})")
        for p in sorted(set(paths))[:12]:
            print(f"    {p}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
