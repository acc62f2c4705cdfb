"""Alarms for a self-healing web service, built from a typed threshold table.

Pieces, each usable alone:

* :class:`WebServiceMetricFactory` - one documented method per metric, official metric names,
  group-level dimensions only (alarms on a group survive the instances that come and go).
* :class:`AlarmThreshold` and :data:`DEFAULT_THRESHOLDS` - the ops plan's threshold table, each entry
  with its worst-case time to fire and its missing-data choice explained.
* :class:`ServiceAlarms` - metric alarms from the table, the latency anomaly alarm and the CPU early
  warning; alarms carry a severity and are handed out by :meth:`ServiceAlarms.alarms_by_severity`.
* :class:`CompositeHealthAlarm` - the Lab's system health: (CPU or memory) and latency anomaly.
* :class:`AvailabilityBurnRateAlarms` - SLO error-budget burn rate, fast and slow multi-window pairs.
* :class:`SeverityCompositeAlarms` - one composite per severity from every alarm carrying that
  severity; the composites carry the paging actions, so one incident pages once.
* :class:`PauseSwitchAlarm` - in ALARM while the environment's pause switch is "true": the
  ``actions_suppressor`` of the composites during planned stops and drills.
* :class:`EndpointAvailabilityCheck` - Route 53 health check on the public endpoint and its alarm
  (us-east-1 only; fires when no traffic arrives at all, which silences a 5xx rate).

Every alarm is named ``{app}-{env}-{component}-{signal}-{severity}`` (:func:`alarm_name`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from constructs_lib._nag import acknowledge
from constructs_lib.notifications import SEVERITIES, validate_name, validate_severity

ONE_MINUTE = cdk.Duration.minutes(1)
_TWO_MINUTES = cdk.Duration.minutes(2)
_FIVE_MINUTES = cdk.Duration.minutes(5)

# --------------------------------------------------------------------------------------------------
# Naming
# --------------------------------------------------------------------------------------------------


def alarm_name(app_name: str, environment_name: str, component: str, signal: str, severity: str) -> str:
    """The one naming strategy: ``{app}-{env}-{component}-{signal}-{severity}``.

    >>> alarm_name("webapp", "prod", "web", "cpu", "medium")
    'webapp-prod-web-cpu-medium'
    """
    validate_severity(severity, prop="severity")
    name = f"{app_name}-{environment_name}-{component}-{signal}-{severity}"
    if len(name) > 255:
        raise ValueError(
            f"alarm name {name!r} is longer than CloudWatch's 255 characters: shorten the parts."
        )
    return name


# --------------------------------------------------------------------------------------------------
# Metric factory
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DatabaseTarget:
    """An RDS instance to watch. Storage and memory sizes turn byte metrics into percentages."""

    instance_identifier: str
    """``DBInstanceIdentifier`` of the instance (the primary, or the replica in the DR region)."""
    allocated_storage_gib: float
    """Allocated storage, GiB (``FreeStorageSpace`` is divided by it)."""
    memory_gib: float
    """Memory of the instance class, GiB (db.t4g.medium: 4; ``FreeableMemory`` is divided by it)."""

    def validate(self) -> None:
        if not self.instance_identifier:
            raise ValueError("database.instance_identifier must not be empty.")
        for name in ("allocated_storage_gib", "memory_gib"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"database.{name} ({value}) must be a positive number of GiB.")


class WebServiceMetricFactory:
    """CloudWatch metrics of a web service, at group level, 1-minute by default.

    Only metrics whose source was given can be built; asking for another raises ValueError naming
    the missing prop.

    :param auto_scaling_group_name: the group; EC2 metrics use its ``AutoScalingGroupName``
        aggregation (1-minute with detailed monitoring), group metrics need metrics collection on.
        Default: no instance or group metrics.
    :param load_balancer: the ALB. Default: no load balancer metrics.
    :param target_group: the ALB target group. Default: latency is the whole load balancer's, and
        host counts cannot be built.
    :param database: RDS instance. Default: no database metrics.
    :param healing_function: the healing Lambda function. Default: no healing function metrics.
    :param dead_letter_queue: the healing function's dead-letter queue. Default: no queue metrics.
    :param agent_namespace: CloudWatch agent namespace. Default: ``CWAgent``.
    :param period: period of every metric. Default: 1 minute.
    """

    def __init__(
        self,
        *,
        auto_scaling_group_name: str | None = None,
        load_balancer: elbv2.IApplicationLoadBalancer | None = None,
        target_group: elbv2.IApplicationTargetGroup | None = None,
        database: DatabaseTarget | None = None,
        healing_function: lambda_.IFunction | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        agent_namespace: str = "CWAgent",
        period: cdk.Duration = ONE_MINUTE,
    ) -> None:
        self.auto_scaling_group_name = auto_scaling_group_name
        self.load_balancer = load_balancer
        self.target_group = target_group
        self.database = database
        self.healing_function = healing_function
        self.dead_letter_queue = dead_letter_queue
        self.agent_namespace = agent_namespace
        self.period = period

    # -- sources -----------------------------------------------------------------------------------
    def has(self, source: str) -> bool:
        """Whether the source a metric needs (``load_balancer``, ``target_group``, ...) was given."""
        attribute = "auto_scaling_group_name" if source == "auto_scaling_group" else source
        return getattr(self, attribute, None) is not None

    def _need(self, source: str, metric: str) -> Any:
        value = getattr(self, source)
        if value is None:
            raise ValueError(f"metric {metric!r} needs {source}: pass {source}= to build it.")
        return value

    def _asg(self, namespace: str, name: str, statistic: str, **kwargs) -> cloudwatch.Metric:
        group = self._need("auto_scaling_group_name", name)
        return cloudwatch.Metric(
            namespace=namespace,
            metric_name=name,
            dimensions_map={"AutoScalingGroupName": group},
            statistic=statistic,
            period=kwargs.pop("period", self.period),
            **kwargs,
        )

    # -- EC2 and Auto Scaling ----------------------------------------------------------------------
    def metric_cpu_utilization(self, statistic: str = "Average", **kwargs) -> cloudwatch.Metric:
        """``AWS/EC2 CPUUtilization`` over the group, percent."""
        return self._asg("AWS/EC2", "CPUUtilization", statistic, **kwargs)

    def metric_memory_used_percent(self, statistic: str = "Average", **kwargs) -> cloudwatch.Metric:
        """CloudWatch agent ``mem_used_percent`` aggregated by ``AutoScalingGroupName``, percent."""
        return self._asg(self.agent_namespace, "mem_used_percent", statistic, **kwargs)

    def metric_status_check_failed(self, statistic: str = "Maximum", **kwargs) -> cloudwatch.Metric:
        """``AWS/EC2 StatusCheckFailed`` (instance or system) over the group: 1 when any instance fails."""
        return self._asg("AWS/EC2", "StatusCheckFailed", statistic, **kwargs)

    def metric_group_desired_capacity(self, **kwargs) -> cloudwatch.Metric:
        """``GroupDesiredCapacity`` (needs group metrics collection)."""
        return self._asg(
            "AWS/AutoScaling", "GroupDesiredCapacity", kwargs.pop("statistic", "Average"), **kwargs
        )

    def metric_group_in_service_instances(self, **kwargs) -> cloudwatch.Metric:
        """``GroupInServiceInstances`` (needs group metrics collection)."""
        return self._asg(
            "AWS/AutoScaling", "GroupInServiceInstances", kwargs.pop("statistic", "Average"), **kwargs
        )

    def metric_group_total_instances(self, **kwargs) -> cloudwatch.Metric:
        """``GroupTotalInstances``: in service, pending, terminating and standby."""
        return self._asg(
            "AWS/AutoScaling", "GroupTotalInstances", kwargs.pop("statistic", "Average"), **kwargs
        )

    def metric_in_service_shortfall(self, period: cdk.Duration | None = None) -> cloudwatch.MathExpression:
        """Desired capacity minus in-service instances: above 0 while the group is short of capacity."""
        return cloudwatch.MathExpression(
            expression="desired - inService",
            using_metrics={
                "desired": self.metric_group_desired_capacity(),
                "inService": self.metric_group_in_service_instances(),
            },
            label="Instances short of desired capacity",
            period=period or self.period,
        )

    # -- Application Load Balancer -----------------------------------------------------------------
    def metric_request_count(self, **kwargs) -> cloudwatch.Metric:
        """``RequestCount`` of the load balancer (Sum): requests that reached a target."""
        lb = self._need("load_balancer", "request-count")
        return lb.metrics.request_count(**{"period": self.period, "statistic": "Sum", **kwargs})

    def metric_target_response_time(self, statistic: str = "p95", **kwargs) -> cloudwatch.Metric:
        """``TargetResponseTime`` in seconds, of the target group when given, else of the load balancer."""
        props = {"period": self.period, "statistic": statistic, **kwargs}
        if self.target_group is not None:
            return self.target_group.metrics.target_response_time(**props)
        return self._need("load_balancer", "latency").metrics.target_response_time(**props)

    def metric_http_code_target(self, code: elbv2.HttpCodeTarget, **kwargs) -> cloudwatch.Metric:
        """``HTTPCode_Target_nXX_Count`` of the load balancer (Sum)."""
        lb = self._need("load_balancer", "http-code-target")
        return lb.metrics.http_code_target(code, **{"period": self.period, "statistic": "Sum", **kwargs})

    def metric_http_code_elb_5xx(self, **kwargs) -> cloudwatch.Metric:
        """``HTTPCode_ELB_5XX_Count`` (Sum): 502/503/504 made by the load balancer itself."""
        lb = self._need("load_balancer", "http-code-elb")
        return lb.metrics.http_code_elb(
            elbv2.HttpCodeElb.ELB_5XX_COUNT, **{"period": self.period, "statistic": "Sum", **kwargs}
        )

    def metric_http_5xx_rate(self, period: cdk.Duration | None = None) -> cloudwatch.MathExpression:
        """Percent of requests answered with a 5xx, by the targets or the load balancer.

        ``RequestCount`` leaves out requests the load balancer rejected before choosing a target
        (its own 503 when no target is healthy), so those are added to both sides.
        """
        return cloudwatch.MathExpression(
            expression="100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0))",
            using_metrics=self._error_metrics(),
            label="5xx rate (%)",
            period=period or self.period,
        )

    def metric_error_ratio(self, period: cdk.Duration) -> cloudwatch.MathExpression:
        """Failed requests / all requests over ``period`` (0-1): the availability SLI's bad ratio.

        Input ids carry the period, so ratios of several windows can share one graph.
        """
        suffix = f"_{int(period.to_seconds())}s"
        return cloudwatch.MathExpression(
            expression=(
                f"(FILL(target5xx{suffix}, 0) + FILL(elb5xx{suffix}, 0)) / "
                f"(FILL(requests{suffix}, 0) + FILL(elb5xx{suffix}, 0))"
            ),
            using_metrics={f"{key}{suffix}": metric for key, metric in self._error_metrics().items()},
            label=f"Error ratio over {period.to_human_string()}",
            period=period,
        )

    def _error_metrics(self) -> dict[str, cloudwatch.IMetric]:
        return {
            "target5xx": self.metric_http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT),
            "elb5xx": self.metric_http_code_elb_5xx(),
            "requests": self.metric_request_count(),
        }

    def metric_unhealthy_host_count(self, statistic: str = "Maximum", **kwargs) -> cloudwatch.Metric:
        """``UnHealthyHostCount`` of the target group."""
        tg = self._need("target_group", "unhealthy-hosts")
        return tg.metrics.unhealthy_host_count(**{"period": self.period, "statistic": statistic, **kwargs})

    def metric_healthy_host_count(self, statistic: str = "Minimum", **kwargs) -> cloudwatch.Metric:
        """``HealthyHostCount`` of the target group."""
        tg = self._need("target_group", "healthy-hosts")
        return tg.metrics.healthy_host_count(**{"period": self.period, "statistic": statistic, **kwargs})

    # -- RDS ---------------------------------------------------------------------------------------
    def _rds(self, name: str, statistic: str, metric: str) -> cloudwatch.Metric:
        database: DatabaseTarget = self._need("database", metric)
        return cloudwatch.Metric(
            namespace="AWS/RDS",
            metric_name=name,
            dimensions_map={"DBInstanceIdentifier": database.instance_identifier},
            statistic=statistic,
            period=self.period,
        )

    def metric_db_cpu_utilization(self, statistic: str = "Average") -> cloudwatch.Metric:
        """``AWS/RDS CPUUtilization`` of the database instance, percent."""
        return self._rds("CPUUtilization", statistic, "db-cpu")

    def metric_db_free_storage_percent(self) -> cloudwatch.MathExpression:
        """``FreeStorageSpace`` as a percent of the allocated storage."""
        database: DatabaseTarget = self._need("database", "db-free-storage")
        return cloudwatch.MathExpression(
            expression=f"100 * free / {database.allocated_storage_gib * 1024**3:.0f}",
            using_metrics={"free": self._rds("FreeStorageSpace", "Minimum", "db-free-storage")},
            label="Free storage (%)",
            period=self.period,
        )

    def metric_db_freeable_memory_percent(self) -> cloudwatch.MathExpression:
        """``FreeableMemory`` as a percent of the instance class memory."""
        database: DatabaseTarget = self._need("database", "db-freeable-memory")
        return cloudwatch.MathExpression(
            expression=f"100 * freeable / {database.memory_gib * 1024**3:.0f}",
            using_metrics={"freeable": self._rds("FreeableMemory", "Minimum", "db-freeable-memory")},
            label="Freeable memory (%)",
            period=self.period,
        )

    # -- healing machinery -------------------------------------------------------------------------
    def metric_healing_errors(self, statistic: str = "Sum") -> cloudwatch.Metric:
        """``Errors`` of the healing function (invocations that raised)."""
        function: lambda_.IFunction = self._need("healing_function", "healing-errors")
        return function.metric_errors(period=self.period, statistic=statistic)

    def metric_dead_letter_queue_depth(self, statistic: str = "Maximum") -> cloudwatch.Metric:
        """``ApproximateNumberOfMessagesVisible`` of the dead-letter queue: events healing gave up on."""
        queue: sqs.IQueue = self._need("dead_letter_queue", "healing-dlq-depth")
        return queue.metric_approximate_number_of_messages_visible(period=self.period, statistic=statistic)


# --------------------------------------------------------------------------------------------------
# Threshold table
# --------------------------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class MetricSpec:
    """What the threshold table knows about one metric key."""

    source: str
    """Prop the metric needs (``auto_scaling_group``, ``load_balancer``, ``target_group``, ...)."""
    unit: str
    """Unit of ``threshold``."""
    delay_seconds: int
    """Typical delay before a datapoint reaches CloudWatch (adds to the time to fire)."""
    statistics: tuple[str, ...] | None
    """Allowed statistics; None for any (metric math keys fix theirs)."""
    build: Callable[[WebServiceMetricFactory, str, cdk.Duration], cloudwatch.IMetric]


def _plain(method: str) -> Callable[[WebServiceMetricFactory, str, cdk.Duration], cloudwatch.IMetric]:
    return lambda f, statistic, period: getattr(f, method)(statistic=statistic).with_(period=period)


def _math(method: str) -> Callable[[WebServiceMetricFactory, str, cdk.Duration], cloudwatch.IMetric]:
    return lambda f, _statistic, period: getattr(f, method)().with_(period=period)


METRIC_CATALOG: Mapping[str, MetricSpec] = {
    "cpu": MetricSpec("auto_scaling_group", "percent", 120, None, _plain("metric_cpu_utilization")),
    "memory": MetricSpec("auto_scaling_group", "percent", 60, None, _plain("metric_memory_used_percent")),
    "status-check-failed": MetricSpec(
        "auto_scaling_group", "count of failing checks", 120, None, _plain("metric_status_check_failed")
    ),
    "in-service-shortfall": MetricSpec(
        "auto_scaling_group", "instances", 60, ("Average",), _math("metric_in_service_shortfall")
    ),
    "latency": MetricSpec("load_balancer", "seconds", 60, None, _plain("metric_target_response_time")),
    "5xx-rate": MetricSpec("load_balancer", "percent", 60, ("Sum",), _math("metric_http_5xx_rate")),
    "unhealthy-hosts": MetricSpec("target_group", "hosts", 60, None, _plain("metric_unhealthy_host_count")),
    "healing-errors": MetricSpec("healing_function", "errors", 60, None, _plain("metric_healing_errors")),
    "healing-dlq-depth": MetricSpec(
        "dead_letter_queue", "messages", 300, None, _plain("metric_dead_letter_queue_depth")
    ),
    "db-cpu": MetricSpec("database", "percent", 60, None, _plain("metric_db_cpu_utilization")),
    "db-free-storage": MetricSpec(
        "database", "percent", 60, ("Minimum",), _math("metric_db_free_storage_percent")
    ),
    "db-freeable-memory": MetricSpec(
        "database", "percent", 60, ("Minimum",), _math("metric_db_freeable_memory_percent")
    ),
}
"""Metric keys the threshold table accepts, with their source, unit and delivery delay."""


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
    severity: str
    """One of low, medium, high, critical."""
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
        metric="cpu", threshold=80, severity="medium", evaluation_periods=3,
        rationale="CPU above 80 % for 3 of 3 minutes; fires within ~5 min (EC2 metrics arrive up to 2 min "
        "late). No data = no instances (planned stop), not an overload.",
    ),
    AlarmThreshold(
        metric="memory", threshold=85, severity="medium", evaluation_periods=3,
        rationale="Memory above 85 % (CloudWatch agent, group aggregate) for 3 of 3 minutes; fires within "
        "~4 min. No data = no instances or no agent, not a memory problem.",
    ),
    AlarmThreshold(
        metric="latency", threshold=0.5, severity="medium", statistic="p95", evaluation_periods=5,
        datapoints_to_alarm=3,
        rationale="p95 target response time above 500 ms in 3 of 5 minutes; fires within ~4 min and "
        "ignores a single slow minute. No data = no traffic.",
    ),
    AlarmThreshold(
        metric="5xx-rate", threshold=1, severity="high", evaluation_periods=3,
        rationale="More than 1 % of requests fail (target or load balancer 5xx) for 3 of 3 minutes; fires "
        "within ~4 min. No data = no traffic, which the Route 53 availability check covers.",
    ),
    AlarmThreshold(
        metric="unhealthy-hosts", threshold=0, severity="high", evaluation_periods=5,
        rationale="An unhealthy target for 5 of 5 minutes, longer than self-healing takes (target marked "
        "unhealthy in 20 s, replaced in ~3 min); fires within ~6 min, only when healing failed.",
    ),
    AlarmThreshold(
        metric="in-service-shortfall", threshold=0, severity="high", evaluation_periods=10,
        rationale="Fewer in-service instances than desired for 10 of 10 minutes, longer than a normal "
        "launch (boot + health check grace ~5 min); fires within ~11 min when replacement is stuck.",
    ),
    AlarmThreshold(
        metric="status-check-failed", threshold=0, severity="high", evaluation_periods=5,
        rationale="An instance failing EC2 status checks for 5 of 5 minutes, longer than the reboot and "
        "replace path; fires within ~7 min. No data = no instances.",
    ),
    AlarmThreshold(
        metric="healing-errors", threshold=0, severity="high", evaluation_periods=1,
        rationale="The healing function raised; fires within ~2 min. No data = no invocations.",
    ),
    AlarmThreshold(
        metric="healing-dlq-depth", threshold=0, severity="high", evaluation_periods=1,
        rationale="Events healing gave up on are waiting; fires within ~6 min (SQS metrics lag up to 5 min).",
    ),
    AlarmThreshold(
        metric="db-cpu", threshold=75, severity="high", evaluation_periods=5,
        rationale="Database CPU above 75 % for 5 of 5 minutes; fires within ~6 min.",
    ),
    AlarmThreshold(
        metric="db-free-storage", threshold=20, severity="high", comparison="<", evaluation_periods=5,
        treat_missing_data="missing",
        rationale="Less than 20 % storage free for 5 of 5 minutes; fires within ~6 min. The database "
        "reports every minute, so silence is not good news: no data leads to INSUFFICIENT_DATA.",
    ),
    AlarmThreshold(
        metric="db-freeable-memory", threshold=10, severity="high", comparison="<", evaluation_periods=5,
        treat_missing_data="missing",
        rationale="Less than 10 % memory freeable for 5 of 5 minutes; fires within ~6 min. No data leads "
        "to INSUFFICIENT_DATA.",
    ),
)  # fmt: skip
"""The ops plan's monitoring table. Rows whose source is absent (no database yet) are skipped."""


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


