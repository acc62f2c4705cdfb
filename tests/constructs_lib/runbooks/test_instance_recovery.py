"""InstanceRecoveryRunbook: the synthesized document and role, the health probe run in a shell, the
construct's prop checks."""

from __future__ import annotations

import copy
import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from constructs_lib import AppProbe, Naming
from constructs_lib._core import app_probe as app_probe_module
from constructs_lib.runbooks import graph
from constructs_lib.runbooks.instance_document import COMMAND_ACTIONS, COMMAND_HEALTHY_OUTPUT
from constructs_lib.runbooks.instance_recovery import (
    HEALTH_FAILED_MARKER,
    HEALTH_PASSED_MARKER,
    InstanceRecoveryRunbook,
    instance_recovery_document,
)
from constructs_lib.runbooks.validation import (
    granted_iam_actions,
    missing_iam_actions,
    required_iam_actions,
    validate_automation_document,
)
from tests.constructs_lib.runbooks.helpers import script_actions
from tests.unit.quality import cfn_lint, synth_with_nag

ENV = cdk.Environment(account="123456789012", region="ap-northeast-1")
NAMING = Naming(app="webapp", environment="prod")
PARAMETERS = {
    "InstanceId",
    "AutomationAssumeRole",
    "RetryCount",
    "TopicArn",
    "ServiceUnit",
    "HealthCheckPort",
    "HealthCheckPath",
}


# --------------------------------------------------------------------------------------------
# one synthesis for the module
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("runbooks")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Runbooks", env=ENV)
    key = kms.Key(stack, "AlertsKey", enable_key_rotation=True)
    topics = {
        s: sns.Topic(stack, f"Alerts{s.title()}", master_key=key, enforce_ssl=True)
        for s in ("high", "critical")
    }
    default = InstanceRecoveryRunbook(stack, "Recovery", naming=NAMING, notification_topics=topics)
    named = InstanceRecoveryRunbook(
        stack,
        "NamedRecovery",
        naming=NAMING,
        notification_topics=topics,
        app_probe=AppProbe(port=3000, service_unit="shop-api", health_path="/healthz"),
        default_severity="critical",
        document_name="webapp-prod-InstanceRecovery",
        diagnostics_log_group=logs.LogGroup(stack, "Diagnostics", retention=logs.RetentionDays.ONE_MONTH),
        retry_count=0,
    )
    commands = InstanceRecoveryRunbook(
        stack,
        "CommandsRecovery",
        naming=NAMING,
        notification_topics=topics,
        command_document_name="webapp-prod-InstanceCommands",
    )
    caller = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    default.grant_start(caller)
    templates, violations = synth_with_nag(app, outdir)
    template = templates["Runbooks"]

    def ids(construct) -> tuple[str, str]:
        return stack.get_logical_id(construct.document), stack.get_logical_id(
            construct.role.node.default_child
        )

    return {
        "template": template,
        "violations": violations,
        "default": ids(default),
        "named": ids(named),
        "commands": ids(commands),
        "caller": stack.get_logical_id(caller.node.default_child),
        "topics": {s: stack.get_logical_id(t.node.default_child) for s, t in topics.items()},
        "runbook": default,
    }


def document(synthesized, which: str = "default") -> dict[str, Any]:
    document_id, _ = synthesized[which]
    return synthesized["template"]["Resources"][document_id]["Properties"]


def content(synthesized, which: str = "default") -> dict[str, Any]:
    return document(synthesized, which)["Content"]


