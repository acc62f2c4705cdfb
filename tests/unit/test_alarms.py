"""Alarms: threshold table, service alarms, composites, burn rate, pause switch, endpoint check.

AuditRules (constructs_lib/audit.py) is tested here too, at the end.
"""

from __future__ import annotations

import json
import re
import time

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template
from moto import mock_aws

from constructs_lib.alarms import (
    DEFAULT_THRESHOLDS,
    METRIC_CATALOG,
    AlarmThreshold,
    AvailabilityBurnRateAlarms,
    CompositeHealthAlarm,
    CpuEarlyWarning,
    DatabaseTarget,
    EndpointAvailabilityCheck,
    PauseSwitchAlarm,
    ServiceAlarms,
    SeverityCompositeAlarms,
    alarm_name,
    thresholds_with_overrides,
)
from constructs_lib.audit import AuditRules
from constructs_lib.notifications import SEVERITIES, SeverityTopics
from tests.unit.quality import cfn_lint, synth_with_nag

ACCOUNT, REGION = "123456789012", "ap-northeast-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)
ALB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/webapp-prod/0123456789abcdef"
TG_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/webapp-prod-web/fedcba9876543210"
ALB = "app/webapp-prod/0123456789abcdef"
TG = "targetgroup/webapp-prod-web/fedcba9876543210"
ASG = "webapp-prod-web"


def _service_inputs(stack: cdk.Stack) -> dict:
    """The web service as another stack would hand it over: imported ALB, target group, ASG name."""
    alb = elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack, "Alb", load_balancer_arn=ALB_ARN, security_group_id="sg-0123456789abcdef0"
    )
    target_group = elbv2.ApplicationTargetGroup.from_target_group_attributes(
        stack, "TargetGroup", target_group_arn=TG_ARN, load_balancer_arns=ALB_ARN
    )
    return {
        "auto_scaling_group": ASG,
        "load_balancer": alb,
        "target_group": target_group,
        "database": DatabaseTarget(
            instance_identifier="webapp-prod-db", allocated_storage_gib=100, memory_gib=4
        ),
        "healing_function": lambda_.Function.from_function_arn(
            stack, "Heal", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:webapp-prod-auto-heal"
        ),
        "dead_letter_queue": sqs.Queue.from_queue_arn(
            stack, "Dlq", f"arn:aws:sqs:{REGION}:{ACCOUNT}:webapp-prod-heal-dlq"
        ),
    }


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("alarms")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Monitoring", env=ENV)
    inputs = _service_inputs(stack)
    topics = SeverityTopics(stack, "Alerts", app_name="webapp", environment_name="prod")
    common = {"app_name": "webapp", "environment_name": "prod"}
    service = ServiceAlarms(stack, "Web", component="web", **common, **inputs)
    health = CompositeHealthAlarm(
        stack,
        "SystemHealth",
        component="web",
        **common,
        saturation_alarms=[service.alarm("cpu"), service.alarm("memory")],
        latency_alarm=service.latency_anomaly_alarm,
    )
    burn = AvailabilityBurnRateAlarms(
        stack, "Slo", component="web", **common, load_balancer=inputs["load_balancer"]
    )
    pause = PauseSwitchAlarm(stack, "Pause", **common, pause_parameter_name="/webapp/prod/pause")
    incidents = SeverityCompositeAlarms(
        stack,
        "Incidents",
        component="web",
        **common,
        sources=[service, health, burn],
        notification_topics=topics.topics,
        actions_suppressor=pause.alarm,
    )
    audit = AuditRules(stack, "Audit", **common, notification_topic=topics.topic("medium"))

    global_stack = cdk.Stack(app, "Global", env=cdk.Environment(account=ACCOUNT, region="us-east-1"))
    global_topic = sns.Topic.from_topic_arn(
        global_stack, "Critical", f"arn:aws:sns:us-east-1:{ACCOUNT}:webapp-prod-critical"
    )
    endpoint = EndpointAvailabilityCheck(
        global_stack,
        "Endpoint",
        component="web",
        **common,
        fqdn="www.example.com",
        notification_topic=global_topic,
    )
    templates, violations = synth_with_nag(app, outdir)
    return {
        "service": service,
        "health": health,
        "burn": burn,
        "pause": pause,
        "incidents": incidents,
        "audit": audit,
        "endpoint": endpoint,
        "raw": templates["Monitoring"],
        "template": Template.from_json(templates["Monitoring"]),
        "global_raw": templates["Global"],
        "global": Template.from_json(templates["Global"]),
        "violations": violations,
    }


