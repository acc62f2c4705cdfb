"""ServiceAlarms: the metric alarms of one web service component, from the threshold table.

Besides the table's rows: the latency anomaly alarm (:class:`LatencyAnomaly`) and the CPU early
warning (:class:`CpuEarlyWarning`). Alarms carry a severity and are handed out by
:meth:`ServiceAlarms.alarms_by_severity`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from constructs_lib._core import SEVERITIES, Severity, validate_name, validate_severity
from constructs_lib.monitoring.metrics import DatabaseTarget, WebServiceMetricFactory
from constructs_lib.monitoring.naming import _pascal, alarm_name
from constructs_lib.monitoring.thresholds import _COMPARISONS, _MISSING, DEFAULT_THRESHOLDS, AlarmThreshold


@dataclass(frozen=True, kw_only=True)
class LatencyAnomaly:
    """Anomaly-detection alarm on the ALB response time (the Lab's predictive latency alarm).

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
    """The Lab's "predictive" CPU alarm: a lower threshold held longer, warning before the real one.

    Default: above 70 % for 8 of 10 minutes, low (chat only); fires within ~10 min. Must stay below
    every ``cpu`` row of the threshold table.
    """

    threshold_percent: float = 70
    evaluation_periods: int = 10
    datapoints_to_alarm: int = 8
    severity: Severity | str = Severity.LOW


class ServiceAlarms(Construct):
    """Metric alarms of one web service component, from a threshold table.

    Alarm ``{app}-{env}-{component}-{metric}-{severity}`` per row; rows whose source is absent
    (``database``, ``healing_function``, ``dead_letter_queue``, ``target_group``) are skipped and
    listed in :attr:`skipped`.

    :param app_name: application name (alarm name prefix).
    :param environment_name: environment name (alarm name prefix).
    :param component: component name, e.g. ``web``.
    :param auto_scaling_group: the group, or its name.
    :param load_balancer: the ALB. Default: no load balancer rows, no anomaly alarm.
    :param target_group: its target group. Default: latency is the whole ALB's; no host-count rows.
    :param database: RDS instance. Default: database rows skipped.
    :param healing_function: healing Lambda. Default: its rows skipped.
    :param dead_letter_queue: healing DLQ. Default: its rows skipped.
    :param thresholds: the table. Default: :data:`DEFAULT_THRESHOLDS`.
    :param latency_anomaly: anomaly alarm settings, None to leave it out. Default: :class:`LatencyAnomaly()`.
    :param cpu_early_warning: CPU early warning, None to leave it out. Default: :class:`CpuEarlyWarning()`.
    :param notification_topics: topics by severity. Default: alarms carry no actions; page through
        :class:`SeverityCompositeAlarms` so one incident pages once. When given, every alarm
        notifies its severity's topic directly (for apps without composites).
    :param agent_namespace: CloudWatch agent namespace. Default: ``CWAgent``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        component: str,
        auto_scaling_group: autoscaling.IAutoScalingGroup | str,
        load_balancer: elbv2.IApplicationLoadBalancer | None = None,
        target_group: elbv2.IApplicationTargetGroup | None = None,
        database: DatabaseTarget | None = None,
        healing_function: lambda_.IFunction | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        thresholds: Sequence[AlarmThreshold] = DEFAULT_THRESHOLDS,
        latency_anomaly: LatencyAnomaly | None = LatencyAnomaly(),
        cpu_early_warning: CpuEarlyWarning | None = CpuEarlyWarning(),
        notification_topics: Mapping[str, sns.ITopic] | None = None,
        agent_namespace: str = "CWAgent",
    ) -> None:
        super().__init__(scope, id)
        for prop, value in (
            ("app_name", app_name),
            ("environment_name", environment_name),
            ("component", component),
        ):
            validate_name(value, prop=prop)
        if database is not None:
            database.validate()
        self._validate_table(thresholds, cpu_early_warning, latency_anomaly)
        if notification_topics is not None:
            extra = [x.severity for x in (latency_anomaly, cpu_early_warning) if x is not None]
            _require_topics(
                notification_topics, [t.severity for t in thresholds] + extra, prop="notification_topics"
            )

        self.app_name, self.environment_name, self.component = app_name, environment_name, component
        asg_name = (
            auto_scaling_group
            if isinstance(auto_scaling_group, str)
            else auto_scaling_group.auto_scaling_group_name
        )
        self.metrics = WebServiceMetricFactory(
            auto_scaling_group_name=asg_name,
            load_balancer=load_balancer,
            target_group=target_group,
            database=database,
            healing_function=healing_function,
            dead_letter_queue=dead_letter_queue,
            agent_namespace=agent_namespace,
        )
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
        if latency_anomaly is not None and load_balancer is not None:
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
        return alarm_name(self.app_name, self.environment_name, self.component, signal, severity)

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
    def alarms(self) -> list[cloudwatch.Alarm]:
        """Every alarm of this construct, table order first."""
        return list(self._alarms.values())

    def alarm(self, metric: str, severity: str | None = None) -> cloudwatch.Alarm:
        """The alarm of ``metric`` (a table key, ``latency-anomaly`` or ``cpu-early-warning``).

        ``severity`` is needed only when the table has several rows for the metric.
        """
        found = [a for (m, s), a in self._alarms.items() if m == metric and severity in (None, s)]
        if len(found) != 1:
            have = ", ".join(f"{m}/{s}" for m, s in self._alarms)
            raise KeyError(f"no single alarm for {metric!r} (severity {severity!r}); alarms: {have}")
        return found[0]

    def alarms_by_severity(self) -> Mapping[str, Sequence[cloudwatch.IAlarm]]:
        """Alarms grouped by the severity they carry (severities without alarms are absent)."""
        grouped: dict[str, list[cloudwatch.IAlarm]] = {}
        for (_, severity), alarm in self._alarms.items():
            grouped.setdefault(severity, []).append(alarm)
        return {s: grouped[s] for s in Severity if s in grouped}

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
