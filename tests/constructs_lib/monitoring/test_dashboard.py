"""OperationsDashboard: widgets assembled from the monitoring classes, saved queries, static checks."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from constructs_lib._core import Naming
from constructs_lib.alerting.topics import SeverityTopics
from constructs_lib.monitoring.dashboard import HealingActivityMonitoring, OperationsDashboard
from constructs_lib.monitoring.metrics import WebServiceMetricFactory
from constructs_lib.monitoring.service_alarms import ServiceAlarms
from constructs_lib.monitoring.slo import AvailabilityBurnRateAlarms
from tests.unit.quality import cfn_lint, synth_with_nag

ACCOUNT, REGION = "123456789012", "ap-northeast-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)
ALB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/webapp-prod/0123456789abcdef"
TG_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/webapp-prod-web/fedcba9876543210"
NAMING = Naming(app="webapp", environment="prod")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("dashboards")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Monitoring", env=ENV)
    alb = elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack, "Alb", load_balancer_arn=ALB_ARN, security_group_id="sg-0123456789abcdef0"
    )
    target_group = elbv2.ApplicationTargetGroup.from_target_group_attributes(
        stack, "TargetGroup", target_group_arn=TG_ARN, load_balancer_arns=ALB_ARN
    )
    metrics = WebServiceMetricFactory(
        auto_scaling_group_name="webapp-prod-web", load_balancer=alb, target_group=target_group
    )
    service = ServiceAlarms(stack, "Web", naming=NAMING, metrics=metrics)
    burn = AvailabilityBurnRateAlarms(stack, "Slo", naming=NAMING, load_balancer=alb)
    topics = SeverityTopics(stack, "Alerts", naming=NAMING)
    healing_logs = logs.LogGroup.from_log_group_name(
        stack, "HealingLogs", "/aws/lambda/webapp-prod-auto-heal"
    )
    app_logs = logs.LogGroup(stack, "AppLogs", retention=logs.RetentionDays.ONE_MONTH)
    dashboard = OperationsDashboard(
        stack,
        "Operations",
        naming=NAMING,
        sources=[service, burn, topics],
        alarms=[service],
        healing_namespace="webapp/Healing",
        healing_log_group=healing_logs,
        application_log_groups=[app_logs],
    )
    templates, violations = synth_with_nag(app, outdir)
    raw = templates["Monitoring"]
    return dashboard, Template.from_json(raw), raw, violations


def _body(raw: dict) -> dict:
    """The dashboard body with every CloudFormation token replaced by a placeholder, parsed."""
    (dashboard,) = [r for r in raw["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "TOKEN" for p in parts))


def _metric_names(widget: dict) -> set[str]:
    names = set()
    for metric in widget["properties"].get("metrics", []):
        if isinstance(metric[0], dict):  # expression
            names.add(metric[0]["expression"])
        else:
            names.add(metric[1])
    return names


def test_dashboard_name_carries_the_region(synthesized):
    _, template, _, _ = synthesized
    template.has_resource_properties(
        "AWS::CloudWatch::Dashboard", {"DashboardName": "webapp-prod-ap-northeast-1-operations"}
    )


def test_dashboard_shows_what_the_ops_guide_asks_for(synthesized):
    body = _body(synthesized[2])
    widgets = {w["properties"].get("title", ""): w for w in body["widgets"]}
    # alarm status of every service alarm
    status = widgets["Alarm status"]
    assert status["type"] == "alarm" and len(status["properties"]["alarms"]) == 9
    # healing actions from the healing function's EMF metrics, by action and outcome
    (search,) = _metric_names(widgets["Healing actions (by action and outcome)"])
    assert search == "SEARCH('Namespace=\"webapp/Healing\" MetricName=\"HealingAction\"', 'Sum', 300)"
    (failed,) = _metric_names(widgets["Healing actions failed (by action)"])
    assert failed.startswith(
        'SEARCH(\'Namespace="webapp/Healing" MetricName="HealingAction" Outcome="failed"\''
    )
    # recent healing activity from the healing log group
    activity = widgets["Recent healing activity"]
    assert activity["type"] == "log"
    assert "SOURCE '/aws/lambda/webapp-prod-auto-heal'" in activity["properties"]["query"]
    assert "filter ispresent(action)" in activity["properties"]["query"]
    # capacity, traffic, latency, response classes, target health
    assert _metric_names(widgets["web: capacity"]) == {
        "GroupDesiredCapacity",
        "GroupInServiceInstances",
        "GroupTotalInstances",
    }
    assert _metric_names(widgets["web: requests"]) == {"RequestCount"}
    assert _metric_names(widgets["web: target response time (s)"]) == {"TargetResponseTime"}
    assert {
        "HTTPCode_Target_2XX_Count",
        "HTTPCode_Target_4XX_Count",
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_5XX_Count",
    } <= _metric_names(widgets["web: responses"])
    assert _metric_names(widgets["web: target health"]) == {"HealthyHostCount", "UnHealthyHostCount"}
    assert "Error budget burn (SLO 99.9 %)" in widgets
    assert "Alert notifications by severity" in widgets


def test_widgets_fit_the_24_column_grid(synthesized):
    for widget in _body(synthesized[2])["widgets"]:
        assert widget["x"] + widget["width"] <= 24, widget


def test_saved_queries_from_the_ops_guide(synthesized):
    dashboard, _, raw, _ = synthesized
    queries = {
        r["Properties"]["Name"]: r["Properties"]
        for r in raw["Resources"].values()
        if r["Type"] == "AWS::Logs::QueryDefinition"
    }
    assert set(queries) == {
        "webapp-prod/errors-per-5-minutes",
        "webapp-prod/latency-stats",
        "webapp-prod/healing-duration-stats",
    }
    errors = queries["webapp-prod/errors-per-5-minutes"]
    assert "stats count(*) as errors by bin(5m)" in errors["QueryString"]
    assert len(errors["LogGroupNames"]) == 2
    latency = queries["webapp-prod/latency-stats"]["QueryString"]
    assert "pct(latency_ms, 95) as p95_ms" in latency and "by bin(5m)" in latency
    assert set(dashboard.queries) == {"errors-per-5-minutes", "latency-stats", "healing-duration-stats"}


def test_healing_metric_for_one_action_uses_the_agreed_dimension():
    healing = HealingActivityMonitoring(namespace="webapp/Healing")
    metric = healing.metric_action("reboot", "failed")
    assert (metric.namespace, metric.metric_name) == ("webapp/Healing", "HealingAction")
    assert metric.dimensions == {"Action": "reboot", "Outcome": "failed"}
    assert len(healing.widgets()) == 2  # no log group, no log widget


def test_cdk_nag_has_no_unacknowledged_findings(synthesized):
    violations = synthesized[3]
    assert violations == [], json.dumps(violations, indent=1)[:3000]


def test_cfn_lint_is_clean(synthesized):
    assert cfn_lint(synthesized[2], REGION) == []


def test_fails_when_a_source_has_no_widgets():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(ValueError, match=r"sources\[0\] \(str\) has no widgets\(\) method"):
        OperationsDashboard(stack, "Operations", naming=NAMING, sources=["cpu"])


def test_fails_when_the_healing_log_group_comes_without_its_namespace():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    group = logs.LogGroup.from_log_group_name(stack, "L", "/aws/lambda/heal")
    with pytest.raises(ValueError, match="healing_log_group needs healing_namespace"):
        OperationsDashboard(stack, "Operations", naming=NAMING, healing_log_group=group)


def test_fails_with_a_clear_type_error_when_alarms_are_not_severity_alarms():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    service = ServiceAlarms(
        stack, "Web", naming=NAMING, metrics=WebServiceMetricFactory(auto_scaling_group_name="g")
    )
    with pytest.raises(TypeError, match=r"alarms\[0\] is a bare Alarm without a severity"):
        OperationsDashboard(stack, "Operations", naming=NAMING, alarms=[service.alarm("cpu")])
