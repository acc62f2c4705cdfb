"""OperationsDashboard: one dashboard per region and environment, assembled from widget sources.

Every monitoring class of the library gives ``widgets()`` (ServiceAlarms, AvailabilityBurnRateAlarms,
EscalationPolicy, SeverityTopics, :class:`HealingActivityMonitoring`), so the dashboard is assembled
rather than typed. Saved Logs Insights queries from the ops guide come with it.

The healing metrics contract, as ``lambda_src/auto_heal`` emits it: Embedded Metric Format in
``healing_namespace``, metric :data:`METRIC_HEALING_ACTION` (Count, one per action attempt) with the
dimensions :data:`DIMENSION_ACTION` (``reboot``, ``replace-instance``...) and :data:`DIMENSION_OUTCOME`
(``succeeded``, ``failed``, ``retrying``, ``dry-run``). Extra dimensions (Powertools adds ``service``)
are fine: the dashboard searches by metric name. Structured log lines of an action carry the keys in
:data:`HEALING_LOG_FIELDS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_lib._core import AlarmSource, Naming, SeverityAlarm
from constructs_lib.monitoring.naming import with_component
from constructs_lib.monitoring.sources import severity_alarms

METRIC_HEALING_ACTION = "HealingAction"
"""EMF metric: one per healing action attempt."""
DIMENSION_ACTION = "Action"
"""EMF dimension naming the healing action."""
DIMENSION_OUTCOME = "Outcome"
"""EMF dimension with the attempt's outcome."""
OUTCOME_FAILED = "failed"
"""Outcome value of a failed action."""
HEALING_LOG_FIELDS = ("action", "outcome", "detail", "incident_id")
"""Keys of the structured log line of a healing action (Powertools ``extra=``)."""

_FIVE_MINUTES = cdk.Duration.minutes(5)
_THREE_HOURS = cdk.Duration.hours(3)


@runtime_checkable
class WidgetSource(Protocol):
    """Anything that contributes dashboard widgets."""

    def widgets(self) -> list[cloudwatch.IWidget]: ...


class HealingActivityMonitoring:
    """Widgets for the healing function's actions: EMF counts by action and its recent log lines.

    Not a construct (it creates no resource).

    :param namespace: EMF namespace of the healing metrics.
    :param log_group: the healing function's log group. Default: no log widget.
    :param period: period of the action counts. Default: 5 minutes.
    """

    def __init__(
        self, *, namespace: str, log_group: logs.ILogGroup | None = None, period: cdk.Duration = _FIVE_MINUTES
    ) -> None:
        if not namespace or '"' in namespace or "'" in namespace:
            raise ValueError(
                f"namespace ({namespace!r}) must be a non-empty CloudWatch namespace without quotes."
            )
        self.namespace = namespace
        self.log_group = log_group
        self.period = period

    def metric_actions(self, outcome: str | None = None) -> cloudwatch.SearchExpression:
        """Healing action attempts, one line per action and outcome (a search expression).

        ``outcome`` keeps only that outcome, e.g. :data:`OUTCOME_FAILED`. Default: every outcome.
        """
        seconds = int(self.period.to_seconds())
        terms = f'Namespace="{self.namespace}" MetricName="{METRIC_HEALING_ACTION}"'
        if outcome is not None:
            terms += f' {DIMENSION_OUTCOME}="{outcome}"'
        return cloudwatch.SearchExpression(
            expression=f"SEARCH('{terms}', 'Sum', {seconds})", label="", period=self.period
        )

    def metric_action(self, action: str, outcome: str, **kwargs) -> cloudwatch.Metric:
        """Attempts of one action with one outcome, for metrics with exactly these two dimensions."""
        return cloudwatch.Metric(
            namespace=self.namespace,
            metric_name=METRIC_HEALING_ACTION,
            dimensions_map={DIMENSION_ACTION: action, DIMENSION_OUTCOME: outcome},
            **{"statistic": "Sum", "period": self.period, **kwargs},
        )

    def widgets(self) -> list[cloudwatch.IWidget]:
        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="Healing actions (by action and outcome)",
                left=[self.metric_actions()],
                width=12,
                view=cloudwatch.GraphWidgetView.BAR,
                stacked=True,
            ),
            cloudwatch.GraphWidget(
                title="Healing actions failed (by action)",
                left=[self.metric_actions(OUTCOME_FAILED)],
                width=12,
                view=cloudwatch.GraphWidgetView.BAR,
                stacked=True,
            ),
        ]
        if self.log_group is not None:
            widgets.append(
                cloudwatch.LogQueryWidget(
                    title="Recent healing activity",
                    log_group_names=[self.log_group.log_group_name],
                    query_lines=[
                        f"fields @timestamp, level, message, {', '.join(HEALING_LOG_FIELDS)}",
                        f"filter ispresent({HEALING_LOG_FIELDS[0]})",
                        "sort @timestamp desc",
                        "limit 50",
                    ],
                    width=24,
                    height=8,
                )
            )
        return widgets


