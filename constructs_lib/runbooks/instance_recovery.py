"""Instance recovery (SSM Automation): reboot or start one EC2 instance, capture diagnostics, restart
its service unit and verify its health endpoint, escalating when it stays unhealthy:
:func:`instance_recovery_document` and :class:`InstanceRecoveryRunbook`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib._core.severity import SEVERITIES
from constructs_lib._core.validation import validate_name
from constructs_lib.nag import acknowledge, nag_arn
from constructs_lib.runbooks._base import grant_start
from constructs_lib.runbooks.steps import _ec2_state_wait, _notify_run_topic, _shell

__all__ = [
    "HEALTH_FAILED_MARKER",
    "HEALTH_PASSED_MARKER",
    "InstanceRecoveryRunbook",
    "instance_recovery_document",
]

_SERVICE_UNIT = r"^[A-Za-z0-9_.@-]{1,128}$"
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


class InstanceRecoveryRunbook(Construct):
    """SSM Automation runbook that recovers one EC2 instance, with its own least-privilege role.

    See :func:`instance_recovery_document` for the flow. Parameters of each run: ``InstanceId``
    (required), ``AutomationAssumeRole``, ``RetryCount``, ``TopicArn``, ``ServiceUnit``,
    ``HealthCheckPort``, ``HealthCheckPath`` (defaults from the props below).

    The role is assumed by ``ssm.amazonaws.com`` for this account's automation executions only.
    It may reboot/start instances, send Run Command (``AWS-RunShellScript`` only) to them and mark
    them unhealthy in their Auto Scaling group only where the instance or group carries the tag
    ``<environment_tag_key>=<environment_name>``; it may publish to ``notification_topics``; it
    describes instances and SSM agents everywhere (those calls have no resource-level scoping).

    :param environment_name: Value of the environment tag the runbook may act on, e.g. ``prod``.
    :param notification_topics: Topics keyed by severity the runbook may publish to.
    :param default_severity: Severity whose topic is the ``TopicArn`` default. Default: ``high``.
    :param service_unit: Default ``ServiceUnit``. Default: ``webapp``.
    :param health_check_port: Default ``HealthCheckPort``. Default: 8080.
    :param health_check_path: Default ``HealthCheckPath``. Default: ``/health``.
    :param retry_count: Default ``RetryCount``. Default: 2 (three probes).
    :param document_name: Name of the SSM document. Default: generated by CloudFormation
        (read it from :attr:`document_name`).
    :param environment_tag_key: Tag key the IAM conditions use. Default: ``Environment``.
    :param diagnostics_log_group: Also send Run Command output to this log group (the instance
        role must be allowed to write to it). Default: output stays in the command invocation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment_name: str,
        notification_topics: Mapping[str, sns.ITopic],
        default_severity: str = "high",
        service_unit: str = "webapp",
        health_check_port: int = 8080,
        health_check_path: str = "/health",
        retry_count: int = 2,
        document_name: str | None = None,
        environment_tag_key: str = "Environment",
        diagnostics_log_group: logs.ILogGroup | None = None,
    ) -> None:
        super().__init__(scope, id)
        _validate_runbook_props(
            environment_name=environment_name,
            notification_topics=notification_topics,
            default_severity=default_severity,
            service_unit=service_unit,
            health_check_port=health_check_port,
            health_check_path=health_check_path,
            retry_count=retry_count,
            document_name=document_name,
        )
        stack = cdk.Stack.of(self)
        self.environment_name = environment_name
        self.environment_tag_key = environment_tag_key

        self.role = iam.Role(
            self,
            "Role",
            description="Runs the instance-recovery runbook (SSM Automation).",
            assumed_by=iam.ServicePrincipal(
                "ssm.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="ssm", region="*", resource="automation-execution", resource_name="*"
                        )
                    },
                },
            ),
        )
        tagged = {"StringEquals": {f"aws:ResourceTag/{environment_tag_key}": environment_name}}
        instances = stack.format_arn(service="ec2", resource="instance", resource_name="*")
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="DescribeInstancesAndAgents",
                actions=[
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceStatus",
                    "ssm:DescribeInstanceInformation",
                    "ssm:ListCommands",
                    "ssm:ListCommandInvocations",
                ],
                resources=["*"],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="RecoverTaggedInstances",
                actions=["ec2:RebootInstances", "ec2:StartInstances", "ssm:SendCommand"],
                resources=[instances],
                conditions=tagged,
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="RunShellScriptDocumentOnly",
                actions=["ssm:SendCommand"],
                resources=[
                    stack.format_arn(
                        service="ssm", account="", resource="document", resource_name="AWS-RunShellScript"
                    )
                ],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="MarkTaggedGroupMembersUnhealthy",
                actions=["autoscaling:SetInstanceHealth"],
                resources=[
                    stack.format_arn(
                        service="autoscaling",
                        resource="autoScalingGroup",
                        resource_name="*:autoScalingGroupName/*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
                conditions=tagged,
            )
        )
        for topic in notification_topics.values():
            topic.grant_publish(self.role)

        self.content = instance_recovery_document(
            automation_role_arn=self.role.role_arn,
            default_topic_arn=notification_topics[default_severity].topic_arn,
            service_unit=service_unit,
            health_check_port=health_check_port,
            health_check_path=health_check_path,
            retry_count=retry_count,
            output_log_group_name=diagnostics_log_group.log_group_name if diagnostics_log_group else None,
        )
        self.document = ssm.CfnDocument(
            self,
            "Resource",
            document_type="Automation",
            document_format="JSON",
            content=self.content,
            name=document_name,
            target_type="/AWS::EC2::Instance",
            update_method="NewVersion",
        )

        #: Name of the SSM document (pass it to ``StartAutomationExecution``).
        self.document_name: str = self.document.ref
        #: ARN of the SSM document.
        self.document_arn: str = stack.format_arn(
            service="ssm", resource="document", resource_name=self.document_name
        )
        #: ARN callers of ``StartAutomationExecution`` need in their policy (every version).
        self.automation_definition_arn: str = stack.format_arn(
            service="ssm", resource="automation-definition", resource_name=f"{self.document_name}:*"
        )

        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "ec2:DescribeInstances/DescribeInstanceStatus, ssm:DescribeInstanceInformation, "
            "ssm:ListCommands and ssm:ListCommandInvocations support no resource-level permissions; "
            "all are read-only.",
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::{nag_arn(self, 'ec2', 'instance/*')}]",
            "Any instance of this account and region, but only when it carries the environment tag "
            "(aws:ResourceTag condition): the instance to recover is a runtime parameter.",
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::"
            f"{nag_arn(self, 'autoscaling', 'autoScalingGroup:*:autoScalingGroupName/*')}]",
            "SetInstanceHealth on groups carrying the environment tag only (aws:ResourceTag "
            "condition): the group is whichever holds the instance being recovered.",
        )
        if any(topic.master_key is not None for topic in notification_topics.values()):
            acknowledge(
                self.role,
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "Added by topic.grant_publish for the topics' KMS key only (SNS server-side "
                "encryption); scoped to that key.",
            )

    def grant_start(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start executions of this runbook with its role and read their status
        (see :func:`constructs_lib.runbooks._base.grant_start`)."""
        return grant_start(
            document=self.document,
            role=self.role,
            automation_definition_arn=self.automation_definition_arn,
            grantee=grantee,
        )


def _validate_runbook_props(
    *,
    environment_name: str,
    notification_topics: Mapping[str, sns.ITopic],
    default_severity: str,
    service_unit: str,
    health_check_port: int,
    health_check_path: str,
    retry_count: int,
    document_name: str | None,
) -> None:
    validate_name(environment_name, prop="environment_name")
    unknown = sorted(set(notification_topics) - set(SEVERITIES))
    if unknown:
        raise ValueError(
            f"notification_topics has unknown severities {unknown}; use keys from {list(SEVERITIES)}."
        )
    if default_severity not in notification_topics:
        raise ValueError(
            f"default_severity ({default_severity!r}) has no topic in notification_topics "
            f"(keys: {sorted(notification_topics)}); add that topic or choose another severity."
        )
    if not re.fullmatch(_SERVICE_UNIT.strip("^$"), service_unit):
        raise ValueError(
            f"service_unit ({service_unit!r}) must be a plain systemd unit name "
            "(letters, digits, '_', '.', '@', '-')."
        )
    if not 1 <= health_check_port <= 65535:
        raise ValueError(f"health_check_port ({health_check_port}) must be 1-65535.")
    if not re.fullmatch(_HEALTH_PATH.strip("^$"), health_check_path):
        raise ValueError(
            f"health_check_path ({health_check_path!r}) must start with '/' and use only letters, "
            "digits and '_./~-' (it is pasted into a shell command)."
        )
    if not 0 <= retry_count <= _MAX_RETRIES:
        raise ValueError(f"retry_count ({retry_count}) must be 0-{_MAX_RETRIES}.")
    if document_name is not None and not re.fullmatch(r"[A-Za-z0-9_.-]{3,128}", document_name):
        raise ValueError(f"document_name ({document_name!r}) must be 3-128 letters, digits, '_', '.' or '-'.")
    if document_name is not None and document_name.lower().startswith(("aws", "amazon")):
        raise ValueError(f"document_name ({document_name!r}) must not start with 'AWS' or 'Amazon'.")
