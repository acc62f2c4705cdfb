"""validate_tiers: the rules an escalation's tiers follow, checked before any topic exists."""

from __future__ import annotations

import re
from types import SimpleNamespace

import aws_cdk as cdk
import pytest

from constructs_lib import validate_tiers as exported
from constructs_lib.alerting import MAX_TIERS, validate_tiers


def _tiers(*steps: tuple[str, int]) -> list[SimpleNamespace]:
    """Tiers as an app's config has them: a name and a delay, no topic yet."""
    return [SimpleNamespace(name=name, escalate_after=cdk.Duration.minutes(m)) for name, m in steps]


def test_valid_tiers_pass_without_topics():
    assert exported is validate_tiers
    validate_tiers(_tiers(("on-call-email", 0), ("on-call-sms", 30), ("team-lead", 7 * 24 * 60)))


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([], "tiers is empty: give at least one tier (who is told, and after how long)."),
        (
            [(f"t{i}", i + 1) for i in range(MAX_TIERS + 1)],
            "tiers has 11 tiers; at most 10 are supported: merge some.",
        ),
        ([("On Call", 15)], "tiers[0].name ('On Call') must be 1-31 characters of lowercase letters"),
        (
            [("a", 15), ("a", 30)],
            "tiers[1].name ('a') is used twice: tier names must be unique.",
        ),
        (
            [("a", 30), ("b", 30)],
            "tiers[1].escalate_after (30 minutes) must be later than the previous tier's (30 minutes): "
            "list tiers in escalation order.",
        ),
        (
            [("a", 15), ("b", 7 * 24 * 60 + 1)],
            "tiers[1].escalate_after (7 days 1 minute) is later than 7 days: keep escalation within a week.",
        ),
    ],
)
def test_fails_when_a_tier_breaks_a_rule(tiers, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        validate_tiers(_tiers(*tiers))


def test_messages_name_the_tiers_as_the_caller_calls_them():
    with pytest.raises(ValueError, match=r"^monitoring\.escalation\[1\]\.name \('a'\) is used twice"):
        validate_tiers(_tiers(("a", 1), ("a", 2)), prop="monitoring.escalation")
