"""The built-in demo server as the boot script writes it, run here with a stand-in ``aws`` CLI.

What the point-in-time restore relies on: the server reads its database host from the SSM parameter
each time it starts, so restarting its unit follows a switch of the parameter.
"""

from __future__ import annotations

import itertools
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from constructs_lib._core import AppProbe
from constructs_lib._core.app_probe import DEEP_CHECK_CONNECT_TIMEOUT_SECONDS
from constructs_lib.web.user_data import demo_app_commands

PARAMETER = "/webapp/prod/db/endpoint"


def _written(commands: list[str], marker: str) -> str:
    """The here-document a boot-script line writes (``cat > ... <<'MARKER'``)."""
    (line,) = [c for c in commands if f"<<'{marker}'" in c]
    return line.split("\n", 1)[1].rsplit(f"\n{marker}", 1)[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoServer:
    """The app.py the boot script installs, started as its unit would (its Environment= lines)."""

    def __init__(
        self, tmp_path: Path, *, parameter: str | None = PARAMETER, database_port: int = 5432
    ) -> None:
        commands = demo_app_commands(
            AppProbe(), database_endpoint_parameter=parameter, database_port=database_port
        )
        self.app = tmp_path / "app.py"
        self.app.write_text(_written(commands, "APP"))
        unit = _written(commands, "UNIT")
        self.environment = dict(re.findall(r"^Environment=([A-Z_]+)=(.*)$", unit, flags=re.MULTILINE))
        self.bin = tmp_path / "bin"
        self.bin.mkdir(exist_ok=True)
        self.calls = tmp_path / "aws-calls"
        self.value = tmp_path / "parameter-value"
        cli = self.bin / "aws"
        # Stand-in for the AWS CLI: records its arguments, answers get-parameter from a file.
        cli.write_text(f'#!/bin/sh\necho "$@" >> {self.calls}\ncat {self.value}\n')
        cli.chmod(0o755)
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def start(self, parameter_value: str) -> None:
        self.value.write_text(parameter_value + "\n")
        env = {
            **os.environ,
            **self.environment,
            "PORT": str(self.port),
            "AWS_REGION": "ap-northeast-1",  # on an instance: read from the instance metadata
            "PATH": f"{self.bin}:{os.environ['PATH']}",
        }
        self.process = subprocess.Popen(
            [sys.executable, str(self.app)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.get(self.environment["HEALTH_PATH"])
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        raise AssertionError("the demo server did not answer")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self) -> str:
        assert self.process is not None
        self.process.terminate()
        output, _ = self.process.communicate(timeout=10)
        return output


@pytest.fixture
def server(tmp_path):
    server = DemoServer(tmp_path)
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


def test_the_unit_names_the_parameter_and_the_database_port():
    unit = _written(demo_app_commands(AppProbe(), database_endpoint_parameter=PARAMETER), "UNIT")
    assert f"Environment=DB_ENDPOINT_PARAMETER={PARAMETER}" in unit
    assert "Environment=DB_PORT=5432" in unit
    assert "DB_ENDPOINT_PARAMETER" not in _written(demo_app_commands(AppProbe()), "UNIT")


def test_the_server_reads_the_parameter_when_it_starts_and_again_after_a_restart(server):
    server.start("webapp-prod-db.abc.ap-northeast-1.rds.amazonaws.com")
    first = server.stop()
    assert "database: webapp-prod-db.abc.ap-northeast-1.rds.amazonaws.com" in first
    assert f"ssm get-parameter --region ap-northeast-1 --name {PARAMETER}" in server.calls.read_text()

    # the runbook's switch: a new value, then `systemctl restart` (a new process)
    server.start("webapp-prod-db-pitr1.abc.ap-northeast-1.rds.amazonaws.com")
    assert "database: webapp-prod-db-pitr1.abc.ap-northeast-1.rds.amazonaws.com" in server.stop()
    assert server.calls.read_text().count("get-parameter") == 2


def test_the_server_starts_and_answers_its_health_path_when_the_parameter_cannot_be_read(tmp_path):
    server = DemoServer(tmp_path)
    server.start("")  # an empty answer counts as unreadable, like an error of the CLI
    assert server.get("/health")[0] == 200
    assert f"database: cannot read {PARAMETER}" in server.stop()


def test_fails_when_the_parameter_name_could_split_the_unit_line():
    with pytest.raises(ValueError, match="must be an SSM parameter name"):
        demo_app_commands(AppProbe(), database_endpoint_parameter="/db endpoint")


# --- the deep path (Route 53's regional checks) ----------------------------------------------------


@pytest.fixture
def database():
    """A listening TCP socket standing in for the database (the deep check only connects)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener
    listener.close()


def test_the_deep_path_answers_200_while_the_database_accepts_connections_and_names_no_host(
    tmp_path, database
):
    server = DemoServer(tmp_path, database_port=database.getsockname()[1])
    server.start("127.0.0.1")
    try:
        code, body = server.get("/health/deep")
        assert code == 200 and '"database": "reachable"' in body
        assert "127.0.0.1" not in body  # the public answer never names the database
        database.close()  # the database goes away (a failover, an outage)
        time.sleep(1.1)  # past the one-second cache of the last answer
        started = time.monotonic()
        code, body = server.get("/health/deep")
        assert code == 503 and '"database": "unreachable"' in body
        assert time.monotonic() - started < 2  # inside Route 53's two seconds
        assert server.get("/health")[0] == 200  # the load balancer's path does not care
    finally:
        assert "unreachable" in server.stop()


def test_the_deep_path_opens_at_most_one_connection_per_second_however_many_ask(tmp_path, database):
    accepted: list[float] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = database.accept()
            except OSError:
                return
            accepted.append(time.monotonic())
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    server = DemoServer(tmp_path, database_port=database.getsockname()[1])
    server.start("127.0.0.1")
    try:
        with ThreadPoolExecutor(8) as pool:  # a burst of checkers at once
            codes = {code for code, _ in pool.map(lambda _: server.get("/health/deep"), range(16))}
        assert codes == {200}
        time.sleep(0.2)
        # One connection per second at most, however slow the burst (a loaded machine may stretch
        # it past a second): far fewer than the requests, and never two within a second.
        assert 1 <= len(accepted) < 16
        assert all(b - a >= 0.95 for a, b in itertools.pairwise(accepted))
        before = len(accepted)
        time.sleep(1.1)  # the cached answer has expired: the next check connects again
        assert server.get("/health/deep")[0] == 200
        time.sleep(0.2)
        assert len(accepted) == before + 1
    finally:
        server.stop()


def test_the_deep_path_waits_for_the_database_less_than_route53_waits_for_it():
    # Route 53 wants the status within 2 s of connecting; a database that never answers is a 503 first
    unit = _written(demo_app_commands(AppProbe(), database_endpoint_parameter=PARAMETER), "UNIT")
    assert f"Environment=DB_CONNECT_TIMEOUT_SECONDS={DEEP_CHECK_CONNECT_TIMEOUT_SECONDS:g}" in unit
    assert DEEP_CHECK_CONNECT_TIMEOUT_SECONDS < 2
    app = _written(demo_app_commands(AppProbe()), "APP")
    assert "socket.create_connection((DB_HOST, DB_PORT), timeout=DB_CONNECT_TIMEOUT)" in app


def test_the_deep_path_fails_when_the_endpoint_could_not_be_read(tmp_path):
    server = DemoServer(tmp_path)
    server.start("")
    try:
        assert server.get("/health/deep") == (503, '{"status": "fail", "database": "endpoint unknown"}')
    finally:
        server.stop()


def test_without_a_database_the_deep_path_has_nothing_to_check(tmp_path):
    server = DemoServer(tmp_path, parameter=None)
    server.start("unused")
    try:
        assert server.get("/health/deep") == (200, '{"status": "ok", "database": "not configured"}')
        assert not server.calls.exists()  # no parameter, no AWS call
    finally:
        server.stop()


def test_an_app_without_a_deep_path_serves_none():
    unit = _written(demo_app_commands(AppProbe(deep_health_path=None)), "UNIT")
    assert "DEEP_HEALTH_PATH" not in unit
