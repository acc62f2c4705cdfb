"""Metrics of a self-healing web service: the metric factory and the catalogue the threshold table uses.

* :class:`WebServiceMetricFactory` - one documented method per metric, official metric names,
  group-level dimensions only (alarms on a group survive the instances that come and go).
* :data:`METRIC_CATALOG` - the metric keys a threshold row may name, with source, unit and delay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

ONE_MINUTE = cdk.Duration.minutes(1)


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
        period = period or self.period
        return cloudwatch.MathExpression(
            expression="desired - inService",
            using_metrics={
                "desired": self.metric_group_desired_capacity(period=period),
                "inService": self.metric_group_in_service_instances(period=period),
            },
            label="Instances short of desired capacity",
            period=period,
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
        period = period or self.period
        return cloudwatch.MathExpression(
            expression="100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / (FILL(requests, 0) + FILL(elb5xx, 0))",
            using_metrics=self._error_metrics(period),
            label="5xx rate (%)",
            period=period,
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
            using_metrics={f"{key}{suffix}": metric for key, metric in self._error_metrics(period).items()},
            label=f"Error ratio over {period.to_human_string()}",
            period=period,
        )

    def _error_metrics(self, period: cdk.Duration) -> dict[str, cloudwatch.IMetric]:
        # The inputs carry the expression's period: CloudWatch evaluates them at the expression's
        # period anyway, and CDK warns (failing ``cdk synth --strict``) when it has to override them.
        return {
            "target5xx": self.metric_http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=period),
            "elb5xx": self.metric_http_code_elb_5xx(period=period),
            "requests": self.metric_request_count(period=period),
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
    def _rds(
        self, name: str, statistic: str, metric: str, period: cdk.Duration | None = None
    ) -> cloudwatch.Metric:
        database: DatabaseTarget = self._need("database", metric)
        return cloudwatch.Metric(
            namespace="AWS/RDS",
            metric_name=name,
            dimensions_map={"DBInstanceIdentifier": database.instance_identifier},
            statistic=statistic,
            period=period or self.period,
        )

    def metric_db_cpu_utilization(self, statistic: str = "Average") -> cloudwatch.Metric:
        """``AWS/RDS CPUUtilization`` of the database instance, percent."""
        return self._rds("CPUUtilization", statistic, "db-cpu")

    def metric_db_free_storage_percent(self, period: cdk.Duration | None = None) -> cloudwatch.MathExpression:
        """``FreeStorageSpace`` as a percent of the allocated storage."""
        database: DatabaseTarget = self._need("database", "db-free-storage")
        period = period or self.period
        return cloudwatch.MathExpression(
            expression=f"100 * free / {database.allocated_storage_gib * 1024**3:.0f}",
            using_metrics={"free": self._rds("FreeStorageSpace", "Minimum", "db-free-storage", period)},
            label="Free storage (%)",
            period=period,
        )

    def metric_db_freeable_memory_percent(
        self, period: cdk.Duration | None = None
    ) -> cloudwatch.MathExpression:
        """``FreeableMemory`` as a percent of the instance class memory."""
        database: DatabaseTarget = self._need("database", "db-freeable-memory")
        period = period or self.period
        return cloudwatch.MathExpression(
            expression=f"100 * freeable / {database.memory_gib * 1024**3:.0f}",
            using_metrics={"freeable": self._rds("FreeableMemory", "Minimum", "db-freeable-memory", period)},
            label="Freeable memory (%)",
            period=period,
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
    # Built at the row's period, inputs included (see WebServiceMetricFactory._error_metrics).
    return lambda f, _statistic, period: getattr(f, method)(period=period)


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
