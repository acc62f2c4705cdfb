"""CloudWatch metric alarms evaluated from data, with CloudWatch's documented semantics.

What is modelled, and where AWS documents it:

- **Period, Evaluation Periods (N), Datapoints to Alarm (M)**: "Datapoints to Alarm is the number of
  data points within the Evaluation Periods that must be breaching to cause the alarm to go to the
  ALARM state. The breaching data points don't have to be consecutive" (Using Amazon CloudWatch
  alarms, "Evaluating an alarm":
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
- **Missing data** (same page, "How alarm state is evaluated when data is missing"): CloudWatch
  retrieves more datapoints than N (the *evaluation range*); with at least N real datapoints it
  evaluates the most recent N real ones and ignores TreatMissingData; with fewer, it fills missing
  datapoints "only as few times as possible", keeping every real one. :func:`evaluate_window` is
  that rule; ``tests/simulation/test_alarm_window.py`` reproduces every row of the page's 3-of-3
  and 2-of-3 tables. The size of the evaluation range is not documented beyond that example
  (5 datapoints for N=3, Period 5 minutes): it is a parameter here (default ``N + 2``).
- **Evaluation schedule**: alarms with a period of a minute or more are evaluated every minute
  (``ALARM_EVALUATION_INTERVAL_SECONDS`` of the recovery budget's latencies); a datapoint becomes
  visible to the alarm ``METRIC_INGESTION_DELAY_SECONDS`` after its sample's interval ends.
- **Statistics**: Average, Sum, Minimum, Maximum, SampleCount and percentiles ``pNN``/``pNN.N``
  (CloudWatch statistics definitions:
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html).
  The percentile is the nearest-rank value of the period's samples: CloudWatch does not document
  its exact estimator. ``EvaluateLowSampleCountPercentile`` ``ignore`` makes a period with fewer
  than ``10 / (1 - p)`` samples (``10 / p`` below p50) count as missing, as documented in
  "Percentile-based alarms and low data samples" on the alarms page.
- **Comparison operators**, including the anomaly-detection ones against a band
  (:mod:`tools.simulation.metric_math`), and metric math alarms (``Metrics`` with one
  ``ReturnData`` expression, or a metric plus ``ThresholdMetricId``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tools.simulation.metric_math import Band, MathContext, Series, evaluate_expression
from tools.simulation.metrics import MetricKey, MetricStore

__all__ = [
    "ALARM",
    "INSUFFICIENT_DATA",
    "OK",
    "AlarmSpec",
    "MetricAlarm",
    "Transition",
    "WindowResult",
    "breaches",
    "compute_statistic",
    "evaluate_window",
]

OK = "OK"
ALARM = "ALARM"
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
TREATMENTS = ("missing", "breaching", "notBreaching", "ignore")
_COMPARISONS: Mapping[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}
_BAND_COMPARISONS: Mapping[str, Callable[[float, float, float], bool]] = {
    "GreaterThanUpperThreshold": lambda value, lower, upper: value > upper,
    "LessThanLowerThreshold": lambda value, lower, upper: value < lower,
    "LessThanLowerOrGreaterThanUpperThreshold": lambda value, lower, upper: value < lower or value > upper,
}


# ------------------------------------------------------------------------------------------------
# the documented missing-data rule
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WindowResult:
    """The outcome of one evaluation of an evaluation range.

    ``evaluated`` are the N datapoints the decision used, oldest first: ``True`` breaching,
    ``False`` not breaching, ``"filled"`` a missing datapoint filled by TreatMissingData.
    """

    state: str
    evaluated: tuple[Any, ...]
    reason: str


def evaluate_window(
    points: Sequence[bool | None],
    *,
    evaluation_periods: int,
    datapoints_to_alarm: int,
    treat_missing_data: str = "missing",
    current_state: str = INSUFFICIENT_DATA,
) -> WindowResult:
    """Decide an alarm's state from the datapoints of its evaluation range (oldest first).

    ``True`` is a breaching datapoint, ``False`` a non-breaching one, ``None`` a missing one. The
    rule (see the module docstring for its source):

    - at least N real datapoints: the most recent N real ones decide; TreatMissingData is ignored;
    - fewer: every real datapoint is used and the most recent missing ones are filled until there
      are N. ``breaching``/``notBreaching`` fill with that value. ``missing`` and ``ignore`` fill
      with nothing: with no real datapoint the state becomes INSUFFICIENT_DATA (``missing``) or
      stays (``ignore``); M real breaching datapoints make ALARM; any real non-breaching one makes
      OK; otherwise (only breaching ones, fewer than M) ``missing`` goes to ALARM when the oldest
      evaluated datapoint is a real breaching one and to INSUFFICIENT_DATA when it is a fill, and
      ``ignore`` keeps the current state. These last cases reproduce the documented rows
      ``- - - - X`` and ``X - - - -``.
    """
    n, m = evaluation_periods, datapoints_to_alarm
    if not 1 <= m <= n:
        raise ValueError(f"DatapointsToAlarm ({m}) must be between 1 and EvaluationPeriods ({n})")
    if treat_missing_data not in TREATMENTS:
        raise ValueError(f"TreatMissingData ({treat_missing_data!r}) must be one of {', '.join(TREATMENTS)}")
    real = [(index, value) for index, value in enumerate(points) if value is not None]
    if len(real) >= n:
        used = tuple(value for _, value in real[-n:])
        breaching = sum(used)
        state = ALARM if breaching >= m else OK
        return WindowResult(state, used, f"{breaching} of the {n} most recent datapoints breaching (M={m})")
    fills = n - len(real)
    missing_slots = [index for index, value in enumerate(points) if value is None]
    fill_slots = missing_slots[-fills:] if fills else []
    evaluated = sorted([*real, *((index, "filled") for index in fill_slots)])
    used = tuple(value for _, value in evaluated)
    breaching = sum(1 for _, value in real if value)
    clean = len(real) - breaching
    if treat_missing_data in ("breaching", "notBreaching"):
        total = breaching + (fills if treat_missing_data == "breaching" else 0)
        state = ALARM if total >= m else OK
        return WindowResult(
            state,
            used,
            f"{len(real)} real + {fills} missing treated as {treat_missing_data}: {total} breaching",
        )
    if not real:
        state = INSUFFICIENT_DATA if treat_missing_data == "missing" else current_state
        return WindowResult(state, used, "no datapoint in the evaluation range")
    if breaching >= m:
        return WindowResult(ALARM, used, f"{breaching} real breaching datapoints (M={m})")
    if clean:
        return WindowResult(
            OK, used, f"{clean} real non-breaching datapoint(s), {breaching} breaching (M={m})"
        )
    if treat_missing_data == "ignore":
        return WindowResult(current_state, used, "too few datapoints: state kept (ignore)")
    oldest_real = evaluated[0][1] is True
    return WindowResult(
        ALARM if oldest_real else INSUFFICIENT_DATA,
        used,
        "oldest evaluated datapoint is breaching and none is not breaching"
        if oldest_real
        else "too few datapoints, the oldest evaluated one is missing",
    )


# ------------------------------------------------------------------------------------------------
# statistics and comparisons
# ------------------------------------------------------------------------------------------------
def _percentile(stat: str) -> float | None:
    if stat.startswith("p") and stat[1:].replace(".", "", 1).isdigit():
        value = float(stat[1:])
        if not 0 <= value <= 100:
            raise ValueError(f"percentile statistic {stat!r} must be p0..p100")
        return value
    return None


def compute_statistic(values: Sequence[float], stat: str) -> float | None:
    """One period's statistic over its samples; ``None`` when there are none."""
    if not values:
        return None
    if stat == "Average":
        return sum(values) / len(values)
    if stat == "Sum":
        return float(sum(values))
    if stat == "Minimum":
        return float(min(values))
    if stat == "Maximum":
        return float(max(values))
    if stat == "SampleCount":
        return float(len(values))
    percentile = _percentile(stat)
    if percentile is None:
        raise ValueError(
            f"statistic {stat!r} is not modelled: use Average, Sum, Minimum, Maximum, SampleCount, pNN"
        )
    ordered = sorted(values)
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return float(ordered[rank - 1])


