"""AutoHealing: function contract, ledger, dead-letter path, alarms, least privilege, cdk-nag, cfn-lint."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from constructs_lib.healing import POWERTOOLS_LAYER_PARAMETER, POWERTOOLS_VERSION, AutoHealing
from constructs_lib.runbooks import InstanceRecoveryRunbook
from tests.unit.quality import cfn_lint, synth_with_nag

ENV = cdk.Environment(account="123456789012", region="ap-northeast-1")

CONTRACT = {
    "APP_NAME",
    "ENVIRONMENT_NAME",
    "ENVIRONMENT_TAG_KEY",
    "SUPPRESS_TAG_KEY",
    "LEDGER_TABLE_NAME",
    "PAUSE_PARAMETER_NAME",
    "TOPIC_ARNS",
    "DRY_RUN",
    "MAX_ACTIONS_PER_RESOURCE_PER_HOUR",
    "INCIDENT_WINDOW_SECONDS",
    "WEB_SERVICE_UNIT",
    "HEALTH_CHECK_PORT",
    "HEALTH_CHECK_PATH",
    "RECOVERY_RUNBOOK_NAME",
    "RECOVERY_RUNBOOK_ROLE_ARN",
    "ALARM_NAME_PREFIX",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_TRACE_DISABLED",
}

# Actions that change something: each must be tag-conditioned or scoped to named ARNs.
MUTATING = re.compile(
    r"^(ec2:(Start|Stop|Reboot|Terminate)Instances|autoscaling:(Set|Terminate|Update|Detach)\w+|"
    r"ssm:(SendCommand|StartAutomationExecution)|iam:PassRole)$"
)
READ_ONLY = re.compile(r"^[a-z0-9-]+:(Describe|Get|List)\w*$|^xray:Put(TraceSegments|TelemetryRecords)$")


def make_topics(stack: cdk.Stack) -> dict[str, sns.ITopic]:
    key = kms.Key(stack, "AlertsKey", enable_key_rotation=True)
    return {
        severity: sns.Topic(stack, f"Alerts{severity.title()}", master_key=key, enforce_ssl=True)
        for severity in ("medium", "high", "critical")
    }


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """One app, two stacks: everything on (Full) and only the required props (Minimal)."""
    outdir = tmp_path_factory.mktemp("healing")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)

    full_stack = cdk.Stack(app, "Full", env=ENV)
    topics = make_topics(full_stack)
    runbook = InstanceRecoveryRunbook(
        full_stack, "Recovery", environment_name="prod", notification_topics=topics
    )
    full = AutoHealing(
        full_stack,
        "Healing",
        app_name="webapp",
        environment_name="prod",
        notification_topics=topics,
        pause_parameter_name="/webapp/prod/pause",
        dry_run=True,
        max_actions_per_resource_per_hour=4,
        incident_window=cdk.Duration.minutes(20),
        web_service_unit="nginx.service",
        health_check_port=80,
        health_check_path="/healthz",
        recovery_runbook=runbook,
        alarm_topics_to_subscribe=[topics["high"], topics["critical"]],
        tracing=True,
        log_level="DEBUG",
    )

    minimal_stack = cdk.Stack(app, "Minimal", env=ENV)
    minimal_topics = make_topics(minimal_stack)
    minimal = AutoHealing(
        minimal_stack,
        "Healing",
        app_name="webapp",
        environment_name="dev",
        notification_topics=minimal_topics,
        pause_parameter_name="/webapp/dev/pause",
        reserved_concurrency=None,
    )
    all_templates, violations = synth_with_nag(app, outdir)
    templates = {name: all_templates[name] for name in ("Full", "Minimal")}
    return {
        "full": full,
        "minimal": minimal,
        "runbook": runbook,
        "topics": topics,
        "stacks": {"Full": full_stack, "Minimal": minimal_stack},
        "templates": templates,
        "violations": violations,
    }


@pytest.fixture(scope="module")
def full(synthesized) -> Template:
    return Template.from_json(synthesized["templates"]["Full"])


@pytest.fixture(scope="module")
def minimal(synthesized) -> Template:
    return Template.from_json(synthesized["templates"]["Minimal"])


def logical_id(synthesized, stack: str, construct) -> str:
    return synthesized["stacks"][stack].get_logical_id(construct.node.default_child)


def dead_letter_queue_id(synthesized) -> str:
    return logical_id(synthesized, "Full", synthesized["full"].dead_letter_queue)


def only(template: Template, kind: str) -> dict[str, Any]:
    resources = template.find_resources(kind)
    assert len(resources) == 1, f"expected one {kind}, found {sorted(resources)}"
    return next(iter(resources.values()))


def function_with_handler(template: Template, handler: str = "handler.handler") -> dict[str, Any]:
    functions = [
        f
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == handler
    ]
    assert len(functions) == 1, f"expected one function with handler {handler}"
    return functions[0]


def function_environment(template: Template) -> dict[str, Any]:
    return function_with_handler(template)["Properties"]["Environment"]["Variables"]


def join(value: Any) -> str:
    """Render a Fn::Join of literals and Refs as text (Refs as <LogicalId>)."""
    if isinstance(value, str):
        return value
    separator, parts = value["Fn::Join"]
    return separator.join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)


def statements(template: Template) -> list[dict[str, Any]]:
    found = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def role_statements(synthesized, stack: str, role) -> list[dict[str, Any]]:
    role_id = synthesized["stacks"][stack].get_logical_id(role.node.default_child)
    template = synthesized["templates"][stack]
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]:
            found += resource["Properties"]["PolicyDocument"]["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------------------------
# the function and its contract
# --------------------------------------------------------------------------------------------
def test_function_runs_the_auto_heal_handler_on_python_3_13_with_the_powertools_layer(full):
    properties = function_with_handler(full)["Properties"]
    assert properties["Runtime"] == "python3.13"
    assert properties["Handler"] == "handler.handler"
    assert properties["Architectures"] == ["x86_64"]
    # The layer of the tested Powertools release, resolved at deploy time from AWS's public parameter.
    (layer,) = properties["Layers"]
    parameter = full.to_json()["Parameters"][layer["Ref"]]
    assert parameter == {"Type": "AWS::SSM::Parameter::Value<String>", "Default": POWERTOOLS_LAYER_PARAMETER}
    assert POWERTOOLS_LAYER_PARAMETER.endswith(f"/python3.13/{POWERTOOLS_VERSION}")
    assert properties["ReservedConcurrentExecutions"] == 5
    assert properties["Timeout"] == 120
    assert properties["TracingConfig"] == {"Mode": "Active"}


def test_reserved_concurrency_none_removes_the_limit(minimal):
    properties = function_with_handler(minimal)["Properties"]
    assert "ReservedConcurrentExecutions" not in properties
    assert properties.get("TracingConfig", {"Mode": "PassThrough"}) == {"Mode": "PassThrough"}


def test_environment_is_exactly_the_handler_contract(full, minimal):
    assert set(function_environment(full)) == CONTRACT
    assert set(function_environment(minimal)) == CONTRACT


def test_environment_values_follow_the_props(synthesized, full):
    env = function_environment(full)
    runbook = synthesized["runbook"]
    assert env["APP_NAME"] == "webapp"
    assert env["ENVIRONMENT_NAME"] == "prod"
    assert env["ENVIRONMENT_TAG_KEY"] == "Environment"
    assert env["SUPPRESS_TAG_KEY"] == "autoheal:suppress"
    assert env["LEDGER_TABLE_NAME"] == {"Ref": logical_id(synthesized, "Full", synthesized["full"].ledger)}
    assert env["PAUSE_PARAMETER_NAME"] == "/webapp/prod/pause"
    assert env["DRY_RUN"] == "true"
    assert env["MAX_ACTIONS_PER_RESOURCE_PER_HOUR"] == "4"
    assert env["INCIDENT_WINDOW_SECONDS"] == "1200"
    assert env["WEB_SERVICE_UNIT"] == "nginx.service"
    assert env["HEALTH_CHECK_PORT"] == "80"
    assert env["HEALTH_CHECK_PATH"] == "/healthz"
    assert env["RECOVERY_RUNBOOK_NAME"] == {"Ref": logical_id(synthesized, "Full", runbook)}
    assert env["RECOVERY_RUNBOOK_ROLE_ARN"] == {
        "Fn::GetAtt": [logical_id(synthesized, "Full", runbook.role), "Arn"]
    }
    assert env["ALARM_NAME_PREFIX"] == "webapp-prod-"
    assert env["POWERTOOLS_SERVICE_NAME"] == "webapp-autoheal"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "webapp/AutoHeal"
    assert env["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert env["POWERTOOLS_TRACE_DISABLED"] == "false"


def test_topic_arns_is_a_json_object_of_severity_to_topic(synthesized, full):
    topics = synthesized["topics"]
    decoded = json.loads(join(function_environment(full)["TOPIC_ARNS"]))
    assert decoded == {
        severity: f"<{synthesized['stacks']['Full'].get_logical_id(topic.node.default_child)}>"
        for severity, topic in topics.items()
    }


def concrete(value: Any) -> str:
    """A deployed-looking value for a synthesized environment variable (Refs, GetAtts, Joins)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        name = value["Ref"]
        return (
            f"arn:aws:sns:ap-northeast-1:123456789012:{name}" if "Alerts" in name else f"Stack-{name}-1A2B3C"
        )
    if "Fn::GetAtt" in value:
        return f"arn:aws:iam::123456789012:role/Stack-{value['Fn::GetAtt'][0]}-1A2B3C"
    separator, parts = value["Fn::Join"]
    return separator.join(concrete(part) for part in parts)


