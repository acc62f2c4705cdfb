"""Paging over the whole app: one page per incident, through the pause suppressor, to someone.

* A child of a paging composite has no actions of its own (else one incident pages twice, the
  second time past the pause switch).
* In the regional stacks only the incident composites page, each silenced by the pause switch.
* Every topic an alarm or rule publishes to has a subscriber; a severity in use without one is a
  ConfigError naming its key where data is retained (prod), a warning elsewhere.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from aws_cdk.assertions import Annotations, Match

from stacks.application import ROOT, build_app, project_context
from stacks.base import UNROUTED_SEVERITY
from stacks.config.errors import ConfigError

ALARM_TYPES = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")


def _alarms(template: dict) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] in ALARM_TYPES}


def _children(rule) -> set[str]:
    """Logical ids of the alarms an AlarmRule refers to (Fn::GetAtt [id, Arn] inside its Fn::Join)."""
    if isinstance(rule, str):
        return set()
    return {p["Fn::GetAtt"][0] for p in rule["Fn::Join"][1] if isinstance(p, dict) and "Fn::GetAtt" in p}


def _pages(props: dict) -> bool:
    return any(props.get(key) for key in ACTIONS)


def test_children_of_paging_composites_have_no_actions_of_their_own(synthesized_app):
    checked = 0
    for path, template in synthesized_app.templates.items():
        alarms = _alarms(template)
        for props in alarms.values():
            if "AlarmRule" not in props or not _pages(props):
                continue
            # every alarm under a paging composite, however deep (burn-rate windows, system health)
            pending, seen = list(_children(props["AlarmRule"])), set()
            while pending:
                child = pending.pop()
                if child in seen:
                    continue
                seen.add(child)
                assert not _pages(alarms[child]), (
                    f"{path}: {alarms[child]['AlarmName']} pages on its own although "
                    f"{props['AlarmName']} pages for it"
                )
                pending += _children(alarms[child].get("AlarmRule", ""))
                checked += 1
    assert checked > 100  # every monitoring stack's children were looked at


def test_healing_alarms_reach_people_through_the_incident_composite(synthesized_app):
    template = synthesized_app.template("Prod/Tokyo-Monitoring")
    alarms = _alarms(template)
    by_name = {p["AlarmName"]: k for k, p in alarms.items()}
    high = alarms[by_name["webapp-prod-web-incident-high"]]
    for name in ("webapp-prod-autoheal-dlq-high", "webapp-prod-autoheal-errors-high"):
        assert by_name[name] in _children(high["AlarmRule"]), name
        assert not _pages(alarms[by_name[name]]), name


def test_regional_stacks_page_only_through_composites_silenced_by_the_pause_switch(synthesized_app):
    for path, template in synthesized_app.templates.items():
        if not path.endswith("-Monitoring"):
            continue
        alarms = _alarms(template)
        (paused,) = [k for k, p in alarms.items() if re.search(r"-operations-paused-low$", p["AlarmName"])]
        paging = {p["AlarmName"]: p for p in alarms.values() if _pages(p)}
        # The one exception: a failed nightly-pause run can leave the switch on, which silences the
        # composites, so its alarm pages by itself (only where the nightly stop runs).
        nightly = {n for n in paging if n.endswith("-web-nightly-pause-failed-high")}
        compute = synthesized_app.template(path.replace("-Monitoring", "-Compute"))
        machines = [
            r for r in compute["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"
        ]
        runs_nightly = any(
            str(m["Properties"].get("StateMachineName", "")).endswith("-nightly-pause") for m in machines
        )
        assert len(nightly) == (1 if runs_nightly else 0), path
        paging = {n: p for n, p in paging.items() if n not in nightly}
        assert paging and all(re.search(r"-web-incident-[a-z]+$", name) for name in paging), sorted(paging)
        for name, props in paging.items():
            assert props["ActionsSuppressor"] == {"Fn::GetAtt": [paused, "Arn"]}, f"{path}: {name}"


def test_replica_lag_pages_through_the_incident_composite(synthesized_app):
    template = synthesized_app.template("Prod/Osaka-Monitoring")
    alarms = _alarms(template)
    by_name = {p["AlarmName"]: k for k, p in alarms.items()}
    high = alarms[by_name["webapp-prod-web-incident-high"]]
    assert by_name["webapp-prod-db-replica-lag-high"] in _children(high["AlarmRule"])
    # and a replica that stops reporting altogether pages the same way
    assert by_name["webapp-prod-db-replica-silent-high"] in _children(high["AlarmRule"])


def _published_topics(template: dict) -> set[str]:
    """Topics (logical ids) that alarm actions and EventBridge rules publish to."""
    topics = set()
    for props in _alarms(template).values():
        for key in ACTIONS:
            topics |= {a["Ref"] for a in props.get(key, []) if isinstance(a, dict) and "Ref" in a}
    for r in template["Resources"].values():
        if r["Type"] == "AWS::Events::Rule":
            topics |= {
                t["Arn"]["Ref"]
                for t in r["Properties"].get("Targets", [])
                if isinstance(t["Arn"], dict)
                and template["Resources"].get(t["Arn"].get("Ref"), {}).get("Type") == "AWS::SNS::Topic"
            }
    return topics


def _subscribed_topics(template: dict) -> set[str]:
    subscribed = set()
    for r in template["Resources"].values():
        if r["Type"] == "AWS::SNS::Subscription":
            subscribed.add(r["Properties"]["TopicArn"]["Ref"])
        elif r["Type"] == "AWS::Chatbot::SlackChannelConfiguration":
            subscribed |= {t["Ref"] for t in r["Properties"]["SnsTopicArns"]}
    return subscribed


def test_every_topic_that_is_paged_has_a_subscriber(synthesized_app):
    for path, template in synthesized_app.templates.items():
        published = _published_topics(template)
        unsubscribed = published - _subscribed_topics(template)
        names = sorted(template["Resources"][t]["Properties"]["TopicName"] for t in unsubscribed)
        assert names == [], f"{path}: paged topics nobody reads"


@pytest.fixture
def context() -> dict:
    ctx = project_context(ROOT)
    return {k: copy.deepcopy(ctx[k]) for k in ("app_name", "environments", "defaults")}


def test_fails_when_production_pages_a_severity_nobody_is_subscribed_to(context, tmp_path):
    # given prod (retain_data) whose low severity, paged by the cpu early warning, has no subscriber
    del context["environments"]["prod"]["notifications"]["low"]
    context["env"] = "prod"
    # then the synth stops, naming the key to fill in
    with pytest.raises(
        ConfigError, match=r"^environments\.prod\.notifications\.low: alarms of Prod/Tokyo-Monitoring"
    ):
        build_app(context, outdir=str(tmp_path), nag=False, builtin_validation=False)


def test_warns_when_another_environment_pages_a_severity_nobody_is_subscribed_to(context, tmp_path):
    # given dev (no retain_data) with email for high only, as the first release shipped it
    notifications = context["environments"]["dev"]["notifications"]
    context["environments"]["dev"]["notifications"] = {"high": notifications["high"]}
    context["env"] = "dev"
    app, _, (stage,) = build_app(context, outdir=str(tmp_path), nag=False, builtin_validation=False)
    app.synth()
    # then each stack paging those severities warns, naming the keys
    monitoring = Annotations.from_stack(stage.monitoring["ap-northeast-1"])
    (warning,) = monitoring.find_warning("*", Match.string_like_regexp(UNROUTED_SEVERITY))
    assert str(warning.entry.data).startswith(
        "environments.dev.notifications.low, environments.dev.notifications.medium, "
        "environments.dev.notifications.critical: alarms of Dev/Tokyo-Monitoring page the low, medium and "
        "critical topics"
    )
    (global_warning,) = Annotations.from_stack(stage.global_).find_warning(
        "*", Match.string_like_regexp(UNROUTED_SEVERITY)
    )
    assert "environments.dev.notifications.critical:" in str(global_warning.entry.data)
    assert "no Slack here" in str(global_warning.entry.data)


def test_the_nightly_stop_mutes_the_us_east_1_alarms_it_would_fire_and_only_those(synthesized_app):
    # The composites' pause switch cannot reach us-east-1: the checks of the active region (scaled to
    # zero) and of the public name are muted for the pause window instead, and re-armed after it.
    for env_name, env in synthesized_app.config.environments.items():
        template = synthesized_app.template(f"{env.stage_name}/Global")
        alarms = _alarms(template)
        schedules = [
            r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Scheduler::Schedule"
        ]
        muted = {
            alarms[ref]["AlarmName"]
            for s in schedules
            if "disableAlarmActions" in json.dumps(s["Target"]["Arn"])
            for ref in re.findall(r'"Ref": "(\w+)"', json.dumps(s["Target"]["Input"]))
            if ref in alarms
        }
        if env.schedule is None:
            assert schedules == [], env_name
            continue
        active = env.region_config(env.active_region).label.lower()
        expected = {
            p["AlarmName"]
            for p in alarms.values()
            if re.search(rf"-(public|{active}-alb)-availability-[a-z]+$", p["AlarmName"])
        }
        assert muted == expected != set(), env_name
