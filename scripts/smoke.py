"""Smoke test of one region of one environment, run by the delivery pipeline after each deploy.

    python -m scripts.smoke --role-arn arn:aws:iam::333333333333:role/webapp-prod-pipeline-smoke-tokyo \\
        --region ap-northeast-1 --load-balancer-dns "$LOAD_BALANCER_DNS" --health-path /health \\
        --pause-parameter /webapp/prod/pause --alarm-name pipeline-smoke-webapp-prod-notification \\
        --topic-arn arn:aws:sns:ap-northeast-1:333333333333:webapp-prod-alerts-low

Three checks, each printed as PASS, FAIL or SKIP; the exit code is 1 if any fails:

1. health: the load balancer answers ``GET <path>`` with 200 (redirects are not followed: a listener
   that only redirects would look healthy with the application dead);
2. pause switch: the parameter reads ``false`` (healing and paging are on); ``scheduled`` (the nightly
   stop's pause, cleared by its morning job) and ``true`` (a person's) fail with what to do;
3. notification: the smoke alarm, set to ALARM, records "Successfully executed action <topic>" in
   its history, i.e. CloudWatch published to the alert topic (a missing topic policy or KMS grant
   shows up there as "Failed to execute action"). The alarm is set back to OK afterwards.

The AWS calls run with the credentials of ``--role-arn`` (the environment's smoke role, assumed
from the pipeline's CodeBuild role). Only boto3 is needed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import ssl
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

#: CloudWatch's history summary of an alarm action (CloudWatch API Reference, DescribeAlarmHistory,
#: HistoryItemType ``Action``): "Successfully executed action <arn>" or "Failed to execute action <arn>...".
ACTION_SUCCEEDED = "Successfully executed action"
ACTION_FAILED = "Failed to execute action"
#: SetAlarmState runs the actions only when the state changes (CloudWatch API Reference, SetAlarmState).
SMOKE_REASON = "Delivery pipeline smoke test: proves that alarm notifications reach the alert topic."


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # PASS, FAIL or SKIP
    detail: str

    def __str__(self) -> str:
        return f"{self.status:4}  {self.name:13} {self.detail}"


# -- health -----------------------------------------------------------------------------------------


class _NamedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to ``host`` (the load balancer) verifying the certificate against ``server_name`` (the
    public name the certificate is for), sent as SNI and Host."""

    def __init__(self, host: str, *, server_name: str, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(host, timeout=timeout, context=context)
        self._server_name = server_name
        self._context = context

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_name)


def fetch_status(
    host: str,
    path: str,
    *,
    server_name: str | None = None,
    timeout: float = 5.0,
    ca_file: str | None = None,
) -> int:
    """Status code of ``GET path`` at ``host`` (``name`` or ``name:port``); HTTPS when ``server_name``."""
    if server_name is None:
        conn: http.client.HTTPConnection = http.client.HTTPConnection(host, timeout=timeout)
        headers = {}
    else:
        context = ssl.create_default_context(cafile=ca_file)
        conn = _NamedHTTPSConnection(host, server_name=server_name, context=context, timeout=timeout)
        headers = {"Host": server_name}
    try:
        conn.request("GET", path, headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def check_health(
    host: str,
    path: str,
    *,
    server_name: str | None = None,
    timeout_seconds: float = 180,
    poll_seconds: float = 10,
    fetch: Callable[..., int] = fetch_status,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> CheckResult:
    """PASS once ``GET path`` answers 200; retried for ``timeout_seconds`` (targets of a just-updated
    group may still be registering)."""
    if not host:
        return CheckResult("health", "FAIL", "no load balancer DNS name given (--load-balancer-dns is empty)")
    scheme = "https" if server_name else "http"
    url = f"{scheme}://{host}{path}" + (f" (certificate of {server_name})" if server_name else "")
    deadline = monotonic() + timeout_seconds
    last = ""
    while True:
        try:
            status = fetch(host, path, server_name=server_name)
            if status == 200:
                return CheckResult("health", "PASS", f"{url} answered 200")
            last = f"answered {status}" + (" (a redirect is not an answer)" if 300 <= status < 400 else "")
        except (OSError, http.client.HTTPException) as error:
            last = f"failed: {error}"
        if monotonic() >= deadline:
            return CheckResult("health", "FAIL", f"{url} {last} (gave up after {timeout_seconds:.0f} s)")
        sleep(poll_seconds)


# -- pause switch -----------------------------------------------------------------------------------


def check_pause_switch(ssm: Any, parameter_name: str) -> CheckResult:
    """PASS when the pause switch reads ``false``: healing, alarm actions and DR automation are on."""
    try:
        value = ssm.get_parameter(Name=parameter_name)["Parameter"]["Value"]
    except Exception as error:  # botocore's ClientError and friends: reported, not raised
        return CheckResult("pause switch", "FAIL", f"{parameter_name} could not be read: {error}")
    if value.strip().lower() == "false":
        return CheckResult("pause switch", "PASS", f"{parameter_name} reads 'false'")
    # The values are the healing function's (lambda_src/auto_heal/contract.py); this script needs boto3 only.
    if value == "scheduled":
        return CheckResult(
            "pause switch",
            "FAIL",
            f"{parameter_name} reads 'scheduled': healing and paging are paused by the nightly stop, whose "
            "morning job clears it; retry this step after the morning start.",
        )
    return CheckResult(
        "pause switch",
        "FAIL",
        f"{parameter_name} reads {value!r}: healing and paging are paused (maintenance or a drill: a "
        "person's pause, which nothing automatic clears); set it back to 'false' when that is over, then "
        "retry this step.",
    )


# -- notification path ------------------------------------------------------------------------------


def _item_time(item: Mapping[str, Any]) -> datetime:
    stamp = item["Timestamp"]
    if isinstance(stamp, str):
        stamp = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def notification_outcome(
    items: Iterable[Mapping[str, Any]], topic_arn: str, since: datetime
) -> tuple[str, str] | None:
    """``("delivered" | "failed", summary)`` of the newest action on ``topic_arn`` at or after
    ``since``, or ``None`` when no such action is recorded yet."""
    relevant = []
    for item in items:
        if item.get("HistoryItemType", "Action") != "Action" or _item_time(item) < since:
            continue
        summary = item.get("HistorySummary", "")
        try:
            data = json.loads(item.get("HistoryData") or "{}")
        except ValueError:
            data = {}
        resource = data.get("notificationResource", "")
        if topic_arn not in summary and resource != topic_arn:
            continue
        relevant.append((_item_time(item), summary, data.get("actionState")))
    if not relevant:
        return None
    _, summary, state = max(relevant, key=lambda r: r[0])
    if state == "Succeeded" or summary.startswith(ACTION_SUCCEEDED):
        return "delivered", summary
    return "failed", summary


def check_notification(
    cloudwatch: Any,
    alarm_name: str,
    topic_arn: str,
    *,
    timeout_seconds: float = 120,
    poll_seconds: float = 5,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CheckResult:
    """Set the smoke alarm to ALARM and wait for its history to show the publish to ``topic_arn``."""
    try:
        # From OK, so that ALARM is a change of state and the alarm action runs.
        cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue="OK", StateReason=SMOKE_REASON)
        since = now() - timedelta(seconds=5)
        cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue="ALARM", StateReason=SMOKE_REASON)
        deadline = monotonic() + timeout_seconds
        while True:
            items = cloudwatch.describe_alarm_history(
                AlarmName=alarm_name,
                HistoryItemType="Action",
                StartDate=since,
                ScanBy="TimestampDescending",
            ).get("AlarmHistoryItems", [])
            outcome = notification_outcome(items, topic_arn, since)
            if outcome is not None:
                kind, summary = outcome
                if kind == "delivered":
                    return CheckResult("notification", "PASS", f"{alarm_name}: {summary}")
                return CheckResult("notification", "FAIL", f"{alarm_name}: {summary}")
            if monotonic() >= deadline:
                return CheckResult(
                    "notification",
                    "FAIL",
                    f"{alarm_name} went to ALARM but no action on {topic_arn} was recorded within "
                    f"{timeout_seconds:.0f} s: check the alarm's actions and that it is enabled.",
                )
            sleep(poll_seconds)
    except Exception as error:
        return CheckResult("notification", "FAIL", f"{alarm_name}: {error}")
    finally:
        try:
            cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue="OK", StateReason=SMOKE_REASON)
        except Exception as error:
            print(f"warning: could not set {alarm_name} back to OK: {error}", file=sys.stderr)


