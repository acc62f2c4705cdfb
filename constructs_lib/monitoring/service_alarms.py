"""ServiceAlarms: the metric alarms of one web service component, from the threshold table.

Besides the table's rows: the latency anomaly alarm (:class:`LatencyAnomaly`) and the CPU early
warning (:class:`CpuEarlyWarning`). Alarms are handed out as :attr:`ServiceAlarms.alarms`, each a
:class:`~constructs_lib._core.SeverityAlarm` (the alarm, its severity and its signal).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import SEVERITIES, Naming, Severity, SeverityAlarm, validate_severity
from constructs_lib.monitoring.metrics import WebServiceMetricFactory
from constructs_lib.monitoring.naming import _pascal, with_component
from constructs_lib.monitoring.thresholds import _COMPARISONS, _MISSING, DEFAULT_THRESHOLDS, AlarmThreshold


@dataclass(frozen=True, kw_only=True)
class LatencyAnomaly:
    """Anomaly-detection alarm on the ALB response time (a predictive latency alarm).

    Default: Average response time above the band of 3 standard deviations in 3 of 5 minutes,
    medium; fires within ~4 min. The model needs about two weeks of data before it is useful.
    """

    std_devs: float = 3
    statistic: str = "Average"
    evaluation_periods: int = 5
    datapoints_to_alarm: int = 3
    severity: Severity | str = Severity.MEDIUM


@dataclass(frozen=True, kw_only=True)
class CpuEarlyWarning:
    """A "predictive" CPU alarm: a lower threshold held longer, warning before the real one.

    Default: above 70 % for 8 of 10 minutes, low (chat only); fires within ~10 min. Must stay below
    every ``cpu`` row of the threshold table.
    """

    threshold_percent: float = 70
    evaluation_periods: int = 10
    datapoints_to_alarm: int = 8
    severity: Severity | str = Severity.LOW


class ServiceAlarms(Construct):
    """Metric alarms of one web service component, from a threshold table.

    Alarm ``{app}-{env}-{component}-{metric}-{severity}`` per row; rows whose metric source is not
    in ``metrics`` (database, healing function, dead-letter queue, target group...) are skipped and
    listed in :attr:`skipped`.

    Example (one statement, defaults)::

        ServiceAlarms(self, "Alarms", naming=Naming(app="shop", environment="prod"),
                      metrics=WebServiceMetricFactory(auto_scaling_group_name=web.auto_scaling_group_name,
                                                      load_balancer=web.load_balancer))

    :param naming: app and environment of the alarm names. Default component: ``web`` (when the
        naming names none).
    :param metrics: what is watched: the group (required), and optionally the load balancer, target
        group, database, healing function and its dead-letter queue, with the agent namespace.
    :param thresholds: the table. Default: :data:`DEFAULT_THRESHOLDS`.
    :param latency_anomaly: anomaly alarm settings, None to leave it out. Default: :class:`LatencyAnomaly()`
        (only with a load balancer).
    :param cpu_early_warning: CPU early warning, None to leave it out. Default: :class:`CpuEarlyWarning()`.
    :param notification_topics: topics by severity. Default: alarms carry no actions; page through
        :class:`SeverityCompositeAlarms` so one incident pages once. When given, every alarm
        notifies its severity's topic directly (for apps without composites; never feed such
        alarms to a composite with actions too, or an incident pages twice).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        metrics: WebServiceMetricFactory,
        thresholds: Sequence[AlarmThreshold] = DEFAULT_THRESHOLDS,
        latency_anomaly: LatencyAnomaly | None = LatencyAnomaly(),
        cpu_early_warning: CpuEarlyWarning | None = CpuEarlyWarning(),
        notification_topics: Mapping[str, sns.ITopic] | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.naming = with_component(naming, "web")
        if not isinstance(metrics, WebServiceMetricFactory):
            raise TypeError(
                f"metrics must be a WebServiceMetricFactory, got {type(metrics).__name__}: pass "
                "WebServiceMetricFactory(auto_scaling_group_name=..., load_balancer=...)."
            )
        if not metrics.has("auto_scaling_group"):
            raise ValueError(
                "metrics has no auto_scaling_group_name: ServiceAlarms watches an Auto Scaling group; pass "
                "WebServiceMetricFactory(auto_scaling_group_name=group.auto_scaling_group_name, ...)."
            )
        if metrics.database is not None:
            metrics.database.validate()
        self._validate_table(thresholds, cpu_early_warning, latency_anomaly)
        if notification_topics is not None:
            extra = [x.severity for x in (latency_anomaly, cpu_early_warning) if x is not None]
            _require_topics(
                notification_topics, [t.severity for t in thresholds] + extra, prop="notification_topics"
            )

        self.component = self.naming.component
        self.metrics = metrics
        self._topics = notification_topics
        self._alarms: dict[tuple[str, str], cloudwatch.Alarm] = {}
        self.skipped: list[AlarmThreshold] = []
        """Rows left out because their metric's source was not given."""

        for row in thresholds:
            if not self.metrics.has(row.spec.source):
                self.skipped.append(row)
                continue
            self._add_threshold_alarm(row)

        self.latency_anomaly_alarm: cloudwatch.AnomalyDetectionAlarm | None = None
        if latency_anomaly is not None and metrics.load_balancer is not None:
            self.latency_anomaly_alarm = self._add_anomaly_alarm(latency_anomaly)
        self.cpu_early_warning_alarm: cloudwatch.Alarm | None = None
        if cpu_early_warning is not None:
            self.cpu_early_warning_alarm = self._add_early_warning(cpu_early_warning)

    # -- validation --------------------------------------------------------------------------------
    @staticmethod
    def _validate_table(
        thresholds: Sequence[AlarmThreshold], early: CpuEarlyWarning | None, anomaly: LatencyAnomaly | None
    ) -> None:
        if not thresholds:
            raise ValueError("thresholds is empty: pass DEFAULT_THRESHOLDS or at least one AlarmThreshold.")
        seen: set[tuple[str, str]] = set()
        for row in thresholds:
            row.validate()
            if (row.metric, row.severity) in seen:
                raise ValueError(
                    f"thresholds has two rows for {row.metric!r} at severity {row.severity!r}: "
                    "alarm names would collide; keep one or change a severity."
                )
            seen.add((row.metric, row.severity))
        if early is not None:
            validate_severity(early.severity, prop="cpu_early_warning.severity")
            for row in thresholds:
                if row.metric == "cpu" and early.threshold_percent >= row.threshold:
                    raise ValueError(
                        f"cpu_early_warning.threshold_percent ({early.threshold_percent}) must be below "
                        f"the cpu alarm threshold ({row.threshold}) it warns about."
                    )
            if not 1 <= early.datapoints_to_alarm <= early.evaluation_periods:
                raise ValueError(
                    f"cpu_early_warning.datapoints_to_alarm ({early.datapoints_to_alarm}) must be between "
                    f"1 and evaluation_periods ({early.evaluation_periods})."
                )
        if anomaly is not None:
            validate_severity(anomaly.severity, prop="latency_anomaly.severity")
            if not anomaly.std_devs > 0:
                raise ValueError(f"latency_anomaly.std_devs ({anomaly.std_devs}) must be greater than 0.")
            if not 1 <= anomaly.datapoints_to_alarm <= anomaly.evaluation_periods:
                raise ValueError(
                    f"latency_anomaly.datapoints_to_alarm ({anomaly.datapoints_to_alarm}) must be between "
                    f"1 and evaluation_periods ({anomaly.evaluation_periods})."
                )

    # -- builders ----------------------------------------------------------------------------------
    def _name(self, signal: str, severity: str) -> str:
        return self.naming.alarm_name(signal, severity)

    def _register(self, key: tuple[str, str], alarm: cloudwatch.Alarm) -> None:
        self._alarms[key] = alarm
        if self._topics is not None:
            alarm.add_alarm_action(cloudwatch_actions.SnsAction(self._topics[key[1]]))
            alarm.add_ok_action(cloudwatch_actions.SnsAction(self._topics[key[1]]))

    def _add_threshold_alarm(self, row: AlarmThreshold) -> None:
        statistic = row.statistic or row.default_statistic
        metric = row.spec.build(self.metrics, statistic, cdk.Duration.seconds(row.period_seconds))
        construct_id = _pascal(f"{row.metric}-{row.severity}")
        minutes = math.ceil(row.worst_case_seconds_to_fire / 60)
        description = (
            f"{row.metric} {row.comparison} {row.threshold:g} {row.spec.unit} ({statistic}, "
            f"{row.effective_datapoints} of {row.evaluation_periods} x {row.period_seconds} s). "
            f"Worst case to fire: ~{minutes} min. {row.rationale}"
        ).strip()
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=self._name(row.metric, row.severity),
            alarm_description=description[:1024],
            metric=metric,
            threshold=row.threshold,
            comparison_operator=_COMPARISONS[row.comparison],
            evaluation_periods=row.evaluation_periods,
            datapoints_to_alarm=row.effective_datapoints,
            treat_missing_data=_MISSING[row.treat_missing_data],
        )
        self._register((row.metric, row.severity), alarm)

    def _add_anomaly_alarm(self, anomaly: LatencyAnomaly) -> cloudwatch.AnomalyDetectionAlarm:
        alarm = cloudwatch.AnomalyDetectionAlarm(
            self,
            _pascal(f"latency-anomaly-{anomaly.severity}"),
            alarm_name=self._name("latency-anomaly", anomaly.severity),
            alarm_description=(
                f"Response time ({anomaly.statistic}) above its anomaly band ({anomaly.std_devs:g} standard "
                f"deviations) in {anomaly.datapoints_to_alarm} of {anomaly.evaluation_periods} minutes. "
                f"Worst case to fire: ~{anomaly.datapoints_to_alarm + 1} min. No data = no traffic."
            ),
            metric=self.metrics.metric_target_response_time(statistic=anomaly.statistic),
            std_devs=anomaly.std_devs,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
            evaluation_periods=anomaly.evaluation_periods,
            datapoints_to_alarm=anomaly.datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self._register(("latency-anomaly", anomaly.severity), alarm)
        return alarm

    def _add_early_warning(self, early: CpuEarlyWarning) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            _pascal(f"cpu-early-warning-{early.severity}"),
            alarm_name=self._name("cpu-early-warning", early.severity),
            alarm_description=(
                f"CPU above {early.threshold_percent:g} % in {early.datapoints_to_alarm} of "
                f"{early.evaluation_periods} minutes: a sustained climb towards the cpu alarm. Worst case to "
                f"fire: ~{early.datapoints_to_alarm + 2} min."
            ),
            metric=self.metrics.metric_cpu_utilization(),
            threshold=early.threshold_percent,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=early.evaluation_periods,
            datapoints_to_alarm=early.datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self._register(("cpu-early-warning", early.severity), alarm)
        return alarm

    # -- public API --------------------------------------------------------------------------------
    @property
    def alarms(self) -> list[SeverityAlarm]:
        """Every alarm with its severity and signal: table order, then the anomaly and early warning."""
        return [
            SeverityAlarm(alarm=alarm, severity=Severity(severity), signal=signal)
            for (signal, severity), alarm in self._alarms.items()
        ]

    def alarm(self, metric: str, severity: str | None = None) -> cloudwatch.Alarm:
        """The alarm of ``metric`` (a table key, ``latency-anomaly`` or ``cpu-early-warning``).

        ``severity`` is needed only when the table has several rows for the metric.
        """
        found = [a for (m, s), a in self._alarms.items() if m == metric and severity in (None, s)]
        if len(found) != 1:
            have = ", ".join(f"{m}/{s}" for m, s in self._alarms)
            raise KeyError(f"no single alarm for {metric!r} (severity {severity!r}); alarms: {have}")
        return found[0]

    def widgets(self) -> list[cloudwatch.IWidget]:
        """Dashboard widgets: capacity, CPU/memory, and (with a load balancer) traffic and health."""
        m = self.metrics
        annotations = {
            metric: [
                a.to_annotation()
                for (k, _), a in self._alarms.items()
                if k == metric and not isinstance(a, cloudwatch.AnomalyDetectionAlarm)
            ]
            for metric in ("cpu", "memory", "latency")
        }
        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title=f"{self.component}: capacity",
                left=[
                    m.metric_group_desired_capacity(label="Desired"),
                    m.metric_group_in_service_instances(label="In service"),
                    m.metric_group_total_instances(label="Total"),
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title=f"{self.component}: CPU and memory (%)",
                left=[m.metric_cpu_utilization(label="CPU"), m.metric_memory_used_percent(label="Memory")],
                left_annotations=annotations["cpu"] + annotations["memory"],
                left_y_axis=cloudwatch.YAxisProps(min=0, max=100),
                width=8,
            ),
        ]
        if m.load_balancer is not None:
            widgets += [
                cloudwatch.GraphWidget(
                    title=f"{self.component}: requests",
                    left=[m.metric_request_count(label="Requests")],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title=f"{self.component}: target response time (s)",
                    left=[m.metric_target_response_time(statistic=s, label=s) for s in ("p50", "p95", "p99")],
                    left_annotations=annotations["latency"],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title=f"{self.component}: responses",
                    left=[
                        m.metric_http_code_target(elbv2.HttpCodeTarget.TARGET_2XX_COUNT, label="2xx"),
                        m.metric_http_code_target(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, label="4xx"),
                        m.metric_http_code_target(
                            elbv2.HttpCodeTarget.TARGET_5XX_COUNT, label="5xx (targets)"
                        ),
                        m.metric_http_code_elb_5xx(label="5xx (load balancer)"),
                    ],
                    right=[m.metric_http_5xx_rate()],
                    width=8,
                ),
            ]
        if m.target_group is not None:
            widgets.append(
                cloudwatch.GraphWidget(
                    title=f"{self.component}: target health",
                    left=[
                        m.metric_healthy_host_count(label="Healthy"),
                        m.metric_unhealthy_host_count(label="Unhealthy"),
                    ],
                    width=8,
                )
            )
        return widgets


def _require_topics(topics: Mapping[str, sns.ITopic], severities: Iterable[str], *, prop: str) -> None:
    for severity in sorted(set(severities), key=SEVERITIES.index):
        if severity not in topics:
            raise ValueError(
                f"{prop} has no {severity!r} topic but alarms carry that severity: add it "
                "(SeverityTopics.topics has all four)."
            )
