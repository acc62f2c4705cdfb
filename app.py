#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth` (the CLI) and `python app.py` give the same assembly in cdk.out.

npx cdk synth                  # every environment
npx cdk synth -c env=stg       # one environment
npx cdk synth -c pipeline=true # the delivery pipeline (stacks/pipeline/), every environment inside it
"""

from __future__ import annotations

import os
import sys

from stacks.node_runtime import use_bundled_node

use_bundled_node()

from stacks.application import ROOT, build_app, project_context  # noqa: E402
from stacks.config import ConfigError  # noqa: E402
from stacks.pipeline import build_pipeline_app, pipeline_requested  # noqa: E402


def main() -> int:
    launched_by_cli = "CDK_OUTDIR" in os.environ
    # The CLI passes cdk.json's context itself; plain `python app.py` reads it here so that both
    # entry points synthesize the same thing into cdk.out.
    context = None if launched_by_cli else project_context()
    if not launched_by_cli:
        for arg in sys.argv[1:]:  # python app.py env=prod
            key, _, value = arg.partition("=")
            if value:
                context[key] = value
    try:
        outdir = None if launched_by_cli else str(ROOT / "cdk.out")
        if pipeline_requested(context):
            app = build_pipeline_app(context, outdir=outdir)[0]
        else:
            app, _, _ = build_app(context, outdir=outdir)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
