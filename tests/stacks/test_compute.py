"""The web tier as each environment deploys it: warm pool, network routes, zone loss, HTTPS, egress."""

from __future__ import annotations

import copy

import pytest

from constructs_lib.web import capacity_after_zone_loss
from stacks.application import ROOT, project_context
from stacks.config.errors import ConfigError
from stacks.config.loader import load_config


def _resources(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def _group(synthesized_app, path: str) -> dict:
    (group,) = _resources(synthesized_app.template(path), "AWS::AutoScaling::AutoScalingGroup")
    return group


def test_prod_warm_pool_is_warm_and_sized_exactly(synthesized_app):
    # Tokyo (active) keeps one stopped instance whose launch waits for its app; Osaka has no pool.
    tokyo = synthesized_app.template("Prod/Tokyo-Compute")
    (pool,) = _resources(tokyo, "AWS::AutoScaling::WarmPool")
    assert (pool["Properties"]["MinSize"], pool["Properties"]["MaxGroupPreparedCapacity"]) == (1, 1)
    (hook,) = _group(synthesized_app, "Prod/Tokyo-Compute")["Properties"]["LifecycleHookSpecificationList"]
    assert hook["LifecycleTransition"] == "autoscaling:EC2_INSTANCE_LAUNCHING"
    assert hook["DefaultResult"] == "ABANDON"
    # the heartbeat covers a cold boot plus passing the ALB check, with the grace period to spare
    grace = int(_group(synthesized_app, "Prod/Tokyo-Compute")["Properties"]["HealthCheckGracePeriod"])
    assert hook["HeartbeatTimeout"] >= grace
    osaka = synthesized_app.template("Prod/Osaka-Compute")
    assert _resources(osaka, "AWS::AutoScaling::WarmPool") == []
    assert "LifecycleHookSpecificationList" not in _group(synthesized_app, "Prod/Osaka-Compute")["Properties"]


def test_instances_without_nat_reach_the_auto_scaling_api_through_an_endpoint(synthesized_app):
    # dev has no NAT gateway: the lifecycle call needs the autoscaling interface endpoint.
    for region_label, region in (("Tokyo", "ap-northeast-1"), ("Osaka", "ap-northeast-3")):
        network = synthesized_app.template(f"Dev/{region_label}-Network")
        services = {str(r["Properties"]["ServiceName"]) for r in _resources(network, "AWS::EC2::VPCEndpoint")}
        assert f"com.amazonaws.{region}.autoscaling" in services
    # prod routes through NAT and pays for no such endpoint
    prod = synthesized_app.template("Prod/Tokyo-Network")
    assert _resources(prod, "AWS::EC2::VPCEndpoint") and not any(
        "autoscaling" in str(r["Properties"]["ServiceName"])
        for r in _resources(prod, "AWS::EC2::VPCEndpoint")
    )


def test_every_load_balancer_and_group_can_be_shifted_away_from_a_zone(synthesized_app):
    for path, template in synthesized_app.templates.items():
        if not path.endswith("-Compute"):
            continue
        (alb,) = _resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
        assert {"Key": "zonal_shift.config.enabled", "Value": "true"} in alb["Properties"][
            "LoadBalancerAttributes"
        ]
        policy = _group(synthesized_app, path)["Properties"]["AvailabilityZoneImpairmentPolicy"]
        assert policy == {"ZonalShiftEnabled": True, "ImpairedZoneHealthCheckBehavior": "ReplaceUnhealthy"}, (
            path
        )


def test_prod_practises_losing_a_zone_where_its_users_are(synthesized_app):
    autoshift = {
        path: _resources(template, "AWS::ARCZonalShift::ZonalAutoshiftConfiguration")
        for path, template in synthesized_app.templates.items()
    }
    assert {path for path, found in autoshift.items() if found} == {"Prod/Tokyo-Compute"}
    (config,) = autoshift["Prod/Tokyo-Compute"]
    assert config["Properties"]["ZonalAutoshiftStatus"] == "ENABLED"
    (outcome,) = config["Properties"]["PracticeRunConfiguration"]["OutcomeAlarms"]
    alarm_id = outcome["AlarmIdentifier"]["Fn::GetAtt"][0]
    alarm = synthesized_app.template("Prod/Tokyo-Compute")["Resources"][alarm_id]
    assert alarm["Properties"]["AlarmName"] == "webapp-prod-web-zonal-practice-errors-medium"


def test_prod_capacity_carries_the_full_load_with_one_zone_lost(synthesized_app):
    # Weekly practice runs take one zone's traffic away: the other zones, scaled to the group's
    # maximum, must still hold the production minimum (the lost zone holding its full share).
    prod = synthesized_app.config.environments["prod"]
    assert prod.zonal_autoshift
    zones = len(prod.region_config(prod.active_region).availability_zones)
    assert capacity_after_zone_loss(prod.capacity.max, zones) >= prod.capacity.min
    group = _group(synthesized_app, "Prod/Tokyo-Compute")["Properties"]
    assert capacity_after_zone_loss(int(group["MaxSize"]), len(group["VPCZoneIdentifier"])) >= int(
        group["MinSize"]
    )


def test_fails_when_an_environment_with_autoshift_cannot_lose_a_zone():
    context = project_context(ROOT)
    raw = {k: copy.deepcopy(context[k]) for k in ("app_name", "environments", "defaults")}
    raw["environments"]["prod"]["capacity"] = {"min": 3, "max": 4, "desired": 3}
    with pytest.raises(
        ConfigError,
        match=r"^environments\.prod\.capacity\.max \(4\) over 3 zones leaves 2 instance\(s\) when a zone "
        r"is lost .* fewer than environments\.prod\.capacity\.min \(3\): raise "
        r"environments\.prod\.capacity\.max to at least 5\.$",
    ):
        load_config(raw)


# --- HTTPS --------------------------------------------------------------------------------------------
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"


def test_environments_with_dns_or_retained_data_serve_https_and_port_80_only_redirects(synthesized_app):
    for env in ("Stg", "Prod"):
        for region in ("Tokyo", "Osaka"):
            listeners = {
                r["Properties"]["Port"]: r["Properties"]
                for r in _resources(
                    synthesized_app.template(f"{env}/{region}-Compute"),
                    "AWS::ElasticLoadBalancingV2::Listener",
                )
            }
            assert set(listeners) == {80, 443}
            https = listeners[443]
            assert https["Protocol"] == "HTTPS" and https["SslPolicy"] == TLS_POLICY
            assert "PLACEHOLDER" in https["Certificates"][0]["CertificateArn"]
            (redirect,) = listeners[80]["DefaultActions"]
            assert redirect["Type"] == "redirect"
            assert redirect["RedirectConfig"] == {
                "Port": "443",
                "Protocol": "HTTPS",
                "StatusCode": "HTTP_301",
            }
    # dev (no dns, no retained data) still forwards plain HTTP
    (dev,) = _resources(
        synthesized_app.template("Dev/Tokyo-Compute"), "AWS::ElasticLoadBalancingV2::Listener"
    )
    assert (dev["Properties"]["Port"], dev["Properties"]["DefaultActions"][0]["Type"]) == (80, "forward")


def test_the_tls_policy_keeps_tls_1_2_for_route_53_checkers():
    # Route 53's HTTPS checkers speak TLS up to 1.2: a TLS 1.3-only policy would fail every check.
    assert "-1-2-" in TLS_POLICY


def test_route_53_checks_probe_https_with_sni_where_port_80_only_redirects(synthesized_app):
    for env in ("Stg", "Prod"):
        checks = [
            r["Properties"]["HealthCheckConfig"]
            for r in _resources(synthesized_app.template(f"{env}/Global"), "AWS::Route53::HealthCheck")
            if r["Properties"]["HealthCheckConfig"]["Type"] not in ("CALCULATED",)
        ]
        assert checks, env
        for check in checks:
            assert (check["Type"], check["Port"], check.get("EnableSNI")) == ("HTTPS", 443, True), (
                env,
                check,
            )
    # dev's load balancers forward on port 80, so its checks stay HTTP there
    dev = [
        r["Properties"]["HealthCheckConfig"]
        for r in _resources(synthesized_app.template("Dev/Global"), "AWS::Route53::HealthCheck")
    ]
    assert dev and all((c["Type"], c["Port"]) == ("HTTP", 80) for c in dev)


def _raw_context() -> dict:
    context = project_context(ROOT)
    return {k: copy.deepcopy(context[k]) for k in ("app_name", "environments", "defaults")}


@pytest.mark.parametrize(("env", "why"), [("prod", "dns"), ("stg", "dns")])
def test_fails_when_an_environment_that_needs_https_has_no_certificate(env, why):
    raw = _raw_context()
    del raw["environments"][env]["dr"]["certificate_arn"]
    with pytest.raises(
        ConfigError,
        match=rf"^environments\.{env}\.dr\.certificate_arn is missing: environments with {why} serve HTTPS "
        rf"in every region\. Issue an ACM certificate in ap-northeast-3 .* or set "
        rf"environments\.{env}\.allow_plain_http",
    ):
        load_config(raw)


def test_fails_when_retained_data_alone_has_no_certificate():
    raw = _raw_context()
    raw["environments"]["dev"]["retain_data"] = True
    with pytest.raises(
        ConfigError, match=r"^environments\.dev\.primary\.certificate_arn is missing: .* retain_data"
    ):
        load_config(raw)


@pytest.mark.parametrize("value", [True, "yes", ""])
def test_fails_when_allow_plain_http_is_not_a_written_reason(value):
    raw = _raw_context()
    raw["environments"]["prod"]["allow_plain_http"] = value
    with pytest.raises(ConfigError, match=r"^environments\.prod\.allow_plain_http is .*: write the reason"):
        load_config(raw)


def test_a_written_reason_allows_plain_http_and_the_synth_warns_with_it(tmp_path):
    from aws_cdk.assertions import Annotations, Match

    from stacks.application import build_app

    raw = project_context(ROOT)
    stg = raw["environments"]["stg"]
    for role in ("primary", "dr"):
        del stg[role]["certificate_arn"]
    stg["allow_plain_http"] = "internal load test, no users, torn down nightly"
    raw["env"] = "stg"
    _, config, (stage,) = build_app(raw, outdir=str(tmp_path), nag=False, builtin_validation=False)
    assert config.environments["stg"].allow_plain_http.startswith("internal load test")
    compute = stage.compute["ap-northeast-1"]
    warnings = Annotations.from_stack(compute).find_warning(
        "*", Match.string_like_regexp("plain HTTP. Allowed because: internal load test, no users")
    )
    assert len(warnings) == 1


def test_placeholder_certificates_synthesize_with_an_info_not_a_warning(synthesized_app):
    # An info: the shipped cdk.json passes `cdk synth --strict`; the deploy fails on the placeholder.
    for path in ("Stg/Tokyo-Compute", "Prod/Osaka-Compute"):
        infos = synthesized_app.find_messages("info", path)
        warnings = synthesized_app.find_messages("warning", path)
        assert len([m for m in infos if "placeholder shipped in cdk.json" in m.text]) == 1, path
        assert [m for m in warnings if "placeholder shipped in cdk.json" in m.text] == [], path


# --- egress -------------------------------------------------------------------------------------------
def test_instances_reach_https_and_postgresql_in_the_database_subnets_only(synthesized_app):
    for env in ("Dev", "Stg", "Prod"):
        for region in ("Tokyo", "Osaka"):
            network = synthesized_app.template(f"{env}/{region}-Network")
            private = {
                r["Properties"]["CidrBlock"]
                for r in _resources(network, "AWS::EC2::Subnet")
                if not r["Properties"]["MapPublicIpOnLaunch"]
            }
            compute = synthesized_app.template(f"{env}/{region}-Compute")
            (group,) = [
                r
                for r in _resources(compute, "AWS::EC2::SecurityGroup")
                if r["Properties"]["GroupDescription"].startswith("Web instances")
            ]
            rules = {
                (r["IpProtocol"], r["FromPort"], r["CidrIp"])
                for r in group["Properties"]["SecurityGroupEgress"]
            }
            assert rules == {("tcp", 443, "0.0.0.0/0"), *(("tcp", 5432, cidr) for cidr in private)}, (
                env,
                region,
            )


def test_the_nightly_schedules_have_a_group_of_their_own_created_before_them(synthesized_app):
    # Their group's dropped-invocation count is theirs alone (the nightly pause's failure alarm reads
    # it); the L2 writes the group's name as a literal, so each schedule depends on the group.
    for env in synthesized_app.config.environments.values():
        compute = synthesized_app.template(
            f"{env.stage_name}/{env.region_config(env.active_region).label}-Compute"
        )
        groups = {
            k: r for k, r in compute["Resources"].items() if r["Type"] == "AWS::Scheduler::ScheduleGroup"
        }
        schedules = [r for r in compute["Resources"].values() if r["Type"] == "AWS::Scheduler::Schedule"]
        if env.schedule is None:
            assert groups == {} and schedules == []
            continue
        ((group_id, group),) = groups.items()
        assert group["Properties"]["Name"] == f"webapp-{env.name}-nightly"
        assert len(schedules) == 2
        for schedule in schedules:
            assert schedule["Properties"]["GroupName"] == f"webapp-{env.name}-nightly"
            assert group_id in schedule["DependsOn"]
