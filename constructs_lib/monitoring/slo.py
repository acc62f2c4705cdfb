"""AvailabilityBurnRateAlarms: SLO error-budget burn rate, fast and slow multi-window pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from constructs_lib._core import Naming, Severity, SeverityAlarm, validate_name, validate_severity
from constructs_lib.monitoring.metrics import WebServiceMetricFactory
from constructs_lib.monitoring.naming import _pascal, with_component


@dataclass(frozen=True, kw_only=True)
class BurnRateWindow:
    """A multi-window burn-rate condition: both windows must burn faster than ``burn_rate``."""

    name: str
    long_window: cdk.Duration
    short_window: cdk.Duration
    burn_rate: float
    severity: Severity | str


FAST_BURN = BurnRateWindow(
    name="fast",
    long_window=cdk.Duration.hours(1),
    short_window=cdk.Duration.minutes(5),
    burn_rate=14.4,
    severity=Severity.CRITICAL,
)
"""2 % of a 30-day budget in one hour (SRE workbook): page now."""
SLOW_BURN = BurnRateWindow(
    name="slow",
    long_window=cdk.Duration.hours(6),
    short_window=cdk.Duration.minutes(30),
    burn_rate=6,
    severity=Severity.HIGH,
)
"""5 % of a 30-day budget in six hours (SRE workbook)."""


def validate_slo(
    slo_target_percent: float, windows: Sequence[BurnRateWindow] = (FAST_BURN, SLOW_BURN)
) -> None:
    """Check an availability objective and its burn-rate windows, as :class:`AvailabilityBurnRateAlarms`
    takes them; ``ValueError`` naming the first broken rule, the value and the fix.

    The rules: the target is between 0 and 100 % exclusive; there is at least one window; each
    window has a severity and a resource-name part for a name, used once; its burn rate is above 0
    and below 1 / error budget (with the defaults' fast burn of 14.4x, the target must be above
    93.06 %); its short window is shorter than its long one; both are whole minutes, at most a day.
    """
    numeric = isinstance(slo_target_percent, int | float) and not isinstance(slo_target_percent, bool)
    if not numeric or not 0 < slo_target_percent < 100:
        shown = f"{slo_target_percent:g}" if numeric else repr(slo_target_percent)
        raise ValueError(f"slo_target_percent ({shown}) must be between 0 and 100 exclusive, e.g. 99.9.")
    if not windows:
        raise ValueError("windows is empty: pass FAST_BURN, SLOW_BURN or your own BurnRateWindow.")
    budget = 1 - slo_target_percent / 100
    names = set()
    for window in windows:
        validate_severity(window.severity, prop=f"windows[{window.name!r}].severity")
        validate_name(window.name, prop="windows[].name")
        if window.name in names:
            raise ValueError(f"windows has two entries named {window.name!r}: names must be unique.")
        names.add(window.name)
        if window.burn_rate <= 0 or window.burn_rate * budget >= 1:
            fix = "use a burn rate above 0"
            if window.burn_rate > 1:
                lowest = 100 * (1 - 1 / window.burn_rate)
                fix = f"raise slo_target_percent above {lowest:.4g} or lower the burn rate"
            raise ValueError(
                f"windows[{window.name!r}].burn_rate ({window.burn_rate}) must be > 0 and below "
                f"1 / error budget ({1 / budget:g}) for SLO {slo_target_percent:g}: {fix}."
            )
        if window.short_window.to_seconds() >= window.long_window.to_seconds():
            raise ValueError(
                f"windows[{window.name!r}]: short_window ({window.short_window.to_human_string()}) must be "
                f"shorter than long_window ({window.long_window.to_human_string()})."
            )
        for duration in (window.long_window, window.short_window):
            seconds = int(duration.to_seconds())
            if seconds % 60 or seconds > 86_400:
                raise ValueError(
                    f"windows[{window.name!r}]: window {duration.to_human_string()} must be whole "
                    "minutes, at most one day."
                )


class AvailabilityBurnRateAlarms(Construct):
    """SLO error-budget burn-rate alarms for availability (SRE workbook, multi-window, multi-burn-rate).

    The SLI is the share of requests answered without a 5xx (target or load balancer). For each
    window pair a composite is in ALARM when the error ratio exceeds ``burn_rate x (1 - SLO)`` over
    both the long window (significance) and the short one (it resets fast once the burn stops).

    CloudWatch computes a long period over clock-aligned buckets, not a sliding window, so the 1 h
    window is "this clock hour so far" at worst; the short window keeps detection and reset fast.

    :param naming: app and environment of the alarm names. Default component: ``web``.
    :param load_balancer: the ALB whose responses define availability.
    :param slo_target_percent: availability objective, checked with its windows by :func:`validate_slo`.
        Default: 99.9.
    :param windows: burn-rate conditions. Default: :data:`FAST_BURN` (critical) and :data:`SLOW_BURN` (high).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        load_balancer: elbv2.IApplicationLoadBalancer,
        slo_target_percent: float = 99.9,
        windows: Sequence[BurnRateWindow] = (FAST_BURN, SLOW_BURN),
    ) -> None:
        super().__init__(scope, id)
        naming = with_component(naming, "web")
        validate_slo(slo_target_percent, windows)
        self.slo_target_percent = slo_target_percent
        budget = 1 - slo_target_percent / 100
        factory = WebServiceMetricFactory(load_balancer=load_balancer)
        self.metrics = factory
        self._composites: dict[str, cloudwatch.CompositeAlarm] = {}
        self.window_alarms: list[cloudwatch.Alarm] = []
        for window in windows:
            threshold = window.burn_rate * budget
            children = []
            for duration in (window.long_window, window.short_window):
                seconds = int(duration.to_seconds())
                label = _window_label(seconds)
                child = cloudwatch.Alarm(
                    self,
                    _pascal(f"{window.name}-{label}"),
                    alarm_name=naming.alarm_name(f"slo-burn-{label}", window.severity),
                    alarm_description=(
                        f"Error ratio over {label} above {threshold:.4%} ({window.burn_rate:g}x the budget "
                        f"of SLO {slo_target_percent:g} %). Part of the {window.name} burn-rate pair."
                    ),
                    metric=factory.metric_error_ratio(duration),
                    threshold=threshold,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
                children.append(child)
                self.window_alarms.append(child)
            long_label = _window_label(int(window.long_window.to_seconds()))
            short_label = _window_label(int(window.short_window.to_seconds()))
            self._composites[window.name] = cloudwatch.CompositeAlarm(
                self,
                _pascal(f"{window.name}-burn"),
                composite_alarm_name=naming.alarm_name(f"slo-burn-{window.name}", window.severity),
                alarm_description=(
                    f"Availability SLO {slo_target_percent:g} %: error budget burning at "
                    f"{window.burn_rate:g}x or more over both {long_label} and {short_label}. Worst case "
                    "to fire: about the short window plus 1 min once the long window has burnt enough."
                ),
                alarm_rule=cloudwatch.AlarmRule.all_of(*children),
            )
        self._windows = {w.name: w for w in windows}

    def alarm(self, window: str) -> cloudwatch.CompositeAlarm:
        """The composite of window ``window`` (``fast`` or ``slow`` with the defaults)."""
        return self._composites[window]

    @property
    def alarms(self) -> list[SeverityAlarm]:
        """The burn-rate composites (one per window pair) with their window's severity.

        The per-window alarms inside them (:attr:`window_alarms`) are not listed: they are parts of a
        condition, not incidents.
        """
        return [
            SeverityAlarm(
                alarm=composite,
                severity=Severity(self._windows[name].severity),
                signal=f"slo-burn-{name}",
            )
            for name, composite in self._composites.items()
        ]

    def widgets(self) -> list[cloudwatch.IWidget]:
        """Error ratio of every window against its burn-rate threshold."""
        return [
            cloudwatch.GraphWidget(
                title=f"Error budget burn (SLO {self.slo_target_percent:g} %)",
                left=[a.metric for a in self.window_alarms],
                left_annotations=[a.to_annotation() for a in self.window_alarms],
                width=12,
            )
        ]


def _window_label(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"
