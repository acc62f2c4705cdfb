"""The monitoring stacks as assembled from config: alarms, paging, escalation, healing wiring."""

from __future__ import annotations

import json

import pytest


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


@pytest.fixture(scope="module")
def prod_tokyo(synthesized_app) -> dict:
    return synthesized_app.template("Prod/Tokyo-Monitoring")


def test_alarm_names_follow_the_naming_strategy(synthesized_app):
    for path, template in synthesized_app.templates.items():
        if not path.endswith("-Monitoring"):
            continue
        env = path.split("/")[0].lower()
        for kind in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
            for r in _of_type(template, kind).values():
                name = r["Properties"]["AlarmName"]
                assert name.startswith(f"webapp-{env}-"), name
                assert name.rsplit("-", 1)[1] in {"low", "medium", "high", "critical"}, name


def test_ops_plan_thresholds_come_from_config(prod_tokyo, synthesized_app):
    alarms = {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in _of_type(prod_tokyo, "AWS::CloudWatch::Alarm").values()
    }
    thresholds = synthesized_app.config.environments["prod"].alarm_thresholds
    assert alarms["webapp-prod-web-cpu-medium"]["Threshold"] == thresholds.cpu_percent
    assert alarms["webapp-prod-web-memory-medium"]["Threshold"] == thresholds.memory_percent
    assert alarms["webapp-prod-web-latency-medium"]["Threshold"] == thresholds.latency_p95_ms / 1000
    assert alarms["webapp-prod-web-5xx-rate-high"]["Threshold"] == thresholds.error_rate_5xx_percent


def test_child_alarms_page_nobody_and_composites_page_once_per_severity(prod_tokyo):
    for r in _of_type(prod_tokyo, "AWS::CloudWatch::Alarm").values():
        props = r["Properties"]
        if "-web-" in props["AlarmName"]:
            assert not props.get("AlarmActions"), props["AlarmName"]
    composites = {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in _of_type(prod_tokyo, "AWS::CloudWatch::CompositeAlarm").values()
    }
    incident = [n for n in composites if "-incident-" in n]
    assert {n.rsplit("-", 1)[1] for n in incident} >= {"medium", "high"}
    for name in incident:
        props = composites[name]
        assert props["AlarmActions"], name
        # The pause switch silences paging during planned stops and drills.
        assert "ActionsSuppressor" in props, name


def test_escalation_tiers_follow_the_ops_plan(prod_tokyo):
    machines = [
        json.dumps(m["Properties"]["DefinitionString"])
        for k, m in _of_type(prod_tokyo, "AWS::StepFunctions::StateMachine").items()
        if k.startswith("Escalation")
    ]
    assert len(machines) == 1
    positions = [machines[0].find(tier) for tier in ("on-call-email", "on-call-sms", "team-lead")]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions


def test_healing_function_is_wired_to_this_environment(prod_tokyo, synthesized_app):
    functions = [
        r["Properties"]
        for r in _of_type(prod_tokyo, "AWS::Lambda::Function").values()
        if r["Properties"].get("Handler") == "handler.handler"
    ]
    assert len(functions) == 1
    env = functions[0]["Environment"]["Variables"]
    assert env["ENVIRONMENT_NAME"] == "prod"
    assert env["PAUSE_PARAMETER_NAME"] == "/webapp/prod/pause"
    assert env["ALARM_NAME_PREFIX"] == "webapp-prod-"
    assert env["DRY_RUN"] == "false"
    assert env["MAX_ACTIONS_PER_RESOURCE_PER_HOUR"] == str(
        synthesized_app.config.environments["prod"].healing.max_actions_per_resource_per_hour
    )
    assert "TOPIC_ARNS" in env and "LEDGER_TABLE_NAME" in env


def test_alert_topics_are_encrypted_with_a_key_cloudwatch_can_use(prod_tokyo):
    topics = _of_type(prod_tokyo, "AWS::SNS::Topic")
    assert len(topics) == 4
    assert all("KmsMasterKeyId" in t["Properties"] for t in topics.values())
    (key,) = [k for k in _of_type(prod_tokyo, "AWS::KMS::Key").values()]
    principals = json.dumps(key["Properties"]["KeyPolicy"])
    assert "cloudwatch.amazonaws.com" in principals and "events.amazonaws.com" in principals


def test_notifications_follow_each_severitys_config(prod_tokyo, synthesized_app):
    subs = [r["Properties"] for r in _of_type(prod_tokyo, "AWS::SNS::Subscription").values()]
    notifications = synthesized_app.config.environments["prod"].notifications
    expected = sorted(
        [
            ("email", e)
            for s in ("low", "medium", "high", "critical")
            for e in notifications.for_severity(s).email_addresses
        ]
        + [
            ("sms", n)
            for s in ("low", "medium", "high", "critical")
            for n in notifications.for_severity(s).sms_numbers
        ]
    )
    got = sorted((s["Protocol"], s["Endpoint"]) for s in subs if s["Protocol"] in ("email", "sms"))
    assert got == expected


def test_dashboard_name_carries_the_region(synthesized_app):
    for path, template in synthesized_app.templates.items():
        if path.endswith("-Monitoring"):
            names = [
                r["Properties"]["DashboardName"]
                for r in _of_type(template, "AWS::CloudWatch::Dashboard").values()
            ]
            region = "ap-northeast-1" if "/Tokyo-" in path else "ap-northeast-3"
            assert names and all(region in n for n in names), names


def test_prod_audits_the_ops_guide_items_with_aws_config(prod_tokyo, synthesized_app):
    rules = [
        r["Properties"]["Source"]["SourceIdentifier"]
        for r in _of_type(prod_tokyo, "AWS::Config::ConfigRule").values()
    ]
    assert {"RESTRICTED_INCOMING_TRAFFIC", "ENCRYPTED_VOLUMES", "CLOUD_TRAIL_ENABLED"} <= set(rules), rules
    dev = synthesized_app.template("Dev/Tokyo-Monitoring")
    assert _of_type(dev, "AWS::Config::ConfigRule") == {}
