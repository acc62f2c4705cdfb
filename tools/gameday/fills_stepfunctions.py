"""Fills for Step Functions (see :mod:`tools.gameday.moto_gaps`, which lists them in its ``GAPS``).

moto 5.2.5 runs state machines (Choice, Pass, Wait, Fail, AWS SDK tasks, Retry, Catch) in its
"parser" backend, which ``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``
switches on. Two things keep the game day from using it as it is:

- an AWS SDK task's error is named after the service as written in the ``Resource``
  (``ssm.ParameterNotFoundException``), where AWS names it in PascalCase
  (``Ssm.ParameterNotFoundException``): a ``Catch`` written for AWS never matches in moto;
- in server mode, state machines created by CloudFormation live in the plain backend, whose
  executions never run.

:func:`install_error_names` is also what unit tests use (with ``monkeypatch.setattr`` as ``patch``)
to run a synthesized definition in ``mock_aws`` with the error names AWS reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["GAPS", "aws_error_service_name", "install", "install_error_names"]

GAPS: tuple[tuple[str, str, str, str], ...] = (
    (
        "behaviour:stepfunctions:AWS SDK error names",
        "A failed AWS SDK task's error carries the service name as the Resource writes it "
        "(ssm.ParameterNotFoundException), so a Catch on the name AWS reports never matches.",
        "The service part is PascalCase as AWS names it (ssm -> Ssm; moto's own DynamoDb and Sfn "
        "kept); the error part and its 'Exception' suffix are moto's, which follow the same rule.",
        "Step Functions Developer Guide, 'AWS SDK service integrations': errors are "
        "ServiceName.ErrorName, both PascalCase, with the Exception suffix always added",
    ),
    (
        "behaviour:stepfunctions:executions",
        "Server mode: state machines created by CloudFormation live in a backend whose executions "
        "never run (moto runs them only with execute_state_machine, in another backend).",
        "State machines are created in, and served from, the backend that runs executions; their AWS "
        "SDK tasks call the emulator itself (MOTO_PORT, which the emulator sets while it runs).",
        "StartExecution (Step Functions API Reference)",
    ),
)
"""(name, lacks, fill, reference) of each fill here."""


def aws_error_service_name(service: str) -> str:
    """The service part of an AWS SDK task's error name as AWS reports it: PascalCase (``ssm`` ->
    ``Ssm``, ``dynamodb`` -> ``DynamoDb``, ``sfn`` -> ``Sfn``).

    moto's table gives the multi-word names it knows; any other service gets its first letter in
    upper case, which is right for one-word services (``ssm``, ``lambda``, ``ec2``) only: a drill
    that catches errors of a multi-word service (``acmpca`` -> ``AcmPca``) needs it added here."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    known = aws_sdk._SERVICE_ERROR_NAMES.get(service.lower())
    return known if known is not None else service[:1].upper() + service[1:]


def install(patch: Callable[[Any, str, Any], None], models: list[type], base: type) -> None:
    """Apply the Step Functions fills: ``patch`` records each change for undo (``models`` and
    ``base`` are unused: CloudFormation already models state machines)."""
    install_error_names(patch)
    _executions(patch)


def install_error_names(patch: Callable[[Any, str, Any], None]) -> None:
    """Name AWS SDK task errors as AWS does; ``patch(owner, name, value)`` sets (and records) a change."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as aws_sdk,
    )

    # moto passes the service as the Resource writes it (aws-sdk:<service>:<action>).
    patch(
        aws_sdk.StateTaskServiceAwsSdk, "_normalise_service_error_name", staticmethod(aws_error_service_name)
    )


def _executions(patch: Callable[[Any, str, Any], None]) -> None:
    import moto.stepfunctions.models as plain
    import moto.stepfunctions.responses as responses
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    def get_backend(account: str, region: str) -> Any:
        return stepfunctions_parser_backends[account][region]

    patch(responses, "get_backend", get_backend)
    # CloudFormation's model creates (updates, deletes) through this module-level name.
    patch(plain, "stepfunctions_backends", stepfunctions_parser_backends)
