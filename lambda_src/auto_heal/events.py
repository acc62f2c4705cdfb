"""Parse every event shape the function receives into plain, validated dataclasses.

:func:`parse_event` never raises: anything it does not recognise, or recognises but finds
malformed (a missing field, a wrong type, an id that is not an id, a metric dimension that is not a
group name or an instance id), becomes :class:`Ignored` with the reason. Identifiers are checked
against their AWS formats here, so later code can put them in API calls and ledger keys without
further checks. Given the function's :class:`~origin.Origin`, an event of another account, region or
partition is :class:`Ignored` too (``foreign``): the envelope's ``account`` and ``region``, and every
ARN the event carries, parsed in full (the resource must be the one the detail names). A payload
holding text that cannot be encoded (a lone surrogate) is rejected whole, before anything reads it.

Supported shapes:

- EventBridge ``EC2 Instance State-change Notification`` (``aws.ec2``)
- EventBridge ``AWS Health Event`` for service ``EC2`` (``aws.health``)
- EventBridge ``CloudWatch Alarm State Change`` (``aws.cloudwatch``)
- SNS-delivered CloudWatch alarm notifications (``Records[].Sns.Message`` is the alarm as JSON);
  one invocation may carry several records, so :func:`parse_event` returns a tuple
- EventBridge ``EC2 Instance Launch Unsuccessful`` / ``EC2 Instance Terminate Unsuccessful``
  (``aws.autoscaling``)
- EventBridge ``RDS DB Instance Event`` (``aws.rds``)
- ``Incident Detected`` (``autoheal.detector``): a finding of the scheduled incident detector, handed
  over by an asynchronous invoke (no EventBridge rule matches it); it is a claim to be checked, never
  a fact: the healing function re-reads the resource before anything happens
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import contract
from .origin import Origin, parse_arn, unencodable

INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")
GROUP_NAME = re.compile(r"[^:\x00-\x1f\x7f]{1,255}")
DB_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,62}")
ALARM_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,255}")
EVENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
HEALTH_CHECK_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[0-9.:+Z-]*")
_EC2_STATES = frozenset({"pending", "running", "stopping", "stopped", "shutting-down", "terminated"})
_MAX_INSTANCES_PER_EVENT = 25
_MAX_SNS_RECORDS = 10
_MAX_MESSAGE_CHARS = 262_144  # SNS message size limit


# --------------------------------------------------------------------------------------------
# Parsed events
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ignored:
    """Not an event this function handles, or a malformed one: log it, count it, do nothing.

    ``category``: ``unsupported``, ``malformed``, ``foreign`` (another account, region or
    partition), ``unencodable`` or ``stale`` (set by the handler).
    """

    reason: str
    event_id: str = "unknown"
    category: str = "unsupported"


@dataclass(frozen=True, slots=True)
class InstanceStateChange:
    """EC2 instance state change (EventBridge)."""

    event_id: str
    time: str
    instance_id: str
    state: str


@dataclass(frozen=True, slots=True)
class InstanceHealthEvent:
    """AWS Health event about EC2 instances (automatic recovery, scheduled retirement)."""

    event_id: str
    time: str
    type_code: str
    status_code: str
    instance_ids: tuple[str, ...]
    scheduled_start: str = ""  # scheduled changes (retirement): when the change is due


@dataclass(frozen=True, slots=True)
class MetricRef:
    """One metric an alarm watches; dimensions as sorted ``(name, value)`` pairs."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]

    def dimension(self, name: str) -> str | None:
        return next((value for key, value in self.dimensions if key == name), None)


@dataclass(frozen=True, slots=True)
class AlarmStateChange:
    """A CloudWatch alarm changed state, delivered by EventBridge or SNS."""

    event_id: str
    time: str
    alarm_name: str
    state: str
    previous_state: str
    reason: str
    metrics: tuple[MetricRef, ...]
    composite: bool
    delivered_by: str  # "eventbridge" | "sns"


