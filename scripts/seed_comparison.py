"""Recovery budget of prod with the seed's settings vs this project's defaults.

    python -m scripts.seed_comparison

The seed (the lab this project grew from) checked /health every 30 s with 3 failures to mark a
target unhealthy (90 s), alarmed on CPU over 2 x 5-minute periods (10 min) and planned 4 h for a
region. Both columns come from synthesized templates through tools.recovery_budget.
"""

from __future__ import annotations

import copy
import tempfile

from stacks.node_runtime import use_bundled_node

use_bundled_node()

from stacks.application import build_app, project_context  # noqa: E402
from tools.recovery_budget import compute_budget, fmt_duration  # noqa: E402

SEED = {
    "health_check": {
        "interval_seconds": 30,
        "timeout_seconds": 5,
        "unhealthy_threshold": 3,
        "healthy_threshold": 5,
    },
    "alarms": {
        "cpu": {"period_seconds": 300, "evaluation_periods": 2, "datapoints_to_alarm": 2},
        "memory": {"period_seconds": 300, "evaluation_periods": 2, "datapoints_to_alarm": 2},
    },
}


def _budget(overrides: dict | None):
    context = copy.deepcopy(project_context())
    context["env"] = "prod"
    if overrides:
        for key, value in overrides.items():
            context["environments"]["prod"][key] = {**context["environments"]["prod"].get(key, {}), **value}
    outdir = tempfile.mkdtemp(prefix="budget-")
    app, _, _ = build_app(context, outdir=outdir, nag=False, builtin_validation=False)
    app.synth()
    return compute_budget(outdir, env="prod")["prod"]


def main() -> None:
    seed, ours = _budget(SEED), _budget(None)
    print(f"{'scenario':<20} {'seed settings':>14} {'our defaults':>14}")
    for key in (
        "instance_crash",
        "process_hung",
        "cpu_saturation",
        "memory_pressure",
        "az_loss",
        "region_loss",
    ):
        a, b = seed[key], ours[key]
        print(f"{key:<20} {fmt_duration(a.total_seconds):>14} {fmt_duration(b.total_seconds):>14}")


if __name__ == "__main__":
    main()
