"""Boot script of the web instances: the library's boot steps around the user's app.

The construct's own launch template runs, in this order: the CloudWatch agent's install, the app
(the built-in demo server by default, else the user's ``user_data`` script), the agent's
configuration, the SSM agent. Every value that reaches the shell is checked against a pattern first.
"""

from __future__ import annotations

import json
import re

from aws_cdk import aws_ec2 as ec2

from constructs_lib._core import AppProbe
from constructs_lib._core.app_probe import DEEP_CHECK_CONNECT_TIMEOUT_SECONDS

# A minimal web application whose own process answers /health: if the process hangs or dies, the
# ALB sees it (a static file served by another daemon would stay green while the app is down).
# It reads its database host once, when it starts, from the SSM parameter named by
# DB_ENDPOINT_PARAMETER (DatabaseEndpointParameter's contract): `systemctl restart` makes it read the
# parameter again, which is how the point-in-time restore runbook switches it to a restored instance.
_APP = r"""
import json, os, socket, subprocess, threading, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTED = time.time()
PORT = int(os.environ.get("PORT", "8080"))
HEALTH_PATH = os.environ.get("HEALTH_PATH", "/health")
DEEP_HEALTH_PATH = os.environ.get("DEEP_HEALTH_PATH", "")
DB_CONNECT_TIMEOUT = float(os.environ.get("DB_CONNECT_TIMEOUT_SECONDS", "1.5"))
DB_PARAMETER = os.environ.get("DB_ENDPOINT_PARAMETER", "")
DB_PORT = int(os.environ.get("DB_PORT", "5432"))
DEEP_CACHE_SECONDS = 1.0  # at most one connection to the database per second, however many ask
IMDS = "http://169.254.169.254/latest"


def region():
    if os.environ.get("AWS_REGION"):
        return os.environ["AWS_REGION"]
    token = urllib.request.urlopen(urllib.request.Request(
        IMDS + "/api/token", method="PUT", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}), timeout=2
    ).read().decode()
    return urllib.request.urlopen(urllib.request.Request(
        IMDS + "/meta-data/placement/region", headers={"X-aws-ec2-metadata-token": token}), timeout=2
    ).read().decode()


def read_database_host():
    # (host, problem): read at every start, never cached across restarts.
    if not DB_PARAMETER:
        return None, "no database configured"
    problem = "not read"
    for attempt in range(3):
        try:
            done = subprocess.run(
                ["aws", "ssm", "get-parameter", "--region", region(), "--name", DB_PARAMETER,
                 "--query", "Parameter.Value", "--output", "text"],
                capture_output=True, text=True, timeout=20)
            if done.returncode == 0 and done.stdout.strip():
                return done.stdout.strip(), None
            problem = (done.stderr or done.stdout).strip()[-300:] or "empty value"
        except Exception as error:
            problem = str(error)
        if attempt < 2:
            time.sleep(2 * (attempt + 1))
    return None, "cannot read %s: %s" % (DB_PARAMETER, problem)


DB_HOST, DB_PROBLEM = read_database_host()
print("database: %s" % (DB_HOST or DB_PROBLEM), flush=True)


def deep_health():
    # 200 only when the database accepts a TCP connection (no credentials); the answer names no host.
    if not DB_PARAMETER:
        return 200, {"status": "ok", "database": "not configured"}
    if not DB_HOST:
        return 503, {"status": "fail", "database": "endpoint unknown"}
    started = time.monotonic()
    try:
        socket.create_connection((DB_HOST, DB_PORT), timeout=DB_CONNECT_TIMEOUT).close()
    except OSError as error:
        print("deep check: %s:%s unreachable: %s" % (DB_HOST, DB_PORT, error), flush=True)
        return 503, {"status": "fail", "database": "unreachable"}
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return 200, {"status": "ok", "database": "reachable", "connect_ms": elapsed_ms}


_deep_lock = threading.Lock()
_deep_last = [0.0, None]


def cached_deep_health():
    # The deep path is public and Route 53 asks from many places: one check per second answers all
    # (concurrent requests wait for the one running, never open connections of their own).
    with _deep_lock:
        if _deep_last[1] is None or time.monotonic() - _deep_last[0] >= DEEP_CACHE_SECONDS:
            _deep_last[1] = deep_health()
            _deep_last[0] = time.monotonic()
        return _deep_last[1]


class Handler(BaseHTTPRequestHandler):
    server_version = "webapp/1"

    def _send(self, code, body, ctype="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == HEALTH_PATH:
            self._send(200, json.dumps({"status": "ok", "uptime_s": int(time.time() - STARTED)}))
        elif DEEP_HEALTH_PATH and self.path == DEEP_HEALTH_PATH:
            code, body = cached_deep_health()
            self._send(code, json.dumps(body))
        else:
            self._send(200, "<h1>%s</h1>" % socket.gethostname(), "text/html")

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
"""