@dataclass(frozen=True, slots=True)
class GroupActivityFailed:
    """Auto Scaling could not launch or terminate an instance."""

    event_id: str
    time: str
    activity: str  # "launch" | "terminate"
    group_name: str
    status_message: str
    cause: str
    availability_zone: str
    subnet_id: str
    instance_id: str


@dataclass(frozen=True, slots=True)
class DatabaseEvent:
    """RDS DB instance event (failover, failure, ...)."""

    event_id: str
    time: str
    db_identifier: str
    source_arn: str
    event_code: str
    categories: tuple[str, ...]
    message: str


@dataclass(frozen=True, slots=True)
class Detection:
    """A problem found by the scheduled incident detector (not delivered by AWS).

    ``kind``: ``instance-impaired-system``, ``instance-impaired-instance``, ``group-capacity``,
    ``database-unavailable``, ``database-failure`` or ``health-check``; ``resource_id`` is the
    instance id, group name, DB identifier or Route 53 health check id; ``facts`` what was seen.
    """

    event_id: str
    time: str
    kind: str
    resource_id: str
    summary: str
    facts: tuple[tuple[str, str], ...] = ()
    delivered_by: str = "detector"


DETECTION_RESOURCE_FORMATS: dict[str, re.Pattern[str]] = {
    "instance-impaired-system": INSTANCE_ID,
    "instance-impaired-instance": INSTANCE_ID,
    "group-capacity": GROUP_NAME,
    "database-unavailable": DB_IDENTIFIER,
    "database-failure": DB_IDENTIFIER,
    "health-check": HEALTH_CHECK_ID,
}
"""Every kind of :class:`Detection` and the format of its resource id."""
_MAX_FACTS = 10

Event = (
    InstanceStateChange
    | InstanceHealthEvent
    | AlarmStateChange
    | GroupActivityFailed
    | DatabaseEvent
    | Detection
)
Parsed = Event | Ignored


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------
def parse_event(raw: Any, *, origin: Origin | None = None) -> tuple[Parsed, ...]:
    """All events carried by one invocation payload ``raw``; never raises.

    ``origin``: the function's account, region and partition; events of any other are ignored.
    Default: no origin check (parsing tests; the handler always passes its own).
    """
    try:
        if not isinstance(raw, Mapping):
            return (Ignored(f"payload is a {type(raw).__name__}, not an object", category="malformed"),)
        if unencodable(raw):
            return (
                Ignored(
                    "payload holds text that cannot be encoded (a lone surrogate): rejected for good",
                    category="unencodable",
                ),
            )
        if "Records" in raw:
            return _parse_sns(raw["Records"], origin)
        return (_parse_eventbridge(raw, origin),)
    except Exception as error:  # defensive: the parsers below are written not to raise
        return (Ignored(f"unparseable payload ({type(error).__name__})", category="malformed"),)


def _parse_eventbridge(raw: Mapping[str, Any], origin: Origin | None) -> Parsed:
    event_id = _text(raw, "id", EVENT_ID)
    if event_id is None:
        return Ignored("EventBridge event without a valid id", category="malformed")
    source, detail_type = raw.get("source"), raw.get("detail-type")
    time = _text(raw, "time", _TIME)
    detail = raw.get("detail")
    if not isinstance(detail, Mapping):
        return Ignored(
            f"no detail object (source {_short(source)}, detail-type {_short(detail_type)})", event_id
        )
    if time is None:
        return Ignored("EventBridge event without a valid time", event_id, "malformed")
    if origin is not None and (raw.get("account"), raw.get("region")) != (origin.account, origin.region):
        return Ignored(
            f"event of account {_short(raw.get('account'))} in {_short(raw.get('region'))}, not this "
            f"function's ({origin.account} in {origin.region})",
            event_id,
            "foreign",
        )
    parser = None
    if isinstance(source, str) and isinstance(detail_type, str):
        parser = _EVENTBRIDGE_PARSERS.get((source, detail_type))
        if source == "aws.autoscaling" and detail_type in _GROUP_ACTIVITIES:
            parser = _parse_group_activity
    if parser is None:
        return Ignored(
            f"unsupported event (source {_short(source)}, detail-type {_short(detail_type)})", event_id
        )
    return parser(event_id, time, detail, raw, origin)


