"""EndpointAvailabilityCheck: the Route 53 health check and its alarm in us-east-1."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Match, Template

from constructs_lib._core import Naming, SeverityAlarm
from constructs_lib.monitoring.endpoint_check import EndpointAvailabilityCheck, EndpointProbe
from tests.constructs_lib.monitoring.alarm_app import ACCOUNT, ENV, NAMING, find_alarm


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
    endpoint = monitoring_app["endpoint"]
    assert endpoint.alarms == [
        SeverityAlarm(alarm=endpoint.alarm, severity="critical", signal="availability")
    ]


def test_fails_when_the_endpoint_check_is_outside_us_east_1():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(
        ValueError, match="in ap-northeast-1, but Route 53 health check metrics exist only in us-east-1"
    ):
        EndpointAvailabilityCheck(
            stack, "Endpoint", naming=NAMING, probe=EndpointProbe(fqdn="www.example.com")
        )


def _global_stack() -> cdk.Stack:
    return cdk.Stack(
        cdk.App(builtin_cloud_formation_validation=False),
        "G",
        env=cdk.Environment(account=ACCOUNT, region="us-east-1"),
    )


def test_an_existing_health_check_is_reused_and_the_probe_only_names_the_endpoint():
    stack = _global_stack()
    existing = route53.HealthCheck.from_health_check_id(
        stack, "Failover", "abcdef01-2345-6789-abcd-ef0123456789"
    )
    check = EndpointAvailabilityCheck(
        stack,
        "Endpoint",
        naming=Naming(app="webapp", environment="prod"),
        probe=EndpointProbe(fqdn="www.example.com", path="/ready"),
        existing_health_check=existing,
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Route53::HealthCheck", 0)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "webapp-prod-endpoint-availability-critical",
            "AlarmDescription": Match.string_like_regexp("cannot reach www.example.com/ready"),
            "Dimensions": [{"Name": "HealthCheckId", "Value": "abcdef01-2345-6789-abcd-ef0123456789"}],
        },
    )
    assert check.health_check is existing


def test_fails_without_a_probe_or_an_existing_health_check():
    with pytest.raises(ValueError, match=r"give probe=EndpointProbe\(fqdn=...\)"):
        EndpointAvailabilityCheck(_global_stack(), "Endpoint", naming=NAMING)


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        (EndpointProbe(fqdn="not a host"), r"fqdn \('not a host'\) must be a fully qualified host name"),
        (EndpointProbe(fqdn="www.example.com", protocol="TCP"), r"protocol \('TCP'\) must be one of"),
        (EndpointProbe(fqdn="www.example.com", request_interval_seconds=20), "must be 10 or 30"),
        (EndpointProbe(fqdn="www.example.com", protocol="HTTP_STR_MATCH"), "search_string"),
    ],
)
def test_fails_when_the_probe_is_invalid(probe, message):
    with pytest.raises(ValueError, match=message):
        EndpointAvailabilityCheck(_global_stack(), "Endpoint", naming=NAMING, probe=probe)


def _global_stack() -> cdk.Stack:
    return cdk.Stack(
        cdk.App(builtin_cloud_formation_validation=False),
        "Global",
        env=cdk.Environment(account=ACCOUNT, region="us-east-1"),
    )


def test_riding_out_an_outage_makes_the_alarm_wait_for_consecutive_unhealthy_minutes():
    stack = _global_stack()
    check = EndpointAvailabilityCheck(
        stack,
        "Regional",
        naming=NAMING,
        probe=EndpointProbe(fqdn="www.example.com", path="/health/deep", request_interval_seconds=30),
        ride_out=cdk.Duration.seconds(120),
    )
    props = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    ((_, alarm),) = props.items()
    # 30 s x 3 checks, 120 s outage: up to 4 breaching minutes, so 5 in a row (outage_tolerance)
    assert alarm["Properties"]["EvaluationPeriods"] == 5
    assert alarm["Properties"]["DatapointsToAlarm"] == 5
    assert (
        "a 120 s outage (a Multi-AZ database failover) never does" in alarm["Properties"]["AlarmDescription"]
    )
    assert check.ride_out_seconds == 120


def test_without_ride_out_the_alarm_keeps_its_evaluation_periods_alone():
    stack = _global_stack()
    EndpointAvailabilityCheck(stack, "Public", naming=NAMING, probe=EndpointProbe(fqdn="www.example.com"))
    ((_, alarm),) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").items()
    assert alarm["Properties"]["EvaluationPeriods"] == 1
    assert "DatapointsToAlarm" not in alarm["Properties"]


def test_fails_when_riding_out_without_the_check_s_timing():
    stack = _global_stack()
    existing = route53.HealthCheck.from_health_check_id(stack, "Existing", "hc-1")
    with pytest.raises(ValueError, match="ride_out needs probe"):
        EndpointAvailabilityCheck(
            stack, "Reused", naming=NAMING, existing_health_check=existing, ride_out=cdk.Duration.minutes(2)
        )
