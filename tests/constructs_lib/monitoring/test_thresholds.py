"""The threshold table: default rows, row validation, overrides from config."""

from __future__ import annotations

import pytest

from constructs_lib.monitoring.metrics import METRIC_CATALOG
from constructs_lib.monitoring.thresholds import DEFAULT_THRESHOLDS, AlarmThreshold, thresholds_with_overrides
from tests.constructs_lib.monitoring.alarm_app import service_alarms_alone


def test_every_default_row_fires_within_its_documented_bound():
    # detection speed is a feature: no default row takes more than ~11 minutes to fire
    for row in DEFAULT_THRESHOLDS:
        row.validate()
        assert row.period_seconds == 60, row.metric
        assert row.worst_case_seconds_to_fire <= 11 * 60, row.metric
        assert row.rationale, f"{row.metric} has no rationale"
    assert {row.metric for row in DEFAULT_THRESHOLDS} == set(METRIC_CATALOG)


def _cpu(**kwargs) -> AlarmThreshold:
    return AlarmThreshold(**{"metric": "cpu", "threshold": 80, "severity": "high"} | kwargs)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            _cpu(severity="medium", period_seconds=-60),
            r"thresholds\['cpu', 'medium'\]\.period_seconds \(-60\) must be 10, 30 or a positive multiple",
        ),
        (
            _cpu(severity="urgent"),
            r"thresholds\['cpu'\]\.severity \('urgent'\) is not a severity: use one of low, medium, high",
        ),
        (_cpu(metric="disk"), r"thresholds: unknown metric 'disk'; use one of 5xx-rate, cpu, db-cpu"),
        (
            _cpu(evaluation_periods=3, datapoints_to_alarm=5),
            r"datapoints_to_alarm \(5\) must be between 1 and evaluation_periods \(3\)",
        ),
        (
            _cpu(metric="5xx-rate", statistic="Average"),
            r"5xx-rate is metric math with a fixed statistic; use 'Sum'",
        ),
        (
            _cpu(statistic="p1000"),
            r"statistic \('p1000'\) must be Average, Maximum, Minimum, Sum, SampleCount or pNN",
        ),
        (
            _cpu(treat_missing_data="zero"),
            r"treat_missing_data \('zero'\) must be one of breaching, notBreaching, ignore, missing",
        ),
        (_cpu(period_seconds=3600, evaluation_periods=48), r"must not exceed one day"),
        (_cpu(threshold=float("nan")), r"threshold \(nan\) must be a finite number"),
    ],
)
def test_fails_when_a_threshold_row_is_bad(row, message):
    with pytest.raises(ValueError, match=message):
        service_alarms_alone([row])


def test_thresholds_from_config_override_the_defaults():
    rows = thresholds_with_overrides({"cpu": {"threshold": 70, "severity": "high"}, "db-cpu": None})
    cpu = next(r for r in rows if r.metric == "cpu")
    assert (cpu.threshold, cpu.severity, cpu.evaluation_periods) == (70, "high", 3)
    assert "db-cpu" not in {r.metric for r in rows}
    assert len(rows) == len(DEFAULT_THRESHOLDS) - 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"disk": {"threshold": 1}}, r"threshold override 'disk' matches no row"),
        ({"cpu": {"threshhold": 1}}, r"unknown field\(s\) threshhold"),
        (
            {"cpu": {"period_seconds": -1}},
            r"threshold override 'cpu'\['cpu', 'medium'\]\.period_seconds \(-1\)",
        ),
    ],
)
def test_fails_when_a_config_override_is_bad(overrides, message):
    with pytest.raises(ValueError, match=message):
        thresholds_with_overrides(overrides)


def test_from_mapping_builds_a_validated_row():
    row = AlarmThreshold.from_mapping(
        {"metric": "memory", "threshold": 90, "severity": "high", "comparison": ">="}
    )
    assert row.effective_datapoints == 3 and row.worst_case_seconds_to_fire == 3 * 60 + 60
    with pytest.raises(ValueError, match=r"missing field\(s\) severity"):
        AlarmThreshold.from_mapping({"metric": "memory", "threshold": 90})
