"""TargetHealthCheck refuses what Elastic Load Balancing would refuse, naming the value and the range."""

from __future__ import annotations

import re

import pytest

from constructs_lib.web import TargetHealthCheck


def test_the_defaults_and_the_load_balancers_bounds_pass():
    TargetHealthCheck().validate()
    TargetHealthCheck(interval_seconds=300, timeout_seconds=120, healthy_threshold=10).validate()
    TargetHealthCheck(interval_seconds=5, timeout_seconds=2, unhealthy_threshold=2).validate()


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"interval_seconds": 301}, "health_check.interval_seconds (301) must be 5-300."),
        (
            {"interval_seconds": 300, "timeout_seconds": 121},
            "health_check.timeout_seconds (121) must be 2-120 and less than interval_seconds (300).",
        ),
        (
            {"interval_seconds": 10, "timeout_seconds": 10},
            "health_check.timeout_seconds (10) must be 2-120 and less than interval_seconds (10).",
        ),
        ({"timeout_seconds": 1}, "health_check.timeout_seconds (1) must be 2-120"),
        ({"healthy_threshold": 11}, "health_check.healthy_threshold (11) must be 2-10."),
    ],
)
def test_fails_when_a_value_is_outside_the_load_balancers_range(props, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        TargetHealthCheck(**props).validate()
