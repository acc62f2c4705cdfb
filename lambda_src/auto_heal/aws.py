"""The only module that calls AWS. Everything else gets plain data from it.

- Clients are created lazily, on first use, from a boto3 session given to (or created by)
  :class:`AwsGateway`, so ``moto.mock_aws`` and botocore event hooks registered on that session
  apply; boto3 itself is imported on first use too (a lighter cold start).
- Every ``ClientError`` becomes a :mod:`errors` exception: throttling, 5xx, timeouts and
  resources in transition are :class:`~errors.TransientAwsError` (retry the event); the rest
  :class:`~errors.PermanentAwsError` (record, notify, do not retry).
- Every mutating method first re-reads the resource's tags and raises
  :class:`~errors.NotOwnedError` unless it carries ``<tag key>=<environment>``; then, in dry-run
  mode, returns what it *would* do without calling the mutating API.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from . import contract
from .aws_scans import ScanCalls, _database_facts, _group_facts, _tags
from .aws_storage import LedgerStorage
from .errors import AwsError, NotOwnedError, PermanentAwsError, TransientAwsError
from .model import (
    AlarmFacts,
    CommandResult,
    DatabaseFacts,
    GroupFacts,
    InstanceFacts,
    ResourceRef,
)

TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "EC2ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "Unavailable",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "InternalServiceError",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "IncorrectInstanceState",  # e.g. start while still stopping: fine a little later
        "ScalingActivityInProgress",
        "ResourceContention",
        "TransactionConflict",
    }
)
NOT_FOUND_CODES = frozenset(
    {
        "InvalidInstanceID.NotFound",
        "InvalidInstanceID.Malformed",
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
    }
)
COMMAND_DONE = frozenset({"Success", "Failed", "Cancelled", "TimedOut", "Cancelling"})
METRIC_LOOKBACK = timedelta(minutes=10)
COMMAND_DELIVERY_TIMEOUT_SECONDS = 120
"""SendCommand ``TimeoutSeconds``: how long SSM keeps trying to deliver a command to an instance."""
POLL_SECONDS = 3.0
STOP_POLL_SECONDS = 5.0

_HEALTH_LINE = re.compile(rf"^{contract.COMMAND_HEALTH_MARKER}=(ok|fail)\s*$", re.MULTILINE)
_MEMORY_LINE = re.compile(rf"^{contract.COMMAND_MEMORY_MARKER}=(\d{{1,3}}(?:\.\d+)?)\s*$", re.MULTILINE)


def parse_restart_output(output: str) -> tuple[str, float | None]:
    """``(health, memory used percent)`` from the restart script's output; ``unknown``/``None`` if absent."""
    health = _HEALTH_LINE.findall(output)
    memory = _MEMORY_LINE.findall(output)
    used = float(memory[-1]) if memory else None
    return (health[-1] if health else "unknown", used if used is not None and used <= 100 else None)


