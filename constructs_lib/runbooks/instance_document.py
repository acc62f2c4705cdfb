"""The instance-recovery Automation document (schema 0.3): :func:`instance_recovery_document`, a pure
function of its arguments; :class:`~constructs_lib.runbooks.InstanceRecoveryRunbook` publishes it."""

from __future__ import annotations

from typing import Any

from constructs_lib._core.app_probe import _UNIT as _APP_PROBE_UNIT
from constructs_lib.runbooks.steps import _ec2_state_wait, _notify_run_topic, _shell

__all__ = ["HEALTH_FAILED_MARKER", "HEALTH_PASSED_MARKER", "instance_recovery_document"]

# The unit is pasted into systemctl/journalctl commands: the app probe's own pattern, which never
# starts with "-" (so no value is read as an option, e.g. "-H host") and holds no shell metacharacter.
_SERVICE_UNIT = _APP_PROBE_UNIT.pattern
_HEALTH_PATH = r"^/[A-Za-z0-9_./~-]{0,200}$"
_INSTANCE_ID = r"^i-[a-f0-9]{8,17}$"
_TOPIC_ARN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$"
_MAX_RETRIES = 5  # the health probe loop is capped so the step's timeout always holds

HEALTH_PASSED_MARKER = "HEALTH_CHECK_PASSED"
HEALTH_FAILED_MARKER = "HEALTH_CHECK_FAILED"


def instance_recovery_document(
    *,
    automation_role_arn: str,
    default_topic_arn: str,
    service_unit: str = "webapp",
    health_check_port: int = 8080,
    health_check_path: str = "/health",
    retry_count: int = 2,
    output_log_group_name: str | None = None,
) -> dict[str, Any]:
    """The instance-recovery Automation document (schema 0.3) as a ``dict``.

    Flow: describe the instance -> notify "started" -> branch on its state (``running``: reboot
    and wait a minute; ``stopped``: start; ``stopping``: wait until stopped, then start; anything
    else: notify and end) -> wait until ``running`` -> wait for both EC2 status checks and for the
    SSM agent -> diagnostics through Run Command (uptime, ``top``, ``ps`` by CPU and memory,
    ``free``, ``df``, the unit's status and journal) -> restart the service unit -> probe
    ``http://127.0.0.1:<port><path>`` up to ``1 + RetryCount`` times, restarting the unit between
    failed probes -> healthy: notify "recovered"; still failing (or status checks / agent never
    OK): ``SetInstanceHealth Unhealthy`` so its Auto Scaling group replaces it and notify;
    not in a group: notify "manual intervention" and end as ``Failed``.

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

    state = "{{ DescribeInstance.State }}"
    instance = "{{ InstanceId }}"
    execution = "{{ automation:EXECUTION_ID }}"
    url = "http://127.0.0.1:{{ HealthCheckPort }}{{ HealthCheckPath }}"
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
                nextStep="ChooseRecovery",
            ),
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
            {
                "name": "EvaluateHealth",
                "action": "aws:branch",
                "inputs": {
                    "Choices": [
                        {
                            "NextStep": "NotifyRecovered",
                            "Variable": "{{ VerifyHealth.Output }}",
                            "Contains": HEALTH_PASSED_MARKER,
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
                f"{instance} did not recover; it is marked Unhealthy and its Auto Scaling group "
                f"replaces it. Diagnostics are in execution {execution}.",
                isEnd=True,
            ),
            _notify_run_topic(
                "NotifyManualIntervention",
                "Instance recovery needs a human",
                f"{instance} did not recover and is not in an Auto Scaling group: manual "
                f"intervention needed. Diagnostics are in execution {execution}.",
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
