"""Weekly schedules: cron expressions expanded over a week, capacity segments."""

from __future__ import annotations

import pytest

from tools.cost.schedule import Action, Capacity, ScheduleError, weekly_firings, weekly_profile

MONDAY_22H = 22 * 60
FRIDAY_22H = 4 * 1440 + 22 * 60


def test_unix_and_eventbridge_crons_fire_on_the_same_weekdays():
    unix = weekly_firings("0 22 * * MON-FRI")
    aws = weekly_firings("cron(0 22 ? * MON-FRI *)")
    assert unix == aws
    assert unix[0] == MONDAY_22H and unix[-1] == FRIDAY_22H and len(unix) == 5


def test_numeric_weekdays_follow_each_dialect():
    assert weekly_firings("0 0 * * 0") == [6 * 1440]  # Unix: 0 = Sunday
    assert weekly_firings("cron(0 0 ? * 1 *)") == [6 * 1440]  # EventBridge: 1 = Sunday
    assert len(weekly_firings("*/30 * * * *")) == 7 * 24 * 2


def test_a_day_of_month_schedule_is_not_weekly():
    with pytest.raises(ScheduleError, match="day of the month"):
        weekly_firings("0 3 1 * *")


def test_capacity_segments_cover_the_week_and_carry_over_the_weekend():
    base = Capacity(1, 2, 1)
    profile = weekly_profile(base, [Action("0 22 * * MON-FRI", 0, 0, 0), Action("0 8 * * MON-FRI", 1, 2, 1)])
    assert sum(s.share for s in profile) == pytest.approx(1.0)
    running = sum(s.share for s in profile if s.capacity.desired == 1)
    assert running == pytest.approx(70 / 168)
    assert profile[0].capacity.desired == 0  # Monday 00:00: still stopped since Friday night


def test_an_action_setting_only_the_maximum_clamps_the_desired_capacity():
    profile = weekly_profile(Capacity(2, 6, 4), [Action("0 0 * * MON", max=3)])
    assert {s.capacity.desired for s in profile} == {3}
