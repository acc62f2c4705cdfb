"""Step builders of the runbooks' SSM Automation documents (schema 0.3): plain ``dict`` steps.

The DR runbooks use ``_api``, ``_wait_for_db_status``, ``_script``, ``_notify``, ``_pause_check`` and
``_set_pause``; the instance-recovery runbook the instance steps at the end, which read its
``{{ InstanceId }}`` and ``{{ TopicArn }}`` parameters.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

SCRIPT_RUNTIME = "python3.11"


def _api(name: str, service: str, api: str, **inputs_and_step: Any) -> dict[str, Any]:
    step_keys = {"outputs", "onFailure", "nextStep", "isEnd", "timeoutSeconds", "maxAttempts", "isCritical"}
    step = {k: v for k, v in inputs_and_step.items() if k in step_keys}
    inputs = {k: v for k, v in inputs_and_step.items() if k not in step_keys}
    return {
        "name": name,
        "action": "aws:executeAwsApi",
        "inputs": {"Service": service, "Api": api, **inputs},
        **step,
    }


def _wait_for_db_status(
    name: str, identifier: str, status: str, timeout_seconds: int, **step: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "action": "aws:waitForAwsResourceProperty",
        "timeoutSeconds": timeout_seconds,
        "inputs": {
            "Service": "rds",
            "Api": "DescribeDBInstances",
            "DBInstanceIdentifier": identifier,
            "PropertySelector": "$.DBInstances[0].DBInstanceStatus",
            "DesiredValues": [status],
        },
        **step,
    }


def _script(
    name: str,
    handler: Callable[[dict, Any], dict],
    payload: Mapping[str, Any],
    outputs: Sequence[tuple[str, str]] = (),
    **step: Any,
) -> dict[str, Any]:
    """An ``aws:executeScript`` step running ``handler`` (a function of :mod:`.scripts`)."""
    return {
        "name": name,
        "action": "aws:executeScript",
        "timeoutSeconds": step.pop("timeoutSeconds", 600),
        "inputs": {
            "Runtime": SCRIPT_RUNTIME,
            "Handler": handler.__name__,
            "Script": textwrap.dedent(inspect.getsource(handler)),
            "InputPayload": dict(payload),
        },
        "outputs": [
            {"Name": output, "Selector": f"$.Payload.{output}", "Type": kind} for output, kind in outputs
        ],
        **step,
    }


def _notify(name: str, topic_arn: str, subject: str, message: str, **step: Any) -> dict[str, Any]:
    return _api(name, "sns", "Publish", TopicArn=topic_arn, Subject=subject, Message=message, **step)


def _pause_check(pause_parameter_name: str, next_step: str) -> list[dict[str, Any]]:
    """Refuse to run while the environment's pause switch is on, unless ``IgnorePauseSwitch``."""
    return [
        {
            "name": "CheckPauseOverride",
            "action": "aws:branch",
            "inputs": {
                "Choices": [
                    {"NextStep": next_step, "Variable": "{{ IgnorePauseSwitch }}", "StringEquals": "true"}
                ],
                "Default": "AssertNotPaused",
            },
        },
        {
            "name": "AssertNotPaused",
            "action": "aws:assertAwsResourceProperty",
            "onFailure": "step:NotifyFailure",
            "inputs": {
                "Service": "ssm",
                "Api": "GetParameter",
                "Name": pause_parameter_name,
                "PropertySelector": "$.Parameter.Value",
                "DesiredValues": ["false"],
            },
            "nextStep": next_step,
        },
    ]


def _set_pause(name: str, pause_parameter_name: str, value: str, **step: Any) -> dict[str, Any]:
    return _api(
        name,
        "ssm",
        "PutParameter",
        Name=pause_parameter_name,
        Value=value,
        Type="String",
        Overwrite=True,
        **step,
    )


# -- instance steps ----------------------------------------------------------------------------
def _notify_run_topic(name: str, subject: str, message: str, **step: Any) -> dict[str, Any]:
    """Publish to the topic of the run's ``TopicArn`` parameter."""
    return {
        "name": name,
        "action": "aws:executeAwsApi",
        "inputs": {
            "Service": "sns",
            "Api": "Publish",
            "TopicArn": "{{ TopicArn }}",
            "Subject": subject,
            "Message": message,
        },
        **step,
    }


def _ec2_state_wait(name: str, desired: str, timeout_seconds: int, **step: Any) -> dict[str, Any]:
    return {
        "name": name,
        "action": "aws:waitForAwsResourceProperty",
        "timeoutSeconds": timeout_seconds,
        "inputs": {
            "Service": "ec2",
            "Api": "DescribeInstances",
            "InstanceIds": ["{{ InstanceId }}"],
            "PropertySelector": "$.Reservations[0].Instances[0].State.Name",
            "DesiredValues": [desired],
        },
        **step,
    }


def _shell(name: str, commands: list[str], timeout_seconds: int, **step: Any) -> dict[str, Any]:
    return {
        "name": name,
        "action": "aws:runCommand",
        "timeoutSeconds": timeout_seconds + 60,
        "inputs": {
            "DocumentName": "AWS-RunShellScript",
            "InstanceIds": ["{{ InstanceId }}"],
            "Comment": f"{name} for {{{{ automation:EXECUTION_ID }}}}",
            "Parameters": {"commands": commands, "executionTimeout": str(timeout_seconds)},
        },
        **step,
    }


def _command(
    name: str, document_name: str, parameters: dict[str, str], timeout_seconds: int, **step: Any
) -> dict[str, Any]:
    """Run Command of an account's own Command document on the run's instance (typed parameters only)."""
    return {
        "name": name,
        "action": "aws:runCommand",
        "timeoutSeconds": timeout_seconds + 60,
        "inputs": {
            "DocumentName": document_name,
            "InstanceIds": ["{{ InstanceId }}"],
            "Comment": f"{name} for {{{{ automation:EXECUTION_ID }}}}",
            "Parameters": dict(parameters),
        },
        **step,
    }
