"""EndpointAvailabilityCheck: the Route 53 health check and its alarm in us-east-1."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match

from constructs_lib.monitoring.endpoint_check import EndpointAvailabilityCheck
from tests.constructs_lib.monitoring.alarm_app import ACCOUNT, ENV, find_alarm


def test_endpoint_check_probes_the_public_endpoint_fast(monitoring_app):
    monitoring_app["global"].has_resource_properties(
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


def test_endpoint_alarm_treats_silence_as_down_and_notifies(monitoring_app):
    raw = monitoring_app["global_raw"]
    (check_id,) = [k for k, r in raw["Resources"].items() if r["Type"] == "AWS::Route53::HealthCheck"]
    _, props = find_alarm(raw, "webapp-prod-web-availability-critical")
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
    assert monitoring_app["endpoint"].alarms_by_severity() == {"critical": [monitoring_app["endpoint"].alarm]}


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