def step(document_content: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [s for s in document_content["mainSteps"] if s["name"] == name]
    return found


def role_statements(synthesized, role_id: str) -> list[dict[str, Any]]:
    found = []
    for resource in synthesized["template"]["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]:
            found += resource["Properties"]["PolicyDocument"]["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------------------------
# the synthesized runbook
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["default", "named", "commands"])
def test_synthesized_runbook_passes_the_validator(synthesized, which):
    assert validate_automation_document(content(synthesized, which)) == []


@pytest.mark.parametrize("which", ["default", "named", "commands"])
def test_runbook_role_grants_every_action_the_steps_need(synthesized, which):
    _, role_id = synthesized[which]
    required = required_iam_actions(content(synthesized, which)) | script_actions(content(synthesized, which))
    assert "ec2:DescribeInstances" in script_actions(content(synthesized, which))
    assert required >= {"autoscaling:SetInstanceHealth", "ssm:SendCommand", "ec2:StartInstances"}
    assert missing_iam_actions(required, granted_iam_actions(synthesized["template"], role_id)) == set()


def test_document_is_an_automation_runbook_for_instances(synthesized):
    properties = document(synthesized)
    assert properties["DocumentType"] == "Automation"
    assert properties["DocumentFormat"] == "JSON"
    assert properties["TargetType"] == "/AWS::EC2::Instance"
    assert properties["UpdateMethod"] == "NewVersion"
    assert "Name" not in properties
    assert document(synthesized, "named")["Name"] == "webapp-prod-InstanceRecovery"
    assert content(synthesized)["schemaVersion"] == "0.3"


def test_parameters_and_their_defaults(synthesized):
    parameters = content(synthesized)["parameters"]
    _, role_id = synthesized["default"]
    assert set(parameters) == PARAMETERS
    assert parameters["AutomationAssumeRole"]["default"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert parameters["TopicArn"]["default"] == {"Ref": synthesized["topics"]["high"]}
    assert parameters["RetryCount"] == {**parameters["RetryCount"], "type": "Integer", "default": 2}
    assert parameters["ServiceUnit"]["default"] == "webapp"
    assert parameters["HealthCheckPort"]["default"] == 8080
    assert parameters["HealthCheckPath"]["default"] == "/health"
    assert content(synthesized)["assumeRole"] == "{{ AutomationAssumeRole }}"
    named = content(synthesized, "named")["parameters"]
    assert named["TopicArn"]["default"] == {"Ref": synthesized["topics"]["critical"]}
    assert named["RetryCount"]["default"] == 0


@pytest.mark.parametrize(
    ("parameter", "good", "bad"),
    [
        ("InstanceId", "i-0abcd1111aaaa2222", "i-0abc; reboot"),
        ("ServiceUnit", "nginx.service", "webapp && curl evil"),
        ("ServiceUnit", "getty@tty1", "-H attacker"),
        ("ServiceUnit", "webapp", "--help"),
        ("HealthCheckPath", "/health", "/health;id"),
        ("TopicArn", "arn:aws:sns:ap-northeast-1:123456789012:webapp-prod-alerts-high", "https://evil"),
    ],
)
def test_string_parameters_refuse_shell_metacharacters(synthesized, parameter, good, bad):
    pattern = re.compile(content(synthesized)["parameters"][parameter]["allowedPattern"])
    assert pattern.search(good)
    assert not pattern.search(bad)


def test_flow_branches_on_state_and_escalates(synthesized):
    doc = content(synthesized)
    names = [s["name"] for s in doc["mainSteps"]]
    assert names[:5] == [
        "DescribeInstance",
        "NotifyStart",
        "CheckGroupMembership",
        "IsGroupMember",
        "ChooseRecovery",
    ]
    choices = {c["StringEquals"]: c["NextStep"] for c in step(doc, "ChooseRecovery")["inputs"]["Choices"]}
    assert choices == {
        "running": "RebootInstance",
        "stopped": "StartInstance",
        "stopping": "WaitUntilStopped",
    }
    assert step(doc, "ChooseRecovery")["inputs"]["Default"] == "NotifyNotRecoverable"
    assert step(doc, "StartInstance")["inputs"]["DesiredState"] == "running"
    for wait in ("WaitForInstanceStatusOk", "WaitForSystemStatusOk", "WaitForSsmAgent", "VerifyHealth"):
        assert step(doc, wait)["onFailure"] == "step:MarkUnhealthy"
    mark = step(doc, "MarkUnhealthy")
    assert mark["inputs"]["Service"] == "autoscaling"
    assert mark["inputs"]["Api"] == "SetInstanceHealth"
    assert mark["inputs"]["HealthStatus"] == "Unhealthy"
    assert mark["onFailure"] == "step:NotifyManualIntervention"
    assert mark.get("isCritical", True) is True  # a standalone instance ends the execution Failed
    evaluate = step(doc, "EvaluateHealth")["inputs"]
    assert evaluate["Choices"] == [
        {
            "NextStep": "NotifyRecovered",
            "Variable": "{{ VerifyHealth.Output }}",
            "Contains": HEALTH_PASSED_MARKER,
        }
    ]
    assert evaluate["Default"] == "MarkUnhealthy"


def test_group_members_are_never_rebooted_or_started_by_the_runbook(synthesized):
    """A member is marked unhealthy (its group replaces it); only a standalone instance is rebooted."""
    for which in ("default", "commands"):
        doc = content(synthesized, which)
        start = doc["mainSteps"][0]["name"]
        check = step(doc, "CheckGroupMembership")
        assert check["inputs"]["Handler"] == "find_auto_scaling_group"
        assert check["inputs"]["InputPayload"] == {"InstanceId": "{{ InstanceId }}"}
        (member,) = step(doc, "IsGroupMember")["inputs"]["Choices"]
        assert member == {
            "NextStep": "MarkUnhealthy",
            "Variable": "{{ CheckGroupMembership.IsMember }}",
            "BooleanEquals": True,
        }
        assert step(doc, "IsGroupMember")["inputs"]["Default"] == "ChooseRecovery"
        touching = {"RebootInstance", "StartInstance", "RestartService", "VerifyHealth"}
        # every path to a reboot, a start or a restart goes through the standalone branch...
        for name in touching & {s["name"] for s in doc["mainSteps"]}:
            assert name in graph.reachable(doc, start)
            assert name not in graph.reachable(doc, start, removed={"ChooseRecovery"}), name
        # ...and neither the member branch nor an unreadable membership reaches one
        assert not touching & graph.reachable(doc, "MarkUnhealthy")
        assert check["onFailure"] == "step:NotifyManualIntervention"
        assert not touching & graph.reachable(doc, "NotifyManualIntervention")


def test_commands_mode_runs_the_command_document_only(synthesized):
    doc = content(synthesized, "commands")
    names = [s["name"] for s in doc["mainSteps"]]
    assert "RestartService" not in names  # the document's restart action verifies health itself
    diagnostics, verify = step(doc, "CollectDiagnostics"), step(doc, "VerifyHealth")
    for run in (diagnostics, verify):
        assert run["action"] == "aws:runCommand"
        assert run["inputs"]["DocumentName"] == "webapp-prod-InstanceCommands"
        assert "commands" not in run["inputs"]["Parameters"]
    assert diagnostics["inputs"]["Parameters"]["Action"] == COMMAND_ACTIONS[0] == "Diagnostics"
    assert diagnostics["isCritical"] is False and diagnostics["onFailure"] == "Continue"
    assert verify["inputs"]["Parameters"] == {
        "Action": "RestartService",
        "ServiceUnit": "{{ ServiceUnit }}",
        "HealthCheckPort": "{{ HealthCheckPort }}",
        "HealthCheckPath": "{{ HealthCheckPath }}",
        "RetryCount": "{{ RetryCount }}",
    }
    assert verify["onFailure"] == "step:MarkUnhealthy"
    (healthy,) = step(doc, "EvaluateHealth")["inputs"]["Choices"]
    assert healthy["Contains"] == COMMAND_HEALTHY_OUTPUT
    parameters = doc["parameters"]
    assert parameters["HealthCheckPort"]["type"] == parameters["RetryCount"]["type"] == "String"
    assert (parameters["HealthCheckPort"]["default"], parameters["RetryCount"]["default"]) == ("8080", "2")
    port = re.compile(parameters["HealthCheckPort"]["allowedPattern"])
    assert all(port.search(p) for p in ("1", "80", "8080", "65535"))
    assert not any(port.search(p) for p in ("0", "65536", "80; id", "-1", "08080"))
    retries = re.compile(parameters["RetryCount"]["allowedPattern"])
    assert retries.search("5") and not retries.search("6") and not retries.search("1 2")
    # the role may send that document and no other
    _, role_id = synthesized["commands"]
    sends = [s for s in role_statements(synthesized, role_id) if "ssm:SendCommand" in as_list(s["Action"])]
    documents = [s for s in sends if "document" in json.dumps(s["Resource"])]
    (statement,) = documents
    assert json.dumps(statement["Resource"]).endswith(':document/webapp-prod-InstanceCommands"]]}')
    assert "AWS-RunShellScript" not in json.dumps(role_statements(synthesized, role_id))
    _, default_role = synthesized["default"]
    assert "AWS-RunShellScript" in json.dumps(role_statements(synthesized, default_role))


def test_diagnostics_capture_top_ps_free_df(synthesized):
    commands = "\n".join(step(content(synthesized), "CollectDiagnostics")["inputs"]["Parameters"]["commands"])
    for tool in ("top -b -n 1", "ps -eo", "free -m", "df -h"):
        assert tool in commands
    diagnostics = step(content(synthesized), "CollectDiagnostics")
    assert diagnostics["isCritical"] is False and diagnostics["onFailure"] == "Continue"


def test_run_command_output_goes_to_the_log_group_when_given(synthesized):
    for name in ("CollectDiagnostics", "RestartService", "VerifyHealth"):
        inputs = step(content(synthesized, "named"), name)["inputs"]
        assert inputs["CloudWatchOutputConfig"]["CloudWatchOutputEnabled"] is True
        assert "CloudWatchOutputConfig" not in step(content(synthesized), name)["inputs"]


def test_role_is_assumed_by_ssm_for_this_account_only(synthesized):
    _, role_id = synthesized["default"]
    (statement,) = synthesized["template"]["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ]
    assert statement["Principal"] == {"Service": "ssm.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert "automation-execution/*" in json.dumps(statement["Condition"]["ArnLike"])


def test_role_mutates_only_tagged_resources(synthesized):
    _, role_id = synthesized["default"]
    mutating = {"ec2:RebootInstances", "ec2:StartInstances", "autoscaling:SetInstanceHealth"}
    seen = set()
    for statement in role_statements(synthesized, role_id):
        actions = set(as_list(statement["Action"]))
        if actions & mutating:
            seen |= actions & mutating
            assert statement["Condition"] == {"StringEquals": {"aws:ResourceTag/Environment": "prod"}}
        if "*" in as_list(statement["Resource"]):
            assert all(re.match(r"^\w+:(Describe|List|Get)", a) for a in actions), actions
    assert seen == mutating


def test_grant_start_scopes_start_and_pass_role(synthesized):
    document_id, role_id = synthesized["default"]
    statements = role_statements(synthesized, synthesized["caller"])
    by_action = {a: s for s in statements for a in as_list(s["Action"])}
    assert document_id in json.dumps(by_action["ssm:StartAutomationExecution"]["Resource"])
    assert by_action["iam:PassRole"]["Resource"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert by_action["iam:PassRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}
    }
    assert "automation-execution/*" in json.dumps(by_action["ssm:GetAutomationExecution"]["Resource"])


def test_cdk_nag_finds_nothing_unacknowledged(synthesized):
    assert [v["ruleName"] for v in synthesized["violations"]] == []


def test_cfn_lint_is_clean(synthesized):
    assert cfn_lint(synthesized["template"], "ap-northeast-1") == []


# --------------------------------------------------------------------------------------------
# the health probe script, run for real with fake curl/systemctl/sleep
# --------------------------------------------------------------------------------------------
def render(commands: list[str], values: dict[str, Any]) -> str:
    script = "\n".join(commands)
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: str(values[m.group(1)]), script)


@pytest.fixture
def fake_host(tmp_path):
    """A PATH with curl answering from a list of codes, and systemctl/sleep that only log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "codes").write_text("")
    scripts = {
        "curl": f'echo "$@" >> {tmp_path}/curl.log\n'
        f"code=$(head -n 1 {tmp_path}/codes); sed -i 1d {tmp_path}/codes\n"
        'printf "%s" "${code:-000}"\n',
        "systemctl": f'echo "$@" >> {tmp_path}/systemctl.log\n',
        "sleep": "exit 0\n",
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def probe(fake_host: Path, codes: list[str], retry_count: int) -> tuple[str, list[str]]:
    (fake_host / "codes").write_text("".join(f"{c}\n" for c in codes))
    doc = instance_recovery_document(
        automation_role_arn="arn:aws:iam::123456789012:role/r",
        default_topic_arn="arn:aws:sns:ap-northeast-1:123456789012:t",
    )
    commands = step(doc, "VerifyHealth")["inputs"]["Parameters"]["commands"]
    script = render(
        commands,
        {
            "RetryCount": retry_count,
            "HealthCheckPort": 8080,
            "HealthCheckPath": "/health",
            "ServiceUnit": "webapp",
        },
    )
    result = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": f"{fake_host / 'bin'}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    log = fake_host / "systemctl.log"
    return result.stdout, log.read_text().splitlines() if log.exists() else []


def test_probe_passes_at_once_when_healthy(fake_host):
    output, restarts = probe(fake_host, ["200"], retry_count=2)
    assert f"{HEALTH_PASSED_MARKER} attempt=1" in output
    assert restarts == []
    assert "http://127.0.0.1:8080/health" in (fake_host / "curl.log").read_text()


def test_probe_restarts_between_failures_and_passes_later(fake_host):
    output, restarts = probe(fake_host, ["503", "000", "200"], retry_count=2)
    assert f"{HEALTH_PASSED_MARKER} attempt=3" in output
    assert restarts == ["restart webapp", "restart webapp"]


def test_probe_reports_failure_after_one_plus_retry_count_attempts(fake_host):
    output, restarts = probe(fake_host, ["503"] * 10, retry_count=2)
    assert output.strip().endswith(HEALTH_FAILED_MARKER)
    assert HEALTH_PASSED_MARKER not in output
    assert output.count("attempt ") == 3
    assert len(restarts) == 2


def test_probe_caps_retries(fake_host):
    output, _ = probe(fake_host, ["503"] * 20, retry_count=50)
    assert output.count("attempt ") == 6


# --------------------------------------------------------------------------------------------
# construct validation
# --------------------------------------------------------------------------------------------
def build(**overrides: Any) -> InstanceRecoveryRunbook:
    stack = cdk.Stack(cdk.App(), "Validation", env=ENV)
    props: dict[str, Any] = {
        "naming": NAMING,
        "notification_topics": {"high": sns.Topic(stack, "High")},
        **overrides,
    }
    return InstanceRecoveryRunbook(stack, "Recovery", **props)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"notification_topics": {}}, r"default_severity \('high'\) has no topic"),
        ({"default_severity": "critical"}, r"default_severity \('critical'\) has no topic"),
        ({"default_severity": "urgent"}, r"default_severity \('urgent'\) is not a severity"),
        ({"app_probe": AppProbe(health_path="/health;$(id)")}, r"app_probe.health_path"),
        ({"retry_count": 6}, r"retry_count \(6\) must be 0-5"),
        ({"document_name": "AWS-Recovery"}, r"document_name \('AWS-Recovery'\) must not start"),
        ({"document_name": "a b"}, r"document_name \('a b'\)"),
        (
            {"command_document_name": "AWS-RunShellScript"},
            r"command_document_name \('AWS-RunShellScript'\) must not",
        ),
        ({"command_document_name": "x"}, r"command_document_name \('x'\) must be 3-128"),
        ({"naming": None}, r"naming is required"),
        ({"environment_name": "prod"}, r"give naming or environment_name \(deprecated\), not both"),
        ({"naming": None, "environment_name": "Prod"}, r"environment_name \('Prod'\)"),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else None,
)
def test_fails_when_a_prop_is_invalid(overrides, message):
    with pytest.raises(ValueError, match=message):
        build(**overrides)


def test_the_deprecated_environment_name_still_scopes_the_role_to_that_environment():
    runbook = build(naming=None, environment_name="stg")
    assert runbook.environment_name == "stg"
    template = Template.from_stack(cdk.Stack.of(runbook))
    template.has_resource_properties(
        "AWS::IAM::Policy",
        Match.object_like(
            {
                "PolicyDocument": Match.object_like(
                    {
                        "Statement": Match.array_with(
                            [
                                Match.object_like(
                                    {
                                        "Sid": "RecoverTaggedInstances",
                                        "Condition": {"StringEquals": {"aws:ResourceTag/Environment": "stg"}},
                                    }
                                )
                            ]
                        )
                    }
                )
            }
        ),
    )


def test_the_service_unit_parameter_accepts_exactly_what_an_app_probe_accepts(synthesized):
    pattern = content(synthesized)["parameters"]["ServiceUnit"]["allowedPattern"]
    assert pattern == app_probe_module._UNIT.pattern
    for unit in ("webapp", "shop-api", "worker@1", "app:blue", "a" * 100):
        assert re.search(pattern, unit) and AppProbe(service_unit=unit)
    for unit in ("-H", "a" * 101, "web app", "web;id", ""):
        assert not re.search(pattern, unit)
        with pytest.raises(ValueError, match="app probe service_unit"):
            AppProbe(service_unit=unit)


def test_the_app_probe_gives_the_run_parameters_defaults(synthesized):
    named = content(synthesized, "named")["parameters"]
    assert named["ServiceUnit"]["default"] == "shop-api"
    assert named["HealthCheckPort"]["default"] == 3000
    assert named["HealthCheckPath"]["default"] == "/healthz"


def test_a_role_missing_a_permission_is_caught(synthesized):
    """The real runbook against its role with SetInstanceHealth removed: the gap is reported."""
    _, role_id = synthesized["default"]
    template = copy.deepcopy(synthesized["template"])
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]:
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = as_list(statement["Action"])
                statement["Action"] = [a for a in actions if a != "autoscaling:SetInstanceHealth"] or [
                    "none:None"
                ]
    granted = granted_iam_actions(template, role_id)
    assert missing_iam_actions(required_iam_actions(content(synthesized)), granted) == {
        "autoscaling:SetInstanceHealth"
    }


def test_the_runbook_speaks_the_healing_command_documents_interface():
    # One interface, two users: the runbook's view of InstanceCommands must be the document's own.
    from constructs_lib.healing import commands
    from constructs_lib.runbooks import instance_document

    assert instance_document.COMMAND_ACTIONS == commands.ACTIONS
    assert instance_document.COMMAND_STEP_TIMEOUT_SECONDS == commands.STEP_TIMEOUT_SECONDS
    assert f"{commands.contract.COMMAND_HEALTH_MARKER}=ok" == instance_document.COMMAND_HEALTHY_OUTPUT
