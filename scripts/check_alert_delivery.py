"""Post-deploy check: an alarm's notification really reaches the subscribers of its topics.

Synthesis can show the policies, not that they let a page through: a condition CloudWatch or SNS
does not satisfy (topic policy, the key's encryption context) drops notifications without an error
anywhere. This check proves the path end to end, in the deployed account:

1. reads the alarm (metric or composite) and the SNS topics of its ALARM actions; refuses an alarm
   already in ALARM (a real incident) or whose actions suppressor is in ALARM (the pause switch on);
2. subscribes a temporary SQS queue to each topic (its policy lets only that topic send);
3. sets the alarm to ALARM with ``SetAlarmState`` (CloudWatch then runs the alarm's actions, as for a
   real state change; CloudWatch API Reference, SetAlarmState);
4. waits for the notification carrying this run's token on every queue;
5. always puts the alarm back to its previous state, unsubscribes and deletes the queues.

The topics' real subscribers get the test notification too (and the OK one when the alarm is put
back): use a low-severity alarm, e.g. ``webapp-prod-web-incident-low``. Needs cloudwatch:DescribeAlarms,
cloudwatch:SetAlarmState, sns:Subscribe, sns:Unsubscribe and sqs:CreateQueue/SetQueueAttributes/
GetQueueAttributes/ReceiveMessage/DeleteQueue.

Usage::

    python -m scripts.check_alert_delivery --region ap-northeast-1 --alarm webapp-prod-web-incident-low

Exit status: 0 every topic delivered, 1 a topic did not deliver in time, 2 the check could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: AlarmTypes of DescribeAlarms: without it, composite alarms are not returned (CloudWatch API Reference).
ALARM_TYPES = ["CompositeAlarm", "MetricAlarm"]
#: Queue names: 1-80 characters of letters, digits, '-' and '_' (SQS CreateQueue, QueueName).
QUEUE_PREFIX = "alert-delivery-check-"


class CheckError(Exception):
    """The check cannot run (no such alarm, a live incident, paused, no topic)."""


@dataclass
class TopicDelivery:
    topic_arn: str
    delivered_after_seconds: float | None = None

    @property
    def delivered(self) -> bool:
        return self.delivered_after_seconds is not None


@dataclass
class DeliveryReport:
    alarm_name: str
    token: str
    topics: list[TopicDelivery] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.topics) and all(t.delivered for t in self.topics)

    def lines(self) -> list[str]:
        return [
            f"{t.topic_arn}: delivered after {t.delivered_after_seconds:.1f} s"
            if t.delivered
            else f"{t.topic_arn}: NOT delivered"
            for t in self.topics
        ]


def _describe(cloudwatch: Any, name: str) -> dict | None:
    found = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=ALARM_TYPES)
    alarms = found.get("MetricAlarms", []) + found.get("CompositeAlarms", [])
    return alarms[0] if alarms else None


def _sns_topics(alarm: dict) -> list[str]:
    return [a for a in alarm.get("AlarmActions", []) if a.split(":")[2:3] == ["sns"]]


def _queue_policy(queue_arn: str, topic_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                }
            ],
        }
    )


def _carries(message: dict, token: str) -> bool:
    """Whether an SQS message (an SNS envelope) is this run's alarm notification."""
    try:
        envelope = json.loads(message["Body"])
        notification = json.loads(envelope["Message"])
    except (KeyError, TypeError, ValueError):
        return False
    return token in str(notification.get("NewStateReason", ""))


def check_delivery(
    alarm_name: str,
    *,
    cloudwatch: Any,
    sns: Any,
    sqs: Any,
    timeout_seconds: float = 120,
    poll_seconds: int = 5,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryReport:
    """Run the check with the given boto3 clients; raise CheckError when it cannot run."""
    alarm = _describe(cloudwatch, alarm_name)
    if alarm is None:
        raise CheckError(f"no alarm named {alarm_name!r} in this account and region.")
    if alarm["StateValue"] == "ALARM":
        raise CheckError(f"{alarm_name} is in ALARM (a real incident?): run the check when it is OK.")
    suppressor = alarm.get("ActionsSuppressor")
    if suppressor:
        state = _describe(cloudwatch, suppressor.split(":alarm:")[-1])
        if state is not None and state["StateValue"] == "ALARM":
            raise CheckError(
                f"{alarm_name}'s actions are suppressed by {suppressor} (in ALARM: the pause switch is on): "
                "nothing would be sent."
            )
    topics = _sns_topics(alarm)
    if not topics:
        raise CheckError(f"{alarm_name} has no SNS topic in its ALARM actions: nothing to check.")

    token = uuid.uuid4().hex[:12]
    report = DeliveryReport(alarm_name=alarm_name, token=token)
    queues: list[tuple[str, str | None]] = []  # (queue url, subscription arn)
    changed = False
    try:
        for index, topic_arn in enumerate(topics):
            url = sqs.create_queue(QueueName=f"{QUEUE_PREFIX}{token}-{index}")["QueueUrl"]
            queues.append((url, None))
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _queue_policy(arn, topic_arn)})
            subscription = sns.subscribe(
                TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, ReturnSubscriptionArn=True
            )
            queues[-1] = (url, subscription["SubscriptionArn"])
            report.topics.append(TopicDelivery(topic_arn=topic_arn))

        started = clock()
        cloudwatch.set_alarm_state(
            AlarmName=alarm_name, StateValue="ALARM", StateReason=f"alert delivery check {token}"
        )
        changed = True
        waiting = {i for i in range(len(report.topics))}
        while waiting and clock() - started <= timeout_seconds:
            for i in sorted(waiting):
                url = queues[i][0]
                received = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=poll_seconds
                )
                if any(_carries(m, token) for m in received.get("Messages", [])):
                    report.topics[i].delivered_after_seconds = clock() - started
                    waiting.discard(i)
        return report
    finally:
        if changed:
            cloudwatch.set_alarm_state(
                AlarmName=alarm_name,
                StateValue=alarm["StateValue"],
                StateReason=f"alert delivery check {token} done: back to {alarm['StateValue']}",
            )
        for url, subscription in queues:
            if subscription:
                sns.unsubscribe(SubscriptionArn=subscription)
            sqs.delete_queue(QueueUrl=url)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", required=True, help="region of the alarm, e.g. ap-northeast-1")
    parser.add_argument("--alarm", required=True, help="alarm name, e.g. webapp-prod-web-incident-low")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for delivery (120)")
    args = parser.parse_args(argv)

    import boto3

    session = boto3.Session(region_name=args.region)
    try:
        report = check_delivery(
            args.alarm,
            cloudwatch=session.client("cloudwatch"),
            sns=session.client("sns"),
            sqs=session.client("sqs"),
            timeout_seconds=args.timeout,
        )
    except CheckError as error:
        print(f"check not run: {error}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