# --------------------------------------------------------------------------------------------------
# Alarm sources and service alarms
# --------------------------------------------------------------------------------------------------


@runtime_checkable
class AlarmSource(Protocol):
    """Anything that hands out its alarms by severity (ServiceAlarms, CompositeHealthAlarm, ...)."""

    def alarms_by_severity(self) -> Mapping[str, Sequence[cloudwatch.IAlarm]]: ...


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
    severity: str = "medium"


@dataclass(frozen=True, kw_only=True)
class CpuEarlyWarning:
    """The Lab's "predictive" CPU alarm: a lower threshold held longer, warning before the real one.

    Default: above 70 % for 8 of 10 minutes, low (chat only); fires within ~10 min. Must stay below
    every ``cpu`` row of the threshold table.
    """

    threshold_percent: float = 70
    evaluation_periods: int = 10
    datapoints_to_alarm: int = 8
    severity: str = "low"


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
        return {s: grouped[s] for s in SEVERITIES if s in grouped}

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


def _pascal(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _require_topics(topics: Mapping[str, sns.ITopic], severities: Iterable[str], *, prop: str) -> None:
    for severity in sorted(set(severities), key=SEVERITIES.index):
        if severity not in topics:
            raise ValueError(
                f"{prop} has no {severity!r} topic but alarms carry that severity: add it "
                "(SeverityTopics.topics has all four)."
            )


# --------------------------------------------------------------------------------------------------
# Composite alarms
# --------------------------------------------------------------------------------------------------


class CompositeHealthAlarm(Construct):
    """The Lab's system-health composite: (any saturation alarm) AND the latency anomaly alarm.

    Resource pressure alone is not an incident and a latency blip alone may be noise; both together
    mean users are waiting because the service is short of resources.

    :param saturation_alarms: e.g. the cpu and memory alarms (at least one).
    :param latency_alarm: e.g. :attr:`ServiceAlarms.latency_anomaly_alarm`.
    :param severity: severity this composite carries. Default: ``high``.
    :param notification_topic: topic for its ALARM and OK actions. Default: no actions; feed this
        construct to :class:`SeverityCompositeAlarms` (it implements ``alarms_by_severity()``) so
        one incident pages once.
    :param actions_suppressor: alarm that suppresses the actions while in ALARM (the pause switch).
        Default: actions are never suppressed. Only meaningful with ``notification_topic``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        component: str,
        saturation_alarms: Sequence[cloudwatch.IAlarm],
        latency_alarm: cloudwatch.IAlarm,
        severity: str = "high",
        notification_topic: sns.ITopic | None = None,
        actions_suppressor: cloudwatch.IAlarm | None = None,
    ) -> None:
        super().__init__(scope, id)
        validate_severity(severity, prop="severity")
        if not saturation_alarms:
            raise ValueError(
                "saturation_alarms is empty: pass at least one alarm (e.g. the cpu and memory alarms)."
            )
        self.severity = severity
        rule = cloudwatch.AlarmRule.all_of(
            cloudwatch.AlarmRule.any_of(*saturation_alarms),
            cloudwatch.AlarmRule.from_alarm(latency_alarm, cloudwatch.AlarmState.ALARM),
        )
        self.alarm = cloudwatch.CompositeAlarm(
            self,
            "Resource",
            composite_alarm_name=alarm_name(app_name, environment_name, component, "system-health", severity),
            alarm_description=(
                "Users wait because the service is short of resources: (CPU or memory) and latency anomaly."
            ),
            alarm_rule=rule,
            actions_suppressor=actions_suppressor if notification_topic is not None else None,
        )
        if notification_topic is not None:
            self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(notification_topic))
            self.alarm.add_ok_action(cloudwatch_actions.SnsAction(notification_topic))

    def alarms_by_severity(self) -> Mapping[str, Sequence[cloudwatch.IAlarm]]:
        return {self.severity: [self.alarm]}


@dataclass(frozen=True, kw_only=True)
class BurnRateWindow:
    """A multi-window burn-rate condition: both windows must burn faster than ``burn_rate``."""

    name: str
    long_window: cdk.Duration
    short_window: cdk.Duration
    burn_rate: float
    severity: str


FAST_BURN = BurnRateWindow(
    name="fast",
    long_window=cdk.Duration.hours(1),
    short_window=cdk.Duration.minutes(5),
    burn_rate=14.4,
    severity="critical",
)
"""2 % of a 30-day budget in one hour (SRE workbook): page now."""
SLOW_BURN = BurnRateWindow(
    name="slow",
    long_window=cdk.Duration.hours(6),
    short_window=cdk.Duration.minutes(30),
    burn_rate=6,
    severity="high",
)
"""5 % of a 30-day budget in six hours (SRE workbook)."""


class AvailabilityBurnRateAlarms(Construct):
    """SLO error-budget burn-rate alarms for availability (SRE workbook, multi-window, multi-burn-rate).

    The SLI is the share of requests answered without a 5xx (target or load balancer). For each
    window pair a composite is in ALARM when the error ratio exceeds ``burn_rate x (1 - SLO)`` over
    both the long window (significance) and the short one (it resets fast once the burn stops).

    CloudWatch computes a long period over clock-aligned buckets, not a sliding window, so the 1 h
    window is "this clock hour so far" at worst; the short window keeps detection and reset fast.

    :param load_balancer: the ALB whose responses define availability.
    :param slo_target_percent: availability objective. Default: 99.9 (the ops plan).
    :param windows: burn-rate conditions. Default: :data:`FAST_BURN` (critical) and :data:`SLOW_BURN` (high).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        component: str,
        load_balancer: elbv2.IApplicationLoadBalancer,
        slo_target_percent: float = 99.9,
        windows: Sequence[BurnRateWindow] = (FAST_BURN, SLOW_BURN),
    ) -> None:
        super().__init__(scope, id)
        if not 0 < slo_target_percent < 100:
            raise ValueError(
                f"slo_target_percent ({slo_target_percent}) must be between 0 and 100 exclusive, e.g. 99.9."
            )
        if not windows:
            raise ValueError("windows is empty: pass FAST_BURN, SLOW_BURN or your own BurnRateWindow.")
        self.slo_target_percent = slo_target_percent
        budget = 1 - slo_target_percent / 100
        factory = WebServiceMetricFactory(load_balancer=load_balancer)
        self.metrics = factory
        self._composites: dict[str, cloudwatch.CompositeAlarm] = {}
        self.window_alarms: list[cloudwatch.Alarm] = []
        names = set()
        for window in windows:
            validate_severity(window.severity, prop=f"windows[{window.name!r}].severity")
            validate_name(window.name, prop="windows[].name")
            if window.name in names:
                raise ValueError(f"windows has two entries named {window.name!r}: names must be unique.")
            names.add(window.name)
            if window.burn_rate <= 0 or window.burn_rate * budget >= 1:
                raise ValueError(
                    f"windows[{window.name!r}].burn_rate ({window.burn_rate}) must be > 0 and below "
                    f"1 / error budget ({1 / budget:g}) for SLO {slo_target_percent}."
                )
            if window.short_window.to_seconds() >= window.long_window.to_seconds():
                raise ValueError(
                    f"windows[{window.name!r}]: short_window "
                    f"({window.short_window.to_human_string()}) must be "
                    f"shorter than long_window ({window.long_window.to_human_string()})."
                )
            threshold = window.burn_rate * budget
            children = []
            for duration in (window.long_window, window.short_window):
                seconds = int(duration.to_seconds())
                if seconds % 60 or seconds > 86_400:
                    raise ValueError(
                        f"windows[{window.name!r}]: window {duration.to_human_string()} must be whole "
                        "minutes, at most one day."
                    )
                label = _window_label(seconds)
                child = cloudwatch.Alarm(
                    self,
                    _pascal(f"{window.name}-{label}"),
                    alarm_name=alarm_name(
                        app_name, environment_name, component, f"slo-burn-{label}", window.severity
                    ),
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
                composite_alarm_name=alarm_name(
                    app_name, environment_name, component, f"slo-burn-{window.name}", window.severity
                ),
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

    def alarms_by_severity(self) -> Mapping[str, Sequence[cloudwatch.IAlarm]]:
        grouped: dict[str, list[cloudwatch.IAlarm]] = {}
        for name, composite in self._composites.items():
            grouped.setdefault(self._windows[name].severity, []).append(composite)
        return grouped

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


class SeverityCompositeAlarms(Construct):
    """One composite alarm per severity: ALARM when any alarm carrying that severity is in ALARM.

    Named ``{app}-{env}-{component}-incident-{severity}``; each notifies its severity's topic on ALARM
    (and on OK, so a pager can resolve the incident). The child alarms keep no actions, so an
    incident pages once however many signals fire; the healing function still sees every child's
    state change through EventBridge.

    :param sources: objects with ``alarms_by_severity()`` (ServiceAlarms, CompositeHealthAlarm,
        AvailabilityBurnRateAlarms, EscalationPolicy...) or plain mappings severity -> alarms.
    :param notification_topics: topics by severity; every severity that has alarms needs one.
    :param actions_suppressor: alarm in ALARM while actions must stay silent (the pause switch,
        :class:`PauseSwitchAlarm`). Default: never suppressed.
    :param suppressor_wait_period: how long a new ALARM waits for the suppressor to go into ALARM.
        Default: 2 minutes (the pause switch alarm follows the parameter within ~2 minutes).
    :param suppressor_extension_period: how long suppression lasts after the suppressor clears.
        Default: 5 minutes (instances restarted by a resume get time to pass health checks).
    :param notify_on_ok: severities whose composite also notifies when it returns to OK.
        Default: all of them.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        component: str,
        sources: Sequence[AlarmSource | Mapping[str, Sequence[cloudwatch.IAlarm]]],
        notification_topics: Mapping[str, sns.ITopic],
        actions_suppressor: cloudwatch.IAlarm | None = None,
        suppressor_wait_period: cdk.Duration = _TWO_MINUTES,
        suppressor_extension_period: cdk.Duration = _FIVE_MINUTES,
        notify_on_ok: Sequence[str] = SEVERITIES,
    ) -> None:
        super().__init__(scope, id)
        for severity in notify_on_ok:
            validate_severity(severity, prop="notify_on_ok")
        grouped: dict[str, list[cloudwatch.IAlarm]] = {}
        for index, source in enumerate(sources):
            mapping = source if isinstance(source, Mapping) else source.alarms_by_severity()
            for severity, alarms in mapping.items():
                validate_severity(severity, prop=f"sources[{index}]")
                grouped.setdefault(severity, []).extend(alarms)
        if not any(grouped.values()):
            raise ValueError("sources hold no alarms: pass ServiceAlarms or another alarm source.")
        _require_topics(notification_topics, [s for s, a in grouped.items() if a], prop="notification_topics")

        self._composites: dict[str, cloudwatch.CompositeAlarm] = {}
        self._names: dict[str, str] = {}
        for severity in SEVERITIES:
            alarms = grouped.get(severity)
            if not alarms:
                continue
            self._names[severity] = alarm_name(app_name, environment_name, component, "incident", severity)
            composite = cloudwatch.CompositeAlarm(
                self,
                severity.capitalize(),
                composite_alarm_name=self._names[severity],
                alarm_description=(
                    f"Any {severity}-severity alarm of {app_name}-{environment_name} {component} is in ALARM."
                ),
                alarm_rule=cloudwatch.AlarmRule.any_of(*alarms),
                actions_suppressor=actions_suppressor,
                actions_suppressor_wait_period=suppressor_wait_period if actions_suppressor else None,
                actions_suppressor_extension_period=suppressor_extension_period
                if actions_suppressor
                else None,
            )
            action = cloudwatch_actions.SnsAction(notification_topics[severity])
            composite.add_alarm_action(action)
            if severity in notify_on_ok:
                composite.add_ok_action(action)
            self._composites[severity] = composite

    def alarm(self, severity: str) -> cloudwatch.CompositeAlarm:
        """The composite of ``severity`` (KeyError if no alarm carries it)."""
        return self._composites[validate_severity(severity, prop="severity")]

    @property
    def alarms(self) -> Mapping[str, cloudwatch.CompositeAlarm]:
        """Composites keyed by severity."""
        return dict(self._composites)

    def alarm_names(self, *severities: str) -> list[str]:
        """Literal names of the composites of ``severities`` (all when none given), e.g. for
        ``EscalationPolicy(alarm_names=...)``; severities without a composite are left out."""
        for severity in severities:
            validate_severity(severity, prop="severities")
        chosen = severities or tuple(self._names)
        return [self._names[s] for s in chosen if s in self._names]


# --------------------------------------------------------------------------------------------------
# Pause switch
# --------------------------------------------------------------------------------------------------


class PauseSwitchAlarm(Construct):
    """An alarm in ALARM while the environment's pause switch (an SSM String parameter) is "true".

    CloudWatch cannot read SSM parameters, so a small Express state machine publishes the switch as a
    metric (``{namespace} Paused`` = 1 or 0, dimensions Application and Environment): on every change
    of the parameter (EventBridge "Parameter Store Change") and every ``resync_interval``. The alarm
    treats missing data as "keep the last state", so it holds between publications. Before the first
    publication it is INSUFFICIENT_DATA, which does not suppress: failure to publish fails towards
    paging, never towards silence.

    Use it as ``actions_suppressor`` of :class:`SeverityCompositeAlarms`. Limits: CloudWatch does not
    re-send an ALARM that began while suppressed once suppression ends; the escalation state machine
    checks the switch itself.

    :param pause_parameter_name: name of the SSM parameter, e.g. ``/webapp/prod/pause``.
    :param namespace: namespace of the ``Paused`` metric. Default: ``{app_name}/Operations``.
    :param component: component part of the alarm name. Default: ``operations``.
    :param resync_interval: how often the metric is re-published from the parameter. Default: 5 minutes.
    :param log_retention: retention of the publisher's execution log. Default: one month.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        pause_parameter_name: str,
        namespace: str | None = None,
        component: str = "operations",
        resync_interval: cdk.Duration = _FIVE_MINUTES,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, id)
        validate_name(app_name, prop="app_name")
        validate_name(environment_name, prop="environment_name")
        if not pause_parameter_name.startswith("/"):
            raise ValueError(
                f"pause_parameter_name ({pause_parameter_name!r}) must be a full parameter path such as "
                f"'/{app_name}/{environment_name}/pause'."
            )
        if resync_interval.to_seconds() < 60:
            raise ValueError(
                f"resync_interval ({resync_interval.to_human_string()}) must be at least 1 minute, "
                "the smallest EventBridge rate."
            )
        self.namespace = namespace or f"{app_name}/Operations"
        self.pause_parameter_name = pause_parameter_name
        dimensions = {"Application": app_name, "Environment": environment_name}
        self._dimensions = dimensions
        stack = cdk.Stack.of(self)
        parameter_arn = stack.format_arn(
            service="ssm",
            resource="parameter",
            resource_name=pause_parameter_name.lstrip("/"),
        )

        def publish(state_id: str, value: int) -> sfn.CustomState:
            return sfn.CustomState(
                self,
                state_id,
                state_json={
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:cloudwatch:putMetricData",
                    "Parameters": {
                        "Namespace": self.namespace,
                        "MetricData": [
                            {
                                "MetricName": "Paused",
                                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                                "Value": value,
                                "Unit": "Count",
                            }
                        ],
                    },
                    "ResultPath": None,
                },
            )

        read = sfn.CustomState(
            self,
            "ReadSwitch",
            state_json={
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:ssm:getParameter",
                "Parameters": {"Name": pause_parameter_name},
                "ResultSelector": {"value.$": "$.Parameter.Value"},
                "ResultPath": "$.switch",
            },
        )
        definition = read.next(
            sfn.Choice(self, "IsPaused")
            .when(sfn.Condition.string_equals("$.switch.value", "true"), publish("PublishPaused", 1))
            .otherwise(publish("PublishRunning", 0))
        )
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{app_name}-{environment_name}-pause-switch",
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.publisher = sfn.StateMachine(
            self,
            "Publisher",
            state_machine_name=f"{app_name}-{environment_name}-pause-switch",
            state_machine_type=sfn.StateMachineType.EXPRESS,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=cdk.Duration.minutes(1),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )
        self.publisher.add_to_role_policy(
            iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[parameter_arn])
        )
        self.publisher.add_to_role_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": self.namespace}},
            )
        )
        _acknowledge_state_machine_role(
            self.publisher,
            extra="PutMetricData has no resource-level permissions; "
            "the statement is limited to one namespace by condition.",
        )

        events.Rule(
            self,
            "OnChange",
            description=f"Publish the pause switch {pause_parameter_name} when it changes.",
            event_pattern=events.EventPattern(
                source=["aws.ssm"],
                detail_type=["Parameter Store Change"],
                detail={"name": [pause_parameter_name], "operation": ["Create", "Update"]},
            ),
            targets=[targets.SfnStateMachine(self.publisher)],
        )
        events.Rule(
            self,
            "Resync",
            description=f"Re-publish the pause switch {pause_parameter_name} periodically.",
            schedule=events.Schedule.rate(resync_interval),
            targets=[targets.SfnStateMachine(self.publisher)],
        )
        self.alarm = cloudwatch.Alarm(
            self,
            "Resource",
            alarm_name=alarm_name(app_name, environment_name, component, "paused", "low"),
            alarm_description=(
                f"The pause switch {pause_parameter_name} is 'true': healing and paging are paused. "
                "Used as the actions suppressor of the composite alarms."
            ),
            metric=self.metric_paused(),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.IGNORE,
        )

    def metric_paused(self, **kwargs) -> cloudwatch.Metric:
        """``Paused`` (Maximum per minute): 1 while the switch is "true"."""
        return cloudwatch.Metric(
            namespace=self.namespace,
            metric_name="Paused",
            dimensions_map=dict(self._dimensions),
            **{"statistic": "Maximum", "period": ONE_MINUTE, **kwargs},
        )