@pytest.mark.parametrize("stack", ["Full", "Minimal"])
def test_handler_config_accepts_the_synthesized_environment(synthesized, stack):
    """Contract test: the handler's own loader parses what the construct sets, value for value."""
    config = pytest.importorskip("lambda_src.auto_heal.config")
    env = {
        k: concrete(v)
        for k, v in function_environment(Template.from_json(synthesized["templates"][stack])).items()
    }
    loaded = config.load_config(env)
    assert loaded.environment_name == env["ENVIRONMENT_NAME"]
    assert set(loaded.topic_arns) == set(json.loads(env["TOPIC_ARNS"]))
    assert loaded.dry_run is (env["DRY_RUN"] == "true")
    assert loaded.incident_window_seconds == int(env["INCIDENT_WINDOW_SECONDS"])
    assert loaded.recovery_runbook_name == (env["RECOVERY_RUNBOOK_NAME"] or None)
    assert loaded.own_alarm_prefix == f"{env['APP_NAME']}-{env['ENVIRONMENT_NAME']}-autoheal-"


def test_defaults_without_runbook_and_dry_run(minimal):
    env = function_environment(minimal)
    assert env["DRY_RUN"] == "false"
    assert env["RECOVERY_RUNBOOK_NAME"] == ""
    assert env["RECOVERY_RUNBOOK_ROLE_ARN"] == ""
    assert env["INCIDENT_WINDOW_SECONDS"] == "900"
    assert env["MAX_ACTIONS_PER_RESOURCE_PER_HOUR"] == "3"
    assert env["WEB_SERVICE_UNIT"] == "webapp"
    assert env["HEALTH_CHECK_PORT"] == "8080"
    assert env["HEALTH_CHECK_PATH"] == "/health"
    assert env["POWERTOOLS_TRACE_DISABLED"] == "true"
    granted = {a for s in statements(minimal) for a in as_list(s["Action"])}
    assert not granted & {"ssm:StartAutomationExecution", "iam:PassRole"}


