"""The threshold table: :class:`AlarmThreshold` rows and the library's :data:`DEFAULT_THRESHOLDS`.

Each row names a metric of :data:`~constructs_lib.monitoring.metrics.METRIC_CATALOG`, how it is
judged and the severity it carries; its worst-case time to fire and its missing-data choice are
explained in the row.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_cloudwatch as cloudwatch

from constructs_lib._core import Severity, validate_severity
from constructs_lib.monitoring.metrics import METRIC_CATALOG, MetricSpec

_STAT = re.compile(r"^(Average|Maximum|Minimum|Sum|SampleCount|p(\d{1,2}(\.\d{1,2})?|100))$")
_COMPARISONS: dict[str, cloudwatch.ComparisonOperator] = {
    ">": cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ">=": cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    "<": cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    "<=": cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
}
_MISSING: dict[str, cloudwatch.TreatMissingData] = {
    "breaching": cloudwatch.TreatMissingData.BREACHING,
    "notBreaching": cloudwatch.TreatMissingData.NOT_BREACHING,
    "ignore": cloudwatch.TreatMissingData.IGNORE,
    "missing": cloudwatch.TreatMissingData.MISSING,
}


@dataclass(frozen=True, kw_only=True)
class AlarmThreshold:
    """One row of the threshold table: which metric, how it is judged, and how urgent it is.

    ``threshold`` is in the metric's unit (:data:`METRIC_CATALOG`; latency is in seconds, rates and
    utilisations in percent). The alarm fires when ``datapoints_to_alarm`` of the last
    ``evaluation_periods`` periods breach.
    """

    metric: str
    """Key in :data:`METRIC_CATALOG`, e.g. ``cpu``; it is the alarm name's signal part."""
    threshold: float
    severity: Severity | str
    """A :class:`Severity`, or its value (``low``, ``medium``, ``high``, ``critical``)."""
    comparison: str = ">"
    """``>``, ``>=``, ``<`` or ``<=``. Default: ``>``."""
    statistic: str | None = None
    """Average, Maximum, Minimum, Sum, SampleCount or pNN. Default: the metric's usual statistic."""
    period_seconds: int = 60
    """10, 30 or a multiple of 60. Default: 60 (1-minute metrics, detailed monitoring)."""
    evaluation_periods: int = 3
    datapoints_to_alarm: int | None = None
    """M of "M out of N". Default: ``evaluation_periods`` (all of them)."""
    treat_missing_data: str = "notBreaching"
    """breaching, notBreaching, ignore or missing. Default: notBreaching (no data = no traffic)."""
    rationale: str = ""
    """Why these numbers; goes into the alarm description."""

    @property
    def spec(self) -> MetricSpec:
        return METRIC_CATALOG[self.metric]

    @property
    def effective_datapoints(self) -> int:
        return self.datapoints_to_alarm if self.datapoints_to_alarm is not None else self.evaluation_periods

    @property
    def worst_case_seconds_to_fire(self) -> int:
        """Seconds from a sustained breach to ALARM: period x datapoints + the metric's delivery delay."""
        return self.period_seconds * self.effective_datapoints + self.spec.delay_seconds

    def validate(self, *, where: str = "thresholds") -> None:
        """Raise ValueError naming the row, the bad value and the fix."""
        row = f"{where}[{self.metric!r}, {self.severity!r}]"
        if self.metric not in METRIC_CATALOG:
            raise ValueError(
                f"{where}: unknown metric {self.metric!r}; use one of {', '.join(sorted(METRIC_CATALOG))}."
            )
        validate_severity(self.severity, prop=f"{where}[{self.metric!r}].severity")
        if (
            not isinstance(self.threshold, int | float)
            or isinstance(self.threshold, bool)
            or not math.isfinite(self.threshold)
        ):
            raise ValueError(f"{row}.threshold ({self.threshold!r}) must be a finite number.")
        if self.comparison not in _COMPARISONS:
            raise ValueError(
                f"{row}.comparison ({self.comparison!r}) must be one of {', '.join(_COMPARISONS)}."
            )
        statistic = self.statistic or self.default_statistic
        if not _STAT.match(statistic):
            raise ValueError(
                f"{row}.statistic ({statistic!r}) must be Average, Maximum, Minimum, Sum, SampleCount or pNN."
            )
        allowed = self.spec.statistics
        if allowed is not None and statistic not in allowed:
            raise ValueError(
                f"{row}.statistic ({statistic!r}): {self.metric} is metric math with a fixed statistic; "
                f"use {allowed[0]!r} or leave it unset."
            )
        if self.period_seconds <= 0 or (self.period_seconds not in (10, 30) and self.period_seconds % 60):
            raise ValueError(
                f"{row}.period_seconds ({self.period_seconds}) must be 10, 30 or a positive multiple of 60."
            )
        if self.evaluation_periods < 1:
            raise ValueError(f"{row}.evaluation_periods ({self.evaluation_periods}) must be at least 1.")
        if self.period_seconds * self.evaluation_periods > 86_400:
            raise ValueError(
                f"{row}: period_seconds x evaluation_periods ({self.period_seconds * self.evaluation_periods}"
                " s) must not exceed one day (86400 s), CloudWatch's limit."
            )
        if not 1 <= self.effective_datapoints <= self.evaluation_periods:
            raise ValueError(
                f"{row}.datapoints_to_alarm ({self.datapoints_to_alarm}) must be between 1 and "
                f"evaluation_periods ({self.evaluation_periods})."
            )
        if self.treat_missing_data not in _MISSING:
            raise ValueError(
                f"{row}.treat_missing_data ({self.treat_missing_data!r}) must be one of "
                + ", ".join(_MISSING)
                + "."
            )

    @property
    def default_statistic(self) -> str:
        defaults = {
            "latency": "p95",
            "status-check-failed": "Maximum",
            "unhealthy-hosts": "Maximum",
            "healing-errors": "Sum",
            "healing-dlq-depth": "Maximum",
        }
        allowed = METRIC_CATALOG[self.metric].statistics if self.metric in METRIC_CATALOG else None
        return allowed[0] if allowed else defaults.get(self.metric, "Average")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str = "thresholds") -> AlarmThreshold:
        """Build and validate a row from config (e.g. a ``cdk.json`` context entry)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ValueError(
                f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(fields))}."
            )
        missing = sorted({"metric", "threshold", "severity"} - set(data))
        if missing:
            raise ValueError(f"{where}: missing field(s) {', '.join(missing)} in {dict(data)!r}.")
        row = cls(**data)
        row.validate(where=where)
        return row


DEFAULT_THRESHOLDS: tuple[AlarmThreshold, ...] = (
    # Worst-case time to fire = period x datapoints + delivery delay (see worst_case_seconds_to_fire).
    AlarmThreshold(
        metric="cpu", threshold=80, severity=Severity.MEDIUM, evaluation_periods=3,
        rationale="CPU above 80 % for 3 of 3 minutes; fires within ~5 min (EC2 metrics arrive up to 2 min "
        "late). No data = no instances (planned stop), not an overload.",
    ),
    AlarmThreshold(
        metric="memory", threshold=85, severity=Severity.MEDIUM, statistic="Maximum", evaluation_periods=3,
        rationale="Memory above 85 % on any one instance (CloudWatch agent, Maximum of the group aggregate: "
        "an average hides one leaking instance among healthy ones) for 3 of 3 minutes; fires within ~4 min. "
        "No data = no instances or no agent, not a memory problem.",
    ),
    AlarmThreshold(
        metric="latency", threshold=0.5, severity=Severity.MEDIUM, statistic="p95", evaluation_periods=5,
        datapoints_to_alarm=3,
        rationale="p95 target response time above 500 ms in 3 of 5 minutes; fires within ~4 min and "
        "ignores a single slow minute. No data = no traffic.",
    ),
    AlarmThreshold(
        metric="5xx-rate", threshold=1, severity=Severity.HIGH, evaluation_periods=3,
        rationale="More than 1 % of requests fail (target or load balancer 5xx) for 3 of 3 minutes; fires "
        "within ~4 min. No data = no traffic, which the Route 53 availability check covers.",
    ),
    AlarmThreshold(
        metric="unhealthy-hosts", threshold=0, severity=Severity.HIGH, evaluation_periods=5,
        rationale="An unhealthy target for 5 of 5 minutes, longer than self-healing takes (target marked "
        "unhealthy in 20 s, replaced in ~3 min); fires within ~6 min, only when healing failed.",
    ),
    AlarmThreshold(
        metric="in-service-shortfall", threshold=0, severity=Severity.HIGH, evaluation_periods=10,
        rationale="Fewer in-service instances than desired for 10 of 10 minutes, longer than a normal "
        "launch (boot + health check grace ~5 min); fires within ~11 min when replacement is stuck.",
    ),
    AlarmThreshold(
        metric="status-check-failed", threshold=0, severity=Severity.HIGH, evaluation_periods=5,
        rationale="An instance failing EC2 status checks for 5 of 5 minutes, longer than the reboot and "
        "replace path; fires within ~7 min. No data = no instances.",
    ),
    AlarmThreshold(
        metric="healing-errors", threshold=0, severity=Severity.HIGH, evaluation_periods=1,
        rationale="The healing function raised; fires within ~2 min. No data = no invocations.",
    ),
    AlarmThreshold(
        metric="healing-dlq-depth", threshold=0, severity=Severity.HIGH, evaluation_periods=1,
        rationale="Events healing gave up on are waiting; fires within ~6 min (SQS metrics lag up to 5 min).",
    ),
    AlarmThreshold(
        metric="db-cpu", threshold=75, severity=Severity.HIGH, evaluation_periods=5,
        rationale="Database CPU above 75 % for 5 of 5 minutes; fires within ~6 min.",
    ),
    AlarmThreshold(
        metric="db-free-storage", threshold=20, severity=Severity.HIGH, comparison="<", evaluation_periods=5,
        treat_missing_data="missing",
        rationale="Less than 20 % storage free for 5 of 5 minutes; fires within ~6 min. The database "
        "reports every minute, so silence is not good news: no data leads to INSUFFICIENT_DATA.",
    ),
    AlarmThreshold(
        metric="db-freeable-memory", threshold=10, severity=Severity.HIGH, comparison="<",
        evaluation_periods=5, treat_missing_data="missing",
        rationale="Less than 10 % memory freeable for 5 of 5 minutes; fires within ~6 min. No data leads "
        "to INSUFFICIENT_DATA.",
    ),
)  # fmt: skip
"""The default monitoring table. Rows whose source is absent (no database yet) are skipped."""


def thresholds_with_overrides(
    overrides: Mapping[str, Mapping[str, Any]], *, base: Sequence[AlarmThreshold] = DEFAULT_THRESHOLDS
) -> tuple[AlarmThreshold, ...]:
    """``base`` with fields replaced per metric key, e.g. ``{"cpu": {"threshold": 70}}``.

    A key may also be ``"metric/severity"`` when the base has several rows for one metric. A value
    of ``None`` instead of a mapping drops the row. Raises ValueError on unknown keys or fields.
    """
    rows = list(base)
    for key, change in overrides.items():
        metric, _, severity = key.partition("/")
        matches = [
            i for i, r in enumerate(rows) if r.metric == metric and (not severity or r.severity == severity)
        ]
        if not matches:
            raise ValueError(
                f"threshold override {key!r} matches no row; rows are: "
                f"{', '.join(sorted({f'{r.metric}/{r.severity}' for r in rows}))}."
            )
        if len(matches) > 1:
            raise ValueError(f"threshold override {key!r} matches several rows: write 'metric/severity'.")
        (index,) = matches
        if change is None:
            rows.pop(index)
            continue
        merged = {f.name: getattr(rows[index], f.name) for f in dataclasses.fields(AlarmThreshold)} | dict(
            change
        )
        rows[index] = AlarmThreshold.from_mapping(merged, where=f"threshold override {key!r}")
    return tuple(rows)
