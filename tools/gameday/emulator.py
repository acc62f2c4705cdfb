"""The local AWS: moto in server mode, on 127.0.0.1 only, holding one account.

moto serves every account from one process; which account a request lands in comes from
``MOTO_ACCOUNT_ID`` (read per request). The game day deploys an environment's templates, whose
ARNs and bucket names carry that environment's account id, so :class:`Emulator` sets
``MOTO_ACCOUNT_ID`` while it runs (and restores the previous value when it stops). The server runs
in a thread of this process, which is also why :mod:`tools.gameday.moto_gaps` can fill its gaps:
they are applied while the emulator runs and removed when it stops. It also sets ``MOTO_PORT`` to its
port while it runs: moto's Step Functions executions call their AWS SDK tasks' services there.
"""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from tools.gameday import moto_gaps

__all__ = ["FAKE_SECRET", "Emulator"]

FAKE_SECRET = "testing"
LOOPBACK = "127.0.0.1"


class Emulator:
    """moto's server on ``127.0.0.1`` for ``account``; use as a context manager.

    One at a time per process: moto keeps its state in process-wide backends, so two servers in
    one process would share (and reset) each other's resources.

    :param account: 12-digit account id every request is served from (the environment's).
    :param port: TCP port. Default: 0, any free port.
    """

    _running: Emulator | None = None

    def __init__(self, *, account: str, port: int = 0) -> None:
        if not (len(account) == 12 and account.isdigit()):
            raise ValueError(f"account ({account!r}) must be a 12-digit AWS account id, e.g. '111111111111'.")
        if not 0 <= port <= 65535:
            raise ValueError(f"port ({port}) must be 0 (any free port) or 1-65535.")
        self.account = account
        self._port = port
        self._server: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._session: Any = None
        self._previous_log_level = logging.NOTSET
        self._gaps_applied = False
        self._previous_account: str | None = None
        self._previous_port: str | None = None
        self.endpoint_url = ""

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Emulator:
        from moto.server import ThreadedMotoServer

        if Emulator._running is not None:
            raise RuntimeError(
                f"an emulator is already running at {Emulator._running.endpoint_url}: moto's state is "
                "process-wide, stop that one first."
            )
        moto_gaps.install()
        self._gaps_applied = True
        # One access-log line per request drowns the timeline; werkzeug still logs errors (and
        # moto's tracebacks when it fails on a request) at ERROR level.
        self._previous_log_level = logging.getLogger("werkzeug").level
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._previous_account = os.environ.get("MOTO_ACCOUNT_ID")
        os.environ["MOTO_ACCOUNT_ID"] = self.account
        try:
            self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=self._port, verbose=False)
            self._server.start()
            host, port = self._server.get_host_and_port()
            if host != LOOPBACK:  # pragma: no cover - a guard: ThreadedMotoServer binds what it is given
                raise RuntimeError(
                    f"the emulator bound {host}, not {LOOPBACK}: refusing to serve beyond loopback"
                )
        except BaseException:
            self.stop()
            raise
        self.endpoint_url = f"http://{LOOPBACK}:{port}"
        self._previous_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(port)  # where a state machine's AWS SDK tasks send their calls
        Emulator._running = self
        return self

    def stop(self) -> None:
        """Stop the server and restore what :meth:`start` changed (safe to call twice)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._clients.clear()
        self._session = None
        self.endpoint_url = ""
        if Emulator._running is self:
            Emulator._running = None
        if self._gaps_applied:
            for name, previous in (
                ("MOTO_ACCOUNT_ID", self._previous_account),
                ("MOTO_PORT", self._previous_port),
            ):
                if previous is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = previous
            self._previous_port = None
            logging.getLogger("werkzeug").setLevel(self._previous_log_level)
            moto_gaps.uninstall()
            self._gaps_applied = False

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every resource in every service (moto's ``/moto-api/reset``).

        Needed between drills: CloudFormation in moto cannot delete a VPC stack
        (DependencyViolation), so each drill starts from a fresh deploy instead.
        """
        self._require_running()
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    # --- clients ---------------------------------------------------------------------------------
    def client(self, service: str, region: str) -> Any:
        """A boto3 client of ``service`` in ``region``, pointed at the emulator with fake credentials.

        Clients are cached per service and region while the emulator runs (creating one costs
        more than most calls to it).
        """
        self._require_running()
        key = (service, region)
        if key not in self._clients:
            import boto3
            from botocore.config import Config

            if self._session is None:
                self._session = boto3.session.Session(
                    aws_access_key_id=self.account, aws_secret_access_key=FAKE_SECRET, region_name=region
                )
            self._clients[key] = self._session.client(
                service,
                region_name=region,
                endpoint_url=self.endpoint_url,
                config=Config(retries={"mode": "standard", "max_attempts": 2}),
            )
        return self._clients[key]

    def runtime_environment(self, region: str) -> Mapping[str, str]:
        """Environment variables that send any AWS SDK in this process to the emulator."""
        self._require_running()
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": self.account,
            "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
            "AWS_SESSION_TOKEN": FAKE_SECRET,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
        }

    @contextmanager
    def environment(self, region: str, extra: Mapping[str, str] | None = None) -> Iterator[None]:
        """Set :meth:`runtime_environment` (plus ``extra``) in ``os.environ`` for the block only."""
        saved = dict(os.environ)
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update({**(extra or {}), **self.runtime_environment(region)})
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def _require_running(self) -> None:
        if not self.endpoint_url:
            raise RuntimeError("the emulator is not running: use `with Emulator(...) as emulator:` first.")
