"""Statistics, metric math, alarms evaluated over a metric store, composite alarms and suppression.

Each test names the CloudWatch documentation it follows.
"""

from __future__ import annotations

import pytest

from tools.simulation.alarms import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    AlarmSpec,
    MetricAlarm,
    breaches,
    compute_statistic,
    low_sample_count,
)
from tools.simulation.composite import CompositeAlarm, parse_rule, rule_alarms
from tools.simulation.metric_math import Band, MathContext, evaluate_expression
from tools.simulation.metrics import MetricKey, MetricStore

MATH_DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html"
STATS_DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html"
ALARMS_DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html"
COMPOSITE_DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_CompositeAlarm.html"


# --- statistics (STATS_DOC) ------------------------------------------------------------------------
def test_statistics_of_one_period():
    values = [10.0, 20.0, 30.0, 40.0]
    assert compute_statistic(values, "Average") == 25
    assert compute_statistic(values, "Sum") == 100
    assert compute_statistic(values, "Minimum") == 10
    assert compute_statistic(values, "Maximum") == 40
    assert compute_statistic(values, "SampleCount") == 4
    assert compute_statistic(list(map(float, range(1, 101))), "p95") == 95
    assert compute_statistic([], "Average") is None


def test_fails_on_a_statistic_that_is_not_modelled():
    with pytest.raises(ValueError, match="statistic 'IQM' is not modelled"):
        compute_statistic([1.0], "IQM")


def test_low_sample_count_for_percentiles_follows_the_documented_bound():
    # ALARMS_DOC, "Percentile-based alarms and low data samples": fewer than 10/(1-p) samples for
    # p in [0.5, 1), e.g. fewer than 1000 samples for p99; below p50, fewer than 10/p.
    assert low_sample_count("p99", 999) and not low_sample_count("p99", 1000)
    assert low_sample_count("p95", 199) and not low_sample_count("p95", 200)
    assert low_sample_count("p10", 99) and not low_sample_count("p10", 100)
    assert not low_sample_count("Average", 1)


def test_comparison_operators_including_anomaly_bands():
    assert breaches("GreaterThanThreshold", 81, 80) and not breaches("GreaterThanThreshold", 80, 80)
    assert breaches("GreaterThanOrEqualToThreshold", 80, 80)
    assert breaches("LessThanThreshold", 0, 1) and not breaches("LessThanThreshold", 1, 1)
    assert breaches("GreaterThanUpperThreshold", 5, Band(1, 4)) and not breaches(
        "GreaterThanUpperThreshold", 3, Band(1, 4)
    )
    assert breaches("LessThanLowerOrGreaterThanUpperThreshold", 0.5, Band(1, 4))
    with pytest.raises(ValueError, match="needs an anomaly band"):
        breaches("GreaterThanUpperThreshold", 5, 4.0)


# --- metric math (MATH_DOC) ----------------------------------------------------------------------
def test_arithmetic_treats_missing_values_as_zero_and_drops_division_by_zero():
    # MATH_DOC, "Basic arithmetic functions": "Missing values in a time series are treated as 0. If the
    # value of a data point causes a function to attempt to divide by zero, the data point is dropped."
    context = MathContext([0, 60, 120], 60)
    context.define("errors", {0: 5.0, 60: 2.0})
    context.define("requests", {0: 100.0, 120: 50.0})
    assert evaluate_expression("100 * errors / requests", context) == {0: 5.0, 120: 0.0}
    assert evaluate_expression("requests - errors", context) == {0: 95.0, 60: -2.0, 120: 50.0}
    assert evaluate_expression("-errors + 1", context) == {0: -4.0, 60: -1.0}


def test_fill_fills_every_period_of_the_queried_range():
    # MATH_DOC, FILL: "Fills the missing values of a time series" with the given value.
    context = MathContext([0, 60, 120], 60)
    context.define("target5xx", {60: 3.0})
    context.define("requests", {60: 10.0})
    rate = evaluate_expression("100 * (FILL(target5xx, 0)) / (FILL(requests, 0))", context)
    assert rate == {60: 30.0}  # 0/0 at 0 and 120 is dropped