#: SSM parameter names the boot script may write into the app's unit: ``/`` then letters, digits and
#: ``_.-/`` (SSM API, PutParameter, Name), no space or quote a systemd ``Environment=`` line would split.
SHELL_SAFE_PARAMETER_NAME = re.compile(r"^/[A-Za-z0-9_.\-/]{1,200}$")

#: Health paths the boot script may put on a command line: an absolute path of URL-safe characters
#: without shell metacharacters (``$`` ``;`` ``&`` ``'`` ``(`` ...), never starting with ``-``.
SHELL_SAFE_HEALTH_PATH = re.compile(r"^/[A-Za-z0-9._~/-]{0,1023}$")

#: Where the user's ``user_data`` script is written and run from (root only).
USER_SCRIPT_PATH = "/usr/local/libexec/app-user-data"
_USER_SCRIPT_END = "APP_USER_DATA"


def check_shell_safe_probe(app_probe: AppProbe) -> AppProbe:
    """``app_probe`` if its health path may reach a shell, else a ValueError naming the fix.

    The unit name is already plain (AppProbe refuses anything else, and a leading ``-``).
    """
    for prop, path in (
        ("health_path", app_probe.health_path),
        ("deep_health_path", app_probe.deep_health_path),
    ):
        if path is not None and not SHELL_SAFE_HEALTH_PATH.fullmatch(path):
            raise ValueError(
                f"app_probe.{prop} ({path!r}) reaches the instances' boot script: use letters, digits and "
                "'._~/-' only, starting with '/', e.g. '/health'."
            )
    return app_probe


def cloudwatch_agent_config(namespace: str = "CWAgent") -> dict:
    """Memory and disk utilisation, aggregated by Auto Scaling group for group-level alarms."""
    return {
        "agent": {"metrics_collection_interval": 60, "run_as_user": "cwagent"},
        "metrics": {
            "namespace": namespace,
            "append_dimensions": {
                "AutoScalingGroupName": "${aws:AutoScalingGroupName}",
                "InstanceId": "${aws:InstanceId}",
            },
            "aggregation_dimensions": [["AutoScalingGroupName"]],
            "metrics_collected": {
                "mem": {"measurement": ["mem_used_percent"]},
                "disk": {"measurement": ["used_percent"], "resources": ["/"]},
            },
        },
    }


def check_parameter_name(name: str | None, *, prop: str = "database_endpoint_parameter") -> str | None:
    """``name`` if it may be written into the app's unit, else a ValueError naming the fix."""
    if name is not None and not SHELL_SAFE_PARAMETER_NAME.fullmatch(name):
        raise ValueError(
            f"{prop} ({name!r}) must be an SSM parameter name: '/' then letters, digits and '_.-/', "
            "e.g. '/shop/prod/db/endpoint'."
        )
    return name