class AwsGateway(ScanCalls, LedgerStorage):
    """Typed, tag-checked, dry-run-aware access to the AWS APIs healing uses.

    :param environment_tag_key: Tag key every mutated resource must carry (e.g. ``Environment``).
    :param environment_name: Value that tag must have (e.g. ``prod``).
    :param dry_run: Check tags and report, but make no mutating call.
    :param session: boto3 session for the clients. Default: a new ``boto3.session.Session()``
        (credentials and region from the Lambda environment).
    :param sleep: Waits between polls. Default: ``time.sleep``.
    :param now: Current UTC time for metric windows. Default: ``datetime.now(UTC)``.
    """

    def __init__(
        self,
        *,
        environment_tag_key: str,
        environment_name: str,
        dry_run: bool = False,
        session: Any | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.environment_tag_key = environment_tag_key
        self.environment_name = environment_name
        self.dry_run = dry_run
        self._session = session
        self._sleep = sleep
        self._now = now
        self._clients: dict[str, Any] = {}

    # --- plumbing ----------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """The (cached) boto3 client of ``service``, created on first use."""
        if service not in self._clients:
            import boto3  # lazy: keeps the cold import light
            from botocore.config import Config

            if self._session is None:
                self._session = boto3.session.Session()
            self._clients[service] = self._session.client(
                service,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 3},
                    connect_timeout=5,
                    read_timeout=20,
                    user_agent_extra="self-healing-web/auto-heal",
                ),
            )
        return self._clients[service]

    def _call(self, service: str, operation: str, **params: Any) -> Any:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectionError,
            ConnectTimeoutError,
            ReadTimeoutError,
        )

        label = f"{service}:{operation}"
        try:
            return getattr(self.client(service), operation)(**params)
        except ClientError as error:
            raise translate_client_error(error, label) from error
        except (ConnectionError, ConnectTimeoutError, ReadTimeoutError) as error:
            raise TransientAwsError(
                f"{label}: {error}", operation=label, code=type(error).__name__
            ) from error
        except BotoCoreError as error:  # parameter validation and the like: our bug, not AWS's mood
            raise PermanentAwsError(
                f"{label}: {error}", operation=label, code=type(error).__name__
            ) from error

    # --- reads -------------------------------------------------------------------------------
    def get_parameter(self, name: str) -> str | None:
        """An SSM parameter's value; ``None`` when it does not exist."""
        try:
            return self._call("ssm", "get_parameter", Name=name)["Parameter"]["Value"]
        except PermanentAwsError as error:
            if error.code == "ParameterNotFound":
                return None
            raise

    def describe_instance(self, instance_id: str, *, with_group: bool = True) -> InstanceFacts | None:
        """State, tags and Auto Scaling membership of an instance; ``None`` when it does not exist."""
        try:
            reservations = self._call("ec2", "describe_instances", InstanceIds=[instance_id])["Reservations"]
        except PermanentAwsError as error:
            if error.code in NOT_FOUND_CODES:
                return None
            raise
        found = [
            i for r in reservations for i in r.get("Instances", []) if i.get("InstanceId") == instance_id
        ]
        if not found:
            return None
        raw = found[0]
        tags = _tags(raw.get("Tags"))
        membership: dict[str, Any] = {}
        group: GroupFacts | None = None
        if with_group:
            members = self._call("autoscaling", "describe_auto_scaling_instances", InstanceIds=[instance_id])
            rows = members.get("AutoScalingInstances", [])
            if rows:
                membership = rows[0]
                group = self.describe_group(membership["AutoScalingGroupName"], with_refresh=True)
        return InstanceFacts(
            instance_id=instance_id,
            state=raw.get("State", {}).get("Name", "unknown"),
            tags=tags,
            group_name=membership.get("AutoScalingGroupName"),
            lifecycle_state=membership.get("LifecycleState"),
            health_status=membership.get("HealthStatus"),
            group=group,
            state_reason=str((raw.get("StateReason") or {}).get("Code", "")),
        )

    def describe_group(self, name: str, *, with_refresh: bool = False) -> GroupFacts | None:
        """Capacity, tags, scaling style and in-service members of a group; ``None`` if absent."""
        groups = self._call("autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[name])
        rows = groups.get("AutoScalingGroups", [])
        if not rows:
            return None
        raw = rows[0]
        policies = self._call(
            "autoscaling",
            "describe_policies",
            AutoScalingGroupName=name,
            PolicyTypes=["TargetTrackingScaling"],
        ).get("ScalingPolicies", [])
        refreshing = self.refresh_in_progress(name) if with_refresh else False
        return _group_facts(
            raw,
            target_tracking=any(p.get("PolicyType") == "TargetTrackingScaling" for p in policies),
            refreshing=refreshing,
        )

    def get_automation_execution(self, execution_id: str) -> tuple[str, str]:
        """``(status, failure message)`` of an Automation execution."""
        execution = self._call("ssm", "get_automation_execution", AutomationExecutionId=execution_id)[
            "AutomationExecution"
        ]
        return execution.get("AutomationExecutionStatus", "Unknown"), execution.get("FailureMessage", "")

    def describe_database(self, identifier: str) -> DatabaseFacts | None:
        try:
            rows = self._call("rds", "describe_db_instances", DBInstanceIdentifier=identifier)["DBInstances"]
        except PermanentAwsError as error:
            if error.code in NOT_FOUND_CODES:
                return None
            raise
        return _database_facts(rows[0]) if rows else None

    def describe_alarm(self, alarm_name: str) -> AlarmFacts | None:
        """The metric alarm of that name in this account and region, with its tags; ``None`` if absent."""
        from .events import metric_ref

        alarms = self._call("cloudwatch", "describe_alarms", AlarmNames=[alarm_name]).get("MetricAlarms", [])
        if not alarms:
            return None
        raw = alarms[0]
        metrics = [metric_ref(raw.get("Namespace"), raw.get("MetricName"), raw.get("Dimensions", []))]
        for query in raw.get("Metrics", []) or []:
            metric = (query.get("MetricStat") or {}).get("Metric") or {}
            metrics.append(
                metric_ref(metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions", []))
            )
        tags = self._call("cloudwatch", "list_tags_for_resource", ResourceARN=raw["AlarmArn"]).get("Tags", [])
        threshold = raw.get("Threshold")
        return AlarmFacts(
            name=raw["AlarmName"],
            arn=raw["AlarmArn"],
            state=raw.get("StateValue", ""),
            metrics=tuple(m for m in metrics if m is not None and not isinstance(m, str)),
            tags=_tags(tags),
            threshold=float(threshold) if isinstance(threshold, int | float) else None,
        )

    def recent_cpu_percent(self, instance_ids: Sequence[str]) -> dict[str, float]:
        """Mean ``AWS/EC2 CPUUtilization`` per instance over the last 10 minutes (instances with data)."""
        return self._recent_average(
            "AWS/EC2", "CPUUtilization", {i: [{"Name": "InstanceId", "Value": i}] for i in instance_ids}
        )

    def recent_memory_percent(self, group_name: str, instance_ids: Sequence[str]) -> dict[str, float]:
        """Mean ``CWAgent mem_used_percent`` per instance (dimensions AutoScalingGroupName, InstanceId)."""
        return self._recent_average(
            "CWAgent",
            "mem_used_percent",
            {
                i: [{"Name": "AutoScalingGroupName", "Value": group_name}, {"Name": "InstanceId", "Value": i}]
                for i in instance_ids
            },
        )

    def _recent_average(
        self, namespace: str, metric: str, dimensions: Mapping[str, list[dict[str, str]]]
    ) -> dict[str, float]:
        ids = list(dimensions)[:100]  # one GetMetricData call takes up to 500 queries
        if not ids:
            return {}
        end = self._now()
        queries = [
            {
                "Id": f"m{index}",
                "MetricStat": {
                    "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions[iid]},
                    "Period": 60,
                    "Stat": "Average",
                },
                "ReturnData": True,
            }
            for index, iid in enumerate(ids)
        ]
        response = self._call(
            "cloudwatch",
            "get_metric_data",
            MetricDataQueries=queries,
            StartTime=end - METRIC_LOOKBACK,
            EndTime=end + timedelta(minutes=1),
        )
        averages: dict[str, float] = {}
        for result in response.get("MetricDataResults", []):
            values = [float(v) for v in result.get("Values", [])]
            if values and result.get("Id", "").startswith("m"):
                index = int(result["Id"][1:])
                averages[ids[index]] = sum(values) / len(values)
        return averages

    def agent_status(self, instance_ids: Sequence[str]) -> dict[str, str]:
        """The SSM agent's ``PingStatus`` per instance (``Online``, ``ConnectionLost``, ``Inactive``);
        ``NotRegistered`` for an instance Systems Manager does not know (no agent, no instance profile)."""
        ids = list(instance_ids)
        if not ids:
            return {}
        response = self._call(
            "ssm",
            "describe_instance_information",
            Filters=[{"Key": "InstanceIds", "Values": ids}],
            MaxResults=50,
        )
        found = {
            row["InstanceId"]: str(row.get("PingStatus", "Unknown"))
            for row in response.get("InstanceInformationList", [])
            if row.get("InstanceId") in ids
        }
        return {i: found.get(i, "NotRegistered") for i in ids}

    # --- tag guards ----------------------------------------------------------------------------
    def require_owned_instance(self, instance_id: str) -> InstanceFacts:
        facts = self.describe_instance(instance_id, with_group=False)
        if facts is None:
            raise PermanentAwsError(f"instance {instance_id} does not exist", code="NotFound")
        self._check_tags(f"instance {instance_id}", facts.tags)
        return facts

    def require_owned_group(self, name: str) -> GroupFacts:
        facts = self.describe_group(name)
        if facts is None:
            raise PermanentAwsError(f"group {name} does not exist", code="NotFound")
        self._check_tags(f"group {name}", facts.tags)
        return facts

    def require_owned(self, resource: ResourceRef) -> None:
        """The tag check for any resource kind healing acts on."""
        if resource.kind == "instance":
            self.require_owned_instance(resource.id)
        elif resource.kind == "group":
            self.require_owned_group(resource.id)
        else:
            facts = (
                self.describe_database(resource.id)
                if resource.kind == "database"
                else self.describe_health_check(resource.id)
            )
            if facts is None:
                raise PermanentAwsError(f"{resource.kind} {resource.id} does not exist", code="NotFound")
            self._check_tags(f"{resource.kind} {resource.id}", facts.tags)

    def _check_tags(self, what: str, tags: Mapping[str, str]) -> None:
        value = tags.get(self.environment_tag_key)
        if value != self.environment_name:
            raise NotOwnedError(
                f"{what} has {self.environment_tag_key}={value!r}, not {self.environment_name!r}: "
                "refusing to act",
                code="NotOwned",
            )

    # --- mutations (tag check, then dry run, then the call) -------------------------------------
    def start_instance(self, instance_id: str) -> str:
        self.require_owned_instance(instance_id)
        if self.dry_run:
            return f"dry run: would start {instance_id}"
        self._call("ec2", "start_instances", InstanceIds=[instance_id])
        return f"started {instance_id}"

    def reboot_instance(self, instance_id: str) -> str:
        self.require_owned_instance(instance_id)
        if self.dry_run:
            return f"dry run: would reboot {instance_id}"
        self._call("ec2", "reboot_instances", InstanceIds=[instance_id])
        return f"rebooted {instance_id}"

    def stop_start_instance(self, instance_id: str, *, deadline: float) -> str:
        """Stop, wait until stopped (until ``deadline``, a ``time.monotonic()`` value), start."""
        facts = self.require_owned_instance(instance_id)
        if self.dry_run:
            return f"dry run: would stop and start {instance_id}"
        if facts.state not in ("stopping", "stopped"):
            self._call("ec2", "stop_instances", InstanceIds=[instance_id])
        state = facts.state
        while True:
            current = self.describe_instance(instance_id, with_group=False)
            state = current.state if current is not None else "gone"
            if state == "stopped":
                break
            if state not in ("stopping", "running", "pending"):
                raise PermanentAwsError(f"instance {instance_id} went {state} while stopping", code=state)
            if time.monotonic() + STOP_POLL_SECONDS > deadline:
                raise TransientAwsError(
                    f"instance {instance_id} still {state}: start it on the retry", code="StillStopping"
                )
            self._sleep(STOP_POLL_SECONDS)
        self._call("ec2", "start_instances", InstanceIds=[instance_id])
        return f"stopped and started {instance_id}"

    def set_unhealthy(self, group_name: str, instance_id: str) -> str:
        self.require_owned_group(group_name)
        if self.dry_run:
            return f"dry run: would mark {instance_id} unhealthy in {group_name}"
        self._call(
            "autoscaling",
            "set_instance_health",
            InstanceId=instance_id,
            HealthStatus="Unhealthy",
            ShouldRespectGracePeriod=False,
        )
        return f"marked {instance_id} unhealthy in {group_name}"

    def set_desired_capacity(self, group_name: str, desired: int) -> str:
        group = self.require_owned_group(group_name)
        if desired > group.max_size:
            raise PermanentAwsError(
                f"group {group_name}: desired {desired} would exceed max {group.max_size}", code="AboveMax"
            )
        if self.dry_run:
            return f"dry run: would set {group_name} desired capacity {group.desired_capacity} -> {desired}"
        self._call(
            "autoscaling",
            "set_desired_capacity",
            AutoScalingGroupName=group_name,
            DesiredCapacity=desired,
            HonorCooldown=True,
        )
        return f"set {group_name} desired capacity {group.desired_capacity} -> {desired}"

    def send_diagnostics(
        self, instance_ids: Iterable[str], *, document: str, unit: str, comment: str
    ) -> tuple[str, str]:
        """Send ``document`` with ``Action=Diagnostics`` (read-only); ``(detail, command id)``."""
        ids = list(instance_ids)
        for instance_id in ids:
            self.require_owned_instance(instance_id)
        if self.dry_run:
            return f"dry run: would capture diagnostics on {', '.join(ids)}", ""
        command_id = self._send_command(
            ids,
            document,
            {
                contract.COMMAND_PARAMETER_ACTION: contract.COMMAND_ACTION_DIAGNOSTICS,
                contract.COMMAND_PARAMETER_UNIT: unit,
            },
            comment=comment,
        )
        return f"diagnostics command {command_id} on {', '.join(ids)}", command_id

    def restart_service(
        self,
        instance_id: str,
        *,
        document: str,
        unit: str,
        port: int,
        path: str,
        comment: str,
        deadline: float,
    ) -> CommandResult | None:
        """Send ``document`` with ``Action=RestartService`` (one restart, then probes) and wait (until
        ``deadline``) for the verdict; ``None`` in dry run."""
        self.require_owned_instance(instance_id)
        if self.dry_run:
            return None
        command_id = self._send_command(
            [instance_id],
            document,
            {
                contract.COMMAND_PARAMETER_ACTION: contract.COMMAND_ACTION_RESTART,
                contract.COMMAND_PARAMETER_UNIT: unit,
                contract.COMMAND_PARAMETER_PORT: str(port),
                contract.COMMAND_PARAMETER_PATH: path,
                contract.COMMAND_PARAMETER_RETRIES: str(contract.COMMAND_RETRIES_BY_FUNCTION),
            },
            comment=comment,
        )
        return self.wait_for_command(command_id, instance_id, deadline=deadline)

    def wait_for_command(self, command_id: str, instance_id: str, *, deadline: float) -> CommandResult:
        while True:
            try:
                invocation = self._call(
                    "ssm", "get_command_invocation", CommandId=command_id, InstanceId=instance_id
                )
            except PermanentAwsError as error:
                if error.code != "InvocationDoesNotExist":  # not registered yet, right after sending
                    raise
                invocation = {"Status": "Pending"}
            status = invocation.get("Status", "Pending")
            if status in COMMAND_DONE:
                output = invocation.get("StandardOutputContent", "") or ""
                health, memory = parse_restart_output(output)
                return CommandResult(command_id, status, health, memory, output[-1500:])
            if time.monotonic() + POLL_SECONDS > deadline:
                return CommandResult(command_id, "Waiting", "unknown", None, "")
            self._sleep(POLL_SECONDS)

    def _send_command(
        self, instance_ids: list[str], document: str, parameters: Mapping[str, str], *, comment: str
    ) -> str:
        response = self._call(
            "ssm",
            "send_command",
            InstanceIds=instance_ids,
            DocumentName=document,
            Comment=comment[:100],
            # How long SSM tries to deliver the command; the document's step has its own timeout.
            TimeoutSeconds=COMMAND_DELIVERY_TIMEOUT_SECONDS,
            Parameters={name: [value] for name, value in parameters.items()},
            CloudWatchOutputConfig={"CloudWatchOutputEnabled": True},
        )
        return response["Command"]["CommandId"]

    def start_runbook(self, document_name: str, *, instance_id: str, parameters: Mapping[str, str]) -> str:
        """Start the recovery Automation for ``instance_id``; returns the execution id ("" in dry run)."""
        return self.start_automation(
            document_name,
            resource=ResourceRef("instance", instance_id),
            parameters={"InstanceId": instance_id, **parameters},
        )

    def start_automation(
        self, document_name: str, *, resource: ResourceRef, parameters: Mapping[str, str]
    ) -> str:
        """Start an Automation about ``resource`` (tag-checked); the execution id ("" in dry run)."""
        self.require_owned(resource)
        if self.dry_run:
            return ""
        response = self._call(
            "ssm",
            "start_automation_execution",
            DocumentName=document_name,
            Parameters={k: [v] for k, v in parameters.items()},
        )
        return response["AutomationExecutionId"]

    # --- hand-over (detector -> healing function) ----------------------------------------------
    def invoke_async(self, function_name: str, payload: Mapping[str, Any]) -> None:
        """Hand ``payload`` to ``function_name`` (asynchronous invoke: Lambda queues it, retries the
        function's failures and sends what it cannot handle to the function's on-failure destination)."""
        import json

        self._call(
            "lambda",
            "invoke",
            FunctionName=function_name,
            InvocationType="Event",
            Payload=json.dumps(payload).encode(),
        )

    # --- notification --------------------------------------------------------------------------
    def publish(self, topic_arn: str, *, subject: str, message: str, attributes: Mapping[str, str]) -> str:
        response = self._call(
            "sns",
            "publish",
            TopicArn=topic_arn,
            Subject=subject,
            Message=message,
            MessageAttributes={
                k: {"DataType": "String", "StringValue": v} for k, v in attributes.items() if v
            },
        )
        return response.get("MessageId", "")


def translate_client_error(error: Any, label: str) -> AwsError:
    """A botocore ``ClientError`` as a transient or permanent :class:`~errors.AwsError`."""
    info = error.response.get("Error", {}) if isinstance(getattr(error, "response", None), dict) else {}
    code = str(info.get("Code", "Unknown"))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) if info else 0
    message = f"{label}: {code}: {info.get('Message', '')}".strip()
    if code in TRANSIENT_CODES or (isinstance(status, int) and status >= 500):
        return TransientAwsError(message, operation=label, code=code, response=error.response)
    return PermanentAwsError(message, operation=label, code=code, response=error.response)
