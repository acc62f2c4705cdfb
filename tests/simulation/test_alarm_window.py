"""The missing-data rule against every row of CloudWatch's documented tables.

Source of every case: "How alarm state is evaluated when data is missing", Using Amazon CloudWatch
alarms, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
(section alarms-evaluating-missing-data; the same text is published in the awsdocs repository
amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md). In the tables "0" is a
non-breaching datapoint, "X" a breaching one, "-" a missing one, oldest first; CloudWatch retrieves
the 5 most recent datapoints (the evaluation range) for these alarms. "Retain current state" is
checked from both OK and ALARM.
"""

from __future__ import annotations

import pytest

from tools.simulation.alarms import ALARM, INSUFFICIENT_DATA, OK, evaluate_window

DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data"
RETAIN = "retain"
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")

# Table 1: Datapoints to Alarm and Evaluation Periods both 3.
THREE_OF_THREE = [
    ("0 - X - X", (OK, OK, OK, OK)),
    ("0 - - - -", (OK, OK, OK, OK)),
    ("- - - - -", (INSUFFICIENT_DATA, RETAIN, ALARM, OK)),
    ("0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("- - - - X", (INSUFFICIENT_DATA, RETAIN, ALARM, OK)),
    ("X - - - -", (ALARM, RETAIN, ALARM, OK)),
]
# Table 2: Period 5 minutes, Datapoints to Alarm 2, Evaluation Periods 3 (2 out of 3).
TWO_OF_THREE = [
    ("0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", (OK, OK, ALARM, OK)),
    ("- - - - 0", (OK, OK, ALARM, OK)),
    ("- - - - X", (INSUFFICIENT_DATA, RETAIN, ALARM, OK)),
]


def _points(row: str) -> list[bool | None]:
    return [{"0": False, "X": True, "-": None}[symbol] for symbol in row.split()]


def _cases(table: list[tuple[str, tuple[str, ...]]], m: int) -> list:
    cases = []
    for row, expected in table:
        for treatment, state in zip(TREATMENTS, expected, strict=True):
            cases.append(pytest.param(row, m, treatment, state, id=f"{m}of3 [{row}] {treatment} -> {state}"))
    return cases


@pytest.mark.parametrize(
    ("row", "datapoints_to_alarm", "treatment", "expected"),
    _cases(THREE_OF_THREE, 3) + _cases(TWO_OF_THREE, 2),
)
def test_reproduces_the_documented_row(row, datapoints_to_alarm, treatment, expected):
    # source: DOC, tables "Datapoints to Alarm and Evaluation Periods are both 3" and "2 out of 3"
    for current in (OK, ALARM):
        result = evaluate_window(
            _points(row),
            evaluation_periods=3,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=treatment,
            current_state=current,
        )
        assert result.state == (current if expected == RETAIN else expected), (
            row,
            treatment,
            current,
            result,
        )


def test_enough_real_datapoints_ignore_the_treatment():
    # source: DOC: "the number of existing data points retrieved is equal to or more than the alarm's
    # Evaluation Periods ... the value you set for how to treat missing data is not needed and is ignored"
    results = {
        t: evaluate_window(
            _points("X 0 X - X"), evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data=t
        )
        for t in TREATMENTS
    }
    assert {r.state for r in results.values()} == {OK}  # the 3 most recent real ones: 0 X X
    assert results["breaching"].evaluated == (False, True, True)


def test_fills_only_as_few_missing_datapoints_as_needed():
    # source: DOC: "CloudWatch uses missing data points only as few times as possible" and keeps
    # "any real data points in the evaluation range, no matter when they were reported"
    result = evaluate_window(
        _points("0 - - - -"), evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data="breaching"
    )
    assert result.evaluated == (False, "filled", "filled")
    assert result.state == OK


def test_fails_when_datapoints_to_alarm_exceeds_evaluation_periods():
    with pytest.raises(
        ValueError, match=r"DatapointsToAlarm \(4\) must be between 1 and EvaluationPeriods \(3\)"
    ):
        evaluate_window([True] * 5, evaluation_periods=3, datapoints_to_alarm=4)


def test_fails_on_an_unknown_treatment():
    with pytest.raises(ValueError, match=r"TreatMissingData .*'sometimes'"):
        evaluate_window(
            [True] * 5, evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data="sometimes"
        )