# -- putting it together ----------------------------------------------------------------------------


def assumed_session(role_arn: str, region: str, *, session_name: str = "pipeline-smoke") -> Any:
    """A boto3 session with the credentials of ``role_arn`` (assumed from the current credentials)."""
    import boto3

    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=role_arn, RoleSessionName=session_name
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.smoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("--role-arn", required=True, help="the environment's smoke role to assume")
    parser.add_argument("--region", required=True)
    parser.add_argument(
        "--load-balancer-dns", required=True, help="the load balancer's DNS name (stack output)"
    )
    parser.add_argument("--health-path", default="/health")
    parser.add_argument(
        "--tls-server-name", help="HTTPS, verifying the certificate of this name (default: HTTP)"
    )
    parser.add_argument("--skip-health", metavar="REASON", help="skip the health check, saying why")
    parser.add_argument("--health-timeout-seconds", type=float, default=180)
    parser.add_argument("--pause-parameter", required=True)
    parser.add_argument("--alarm-name", required=True)
    parser.add_argument("--topic-arn", required=True)
    parser.add_argument("--notification-timeout-seconds", type=float, default=120)
    parser.add_argument("--poll-seconds", type=float, default=5, help="pause between attempts of a check")
    return parser.parse_args(argv)


def run(
    args: argparse.Namespace, session: Any, *, fetch: Callable[..., int] = fetch_status
) -> list[CheckResult]:
    results = []
    if args.skip_health:
        results.append(CheckResult("health", "SKIP", args.skip_health))
    else:
        results.append(
            check_health(
                args.load_balancer_dns,
                args.health_path,
                server_name=args.tls_server_name,
                timeout_seconds=args.health_timeout_seconds,
                poll_seconds=args.poll_seconds,
                fetch=fetch,
            )
        )
    results.append(check_pause_switch(session.client("ssm"), args.pause_parameter))
    results.append(
        check_notification(
            session.client("cloudwatch"),
            args.alarm_name,
            args.topic_arn,
            timeout_seconds=args.notification_timeout_seconds,
            poll_seconds=args.poll_seconds,
        )
    )
    return results


def main(
    argv: Sequence[str] | None = None,
    *,
    session_factory: Callable[[str, str], Any] = assumed_session,
    fetch: Callable[..., int] = fetch_status,
) -> int:
    args = parse_args(argv)
    print(f"smoke test in {args.region} as {args.role_arn}")
    results = run(args, session_factory(args.role_arn, args.region), fetch=fetch)
    for result in results:
        print(f"  {result}")
    failed = [r for r in results if r.status == "FAIL"]
    print(f"result: {'FAILED' if failed else 'passed'} ({len(failed)} of {len(results)} checks failed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
