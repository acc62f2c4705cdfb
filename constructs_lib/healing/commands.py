"""InstanceCommands: the one Run Command document healing sends to instances, and the runbook too.

Its steps are fixed (read-only diagnostics; restart the application's unit and verify its health
endpoint); the sender chooses only which (``Action``, from a list) and the values of typed,
pattern-constrained parameters. So the permission to send it is not the permission to run any command
as root, which ``AWS-RunShellScript`` would be: healing's ``ssm:SendCommand`` is allowed on this
document only (see :meth:`InstanceCommands.grant_send`).

The script is :func:`instance_commands_document`, a pure function (tests run its shell with stub
``systemctl`` and ``curl``). Its output lines the handler reads are the contract's
``COMMAND_*_MARKER`` names.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib._core import AppProbe
from constructs_lib.healing.runtime import contract

__all__ = [
    "ACTIONS",
    "MAX_RETRY_COUNT",
    "PORT_PATTERN",
    "InstanceCommands",
    "instance_commands_document",
]

ACTIONS: tuple[str, ...] = (contract.COMMAND_ACTION_DIAGNOSTICS, contract.COMMAND_ACTION_RESTART)
"""What the document can do: the ``Action`` parameter's allowed values."""

MAX_RETRY_COUNT = 5
"""Restarts after the first one, at most (the step's timeout always holds: 6 rounds of <= 60 s)."""

STEP_TIMEOUT_SECONDS = 600
"""The shell step's own timeout (``aws:runShellScript`` input ``timeoutSeconds``)."""

PORT_PATTERN = r"^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"
"""1-65535 as text. Numbers are ``String`` parameters with a pattern: the ``runCommand`` input of
``aws:runShellScript`` takes strings only (Systems Manager User Guide, "Data elements and parameters":
"To use a number as a parameter value, use String as the parameter type"; ``allowedPattern`` is RE2)."""

PROBES_PER_ROUND = 10
"""Health probes after each restart, at most."""
PROBE_TIMEOUT_SECONDS = 3
"""Each probe's own limit (``curl -m``)."""
PROBE_PAUSE_SECONDS = 3
"""Pause between two probes."""
RESTART_ROUND_SECONDS = PROBES_PER_ROUND * (PROBE_TIMEOUT_SECONDS + PROBE_PAUSE_SECONDS)
"""Longest a restart round probes before it gives up (or the next round restarts): 60 s. A
``RestartService`` run succeeds within ``(RetryCount + 1)`` rounds, or fails."""


def _anchored(pattern: str) -> str:
    return f"^{pattern}$"


