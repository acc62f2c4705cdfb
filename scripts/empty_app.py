"""The baseline for synth timings: one empty stack, with the same settings as app.py (cdk-nag on;
aws-cdk-lib's built-in validation as cdk.json's ``builtin_validation``, or on with ``--builtin-validation``).

    python -m scripts.empty_app [outdir] [--builtin-validation]
"""

from __future__ import annotations

import sys
import tempfile

from stacks.node_runtime import use_bundled_node

use_bundled_node()

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from stacks.application import project_context  # noqa: E402

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    builtin = "--builtin-validation" in sys.argv or bool(project_context().get("builtin_validation"))
    outdir = args[0] if args else tempfile.mkdtemp(prefix="empty-cdk-")
    app = cdk.App(outdir=outdir, builtin_cloud_formation_validation=builtin)
    cdk.Stack(app, "Empty", env=cdk.Environment(account="111111111111", region="ap-northeast-1"))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