def test_anomaly_band_is_an_input():
    # MATH_DOC, ANOMALY_DETECTION_BAND: two time series, upper and lower; default width 2.
    context = MathContext([0, 60], 60, bands={"m0": lambda start, width: (1.0 - width, 1.0 + width)})
    context.define("m0", {0: 1.0, 60: 9.0})
    lower, upper = evaluate_expression("ANOMALY_DETECTION_BAND(m0, 3)", context)
    assert lower == {0: -2.0, 60: -2.0} and upper == {0: 4.0, 60: 4.0}
    assert evaluate_expression("ANOMALY_DETECTION_BAND(m0)", context)[1] == {0: 3.0, 60: 3.0}
    with pytest.raises(ValueError, match="no anomaly band given for 'x'"):
        evaluate_expression("ANOMALY_DETECTION_BAND(x)", MathContext([0], 60, values={"x": {}}))


def test_fails_on_unmodelled_math():
    context = MathContext([0], 60, values={"m1": {0: 1.0}})
    with pytest.raises(ValueError, match="function AVG is not modelled"):
        evaluate_expression("AVG(m1)", context)
    with pytest.raises(ValueError, match="unknown id 'm9'"):
        evaluate_expression("m9 + 1", context)


# --- alarms over a store (ALARMS_DOC) -----------------------------------------------------------------
def _cpu_alarm(**overrides) -> AlarmSpec:
    description = {
        "AlarmName": "webapp-test-web-cpu-medium",
        "ComparisonOperator": "GreaterThanThreshold",
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 3,
        "Threshold": 80,
        "Period": 60,
        "Namespace": "AWS/EC2",
        "MetricName": "CPUUtilization",
        "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "web"}],
        "Statistic": "Average",
        "TreatMissingData": "notBreaching",
        **overrides,
    }
    return AlarmSpec.from_description(description)


def test_three_of_three_alarm_fires_on_the_third_breaching_datapoint_once_visible():
    store = MetricStore()
    key = MetricKey.of("AWS/EC2", "CPUUtilization", {"AutoScalingGroupName": "web"})
    # one sample per minute, visible 60 s after its minute ends; breaching from minute 5 on
    for minute in range(12):
        store.add(key, minute * 60, 95.0 if minute >= 5 else 30.0, visible_at=(minute + 2) * 60)
    alarm = MetricAlarm(_cpu_alarm(), store)
    states = {}
    for minute in range(1, 12):
        alarm.evaluate(minute * 60.0, 0.0)
        states[minute] = alarm.state
    # breaching samples of minutes 5, 6, 7: the third is visible at 9 min (ALARMS_DOC, 3 out of 3)
    assert states[8] == OK and states[9] == ALARM
    assert [t.state for t in alarm.transitions] == [OK, ALARM]


def test_m_of_n_needs_m_breaching_within_the_last_n():
    store = MetricStore()
    key = MetricKey.of("AWS/EC2", "CPUUtilization", {"AutoScalingGroupName": "web"})
    for minute, value in enumerate([30, 30, 30, 90, 30, 90, 30, 30, 30]):
        store.add(key, minute * 60, value, visible_at=(minute + 1) * 60)
    alarm = MetricAlarm(_cpu_alarm(DatapointsToAlarm=2), store)  # 2 out of 3
    history = []
    for minute in range(1, 10):
        alarm.evaluate(minute * 60.0, 0.0)
        history.append(alarm.state)
    assert history[5] == ALARM  # minutes 3..5 hold 90, 30, 90
    assert history[-1] == OK