def demo_app_commands(
    app_probe: AppProbe, *, database_endpoint_parameter: str | None = None, database_port: int = 5432
) -> list[str]:
    """Install and start the built-in demo server as the systemd unit ``app_probe.service_unit``.

    The unit is enabled, so it starts again on every boot (an instance leaving a stopped warm pool
    does not run user data again). With ``database_endpoint_parameter`` the server reads its database
    host from that SSM parameter each time it starts (``systemctl restart`` reads it again).
    ``app_probe.deep_health_path`` answers 200 only while a TCP connection to that host and
    ``database_port`` opens within :data:`DEEP_CHECK_CONNECT_TIMEOUT_SECONDS` (200 without a
    database); one check per second answers every request in that second (the path is public, and
    Route 53 asks from many locations), which delays what a checker sees by one second at most.
    ``app_probe.health_path`` answers from the process alone.
    """
    check_parameter_name(database_endpoint_parameter)
    unit_name = app_probe.service_unit
    database = (
        f"Environment=DB_ENDPOINT_PARAMETER={database_endpoint_parameter}\nEnvironment=DB_PORT={database_port}\n"
        if database_endpoint_parameter
        else ""
    )
    deep = (
        f"Environment=DEEP_HEALTH_PATH={app_probe.deep_health_path}\n"
        f"Environment=DB_CONNECT_TIMEOUT_SECONDS={DEEP_CHECK_CONNECT_TIMEOUT_SECONDS:g}\n"
        if app_probe.deep_health_path
        else ""
    )
    unit = f"""[Unit]
Description=Web application ({unit_name})
After=network-online.target
Wants=network-online.target

[Service]
Environment=PORT={app_probe.port}
Environment=HEALTH_PATH={app_probe.health_path}
{deep}{database}ExecStart=/usr/bin/python3 /opt/{unit_name}/app.py
DynamicUser=yes
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
"""
    return [
        f"mkdir -p /opt/{unit_name}",
        f"cat > /opt/{unit_name}/app.py <<'APP'\n{_APP.strip()}\nAPP",
        f"cat > /etc/systemd/system/{unit_name}.service <<'UNIT'\n{unit.strip()}\nUNIT",
        "systemctl daemon-reload",
        f"systemctl enable --now {unit_name}.service",
    ]


def user_script_commands(user_data: ec2.UserData) -> list[str]:
    """Write the user's script to :data:`USER_SCRIPT_PATH` and run it with its own interpreter.

    It must be a script (``UserData.for_linux()``, any ``#!`` line): cloud-config or MIME parts
    cannot run inside the library's script. It runs as its own process, so the library's
    ``set -euo pipefail`` does not change how it behaves; a non-zero exit stops the boot there.
    """
    rendered = user_data.render()
    if not rendered.startswith("#!"):
        raise ValueError(
            "user_data must be a script starting with '#!' (ec2.UserData.for_linux()): the construct runs "
            "it after its own boot steps. Bake cloud-config into machine_image instead."
        )
    if re.search(rf"(^|\n){_USER_SCRIPT_END}(\n|$)", rendered):
        raise ValueError(
            f"user_data contains a line '{_USER_SCRIPT_END}', which ends the here-document the construct "
            "writes it with: rename that line."
        )
    return [
        f"install -d -m 0700 {USER_SCRIPT_PATH.rsplit('/', 1)[0]}",
        f"cat > {USER_SCRIPT_PATH} <<'{_USER_SCRIPT_END}'\n{rendered}\n{_USER_SCRIPT_END}",
        f"chmod 0700 {USER_SCRIPT_PATH}",
        USER_SCRIPT_PATH,
    ]


def boot_script(
    *,
    app_probe: AppProbe,
    app_commands: list[str] | None = None,
    ready_commands: list[str] | None = None,
    database_endpoint_parameter: str | None = None,
    database_port: int = 5432,
) -> list[str]:
    """The launch template's script: CloudWatch agent, the app, agent configuration, SSM agent.

    ``app_commands``: how the app gets onto the instance. Default: :func:`demo_app_commands` (with
    ``database_endpoint_parameter`` and ``database_port``).
    ``ready_commands``: run last, once everything is up (the launch lifecycle hook). Default: none.
    """
    check_shell_safe_probe(app_probe)
    if app_commands is None:
        app_commands = demo_app_commands(
            app_probe, database_endpoint_parameter=database_endpoint_parameter, database_port=database_port
        )
    agent_config = json.dumps(cloudwatch_agent_config(), indent=2)
    return [
        "set -euxo pipefail",
        # SSM agent ships with Amazon Linux 2023; the CloudWatch agent comes from the AL repos (S3).
        "dnf install -y amazon-cloudwatch-agent",
        *app_commands,
        "cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'CWA'\n"
        f"{agent_config}\nCWA",
        "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 "
        "-c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json -s",
        "systemctl enable --now amazon-ssm-agent",
        *(ready_commands or []),
    ]