def test_log_group_has_explicit_retention_and_is_the_functions(synthesized, full):
    log_group = only(full, "AWS::Logs::LogGroup")
    assert log_group["Properties"]["RetentionInDays"] == 90
    assert log_group["DeletionPolicy"] == "Retain"
    function = function_with_handler(full)["Properties"]
    assert function["LoggingConfig"]["LogGroup"] == {
        "Ref": logical_id(synthesized, "Full", synthesized["full"].log_group)
    }


# --------------------------------------------------------------------------------------------
# ledger
# --------------------------------------------------------------------------------------------
def test_ledger_is_on_demand_encrypted_with_pitr_and_ttl(full):
    table = only(full, "AWS::DynamoDB::Table")
    properties = table["Properties"]
    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert sorted(properties["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["DeletionPolicy"] == "Retain"


def test_function_may_only_read_and_write_ledger_items(synthesized, full):
    ledger_id = logical_id(synthesized, "Full", synthesized["full"].ledger)
    ledger_statements = [
        s for s in statements(full) if {"Fn::GetAtt": [ledger_id, "Arn"]} in as_list(s["Resource"])
    ]
    granted = {a for s in ledger_statements for a in as_list(s["Action"])}
    assert granted == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
    }


# --------------------------------------------------------------------------------------------
# failures are never lost
# --------------------------------------------------------------------------------------------
def test_dead_letter_queue_is_encrypted_and_refuses_plain_http(synthesized, full):
    queue = only(full, "AWS::SQS::Queue")["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    queue_id = logical_id(synthesized, "Full", synthesized["full"].dead_letter_queue)
    full.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            },
        },
    )