def _resources_problem(
    raw: Mapping[str, Any], origin: Origin | None, service: str, resource: str, event_id: str
) -> Ignored | None:
    """The envelope's ``resources`` must be exactly the ARN of ``resource`` (``type/id`` or ``type:name``)
    of ``service`` in the origin: one the detail does not name, or of another account, is refused."""
    if origin is None:
        return None
    resources = raw.get("resources")
    if not isinstance(resources, list) or not resources:
        return Ignored(f"event names no resource ARN (expected {resource})", event_id, "malformed")
    for text in resources:
        arn = parse_arn(text)
        if arn is None:
            return Ignored(f"resource {_short(text)} is not an ARN", event_id, "malformed")
        if not arn.is_of(origin, service):
            return Ignored(f"resource {_short(text)} is not this account's and region's", event_id, "foreign")
        if arn.resource != resource and not arn.resource.endswith(f":{resource}"):
            return Ignored(
                f"resource {_short(text)} is not the {resource} the event is about", event_id, "malformed"
            )
    return None


def _parse_instance_state(
    event_id: str, time: str, detail: Mapping[str, Any], raw: Mapping, origin: Origin | None
) -> Parsed:
    instance_id = _text(detail, "instance-id", INSTANCE_ID)
    state = detail.get("state")
    if instance_id is None:
        return Ignored("EC2 state change without a valid instance-id", event_id, "malformed")
    if not isinstance(state, str) or state not in _EC2_STATES:
        return Ignored(f"EC2 state change with unknown state {_short(state)}", event_id, "malformed")
    problem = _resources_problem(raw, origin, "ec2", f"instance/{instance_id}", event_id)
    if problem is not None:
        return problem
    return InstanceStateChange(event_id=event_id, time=time, instance_id=instance_id, state=state)


def _parse_health(
    event_id: str, time: str, detail: Mapping[str, Any], raw: Mapping, origin: Origin | None
) -> Parsed:
    if detail.get("service") != "EC2":
        return Ignored(f"AWS Health event for service {_short(detail.get('service'))}", event_id)
    type_code = _text(detail, "eventTypeCode", re.compile(r"[A-Z0-9_]{1,128}"))
    if type_code is None:
        return Ignored("AWS Health event without a valid eventTypeCode", event_id)
    status = detail.get("statusCode")
    if origin is not None and detail.get("affectedAccount", origin.account) != origin.account:
        return Ignored(
            f"AWS Health event for account {_short(detail.get('affectedAccount'))}", event_id, "foreign"
        )
    candidates: list[Any] = []
    entities = detail.get("affectedEntities")
    if isinstance(entities, list):
        candidates += [
            e.get("entityValue")
            for e in entities
            # an organizational view names each entity's account: only this account's count
            if isinstance(e, Mapping)
            and (origin is None or e.get("awsAccountId", origin.account) == origin.account)
        ]
    resources = raw.get("resources")
    for text in resources if isinstance(resources, list) else []:
        arn = parse_arn(text)
        if arn is None:
            candidates.append(text)  # AWS Health names EC2 instances by their plain id
        elif (origin is None or arn.is_of(origin, "ec2")) and arn.resource.startswith("instance/"):
            candidates.append(arn.resource.removeprefix("instance/"))
    instance_ids: list[str] = []
    for candidate in candidates:
        if isinstance(candidate, str) and INSTANCE_ID.fullmatch(candidate) and candidate not in instance_ids:
            instance_ids.append(candidate)
    if not instance_ids:
        return Ignored(f"AWS Health event {type_code} names no EC2 instance of this account", event_id)
    scheduled = detail.get("eventTypeCategory") == "scheduledChange"
    return InstanceHealthEvent(
        event_id=event_id,
        time=time,
        type_code=type_code,
        status_code=status if isinstance(status, str) else "",
        instance_ids=tuple(instance_ids[:_MAX_INSTANCES_PER_EVENT]),
        scheduled_start=_clip(detail.get("startTime"), 64) if scheduled else "",
    )


