"""The regional signal that includes the database: Route 53's regional checks ask the app's deep
path, the load balancer and the public name keep the shallow one, and the regional alarms ride out a
Multi-AZ failover (constructs_lib.monitoring.outage_tolerance)."""

from __future__ import annotations

import json

import pytest

from constructs_lib.monitoring.outage_tolerance import MULTI_AZ_FAILOVER, longest_breaching_run

STAGES = ("Dev", "Stg", "Prod")
DEEP, SHALLOW = "/health/deep", "/health"


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _endpoint_checks(template: dict) -> dict[str, dict]:
    return {
        k: r["Properties"]["HealthCheckConfig"]
        for k, r in _of_type(template, "AWS::Route53::HealthCheck").items()
        if r["Properties"]["HealthCheckConfig"]["Type"] != "CALCULATED"
    }


def _alarms_on(template: dict, check_id: str) -> list[dict]:
    return [
        a["Properties"]
        for a in _of_type(template, "AWS::CloudWatch::Alarm").values()
        if {"Name": "HealthCheckId", "Value": {"Ref": check_id}} in a["Properties"].get("Dimensions", [])
        or json.dumps({"Fn::GetAtt": [check_id, "HealthCheckId"]})
        in json.dumps(a["Properties"].get("Dimensions"))
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_the_load_balancers_keep_the_shallow_path(synthesized_app, stage):
    for region in ("Tokyo", "Osaka"):
        template = synthesized_app.template(f"{stage}/{region}-Compute")
        (group,) = _of_type(template, "AWS::ElasticLoadBalancingV2::TargetGroup").values()
        assert group["Properties"]["HealthCheckPath"] == SHALLOW


def test_the_regional_checks_ask_the_deep_path_and_the_public_check_the_shallow_one(synthesized_app):
    checks = _endpoint_checks(synthesized_app.template("Prod/Global"))
    by_host = {json.dumps(c["FullyQualifiedDomainName"]): c["ResourcePath"] for c in checks.values()}
    assert by_host.pop(json.dumps("www.example.com")) == SHALLOW
    # both regions have a database (a primary, a replica): both regional checks are deep
    assert sorted(by_host.values()) == [DEEP, DEEP]


def test_a_region_without_a_database_keeps_the_shallow_path(synthesized_app):
    # dev: backup & restore, no database in Osaka; no DNS failover either, so only Tokyo's own check
    checks = _endpoint_checks(synthesized_app.template("Dev/Global"))
    assert [c["ResourcePath"] for c in checks.values()] == [DEEP]
    unit = "DEEP_HEALTH_PATH=/health/deep"
    tokyo, osaka = (json.dumps(synthesized_app.template(f"Dev/{r}-Compute")) for r in ("Tokyo", "Osaka"))
    assert "Environment=DB_ENDPOINT_PARAMETER=/webapp/dev/db/endpoint" in tokyo
    assert "Environment=DB_ENDPOINT_PARAMETER" not in osaka  # its deep path answers "not configured"
    assert unit in tokyo and unit in osaka


@pytest.mark.parametrize("stage", STAGES)
def test_no_regional_deep_check_alarm_fires_within_a_multi_az_failover(synthesized_app, stage):
    template = synthesized_app.template(f"{stage}/Global")
    deep = {k: c for k, c in _endpoint_checks(template).items() if c["ResourcePath"] == DEEP}
    assert deep
    for check_id, config in deep.items():
        alarms = _alarms_on(template, check_id)
        for alarm in alarms:
            run = longest_breaching_run(
                MULTI_AZ_FAILOVER.to_seconds(),
                request_interval_seconds=config.get("RequestInterval", 30),
                failure_threshold=config.get("FailureThreshold", 3),
                period_seconds=alarm["Period"],
            )
            # consecutive (M of M): a 120 s outage gives at most `run` breaching datapoints in a row
            assert alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"], alarm["AlarmName"]
            assert alarm["DatapointsToAlarm"] > run, (
                f"{alarm['AlarmName']}: {alarm['DatapointsToAlarm']} datapoints; a 120 s Multi-AZ "
                f"failover can breach {run} in a row"
            )
    assert sum(len(_alarms_on(template, k)) for k in deep) >= 1


def test_the_pitr_restart_verifies_the_deep_path(synthesized_app):
    template = synthesized_app.template("Prod/Tokyo-DR")
    text = json.dumps(_of_type(template, "AWS::SSM::Document"))
    assert '"HealthCheckPath": "/health/deep"' in text
