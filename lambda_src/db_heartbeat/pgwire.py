"""The smallest PostgreSQL client the heartbeat needs, on the standard library only.

PostgreSQL frontend/backend protocol 3.0 (PostgreSQL documentation, chapter "Frontend/Backend
Protocol"): ``SSLRequest`` then TLS, ``StartupMessage``, authentication by SCRAM-SHA-256 (RFC 5802
and RFC 7677, "SASL Authentication"), MD5 or clear text over TLS, then simple ``Query`` messages.
The Lambda package stays free of compiled drivers (no bundling, no docker).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct

__all__ = ["Connection", "PgError", "connect"]

_SSL_REQUEST = 80877103
_PROTOCOL_3_0 = 196608


class PgError(Exception):
    """An ``ErrorResponse`` from the server, or a protocol the client cannot follow."""


def _message(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("!I", len(payload) + 4) + payload


def _cstr(text: str) -> bytes:
    return text.encode() + b"\x00"


def _error_text(payload: bytes) -> str:
    fields = {}
    for part in payload.split(b"\x00"):
        if part:
            fields[chr(part[0])] = part[1:].decode(errors="replace")
    return f"{fields.get('S', 'ERROR')} {fields.get('C', '')}: {fields.get('M', '')}".strip()


class Connection:
    """One authenticated session; :meth:`query` runs a simple query and returns its rows as text."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def _read_exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self._sock.recv(size - len(data))
            if not chunk:
                raise PgError("the server closed the connection")
            data += chunk
        return data

    def _read(self) -> tuple[bytes, bytes]:
        header = self._read_exact(5)
        (length,) = struct.unpack("!I", header[1:])
        return header[:1], self._read_exact(length - 4)

    def _authenticate(self, user: str, password: str) -> None:
        scram = None
        while True:
            kind, payload = self._read()
            if kind == b"E":
                raise PgError(_error_text(payload))
            if kind != b"R":
                raise PgError(f"unexpected message {kind!r} during authentication")
            (code,) = struct.unpack("!I", payload[:4])
            if code == 0:  # AuthenticationOk
                return
            if code == 3:  # AuthenticationCleartextPassword (e.g. IAM tokens), only ever over TLS
                self._sock.sendall(_message(b"p", _cstr(password)))
            elif code == 5:  # AuthenticationMD5Password
                inner = hashlib.md5((password + user).encode()).hexdigest()
                outer = hashlib.md5(inner.encode() + payload[4:8]).hexdigest()
                self._sock.sendall(_message(b"p", _cstr("md5" + outer)))
            elif code == 10:  # AuthenticationSASL
                mechanisms = [m.decode() for m in payload[4:].split(b"\x00") if m]
                if "SCRAM-SHA-256" not in mechanisms:
                    raise PgError(f"no supported SASL mechanism in {mechanisms}")
                scram = _Scram(password)
                first = scram.client_first().encode()
                body = _cstr("SCRAM-SHA-256") + struct.pack("!I", len(first)) + first
                self._sock.sendall(_message(b"p", body))
            elif code == 11 and scram is not None:  # AuthenticationSASLContinue
                self._sock.sendall(_message(b"p", scram.client_final(payload[4:].decode()).encode()))
            elif code == 12 and scram is not None:  # AuthenticationSASLFinal
                scram.verify_server(payload[4:].decode())
            else:
                raise PgError(f"unsupported authentication request {code}")

    def _wait_ready(self) -> list[tuple[str | None, ...]]:
        rows: list[tuple[str | None, ...]] = []
        error = None
        while True:
            kind, payload = self._read()
            if kind == b"D":
                (count,) = struct.unpack("!H", payload[:2])
                offset, row = 2, []
                for _ in range(count):
                    (size,) = struct.unpack("!i", payload[offset : offset + 4])
                    offset += 4
                    if size < 0:
                        row.append(None)
                    else:
                        row.append(payload[offset : offset + size].decode())
                        offset += size
                rows.append(tuple(row))
            elif kind == b"E":
                error = _error_text(payload)
            elif kind == b"Z":  # ReadyForQuery
                if error:
                    raise PgError(error)
                return rows

    def query(self, sql: str) -> list[tuple[str | None, ...]]:
        self._sock.sendall(_message(b"Q", _cstr(sql)))
        return self._wait_ready()

    def close(self) -> None:
        try:
            self._sock.sendall(_message(b"X", b""))
        finally:
            self._sock.close()


class _Scram:
    """SCRAM-SHA-256 without channel binding (gs2 header ``n,,``), RFC 5802 section 3 and RFC 7677."""

    def __init__(self, password: str) -> None:
        self._password = password
        self._nonce = base64.b64encode(os.urandom(18)).decode()
        self._first_bare = f"n=,r={self._nonce}"
        self._server_signature = b""

    def client_first(self) -> str:
        return "n,," + self._first_bare

    def client_final(self, server_first: str) -> str:
        attrs = dict(item.split("=", 1) for item in server_first.split(","))
        if not attrs["r"].startswith(self._nonce):
            raise PgError("SCRAM: the server nonce does not extend the client nonce")
        salted = hashlib.pbkdf2_hmac(
            "sha256", self._password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"])
        )
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        stored_key = hashlib.sha256(client_key).digest()
        final_bare = f"c=biws,r={attrs['r']}"
        auth_message = f"{self._first_bare},{server_first},{final_bare}".encode()
        signature = hmac.digest(stored_key, auth_message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        server_key = hmac.digest(salted, b"Server Key", "sha256")
        self._server_signature = hmac.digest(server_key, auth_message, "sha256")
        return f"{final_bare},p={base64.b64encode(proof).decode()}"

    def verify_server(self, server_final: str) -> None:
        attrs = dict(item.split("=", 1) for item in server_final.split(","))
        if not hmac.compare_digest(base64.b64decode(attrs.get("v", "")), self._server_signature):
            raise PgError("SCRAM: the server's signature does not match (not the real server?)")


def connect(
    *,
    host: str,
    port: int,
    user: str,
    password: str,
    database: str,
    ssl_context: ssl.SSLContext | None,
    timeout: float = 10.0,
) -> Connection:
    """Open a session. ``ssl_context`` None means plain TCP (tests on a local server only)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if ssl_context is not None:
            sock.sendall(struct.pack("!II", 8, _SSL_REQUEST))
            if sock.recv(1) != b"S":
                raise PgError("the server refused TLS")
            sock = ssl_context.wrap_socket(sock, server_hostname=host)
        params = _cstr("user") + _cstr(user) + _cstr("database") + _cstr(database) + b"\x00"
        startup = struct.pack("!I", _PROTOCOL_3_0) + params
        sock.sendall(struct.pack("!I", len(startup) + 4) + startup)
        connection = Connection(sock)
        connection._authenticate(user, password)
        connection._wait_ready()
        return connection
    except BaseException:
        sock.close()
        raise
