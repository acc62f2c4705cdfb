"""One naming strategy for every alarm, and the monitoring app's static checks (cdk-nag, cfn-lint)."""

from __future__ import annotations

import json
import re

import pytest

from constructs_lib._core import Naming
from constructs_lib.monitoring.naming import with_component
from tests.constructs_lib.monitoring.alarm_app import REGION
from tests.unit.quality import cfn_lint


def test_cdk_nag_has_no_unacknowledged_findings(monitoring_app):
    assert monitoring_app["violations"] == [], json.dumps(monitoring_app["violations"], indent=1)[:3000]


@pytest.mark.parametrize("stack", ["raw", "global_raw"])
def test_cfn_lint_is_clean(monitoring_app, stack):
    region = REGION if stack == "raw" else "us-east-1"
    assert cfn_lint(monitoring_app[stack], region) == []


def test_alarm_names_follow_the_naming_strategy(monitoring_app):
    pattern = re.compile(r"^webapp-prod-[a-z0-9]+(-[a-z0-9]+)*-(low|medium|high|critical)$")
    for raw in (monitoring_app["raw"], monitoring_app["global_raw"]):
        for r in raw["Resources"].values():
            if r["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
                assert pattern.match(r["Properties"]["AlarmName"]), r["Properties"]["AlarmName"]
    assert Naming(app="webapp", environment="prod", component="web").alarm_name("cpu", "medium") == (
        "webapp-prod-web-cpu-medium"
    )


def test_constructs_default_their_component_only_when_the_naming_names_none():
    plain = Naming(app="webapp", environment="prod")
    assert with_component(plain, "web").alarm_name("cpu", "high") == "webapp-prod-web-cpu-high"
    db = plain.for_component("db")
    assert with_component(db, "web") is db


def test_fails_when_naming_is_not_a_naming():
    with pytest.raises(TypeError, match=r"naming must be a constructs_lib\.Naming, got dict"):
        with_component({"app": "webapp", "environment": "prod"}, "web")
