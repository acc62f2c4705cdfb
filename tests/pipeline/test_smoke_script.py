"""scripts/smoke.py against moto (SSM, CloudWatch, SNS, SQS, STS) and a local HTTP(S) server."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import ssl
import threading
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from scripts import smoke

REGION = "ap-northeast-1"
ACCOUNT = "123456789012"  # moto's default account: the assumed role's calls land in it
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/webapp-prod-pipeline-smoke-tokyo"
PAUSE = "/webapp/prod/pause"
ALARM = "pipeline-smoke-webapp-prod-notification"
TOPIC_NAME = "webapp-prod-alerts-low"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC_NAME}"


# -- a load balancer stand-in -----------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    statuses: dict[str, list[int]] = {}

    def do_GET(self) -> None:
        queue = self.statuses.get(self.path, [404])
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", f"https://{self.headers['Host']}{self.path}")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def load_balancer() -> Iterator[tuple[str, dict[str, list[int]]]]:
    """``(host:port, statuses)``: ``statuses[path]`` lists the answers, the last one repeats."""
    statuses: dict[str, list[int]] = {"/health": [200]}
    handler = type("Handler", (_Handler,), {"statuses": statuses})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", statuses
    server.shutdown()
    server.server_close()


# -- the environment in moto --------------------------------------------------------------------------


@pytest.fixture
def moto_alarm_actions(monkeypatch) -> dict[str, list[dict]]:
    """moto gap fill, named as such: moto 5.2.5 stores alarms, but SetAlarmState runs no actions and
    DescribeAlarmHistory is not implemented. This does what CloudWatch documents for both: on a change
    of state into ALARM, publish to each SNS alarm action and record an ``Action`` history item,
    "Successfully executed action <arn>" or "Failed to execute action <arn>. ..." when it cannot."""
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult
    from moto.sns.models import sns_backends

    history: dict[str, list[dict]] = {}
    original = CloudWatchBackend.set_alarm_state

    def set_alarm_state(self, alarm_name, reason, reason_data, state_value):
        alarm = self.alarms.get(alarm_name)
        previous = alarm.state_value if alarm else None
        original(self, alarm_name, reason, reason_data, state_value)
        if previous == state_value or state_value != "ALARM" or not alarm.actions_enabled:
            return
        for arn in alarm.alarm_actions:
            _, _, _, region, account, _ = arn.split(":", 5)
            topic = sns_backends[account][region].topics.get(arn)
            if topic is not None:
                topic.publish(
                    json.dumps({"AlarmName": alarm_name, "NewStateValue": "ALARM"}), subject="ALARM"
                )
                summary, state = f"Successfully executed action {arn}", "Succeeded"
            else:
                summary, state = (
                    f'Failed to execute action {arn}. Received error: "Topic does not exist"',
                    "Failed",
                )
            history.setdefault(alarm_name, []).append(
                {
                    "AlarmName": alarm_name,
                    "AlarmType": "MetricAlarm",
                    "Timestamp": dt.datetime.now(dt.UTC),
                    "HistoryItemType": "Action",
                    "HistorySummary": summary,
                    "HistoryData": json.dumps({"actionState": state, "notificationResource": arn}),
                }
            )

    def describe_alarm_history(self):
        kind = self._get_param("HistoryItemType")
        items = [
            i for i in history.get(self._get_param("AlarmName"), []) if kind in (None, i["HistoryItemType"])
        ]
        return ActionResult({"AlarmHistoryItems": sorted(items, key=lambda i: i["Timestamp"], reverse=True)})

    monkeypatch.setattr(CloudWatchBackend, "set_alarm_state", set_alarm_state)
    monkeypatch.setattr(CloudWatchResponse, "describe_alarm_history", describe_alarm_history, raising=False)
    return history


@pytest.fixture
def environment(moto_alarm_actions):
    """Prod's Tokyo region as the smoke step sees it: pause switch, low topic (with an SQS subscriber
    to observe deliveries), and the smoke alarm notifying the topic."""
    with mock_aws():
        ssm = boto3.client("ssm", region_name=REGION)
        ssm.put_parameter(Name=PAUSE, Value="false", Type="String")
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic_arn = sns.create_topic(Name=TOPIC_NAME)["TopicArn"]
        queue_url = sqs.create_queue(QueueName="observer")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        cloudwatch.put_metric_alarm(
            AlarmName=ALARM,
            Namespace="webapp/Delivery",
            MetricName="SmokeTest",
            Statistic="Maximum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
            AlarmActions=[topic_arn],
        )
        yield {
            "ssm": ssm,
            "sqs": sqs,
            "queue_url": queue_url,
            "cloudwatch": cloudwatch,
            "history": moto_alarm_actions,
        }


def _argv(host: str, *extra: str) -> list[str]:
    return [
        "--role-arn", ROLE_ARN, "--region", REGION, "--load-balancer-dns", host, "--health-path", "/health",
        "--pause-parameter", PAUSE, "--alarm-name", ALARM, "--topic-arn", TOPIC_ARN,
        "--health-timeout-seconds", "0", "--notification-timeout-seconds", "1",
        "--poll-seconds", "0.1", *extra,
    ]  # fmt: skip


# -- the whole script -------------------------------------------------------------------------------


def test_all_checks_pass_and_the_notification_reaches_the_topic(environment, load_balancer, capsys):
    host, _ = load_balancer

    assert smoke.main(_argv(host)) == 0  # the real assume-role path (moto STS)

    out = capsys.readouterr().out
    assert f"PASS  health        http://{host}/health answered 200" in out
    assert f"PASS  pause switch  {PAUSE} reads 'false'" in out
    assert f"PASS  notification  {ALARM}: Successfully executed action {TOPIC_ARN}" in out
    messages = environment["sqs"].receive_message(QueueUrl=environment["queue_url"])["Messages"]
    assert json.loads(json.loads(messages[0]["Body"])["Message"])["AlarmName"] == ALARM
    (alarm,) = environment["cloudwatch"].describe_alarms(AlarmNames=[ALARM])["MetricAlarms"]
    assert alarm["StateValue"] == "OK"  # set back after the check


def test_fails_when_the_pause_switch_is_on(environment, load_balancer, capsys):
    environment["ssm"].put_parameter(Name=PAUSE, Value="true", Type="String", Overwrite=True)

    assert smoke.main(_argv(load_balancer[0])) == 1

    out = capsys.readouterr().out
    assert f"FAIL  pause switch  {PAUSE} reads 'true': healing and paging are paused" in out
    assert "result: FAILED (1 of 3 checks failed)" in out


def test_fails_during_the_nightly_stop_and_says_when_to_retry(environment, load_balancer, capsys):
    environment["ssm"].put_parameter(Name=PAUSE, Value="scheduled", Type="String", Overwrite=True)

    assert smoke.main(_argv(load_balancer[0])) == 1

    out = capsys.readouterr().out
    assert (
        f"FAIL  pause switch  {PAUSE} reads 'scheduled': healing and paging are paused by the nightly" in out
    )
    assert "retry this step after the morning start" in out


def test_fails_when_the_alarm_cannot_publish_to_its_topic(environment, load_balancer, capsys):
    boto3.client("sns", region_name=REGION).delete_topic(TopicArn=TOPIC_ARN)

    assert smoke.main(_argv(load_balancer[0])) == 1

    assert f"FAIL  notification  {ALARM}: Failed to execute action {TOPIC_ARN}" in capsys.readouterr().out


def test_fails_when_the_alarm_records_no_action(environment, load_balancer, capsys):
    environment["cloudwatch"].disable_alarm_actions(AlarmNames=[ALARM])

    assert smoke.main(_argv(load_balancer[0])) == 1

    assert f"went to ALARM but no action on {TOPIC_ARN} was recorded within 1 s" in capsys.readouterr().out


def test_fails_when_the_pause_switch_cannot_be_read(environment, load_balancer, capsys):
    environment["ssm"].delete_parameter(Name=PAUSE)

    assert smoke.main(_argv(load_balancer[0])) == 1

    assert f"FAIL  pause switch  {PAUSE} could not be read: " in capsys.readouterr().out


def test_skips_health_for_a_standby_at_zero_instances(environment, capsys):
    argv = _argv("", "--skip-health", "standby region at zero instances")

    assert smoke.main(argv) == 0

    assert "SKIP  health        standby region at zero instances" in capsys.readouterr().out


def test_fails_when_the_load_balancer_name_did_not_arrive(environment, capsys):
    assert smoke.main(_argv("")) == 1

    assert "no load balancer DNS name given" in capsys.readouterr().out


# -- health -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "detail"), [(503, "answered 503"), (301, "answered 301 (a redirect is not an answer)")]
)
def test_health_fails_on_errors_and_on_redirects(load_balancer, status, detail):
    host, statuses = load_balancer
    statuses["/health"] = [status]

    result = smoke.check_health(host, "/health", timeout_seconds=0)

    assert result.status == "FAIL" and detail in result.detail


def test_health_retries_until_the_targets_answer(load_balancer):
    host, statuses = load_balancer
    statuses["/health"] = [503, 502, 200]
    waits = []

    result = smoke.check_health(host, "/health", timeout_seconds=60, poll_seconds=7, sleep=waits.append)

    assert result.status == "PASS" and waits == [7, 7]


def test_health_fails_when_nothing_listens():
    result = smoke.check_health("127.0.0.1:9", "/health", timeout_seconds=0)

    assert result.status == "FAIL" and "failed:" in result.detail


@pytest.fixture
def https_load_balancer(tmp_path) -> Iterator[tuple[str, str]]:
    """``(host:port, CA file)``: HTTPS with a certificate for www.example.test only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("www.example.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    handler = type("Handler", (_Handler,), {"statuses": {"/health": [200]}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", str(cert_file)
    server.shutdown()
    server.server_close()


def test_https_health_verifies_the_certificate_of_the_public_name(https_load_balancer):
    host, ca_file = https_load_balancer
    fetch = functools.partial(smoke.fetch_status, ca_file=ca_file)

    good = smoke.check_health(host, "/health", server_name="www.example.test", timeout_seconds=0, fetch=fetch)
    wrong = smoke.check_health(
        host, "/health", server_name="api.example.test", timeout_seconds=0, fetch=fetch
    )

    assert good.status == "PASS" and good.detail.startswith(f"https://{host}/health")
    assert wrong.status == "FAIL" and "certificate" in wrong.detail.lower()


# -- reading the alarm history ------------------------------------------------------------------------


def _item(summary: str, *, seconds_ago: float = 0, data: dict | None = None) -> dict:
    return {
        "HistoryItemType": "Action",
        "Timestamp": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds_ago),
        "HistorySummary": summary,
        "HistoryData": json.dumps(data or {}),
    }


def test_notification_outcome_reads_the_newest_action_on_the_topic_since_the_check_started():
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
    ok = _item(f"Successfully executed action {TOPIC_ARN}")
    failed = _item(f"Failed to execute action {TOPIC_ARN}. Received error: KMS", seconds_ago=10)
    old = _item(f"Successfully executed action {TOPIC_ARN}", seconds_ago=3600)
    other = _item("Successfully executed action arn:aws:sns:ap-northeast-1:123456789012:other")

    assert smoke.notification_outcome([], TOPIC_ARN, since) is None
    assert smoke.notification_outcome([old, other], TOPIC_ARN, since) is None
    assert smoke.notification_outcome([failed], TOPIC_ARN, since)[0] == "failed"
    assert smoke.notification_outcome([failed, ok], TOPIC_ARN, since)[0] == "delivered"
    by_data = _item("executed", data={"actionState": "Succeeded", "notificationResource": TOPIC_ARN})
    assert smoke.notification_outcome([by_data], TOPIC_ARN, since)[0] == "delivered"
