"""One naming strategy for every alarm, and the monitoring app's static checks (cdk-nag, cfn-lint)."""

from __future__ import annotations

import json
import re

import pytest

from constructs_lib.monitoring.naming import alarm_name
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
    assert alarm_name("webapp", "prod", "web", "cpu", "medium") == "webapp-prod-web-cpu-medium"
