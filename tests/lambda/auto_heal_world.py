"""The emulated AWS account and the botocore hook layer of the auto-healing handler tests.

- ``world``: a moto account (``mock_aws``) with what healing touches: the ledger table, one SNS
  topic per severity, all subscribed by one SQS queue (to read what was published), the pause
  parameter, an Auto Scaling group of tagged instances, a tagged standalone instance, an untagged
  one and another environment's one.
- ``AwsHooks``: botocore hooks on the session the handler uses, layered over moto. For the
  handler's own clients only, they record every operation and its parameters
  (``before-parameter-build``), inject faults (``before-call``: throttling,
  access denied, 5xx) and stand in for what moto 5.2.5 lacks or fakes: DescribeInstanceRefreshes
  and StartAutomationExecution are not implemented, and Run Command runs nothing (its output is
  empty), so GetCommandInvocation output is supplied by the test. moto also accepts any document
  name and parameters in SendCommand; the hooks check them against the registered documents
  (``documents``) as Systems Manager does (unknown document, a value outside ``allowedValues`` or
  ``allowedPattern``: ``InvalidDocument`` / ``InvalidParameters``). ``DescribeInstanceInformation``
  (the SSM agent's ping) is missing from moto 5.2.5: the hooks answer it, every agent ``Online``
  unless a test sets ``agents[instance_id]``. Lambda ``Invoke`` needs docker in
  moto: the detector's asynchronous hand-over to the healing function is queued here
  (``invocations``) and delivered by :meth:`World.detect` after the detector's run, as Lambda's
  asynchronous invoke would.
- Sample events come from ``tests/events`` (``tests.events.load_event``).
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from tests.events import load_event

REGION = "ap-northeast-1"
ACCOUNT = "123456789012"
APP, ENV = "webapp", "prod"
GROUP = "webapp-prod-web"
TABLE = "webapp-prod-autoheal-ledger"
PAUSE = "/webapp/prod/pause"
RUNBOOK = "webapp-prod-instance-recovery"
COMMAND_DOCUMENT = "webapp-prod-instance-commands"
RUNBOOK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/webapp-prod-recovery"
SEVERITIES = ("low", "medium", "high", "critical")
FUNCTION_USER_AGENT = "self-healing-web/auto-heal"  # user_agent_extra of the handler's clients
START = 1_795_000_000.0  # 2026-11-18T11:06:40Z
FUNCTION_NAME = "webapp-prod-autoheal"

MUTATING_OPERATIONS = frozenset(
    {
        "ec2.StartInstances",
        "ec2.StopInstances",
        "ec2.RebootInstances",
        "ec2.TerminateInstances",
        "autoscaling.SetInstanceHealth",
        "autoscaling.SetDesiredCapacity",
        "autoscaling.UpdateAutoScalingGroup",
        "autoscaling.TerminateInstanceInAutoScalingGroup",
        "ssm.SendCommand",
        "ssm.StartAutomationExecution",
    }
)
"""Calls that change a resource. (Publish and ledger writes are checked separately.)"""

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_LAMBDA_FUNCTION_NAME": "webapp-prod-autoheal",
        "POWERTOOLS_SERVICE_NAME": "webapp-autoheal",
        "POWERTOOLS_METRICS_NAMESPACE": "webapp/AutoHeal",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)


def command_document() -> dict[str, Any]:
    """The Run Command document the AutoHealing construct deploys (default app probe)."""
    from constructs_lib._core import AppProbe
    from constructs_lib.healing.commands import instance_commands_document

    return instance_commands_document(app_probe=AppProbe())


def topic_arn(severity: str) -> str:
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:webapp-prod-{severity}"


def handler_env(**overrides: str) -> dict[str, str]:
    """The environment the AutoHealing construct gives the function, with ``overrides``."""
    env = {
        "APP_NAME": APP,
        "ENVIRONMENT_NAME": ENV,
        "ENVIRONMENT_TAG_KEY": "Environment",
        "SUPPRESS_TAG_KEY": "autoheal:suppress",
        "LEDGER_TABLE_NAME": TABLE,
        "PAUSE_PARAMETER_NAME": PAUSE,
        "TOPIC_ARNS": json.dumps({s: topic_arn(s) for s in SEVERITIES}),
        "DRY_RUN": "false",
        "MAX_ACTIONS_PER_RESOURCE_PER_HOUR": "3",
        "INCIDENT_WINDOW_SECONDS": "900",
        "WEB_SERVICE_UNIT": "webapp",
        "HEALTH_CHECK_PORT": "8080",
        "HEALTH_CHECK_PATH": "/health",
        "COMMAND_DOCUMENT_NAME": COMMAND_DOCUMENT,
        "RECOVERY_RUNBOOK_NAME": RUNBOOK,
        "RECOVERY_RUNBOOK_ROLE_ARN": RUNBOOK_ROLE,
        "ALARM_NAME_PREFIX": "webapp-prod-",
        "RUNBOOKS_BY_INCIDENT": "{}",
    }
    env.update(overrides)
    return env


def new_id() -> str:
    return str(uuid.uuid4())


class FakeContext:
    """The attributes of a Lambda context that Powertools reads."""

    function_name = "webapp-prod-autoheal"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:webapp-prod-autoheal"

    def __init__(self, remaining_ms: int = 120_000) -> None:
        self.aws_request_id = new_id()
        self._remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining_ms


# --------------------------------------------------------------------------------------------
# botocore hook layer
# --------------------------------------------------------------------------------------------
@dataclass
class Fault:
    code: str
    status: int
    times: int  # how many calls fail; -1 = all


@dataclass
class AwsHooks:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)
    refreshes: dict[str, str] = field(default_factory=dict)  # group -> refresh status
    command_status: str = "Success"
    command_output: str | None = None  # None: moto's answer (Success, empty output)
    automations: list[dict[str, Any]] = field(default_factory=list)
    accepted_without_effect: set[str] = field(default_factory=set)  # succeed, change nothing (yet)
    raising: dict[str, Exception] = field(default_factory=dict)  # e.g. botocore connection errors
    impaired: dict[str, str] = field(default_factory=dict)  # instance -> "system" | "instance"
    unhealthy_checks: set[str] = field(default_factory=set)  # Route 53 health check ids
    automation_status: dict[str, str] = field(default_factory=dict)  # execution id -> status
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # Command documents by name
    invocations: list[dict[str, Any]] = field(default_factory=list)  # asynchronous Lambda invokes
    agents: dict[str, str] = field(default_factory=dict)  # instance -> SSM agent PingStatus (else Online)

    def install(self, session: boto3.session.Session) -> None:
        # before-parameter-build sees the API parameters as the caller passed them;
        # before-call can answer instead of moto (which itself hooks the later before-send).
        session.events.register("before-parameter-build", self._record)
        session.events.register("before-call", self._respond)

    def reset(self) -> None:
        """Forget calls, faults and stand-ins (between tests; the hooks stay installed)."""
        self.calls.clear()
        self.faults.clear()
        self.refreshes.clear()
        self.command_status, self.command_output = "Success", None
        self.automations.clear()
        self.accepted_without_effect.clear()
        self.raising.clear()
        self.impaired.clear()
        self.unhealthy_checks.clear()
        self.automation_status.clear()
        self.documents.clear()
        self.invocations.clear()
        self.agents.clear()

    def fail(self, operation: str, code: str, *, status: int = 400, times: int = -1) -> None:
        """Make ``operation`` (e.g. ``ec2.StartInstances``) fail with ``code``."""
        self.faults[operation] = Fault(code, status, times)

    def operations(self) -> list[str]:
        return [name for name, _ in self.calls]

    def mutations(self) -> list[str]:
        return [name for name, _ in self.calls if name in MUTATING_OPERATIONS]

    def params(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]

    @staticmethod
    def _name(model: Any) -> str:
        return f"{model.service_model.service_name}.{model.name}"

    @staticmethod
    def _by_function(context: dict[str, Any] | None) -> bool:
        """Whether the call comes from the handler's clients (not from the test's own)."""
        config = (context or {}).get("client_config")
        return FUNCTION_USER_AGENT in (getattr(config, "user_agent_extra", None) or "")

    def _record(self, model: Any, params: dict[str, Any], context: Any = None, **_: Any) -> None:
        if self._by_function(context):
            self.calls.append((self._name(model), dict(params)))

    def _respond(self, model: Any, context: Any = None, **_: Any) -> Any:
        if not self._by_function(context):
            return None
        name = self._name(model)
        params = next(p for n, p in reversed(self.calls) if n == name)  # this call's API parameters
        fault = self.faults.get(name)
        if fault is not None and fault.times != 0:
            fault.times -= 1 if fault.times > 0 else 0
            return _response(
                fault.status, {"Error": {"Code": fault.code, "Message": f"injected {fault.code}"}}
            )
        if name in self.raising:
            raise self.raising[name]
        if name in self.accepted_without_effect:  # AWS accepted it; the effect shows later
            return _response(200, {})
        if name == "ssm.SendCommand":  # moto accepts any document and parameters
            problem = _invalid_command(self.documents, params)
            if problem is not None:
                code, message = problem
                return _response(400, {"Error": {"Code": code, "Message": message}})
        if name == "ssm.DescribeInstanceInformation":  # not implemented in moto 5.2.5
            wanted = next((f["Values"] for f in params.get("Filters", []) if f["Key"] == "InstanceIds"), [])
            rows = [
                {"InstanceId": i, "PingStatus": self.agents.get(i, "Online"), "PlatformType": "Linux"}
                for i in wanted
                if self.agents.get(i, "Online") != "NotRegistered"
            ]
            return _response(200, {"InstanceInformationList": rows})
        if name == "lambda.Invoke":  # moto runs functions in docker only: queue the event instead
            self.invocations.append({"FunctionName": params["FunctionName"], **json.loads(params["Payload"])})
            return _response(202, {"StatusCode": 202})
        if name == "autoscaling.DescribeInstanceRefreshes":  # not implemented in moto 5.2.5
            group = params["AutoScalingGroupName"]
            rows = []
            if group in self.refreshes:
                rows = [
                    {
                        "InstanceRefreshId": "r-1",
                        "AutoScalingGroupName": group,
                        "Status": self.refreshes[group],
                    }
                ]
            return _response(200, {"InstanceRefreshes": rows})
        if name == "ssm.StartAutomationExecution":  # not implemented in moto 5.2.5
            self.automations.append(params)
            return _response(200, {"AutomationExecutionId": execution_id(len(self.automations))})
        if name == "ec2.DescribeInstanceStatus":  # moto: status checks are always "ok"
            wanted = {f["Name"] for f in params.get("Filters", []) if "impaired" in f.get("Values", [])}
            rows = [
                {"InstanceId": instance, "InstanceState": {"Name": "running"}}
                for instance, check in sorted(self.impaired.items())
                if f"{check}-status.status" in wanted
            ]
            return _response(200, {"InstanceStatuses": rows})
        if name == "route53.GetHealthCheckStatus" and params["HealthCheckId"] in self.unhealthy_checks:
            failure = {"Status": "Failure: Connection timed out.", "CheckedTime": "2026-11-20T03:00:00Z"}
            rows = [
                {"Region": r, "IPAddress": "192.0.2.1", "StatusReport": failure}
                for r in ("us-east-1", "eu-west-1")
            ]
            return _response(200, {"HealthCheckObservations": rows})
        if name == "ssm.GetAutomationExecution":  # not implemented in moto 5.2.5
            execution_key = params["AutomationExecutionId"]
            status = self.automation_status.get(execution_key, "InProgress")
            execution = {"AutomationExecutionId": execution_key, "AutomationExecutionStatus": status}
            if status == "Failed":
                execution["FailureMessage"] = "Step fails when it is verifying health"
            return _response(200, {"AutomationExecution": execution})
        if name == "ssm.GetCommandInvocation" and self.command_output is not None:  # moto runs nothing
            return _response(
                200,
                {
                    "CommandId": params["CommandId"],
                    "InstanceId": params["InstanceId"],
                    "Status": self.command_status,
                    "StandardOutputContent": self.command_output,
                },
            )
        return None


def _invalid_command(documents: dict[str, dict[str, Any]], params: dict[str, Any]) -> tuple[str, str] | None:
    """What Systems Manager would refuse in a SendCommand, else ``None`` (the game day's fill decides)."""
    from tools.gameday.moto_gaps import invalid_command_parameters

    document = documents.get(params.get("DocumentName", ""))
    if document is None:
        return "InvalidDocument", f"document {params.get('DocumentName')!r} does not exist"
    problem = invalid_command_parameters(document, params.get("Parameters", {}))
    return None if problem is None else ("InvalidParameters", problem)


def execution_id(number: int) -> str:
    """The id the hooks give the ``number``-th Automation execution started (ids are 36 long)."""
    return f"{number:08d}-0000-4000-8000-000000000000"


def _response(status: int, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": status, "RequestId": new_id()})
    return AWSResponse("https://hooks.invalid/", status, {}, None), parsed


class CachedSession:
    """A boto3 session that makes one client per service and kind, then hands it out again.

    Creating botocore clients is the slowest part of these tests (~0.1 s each); the handler's
    clients (made with a ``config``) and the test's own are cached apart.
    """

    def __init__(self, session: boto3.session.Session) -> None:
        self._session = session
        self._clients: dict[tuple[str, bool], Any] = {}
        self.events = session.events

    def client(self, service: str, **kwargs: Any) -> Any:
        key = (service, "config" in kwargs)
        if key not in self._clients:
            self._clients[key] = self._session.client(service, **kwargs)
        return self._clients[key]


# --------------------------------------------------------------------------------------------
# The emulated account
# --------------------------------------------------------------------------------------------
@dataclass
class World:
    session: CachedSession
    hooks: AwsHooks
    ami: str = ""
    subnet: str = ""
    standalone: str = ""
    untagged: str = ""
    other_env: str = ""
    queue: str = ""
    inbox: list[dict[str, Any]] = field(default_factory=list)  # received, not yet read
    now: float = START
    env: dict[str, str] = field(default_factory=handler_env)

    def client(self, service: str) -> Any:
        return self.session.client(service)

    # --- building --------------------------------------------------------------------------
    def build(self) -> World:
        ddb, sns, sqs, ssm, ec2 = (self.client(s) for s in ("dynamodb", "sns", "sqs", "ssm", "ec2"))
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        url = sqs.create_queue(QueueName="observe-notifications")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.queue = url
        for severity in SEVERITIES:
            arn = sns.create_topic(Name=f"webapp-prod-{severity}")["TopicArn"]
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
        ssm.put_parameter(Name=PAUSE, Value="false", Type="String")
        self.hooks.documents[COMMAND_DOCUMENT] = command_document()
        self.ami = "ami-0123456789abcdef0"  # moto's AMI catalogue is off (see conftest.emulator)
        self.subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        ec2.create_launch_template(
            LaunchTemplateName="webapp-prod-web",
            LaunchTemplateData={"ImageId": self.ami, "InstanceType": "t3.micro"},
        )
        self.create_group(GROUP, desired=2, max_size=4)
        self.standalone = self.run_instance({"Environment": ENV, "Name": "webapp-prod-batch"})
        self.untagged = self.run_instance({"Name": "someone-elses"})
        self.other_env = self.run_instance({"Environment": "stg"})
        return self

    def create_group(
        self,
        name: str,
        *,
        desired: int,
        max_size: int,
        tags: dict[str, str] | None = None,
        target_tracking=False,
    ) -> list[str]:
        autoscaling = self.client("autoscaling")
        tags = {"Environment": ENV} if tags is None else tags
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": "webapp-prod-web"},
            MinSize=1,
            MaxSize=max_size,
            DesiredCapacity=desired,
            VPCZoneIdentifier=self.subnet,
            Tags=[
                {
                    "Key": k,
                    "Value": v,
                    "PropagateAtLaunch": True,
                    "ResourceId": name,
                    "ResourceType": "auto-scaling-group",
                }
                for k, v in tags.items()
            ],
        )
        if target_tracking:
            autoscaling.put_scaling_policy(
                AutoScalingGroupName=name,
                PolicyName="cpu-target",
                PolicyType="TargetTrackingScaling",
                TargetTrackingConfiguration={
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
                    "TargetValue": 50.0,
                },
            )
        return self.members(name)

    def run_instance(self, tags: dict[str, str]) -> str:
        spec = {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        reservation = self.client("ec2").run_instances(
            ImageId=self.ami, MinCount=1, MaxCount=1, InstanceType="t3.micro", TagSpecifications=[spec]
        )
        return reservation["Instances"][0]["InstanceId"]

    # --- acting on the emulator (as the outside world would) --------------------------------
    def stop(self, instance_id: str) -> None:
        """Stop it through the EC2 API, as an operator or a schedule would (Client.UserInitiatedShutdown)."""
        self.client("ec2").stop_instances(InstanceIds=[instance_id])

    def host_stop(self, instance_id: str, code: str = "Server.ScheduledStop") -> None:
        """AWS stops it (retirement by default): moto records every stop as ``Client.UserInitiatedShutdown``,
        so the backend's state reason is patched afterwards (patched backend state)."""
        from moto.ec2.models import ec2_backends
        from moto.ec2.models.instances import StateReason

        self.stop(instance_id)
        instance = ec2_backends[ACCOUNT][REGION].get_instance(instance_id)
        instance.state_reason = StateReason(f"{code}: the instance was stopped by AWS", code)

    def put_metric(self, namespace: str, name: str, dimensions: dict[str, str], value: float) -> None:
        self.client("cloudwatch").put_metric_data(
            Namespace=namespace,
            MetricData=[
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                    "Value": value,
                }
            ],
        )

    def create_database(
        self, identifier: str = "webapp-prod-db", *, tags: dict[str, str] | None = None
    ) -> str:
        self.client("rds").create_db_instance(
            DBInstanceIdentifier=identifier,
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            MasterUsername="app",
            MasterUserPassword="not-a-real-password-1",
            AllocatedStorage=20,
            MultiAZ=True,
            Tags=[
                {"Key": k, "Value": v} for k, v in ({"Environment": ENV} if tags is None else tags).items()
            ],
        )
        return identifier

    def create_health_check(
        self, name: str = "webapp-prod-tokyo", *, tags: dict[str, str] | None = None
    ) -> str:
        route53 = self.client("route53")
        check_id = route53.create_health_check(
            CallerReference=new_id(),
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": "tokyo.webapp.example.com",
                "ResourcePath": "/health",
                "Port": 443,
            },
        )["HealthCheck"]["Id"]
        tags = {"Environment": ENV, "Name": name} if tags is None else tags
        route53.change_tags_for_resource(
            ResourceType="healthcheck",
            ResourceId=check_id,
            AddTags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        return check_id

    def set_pause(self, value: str | None) -> None:
        ssm = self.client("ssm")
        if value is None:
            ssm.delete_parameter(Name=PAUSE)
        else:
            ssm.put_parameter(Name=PAUSE, Value=value, Type="String", Overwrite=True)

    # --- invoking the handler ----------------------------------------------------------------
    def configure(self, **overrides: str) -> None:
        from lambda_src.auto_heal import handler as handler_module

        self.env = handler_env(**overrides)
        handler_module.configure(self.env, session=self.session, clock=lambda: self.now)

    def detect(self, *, remaining_ms: int = 120_000, deliver: bool = True) -> dict[str, Any]:
        """One scheduled run of the incident detector, then (``deliver``) the healing function's run on
        each finding it handed over, as Lambda's asynchronous invoke would deliver them (the hooks queued
        them). ``results`` are the healing function's results, ``dispatched`` the detector's own."""
        from lambda_src.auto_heal import detector
        from lambda_src.auto_heal import handler as handler_module

        if handler_module._runtime is None:
            self.configure()
        detector_env = {**self.env, "HEALING_FUNCTION_NAME": FUNCTION_NAME}
        saved = handler_module._runtime
        handler_module.configure(detector_env, session=self.session, clock=lambda: self.now)
        scheduled = {"id": new_id(), "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
        try:
            result = detector.handler(scheduled, FakeContext(remaining_ms))
        finally:
            handler_module._runtime = saved  # the healing function has its own environment
            # What the detector handed over is delivered even when it then asked for a retry.
            results = self.deliver_invocations() if deliver else []
        return {**result, "results": results} if "dispatched" in result else result

    def deliver_invocations(self) -> list[dict[str, Any]]:
        """Run the healing function on each event an asynchronous invoke handed over (the hooks queued it)."""
        results: list[dict[str, Any]] = []
        queued, self.hooks.invocations[:] = list(self.hooks.invocations), []
        for invocation in queued:
            assert invocation.pop("FunctionName") == FUNCTION_NAME
            results.extend(self.invoke(invocation)["results"])
        return results

    def invoke(self, event: Any, *, remaining_ms: int = 120_000, stamp: bool = True) -> dict[str, Any]:
        """Deliver ``event`` to the healing function. AWS delivers an event moments after it happened:
        ``stamp`` sets its time(s) to the world's ``now`` (pass ``False`` to keep the event's own)."""
        from lambda_src.auto_heal import handler as handler_module

        if handler_module._runtime is None:
            self.configure()
        if stamp:
            event = stamped(event, self.now)
        return handler_module.handler(event, FakeContext(remaining_ms))

    def alarm_event(
        self,
        name: str,
        *,
        signal: str = "cpu",
        group: str = GROUP,
        via: str = "eventbridge",
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The event of a group alarm going into ALARM, the alarm made real first: created (or re-tagged)
        with ``tags`` (default: this environment's tag, as the stacks' Tags give every alarm) and set to
        ALARM, since the function re-reads the alarm before it trusts the event."""
        cloudwatch = self.client("cloudwatch")
        tags = {"Environment": ENV} if tags is None else tags
        found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        if found:
            if tags:
                cloudwatch.tag_resource(
                    ResourceARN=found[0]["AlarmArn"], Tags=[{"Key": k, "Value": v} for k, v in tags.items()]
                )
        else:
            namespace, metric = (
                ("AWS/EC2", "CPUUtilization") if signal == "cpu" else ("CWAgent", "mem_used_percent")
            )
            cloudwatch.put_metric_alarm(
                AlarmName=name,
                Namespace=namespace,
                MetricName=metric,
                Dimensions=[{"Name": "AutoScalingGroupName", "Value": group}],
                Statistic="Average",
                Period=60,
                EvaluationPeriods=1,
                Threshold=80.0,
                ComparisonOperator="GreaterThanThreshold",
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed")
        build = group_alarm_sns if via == "sns" else group_alarm_eventbridge
        return build(name, signal=signal, group=group)

    # --- reading the emulator ----------------------------------------------------------------
    def instance(self, instance_id: str) -> dict[str, Any]:
        return self.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0][
            "Instances"
        ][0]

    def state(self, instance_id: str) -> str:
        return self.instance(instance_id)["State"]["Name"]

    def group(self, name: str = GROUP) -> dict[str, Any]:
        return self.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
            "AutoScalingGroups"
        ][0]

    def members(self, name: str = GROUP) -> list[str]:
        return sorted(i["InstanceId"] for i in self.group(name)["Instances"])

    def health(self, instance_id: str, name: str = GROUP) -> str:
        return next(
            i["HealthStatus"] for i in self.group(name)["Instances"] if i["InstanceId"] == instance_id
        )

    def published(self, severity: str) -> list[dict[str, Any]]:
        """Notifications published to ``severity``'s topic since the last read (SNS envelopes)."""
        sqs = self.client("sqs")
        while batch := sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                self.inbox.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
        mine = [m for m in self.inbox if m["TopicArn"] == topic_arn(severity)]
        self.inbox = [m for m in self.inbox if m["TopicArn"] != topic_arn(severity)]
        return mine

    def all_published(self) -> dict[str, list[dict[str, Any]]]:
        return {s: m for s in SEVERITIES if (m := self.published(s))}

    def ledger_items(self, prefix: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.types import TypeDeserializer

        deserializer = TypeDeserializer()
        items = self.client("dynamodb").scan(TableName=TABLE)["Items"]
        rows = [{k: deserializer.deserialize(v) for k, v in item.items()} for item in items]
        return [row for row in rows if row["pk"].startswith(prefix)]

    def incidents(self) -> list[dict[str, Any]]:
        return self.ledger_items("INCIDENT#")


# --------------------------------------------------------------------------------------------
# Events about the world's resources (sample shapes from tests/events, values varied)
# --------------------------------------------------------------------------------------------
def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamped(event: Any, now: float) -> Any:
    """A copy of ``event`` with its times set to ``now`` (EventBridge ``time``; SNS ``Timestamp`` and the
    alarm's ``StateChangeTime``); anything else as it is."""
    if not isinstance(event, dict):
        return event
    event = copy.deepcopy(event)
    if isinstance(event.get("time"), str):
        event["time"] = iso(now)
    for record in event.get("Records", []) if isinstance(event.get("Records"), list) else []:
        sns = record.get("Sns") if isinstance(record, dict) else None
        if not isinstance(sns, dict):
            continue
        sns["Timestamp"] = iso(now)
        try:
            message = json.loads(sns.get("Message", ""))
        except (TypeError, ValueError):
            continue
        if isinstance(message, dict) and "StateChangeTime" in message:
            message["StateChangeTime"] = iso(now)
            sns["Message"] = json.dumps(message)
    return event


def state_change(instance_id: str, state: str, *, event_id: str | None = None) -> dict[str, Any]:
    event = load_event("ec2-instance-state-change-stopped")
    event["id"] = event_id or new_id()
    event["resources"] = [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}"]
    event["detail"] = {"instance-id": instance_id, "state": state}
    return event


def health_event(instance_id: str, code: str = "AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE") -> dict[str, Any]:
    event = load_event("aws-health-ec2-auto-recovery-failure")
    event["id"] = new_id()
    event["resources"] = [instance_id]
    event["detail"]["eventTypeCode"] = code
    event["detail"]["affectedEntities"] = [{"entityValue": instance_id}]
    return event


def group_alarm_eventbridge(
    name: str, *, signal: str = "cpu", group: str = GROUP, event_id: str | None = None
) -> dict[str, Any]:
    namespace, metric = ("AWS/EC2", "CPUUtilization") if signal == "cpu" else ("CWAgent", "mem_used_percent")
    event = load_event("cloudwatch-alarm-state-change-alarm")
    event["id"] = event_id or new_id()
    event["resources"] = [f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"]
    event["detail"]["alarmName"] = name
    event["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"] = {
        "namespace": namespace,
        "name": metric,
        "dimensions": {"AutoScalingGroupName": group},
    }
    return event


def group_alarm_sns(name: str, *, signal: str = "cpu", group: str = GROUP) -> dict[str, Any]:
    namespace, metric = ("AWS/EC2", "CPUUtilization") if signal == "cpu" else ("CWAgent", "mem_used_percent")
    event = load_event("sns-cloudwatch-alarm-notification")
    record = event["Records"][0]["Sns"]
    record["MessageId"] = new_id()
    message = json.loads(record["Message"])
    message["AlarmName"] = name
    message["AlarmArn"] = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"
    message["Trigger"].update(
        {
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": [{"value": group, "name": "AutoScalingGroupName"}],
        }
    )
    record["Message"] = json.dumps(message)
    return event


def launch_unsuccessful(group: str = GROUP, message: str | None = None) -> dict[str, Any]:
    event = load_event("autoscaling-launch-unsuccessful")
    event["id"] = new_id()
    event["detail"]["AutoScalingGroupName"] = group
    event["resources"] = [
        f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:{new_id()}:autoScalingGroupName/{group}"
    ]
    if message is not None:
        event["detail"]["StatusMessage"] = message
    return event


def rds_event(db: str, *, categories: list[str], code: str = "RDS-EVENT-0049") -> dict[str, Any]:
    event = load_event("rds-db-instance-event-failover")
    event["id"] = new_id()
    event["detail"].update(
        {
            "SourceIdentifier": db,
            "SourceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{db}",
            "EventCategories": categories,
            "EventID": code,
        }
    )
    return event