def test_async_invocations_retry_then_go_to_the_dead_letter_queue(synthesized, full):
    queue_arn = {
        "Fn::GetAtt": [logical_id(synthesized, "Full", synthesized["full"].dead_letter_queue), "Arn"]
    }
    function_ref = {"Ref": logical_id(synthesized, "Full", synthesized["full"].function)}
    (config,) = [
        c["Properties"]
        for c in full.find_resources("AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == function_ref
    ]
    assert config["MaximumRetryAttempts"] == 2
    assert config["MaximumEventAgeInSeconds"] == 3600
    assert config["DestinationConfig"] == {"OnFailure": {"Destination": queue_arn}}


def test_every_rule_and_subscription_delivers_failures_to_the_dead_letter_queue(synthesized, full):
    queue_arn = {
        "Fn::GetAtt": [logical_id(synthesized, "Full", synthesized["full"].dead_letter_queue), "Arn"]
    }
    function_arn = {"Fn::GetAtt": [logical_id(synthesized, "Full", synthesized["full"].function), "Arn"]}
    rules = {
        k: r for k, r in full.find_resources("AWS::Events::Rule").items() if "EventPattern" in r["Properties"]
    }
    assert len(rules) == 5
    for rule in rules.values():
        (target,) = rule["Properties"]["Targets"]
        assert target["Arn"] == function_arn
        assert target["DeadLetterConfig"] == {"Arn": queue_arn}
        assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 3600
    subscriptions = full.find_resources("AWS::SNS::Subscription")
    assert len(subscriptions) == 2
    for subscription in subscriptions.values():
        assert subscription["Properties"]["RedrivePolicy"] == {"deadLetterTargetArn": queue_arn}


def test_rules_are_exposed_by_id(synthesized):
    assert set(synthesized["full"].rules) == {
        "Ec2StateChange",
        "Ec2Health",
        "AlarmStateChange",
        "AutoScalingFailure",
        "RdsInstanceEvent",
    }


def test_alarms_on_dead_letters_and_errors_page_the_high_topic(synthesized, full):
    high = {
        "Ref": synthesized["stacks"]["Full"].get_logical_id(synthesized["topics"]["high"].node.default_child)
    }
    queue_name = {"Fn::GetAtt": [dead_letter_queue_id(synthesized), "QueueName"]}
    full.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "webapp-prod-autoheal-dlq-high",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Namespace": "AWS/SQS",
            "Dimensions": [{"Name": "QueueName", "Value": queue_name}],
            "Statistic": "Maximum",
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [high],
            "OKActions": [high],
        },
    )
    full.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "webapp-prod-autoheal-errors-high",
            "MetricName": "Errors",
            "Namespace": "AWS/Lambda",
            "Statistic": "Sum",
            "Threshold": 1,
            "AlarmActions": [high],
        },
    )
    healing = synthesized["full"]
    assert len(healing.alarms) == 2
    assert healing.alarms_by_severity == {"high": healing.alarms}


def test_metric_helpers(synthesized):
    healing = synthesized["full"]
    assert healing.metric_errors().metric_name == "Errors"
    assert healing.metric_throttles().metric_name == "Throttles"
    assert healing.metric_invocations().metric_name == "Invocations"
    assert healing.metric_dead_letter_messages().metric_name == "ApproximateNumberOfMessagesVisible"
    custom = healing.metric("ActionsTaken", dimensions_map={"action": "start_instance"})
    assert custom.namespace == "webapp/AutoHeal"
    assert custom.dimensions == {"service": "webapp-autoheal", "action": "start_instance"}