def _alarm(raw: dict, name: str) -> tuple[str, dict]:
    found = [
        (logical_id, r["Properties"])
        for logical_id, r in raw["Resources"].items()
        if r["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        and r["Properties"].get("AlarmName") == name
    ]
    assert len(found) == 1, f"no alarm named {name}"
    return found[0]


def _rule_children(rule: dict) -> set[str]:
    """Logical ids of the alarms an AlarmRule (Fn::Join of ALARM("arn")) refers to."""
    return {part["Fn::GetAtt"][0] for part in rule["Fn::Join"][1] if isinstance(part, dict)}


# ------------------------------------------------------------------------------------------------
# Service alarms from the threshold table
# ------------------------------------------------------------------------------------------------

ASG_DIMS = [{"Name": "AutoScalingGroupName", "Value": ASG}]
TG_DIMS = [{"Name": "LoadBalancer", "Value": ALB}, {"Name": "TargetGroup", "Value": TG}]
FUNCTION_DIMS = [{"Name": "FunctionName", "Value": "webapp-prod-auto-heal"}]
QUEUE_DIMS = [{"Name": "QueueName", "Value": "webapp-prod-heal-dlq"}]
DB_DIMS = [{"Name": "DBInstanceIdentifier", "Value": "webapp-prod-db"}]
# alarm -> (namespace, metric, dimensions, statistic, threshold, evaluation periods, datapoints to alarm);
# every one compares with GreaterThanThreshold over 60 s periods and treats missing data as notBreaching.
PLAIN_ALARMS = {
    "cpu-medium": ("AWS/EC2", "CPUUtilization", ASG_DIMS, "Average", 80, 3, 3),
    "memory-medium": ("CWAgent", "mem_used_percent", ASG_DIMS, "Average", 85, 3, 3),
    "latency-medium": ("AWS/ApplicationELB", "TargetResponseTime", TG_DIMS, "p95", 0.5, 5, 3),
    "unhealthy-hosts-high": ("AWS/ApplicationELB", "UnHealthyHostCount", TG_DIMS, "Maximum", 0, 5, 5),
    "status-check-failed-high": ("AWS/EC2", "StatusCheckFailed", ASG_DIMS, "Maximum", 0, 5, 5),
    "healing-errors-high": ("AWS/Lambda", "Errors", FUNCTION_DIMS, "Sum", 0, 1, 1),
    "healing-dlq-depth-high": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        QUEUE_DIMS,
        "Maximum",
        0,
        1,
        1,
    ),
    "db-cpu-high": ("AWS/RDS", "CPUUtilization", DB_DIMS, "Average", 75, 5, 5),
    "cpu-early-warning-low": ("AWS/EC2", "CPUUtilization", ASG_DIMS, "Average", 70, 10, 8),
}


