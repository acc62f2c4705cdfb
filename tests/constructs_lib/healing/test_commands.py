"""InstanceCommands: the Run Command document's parameters refuse what could reach a shell or systemctl,
and its script does what the handler and the runbook read from it (run here with stub commands)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from constructs_lib._core import AppProbe
from constructs_lib._handlers.auto_heal import aws as handler_aws
from constructs_lib.healing.commands import (
    ACTIONS,
    MAX_RETRY_COUNT,
    PORT_PATTERN,
    instance_commands_document,
)
from tests.constructs_lib.healing.support import as_list, join, role_statements

DOCUMENT = instance_commands_document(
    app_probe=AppProbe(port=3000, service_unit="shop", health_path="/ready")
)
PARAMETERS = DOCUMENT["parameters"]


def accepted(parameter: str, value: str) -> bool:
    """What Systems Manager checks before a command is sent (``allowedValues``, ``allowedPattern``)."""
    spec = PARAMETERS[parameter]
    if "allowedValues" in spec:
        return value in spec["allowedValues"]
    return re.search(spec["allowedPattern"], value) is not None


# --- parameters --------------------------------------------------------------------------------
def test_every_parameter_is_a_typed_string_with_a_pattern_or_a_list_of_values():
    assert DOCUMENT["schemaVersion"] == "2.2"
    for name, spec in PARAMETERS.items():
        assert spec["type"] == "String", name
        assert ("allowedPattern" in spec) != ("allowedValues" in spec), name
    assert PARAMETERS["Action"]["allowedValues"] == ["Diagnostics", "RestartService"] == list(ACTIONS)
    assert "default" not in PARAMETERS["Action"]  # the sender always says what it wants
    assert (PARAMETERS["ServiceUnit"]["default"], PARAMETERS["HealthCheckPort"]["default"]) == (
        "shop",
        "3000",
    )
    assert PARAMETERS["HealthCheckPath"]["default"] == "/ready"


@pytest.mark.parametrize("unit", ["webapp", "nginx.service", "app@1.service", "dbus-org.x:y", "a" * 100])
def test_plain_unit_names_are_accepted(unit):
    assert accepted("ServiceUnit", unit)


@pytest.mark.parametrize(
    "unit",
    [
        "-x",
        "--force",
        "--root=/tmp",
        "a b",
        "a;reboot",
        "$(id)",
        "a'b",
        'a"b',
        "a`id`",
        "",
        "a\nb",
        "a" * 101,
    ],
)
def test_units_that_could_be_options_or_shell_are_refused(unit):
    assert not accepted("ServiceUnit", unit)


def test_the_port_pattern_is_exactly_1_to_65535():
    assert all(accepted("HealthCheckPort", str(port)) for port in range(1, 65536))
    for port in ("0", "65536", "99999", "080", "-1", "8080 ", "80;id", "1e3"):
        assert not accepted("HealthCheckPort", port), port
    assert PARAMETERS["HealthCheckPort"]["allowedPattern"] == PORT_PATTERN


@pytest.mark.parametrize("path", ["health", "/a b", "/$(id)", "/a;b", "/'", "/a?b=1", "/" + "a" * 201])
def test_paths_with_shell_syntax_are_refused(path):
    assert not accepted("HealthCheckPath", path)


def test_retry_count_and_action_accept_only_their_values():
    assert [n for n in range(10) if accepted("RetryCount", str(n))] == list(range(MAX_RETRY_COUNT + 1))
    assert not accepted("Action", "Reboot")
    assert not accepted("Action", "RestartService; reboot")


def test_fails_when_retry_count_is_out_of_range():
    with pytest.raises(ValueError, match=r"retry_count \(6\) must be 0-5"):
        instance_commands_document(app_probe=AppProbe(), retry_count=6)


# --- the script, run with stub commands -------------------------------------------------------------
STUBS = {
    # records its arguments; "restart" fails when asked to (RESTART_RC)
    "systemctl": 'echo "systemctl $*" >> "$LOG"; [ "$1" = restart ] && exit "${RESTART_RC:-0}"; exit 0',
    # the health endpoint: answers after HEALTHY_AFTER calls (never when unset)
    "curl": 'n=$(($(cat "$STATE" 2>/dev/null || echo 0) + 1)); echo "$n" > "$STATE"; '
    'echo "curl $*" >> "$LOG"; [ -n "${HEALTHY_AFTER:-}" ] && [ "$n" -ge "$HEALTHY_AFTER" ]',
    "sleep": "exit 0",
    "journalctl": 'echo "journalctl $*" >> "$LOG"',
    "top": "echo top",
    "uptime": "echo up",
    "free": "echo free",
    "df": "echo df",
    "ps": "echo ps",
}


def run(tmp_path: Path, action: str, *, retry_count: str = "0", **env: str) -> tuple[int, str, list[str]]:
    """Render the document's script as Systems Manager would (``{{ Name }}`` -> value) and run it."""
    values = {
        "Action": action,
        "ServiceUnit": "shop",
        "HealthCheckPort": "3000",
        "HealthCheckPath": "/ready",
        "RetryCount": retry_count,
    }
    assert all(accepted(name, value) for name, value in values.items())
    lines = DOCUMENT["mainSteps"][0]["inputs"]["runCommand"]
    script = "\n".join(re.sub(r"\{\{ (\w+) \}\}", lambda m: values[m.group(1)], line) for line in lines)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in STUBS.items():
        stub = bin_dir / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "calls.log"
    completed = subprocess.run(
        ["sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        env={
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "LOG": str(log),
            "STATE": str(tmp_path / "curl.count"),
            **env,
        },
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return completed.returncode, completed.stdout, calls


def test_restart_restarts_the_unit_after_options_end_and_reports_health_and_memory(tmp_path):
    status, output, calls = run(tmp_path, "RestartService", HEALTHY_AFTER="2")

    assert status == 0
    assert calls[0] == "systemctl restart -- shop"
    assert calls[1:] == ["curl -fsS -m 3 -o /dev/null http://127.0.0.1:3000/ready"] * 2
    health, memory = handler_aws.parse_restart_output(output)  # what the handler reads
    assert health == "ok" and memory is not None and 0 <= memory <= 100
    assert "AUTOHEAL_RESTART_RC=0" in output


def test_restart_that_never_gets_healthy_fails_after_retry_count_more_restarts(tmp_path):
    status, output, calls = run(tmp_path, "RestartService", retry_count="1")

    assert status != 0  # the invocation ends Failed: a runbook step can branch on it
    assert [c for c in calls if c.startswith("systemctl")] == ["systemctl restart -- shop"] * 2
    assert sum(c.startswith("curl") for c in calls) == 20
    assert handler_aws.parse_restart_output(output)[0] == "fail"


def test_diagnostics_read_only(tmp_path):
    status, output, calls = run(tmp_path, "Diagnostics")

    assert status == 0
    assert "== processes by memory" in output
    assert calls == ["systemctl status --no-pager -l -- shop", "journalctl --no-pager -n 30 -u shop"]


# --- the construct and the healing role ------------------------------------------------------------
def test_the_document_is_a_command_document_for_instances(synthesized, full):
    (document,) = [
        d["Properties"]
        for d in full.find_resources("AWS::SSM::Document").values()
        if d["Properties"]["DocumentType"] == "Command"
    ]
    assert document["TargetType"] == "/AWS::EC2::Instance"
    assert document["UpdateMethod"] == "NewVersion"
    healing = synthesized["full"]
    assert document["Content"]["parameters"]["ServiceUnit"]["default"] == healing.app_probe.service_unit


def test_the_function_may_send_this_document_only_and_to_tagged_instances_only(synthesized):
    healing = synthesized["full"]
    document_id = synthesized["stacks"]["Full"].get_logical_id(healing.instance_commands.document)
    targets = []
    for statement in role_statements(synthesized, "Full", healing.role):
        if "ssm:SendCommand" not in as_list(statement["Action"]):
            continue
        for resource in as_list(statement["Resource"]):
            text = join(resource)
            targets.append(text)
            if ":instance/" in text:
                assert statement["Condition"] == {"StringEquals": {"aws:ResourceTag/Environment": "prod"}}
    assert len(targets) == 2
    assert any(t.endswith(f":document/<{document_id}>") for t in targets)
    assert not any("AWS-RunShellScript" in t for t in targets)
