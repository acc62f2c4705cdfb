"""The heartbeat's PostgreSQL client against a real local PostgreSQL server (SCRAM-SHA-256 over TLS)."""

from __future__ import annotations

import importlib
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ASSET = Path(__file__).resolve().parents[2] / "lambda_src" / "db_heartbeat"
BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
PASSWORD = "s3cret-Heartbeat"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def handler_modules():
    sys.path.insert(0, str(ASSET))  # as the Lambda runtime loads the asset
    try:
        yield importlib.import_module("handler"), importlib.import_module("pgwire")
    finally:
        sys.path.remove(str(ASSET))


@pytest.fixture(scope="module")
def server():
    assert BIN is not None, "PostgreSQL server binaries (Debian postgresql) are needed for this test"
    # Not under pytest's tmp dir: the server runs as 'postgres', which cannot enter root's 0700 folders.
    root = Path(tempfile.mkdtemp(prefix="heartbeat-pg-"))
    data, pwfile = root / "data", root / "pw"
    pwfile.write_text(PASSWORD)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    shutil.chown(root, "postgres")
    for path in root.iterdir():
        shutil.chown(path, "postgres")
    (root / "key.pem").chmod(0o600)
    run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*run_as, str(BIN / "initdb"), "-D", str(data), "-U", "dbadmin", f"--pwfile={pwfile}",
         "--auth=scram-sha-256"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = _free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c ssl=on "
        f"-c ssl_cert_file={root / 'cert.pem'} -c ssl_key_file={root / 'key.pem'}"
    )
    subprocess.run(
        [
            *run_as,
            str(BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(root / "log"),
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield port
    finally:
        subprocess.run(
            [*run_as, str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], check=False
        )


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _secret(port: int, password: str = PASSWORD) -> dict:
    return {
        "host": "127.0.0.1",
        "port": port,
        "username": "dbadmin",
        "password": password,
        "dbname": "postgres",
    }


def test_heartbeats_are_committed_transactions_with_increasing_ids(server, handler_modules):
    handler, _ = handler_modules
    naps = []
    xids = handler.run(
        secret=_secret(server), beats=3, spacing_seconds=30, ssl_context=_tls(), sleep=naps.append
    )
    assert naps == [30, 30]  # two waits between three beats
    assert [int(x) for x in xids] == sorted(int(x) for x in xids) and len(set(xids)) == 3


def test_the_session_is_encrypted(server, handler_modules):
    _, pgwire = handler_modules
    connection = pgwire.connect(
        host="127.0.0.1",
        port=server,
        user="dbadmin",
        password=PASSWORD,
        database="postgres",
        ssl_context=_tls(),
    )
    try:
        assert connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [("t",)]
    finally:
        connection.close()


def test_a_wrong_password_is_refused_with_the_servers_message(server, handler_modules):
    _, pgwire = handler_modules
    with pytest.raises(pgwire.PgError, match="28P01"):
        pgwire.connect(
            host="127.0.0.1",
            port=server,
            user="dbadmin",
            password="wrong",
            database="postgres",
            ssl_context=_tls(),
        )
