"""NightlyStop validates its schedule when built: each failure names the field, the value and the fix."""

from __future__ import annotations

import re

import pytest

from constructs_lib.web import NightlyStop


def test_a_valid_schedule_builds():
    stop = NightlyStop(
        timezone="Europe/Berlin", stop_cron="30 23 * JAN-MAR,DEC sat,SUN", start_cron="0 7 1-15 * *"
    )
    assert stop.stop_cron == "30 23 * JAN-MAR,DEC sat,SUN"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"stop_cron": "at ten"},
            "nightly_stop.stop_cron ('at ten') must have 5 fields 'minute hour day month weekday', "
            "e.g. '0 22 * * MON-FRI'.",
        ),
        (
            {"start_cron": "0 8 * * MON-FRI *"},
            "nightly_stop.start_cron ('0 8 * * MON-FRI *') must have 5 fields",
        ),
        (
            {"stop_cron": "*/5 * * * *"},
            "nightly_stop.stop_cron: the pause switch needs a fixed minute (0-59) and hour (0-23) to "
            "schedule around, got minute='*/5' hour='*': write e.g. '0 22 * * MON-FRI'.",
        ),
        ({"stop_cron": "0 24 * * *"}, "nightly_stop.stop_cron: the pause switch needs a fixed minute"),
        ({"start_cron": "60 8 * * *"}, "nightly_stop.start_cron: the pause switch needs a fixed minute"),
        (
            {"stop_cron": "0 22 x * *"},
            "nightly_stop.stop_cron ('0 22 x * *'): the day field 'x' must use digits, '*', ',', '-' and '/'",
        ),
        (
            {"stop_cron": "0 22 * * MON-FRY"},
            "nightly_stop.stop_cron ('0 22 * * MON-FRY'): the week day field 'MON-FRY' must use digits or "
            "SUN-SAT, '*', ',', '-' and '/'",
        ),
        (
            {"start_cron": "0 8 * MON *"},
            "nightly_stop.start_cron ('0 8 * MON *'): the month field 'MON' must use digits or JAN-DEC",
        ),
        (
            {"stop_cron": "2 0 * * *"},
            "nightly_stop.stop_cron: shifting 0:02 by -5 min for the pause switch crosses midnight; move the "
            "schedule",
        ),
        (
            {"start_cron": "50 23 * * *"},
            "nightly_stop.start_cron: shifting 23:50 by 15 min for the pause switch crosses midnight",
        ),
        (
            {"pause_lead_minutes": -5},
            "nightly_stop.pause_lead_minutes (-5) must be a whole number of minutes, >= 0.",
        ),
        (
            {"timezone": "Asia/Tokyo; rm"},
            "nightly_stop.timezone ('Asia/Tokyo; rm') must be an IANA time zone",
        ),
    ],
)
def test_fails_when_the_schedule_is_bad(props, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        NightlyStop(**{"timezone": "UTC", **props})
