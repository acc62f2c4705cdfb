"""The baseline for synth timings: one empty stack, same settings as app.py (built-in validation
and cdk-nag on), so `python app.py` can be compared against the fixed cost of CDK itself."""

from __future__ import annotations

import sys
import tempfile

from stacks.node_runtime import use_bundled_node

use_bundled_node()

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

if __name__ == "__main__":
    outdir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="empty-cdk-")
    app = cdk.App(outdir=outdir)
    cdk.Stack(app, "Empty", env=cdk.Environment(account="111111111111", region="ap-northeast-1"))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