# --------------------------------------------------------------------------------------------
# least privilege
# --------------------------------------------------------------------------------------------
def test_every_mutating_action_is_tag_conditioned_or_scoped_to_named_resources(synthesized):
    healing = synthesized["full"]
    checked = set()
    for statement in role_statements(synthesized, "Full", healing.role):
        actions = [a for a in as_list(statement["Action"]) if MUTATING.match(a)]
        if not actions:
            continue
        checked.update(actions)
        condition = statement.get("Condition", {})
        tagged = condition.get("StringEquals", {}).get("aws:ResourceTag/Environment") == "prod"
        resources = [json.dumps(r) for r in as_list(statement["Resource"])]
        named = all("*" not in r or "automation-definition/" in r for r in resources)
        assert tagged or named, f"{actions} on {resources} is neither tag-conditioned nor scoped"
    assert checked >= {
        "ec2:StartInstances",
        "ec2:StopInstances",
        "ec2:RebootInstances",
        "autoscaling:SetInstanceHealth",
        "autoscaling:SetDesiredCapacity",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
        "ssm:SendCommand",
        "ssm:StartAutomationExecution",
        "iam:PassRole",
    }


def test_wildcard_resources_only_for_read_only_actions(synthesized):
    for statement in role_statements(synthesized, "Full", synthesized["full"].role):
        if "*" in as_list(statement["Resource"]):
            offending = [a for a in as_list(statement["Action"]) if not READ_ONLY.match(a)]
            assert offending == [], f"{offending} granted on '*'"


def test_send_command_documents_are_limited_to_run_shell_script(synthesized):
    for statement in role_statements(synthesized, "Full", synthesized["full"].role):
        if "ssm:SendCommand" not in as_list(statement["Action"]):
            continue
        for resource in as_list(statement["Resource"]):
            text = join(resource) if isinstance(resource, dict) and "Fn::Join" in resource else str(resource)
            assert ":instance/*" in text or text.endswith(":document/AWS-RunShellScript"), text


def test_runbook_start_and_pass_role_are_scoped_to_the_runbook(synthesized):
    runbook = synthesized["runbook"]
    stack = synthesized["stacks"]["Full"]
    document_id = stack.get_logical_id(runbook.document)
    role_arn = {"Fn::GetAtt": [stack.get_logical_id(runbook.role.node.default_child), "Arn"]}
    found = {}
    for statement in role_statements(synthesized, "Full", synthesized["full"].role):
        for action in as_list(statement["Action"]):
            if action in ("ssm:StartAutomationExecution", "iam:PassRole"):
                found[action] = statement
    start = found["ssm:StartAutomationExecution"]
    (definition,) = as_list(start["Resource"])
    assert join(definition).endswith(f":automation-definition/<{document_id}>:*")
    pass_role = found["iam:PassRole"]
    assert pass_role["Resource"] == role_arn
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}}


def test_pause_switch_is_read_only(synthesized):
    (statement,) = [
        s
        for s in role_statements(synthesized, "Full", synthesized["full"].role)
        if "ssm:GetParameter" in as_list(s["Action"])
    ]
    assert as_list(statement["Action"]) == ["ssm:GetParameter"]
    assert join(statement["Resource"]).endswith(":parameter/webapp/prod/pause")


def test_no_aws_managed_policies(full):
    for role in full.find_resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


# --------------------------------------------------------------------------------------------
# quality gates
# --------------------------------------------------------------------------------------------
def test_cdk_nag_finds_nothing_unacknowledged(synthesized):
    findings = [
        f"{v['ruleName']} at {[c['constructPath'] for c in v['violatingConstructs']]}"
        for v in synthesized["violations"]
    ]
    assert findings == []


