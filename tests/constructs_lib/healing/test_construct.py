"""AutoHealing: the function, its ledger, the dead-letter path, its alarms and metrics, cdk-nag, cfn-lint."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match

from constructs_lib._core import AlarmSource, SeverityAlarm
from constructs_lib.healing import POWERTOOLS_LAYER_PARAMETER, POWERTOOLS_VERSION
from tests.constructs_lib.healing.support import (
    as_list,
    build,
    dead_letter_queue_id,
    function_environment,
    function_with_handler,
    join,
    logical_id,
    only,
    statements,
)
from tests.unit.quality import cfn_lint


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


def test_defaults_without_runbook_and_dry_run(minimal):
    env = function_environment(minimal)
    assert env["DRY_RUN"] == "false"
    assert env["RECOVERY_RUNBOOK_NAME"] == ""
    assert env["RECOVERY_RUNBOOK_ROLE_ARN"] == ""
    assert env["INCIDENT_WINDOW_SECONDS"] == "900"
    assert env["STALE_EVENT_SECONDS"] == "900"
    assert (env["MAX_REPLACEMENT_PERCENT"], env["REPLACEMENT_WINDOW_SECONDS"]) == ("25", "900")
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


def test_alarms_on_dead_letters_and_errors_have_no_actions_of_their_own(synthesized, full):
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
        },
    )
    full.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"AlarmName": "webapp-prod-autoheal-errors-high", "MetricName": "Errors", "Namespace": "AWS/Lambda"},
    )
    for alarm in full.find_resources("AWS::CloudWatch::Alarm").values():
        # they page through the composites (once, silenced by the pause switch), never on their own
        assert not {"AlarmActions", "OKActions", "InsufficientDataActions"} & set(alarm["Properties"])
    healing = synthesized["full"]
    assert [(a.signal, a.severity) for a in healing.alarms] == [("dlq", "high"), ("errors", "high")]
    assert all(isinstance(a, SeverityAlarm) for a in healing.alarms)


def test_an_app_without_composites_may_have_the_alarms_notify_the_high_topic():
    from aws_cdk.assertions import Template

    healing = build(notify_alarms_directly=True)
    template = Template.from_stack(cdk.Stack.of(healing))
    high = {
        "Ref": cdk.Stack.of(healing).get_logical_id(healing.notification_topics["high"].node.default_child)
    }
    for alarm in template.find_resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [high] == alarm["Properties"]["OKActions"]


def test_metric_helpers(synthesized):
    healing = synthesized["full"]
    assert healing.metric_errors().metric_name == "Errors"
    assert healing.metric_throttles().metric_name == "Throttles"
    assert healing.metric_invocations().metric_name == "Invocations"
    assert healing.metric_dead_letter_messages().metric_name == "ApproximateNumberOfMessagesVisible"
    custom = healing.metric("ActionsTaken", dimensions_map={"action": "start_instance"})
    assert custom.namespace == "webapp/AutoHeal"
    assert custom.dimensions == {"service": "webapp-autoheal", "action": "start_instance"}


def test_custom_alarm_prefix_reaches_the_rule_and_the_function():
    healing = build(alarm_name_prefix="webapp-prod-web-")
    stack = cdk.Stack.of(healing)
    pattern = stack.resolve(healing.rules["AlarmStateChange"].node.default_child.event_pattern)
    assert pattern["detail"]["alarmName"] == [{"prefix": "webapp-prod-web-"}]
    assert healing.alarm_name_prefix == "webapp-prod-web-"  # ALARM_NAME_PREFIX is set from it


def test_cdk_nag_finds_nothing_unacknowledged(synthesized):
    findings = [
        f"{v['ruleName']} at {[c['constructPath'] for c in v['violatingConstructs']]}"
        for v in synthesized["violations"]
    ]
    assert findings == []


@pytest.mark.parametrize("stack", ["Full", "Minimal"])
def test_cfn_lint_is_clean(synthesized, stack):
    assert cfn_lint(synthesized["templates"][stack], "ap-northeast-1") == []


def test_is_an_alarm_source_composites_and_dashboards_take_as_it_is(synthesized):
    assert isinstance(synthesized["full"], AlarmSource)


def test_existing_ledger_table_and_dead_letter_queue_are_used_instead_of_new_ones():
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_sns as sns
    from aws_cdk import aws_sqs as sqs
    from aws_cdk.assertions import Template

    from constructs_lib._core import Naming
    from constructs_lib.alerting import PauseSwitch
    from constructs_lib.healing import AutoHealing
    from tests.constructs_lib.healing.support import ENV

    stack = cdk.Stack(cdk.App(), "Shared", env=ENV)
    table = dynamodb.Table.from_table_name(stack, "SharedLedger", "ops-ledger")
    queue = sqs.Queue.from_queue_arn(stack, "SharedDlq", "arn:aws:sqs:ap-northeast-1:123456789012:ops-dlq")
    healing = AutoHealing(
        stack,
        "Healing",
        naming=Naming(app="webapp", environment="prod"),
        notification_topics={"high": sns.Topic(stack, "High")},
        pause_switch=PauseSwitch.from_parameter_name(stack, "Pause", "/webapp/prod/pause"),
        existing_ledger_table=table,
        existing_dead_letter_queue=queue,
    )
    assert healing.ledger is table
    assert healing.dead_letter_queue is queue
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::DynamoDB::Table", 0)
    template.resource_count_is("AWS::SQS::Queue", 0)
    assert function_environment(template)["LEDGER_TABLE_NAME"] == "ops-ledger"
    granted = {
        action
        for statement in statements(template)
        if ":table/ops-ledger" in json.dumps(statement["Resource"])
        for action in as_list(statement["Action"])
    }
    assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"} <= granted
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "DestinationConfig": {
                "OnFailure": {"Destination": "arn:aws:sqs:ap-northeast-1:123456789012:ops-dlq"}
            }
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "webapp-prod-autoheal-dlq-high",
            "Dimensions": [{"Name": "QueueName", "Value": "ops-dlq"}],
        },
    )
