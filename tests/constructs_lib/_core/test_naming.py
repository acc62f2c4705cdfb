"""Naming: one value for app, environment and component; the one alarm naming strategy."""

from __future__ import annotations

import pytest

from constructs_lib._core import Naming, Severity


def test_alarm_name_follows_the_one_strategy():
    naming = Naming(app="webapp", environment="prod", component="web")
    assert naming.alarm_name("cpu", Severity.HIGH) == "webapp-prod-web-cpu-high"
    assert naming.alarm_name("cpu", "low", component="db") == "webapp-prod-db-cpu-low"


def test_for_component_keeps_app_and_environment():
    naming = Naming(app="shop", environment="qa").for_component("api")
    assert (naming.app, naming.environment, naming.component) == ("shop", "qa", "api")
    assert naming.prefix == "shop-qa"
    assert naming.name("backup") == "shop-qa-backup"


def test_fails_when_a_part_is_not_a_resource_name():
    with pytest.raises(ValueError, match=r"naming.environment \('Prod'\) must be 1-31 characters"):
        Naming(app="webapp", environment="Prod")
    with pytest.raises(ValueError, match=r"naming.component \('-web'\)"):
        Naming(app="webapp", environment="prod", component="-web")


def test_fails_when_an_alarm_has_no_component():
    with pytest.raises(ValueError, match=r"alarm 'cpu' needs a component: use naming.for_component"):
        Naming(app="webapp", environment="prod").alarm_name("cpu", "high")


def test_fails_when_the_severity_is_unknown():
    with pytest.raises(ValueError, match=r"severity \('urgent'\) is not a severity"):
        Naming(app="webapp", environment="prod", component="web").alarm_name("cpu", "urgent")


def test_fails_when_the_alarm_name_exceeds_cloudwatch_limit():
    naming = Naming(app="webapp", environment="prod", component="web")
    with pytest.raises(ValueError, match="longer than CloudWatch's 255 characters"):
        naming.alarm_name("x" * 240, "high")