@pytest.mark.parametrize("stack", ["Full", "Minimal"])
def test_cfn_lint_is_clean(synthesized, stack):
    assert cfn_lint(synthesized["templates"][stack], "ap-northeast-1") == []


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def build(**overrides: Any) -> AutoHealing:
    stack = cdk.Stack(cdk.App(), "Validation", env=ENV)
    props: dict[str, Any] = {
        "app_name": "webapp",
        "environment_name": "prod",
        "notification_topics": {"high": sns.Topic(stack, "High")},
        "pause_parameter_name": "/webapp/prod/pause",
        **overrides,
    }
    return AutoHealing(stack, "Healing", **props)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"app_name": "WebApp"}, r"app_name \('WebApp'\)"),
        ({"environment_name": "prod env"}, r"environment_name \('prod env'\)"),
        ({"notification_topics": {}}, r"needs a 'high' topic"),
        ({"pause_parameter_name": "webapp/prod/pause"}, r"pause_parameter_name \('webapp/prod/pause'\)"),
        (
            {"alarm_name_prefix": "webapp-prod"},
            r"alarm_name_prefix \('webapp-prod'\) must end with a separator",
        ),
        ({"max_actions_per_resource_per_hour": 0}, r"max_actions_per_resource_per_hour \(0\)"),
        ({"incident_window": cdk.Duration.seconds(10)}, r"incident_window \(10 seconds\)"),
        ({"web_service_unit": "webapp; reboot"}, r"web_service_unit \('webapp; reboot'\)"),
        ({"health_check_port": 0}, r"health_check_port \(0\)"),
        ({"health_check_path": "health"}, r"health_check_path \('health'\)"),
        ({"health_check_path": "/health?x=$(id)"}, r"health_check_path"),
        ({"reserved_concurrency": 0}, r"reserved_concurrency \(0\)"),
        ({"retry_attempts": 3}, r"retry_attempts \(3\)"),
        ({"max_event_age": cdk.Duration.hours(7)}, r"max_event_age \(7 hours\)"),
        ({"timeout": cdk.Duration.minutes(16)}, r"timeout \(16 minutes\)"),
        ({"memory_size": 64}, r"memory_size \(64\)"),
        ({"metrics_namespace": "AWS/Healing"}, r"metrics_namespace \('AWS/Healing'\)"),
        ({"log_level": "verbose"}, r"log_level \('verbose'\)"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_fails_when_a_prop_is_invalid(overrides, message):
    with pytest.raises(ValueError, match=message):
        build(**overrides)


def test_fails_when_a_topic_severity_is_unknown():
    stack = cdk.Stack(cdk.App(), "Validation", env=ENV)
    with pytest.raises(ValueError, match=r"unknown severities \['urgent'\]"):
        AutoHealing(
            stack,
            "Healing",
            app_name="webapp",
            environment_name="prod",
            notification_topics={"high": sns.Topic(stack, "High"), "urgent": sns.Topic(stack, "Urgent")},
            pause_parameter_name="/webapp/prod/pause",
        )


def test_custom_alarm_prefix_reaches_the_rule_and_the_function():
    healing = build(alarm_name_prefix="webapp-prod-web-")
    stack = cdk.Stack.of(healing)
    pattern = stack.resolve(healing.rules["AlarmStateChange"].node.default_child.event_pattern)
    assert pattern["detail"]["alarmName"] == [{"prefix": "webapp-prod-web-"}]
    assert healing.alarm_name_prefix == "webapp-prod-web-"  # ALARM_NAME_PREFIX is set from it


# -- incident detector ---------------------------------------------------------------------------


def test_incident_detector_scans_on_a_schedule_with_the_same_code_and_ledger(full):
    detector = function_with_handler(full, "detector.handler")["Properties"]
    healer = function_with_handler(full)["Properties"]
    assert detector["Code"] == healer["Code"]
    assert detector["ReservedConcurrentExecutions"] == 1
    env = detector["Environment"]["Variables"]
    assert env["LEDGER_TABLE_NAME"] == healer["Environment"]["Variables"]["LEDGER_TABLE_NAME"]
    assert env["RUNBOOKS_BY_INCIDENT"] == "{}"
    full.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(5 minutes)"})
    full.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig", {"Qualifier": "$LATEST", "MaximumRetryAttempts": 0}
    )


def test_detector_can_read_route53_health_checks_and_instance_refreshes(full):
    statements = json.dumps(full.find_resources("AWS::IAM::Policy"))
    for action in (
        "route53:ListHealthChecks",
        "route53:GetHealthCheckStatus",
        "route53:ListTagsForResources",
        "autoscaling:DescribeInstanceRefreshes",
    ):
        assert action in statements, action


def test_fails_when_a_detector_runbook_names_an_unknown_incident_kind():
    from types import SimpleNamespace

    from constructs_lib.healing import DetectorRunbook

    runbook = SimpleNamespace(document_name="doc", role=None, grant_start=lambda grantee: None)
    with pytest.raises(ValueError, match=r"detector_runbooks has unknown incident kind\(s\) \['meteor'\]"):
        build(detector_runbooks={"meteor": DetectorRunbook(runbook=runbook, resource_parameter="InstanceId")})


def test_powertools_layer_release_is_the_one_the_handler_is_tested_with():
    from importlib.metadata import version

    assert version("aws-lambda-powertools") == POWERTOOLS_VERSION
