"""Stack paths of the whole app, known at collection time (for parametrized tests)."""

from __future__ import annotations

from stacks.application import ROOT, project_context
from stacks.config.loader import load_config


def all_stack_paths() -> list[str]:
    ctx = project_context(ROOT)
    config = load_config(
        {
            "app_name": ctx.get("app_name"),
            "environments": ctx["environments"],
            "defaults": ctx.get("defaults", {}),
        }
    )
    layers = ("Network", "Compute", "Data", "Monitoring", "DR")
    return [
        path
        for env in config.environments.values()
        for path in [
            *(f"{env.stage_name}/{rc.label}-{layer}" for rc in env.regions for layer in layers),
            f"{env.stage_name}/Global",
        ]
    ]