def low_sample_count(stat: str, samples: int) -> bool:
    """Too few samples for a percentile (documented: fewer than 10/(1-p), or 10/p below p50)."""
    percentile = _percentile(stat)
    if percentile is None:
        return False
    p = percentile / 100
    if p >= 0.5:
        return p < 1 and samples < 10 / (1 - p)
    return p > 0 and samples < 10 / p


def breaches(comparison: str, value: float, threshold: float | Band | None) -> bool:
    """Whether ``value`` breaches ``threshold`` (a number, or an anomaly band for the band operators)."""
    if comparison in _COMPARISONS:
        if not isinstance(threshold, int | float):
            raise ValueError(f"{comparison} needs a numeric Threshold, got {threshold!r}")
        return _COMPARISONS[comparison](value, float(threshold))
    if comparison in _BAND_COMPARISONS:
        if not isinstance(threshold, Band):
            raise ValueError(f"{comparison} needs an anomaly band (ThresholdMetricId), got {threshold!r}")
        return _BAND_COMPARISONS[comparison](value, threshold.lower, threshold.upper)
    raise ValueError(f"ComparisonOperator {comparison!r} is not modelled")


# ------------------------------------------------------------------------------------------------
# an alarm definition and its evaluation over a metric store
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlarmSpec:
    """A metric alarm as CloudWatch describes it (``DescribeAlarms`` / template property names)."""

    name: str
    comparison: str
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float | None = None
    period: int | None = None
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: Mapping[str, str] = field(default_factory=dict)
    statistic: str | None = None
    treat_missing_data: str = "missing"
    metrics: tuple[Mapping[str, Any], ...] = ()
    threshold_metric_id: str | None = None
    evaluate_low_sample_count_percentile: str | None = None
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    arn: str = ""

    @classmethod
    def from_description(cls, alarm: Mapping[str, Any]) -> AlarmSpec:
        """From a ``DescribeAlarms`` ``MetricAlarms`` entry (or a template's resolved Properties)."""
        evaluation = int(alarm.get("EvaluationPeriods") or 1)
        return cls(
            name=str(alarm["AlarmName"]),
            comparison=str(alarm["ComparisonOperator"]),
            evaluation_periods=evaluation,
            datapoints_to_alarm=int(alarm.get("DatapointsToAlarm") or evaluation),
            threshold=None if alarm.get("Threshold") is None else float(alarm["Threshold"]),
            period=None if alarm.get("Period") is None else int(alarm["Period"]),
            namespace=alarm.get("Namespace"),
            metric_name=alarm.get("MetricName"),
            dimensions={str(d["Name"]): str(d["Value"]) for d in alarm.get("Dimensions") or []},
            statistic=alarm.get("ExtendedStatistic") or alarm.get("Statistic"),
            treat_missing_data=str(alarm.get("TreatMissingData") or "missing"),
            metrics=tuple(alarm.get("Metrics") or ()),
            threshold_metric_id=alarm.get("ThresholdMetricId"),
            evaluate_low_sample_count_percentile=alarm.get("EvaluateLowSampleCountPercentile"),
            alarm_actions=tuple(alarm.get("AlarmActions") or ()),
            ok_actions=tuple(alarm.get("OKActions") or ()),
            arn=str(alarm.get("AlarmArn") or ""),
        )

    @property
    def effective_period(self) -> int:
        """The period of the alarm's datapoints: its Period, or its metric queries' (the longest)."""
        if self.period:
            return self.period
        periods = [int(q["MetricStat"]["Period"]) for q in self.metrics if q.get("MetricStat")]
        periods += [int(q["Period"]) for q in self.metrics if q.get("Period")]
        if not periods:
            raise ValueError(f"alarm {self.name} has no Period and no metric query with one")
        return max(periods)

    def metric_keys(self) -> list[MetricKey]:
        """The metrics the alarm reads."""
        if self.metric_name:
            return [MetricKey.of(self.namespace or "", self.metric_name, self.dimensions)]
        keys = []
        for query in self.metrics:
            metric = (query.get("MetricStat") or {}).get("Metric")
            if metric:
                keys.append(
                    MetricKey.of(
                        metric["Namespace"],
                        metric["MetricName"],
                        {str(d["Name"]): str(d["Value"]) for d in metric.get("Dimensions") or []},
                    )
                )
        return keys


