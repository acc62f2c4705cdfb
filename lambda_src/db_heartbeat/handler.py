"""Heartbeat on the primary: a committed transaction every ``HEARTBEAT_SPACING_SECONDS``.

RDS for PostgreSQL reports a replica's ``ReplicaLag`` as the time since the last replayed commit, so
an idle source shows up to 5 minutes of lag (RDS User Guide, "Working with read replicas for Amazon
RDS for PostgreSQL"). ``SELECT pg_current_xact_id()`` assigns a transaction id, so its commit writes
a commit record to the WAL (PostgreSQL documentation, "Transaction ID and Snapshot Information
Functions") without touching any table: the replica replays it and its lag reads near zero.

Environment: ``SECRET_ARN`` (the master secret: username, password, host, port, dbname),
``BEATS_PER_INVOCATION`` and ``HEARTBEAT_SPACING_SECONDS`` (one invocation a minute, several beats).
"""

from __future__ import annotations

import json
import os
import ssl
import time

import boto3
import pgwire  # the asset folder is the Lambda root (handler "handler.handler")

HEARTBEAT_SQL = "SELECT pg_current_xact_id()"


def beat(connection: pgwire.Connection) -> str:
    """One committed transaction; returns its transaction id."""
    ((xid,),) = connection.query(HEARTBEAT_SQL)
    return str(xid)


def run(
    *, secret: dict, beats: int, spacing_seconds: float, ssl_context: ssl.SSLContext | None, sleep=time.sleep
) -> list[str]:
    """Connect with ``secret`` and commit ``beats`` heartbeats ``spacing_seconds`` apart."""
    connection = pgwire.connect(
        host=secret["host"],
        port=int(secret.get("port", 5432)),
        user=secret["username"],
        password=secret["password"],
        database=secret.get("dbname") or "postgres",
        ssl_context=ssl_context,
    )
    try:
        xids = []
        for index in range(beats):
            if index:
                sleep(spacing_seconds)
            xids.append(beat(connection))
        return xids
    finally:
        connection.close()


def handler(event: dict, context: object) -> dict:
    secret = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SECRET_ARN"])["SecretString"]
    )
    # rds.force_ssl=1: TLS always; the RDS certificate authorities are not in the Lambda trust store,
    # so the session is encrypted but the server is proven by SCRAM's server signature instead.
    context_ = ssl.create_default_context()
    context_.check_hostname = False
    context_.verify_mode = ssl.CERT_NONE
    xids = run(
        secret=secret,
        beats=int(os.environ.get("BEATS_PER_INVOCATION", "2")),
        spacing_seconds=float(os.environ.get("HEARTBEAT_SPACING_SECONDS", "30")),
        ssl_context=context_,
    )
    print(json.dumps({"heartbeats": len(xids), "last_xid": xids[-1]}))
    return {"heartbeats": len(xids)}