def _parse_alarm_eventbridge(
    event_id: str, time: str, detail: Mapping[str, Any], raw: Mapping, origin: Origin | None
) -> Parsed:
    alarm_name = _text(detail, "alarmName", ALARM_NAME)
    state, previous = detail.get("state"), detail.get("previousState")
    if alarm_name is None:
        return Ignored("alarm state change without a valid alarmName", event_id, "malformed")
    if not isinstance(state, Mapping) or not isinstance(state.get("value"), str):
        return Ignored(f"alarm {alarm_name!r}: no state value", event_id, "malformed")
    problem = _resources_problem(raw, origin, "cloudwatch", f"alarm:{alarm_name}", event_id)
    if problem is not None:
        return problem
    configuration = detail.get("configuration")
    configuration = configuration if isinstance(configuration, Mapping) else {}
    metrics: list[MetricRef] = []
    raw_metrics = configuration.get("metrics")
    for item in raw_metrics if isinstance(raw_metrics, list) else []:
        stat = item.get("metricStat") if isinstance(item, Mapping) else None
        metric = stat.get("metric") if isinstance(stat, Mapping) else None
        if isinstance(metric, Mapping):
            ref = metric_ref(metric.get("namespace"), metric.get("name"), metric.get("dimensions"))
            if isinstance(ref, str):
                return Ignored(f"alarm {alarm_name!r}: {ref}", event_id, "malformed")
            if ref is not None:
                metrics.append(ref)
    return AlarmStateChange(
        event_id=event_id,
        time=time,
        alarm_name=alarm_name,
        state=state["value"],
        previous_state=_value(previous),
        reason=_clip(state.get("reason")),
        metrics=tuple(metrics),
        composite="alarmRule" in configuration,
        delivered_by="eventbridge",
    )


def _parse_group_activity(
    event_id: str, time: str, detail: Mapping[str, Any], raw: Mapping, origin: Origin | None
) -> Parsed:
    group_name = _text(detail, "AutoScalingGroupName", GROUP_NAME)
    if group_name is None:
        return Ignored("Auto Scaling event without a valid AutoScalingGroupName", event_id, "malformed")
    # arn:...:autoScalingGroup:<uuid>:autoScalingGroupName/<name>
    problem = _resources_problem(raw, origin, "autoscaling", f"autoScalingGroupName/{group_name}", event_id)
    if problem is not None:
        return problem
    details = detail.get("Details")
    details = details if isinstance(details, Mapping) else {}
    instance_id = _text(detail, "EC2InstanceId", INSTANCE_ID) or ""
    return GroupActivityFailed(
        event_id=event_id,
        time=time,
        activity=_GROUP_ACTIVITIES[raw["detail-type"]],
        group_name=group_name,
        status_message=_clip(detail.get("StatusMessage")),
        cause=_clip(detail.get("Cause")),
        availability_zone=_clip(details.get("Availability Zone"), 64),
        subnet_id=_clip(details.get("Subnet ID"), 64),
        instance_id=instance_id,
    )


def _parse_rds(
    event_id: str, time: str, detail: Mapping[str, Any], raw: Mapping, origin: Origin | None
) -> Parsed:
    db_identifier = _text(detail, "SourceIdentifier", DB_IDENTIFIER)
    if db_identifier is None:
        return Ignored("RDS event without a valid SourceIdentifier", event_id, "malformed")
    source_type = detail.get("SourceType")
    if source_type not in (None, "DB_INSTANCE"):
        return Ignored(f"RDS event for source type {_short(source_type)}", event_id)
    categories = detail.get("EventCategories")
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        return Ignored(f"RDS event for {db_identifier}: EventCategories is not a list of strings", event_id)
    source_arn = detail.get("SourceArn")
    if origin is not None:
        arn = parse_arn(source_arn)
        if arn is None or not arn.is_of(origin, "rds") or arn.resource != f"db:{db_identifier}":
            return Ignored(
                f"RDS event SourceArn {_short(source_arn)} is not {db_identifier} of this account and region",
                event_id,
                "foreign" if arn is not None else "malformed",
            )
    return DatabaseEvent(
        event_id=event_id,
        time=time,
        db_identifier=db_identifier,
        source_arn=source_arn if isinstance(source_arn, str) and source_arn.startswith("arn:") else "",
        event_code=_clip(detail.get("EventID"), 64),
        categories=tuple(c.lower() for c in categories[:10]),
        message=_clip(detail.get("Message")),
    )