def test_metric_math_alarm_reads_its_queries_and_the_returned_expression():
    store = MetricStore()
    lb = {"LoadBalancer": "app/web/1"}
    for minute in range(10):
        store.add(
            MetricKey.of("AWS/ApplicationELB", "RequestCount", lb),
            minute * 60,
            100.0,
            visible_at=minute * 60 + 60,
        )
        if minute >= 4:
            store.add(
                MetricKey.of("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb),
                minute * 60,
                20.0,
                visible_at=minute * 60 + 60,
            )
    spec = AlarmSpec.from_description(
        {
            "AlarmName": "rate",
            "ComparisonOperator": "GreaterThanThreshold",
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 3,
            "Threshold": 5,
            "TreatMissingData": "notBreaching",
            "Metrics": [
                {
                    "Id": "expr_1",
                    "Expression": "100 * FILL(target5xx, 0) / FILL(requests, 0)",
                    "ReturnData": True,
                },
                {
                    "Id": "target5xx",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/ApplicationELB",
                            "MetricName": "HTTPCode_Target_5XX_Count",
                            "Dimensions": [{"Name": "LoadBalancer", "Value": "app/web/1"}],
                        },
                        "Period": 60,
                        "Stat": "Sum",
                    },
                    "ReturnData": False,
                },
                {
                    "Id": "requests",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/ApplicationELB",
                            "MetricName": "RequestCount",
                            "Dimensions": [{"Name": "LoadBalancer", "Value": "app/web/1"}],
                        },
                        "Period": 60,
                        "Stat": "Sum",
                    },
                    "ReturnData": False,
                },
            ],
        }
    )
    alarm = MetricAlarm(spec, store)
    assert alarm.period == 60
    alarm.evaluate(6 * 60.0, 0.0)
    assert alarm.state == OK  # minutes 1..5 complete: only 4 and 5 at 20 %
    alarm.evaluate(7 * 60.0, 0.0)
    assert alarm.state == ALARM and alarm.last_values[-3:] == [20.0, 20.0, 20.0]


def test_anomaly_alarm_compares_with_the_band_of_its_threshold_metric():
    store = MetricStore()
    key = MetricKey.of("AWS/ApplicationELB", "TargetResponseTime", {"LoadBalancer": "x"})
    for minute in range(10):
        store.add(key, minute * 60, 0.1 if minute < 5 else 2.0, visible_at=minute * 60 + 60)
    spec = AlarmSpec.from_description(
        {
            "AlarmName": "anomaly",
            "ComparisonOperator": "GreaterThanUpperThreshold",
            "EvaluationPeriods": 5,
            "DatapointsToAlarm": 3,
            "ThresholdMetricId": "expr_1",
            "TreatMissingData": "notBreaching",
            "Metrics": [
                {"Id": "expr_1", "Expression": "ANOMALY_DETECTION_BAND(m0, 3)", "ReturnData": True},
                {
                    "Id": "m0",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/ApplicationELB",
                            "MetricName": "TargetResponseTime",
                            "Dimensions": [{"Name": "LoadBalancer", "Value": "x"}],
                        },
                        "Period": 60,
                        "Stat": "p95",
                    },
                    "ReturnData": True,
                },
            ],
        }
    )
    alarm = MetricAlarm(spec, store, bands={"m0": lambda start, width: (0.0, 0.1 + width * 0.1)})
    alarm.evaluate(7 * 60.0, 0.0)
    assert alarm.state == OK  # minutes 5, 6 above 0.4: 2 of 5
    alarm.evaluate(8 * 60.0, 0.0)
    assert alarm.state == ALARM


def test_low_sample_percentiles_are_missing_when_told_to_ignore():
    store = MetricStore()
    key = MetricKey.of("AWS/ApplicationELB", "TargetResponseTime", {"LoadBalancer": "x"})
    for minute in range(6):
        store.add(
            key, minute * 60, 9.0, visible_at=minute * 60 + 60
        )  # one sample per minute: too few for p95
    spec = _cpu_alarm(
        Namespace="AWS/ApplicationELB",
        MetricName="TargetResponseTime",
        Dimensions=[{"Name": "LoadBalancer", "Value": "x"}],
        Statistic=None,
        ExtendedStatistic="p95",
        Threshold=1,
        TreatMissingData="missing",
        EvaluateLowSampleCountPercentile="ignore",
    )
    alarm = MetricAlarm(spec, store)
    alarm.evaluate(6 * 60.0, 0.0)
    assert alarm.state == INSUFFICIENT_DATA
    assert (
        MetricAlarm(_cpu_alarm(**{**_desc_of(spec), "EvaluateLowSampleCountPercentile": "evaluate"}), store)
        .evaluate(360.0, 0.0)
        .state
        == ALARM
    )


