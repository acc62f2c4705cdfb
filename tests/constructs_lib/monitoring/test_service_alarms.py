"""ServiceAlarms: metric alarms from the threshold table, the latency anomaly and the CPU early warning."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib._core import SeverityAlarm
from constructs_lib.alerting import SEVERITIES
from constructs_lib.monitoring.metrics import DatabaseTarget, WebServiceMetricFactory
from constructs_lib.monitoring.service_alarms import CpuEarlyWarning, ServiceAlarms
from constructs_lib.monitoring.thresholds import DEFAULT_THRESHOLDS, AlarmThreshold
from tests.constructs_lib.monitoring.alarm_app import (
    ALB,
    ALB_ARN,
    ASG,
    ENV,
    NAMING,
    TG,
    find_alarm,
    metric_math,
    service_alarms_alone,
)

ASG_DIMS = [{"Name": "AutoScalingGroupName", "Value": ASG}]
TG_DIMS = [{"Name": "LoadBalancer", "Value": ALB}, {"Name": "TargetGroup", "Value": TG}]
FUNCTION_DIMS = [{"Name": "FunctionName", "Value": "webapp-prod-auto-heal"}]
QUEUE_DIMS = [{"Name": "QueueName", "Value": "webapp-prod-heal-dlq"}]
DB_DIMS = [{"Name": "DBInstanceIdentifier", "Value": "webapp-prod-db"}]
# alarm -> (namespace, metric, dimensions, statistic, threshold, evaluation periods, datapoints to alarm);
# every one compares with GreaterThanThreshold over 60 s periods and treats missing data as notBreaching.
PLAIN_ALARMS = {
    "cpu-medium": ("AWS/EC2", "CPUUtilization", ASG_DIMS, "Average", 80, 3, 3),
    "memory-medium": (
        "CWAgent",
        "mem_used_percent",
        ASG_DIMS,
        "Maximum",
        85,
        3,
        3,
    ),  # any one instance, not the average,
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
def test_metric_alarm_has_the_ops_plan_metric_threshold_and_period(monitoring_app, suffix):
    # given the default threshold table / then each alarm watches the group-level metric, 1-minute periods
    namespace, metric, dimensions, statistic, threshold, evaluation, datapoints = PLAIN_ALARMS[suffix]
    _, props = find_alarm(monitoring_app["raw"], f"webapp-prod-web-{suffix}")
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


def test_5xx_rate_is_metric_math_over_target_and_load_balancer_errors(monitoring_app):
    _, props = find_alarm(monitoring_app["raw"], "webapp-prod-web-5xx-rate-high")
    expression, inputs = metric_math(props)
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


def test_in_service_shortfall_compares_group_metrics(monitoring_app):
    _, props = find_alarm(monitoring_app["raw"], "webapp-prod-web-in-service-shortfall-high")
    expression, inputs = metric_math(props)
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
def test_database_percentages_divide_by_the_instance_size(monitoring_app, suffix, metric, divisor, threshold):
    _, props = find_alarm(monitoring_app["raw"], f"webapp-prod-web-{suffix}")
    expression, inputs = metric_math(props)
    (only,) = inputs.values()
    assert only["Metric"]["MetricName"] == metric and only["Stat"] == "Minimum"
    assert expression.endswith(f"/ {divisor}")
    assert (props["Threshold"], props["ComparisonOperator"], props["TreatMissingData"]) == (
        threshold,
        "LessThanThreshold",
        "missing",
    )


def test_latency_anomaly_alarm_fires_above_the_band(monitoring_app):
    _, props = find_alarm(monitoring_app["raw"], "webapp-prod-web-latency-anomaly-medium")
    expression, inputs = metric_math(props)
    assert expression == "ANOMALY_DETECTION_BAND(m0, 3)"
    assert inputs["m0"]["Metric"]["MetricName"] == "TargetResponseTime"
    assert props["ComparisonOperator"] == "GreaterThanUpperThreshold"
    assert props["ThresholdMetricId"] == "expr_1"
    assert (props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (5, 3)


def test_alarms_carry_their_severity_and_signal_in_the_one_alarm_shape(monitoring_app):
    service = monitoring_app["service"]
    alarms = service.alarms
    assert all(isinstance(a, SeverityAlarm) for a in alarms)
    stack = cdk.Stack.of(service)
    names = [stack.resolve(a.alarm.alarm_name) for a in alarms]
    by_id = {
        k: r["Properties"]["AlarmName"]
        for k, r in monitoring_app["raw"]["Resources"].items()
        if "AlarmName" in r.get("Properties", {})
    }
    # each alarm's name is {app}-{env}-web-{signal}-{severity}
    assert [by_id[n["Ref"]] for n in names] == [f"webapp-prod-web-{a.signal}-{a.severity}" for a in alarms]
    counts = {s: sum(a.severity == s for a in alarms) for s in SEVERITIES}
    assert counts == {"low": 1, "medium": 4, "high": 9, "critical": 0}
    # table order, then the anomaly and the early warning
    assert [a.signal for a in alarms][-2:] == ["latency-anomaly", "cpu-early-warning"]
    assert service.alarm("cpu") is alarms[0].alarm


def test_rows_without_their_source_are_skipped():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    alarms = ServiceAlarms(
        stack, "Web", naming=NAMING, metrics=WebServiceMetricFactory(auto_scaling_group_name=ASG)
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
        stack, "Web", naming=NAMING, metrics=WebServiceMetricFactory(auto_scaling_group_name=ASG),
        notification_topics=topics,
    )  # fmt: skip
    # then each alarm notifies its own severity's topic on ALARM and OK
    refs = {s: {"Ref": stack.get_logical_id(t.node.default_child)} for s, t in topics.items()}
    for alarm in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values():
        severity = alarm["Properties"]["AlarmName"].rsplit("-", 1)[1]
        assert alarm["Properties"]["AlarmActions"] == [refs[severity]]
        assert alarm["Properties"]["OKActions"] == [refs[severity]]


def test_fails_when_two_rows_would_share_an_alarm_name():
    row = AlarmThreshold(metric="cpu", threshold=80, severity="medium")
    with pytest.raises(ValueError, match="two rows for 'cpu' at severity 'medium'"):
        service_alarms_alone([row, row])


def test_fails_when_the_early_warning_is_not_below_the_cpu_alarm():
    with pytest.raises(
        ValueError,
        match=r"cpu_early_warning.threshold_percent \(85\) must be below the cpu alarm threshold \(80\)",
    ):
        service_alarms_alone(DEFAULT_THRESHOLDS, cpu_early_warning=CpuEarlyWarning(threshold_percent=85))


def test_fails_when_the_metrics_have_no_group():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(ValueError, match="metrics has no auto_scaling_group_name"):
        ServiceAlarms(stack, "Web", naming=NAMING, metrics=WebServiceMetricFactory())


def test_fails_when_metrics_is_not_a_metric_factory():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(TypeError, match="metrics must be a WebServiceMetricFactory, got dict"):
        ServiceAlarms(stack, "Web", naming=NAMING, metrics={"auto_scaling_group": ASG})


def test_metric_math_rows_build_their_inputs_at_the_row_period_and_warn_nothing():
    # given math rows evaluated over 5-minute periods (the inputs default to 1 minute)
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    alb = elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack, "Alb", load_balancer_arn=ALB_ARN, security_group_id="sg-0123456789abcdef0"
    )
    rows = [
        AlarmThreshold(metric=m, threshold=t, severity="high", period_seconds=300, **extra)
        for m, t, extra in [
            ("5xx-rate", 1, {}),
            ("in-service-shortfall", 0, {}),
            ("db-free-storage", 20, {"comparison": "<"}),
            ("db-freeable-memory", 10, {"comparison": "<"}),
        ]
    ]
    database = DatabaseTarget(instance_identifier="db", allocated_storage_gib=20, memory_gib=1)
    ServiceAlarms(
        stack, "Web", naming=NAMING, thresholds=rows, latency_anomaly=None, cpu_early_warning=None,
        metrics=WebServiceMetricFactory(auto_scaling_group_name=ASG, load_balancer=alb, database=database),
    )  # fmt: skip
    # then every input carries 300 s itself, and CDK has nothing to override (no warning)
    alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) == 4
    for alarm in alarms.values():
        _, inputs = metric_math(alarm["Properties"])
        assert {i["Period"] for i in inputs.values()} == {300}
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())


def test_the_monitoring_app_synthesizes_without_warnings(monitoring_app):
    for key in ("service", "endpoint"):
        stack = cdk.Stack.of(monitoring_app[key])
        assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []
