"""Environments and stack paths of the whole app, known at collection time (for parametrized tests)."""

from __future__ import annotations

from collections.abc import Collection

from stacks.application import ROOT, project_context
from stacks.config import AppConfig, load_config

LAYERS = ("Network", "Compute", "Data", "Monitoring", "DR")


def _config() -> AppConfig:
    ctx = project_context(ROOT)
    return load_config(
        {
            "app_name": ctx.get("app_name"),
            "environments": ctx["environments"],
            "defaults": ctx.get("defaults", {}),
        }
    )


def environment_names() -> list[str]:
    return list(_config().environments)


def all_stack_paths(*, environments: Collection[str] | None = None) -> list[str]:
    """``Stage/Region-Layer`` of every stack, or of the named environments' (``["prod"]``) only."""
    return [
        path
        for env in _config().environments.values()
        if environments is None or env.name in environments
        for path in [
            *(f"{env.stage_name}/{rc.label}-{layer}" for rc in env.regions for layer in LAYERS),
            f"{env.stage_name}/Global",
        ]
    ]