def _parse_detection(
    event_id: str, time: str, detail: Mapping[str, Any], _raw: Mapping, _origin: Origin | None
) -> Parsed:
    kind = detail.get("kind")
    if not isinstance(kind, str) or kind not in DETECTION_RESOURCE_FORMATS:
        return Ignored(f"detector finding of unknown kind {_short(kind)}", event_id)
    resource_id = _text(detail, "resource_id", DETECTION_RESOURCE_FORMATS[kind])
    if resource_id is None:
        return Ignored(f"detector finding {kind} without a valid resource_id", event_id)
    facts = detail.get("facts")
    pairs = (
        tuple(
            (k[:64], v[:200])
            for k, v in list(facts.items())[:_MAX_FACTS]
            if isinstance(k, str) and isinstance(v, str)
        )
        if isinstance(facts, Mapping)
        else ()
    )
    return Detection(
        event_id=event_id,
        time=time,
        kind=kind,
        resource_id=resource_id,
        summary=_clip(detail.get("summary")),
        facts=pairs,
    )


_EVENTBRIDGE_PARSERS = {
    ("aws.ec2", "EC2 Instance State-change Notification"): _parse_instance_state,
    ("aws.health", "AWS Health Event"): _parse_health,
    ("aws.cloudwatch", "CloudWatch Alarm State Change"): _parse_alarm_eventbridge,
    ("aws.rds", "RDS DB Instance Event"): _parse_rds,
    (contract.DETECTION_SOURCE, contract.DETECTION_DETAIL_TYPE): _parse_detection,
}
_GROUP_ACTIVITIES = {
    "EC2 Instance Launch Unsuccessful": "launch",
    "EC2 Instance Terminate Unsuccessful": "terminate",
}


# --------------------------------------------------------------------------------------------
# SNS
# --------------------------------------------------------------------------------------------
def _parse_sns(records: Any, origin: Origin | None) -> tuple[Parsed, ...]:
    if not isinstance(records, list) or not records:
        return (Ignored("Records is not a non-empty list", category="malformed"),)
    parsed = [_parse_sns_record(record, origin) for record in records[:_MAX_SNS_RECORDS]]
    if len(records) > _MAX_SNS_RECORDS:
        parsed.append(
            Ignored(f"{len(records) - _MAX_SNS_RECORDS} records beyond the first {_MAX_SNS_RECORDS}")
        )
    return tuple(parsed)


