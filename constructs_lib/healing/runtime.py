"""What the healing functions run: the handler code asset, its contract and the Powertools layer.

The code is the handler folder ``auto_heal`` (``lambda_src/auto_heal`` in the repository,
``constructs_lib/_handlers/auto_heal`` in the installed wheel), deployed as it is. Its
:mod:`contract` module names everything the construct and the handler must agree on; the construct
imports that very module, so the two cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from constructs_lib._handlers import handler_folder

try:
    from constructs_lib._handlers.auto_heal import contract
except ModuleNotFoundError:
    handler_folder("auto_heal")  # neither layout has the folder: raises FileNotFoundError naming the fix
    raise

__all__ = [
    "HANDLER_PACKAGE",
    "POWERTOOLS_LAYER_PARAMETER",
    "POWERTOOLS_VERSION",
    "contract",
    "handler_code",
    "handler_code_folder",
]

HANDLER_PACKAGE = "auto_heal"
"""The handler folder both healing functions run (entry points ``handler.handler`` and
``detector.handler``)."""

POWERTOOLS_VERSION = "3.37.0"
"""Powertools release the handler is tested with (``requirements-dev.txt`` pins the same)."""
POWERTOOLS_LAYER_PARAMETER = f"/aws/service/powertools/python/x86_64/python3.13/{POWERTOOLS_VERSION}"
"""Public SSM parameter the Powertools team publishes in every commercial region with the ARN of the
layer holding that release: resolved by CloudFormation at deploy time, so the deployed layer is the
tested release, with no version number to guess and no lookup at synth time."""

ASSET_EXCLUDE: tuple[str, ...] = ("__pycache__", "*.pyc")
"""Left out of the asset: compiled files would change its hash from one machine to the next."""


def handler_code_folder() -> Path:
    """The handler folder of this installation (source checkout or wheel).

    :raises FileNotFoundError: naming the places looked in and the fix, when neither layout has it.
    """
    return handler_folder(HANDLER_PACKAGE)


def handler_code() -> lambda_.Code:
    """The handler folder as a Lambda asset (hashed by content: the same in both layouts)."""
    return lambda_.Code.from_asset(str(handler_code_folder()), exclude=list(ASSET_EXCLUDE))