@dataclass(frozen=True, slots=True)
class Transition:
    at: float
    previous: str
    state: str
    reason: str


class MetricAlarm:
    """One alarm evaluated over a :class:`MetricStore` at virtual times.

    :param evaluation_range: Periods retrieved per evaluation. Default: ``N + 2``, the documented
        example's ratio (5 for N=3); AWS does not document the exact number.
    :param bands: Anomaly-detection band per metric query id, a function of the period start
        (absolute seconds) and the band width in standard deviations, returning (lower, upper).
        The band is an input: CloudWatch trains its model, the simulation cannot.
    """

    def __init__(
        self,
        spec: AlarmSpec,
        store: MetricStore,
        *,
        evaluation_range: int | None = None,
        bands: Mapping[str, Callable[[float, float], tuple[float, float]]] | None = None,
        state: str = INSUFFICIENT_DATA,
    ) -> None:
        self.spec = spec
        self.store = store
        self.period = spec.effective_period
        self.evaluation_range = evaluation_range or spec.evaluation_periods + 2
        if self.evaluation_range < spec.evaluation_periods:
            raise ValueError(
                f"evaluation_range ({self.evaluation_range}) must be >= EvaluationPeriods "
                f"({spec.evaluation_periods}) for alarm {spec.name}"
            )
        self.bands = dict(bands or {})
        self.state = state
        self.transitions: list[Transition] = []
        self.last: WindowResult | None = None
        self.last_values: list[float | None] = []

    def period_starts(self, now_abs: float) -> list[float]:
        """Starts (absolute seconds) of the evaluation range's periods: the complete ones before now."""
        last_end = math.floor(now_abs / self.period) * self.period
        return [last_end - self.period * (self.evaluation_range - i) for i in range(self.evaluation_range)]

    def datapoints(self, now_abs: float, visible_at: float) -> list[tuple[float | None, float | Band | None]]:
        """(value, threshold) per period of the evaluation range; value ``None`` when missing."""
        starts = self.period_starts(now_abs)
        spec = self.spec
        if spec.metric_name:
            key = spec.metric_keys()[0]
            stat = spec.statistic or "Average"
            out = []
            for start in starts:
                values = self.store.values(key, start, start + self.period, visible_at=visible_at)
                if spec.evaluate_low_sample_count_percentile == "ignore" and low_sample_count(
                    stat, len(values)
                ):
                    out.append((None, spec.threshold))
                else:
                    out.append((compute_statistic(values, stat), spec.threshold))
            return out
        context = MathContext(starts, self.period, bands=self.bands)
        for query in spec.metrics:
            stat = query.get("MetricStat")
            if stat:
                metric = stat["Metric"]
                key = MetricKey.of(
                    metric["Namespace"],
                    metric["MetricName"],
                    {str(d["Name"]): str(d["Value"]) for d in metric.get("Dimensions") or []},
                )
                period = int(stat.get("Period") or self.period)
                series: Series = {}
                for start in starts:
                    value = compute_statistic(
                        self.store.values(key, start, start + period, visible_at=visible_at), stat["Stat"]
                    )
                    if value is not None:
                        series[start] = value
                context.define(query["Id"], series)
        for query in spec.metrics:
            if query.get("Expression"):
                context.define(query["Id"], evaluate_expression(query["Expression"], context))
        returned = [q["Id"] for q in spec.metrics if q.get("ReturnData", True)]
        value_ids = [i for i in returned if i != spec.threshold_metric_id]
        if len(value_ids) != 1:
            raise ValueError(
                f"alarm {spec.name}: exactly one returned time series must be compared, found {value_ids}"
            )
        values = context.get(value_ids[0])
        band = context.get(spec.threshold_metric_id) if spec.threshold_metric_id else None
        out = []
        for start in starts:
            value = values.get(start) if isinstance(values, dict) else None
            threshold: float | Band | None = spec.threshold
            if isinstance(band, tuple):
                lower, upper = band
                if start in lower and start in upper:
                    threshold = Band(lower[start], upper[start])
                else:
                    value = None  # no band for this period: the datapoint cannot be compared
            out.append((value, threshold))
        return out

    def evaluate(self, now: float, epoch_abs: float) -> Transition | None:
        """Evaluate at virtual time ``now``; returns the transition if the state changed."""
        points = self.datapoints(epoch_abs + now, visible_at=now)
        self.last_values = [value for value, _ in points]
        flags = [
            None if value is None else breaches(self.spec.comparison, value, threshold)
            for value, threshold in points
        ]
        result = evaluate_window(
            flags,
            evaluation_periods=self.spec.evaluation_periods,
            datapoints_to_alarm=self.spec.datapoints_to_alarm,
            treat_missing_data=self.spec.treat_missing_data,
            current_state=self.state,
        )
        self.last = result
        if result.state == self.state:
            return None
        transition = Transition(now, self.state, result.state, result.reason)
        self.state = result.state
        self.transitions.append(transition)
        return transition