@pytest.mark.parametrize("suffix", PLAIN_ALARMS)
def test_metric_alarm_has_the_ops_plan_metric_threshold_and_period(synthesized, suffix):
    # given the default threshold table / then each alarm watches the group-level metric, 1-minute periods
    namespace, metric, dimensions, statistic, threshold, evaluation, datapoints = PLAIN_ALARMS[suffix]
    _, props = _alarm(synthesized["raw"], f"webapp-prod-web-{suffix}")
    stat_key = "ExtendedStatistic" if statistic.startswith("p") else "Statistic"
    assert props["Namespace"] == namespace and props["MetricName"] == metric
    assert props["Dimensions"] == dimensions
    assert props[stat_key] == statistic
    assert (props["Threshold"], props["ComparisonOperator"]) == (threshold, "GreaterThanThreshold")
    assert (props["Period"], props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (
        60,
        evaluation,
        datapoints,
    )
    assert props["TreatMissingData"] == "notBreaching"
    assert "Worst case to fire: ~" in props["AlarmDescription"]
    # and children page nobody: the severity composites do
    assert "AlarmActions" not in props and "OKActions" not in props


def _math(props: dict) -> tuple[str, dict[str, dict]]:
    (expression,) = [m for m in props["Metrics"] if m.get("ReturnData", True) and "Expression" in m]
    inputs = {m["Id"]: m["MetricStat"] for m in props["Metrics"] if "MetricStat" in m}
    return expression["Expression"], inputs


def test_5xx_rate_is_metric_math_over_target_and_load_balancer_errors(synthesized):
    _, props = _alarm(synthesized["raw"], "webapp-prod-web-5xx-rate-high")
    expression, inputs = _math(props)
    assert (
        expression == "100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0))"
    )
    assert {k: v["Metric"]["MetricName"] for k, v in inputs.items()} == {
        "target5xx": "HTTPCode_Target_5XX_Count",
        "elb5xx": "HTTPCode_ELB_5XX_Count",
        "requests": "RequestCount",
    }
    assert {(v["Stat"], v["Period"]) for v in inputs.values()} == {("Sum", 60)}
    assert all(v["Metric"]["Dimensions"] == [{"Name": "LoadBalancer", "Value": ALB}] for v in inputs.values())
    assert (props["Threshold"], props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (1, 3, 3)


def test_in_service_shortfall_compares_group_metrics(synthesized):
    _, props = _alarm(synthesized["raw"], "webapp-prod-web-in-service-shortfall-high")
    expression, inputs = _math(props)
    assert expression == "desired - inService"
    assert inputs["desired"]["Metric"]["MetricName"] == "GroupDesiredCapacity"
    assert inputs["inService"]["Metric"]["MetricName"] == "GroupInServiceInstances"
    assert inputs["inService"]["Metric"]["Dimensions"] == ASG_DIMS
    assert (props["Threshold"], props["ComparisonOperator"], props["EvaluationPeriods"]) == (
        0,
        "GreaterThanThreshold",
        10,
    )


@pytest.mark.parametrize(
    ("suffix", "metric", "divisor", "threshold"),
    [
        ("db-free-storage-high", "FreeStorageSpace", 100 * 1024**3, 20),
        ("db-freeable-memory-high", "FreeableMemory", 4 * 1024**3, 10),
    ],
)
def test_database_percentages_divide_by_the_instance_size(synthesized, suffix, metric, divisor, threshold):
    _, props = _alarm(synthesized["raw"], f"webapp-prod-web-{suffix}")
    expression, inputs = _math(props)
    (only,) = inputs.values()
    assert only["Metric"]["MetricName"] == metric and only["Stat"] == "Minimum"
    assert expression.endswith(f"/ {divisor}")
    assert (props["Threshold"], props["ComparisonOperator"], props["TreatMissingData"]) == (
        threshold,
        "LessThanThreshold",
        "missing",
    )


def test_latency_anomaly_alarm_fires_above_the_band(synthesized):
    _, props = _alarm(synthesized["raw"], "webapp-prod-web-latency-anomaly-medium")
    expression, inputs = _math(props)
    assert expression == "ANOMALY_DETECTION_BAND(m0, 3)"
    assert inputs["m0"]["Metric"]["MetricName"] == "TargetResponseTime"
    assert props["ComparisonOperator"] == "GreaterThanUpperThreshold"
    assert props["ThresholdMetricId"] == "expr_1"
    assert (props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (5, 3)


def test_alarms_by_severity_groups_every_alarm_by_the_severity_it_carries(synthesized):
    grouped = synthesized["service"].alarms_by_severity()
    by_id = {
        k: r["Properties"]["AlarmName"]
        for k, r in synthesized["raw"]["Resources"].items()
        if "AlarmName" in r.get("Properties", {})
    }
    stack = cdk.Stack.of(synthesized["service"])
    names = {
        s: sorted(by_id[stack.resolve(a.alarm_name)["Ref"]] for a in alarms) for s, alarms in grouped.items()
    }
    assert set(names) == {"low", "medium", "high"}
    assert all(name.endswith(f"-{severity}") for severity, group in names.items() for name in group)
    assert (
        len(names["high"]) == 9
        and len(names["medium"]) == 4
        and names["low"] == ["webapp-prod-web-cpu-early-warning-low"]
    )


def test_every_default_row_fires_within_its_documented_bound():
    # detection speed is a feature: no default row takes more than ~11 minutes to fire
    for row in DEFAULT_THRESHOLDS:
        row.validate()
        assert row.period_seconds == 60, row.metric
        assert row.worst_case_seconds_to_fire <= 11 * 60, row.metric
        assert row.rationale, f"{row.metric} has no rationale"
    assert {row.metric for row in DEFAULT_THRESHOLDS} == set(METRIC_CATALOG)


def test_rows_without_their_source_are_skipped():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    alarms = ServiceAlarms(
        stack, "Web", app_name="webapp", environment_name="dev", component="web", auto_scaling_group=ASG
    )
    assert {row.metric for row in alarms.skipped} == {
        "latency", "5xx-rate", "unhealthy-hosts", "healing-errors", "healing-dlq-depth",
        "db-cpu", "db-free-storage", "db-freeable-memory",
    }  # fmt: skip
    assert alarms.latency_anomaly_alarm is None
    Template.from_stack(stack).resource_count_is("AWS::CloudWatch::Alarm", 5)


def test_topics_on_service_alarms_put_actions_on_each_child():
    # given topics passed to ServiceAlarms itself (an app without composites)
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    topics = {s: sns.Topic(stack, s.capitalize()) for s in SEVERITIES}
    ServiceAlarms(
        stack, "Web", app_name="webapp", environment_name="dev", component="web", auto_scaling_group=ASG,
        notification_topics=topics,
    )  # fmt: skip
    # then each alarm notifies its own severity's topic on ALARM and OK
    refs = {s: {"Ref": stack.get_logical_id(t.node.default_child)} for s, t in topics.items()}
    for alarm in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values():
        severity = alarm["Properties"]["AlarmName"].rsplit("-", 1)[1]
        assert alarm["Properties"]["AlarmActions"] == [refs[severity]]
        assert alarm["Properties"]["OKActions"] == [refs[severity]]


# ------------------------------------------------------------------------------------------------
# Composites
# ------------------------------------------------------------------------------------------------


def test_system_health_is_cpu_or_memory_and_latency_anomaly(synthesized):
    raw = synthesized["raw"]
    _, props = _alarm(raw, "webapp-prod-web-system-health-high")
    cpu, _ = _alarm(raw, "webapp-prod-web-cpu-medium")
    memory, _ = _alarm(raw, "webapp-prod-web-memory-medium")
    anomaly, _ = _alarm(raw, "webapp-prod-web-latency-anomaly-medium")
    rendered = "".join(
        p if isinstance(p, str) else f"<{p['Fn::GetAtt'][0]}>" for p in props["AlarmRule"]["Fn::Join"][1]
    )
    assert rendered == f'((ALARM("<{cpu}>") OR ALARM("<{memory}>")) AND ALARM("<{anomaly}>"))'
    assert "AlarmActions" not in props


def test_one_composite_per_severity_from_the_alarms_carrying_it_with_paging_actions(synthesized):
    raw = synthesized["raw"]
    topics = {
        r["Properties"]["TopicName"].rsplit("-", 1)[1]: logical_id
        for logical_id, r in raw["Resources"].items()
        if r["Type"] == "AWS::SNS::Topic"
    }
    (pause_id, _) = _alarm(raw, "webapp-prod-operations-paused-low")
    expected_children = {
        "low": ["cpu-early-warning-low"],
        "medium": ["cpu-medium", "memory-medium", "latency-medium", "latency-anomaly-medium"],
        "high": [
            "5xx-rate-high", "unhealthy-hosts-high", "in-service-shortfall-high", "status-check-failed-high",
            "healing-errors-high", "healing-dlq-depth-high", "db-cpu-high", "db-free-storage-high",
            "db-freeable-memory-high", "system-health-high", "slo-burn-slow-high",
        ],
        "critical": ["slo-burn-fast-critical"],
    }  # fmt: skip
    for severity, children in expected_children.items():
        _, props = _alarm(raw, f"webapp-prod-web-incident-{severity}")
        assert _rule_children(props["AlarmRule"]) == {
            _alarm(raw, f"webapp-prod-web-{c}")[0] for c in children
        }
        assert props["AlarmActions"] == [{"Ref": topics[severity]}]
        assert props["OKActions"] == [{"Ref": topics[severity]}]
        assert props["ActionsSuppressor"] == {"Fn::GetAtt": [pause_id, "Arn"]}
        assert (props["ActionsSuppressorWaitPeriod"], props["ActionsSuppressorExtensionPeriod"]) == (120, 300)
    # and their literal names feed EscalationPolicy(alarm_names=...)
    assert synthesized["incidents"].alarm_names("high", "critical") == [
        "webapp-prod-web-incident-high",
        "webapp-prod-web-incident-critical",
    ]


def test_burn_rate_pairs_follow_the_sre_workbook(synthesized):
    raw = synthesized["raw"]
    for window, period, threshold, severity in [
        ("1h", 3600, 14.4 * 0.001, "critical"),
        ("5m", 300, 14.4 * 0.001, "critical"),
        ("6h", 21600, 6 * 0.001, "high"),
        ("30m", 1800, 6 * 0.001, "high"),
    ]:
        _, props = _alarm(raw, f"webapp-prod-web-slo-burn-{window}-{severity}")
        expression, inputs = _math(props)
        assert expression == (
            f"(FILL(target5xx_{period}s, 0) + FILL(elb5xx_{period}s, 0)) / "
            f"(FILL(requests_{period}s, 0) + FILL(elb5xx_{period}s, 0))"
        )
        assert {v["Period"] for v in inputs.values()} == {period}
        assert props["Threshold"] == pytest.approx(threshold)
        assert props["TreatMissingData"] == "notBreaching"
    for pair, children, severity in [("fast", ("1h", "5m"), "critical"), ("slow", ("6h", "30m"), "high")]:
        _, props = _alarm(raw, f"webapp-prod-web-slo-burn-{pair}-{severity}")
        rendered = "".join(p if isinstance(p, str) else "X" for p in props["AlarmRule"]["Fn::Join"][1])
        assert rendered == '(ALARM("X") AND ALARM("X"))'
        assert _rule_children(props["AlarmRule"]) == {
            _alarm(raw, f"webapp-prod-web-slo-burn-{c}-{severity}")[0] for c in children
        }


# ------------------------------------------------------------------------------------------------
# Pause switch
# ------------------------------------------------------------------------------------------------


def test_pause_alarm_holds_its_state_between_publications(synthesized):
    _, props = _alarm(synthesized["raw"], "webapp-prod-operations-paused-low")
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (
        "webapp/Operations",
        "Paused",
        "Maximum",
    )
    assert props["Dimensions"] == [
        {"Name": "Application", "Value": "webapp"},
        {"Name": "Environment", "Value": "prod"},
    ]
    assert (props["Threshold"], props["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert props["TreatMissingData"] == "ignore"
    template = synthesized["template"]
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.ssm"],
                "detail-type": ["Parameter Store Change"],
                "detail": {"name": ["/webapp/prod/pause"], "operation": ["Create", "Update"]},
            }
        },
    )
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(5 minutes)"})
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {"StateMachineName": "webapp-prod-pause-switch", "StateMachineType": "EXPRESS"},
    )


@pytest.fixture
def aws(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


@pytest.mark.parametrize(("switch", "published"), [("true", 1.0), ("false", 0.0)])
def test_pause_publisher_turns_the_parameter_into_the_metric__in_moto(synthesized, aws, switch, published):
    # given the synthesized publisher definition and the switch in moto
    (machine,) = [
        r["Properties"]
        for r in synthesized["raw"]["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
        and r["Properties"]["StateMachineName"] == "webapp-prod-pause-switch"
    ]
    definition = machine["DefinitionString"]
    assert isinstance(definition, str), "the publisher definition should need no CloudFormation resolution"
    boto3.client("ssm").put_parameter(Name="/webapp/prod/pause", Value=switch, Type="String")
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="pause", definition=definition, roleArn=f"arn:aws:iam::{ACCOUNT}:role/x"
    )["stateMachineArn"]
    # when it runs
    execution_arn = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    for _ in range(100):
        status = sfn.describe_execution(executionArn=execution_arn)["status"]
        if status != "RUNNING":
            break
        time.sleep(0.05)
    # then the Paused metric carries the switch
    assert status == "SUCCEEDED"
    data = boto3.client("cloudwatch").list_metrics(Namespace="webapp/Operations", MetricName="Paused")[
        "Metrics"
    ]
    assert data and data[0]["Dimensions"] == [
        {"Name": "Application", "Value": "webapp"},
        {"Name": "Environment", "Value": "prod"},
    ]
    from moto.cloudwatch.models import cloudwatch_backends

    values = [d.value for d in cloudwatch_backends[ACCOUNT][REGION].get_all_metrics() if d.name == "Paused"]
    assert values == [published]


# ------------------------------------------------------------------------------------------------
# Route 53 availability check
# ------------------------------------------------------------------------------------------------


def test_endpoint_check_probes_the_public_endpoint_fast(synthesized):
    synthesized["global"].has_resource_properties(
        "AWS::Route53::HealthCheck",
        {
            "HealthCheckConfig": Match.object_like(
                {
                    "Type": "HTTPS",
                    "FullyQualifiedDomainName": "www.example.com",
                    "Port": 443,
                    "ResourcePath": "/health",
                    "RequestInterval": 10,
                    "FailureThreshold": 3,
                }
            )
        },
    )


def test_endpoint_alarm_treats_silence_as_down_and_notifies(synthesized):
    raw = synthesized["global_raw"]
    (check_id,) = [k for k, r in raw["Resources"].items() if r["Type"] == "AWS::Route53::HealthCheck"]
    _, props = _alarm(raw, "webapp-prod-web-availability-critical")
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (
        "AWS/Route53",
        "HealthCheckStatus",
        "Minimum",
    )
    assert props["Dimensions"] == [{"Name": "HealthCheckId", "Value": {"Ref": check_id}}]
    assert (props["Threshold"], props["ComparisonOperator"], props["Period"]) == (1, "LessThanThreshold", 60)
    assert props["TreatMissingData"] == "breaching"
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:webapp-prod-critical"
    assert props["AlarmActions"] == [topic] and props["OKActions"] == [topic]
    assert synthesized["endpoint"].alarms_by_severity() == {"critical": [synthesized["endpoint"].alarm]}


def test_fails_when_the_endpoint_check_is_outside_us_east_1():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(
        ValueError, match="in ap-northeast-1, but Route 53 health check metrics exist only in us-east-1"
    ):
        EndpointAvailabilityCheck(
            stack,
            "Endpoint",
            app_name="webapp",
            environment_name="prod",
            component="web",
            fqdn="www.example.com",
        )


# ------------------------------------------------------------------------------------------------
# Audit rules
# ------------------------------------------------------------------------------------------------


def test_audit_rules_cover_the_ops_guide_items_scoped_to_the_environment(synthesized):
    template = synthesized["template"]
    for identifier, name in [
        ("INCOMING_SSH_DISABLED", "restricted-ssh"),
        ("RESTRICTED_INCOMING_TRAFFIC", "restricted-common-ports"),
        ("ENCRYPTED_VOLUMES", "encrypted-volumes"),
    ]:
        template.has_resource_properties(
            "AWS::Config::ConfigRule",
            {
                "ConfigRuleName": f"webapp-prod-{name}",
                "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
                "Scope": {"TagKey": "Environment", "TagValue": "prod"},
            },
        )
    template.has_resource_properties(
        "AWS::Config::ConfigRule",
        {
            "ConfigRuleName": "webapp-prod-restricted-common-ports",
            "InputParameters": {
                "blockedPort1": 22,
                "blockedPort2": 3389,
                "blockedPort3": 3306,
                "blockedPort4": 5432,
                "blockedPort5": 6379,
            },
        },
    )
    template.has_resource_properties(
        "AWS::Config::ConfigRule",
        {"ConfigRuleName": "webapp-prod-cloudtrail-enabled", "MaximumExecutionFrequency": "TwentyFour_Hours"},
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {"source": ["aws.config"], "detail-type": ["Config Rules Compliance Change"]}
            )
        },
    )