def instance_commands_document(*, app_probe: AppProbe, retry_count: int = 2) -> dict[str, Any]:
    """The Command document (schema 2.2) as a ``dict``; defaults of its parameters from ``app_probe``.

    ``Action=Diagnostics``: uptime, ``top``, processes by CPU and memory, ``free``, ``df``, the unit's
    status and journal; changes nothing. ``Action=RestartService``: ``systemctl restart -- <unit>``,
    then probe ``http://127.0.0.1:<port><path>`` up to 10 times 3 s apart; unhealthy, restart again,
    ``RetryCount`` times at most; print ``AUTOHEAL_RESTART_RC=``, ``AUTOHEAL_HEALTH=ok|fail`` and
    ``AUTOHEAL_MEM_USED_PERCENT=`` lines; exit 0 only when healthy (the invocation ends ``Failed``
    otherwise, which an Automation ``aws:runCommand`` step can branch on).
    """
    if not 0 <= retry_count <= MAX_RETRY_COUNT:
        raise ValueError(f"retry_count ({retry_count}) must be 0-{MAX_RETRY_COUNT}.")
    health, memory, restart_rc = (
        contract.COMMAND_HEALTH_MARKER,
        contract.COMMAND_MEMORY_MARKER,
        contract.COMMAND_RESTART_RC_MARKER,
    )
    diagnostics, restart = ACTIONS
    action, unit, port, path, retries = (
        contract.COMMAND_PARAMETER_ACTION,
        contract.COMMAND_PARAMETER_UNIT,
        contract.COMMAND_PARAMETER_PORT,
        contract.COMMAND_PARAMETER_PATH,
        contract.COMMAND_PARAMETER_RETRIES,
    )
    script = [
        # Every parameter below is pattern-checked by Systems Manager before the script exists, and
        # single-quoted here: no value can carry a quote, a space, '$' or a leading '-'.
        f"unit='{{{{ {unit} }}}}'",
        f"url='http://127.0.0.1:{{{{ {port} }}}}{{{{ {path} }}}}'",
        f"retries='{{{{ {retries} }}}}'",
        f"case '{{{{ {action} }}}}' in",
        f"{diagnostics})",
        "  echo '== uptime'; uptime",
        "  echo '== top'; top -b -n 1 | head -n 30",
        "  echo '== processes by cpu'; ps -eo pid,ppid,user,%cpu,%mem,etime,comm --sort=-%cpu | head -n 15",
        "  echo '== processes by memory'; ps -eo pid,ppid,user,%cpu,%mem,rss,comm --sort=-%mem | head -n 15",
        "  echo '== memory'; free -m",
        "  echo '== disk'; df -h -x tmpfs -x devtmpfs",
        '  echo "== unit $unit"; systemctl status --no-pager -l -- "$unit" | head -n 20 || true',
        '  echo "== journal $unit"; journalctl --no-pager -n 30 -u "$unit" || true',
        "  exit 0",
        "  ;;",
        f"{restart})",
        "  state=fail",
        "  rounds=$((retries + 1))",
        '  for round in $(seq 1 "$rounds"); do',
        '    systemctl restart -- "$unit"',
        f'    echo "{restart_rc}=$?"',
        f"    for probe in $(seq 1 {PROBES_PER_ROUND}); do",
        f'      if curl -fsS -m {PROBE_TIMEOUT_SECONDS} -o /dev/null "$url"; then state=ok; break 2; fi',
        f"      sleep {PROBE_PAUSE_SECONDS}",
        "    done",
        '    echo "round $round of $rounds: $url did not answer"',
        "  done",
        f'  echo "{health}=$state"',
        "  awk '/^MemTotal:/ {t=$2} /^MemAvailable:/ {a=$2} END "
        f'{{if (t > 0) printf "{memory}=%.1f\\n", (t-a)*100/t}}\' /proc/meminfo',
        '  [ "$state" = ok ]',
        "  ;;",
        "esac",
    ]
    return {
        "schemaVersion": "2.2",
        "description": (
            "Fixed instance commands of auto-healing and the instance-recovery runbook: read-only "
            "diagnostics, or restart the application's systemd unit and verify its health endpoint."
        ),
        "parameters": {
            action: {
                "type": "String",
                "description": f"{diagnostics} (read only) or {restart} (restart the unit, verify health).",
                "allowedValues": list(ACTIONS),
            },
            unit: {
                "type": "String",
                "description": "systemd unit of the application (never starting with '-').",
                "default": app_probe.service_unit,
                "allowedPattern": _anchored(contract.SERVICE_UNIT_PATTERN),
            },
            port: {
                "type": "String",
                "description": "TCP port of the health endpoint on the instance (1-65535).",
                "default": str(app_probe.port),
                "allowedPattern": PORT_PATTERN,
            },
            path: {
                "type": "String",
                "description": "Path of the health endpoint; HTTP 2xx means healthy.",
                "default": app_probe.health_path,
                "allowedPattern": _anchored(contract.HEALTH_PATH_PATTERN),
            },
            retries: {
                "type": "String",
                "description": f"Restarts after the first while unhealthy (0-{MAX_RETRY_COUNT}).",
                "default": str(retry_count),
                "allowedPattern": f"^[0-{MAX_RETRY_COUNT}]$",
            },
        },
        "mainSteps": [
            {
                "action": "aws:runShellScript",
                "name": "InstanceCommand",
                "precondition": {"StringEquals": ["platformType", "Linux"]},
                "inputs": {"timeoutSeconds": str(STEP_TIMEOUT_SECONDS), "runCommand": script},
            }
        ],
    }


class InstanceCommands(Construct):
    """The Run Command document of healing and instance recovery (see the module docstring).

    Create one per environment and region and hand it to ``AutoHealing`` (``instance_commands``) and
    to the instance-recovery runbook, or let ``AutoHealing`` create its own.

    :param app_probe: Defaults of ``ServiceUnit``, ``HealthCheckPort``, ``HealthCheckPath``.
        Default: ``AppProbe()``.
    :param retry_count: Default of ``RetryCount``. Default: 2 (three restarts at most).
    :param document_name: The document's name. Default: generated by CloudFormation (read it from
        :attr:`document_name`).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_probe: AppProbe | None = None,
        retry_count: int = 2,
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.app_probe = app_probe or AppProbe()
        self.content = instance_commands_document(app_probe=self.app_probe, retry_count=retry_count)
        self.document = ssm.CfnDocument(
            self,
            "Resource",
            document_type="Command",
            document_format="JSON",
            content=self.content,
            name=document_name,
            target_type="/AWS::EC2::Instance",
            update_method="NewVersion",
        )
        stack = cdk.Stack.of(self)
        #: Name of the document (``SendCommand`` ``DocumentName``; ``aws:runCommand`` ``DocumentName``).
        self.document_name: str = self.document.ref
        #: ARN of the document, for policies.
        self.document_arn: str = stack.format_arn(
            service="ssm", resource="document", resource_name=self.document_name
        )

    def grant_send(
        self, grantee: iam.IGrantable, *, environment_name: str, environment_tag_key: str = "Environment"
    ) -> iam.Grant:
        """Let ``grantee`` send this document, and only this one, to instances tagged with the environment.

        ``SendCommand`` is authorized on the document and on each instance (Systems Manager, "Actions,
        resources, and condition keys": resource types ``document`` and ``instance``).
        """
        stack = cdk.Stack.of(self)
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=["ssm:SendCommand"], resource_arns=[self.document_arn]
        )
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ssm:SendCommand"],
            resource_arns=[stack.format_arn(service="ec2", resource="instance", resource_name="*")],
            conditions={"StringEquals": {f"aws:ResourceTag/{environment_tag_key}": environment_name}},
        )
        return grant
