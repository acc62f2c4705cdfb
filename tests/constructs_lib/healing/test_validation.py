"""AutoHealing refuses bad props with a message naming the prop, the value and the fix."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns

from constructs_lib._core import AppProbe, Naming
from constructs_lib.alerting import PauseSwitch
from constructs_lib.healing import AutoHealing
from tests.constructs_lib.healing.support import ENV, build


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"naming": Naming(app="webapp", environment="prod", component="web")},
            r"naming.component \('web'\)",
        ),
        ({"notification_topics": {}}, r"needs a 'high' topic"),
        (
            {"alarm_name_prefix": "webapp-prod"},
            r"alarm_name_prefix \('webapp-prod'\) must end with a separator",
        ),
        ({"max_actions_per_resource_per_hour": 0}, r"max_actions_per_resource_per_hour \(0\)"),
        ({"incident_window": cdk.Duration.seconds(10)}, r"incident_window \(10 seconds\)"),
        ({"stale_event_age": cdk.Duration.seconds(30)}, r"stale_event_age \(30 seconds\)"),
        ({"max_replacement_percent": 0}, r"max_replacement_percent \(0\) must be 1-100"),
        ({"replacement_window": cdk.Duration.days(2)}, r"replacement_window \(2 days\)"),
        # AppProbe accepts these (valid systemd names / URL paths); healing pastes them into a shell.
        ({"app_probe": AppProbe(service_unit="webapp:8080")}, None),
        ({"app_probe": AppProbe(health_path="/health$(id)")}, r"app_probe.health_path \('/health\$\(id\)'\)"),
        ({"app_probe": AppProbe(health_path="/health;reboot")}, r"app_probe.health_path"),
        ({"reserved_concurrency": 0}, r"reserved_concurrency \(0\)"),
        ({"retry_attempts": 3}, r"retry_attempts \(3\)"),
        ({"max_event_age": cdk.Duration.hours(7)}, r"max_event_age \(7 hours\)"),
        ({"timeout": cdk.Duration.minutes(16)}, r"timeout \(16 minutes\)"),
        ({"memory_size": 64}, r"memory_size \(64\)"),
        ({"metrics_namespace": "AWS/Healing"}, r"metrics_namespace \('AWS/Healing'\)"),
        ({"log_level": "verbose"}, r"log_level \('verbose'\)"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_fails_when_a_prop_is_invalid(overrides, message):
    if message is None:  # accepted: the case documents where the two checks differ
        build(**overrides)
        return
    with pytest.raises(ValueError, match=message):
        build(**overrides)


def test_fails_when_a_topic_severity_is_unknown():
    stack = cdk.Stack(cdk.App(), "Validation", env=ENV)
    with pytest.raises(ValueError, match=r"unknown severities \['urgent'\]"):
        AutoHealing(
            stack,
            "Healing",
            naming=Naming(app="webapp", environment="prod"),
            notification_topics={"high": sns.Topic(stack, "High"), "urgent": sns.Topic(stack, "Urgent")},
            pause_switch=PauseSwitch.from_parameter_name(stack, "Pause", "/webapp/prod/pause"),
        )


def test_a_unit_that_could_be_read_as_an_option_never_reaches_the_construct():
    # AppProbe refuses a leading '-' itself; the handler's contract pattern refuses it too.
    with pytest.raises(ValueError, match=r"service_unit \('--force'\)"):
        AppProbe(service_unit="--force")


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_actions_per_resource_per_hour": 61}, "max_actions_per_resource_per_hour (61) must be 1-60."),
        (
            {"max_actions_per_resource_per_hour": True},
            "max_actions_per_resource_per_hour (True) must be 1-60.",
        ),
        (
            {"incident_window": cdk.Duration.hours(25)},
            "incident_window (1 day 1 hour) must be between 1 minute and 1 day.",
        ),
        ({"reserved_concurrency": 0}, "reserved_concurrency (0) must be 1-100, or None for no limit."),
        ({"reserved_concurrency": 101}, "reserved_concurrency (101) must be 1-100, or None for no limit."),
        ({"reserved_concurrency": True}, "reserved_concurrency (True) must be 1-100, or None for no limit."),
        ({"retry_attempts": -1}, "retry_attempts (-1) must be 0-2"),
        ({"memory_size": 20000}, "memory_size (20000) must be 128-10240 MiB."),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_validate_healing_limits_fails_naming_the_limit_its_value_and_range(limits, message):
    import re

    from constructs_lib import validate_healing_limits

    with pytest.raises(ValueError, match="^" + re.escape(message)):
        validate_healing_limits(**limits)
    # and AutoHealing refuses the same value with the same words
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        build(**limits)


def test_validate_healing_limits_checks_only_what_is_given():
    from constructs_lib.healing import RESERVED_CONCURRENCY_RANGE, validate_healing_limits

    validate_healing_limits()
    validate_healing_limits(reserved_concurrency=None)
    validate_healing_limits(
        reserved_concurrency=RESERVED_CONCURRENCY_RANGE[1], incident_window=cdk.Duration.days(1)
    )