def _acknowledge_state_machine_role(machine: sfn.StateMachine, *, extra: str = "") -> None:
    """Acknowledge the wildcard statements CDK adds for state machine logging and X-Ray."""
    role = machine.role
    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "Step Functions log delivery (logs:*LogDelivery*) and X-Ray (PutTraceSegments) have no "
        f"resource-level permissions. {extra}".strip(),
    )


# --------------------------------------------------------------------------------------------------
# Route 53 availability check (us-east-1)
# --------------------------------------------------------------------------------------------------


class EndpointAvailabilityCheck(Construct):
    """A Route 53 health check on the public endpoint and an alarm on it, for a us-east-1 stack.

    The signal that still fires when no request arrives at all (a total outage silences 5xx rates).
    Route 53 publishes ``HealthCheckStatus`` only in us-east-1, so the construct refuses another
    concrete region; the alarm treats missing data as breaching.

    :param fqdn: host name checked, e.g. ``www.example.com`` or the ALB DNS name (with HTTPS the
        certificate must match it).
    :param protocol: ``HTTPS``, ``HTTP``, ``HTTPS_STR_MATCH`` or ``HTTP_STR_MATCH``. Default: HTTPS.
    :param port: Default: 443 for HTTPS, 80 for HTTP.
    :param path: Default: ``/health``.
    :param search_string: required by the ``*_STR_MATCH`` protocols. Default: none.
    :param request_interval_seconds: 10 (fast, extra cost) or 30. Default: 10.
    :param failure_threshold: failed checks before unhealthy. Default: 3, with 10 s: ~30 s.
    :param evaluation_periods: minutes unhealthy before the alarm fires. Default: 1; fires within
        ~2 min of the endpoint going down (30 s checks + 1-minute metric).
    :param severity: severity in the alarm name. Default: ``critical`` (the service is unreachable).
    :param notification_topic: topic (in us-east-1) for ALARM and OK. Default: no actions.
    :param health_check: reuse an existing health check (e.g. the DR failover one) instead of creating
        one. Default: a new health check from the props above.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        component: str,
        fqdn: str | None = None,
        protocol: str = "HTTPS",
        port: int | None = None,
        path: str = "/health",
        search_string: str | None = None,
        request_interval_seconds: int = 10,
        failure_threshold: int = 3,
        evaluation_periods: int = 1,
        severity: str = "critical",
        notification_topic: sns.ITopic | None = None,
        health_check: route53.IHealthCheck | None = None,
    ) -> None:
        super().__init__(scope, id)
        validate_severity(severity, prop="severity")
        self.severity = severity
        region = cdk.Stack.of(self).region
        if not cdk.Token.is_unresolved(region) and region != "us-east-1":
            raise ValueError(
                f"EndpointAvailabilityCheck is in {region}, but Route 53 health check metrics exist only in "
                "us-east-1: place it in a us-east-1 stack."
            )
        types = {
            "HTTPS": route53.HealthCheckType.HTTPS,
            "HTTP": route53.HealthCheckType.HTTP,
            "HTTPS_STR_MATCH": route53.HealthCheckType.HTTPS_STR_MATCH,
            "HTTP_STR_MATCH": route53.HealthCheckType.HTTP_STR_MATCH,
        }
        if health_check is None:
            # A load balancer's DNS name is a token: only literal names can be checked here.
            literal = fqdn is not None and not cdk.Token.is_unresolved(fqdn)
            if not fqdn or (
                literal and not re.match(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}\.?$", fqdn)
            ):
                raise ValueError(
                    f"fqdn ({fqdn!r}) must be a fully qualified host name such as 'www.example.com'."
                )
            if protocol not in types:
                raise ValueError(f"protocol ({protocol!r}) must be one of {', '.join(types)}.")
            if protocol.endswith("STR_MATCH") != bool(search_string):
                raise ValueError(
                    f"search_string ({search_string!r}) is required by the *_STR_MATCH protocols, and "
                    "only by them."
                )
            if request_interval_seconds not in (10, 30):
                raise ValueError(f"request_interval_seconds ({request_interval_seconds}) must be 10 or 30.")
            if not 1 <= failure_threshold <= 10:
                raise ValueError(f"failure_threshold ({failure_threshold}) must be 1-10.")
            if not path.startswith("/"):
                raise ValueError(f"path ({path!r}) must start with '/'.")
            if port is not None and not 1 <= port <= 65535:
                raise ValueError(f"port ({port}) must be 1-65535.")
            health_check = route53.HealthCheck(
                self,
                "HealthCheck",
                type=types[protocol],
                fqdn=fqdn,
                port=port or (443 if protocol.startswith("HTTPS") else 80),
                resource_path=path,
                search_string=search_string,
                request_interval=cdk.Duration.seconds(request_interval_seconds),
                failure_threshold=failure_threshold,
            )
            cdk.Tags.of(health_check).add("Name", f"{app_name}-{environment_name}-{component}")
        if evaluation_periods < 1:
            raise ValueError(f"evaluation_periods ({evaluation_periods}) must be at least 1.")
        self.health_check = health_check
        self.health_check_id = health_check.health_check_id
        self.alarm = cloudwatch.Alarm(
            self,
            "Resource",
            alarm_name=alarm_name(app_name, environment_name, component, "availability", severity),
            alarm_description=(
                f"Route 53 health checkers cannot reach {fqdn or 'the endpoint'}{path if fqdn else ''}. "
                "Missing data is breaching: no data means no checker got an answer."
            ),
            metric=self.metric_health_check_status(),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=evaluation_periods,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )
        if notification_topic is not None:
            self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(notification_topic))
            self.alarm.add_ok_action(cloudwatch_actions.SnsAction(notification_topic))

    def metric_health_check_status(self, **kwargs) -> cloudwatch.Metric:
        """``AWS/Route53 HealthCheckStatus`` (Minimum per minute): 1 healthy, 0 unhealthy."""
        return cloudwatch.Metric(
            namespace="AWS/Route53",
            metric_name="HealthCheckStatus",
            dimensions_map={"HealthCheckId": self.health_check_id},
            region="us-east-1",
            **{"statistic": "Minimum", "period": ONE_MINUTE, **kwargs},
        )

    def metric_health_check_percentage_healthy(self, **kwargs) -> cloudwatch.Metric:
        """``AWS/Route53 HealthCheckPercentageHealthy`` (Average per minute)."""
        return cloudwatch.Metric(
            namespace="AWS/Route53",
            metric_name="HealthCheckPercentageHealthy",
            dimensions_map={"HealthCheckId": self.health_check_id},
            region="us-east-1",
            **{"statistic": "Average", "period": ONE_MINUTE, **kwargs},
        )

    def alarms_by_severity(self) -> Mapping[str, Sequence[cloudwatch.IAlarm]]:
        """The availability alarm under its severity (for composites in the same us-east-1 stack)."""
        return {self.severity: [self.alarm]}
