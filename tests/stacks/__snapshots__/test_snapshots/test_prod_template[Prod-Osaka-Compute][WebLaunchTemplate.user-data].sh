#!/bin/bash
set -euxo pipefail
dnf install -y amazon-cloudwatch-agent
mkdir -p /opt/webapp
cat > /opt/webapp/app.py <<'APP'
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
APP
cat > /etc/systemd/system/webapp.service <<'UNIT'
[Unit]
Description=Web application (webapp)
After=network-online.target
Wants=network-online.target

[Service]
Environment=PORT=8080
Environment=HEALTH_PATH=/health
Environment=DEEP_HEALTH_PATH=/health/deep
Environment=DB_CONNECT_TIMEOUT_SECONDS=1.5
Environment=DB_ENDPOINT_PARAMETER=/webapp/prod/db/endpoint
Environment=DB_PORT=5432
ExecStart=/usr/bin/python3 /opt/webapp/app.py
DynamicUser=yes
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now webapp.service
cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'CWA'
{
  "agent": {
    "metrics_collection_interval": 60,
    "run_as_user": "cwagent"
  },
  "metrics": {
    "namespace": "CWAgent",
    "append_dimensions": {
      "AutoScalingGroupName": "${aws:AutoScalingGroupName}",
      "InstanceId": "${aws:InstanceId}"
    },
    "aggregation_dimensions": [
      [
        "AutoScalingGroupName"
      ]
    ],
    "metrics_collected": {
      "mem": {
        "measurement": [
          "mem_used_percent"
        ]
      },
      "disk": {
        "measurement": [
          "used_percent"
        ],
        "resources": [
          "/"
        ]
      }
    }
  }
}
CWA
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json -s
systemctl enable --now amazon-ssm-agent