def test_fails_when_more_than_five_ports_are_restricted():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(
        ValueError, match="restricted_ports has 6 ports; restricted-common-ports takes 1 to 5"
    ):
        AuditRules(
            stack, "Audit", app_name="webapp", environment_name="prod", restricted_ports=[1, 2, 3, 4, 5, 6]
        )


# ------------------------------------------------------------------------------------------------
# Static checks
# ------------------------------------------------------------------------------------------------


def test_cdk_nag_has_no_unacknowledged_findings(synthesized):
    assert synthesized["violations"] == [], json.dumps(synthesized["violations"], indent=1)[:3000]


@pytest.mark.parametrize("stack", ["raw", "global_raw"])
def test_cfn_lint_is_clean(synthesized, stack):
    region = REGION if stack == "raw" else "us-east-1"
    assert cfn_lint(synthesized[stack], region) == []


def test_alarm_names_follow_the_naming_strategy(synthesized):
    pattern = re.compile(r"^webapp-prod-[a-z0-9]+(-[a-z0-9]+)*-(low|medium|high|critical)$")
    for raw in (synthesized["raw"], synthesized["global_raw"]):
        for r in raw["Resources"].values():
            if r["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
                assert pattern.match(r["Properties"]["AlarmName"]), r["Properties"]["AlarmName"]
    assert alarm_name("webapp", "prod", "web", "cpu", "medium") == "webapp-prod-web-cpu-medium"


# ------------------------------------------------------------------------------------------------
# A bad threshold table fails the synth with a clear message
# ------------------------------------------------------------------------------------------------


def _service(thresholds, **kwargs):
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    return ServiceAlarms(
        stack, "Web", app_name="webapp", environment_name="prod", component="web", auto_scaling_group=ASG,
        thresholds=thresholds, **kwargs,
    )  # fmt: skip


def _cpu(**kwargs) -> AlarmThreshold:
    return AlarmThreshold(**{"metric": "cpu", "threshold": 80, "severity": "high"} | kwargs)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            _cpu(severity="medium", period_seconds=-60),
            r"thresholds\['cpu', 'medium'\]\.period_seconds \(-60\) must be 10, 30 or a positive multiple",
        ),
        (
            _cpu(severity="urgent"),
            r"thresholds\['cpu'\]\.severity \('urgent'\) is not a severity: use one of low, medium, high",
        ),
        (_cpu(metric="disk"), r"thresholds: unknown metric 'disk'; use one of 5xx-rate, cpu, db-cpu"),
        (
            _cpu(evaluation_periods=3, datapoints_to_alarm=5),
            r"datapoints_to_alarm \(5\) must be between 1 and evaluation_periods \(3\)",
        ),
        (
            _cpu(metric="5xx-rate", statistic="Average"),
            r"5xx-rate is metric math with a fixed statistic; use 'Sum'",
        ),
        (
            _cpu(statistic="p1000"),
            r"statistic \('p1000'\) must be Average, Maximum, Minimum, Sum, SampleCount or pNN",
        ),
        (
            _cpu(treat_missing_data="zero"),
            r"treat_missing_data \('zero'\) must be one of breaching, notBreaching, ignore, missing",
        ),
        (_cpu(period_seconds=3600, evaluation_periods=48), r"must not exceed one day"),
        (_cpu(threshold=float("nan")), r"threshold \(nan\) must be a finite number"),
    ],
)
def test_fails_when_a_threshold_row_is_bad(row, message):
    with pytest.raises(ValueError, match=message):
        _service([row])


