"""cdk-nag for apps built with this library: rule packs on the synth, and findings acknowledged with a reason.

cdk-nag 3 runs as a CDK validation plugin (``cdk.Validations.of(app).add_plugins(...)``), not as an
Aspect: registered on the app, it checks every stack, including stacks inside a ``cdk.Stage`` (also a
Stage nested in a pipeline stack). Any unacknowledged finding makes ``app.synth()`` fail with
``ValidationFailed``; the report is written to ``<outdir>/validation-report.json``.

::

    app = cdk.App()
    apply_nag(app)                      # AWS Solutions pack
    MyStage(app, "Prod")
    app.synth()

cdk-nag is an optional dependency (``pip install "self-healing-web[nag]"``): only :func:`apply_nag`
and :func:`add_aws_solutions_checks` need it. :func:`acknowledge` and :func:`nag_arn` use aws-cdk-lib's
own ``Validations`` API, so the constructs acknowledge their findings whether or not an app runs cdk-nag.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

__all__ = ["NAG_EXTRA", "PACKS", "acknowledge", "add_aws_solutions_checks", "apply_nag", "nag_arn"]

NAG_EXTRA = 'pip install "self-healing-web[nag]"'
"""How to install cdk-nag in the version range this library is tested with."""

PACKS = MappingProxyType(
    {
        "AwsSolutions": "AwsSolutionsChecks",
        "HIPAA.Security": "HIPAASecurityChecks",
        "NIST.800.53.R4": "NIST80053R4Checks",
        "NIST.800.53.R5": "NIST80053R5Checks",
        "PCI.DSS.321": "PCIDSS321Checks",
        "Serverless": "ServerlessChecks",
    }
)
"""cdk-nag 3's rule packs, by the prefix of their rule ids (``AwsSolutions-IAM5``) -> class name."""


def apply_nag(
    scope: cdk.Stage, *, packs: Sequence[str] = ("AwsSolutions",), verbose: bool = False
) -> list[Any]:
    """Check every stack under ``scope`` with cdk-nag's ``packs`` when it is synthesized.

    :param scope: The app, or a ``cdk.Stage`` (CDK registers validation plugins only there).
    :param packs: Rule packs by prefix, see :data:`PACKS`. Default: ``AwsSolutions`` only.
    :param verbose: Explain each finding at length. Default: false (rule id and short reason).
    :returns: The registered ``NagPack`` plugins.
    :raises ImportError: when cdk-nag is not installed, naming :data:`NAG_EXTRA`.
    :raises ValueError: for an unknown pack, or a scope that is not a Stage.
    """
    if not cdk.Stage.is_stage(scope):
        raise ValueError(
            f"apply_nag needs the app or a cdk.Stage, got {scope.node.path or 'the app'!r} "
            f"({type(scope).__name__}): CDK registers validation plugins on a Stage only; pass the app."
        )
    unknown = [p for p in packs if p not in PACKS]
    if unknown or not packs:
        raise ValueError(f"packs ({list(packs)!r}) must name one or more of {', '.join(PACKS)}.")
    module = _cdk_nag()
    plugins = [getattr(module, PACKS[pack])(scope, verbose=verbose) for pack in dict.fromkeys(packs)]
    cdk.Validations.of(scope).add_plugins(*plugins)
    return plugins


def add_aws_solutions_checks(app: cdk.Stage, *, verbose: bool = False) -> Any:
    """Check every stack of ``app`` with cdk-nag's AWS Solutions pack; returns the plugin.

    :param verbose: Explain each finding at length. Default: false.
    """
    (plugin,) = apply_nag(app, packs=("AwsSolutions",), verbose=verbose)
    return plugin


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` (exact id, e.g. ``AwsSolutions-IAM5[Resource::*]``) on ``scope``."""
    if len(reason) < 20:
        raise ValueError(f"acknowledgement of {rule_id} needs a specific reason, got {reason!r}.")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


def nag_arn(scope: IConstruct, service: str, resource: str) -> str:
    """An ARN of ``scope``'s stack as cdk-nag writes it in finding ids.

    Literal region/account when the stack has them, ``<AWS::Region>``/``<AWS::AccountId>`` when not;
    the partition is always ``<AWS::Partition>`` (the app keeps partition literals off).
    """
    stack = cdk.Stack.of(scope)
    region = "<AWS::Region>" if cdk.Token.is_unresolved(stack.region) else stack.region
    account = "<AWS::AccountId>" if cdk.Token.is_unresolved(stack.account) else stack.account
    return f"arn:<AWS::Partition>:{service}:{region}:{account}:{resource}"


def _cdk_nag() -> Any:
    try:
        return importlib.import_module("cdk_nag")
    except ImportError as error:
        raise ImportError(
            f"cdk-nag is not installed, and apply_nag needs it: {NAG_EXTRA} (cdk-nag 3).",
            name="cdk_nag",
        ) from error