class OperationsDashboard(Construct):
    """The operations dashboard of one environment in one region, plus saved Logs Insights queries.

    Dashboard ``{app}-{env}-{region}-operations`` (dashboard names are account-global, so the region
    is part of it). Layout: title, alarm status, healing activity, then each source's widgets in the
    order given.

    :param naming: app and environment of the dashboard and query names (the component is not used).
    :param sources: widget sources, e.g. ServiceAlarms, AvailabilityBurnRateAlarms, EscalationPolicy.
    :param alarms: alarms listed in the alarm status widget, in order: constructs exposing ``alarms``
        (SeverityCompositeAlarms, ServiceAlarms...), :class:`SeverityAlarm` values or lists of them.
        Default: no alarm status widget.
    :param healing_namespace: EMF namespace of the healing metrics. Default: no healing widgets.
    :param healing_log_group: the healing function's log group. Default: no healing log widget,
        and the saved queries cover only ``application_log_groups``.
    :param application_log_groups: application log groups (CloudWatch agent) for the saved queries.
        Default: none.
    :param latency_field: field holding request latency in the application logs, in milliseconds.
        Default: ``latency_ms``.
    :param default_interval: time range shown when the dashboard opens. Default: 3 hours.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        sources: Sequence[WidgetSource] = (),
        alarms: Sequence[AlarmSource | SeverityAlarm | Sequence[SeverityAlarm]] = (),
        healing_namespace: str | None = None,
        healing_log_group: logs.ILogGroup | None = None,
        application_log_groups: Sequence[logs.ILogGroup] = (),
        latency_field: str = "latency_ms",
        default_interval: cdk.Duration = _THREE_HOURS,
    ) -> None:
        super().__init__(scope, id)
        naming = with_component(naming, "operations")
        status_alarms = [item.alarm for item in severity_alarms(alarms, prop="alarms")]
        for index, source in enumerate(sources):
            if not isinstance(source, WidgetSource):
                raise ValueError(
                    f"sources[{index}] ({type(source).__name__}) has no widgets() method: pass "
                    "ServiceAlarms, AvailabilityBurnRateAlarms, EscalationPolicy or another widget source."
                )
        if healing_log_group is not None and healing_namespace is None:
            raise ValueError(
                "healing_log_group needs healing_namespace (the healing function's EMF namespace)."
            )
        if not latency_field.replace("_", "").isalnum():
            raise ValueError(
                f"latency_field ({latency_field!r}) must be a plain field name such as 'latency_ms'."
            )

        region = cdk.Stack.of(self).region
        prefix = naming.prefix
        self.healing = (
            HealingActivityMonitoring(namespace=healing_namespace, log_group=healing_log_group)
            if healing_namespace is not None
            else None
        )
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Resource",
            dashboard_name=f"{prefix}-{region}-operations",
            default_interval=default_interval,
        )
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=f"# {naming.app} {naming.environment} operations ({region})\n"
                "Alarms are named `{app}-{env}-{component}-{signal}-{severity}`; "
                "the `incident-*` composites page.",
                width=24,
                height=2,
            )
        )
        if status_alarms:
            self.dashboard.add_widgets(
                cloudwatch.AlarmStatusWidget(
                    title="Alarm status",
                    alarms=status_alarms,
                    sort_by=cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
                    width=24,
                    height=max(3, min(12, 2 + len(status_alarms) // 4)),
                )
            )
        all_sources: list[WidgetSource] = ([self.healing] if self.healing else []) + list(sources)
        for source in all_sources:
            self.dashboard.add_widgets(*source.widgets())

        error_groups = list(application_log_groups) + ([healing_log_group] if healing_log_group else [])
        self.queries: dict[str, logs.QueryDefinition] = {}
        if error_groups:
            self.queries["errors-per-5-minutes"] = logs.QueryDefinition(
                self,
                "ErrorsPer5Minutes",
                query_definition_name=f"{prefix}/errors-per-5-minutes",
                log_groups=error_groups,
                query_string=logs.QueryString(
                    fields=["@timestamp", "@message"],
                    filter_statements=['level = "ERROR" or @message like /(?i)(error|exception|traceback)/'],
                    stats_statements=["count(*) as errors by bin(5m)"],
                ),
            )
        if application_log_groups:
            self.queries["latency-stats"] = logs.QueryDefinition(
                self,
                "LatencyStats",
                query_definition_name=f"{prefix}/latency-stats",
                log_groups=list(application_log_groups),
                query_string=logs.QueryString(
                    filter_statements=[f"ispresent({latency_field})"],
                    stats_statements=[
                        f"avg({latency_field}) as avg_ms, pct({latency_field}, 50) as p50_ms, "
                        f"pct({latency_field}, 95) as p95_ms, pct({latency_field}, 99) as p99_ms, "
                        f"max({latency_field}) as max_ms by bin(5m)"
                    ],
                ),
            )
        if healing_log_group is not None:
            self.queries["healing-duration-stats"] = logs.QueryDefinition(
                self,
                "HealingDurationStats",
                query_definition_name=f"{prefix}/healing-duration-stats",
                log_groups=[healing_log_group],
                query_string=logs.QueryString(
                    filter_statements=['@type = "REPORT"'],
                    stats_statements=[
                        "avg(@duration) as avg_ms, pct(@duration, 95) as p95_ms, max(@duration) as max_ms, "
                        "count(*) as invocations by bin(5m)"
                    ],
                ),
            )

    @property
    def dashboard_name(self) -> str:
        return self.dashboard.dashboard_name
