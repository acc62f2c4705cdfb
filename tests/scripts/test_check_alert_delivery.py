"""scripts/check_alert_delivery.py against moto: the page arrives, or the check says it did not.

moto stores alarms but never runs their actions (SetAlarmState fires nothing): ``CloudWatchRunningActions``
stands in for CloudWatch's action by publishing the alarm notification to the alarm's SNS actions
after each SetAlarmState, the way CloudWatch does (CloudWatch User Guide, alarm actions). Everything
else (SNS topics, the SQS subscription, its delivery) is moto's own. The suppressor check uses a
botocore Stubber, because moto keeps no ActionsSuppressor.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scripts.check_alert_delivery import QUEUE_PREFIX, CheckError, check_delivery, main

REGION = "ap-northeast-1"
ALARM = "webapp-prod-web-cpu-early-warning-low"


class CloudWatchRunningActions:
    """A CloudWatch client whose SetAlarmState also runs the new state's SNS actions (moto does not)."""

    def __init__(self, client: Any, sns: Any) -> None:
        self._client, self._sns = client, sns
        self.states: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def set_alarm_state(self, **kwargs: Any) -> dict:
        result = self._client.set_alarm_state(**kwargs)
        self.states.append(kwargs["StateValue"])
        (alarm,) = self._client.describe_alarms(AlarmNames=[kwargs["AlarmName"]])["MetricAlarms"]
        actions = {"ALARM": "AlarmActions", "OK": "OKActions"}.get(kwargs["StateValue"])
        for topic in alarm.get(actions, []) if actions else []:
            notification = {
                "AlarmName": kwargs["AlarmName"],
                "NewStateValue": kwargs["StateValue"],
                "NewStateReason": kwargs["StateReason"],
            }
            self._sns.publish(TopicArn=topic, Message=json.dumps(notification), Subject="ALARM")
        return result


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def aws():
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        topic = sns.create_topic(Name="webapp-prod-alerts-low")["TopicArn"]
        cloudwatch.put_metric_alarm(
            AlarmName=ALARM, Namespace="AWS/EC2", MetricName="CPUUtilization", Statistic="Average",
            Period=60, EvaluationPeriods=1, Threshold=70, ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[topic], OKActions=[topic],
        )  # fmt: skip
        cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="OK", StateReason="initial")
        yield {"sns": sns, "sqs": sqs, "cloudwatch": cloudwatch, "topic": topic}


def _left_over(aws) -> tuple[list, list]:
    queues = aws["sqs"].list_queues(QueueNamePrefix=QUEUE_PREFIX).get("QueueUrls", [])
    subscriptions = aws["sns"].list_subscriptions_by_topic(TopicArn=aws["topic"])["Subscriptions"]
    return queues, subscriptions


def test_the_notification_arrives_and_everything_is_put_back(aws):
    # given CloudWatch running the alarm's actions
    cloudwatch = CloudWatchRunningActions(aws["cloudwatch"], aws["sns"])
    # when the check runs
    report = check_delivery(
        ALARM, cloudwatch=cloudwatch, sns=aws["sns"], sqs=aws["sqs"], poll_seconds=0, clock=FakeClock()
    )
    # then the topic delivered this run's notification to the test subscription
    assert report.ok and [t.topic_arn for t in report.topics] == [aws["topic"]]
    assert report.lines()[0].startswith(f"{aws['topic']}: delivered after ")
    # and the alarm is OK again, the queue and the subscription are gone
    assert cloudwatch.states == ["ALARM", "OK"]
    (alarm,) = aws["cloudwatch"].describe_alarms(AlarmNames=[ALARM])["MetricAlarms"]
    assert alarm["StateValue"] == "OK" and "done" in alarm["StateReason"]
    assert _left_over(aws) == ([], [])


def test_a_page_that_never_arrives_fails_the_check_and_still_cleans_up(aws):
    # given CloudWatch that sends nothing (a policy dropping the notification looks the same)
    report = check_delivery(
        ALARM, cloudwatch=aws["cloudwatch"], sns=aws["sns"], sqs=aws["sqs"], timeout_seconds=5,
        poll_seconds=0, clock=FakeClock(),
    )  # fmt: skip
    assert not report.ok
    assert report.lines() == [f"{aws['topic']}: NOT delivered"]
    assert _left_over(aws) == ([], [])


def test_another_runs_notification_is_not_taken_for_this_one(aws):
    # given a notification of the same alarm with another token already on its way
    class Stale(CloudWatchRunningActions):
        def set_alarm_state(self, **kwargs: Any) -> dict:
            return super().set_alarm_state(**{**kwargs, "StateReason": "alert delivery check 000000000000"})

    report = check_delivery(
        ALARM, cloudwatch=Stale(aws["cloudwatch"], aws["sns"]), sns=aws["sns"], sqs=aws["sqs"],
        timeout_seconds=5, poll_seconds=0, clock=FakeClock(),
    )  # fmt: skip
    assert not report.ok


def test_refuses_an_alarm_in_alarm(aws):
    aws["cloudwatch"].set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="real incident")
    with pytest.raises(CheckError, match=r"is in ALARM \(a real incident\?\)"):
        check_delivery(ALARM, cloudwatch=aws["cloudwatch"], sns=aws["sns"], sqs=aws["sqs"])
    assert _left_over(aws) == ([], [])


def test_refuses_an_unknown_alarm_from_the_command_line(aws, capsys):
    assert main(["--region", REGION, "--alarm", "webapp-prod-nothing-low"]) == 2
    assert "no alarm named 'webapp-prod-nothing-low'" in capsys.readouterr().err


def test_the_command_line_reports_a_missing_page_with_status_1(aws, capsys):
    assert main(["--region", REGION, "--alarm", ALARM, "--timeout", "0"]) == 1
    assert "NOT delivered" in capsys.readouterr().out


def test_refuses_while_the_pause_switch_suppresses_the_actions__botocore_stubber():
    # given a composite whose suppressor (the pause switch alarm) is in ALARM: moto keeps no suppressor
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    suppressor = f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:webapp-prod-operations-paused-low"
    composite = {
        "AlarmName": "webapp-prod-web-incident-low",
        "StateValue": "OK",
        "AlarmActions": [f"arn:aws:sns:{REGION}:123456789012:webapp-prod-alerts-low"],
        "ActionsSuppressor": suppressor,
    }
    with Stubber(cloudwatch) as stub:
        stub.add_response("describe_alarms", {"CompositeAlarms": [composite], "MetricAlarms": []})
        stub.add_response(
            "describe_alarms",
            {"MetricAlarms": [{"AlarmName": "webapp-prod-operations-paused-low", "StateValue": "ALARM"}]},
            {
                "AlarmNames": ["webapp-prod-operations-paused-low"],
                "AlarmTypes": ["CompositeAlarm", "MetricAlarm"],
            },
        )
        with pytest.raises(
            CheckError, match=r"suppressed by .*paused-low \(in ALARM: the pause switch is on\)"
        ):
            check_delivery(composite["AlarmName"], cloudwatch=cloudwatch, sns=None, sqs=None)
        stub.assert_no_pending_responses()