def _desc_of(spec: AlarmSpec) -> dict:
    return {
        "Namespace": spec.namespace,
        "MetricName": spec.metric_name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in spec.dimensions.items()],
        "Statistic": None,
        "ExtendedStatistic": spec.statistic,
        "Threshold": spec.threshold,
        "TreatMissingData": spec.treat_missing_data,
    }


def test_fails_when_the_evaluation_range_is_shorter_than_the_evaluation_periods():
    with pytest.raises(ValueError, match=r"evaluation_range \(2\) must be >= EvaluationPeriods \(3\)"):
        MetricAlarm(_cpu_alarm(), MetricStore(), evaluation_range=2)


# --- composite alarms (COMPOSITE_DOC) ----------------------------------------------------------------
RULE = '(ALARM("arn:aws:cloudwatch:ap-northeast-1:111111111111:alarm:cpu") OR ALARM("mem")) AND NOT OK(lat)'


def test_rule_parsing_and_children():
    tree = parse_rule(RULE)
    assert rule_alarms(tree) == {"cpu", "mem", "lat"}
    assert parse_rule("TRUE") == ("TRUE",)
    with pytest.raises(ValueError, match="unexpected"):
        parse_rule("ALARM(a) ALARM(b)")


def test_composite_without_suppressor_acts_at_once():
    composite = CompositeAlarm("c", RULE, alarm_actions=("topic",))
    assert composite.update(0, {"cpu": OK, "mem": OK, "lat": OK})[-1].state == OK
    events = composite.update(60, {"cpu": ALARM, "mem": OK, "lat": ALARM})
    assert [(e.kind, e.at) for e in events] == [("state", 60), ("actions", 60)]
    assert events[-1].actions == ("topic",)


def test_wait_period_delays_the_actions_until_it_ends():
    # COMPOSITE_DOC: ActionsSuppressedBy WaitPeriod: "the composite alarm is waiting for the suppressor
    # alarm to go into the ALARM state ... After this time, the composite alarm performs its actions."
    composite = CompositeAlarm(
        "c", "ALARM(a)", alarm_actions=("t",), suppressor="s", wait_period=120, extension_period=300
    )
    composite.update(0, {"a": OK, "s": OK})
    events = composite.update(60, {"a": ALARM, "s": OK})
    assert [e.kind for e in events] == ["state", "suppressed"] and composite.deadline == 180
    assert composite.update(179, {"a": ALARM, "s": OK}) == []
    acted = composite.update(180, {"a": ALARM, "s": OK})
    assert [(e.kind, e.at) for e in acted] == [("actions", 180)]


def test_suppressor_in_alarm_suppresses_until_the_extension_period_after_it_leaves():
    # COMPOSITE_DOC: ActionsSuppressedBy Alarm, then ExtensionPeriod: "waiting after the suppressor
    # alarm went out of the ALARM state ... After this time, the composite alarm performs its actions."
    composite = CompositeAlarm(
        "c", "ALARM(a)", alarm_actions=("t",), suppressor="s", wait_period=120, extension_period=300
    )
    composite.update(0, {"a": OK, "s": OK})
    composite.update(60, {"a": ALARM, "s": OK})
    composite.update(90, {"a": ALARM, "s": ALARM})  # within the wait period: suppressed by Alarm
    assert composite.suppressed_by == "Alarm" and composite.deadline is None
    composite.update(200, {"a": ALARM, "s": ALARM})
    assert not [e for e in composite.events if e.kind == "actions"]
    composite.update(600, {"a": ALARM, "s": OK})
    assert composite.suppressed_by == "ExtensionPeriod" and composite.deadline == 900
    assert [e.at for e in composite.update(900, {"a": ALARM, "s": OK}) if e.kind == "actions"] == [900]


def test_composite_that_recovers_within_the_wait_never_acts():
    composite = CompositeAlarm(
        "c", "ALARM(a)", alarm_actions=("t",), suppressor="s", wait_period=120, extension_period=300
    )
    composite.update(0, {"a": ALARM, "s": OK})
    composite.update(100, {"a": OK, "s": OK})
    composite.update(200, {"a": OK, "s": OK})
    assert not [e for e in composite.events if e.kind == "actions" and e.actions == ("t",)]
