"""Builds the pipeline app: the delivery pipeline stack with every environment's stage inside it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk

from stacks.application import context_flag
from stacks.config import AppConfig, ConfigError, load_config
from stacks.pipeline.config import DeliveryConfig, load_delivery_config
from stacks.pipeline.pipeline_stack import DeliveryPipelineStack
from stacks.stage import EnvironmentStage

#: The context flag that synthesizes the pipeline instead of the environments: ``-c pipeline=true``.
PIPELINE_FLAG = "pipeline"


def _flag(context: Mapping[str, Any] | None, key: str, *, default: bool) -> bool:
    """A true/false context value, read as the environments' app reads it (one parser)."""
    return context_flag(context, key, default=default)


def pipeline_requested(context: Mapping[str, Any] | None) -> bool:
    """Whether the context asks for the pipeline (``-c pipeline=true``)."""
    return _flag(context, PIPELINE_FLAG, default=False)


def create_pipeline_app(
    context: Mapping[str, Any] | None = None,
    *,
    outdir: str | None = None,
    nag: bool = True,
    builtin_validation: bool | None = None,
) -> tuple[cdk.App, AppConfig, DeliveryConfig]:
    """The app (cdk-nag attached) and the validated configs, before any stage or stack exists.

    ``nag`` adds cdk-nag's AwsSolutions pack at the app: on ``app.synth()`` it checks the pipeline
    stack, its cross-region support stacks and every stack of every stage (an app-level validation
    plugin reads the nested stage assemblies too), and any unacknowledged finding fails the synth.
    ``builtin_validation``: aws-cdk-lib's own CloudFormation validation. Default: the context key
    ``builtin_validation`` (as ``build_app``).
    """
    if builtin_validation is None:
        builtin_validation = _flag(context, "builtin_validation", default=True)
    app = cdk.App(
        context=dict(context) if context is not None else None,
        outdir=outdir,
        builtin_cloud_formation_validation=builtin_validation,
    )
    if nag:
        from cdk_nag import AwsSolutionsChecks

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    if app.node.try_get_context("env"):
        raise ConfigError(
            f"-c env={app.node.try_get_context('env')} with -c {PIPELINE_FLAG}=true: the pipeline deploys "
            "every environment of delivery.environments; drop -c env."
        )
    config = load_config(
        {
            "app_name": app.node.try_get_context("app_name") or "webapp",
            "environments": app.node.try_get_context("environments"),
            "defaults": app.node.try_get_context("defaults") or {},
        }
    )
    delivery = load_delivery_config({"delivery": app.node.try_get_context("delivery")}, config)
    return app, config, delivery


def build_pipeline_app(
    context: Mapping[str, Any] | None = None,
    *,
    outdir: str | None = None,
    nag: bool = True,
    builtin_validation: bool | None = None,
) -> tuple[cdk.App, AppConfig, DeliveryConfig, DeliveryPipelineStack]:
    """The app with the pipeline stack (``Delivery``) and, next to it, one stage per environment of
    ``delivery.environments`` (the same ``EnvironmentStage`` as ``build_app``'s, same paths).

    Arguments as :func:`create_pipeline_app`.
    """
    app, config, delivery = create_pipeline_app(
        context, outdir=outdir, nag=nag, builtin_validation=builtin_validation
    )
    stages = [EnvironmentStage(app, config.environments[name]) for name in delivery.environments]
    stack = DeliveryPipelineStack(app, "Delivery", app_name=config.app_name, delivery=delivery, stages=stages)
    return app, config, delivery, stack