def _parse_sns_record(record: Any, origin: Origin | None) -> Parsed:
    sns = record.get("Sns") if isinstance(record, Mapping) else None
    if not isinstance(sns, Mapping) or record.get("EventSource") != "aws:sns":
        return Ignored("record is not an SNS notification")
    event_id = _text(sns, "MessageId", EVENT_ID)
    if event_id is None:
        return Ignored("SNS record without a valid MessageId")
    message = sns.get("Message")
    if not isinstance(message, str) or len(message) > _MAX_MESSAGE_CHARS:
        return Ignored("SNS message is not a string", event_id)
    try:
        alarm = json.loads(message)
    except ValueError:
        return Ignored("SNS message is not JSON (not an alarm notification)", event_id)
    if unencodable(alarm):  # the message's JSON may escape a lone surrogate: "\ud800"
        return Ignored(
            "alarm notification holds text that cannot be encoded: rejected for good", event_id, "unencodable"
        )
    if not isinstance(alarm, Mapping) or "AlarmName" not in alarm:
        return Ignored("SNS message is not a CloudWatch alarm notification", event_id)
    alarm_name = _text(alarm, "AlarmName", ALARM_NAME)
    state = alarm.get("NewStateValue")
    if alarm_name is None or not isinstance(state, str):
        return Ignored(
            "alarm notification without a valid AlarmName and NewStateValue", event_id, "malformed"
        )
    if origin is not None:
        topic, alarm_arn = parse_arn(sns.get("TopicArn")), parse_arn(alarm.get("AlarmArn"))
        if (
            topic is None
            or alarm_arn is None
            or not topic.is_of(origin, "sns")
            or not alarm_arn.is_of(origin, "cloudwatch")
            or alarm_arn.resource != f"alarm:{alarm_name}"
            or alarm.get("AWSAccountId") != origin.account
        ):
            return Ignored(
                f"alarm notification {alarm_name!r} (topic {_short(sns.get('TopicArn'))}, alarm "
                f"{_short(alarm.get('AlarmArn'))}) is not of this account and region",
                event_id,
                "foreign",
            )
    time = _text(alarm, "StateChangeTime", _TIME) or _text(sns, "Timestamp", _TIME)
    if time is None:
        return Ignored(f"alarm notification {alarm_name!r} without a valid time", event_id)
    trigger = alarm.get("Trigger")
    metrics: list[MetricRef] = []
    if isinstance(trigger, Mapping):
        single = metric_ref(trigger.get("Namespace"), trigger.get("MetricName"), trigger.get("Dimensions"))
        if isinstance(single, str):
            return Ignored(f"alarm {alarm_name!r}: {single}", event_id, "malformed")
        if single is not None:
            metrics.append(single)
        queries = trigger.get("Metrics")
        for query in queries if isinstance(queries, list) else []:
            stat = query.get("MetricStat") if isinstance(query, Mapping) else None
            metric = stat.get("Metric") if isinstance(stat, Mapping) else None
            if isinstance(metric, Mapping):
                ref = metric_ref(metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions"))
                if isinstance(ref, str):
                    return Ignored(f"alarm {alarm_name!r}: {ref}", event_id, "malformed")
                if ref is not None:
                    metrics.append(ref)
    return AlarmStateChange(
        event_id=event_id,
        time=time,
        alarm_name=alarm_name,
        state=state,
        previous_state=alarm.get("OldStateValue") if isinstance(alarm.get("OldStateValue"), str) else "",
        reason=_clip(alarm.get("NewStateReason")),
        metrics=tuple(metrics),
        composite="AlarmRule" in alarm or not isinstance(trigger, Mapping),
        delivered_by="sns",
    )


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
_DIMENSION_FORMATS = {"AutoScalingGroupName": GROUP_NAME, "InstanceId": INSTANCE_ID}
"""Dimensions healing reads a resource from: their values must be of the resource's format."""


def metric_ref(namespace: Any, name: Any, dimensions: Any) -> MetricRef | str | None:
    """A metric from EventBridge (dimensions as an object) or SNS (a list of name/value); ``None`` when
    it is not one; the problem (a string) when a dimension healing reads is not of its format."""
    if not isinstance(namespace, str) or not isinstance(name, str) or not namespace or not name:
        return None
    pairs: list[tuple[str, str]] = []
    if isinstance(dimensions, Mapping):
        pairs = [(k, v) for k, v in dimensions.items() if isinstance(k, str) and isinstance(v, str)]
    elif isinstance(dimensions, list):
        for item in dimensions:
            if isinstance(item, Mapping):
                key = item.get("name", item.get("Name"))
                value = item.get("value", item.get("Value"))
                if isinstance(key, str) and isinstance(value, str):
                    pairs.append((key, value))
    elif dimensions is not None:
        return None
    for key, value in pairs:
        pattern = _DIMENSION_FORMATS.get(key)
        if pattern is not None and not pattern.fullmatch(value):
            return f"dimension {key} value {_short(value)} is not a valid {key}"
    return MetricRef(namespace=namespace[:255], name=name[:255], dimensions=tuple(sorted(pairs)[:30]))


def _text(mapping: Mapping[str, Any], key: str, pattern: re.Pattern[str]) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def _value(state: Any) -> str:
    value = state.get("value") if isinstance(state, Mapping) else None
    return value if isinstance(value, str) else ""


def _clip(value: Any, limit: int = 500) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _short(value: Any) -> str:
    return repr(value)[:80]
