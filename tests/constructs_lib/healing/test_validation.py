"""AutoHealing refuses bad props with a message naming the prop, the value and the fix."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns

from constructs_lib.healing import AutoHealing
from tests.constructs_lib.healing.support import ENV, build


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"app_name": "WebApp"}, r"app_name \('WebApp'\)"),
        ({"environment_name": "prod env"}, r"environment_name \('prod env'\)"),
        ({"notification_topics": {}}, r"needs a 'high' topic"),
        ({"pause_parameter_name": "webapp/prod/pause"}, r"pause_parameter_name \('webapp/prod/pause'\)"),
        (
            {"alarm_name_prefix": "webapp-prod"},
            r"alarm_name_prefix \('webapp-prod'\) must end with a separator",
        ),
        ({"max_actions_per_resource_per_hour": 0}, r"max_actions_per_resource_per_hour \(0\)"),
        ({"incident_window": cdk.Duration.seconds(10)}, r"incident_window \(10 seconds\)"),
        ({"web_service_unit": "webapp; reboot"}, r"web_service_unit \('webapp; reboot'\)"),
        ({"health_check_port": 0}, r"health_check_port \(0\)"),
        ({"health_check_path": "health"}, r"health_check_path \('health'\)"),
        ({"health_check_path": "/health?x=$(id)"}, r"health_check_path"),
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
    with pytest.raises(ValueError, match=message):
        build(**overrides)


def test_fails_when_a_topic_severity_is_unknown():
    stack = cdk.Stack(cdk.App(), "Validation", env=ENV)
    with pytest.raises(ValueError, match=r"unknown severities \['urgent'\]"):
        AutoHealing(
            stack,
            "Healing",
            app_name="webapp",
            environment_name="prod",
            notification_topics={"high": sns.Topic(stack, "High"), "urgent": sns.Topic(stack, "Urgent")},
            pause_parameter_name="/webapp/prod/pause",
        )
