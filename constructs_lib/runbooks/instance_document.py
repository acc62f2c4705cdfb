"""The instance-recovery Automation document (schema 0.3): :func:`instance_recovery_document`, a pure
function of its arguments; :class:`~constructs_lib.runbooks.InstanceRecoveryRunbook` publishes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from constructs_lib._core.app_probe import _UNIT as _APP_PROBE_UNIT
from constructs_lib.healing.runtime import contract
from constructs_lib.runbooks.scripts import find_auto_scaling_group
from constructs_lib.runbooks.steps import _command, _ec2_state_wait, _notify_run_topic, _script, _shell

__all__ = [
    "COMMAND_ACTIONS",
    "COMMAND_HEALTHY_OUTPUT",
    "HEALTH_FAILED_MARKER",
    "HEALTH_PASSED_MARKER",
    "instance_recovery_document",
]

# The unit is pasted into systemctl/journalctl commands: the app probe's own pattern, which never
# starts with "-" (so no value is read as an option, e.g. "-H host") and holds no shell metacharacter.
_SERVICE_UNIT = _APP_PROBE_UNIT.pattern
_HEALTH_PATH = f"^{contract.HEALTH_PATH_PATTERN}$"  # the handler's own pattern, anchored
_INSTANCE_ID = r"^i-[a-f0-9]{8,17}$"
_TOPIC_ARN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$"
_MAX_RETRIES = 5  # the health probe loop is capped so the step's timeout always holds

HEALTH_PASSED_MARKER = "HEALTH_CHECK_PASSED"
HEALTH_FAILED_MARKER = "HEALTH_CHECK_FAILED"

# The interface of the healing package's Command document (InstanceCommands), which the runbook runs
# when given its name: the two values of its Action parameter, the line its restart prints once the
# health endpoint answers, and its shell step's own timeout.
COMMAND_ACTIONS = ("Diagnostics", "RestartService")
COMMAND_HEALTHY_OUTPUT = "AUTOHEAL_HEALTH=ok"
COMMAND_STEP_TIMEOUT_SECONDS = 600
# 1-65535 as text (Command document parameters take numbers as String with a pattern).
_PORT = r"^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"


def instance_recovery_document(
    *,
    automation_role_arn: str,
    default_topic_arn: str,
    service_unit: str = "webapp",
    health_check_port: int = 8080,
    health_check_path: str = "/health",
    retry_count: int = 2,
    output_log_group_name: str | None = None,
    command_document_name: str | None = None,
) -> dict[str, Any]:
    """The instance-recovery Automation document (schema 0.3) as a ``dict``.

    Flow: describe the instance -> notify "started" -> is it an Auto Scaling group member (its
    ``aws:autoscaling:groupName`` tag)? A member is never rebooted or started behind its group's back:
    it is marked ``Unhealthy`` at once and its group replaces it. Otherwise branch on its state
    (``running``: reboot and wait a minute; ``stopped``: start; ``stopping``: wait until stopped,
    then start; anything else: notify and end) -> wait until ``running`` -> wait for both EC2 status
    checks and for the SSM agent -> diagnostics through Run Command (uptime, ``top``, ``ps`` by CPU
    and memory, ``free``, ``df``, the unit's status and journal) -> restart the service unit -> probe
    ``http://127.0.0.1:<port><path>`` up to ``1 + RetryCount`` times, restarting the unit between
    failed probes -> healthy: notify "recovered"; still failing (or status checks / agent never
    OK): ``SetInstanceHealth Unhealthy`` so its Auto Scaling group replaces it and notify;
    not in a group: notify "manual intervention" and end as ``Failed``.

    With ``command_document_name`` the diagnostics and the restart-and-verify run that Command
    document (the healing package's ``InstanceCommands``: ``Action`` = ``Diagnostics`` or
    ``RestartService``, typed parameters; its restart exits non-zero while unhealthy and prints
    ``AUTOHEAL_HEALTH=ok`` once healthy) instead of shell lines through ``AWS-RunShellScript``; the
    port and retry count are then ``String`` parameters with patterns, as that document takes them.

    The defaults of the parameters come from the arguments; callers may override each per run.
    """
    if output_log_group_name:
        cloudwatch_output = {
            "CloudWatchOutputEnabled": True,
            "CloudWatchLogGroupName": output_log_group_name,
        }
    else:
        cloudwatch_output = None

    def with_output(step: dict[str, Any]) -> dict[str, Any]:
        if cloudwatch_output:
            step["inputs"]["CloudWatchOutputConfig"] = cloudwatch_output
        return step

    if command_document_name is None:
        run_command_steps = _shell_steps(with_output)
        healthy_marker = HEALTH_PASSED_MARKER
    else:
        run_command_steps = _command_steps(command_document_name, with_output)
        healthy_marker = COMMAND_HEALTHY_OUTPUT
    state = "{{ DescribeInstance.State }}"
    instance = "{{ InstanceId }}"
    execution = "{{ automation:EXECUTION_ID }}"
    return {
        "schemaVersion": "0.3",
        "description": (
            "# Instance recovery\n\n"
            "Reboots a running instance or starts a stopped one, waits for its status checks and "
            "SSM agent, captures diagnostics, restarts the web service unit and verifies its "
            "health endpoint. If the instance stays unhealthy it is marked Unhealthy in its Auto "
            "Scaling group (which replaces it); a standalone instance is escalated to a human."
        ),
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "InstanceId": {
                "type": "String",
                "description": "(Required) The EC2 instance to recover.",
                "allowedPattern": _INSTANCE_ID,
            },
            "AutomationAssumeRole": {
                "type": "AWS::IAM::Role::Arn",
                "description": "(Optional) Role the automation runs as. Default: the runbook's own role.",
                "default": automation_role_arn,
            },
            "RetryCount": {
                "type": "Integer",
                "description": (
                    "(Optional) Health probes retried, with a service restart before each retry, "
                    f"before the instance is marked unhealthy. 0 probes once; capped at {_MAX_RETRIES}."
                ),
                "default": retry_count,
            }
            if command_document_name is None
            else {
                "type": "String",
                "description": f"(Optional) Restarts after the first while unhealthy (0-{_MAX_RETRIES}).",
                "default": str(retry_count),
                "allowedPattern": f"^[0-{_MAX_RETRIES}]$",
            },
            "TopicArn": {
                "type": "String",
                "description": "(Optional) SNS topic told of the start and the result.",
                "default": default_topic_arn,
                "allowedPattern": _TOPIC_ARN,
            },
            "ServiceUnit": {
                "type": "String",
                "description": "(Optional) systemd unit of the web service.",
                "default": service_unit,
                "allowedPattern": _SERVICE_UNIT,
            },
            "HealthCheckPort": {
                "type": "Integer",
                "description": "(Optional) Port of the health endpoint on the instance.",
                "default": health_check_port,
            }
            if command_document_name is None
            else {
                "type": "String",
                "description": "(Optional) Port of the health endpoint on the instance (1-65535).",
                "default": str(health_check_port),
                "allowedPattern": _PORT,
            },
            "HealthCheckPath": {
                "type": "String",
                "description": "(Optional) Path of the health endpoint; HTTP 200 means healthy.",
                "default": health_check_path,
                "allowedPattern": _HEALTH_PATH,
            },
        },
        "mainSteps": [
            {
                "name": "DescribeInstance",
                "action": "aws:executeAwsApi",
                "maxAttempts": 3,
                "inputs": {"Service": "ec2", "Api": "DescribeInstances", "InstanceIds": [instance]},
                "outputs": [
                    {
                        "Name": "State",
                        "Selector": "$.Reservations[0].Instances[0].State.Name",
                        "Type": "String",
                    }
                ],
            },
            _notify_run_topic(
                "NotifyStart",
                "Instance recovery started",
                f"Recovery of {instance} started (state: {state}). Execution {execution}.",
                isCritical=False,
                onFailure="Continue",
                nextStep="CheckGroupMembership",
            ),
            _script(
                "CheckGroupMembership",
                find_auto_scaling_group,
                {"InstanceId": instance},
                outputs=[("IsMember", "Boolean"), ("AutoScalingGroupName", "String")],
                timeoutSeconds=120,
                # Unknown membership: do not reboot what might be a group member; tell a human.
                onFailure="step:NotifyManualIntervention",
            ),
            {
                "name": "IsGroupMember",
                "action": "aws:branch",
                "inputs": {
                    "Choices": [
                        {
                            "NextStep": "MarkUnhealthy",
                            "Variable": "{{ CheckGroupMembership.IsMember }}",
                            "BooleanEquals": True,
                        }
                    ],
                    "Default": "ChooseRecovery",
                },
            },
            {
                "name": "ChooseRecovery",
                "action": "aws:branch",
                "inputs": {
                    "Choices": [
                        {"NextStep": "RebootInstance", "Variable": state, "StringEquals": "running"},
                        {"NextStep": "StartInstance", "Variable": state, "StringEquals": "stopped"},
                        {"NextStep": "WaitUntilStopped", "Variable": state, "StringEquals": "stopping"},
                    ],
                    "Default": "NotifyNotRecoverable",
                },
            },
            {
                "name": "RebootInstance",
                "action": "aws:executeAwsApi",
                "maxAttempts": 3,
                "inputs": {"Service": "ec2", "Api": "RebootInstances", "InstanceIds": [instance]},
                "nextStep": "WaitAfterReboot",
            },
            {
                # A reboot leaves the state "running" and the last status checks "ok": give the
                # instance time to go down before anything is checked.
                "name": "WaitAfterReboot",
                "action": "aws:sleep",
                "inputs": {"Duration": "PT60S"},
                "nextStep": "WaitUntilRunning",
            },
            _ec2_state_wait("WaitUntilStopped", "stopped", 600, nextStep="StartInstance"),
            {
                "name": "StartInstance",
                "action": "aws:changeInstanceState",
                "timeoutSeconds": 600,
                "inputs": {"InstanceIds": [instance], "DesiredState": "running"},
                "nextStep": "WaitUntilRunning",
            },
            _ec2_state_wait("WaitUntilRunning", "running", 600, onFailure="step:MarkUnhealthy"),
            {
                "name": "WaitForInstanceStatusOk",
                "action": "aws:waitForAwsResourceProperty",
                "timeoutSeconds": 900,
                "onFailure": "step:MarkUnhealthy",
                "inputs": {
                    "Service": "ec2",
                    "Api": "DescribeInstanceStatus",
                    "InstanceIds": [instance],
                    "PropertySelector": "$.InstanceStatuses[0].InstanceStatus.Status",
                    "DesiredValues": ["ok"],
                },
            },
            {
                "name": "WaitForSystemStatusOk",
                "action": "aws:waitForAwsResourceProperty",
                "timeoutSeconds": 900,
                "onFailure": "step:MarkUnhealthy",
                "inputs": {
                    "Service": "ec2",
                    "Api": "DescribeInstanceStatus",
                    "InstanceIds": [instance],
                    "PropertySelector": "$.InstanceStatuses[0].SystemStatus.Status",
                    "DesiredValues": ["ok"],
                },
            },
            {
                "name": "WaitForSsmAgent",
                "action": "aws:waitForAwsResourceProperty",
                "timeoutSeconds": 600,
                "onFailure": "step:MarkUnhealthy",
                "inputs": {
                    "Service": "ssm",
                    "Api": "DescribeInstanceInformation",
                    "Filters": [{"Key": "InstanceIds", "Values": [instance]}],
                    "PropertySelector": "$.InstanceInformationList[0].PingStatus",
                    "DesiredValues": ["Online"],
                },
            },
            *run_command_steps,
            {
                "name": "EvaluateHealth",
                "action": "aws:branch",
                "inputs": {
                    "Choices": [
                        {
                            "NextStep": "NotifyRecovered",
                            "Variable": "{{ VerifyHealth.Output }}",
                            "Contains": healthy_marker,
                        }
                    ],
                    "Default": "MarkUnhealthy",
                },
            },
            {
                # Fails (InvalidInstanceId / ValidationError) for an instance outside any group:
                # the execution then ends Failed after telling a human.
                "name": "MarkUnhealthy",
                "action": "aws:executeAwsApi",
                "onFailure": "step:NotifyManualIntervention",
                "inputs": {
                    "Service": "autoscaling",
                    "Api": "SetInstanceHealth",
                    "InstanceId": instance,
                    "HealthStatus": "Unhealthy",
                    "ShouldRespectGracePeriod": False,
                },
                "nextStep": "NotifyReplacing",
            },
            _notify_run_topic(
                "NotifyRecovered",
                "Instance recovered",
                f"{instance} is healthy again after recovery. Execution {execution}.",
                isEnd=True,
            ),
            _notify_run_topic(
                "NotifyReplacing",
                "Instance marked unhealthy",
                f"{instance} did not recover, or is a member of an Auto Scaling group (never rebooted "
                f"by this runbook); it is marked Unhealthy and its group replaces it. Execution "
                f"{execution}.",
                isEnd=True,
            ),
            _notify_run_topic(
                "NotifyManualIntervention",
                "Instance recovery needs a human",
                f"{instance} did not recover and is not in an Auto Scaling group (or its membership "
                f"could not be read): manual intervention needed. Diagnostics are in execution "
                f"{execution}.",
                isEnd=True,
            ),
            _notify_run_topic(
                "NotifyNotRecoverable",
                "Instance recovery skipped",
                f"{instance} is {state}; this runbook only recovers running, stopping or stopped "
                f"instances. Execution {execution}.",
                isEnd=True,
            ),
        ],
        "outputs": ["DescribeInstance.State", "VerifyHealth.Output"],
    }


def _shell_steps(with_output: Callable[[dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    """Diagnostics, restart and probe as shell lines through ``AWS-RunShellScript``."""
    url = "http://127.0.0.1:{{ HealthCheckPort }}{{ HealthCheckPath }}"
    return [
        with_output(
            _shell(
                "CollectDiagnostics",
                [
                    "echo '=== uptime ==='; uptime",
                    "echo '=== top ==='; top -b -n 1 | head -n 25",
                    "echo '=== processes by cpu ==='",
                    "ps -eo pid,user,%cpu,%mem,rss,etime,comm --sort=-%cpu | head -n 15",
                    "echo '=== processes by memory ==='",
                    "ps -eo pid,user,%mem,rss,comm --sort=-%mem | head -n 10",
                    "echo '=== memory ==='; free -m",
                    "echo '=== disk ==='; df -h -x tmpfs -x devtmpfs",
                    "echo '=== unit ==='",
                    "systemctl status {{ ServiceUnit }} --no-pager -l | head -n 20 || true",
                    "echo '=== journal ==='",
                    "journalctl -u {{ ServiceUnit }} -n 30 --no-pager || true",
                ],
                300,
                isCritical=False,
                onFailure="Continue",
            )
        ),
        with_output(
            _shell(
                "RestartService",
                [
                    "systemctl restart {{ ServiceUnit }}",
                    "sleep 5",
                    "systemctl is-active {{ ServiceUnit }}",
                ],
                120,
                isCritical=False,
                onFailure="Continue",
            )
        ),
        with_output(
            _shell(
                "VerifyHealth",
                [
                    "retries={{ RetryCount }}",
                    f'if [ "$retries" -gt {_MAX_RETRIES} ]; then retries={_MAX_RETRIES}; fi',
                    'if [ "$retries" -lt 0 ]; then retries=0; fi',
                    "attempts=$((retries + 1))",
                    'for attempt in $(seq 1 "$attempts"); do',
                    f"  code=$(curl -s -o /dev/null -w '%{{http_code}}' --max-time 5 '{url}' || true)",
                    '  if [ "$code" = "200" ]; then',
                    f'    echo "{HEALTH_PASSED_MARKER} attempt=$attempt"; exit 0',
                    "  fi",
                    '  echo "attempt $attempt/$attempts: HTTP $code"',
                    '  if [ "$attempt" -lt "$attempts" ]; then',
                    "    systemctl restart {{ ServiceUnit }}; sleep 15",
                    "  fi",
                    "done",
                    f'echo "{HEALTH_FAILED_MARKER}"',
                ],
                (_MAX_RETRIES + 1) * 40,
                onFailure="step:MarkUnhealthy",
            )
        ),
    ]


def _command_steps(
    document_name: str, with_output: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Diagnostics, then restart-and-verify, through the account's own Command document."""
    probe = {
        "ServiceUnit": "{{ ServiceUnit }}",
        "HealthCheckPort": "{{ HealthCheckPort }}",
        "HealthCheckPath": "{{ HealthCheckPath }}",
    }
    diagnostics, restart = COMMAND_ACTIONS
    return [
        with_output(
            _command(
                "CollectDiagnostics",
                document_name,
                {"Action": diagnostics, **probe},
                300,
                isCritical=False,
                onFailure="Continue",
            )
        ),
        # Restarts, probes and retries on the instance; the invocation fails while unhealthy.
        with_output(
            _command(
                "VerifyHealth",
                document_name,
                {"Action": restart, **probe, "RetryCount": "{{ RetryCount }}"},
                COMMAND_STEP_TIMEOUT_SECONDS,
                onFailure="step:MarkUnhealthy",
            )
        ),
    ]
