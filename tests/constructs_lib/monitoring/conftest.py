"""The monitoring app, synthesized once with cdk-nag for every monitoring test module."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from constructs_lib.alerting.pause_alarm import PauseSwitchAlarm
from constructs_lib.alerting.pause_switch import PauseSwitch
from constructs_lib.alerting.topics import SeverityTopics
from constructs_lib.monitoring.audit import AuditRules
from constructs_lib.monitoring.composites import CompositeHealthAlarm, SeverityCompositeAlarms
from constructs_lib.monitoring.endpoint_check import EndpointAvailabilityCheck, EndpointProbe
from constructs_lib.monitoring.service_alarms import ServiceAlarms
from constructs_lib.monitoring.slo import AvailabilityBurnRateAlarms
from tests.constructs_lib.monitoring.alarm_app import ACCOUNT, ENV, NAMING, service_inputs
from tests.unit.quality import synth_with_nag


@pytest.fixture(scope="session")
def monitoring_app(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("alarms")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Monitoring", env=ENV)
    metrics = service_inputs(stack)
    topics = SeverityTopics(stack, "Alerts", naming=NAMING)
    web = NAMING.for_component("web")
    service = ServiceAlarms(stack, "Web", naming=web, metrics=metrics)
    health = CompositeHealthAlarm(
        stack,
        "SystemHealth",
        naming=web,
        saturation_alarms=[service.alarm("cpu"), service.alarm("memory")],
        latency_alarm=service.latency_anomaly_alarm,
    )
    burn = AvailabilityBurnRateAlarms(stack, "Slo", naming=web, load_balancer=metrics.load_balancer)
    switch = PauseSwitch.from_parameter_name(stack, "PauseSwitch", "/webapp/prod/pause")
    pause = PauseSwitchAlarm(stack, "Pause", naming=NAMING, pause_switch=switch)
    incidents = SeverityCompositeAlarms(
        stack,
        "Incidents",
        naming=web,
        sources=[service, health, burn],
        notification_topics=topics.topics,
        actions_suppressor=pause.alarm,
    )
    audit = AuditRules(stack, "Audit", naming=NAMING, notification_topic=topics.topic("medium"))

    global_stack = cdk.Stack(app, "Global", env=cdk.Environment(account=ACCOUNT, region="us-east-1"))
    global_topic = sns.Topic.from_topic_arn(
        global_stack, "Critical", f"arn:aws:sns:us-east-1:{ACCOUNT}:webapp-prod-critical"
    )
    endpoint = EndpointAvailabilityCheck(
        global_stack,
        "Endpoint",
        naming=web,
        probe=EndpointProbe(fqdn="www.example.com"),
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
