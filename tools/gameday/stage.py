"""The stage a drill runs on: the synthesized environment deployed into the emulator, its functions,
and an observer of every topic; plus how an invocation is reported in the timeline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.gameday.deploy import DeployedStack
from tools.gameday.emulator import Emulator
from tools.gameday.function import DeployedFunction, Invocation, load_function
from tools.gameday.routing import Route, route
from tools.gameday.timeline import Timeline

__all__ = ["Observer", "Published", "Run", "Stage"]

_GENERATED_SUFFIX = re.compile(r"-[A-Z0-9]{8,13}$")


# ----------------------------------------------------------------------------------------------
# observing
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Published:
    """A message some deployed SNS topic delivered to the game day's observer queue."""

    topic_arn: str
    subject: str
    message: str
    attributes: Mapping[str, str]

    @property
    def topic_name(self) -> str:
        return self.topic_arn.rsplit(":", 1)[-1]


class Observer:
    """An SQS queue subscribed to every given SNS topic (the game day's own, not the app's)."""

    def __init__(self, emulator: Emulator, region: str, topic_arns: Sequence[str]) -> None:
        self._sqs = emulator.client("sqs", region)
        sns = emulator.client("sns", region)
        self.queue_url = self._sqs.create_queue(QueueName="gameday-observer")["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.topic_arns = tuple(topic_arns)
        for topic_arn in self.topic_arns:
            sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def drain(self) -> list[Published]:
        """Every message delivered since the last drain."""
        published: list[Published] = []
        while True:
            batch = self._sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not batch:
                return published
            for message in batch:
                body = json.loads(message["Body"])
                published.append(
                    Published(
                        topic_arn=body.get("TopicArn", ""),
                        subject=body.get("Subject") or "",
                        message=body.get("Message", ""),
                        attributes={
                            k: v.get("Value", "") for k, v in body.get("MessageAttributes", {}).items()
                        },
                    )
                )
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@dataclass(frozen=True, slots=True)
class Run:
    """A Lambda target of a matching rule, and how its code ran on the event."""

    route: Route
    function: DeployedFunction
    invocation: Invocation

    @property
    def is_healing(self) -> bool:
        """The AutoHealing function, by its environment contract (ledger table and topics)."""
        return {"LEDGER_TABLE_NAME", "TOPIC_ARNS", "PAUSE_PARAMETER_NAME"} <= set(self.function.environment)


# ----------------------------------------------------------------------------------------------
# one deployment
# ----------------------------------------------------------------------------------------------
@dataclass
class Stage:
    """One fresh deployment of the environment's stacks in the emulator, with helpers for drills."""

    emulator: Emulator
    region: str
    account: str
    stacks: Sequence[DeployedStack]
    workdir: Path
    observer: Observer | None = None
    functions: dict[str, DeployedFunction] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return self.emulator.client(service, self.region)

    def physical_ids(self, resource_type: str) -> list[str]:
        return [pid for stack in self.stacks for pid in stack.physical_ids(resource_type)]

    def observe(self) -> None:
        """Subscribe the observer queue to every deployed topic (call before injecting)."""
        self.observer = Observer(self.emulator, self.region, self.physical_ids("AWS::SNS::Topic"))

    def published(self) -> list[Published]:
        return self.observer.drain() if self.observer is not None else []

    # --- the web tier ----------------------------------------------------------------------------
    def group_name(self) -> str:
        groups = self.physical_ids("AWS::AutoScaling::AutoScalingGroup")
        if len(groups) != 1:
            raise LookupError(f"expected one Auto Scaling group in the deployed stacks, found {groups}")
        return groups[0]

    def group(self) -> dict[str, Any]:
        return self.client("autoscaling").describe_auto_scaling_groups(
            AutoScalingGroupNames=[self.group_name()]
        )["AutoScalingGroups"][0]

    def in_service(self) -> list[str]:
        return sorted(
            i["InstanceId"]
            for i in self.group()["Instances"]
            if i["LifecycleState"] == "InService" and i["HealthStatus"] == "Healthy"
        )

    def instance_state(self, instance_id: str) -> str:
        reservations = self.client("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"]
        return reservations[0]["Instances"][0]["State"]["Name"]

    def target_health(self) -> str:
        """``instance state (reason)`` of every target of every deployed target group."""
        return ", ".join(f"{k} {v}" for k, v in sorted(self.target_states().items())) or "no targets"

    def target_states(self) -> dict[str, str]:
        """Instance id -> ``state`` (``reason``) in every deployed target group."""
        elbv2 = self.client("elbv2")
        health: dict[str, str] = {}
        for arn in self.physical_ids("AWS::ElasticLoadBalancingV2::TargetGroup"):
            for row in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]:
                state = row["TargetHealth"]["State"]
                reason = row["TargetHealth"].get("Reason")
                health[row["Target"]["Id"]] = f"{state} ({reason})" if reason else state
        return health

    # --- the ledger --------------------------------------------------------------------------------
    def ledger_table(self, function: DeployedFunction) -> str:
        return function.environment["LEDGER_TABLE_NAME"]

    def incidents(self, function: DeployedFunction) -> list[dict[str, Any]]:
        """Incident records of the function's ledger (``pk`` starting ``INCIDENT#``)."""
        from boto3.dynamodb.types import TypeDeserializer

        deserializer = TypeDeserializer()
        items: list[dict[str, Any]] = []
        for page in (
            self.client("dynamodb").get_paginator("scan").paginate(TableName=self.ledger_table(function))
        ):
            for raw in page["Items"]:
                item = {k: deserializer.deserialize(v) for k, v in raw.items()}
                if str(item.get("pk", "")).startswith("INCIDENT#"):
                    items.append(item)
        return items

    # --- delivery ----------------------------------------------------------------------------------
    def function(self, arn: str) -> DeployedFunction:
        """The deployed function behind ``arn``, loaded once per deployment."""
        name = arn.split(":function:", 1)[1].split(":", 1)[0]
        if name not in self.functions:
            bucket, key = self._code_location(name)
            self.functions[name] = load_function(
                self.emulator,
                name=name,
                region=self.region,
                code_bucket=bucket,
                code_key=key,
                workdir=self.workdir,
            )
        return self.functions[name]

    def _code_location(self, function_name: str) -> tuple[str, str]:
        for stack in self.stacks:
            for logical_id, (rtype, physical_id) in stack.resources.items():
                if rtype == "AWS::Lambda::Function" and physical_id == function_name:
                    code = stack.template["Resources"][logical_id]["Properties"]["Code"]
                    if "S3Bucket" not in code:
                        raise ValueError(f"{function_name} has inline code: only S3 assets are run")
                    return self._resolve(code["S3Bucket"]), self._resolve(code["S3Key"])
        raise LookupError(f"function {function_name} is not in the deployed stacks")

    def _resolve(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            return (
                value["Fn::Sub"]
                .replace("${AWS::AccountId}", self.account)
                .replace("${AWS::Region}", self.region)
                .replace("${AWS::Partition}", "aws")
            )
        raise ValueError(f"cannot resolve the asset location {value!r}")

    def deliver(self, event: Mapping[str, Any], timeline: Timeline) -> list[Run]:
        """Route ``event`` through the deployed rules and run each Lambda target on it."""
        routes = route(self.emulator, event, region=self.region)
        if not routes:
            timeline.emulator(
                "EventBridge: no deployed rule matches the event (patterns read from the events API)"
            )
            return []
        runs: list[Run] = []
        for matched in routes:
            timeline.emulator(
                f"EventBridge: rule {_short(matched.rule_name)} matches (its EventPattern, read from the "
                f"events API) -> target {_short(matched.target_arn)}"
            )
            if ":lambda:" not in matched.target_arn or ":function:" not in matched.target_arn:
                timeline.emulator(
                    f"target {matched.target_arn} is not a Lambda function: not run by the game day"
                )
                continue
            function = self.function(matched.target_arn)
            invocation = function.invoke(matched.payload, self.emulator)
            timeline.function(*_describe_invocation(function, invocation))
            runs.append(Run(matched, function, invocation))
        return runs

    def close(self) -> None:
        for function in self.functions.values():
            function.unload()
        self.functions.clear()


# ----------------------------------------------------------------------------------------------
# reporting helpers
# ----------------------------------------------------------------------------------------------
def _short(name: str) -> str:
    """A readable name: ARNs lose their prefix, generated names their random suffix."""
    return _GENERATED_SUFFIX.sub("", name.rsplit(":", 1)[-1].rsplit("/", 1)[-1])


def _results(invocation: Invocation) -> list[dict[str, Any]]:
    response = invocation.response if isinstance(invocation.response, Mapping) else {}
    return [r for r in response.get("results", []) if isinstance(r, Mapping)]


def _describe_invocation(function: DeployedFunction, invocation: Invocation) -> tuple[str, list[str]]:
    head = f"{function.handler} of {_short(function.name)} ran in {invocation.seconds:.2f} s"
    if invocation.error is not None:
        tail = invocation.logs.strip().splitlines()[-5:]
        return f"{head} and raised {type(invocation.error).__name__}: {invocation.error}", tail
    details = []
    for result in _results(invocation):
        line = f"{result.get('status')}: {result.get('resource') or ''} {result.get('reason', '')}".strip()
        if result.get("delivery"):
            line = f"[{result['delivery']} delivery, stored result] {line}"
        details.append(line)
        for action in result.get("actions", []):
            details.append(
                f"action {action.get('action')}: {action.get('outcome')} ({action.get('detail', '')})"
            )
    status = (
        invocation.response.get("status") if isinstance(invocation.response, Mapping) else invocation.response
    )
    return f"{head}: {status}", details
