"""Route 53 failover between two regions, switched by runbooks only."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from constructs_lib._core import Naming
from constructs_lib.dr.dns import FailoverEndpoint, RegionalFailover, region_switch_states
from tests.unit.quality import cfn_lint, synth_with_nag

ACCOUNT = "111111111111"
OSAKA = cdk.Environment(account=ACCOUNT, region="ap-northeast-3")
TOKYO_ALB = FailoverEndpoint(
    region="ap-northeast-1",
    load_balancer_dns_name="webapp-prod-1234567890.ap-northeast-1.elb.amazonaws.com",
    load_balancer_hosted_zone_id="Z14GRHDCWA56QT",
)
OSAKA_ALB = FailoverEndpoint(
    region="ap-northeast-3",
    load_balancer_dns_name="webapp-prod-0987654321.ap-northeast-3.elb.amazonaws.com",
    load_balancer_hosted_zone_id="Z5LXEXXYW11ES",
    health_check_fqdn="osaka.app.example.com",
)


def _failover(stack: cdk.Stack, **props) -> RegionalFailover:
    return RegionalFailover(
        stack,
        "Failover",
        zone_id="Z0123456789ABCDEFGHIJ",
        zone_name="example.com",
        record_name="app",
        primary=TOKYO_ALB,
        secondary=OSAKA_ALB,
        naming=Naming(app="webapp", environment="prod"),
        **props,
    )


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("dns")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    failover_stack = cdk.Stack(app, "Failover", env=OSAKA)
    failover = _failover(failover_stack)
    runbook_role = iam.Role(
        failover_stack, "RunbookRole", assumed_by=iam.ServicePrincipal("ssm.amazonaws.com")
    )
    failover.grant_switch(runbook_role)
    after_failover_stack = cdk.Stack(app, "FailoverAfter", env=OSAKA)
    after = _failover(after_failover_stack, active_region="ap-northeast-3")

    templates, violations = synth_with_nag(app, outdir)
    return {
        "failover": failover,
        "after": after,
        "templates": templates,
        "violations": violations,
    }


def _by_type(raw: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in raw["Resources"].items() if v["Type"] == resource_type}


def test_failover_records_alias_each_region_load_balancer_behind_its_switch(synthesized):
    raw = synthesized["templates"]["Failover"]
    records = {
        r["Properties"]["Failover"]: r["Properties"]
        for r in _by_type(raw, "AWS::Route53::RecordSet").values()
    }
    assert set(records) == {"PRIMARY", "SECONDARY"}
    checks = _by_type(raw, "AWS::Route53::HealthCheck")
    for failover, endpoint in (("PRIMARY", TOKYO_ALB), ("SECONDARY", OSAKA_ALB)):
        record = records[failover]
        assert record["Name"] == "app.example.com."
        assert record["Type"] == "A"
        assert record["HostedZoneId"] == "Z0123456789ABCDEFGHIJ"
        assert record["AliasTarget"] == {
            "DNSName": endpoint.load_balancer_dns_name,
            "HostedZoneId": endpoint.load_balancer_hosted_zone_id,
            "EvaluateTargetHealth": False,  # target health must not move traffic by itself
        }
        switch_id = record["HealthCheckId"]["Fn::GetAtt"][0]
        assert checks[switch_id]["Properties"]["HealthCheckConfig"]["Type"] == "CALCULATED"


def test_switches_are_calculated_checks_that_only_a_runbook_flips(synthesized):
    raw = synthesized["templates"]["Failover"]
    checks = _by_type(raw, "AWS::Route53::HealthCheck")
    switches = {
        next(t["Value"] for t in c["Properties"]["HealthCheckTags"] if t["Key"] == "Name"): c["Properties"]
        for c in checks.values()
        if c["Properties"]["HealthCheckConfig"]["Type"] == "CALCULATED"
    }
    assert set(switches) == {"webapp-prod-switch-ap-northeast-1", "webapp-prod-switch-ap-northeast-3"}
    for switch in switches.values():
        config = switch["HealthCheckConfig"]
        assert config["HealthThreshold"] == 0  # always healthy unless inverted: nothing observed flips it
        (child,) = config["ChildHealthChecks"]
        assert checks[child["Fn::GetAtt"][0]]["Properties"]["HealthCheckConfig"]["Type"] == "HTTPS"
    # Tokyo is active: its switch is open (not inverted), Osaka's is closed.
    assert switches["webapp-prod-switch-ap-northeast-1"]["HealthCheckConfig"]["Inverted"] is False
    assert switches["webapp-prod-switch-ap-northeast-3"]["HealthCheckConfig"]["Inverted"] is True


def test_endpoint_health_checks_probe_each_region_for_alarms_and_verification(synthesized):
    raw = synthesized["templates"]["Failover"]
    endpoints = [
        c["Properties"]["HealthCheckConfig"]
        for c in _by_type(raw, "AWS::Route53::HealthCheck").values()
        if c["Properties"]["HealthCheckConfig"]["Type"] == "HTTPS"
    ]
    assert sorted(e["FullyQualifiedDomainName"] for e in endpoints) == sorted(
        [TOKYO_ALB.load_balancer_dns_name, "osaka.app.example.com"]
    )
    for endpoint in endpoints:
        assert (endpoint["ResourcePath"], endpoint["Port"], endpoint["EnableSNI"]) == ("/health", 443, True)
        assert (endpoint["RequestInterval"], endpoint["FailureThreshold"]) == (30, 3)


def test_flipping_active_region_changes_only_the_switches(synthesized):
    before = synthesized["templates"]["Failover"]
    after = synthesized["templates"]["FailoverAfter"]
    before_checks = _by_type(before, "AWS::Route53::HealthCheck")
    after_checks = _by_type(after, "AWS::Route53::HealthCheck")
    assert set(before_checks) == set(after_checks)  # same logical ids: no replacement
    changed = {
        logical_id for logical_id in before_checks if before_checks[logical_id] != after_checks[logical_id]
    }
    assert len(changed) == 2
    for logical_id in changed:
        b = before_checks[logical_id]["Properties"]["HealthCheckConfig"]
        a = after_checks[logical_id]["Properties"]["HealthCheckConfig"]
        assert a == {**b, "Inverted": not b["Inverted"]}
    assert _by_type(before, "AWS::Route53::RecordSet") == _by_type(after, "AWS::Route53::RecordSet")
    assert synthesized["after"].switch_open == {"ap-northeast-1": False, "ap-northeast-3": True}


def test_grant_switch_lets_flip_only_the_switches_and_read_all_checks(synthesized):
    raw = synthesized["templates"]["Failover"]
    (policy,) = _by_type(raw, "AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    update = next(s for s in statements if s["Action"] == "route53:UpdateHealthCheck")
    switch_ids = {
        k
        for k, c in _by_type(raw, "AWS::Route53::HealthCheck").items()
        if c["Properties"]["HealthCheckConfig"]["Type"] == "CALCULATED"
    }
    assert {r["Fn::Join"][1][1]["Fn::GetAtt"][0] for r in update["Resource"]} == switch_ids


def test_endpoint_metric_lives_in_us_east_1(synthesized):
    metric = synthesized["failover"].metric_endpoint_health("ap-northeast-3")
    assert (metric.namespace, metric.metric_name, metric.region) == (
        "AWS/Route53",
        "HealthCheckStatus",
        "us-east-1",
    )


def test_region_switch_states_open_exactly_one_region():
    assert region_switch_states(regions=["a-b-1", "a-b-3"], active_region="a-b-3") == {
        "a-b-1": False,
        "a-b-3": True,
    }
    with pytest.raises(
        ValueError, match=r"active_region \('us-east-1'\) must be one of the failover regions"
    ):
        region_switch_states(regions=["ap-northeast-1", "ap-northeast-3"], active_region="us-east-1")


def test_fails_when_both_endpoints_are_in_one_region():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match="primary and secondary are both in 'ap-northeast-1'"):
        RegionalFailover(
            stack,
            "F",
            zone_id="Z1",
            zone_name="example.com",
            record_name="app",
            primary=TOKYO_ALB,
            secondary=TOKYO_ALB,
        )


def test_fails_when_the_health_check_interval_is_not_offered():
    stack = cdk.Stack(cdk.App(), "S", env=OSAKA)
    with pytest.raises(ValueError, match=r"request_interval_seconds \(15\) must be 10 or 30"):
        _failover(stack, request_interval_seconds=15)


# -- quality gates -----------------------------------------------------------------------------
def test_cdk_nag_finds_nothing_unacknowledged(synthesized):
    assert synthesized["violations"] == []


def test_cfn_lint_is_clean(synthesized):
    assert cfn_lint(synthesized["templates"]["Failover"], "ap-northeast-3") == []


def test_each_endpoint_may_ask_its_own_path_the_deep_one_where_there_is_a_database():
    from dataclasses import replace

    from aws_cdk.assertions import Template

    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "Deep", env=OSAKA)
    RegionalFailover(
        stack,
        "Failover",
        zone_id="Z0123456789ABCDEFGHIJ",
        zone_name="example.com",
        record_name="app",
        primary=replace(TOKYO_ALB, health_check_path="/health/deep"),
        secondary=OSAKA_ALB,
    )
    checks = Template.from_stack(stack).find_resources("AWS::Route53::HealthCheck")
    paths = sorted(
        c["Properties"]["HealthCheckConfig"]["ResourcePath"]
        for c in checks.values()
        if c["Properties"]["HealthCheckConfig"]["Type"] != "CALCULATED"
    )
    assert paths == ["/health", "/health/deep"]  # Osaka: the construct's default


def test_fails_when_an_endpoint_path_is_not_absolute():
    from dataclasses import replace

    stack = cdk.Stack(cdk.App(), "Bad", env=OSAKA)
    with pytest.raises(ValueError, match=r"primary.health_check_path \('health/deep'\) must start with '/'"):
        RegionalFailover(
            stack,
            "F",
            zone_id="Z1",
            zone_name="example.com",
            record_name="app",
            primary=replace(TOKYO_ALB, health_check_path="health/deep"),
            secondary=OSAKA_ALB,
        )
