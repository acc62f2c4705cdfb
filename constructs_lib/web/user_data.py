"""Boot script of the web instances: the demo app as a systemd unit, the SSM and CloudWatch agents."""

from __future__ import annotations

import json

# A minimal web application whose own process answers /health: if the process hangs or dies, the
# ALB sees it (a static file served by another daemon would stay green while the app is down).
_APP = r"""
import json, os, socket, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTED = time.time()
PORT = int(os.environ.get("PORT", "8080"))
HEALTH_PATH = os.environ.get("HEALTH_PATH", "/health")


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
        else:
            self._send(200, "<h1>%s</h1>" % socket.gethostname(), "text/html")

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
"""


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


def boot_script(*, service_unit: str, app_port: int, health_path: str) -> list[str]:
    """Shell commands that install and start the app as a systemd unit and the CloudWatch agent."""
    unit = f"""[Unit]
Description=Web application ({service_unit})
After=network-online.target
Wants=network-online.target

[Service]
Environment=PORT={app_port}
Environment=HEALTH_PATH={health_path}
ExecStart=/usr/bin/python3 /opt/{service_unit}/app.py
DynamicUser=yes
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
"""
    agent_config = json.dumps(cloudwatch_agent_config(), indent=2)
    return [
        "set -euxo pipefail",
        # SSM agent ships with Amazon Linux 2023; the CloudWatch agent comes from the AL repos (S3).
        "dnf install -y amazon-cloudwatch-agent",
        f"mkdir -p /opt/{service_unit}",
        f"cat > /opt/{service_unit}/app.py <<'APP'\n{_APP.strip()}\nAPP",
        f"cat > /etc/systemd/system/{service_unit}.service <<'UNIT'\n{unit.strip()}\nUNIT",
        "systemctl daemon-reload",
        f"systemctl enable --now {service_unit}.service",
        "cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'CWA'\n"
        f"{agent_config}\nCWA",
        "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 "
        "-c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json -s",
        "systemctl enable --now amazon-ssm-agent",
    ]
