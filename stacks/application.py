"""Builds the CDK app from context: used by app.py, the tests and the tools alike."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from stacks.config import AppConfig, load_config
from stacks.config.values import check_flag
from stacks.stage import EnvironmentStage

ROOT = Path(__file__).resolve().parent.parent


def project_context(root: Path = ROOT) -> dict[str, Any]:
    """The context the CDK CLI would pass: cdk.json's ``context`` plus cdk.context.json."""
    context: dict[str, Any] = {}
    cdk_json = root / "cdk.json"
    if cdk_json.exists():
        context.update(json.loads(cdk_json.read_text()).get("context", {}))
    cached = root / "cdk.context.json"
    if cached.exists():
        context.update(json.loads(cached.read_text()))
    return context


def context_flag(context: Mapping[str, Any] | None, key: str, *, default: bool) -> bool:
    """A boolean context value from the given context, or from what the CDK CLI passes.

    ``true``/``false`` only (``-c key=true`` arrives as a string); anything else raises ConfigError.
    """
    source = context if context is not None else json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}")
    return check_flag(key, source.get(key, default))


def build_app(
    context: Mapping[str, Any] | None = None,
    *,
    outdir: str | None = None,
    nag: bool = True,
    builtin_validation: bool | None = None,
) -> tuple[cdk.App, AppConfig, list[EnvironmentStage]]:
    """Create the app with one stage per selected environment (context ``env``; all by default).

    ``nag`` adds cdk-nag's AwsSolutions pack as a validation plugin: any unacknowledged finding
    fails the synth. ``builtin_validation`` is aws-cdk-lib's own CloudFormation validation (an
    embedded, older cfn-lint, ~2.5 s per synth of this app). Default: the context key
    ``builtin_validation`` (``false`` in cdk.json: ``make synth`` and the suite run the pinned
    cfn-lint over every template instead, so ``cdk diff``/``deploy`` do not pay for it each time).
    """
    if builtin_validation is None:
        builtin_validation = context_flag(context, "builtin_validation", default=True)
    app = cdk.App(
        context=dict(context) if context is not None else None,
        outdir=outdir,
        builtin_cloud_formation_validation=builtin_validation,
    )
    raw = {
        "app_name": app.node.try_get_context("app_name") or "webapp",
        "environments": app.node.try_get_context("environments"),
        "defaults": app.node.try_get_context("defaults") or {},
    }
    config = load_config(raw)
    stages = [EnvironmentStage(app, env) for env in config.selected(app.node.try_get_context("env"))]
    if nag:
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, config, stages