def test_fails_when_two_rows_would_share_an_alarm_name():
    row = AlarmThreshold(metric="cpu", threshold=80, severity="medium")
    with pytest.raises(ValueError, match="two rows for 'cpu' at severity 'medium'"):
        _service([row, row])


def test_fails_when_the_early_warning_is_not_below_the_cpu_alarm():
    with pytest.raises(
        ValueError,
        match=r"cpu_early_warning.threshold_percent \(85\) must be below the cpu alarm threshold \(80\)",
    ):
        _service(DEFAULT_THRESHOLDS, cpu_early_warning=CpuEarlyWarning(threshold_percent=85))


def test_thresholds_from_config_override_the_defaults():
    rows = thresholds_with_overrides({"cpu": {"threshold": 70, "severity": "high"}, "db-cpu": None})
    cpu = next(r for r in rows if r.metric == "cpu")
    assert (cpu.threshold, cpu.severity, cpu.evaluation_periods) == (70, "high", 3)
    assert "db-cpu" not in {r.metric for r in rows}
    assert len(rows) == len(DEFAULT_THRESHOLDS) - 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"disk": {"threshold": 1}}, r"threshold override 'disk' matches no row"),
        ({"cpu": {"threshhold": 1}}, r"unknown field\(s\) threshhold"),
        (
            {"cpu": {"period_seconds": -1}},
            r"threshold override 'cpu'\['cpu', 'medium'\]\.period_seconds \(-1\)",
        ),
    ],
)
def test_fails_when_a_config_override_is_bad(overrides, message):
    with pytest.raises(ValueError, match=message):
        thresholds_with_overrides(overrides)


def test_from_mapping_builds_a_validated_row():
    row = AlarmThreshold.from_mapping(
        {"metric": "memory", "threshold": 90, "severity": "high", "comparison": ">="}
    )
    assert row.effective_datapoints == 3 and row.worst_case_seconds_to_fire == 3 * 60 + 60
    with pytest.raises(ValueError, match=r"missing field\(s\) severity"):
        AlarmThreshold.from_mapping({"metric": "memory", "threshold": 90})


def test_fails_when_a_severity_has_alarms_but_no_topic():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    alarms = ServiceAlarms(
        stack, "Web", app_name="webapp", environment_name="prod", component="web", auto_scaling_group=ASG
    )
    with pytest.raises(
        ValueError, match="notification_topics has no 'low' topic but alarms carry that severity"
    ):
        SeverityCompositeAlarms(
            stack, "Incidents", app_name="webapp", environment_name="prod", component="web", sources=[alarms],
            notification_topics={"medium": sns.Topic(stack, "M"), "high": sns.Topic(stack, "H")},
        )  # fmt: skip
