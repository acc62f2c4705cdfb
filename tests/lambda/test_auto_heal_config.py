"""The environment-variable contract: defaults, validation messages, fail-closed behaviour."""

from __future__ import annotations

import json

import pytest
from auto_heal_world import COMMAND_DOCUMENT, RUNBOOK, RUNBOOK_ROLE, handler_env, topic_arn

from lambda_src.auto_heal.config import ConfigError, load_config

REQUIRED = (
    "APP_NAME",
    "ENVIRONMENT_NAME",
    "LEDGER_TABLE_NAME",
    "PAUSE_PARAMETER_NAME",
    "TOPIC_ARNS",
    "COMMAND_DOCUMENT_NAME",
)


def required_only() -> dict[str, str]:
    env = handler_env()
    return {k: env[k] for k in REQUIRED}


def problems(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(env)
    return str(raised.value)


def test_the_constructs_environment_loads_value_for_value():
    config = load_config(handler_env())
    assert config.app_name == "webapp"
    assert config.environment_name == "prod"
    assert config.recovery_runbook_name == RUNBOOK
    assert config.recovery_runbook_role_arn == RUNBOOK_ROLE
    assert config.command_document == COMMAND_DOCUMENT
    assert config.topic_for("critical") == topic_arn("critical")
    assert config.own_alarm_prefix == "webapp-prod-autoheal-"


def test_defaults_when_only_the_required_variables_are_set():
    config = load_config(required_only())
    assert config.environment_tag_key == "Environment"
    assert config.suppress_tag_key == "autoheal:suppress"
    assert config.dry_run is False
    assert config.max_actions_per_resource_per_hour == 3
    assert config.incident_window_seconds == 900
    assert (config.web_service_unit, config.health_check_port, config.health_check_path) == (
        "webapp",
        8080,
        "/health",
    )
    assert config.recovery_runbook_name is None
    assert config.alarm_name_prefix == "webapp-prod-"
    assert config.metrics_namespace == "webapp/AutoHeal"


def test_empty_runbook_variables_mean_no_runbook():
    config = load_config(handler_env(RECOVERY_RUNBOOK_NAME="", RECOVERY_RUNBOOK_ROLE_ARN=""))
    assert config.recovery_runbook_name is None
    assert config.recovery_runbook_role_arn is None


def test_a_severity_without_a_topic_goes_to_the_next_higher_then_lower_one():
    config = load_config(
        handler_env(TOPIC_ARNS=json.dumps({"medium": topic_arn("medium"), "high": topic_arn("high")}))
    )
    assert config.topic_for("low") == topic_arn("medium")
    assert config.topic_for("high") == topic_arn("high")
    assert config.topic_for("critical") == topic_arn("high")


def test_fails_when_required_variables_are_missing_naming_each():
    message = problems({})
    for name in REQUIRED:
        assert f"{name} is missing" in message


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TOPIC_ARNS", "not json", "TOPIC_ARNS ('not json') is not JSON"),
        ("TOPIC_ARNS", "{}", "must be a non-empty JSON object"),
        ("TOPIC_ARNS", json.dumps({"urgent": topic_arn("high")}), "unknown severity 'urgent'"),
        ("TOPIC_ARNS", json.dumps({"high": "arn:aws:sqs:ap-northeast-1:1:q"}), "is not an SNS topic ARN"),
        ("DRY_RUN", "yes", "DRY_RUN ('yes') must be 'true' or 'false'"),
        ("MAX_ACTIONS_PER_RESOURCE_PER_HOUR", "three", "is not an integer"),
        ("MAX_ACTIONS_PER_RESOURCE_PER_HOUR", "0", "MAX_ACTIONS_PER_RESOURCE_PER_HOUR (0) is out of range"),
        ("INCIDENT_WINDOW_SECONDS", "5", "INCIDENT_WINDOW_SECONDS (5) is out of range"),
        ("HEALTH_CHECK_PORT", "70000", "HEALTH_CHECK_PORT (70000) is out of range"),
        ("WEB_SERVICE_UNIT", "webapp; rm -rf /", "WEB_SERVICE_UNIT ('webapp; rm -rf /') is invalid"),
        # systemctl would read it as an option (--force, --root=/tmp/x ...)
        ("WEB_SERVICE_UNIT", "--force", "WEB_SERVICE_UNIT ('--force') is invalid"),
        (
            "COMMAND_DOCUMENT_NAME",
            "AWS RunShellScript",
            "COMMAND_DOCUMENT_NAME ('AWS RunShellScript') is invalid",
        ),
        ("HEALTH_CHECK_PATH", "/health'$(id)'", "HEALTH_CHECK_PATH"),
        ("RECOVERY_RUNBOOK_ROLE_ARN", "", "RECOVERY_RUNBOOK_ROLE_ARN is missing while RECOVERY_RUNBOOK_NAME"),
        ("RECOVERY_RUNBOOK_ROLE_ARN", "role/x", "RECOVERY_RUNBOOK_ROLE_ARN ('role/x') is invalid"),
    ],
)
def test_fails_when_a_value_is_bad_naming_the_variable_and_value(variable, value, expected):
    assert expected in problems(handler_env(**{variable: value}))


def test_fails_closed_on_a_dry_run_typo_by_refusing_the_whole_configuration():
    # A typo must never turn acting on: the handler then acts on nothing at all.
    with pytest.raises(ConfigError):
        load_config(handler_env(DRY_RUN="flase"))


def test_runbooks_by_incident_are_parsed():
    spec = {
        "database-failure": {
            "document": "webapp-prod-db-recover",
            "role_arn": RUNBOOK_ROLE,
            "resource_parameter": "DBInstanceIdentifier",
            "parameters": {"Mode": "reboot"},
        }
    }
    config = load_config(handler_env(RUNBOOKS_BY_INCIDENT=json.dumps(spec)))
    runbook = config.runbooks_by_incident["database-failure"]
    assert (runbook.document, runbook.resource_parameter, dict(runbook.parameters)) == (
        "webapp-prod-db-recover", "DBInstanceIdentifier", {"Mode": "reboot"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[]", "must be a JSON object"),
        ('{"cpu": {}}', "RUNBOOKS_BY_INCIDENT['cpu']: unknown incident kind"),
        ('{"health-check": {"document": "x"}}', "RUNBOOKS_BY_INCIDENT['health-check'].document ('x')"),
        (
            json.dumps(
                {"health-check": {"document": "doc", "role_arn": RUNBOOK_ROLE, "resource_parameter": "a b"}}
            ),
            "resource_parameter ('a b') is not a parameter name",
        ),
    ],
)
def test_fails_when_runbooks_by_incident_is_bad(value, expected):
    assert expected in problems(handler_env(RUNBOOKS_BY_INCIDENT=value))
