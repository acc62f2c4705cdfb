"""Monitoring of a self-healing web service: metrics, thresholds, alarms, composites, SLO, dashboard.

Pieces, each usable alone:

* :class:`WebServiceMetricFactory` (``metrics``) - one documented method per metric, official
  metric names, group-level dimensions only.
* :class:`AlarmThreshold` and :data:`DEFAULT_THRESHOLDS` (``thresholds``) - the default threshold
  table, each entry with its worst-case time to fire and its missing-data choice explained.
* :class:`ServiceAlarms` (``service_alarms``) - metric alarms from the table, the latency anomaly
  alarm and the CPU early warning.
* :class:`CompositeHealthAlarm` and :class:`SeverityCompositeAlarms` (``composites``) - the
  system health, and one paging composite per severity.
* :class:`AvailabilityBurnRateAlarms` (``slo``) - SLO error-budget burn rate (:func:`validate_slo`,
  the rules of its target and windows).
* :class:`EndpointAvailabilityCheck` (``endpoint_check``) - Route 53 health check and its alarm;
  ``outage_tolerance``: how many unhealthy minutes its alarm needs to ride out a short outage.
* :class:`OperationsDashboard` (``dashboard``) and :class:`AuditRules` (``audit``).

Every alarm is named ``{app}-{env}-{component}-{signal}-{severity}`` (:meth:`Naming.alarm_name`), and
every construct that creates alarms exposes them as ``alarms``, a list of :class:`SeverityAlarm`:
composites and the dashboard take any of them.
"""

from constructs_lib._core import AlarmSource, SeverityAlarm
from constructs_lib.monitoring.audit import DEFAULT_RESTRICTED_PORTS, AuditRules
from constructs_lib.monitoring.composites import CompositeHealthAlarm, SeverityCompositeAlarms
from constructs_lib.monitoring.dashboard import (
    DIMENSION_ACTION,
    DIMENSION_OUTCOME,
    HEALING_LOG_FIELDS,
    METRIC_HEALING_ACTION,
    OUTCOME_FAILED,
    HealingActivityMonitoring,
    OperationsDashboard,
    WidgetSource,
)
from constructs_lib.monitoring.endpoint_check import EndpointAvailabilityCheck, EndpointProbe
from constructs_lib.monitoring.metrics import (
    METRIC_CATALOG,
    DatabaseTarget,
    MetricSpec,
    WebServiceMetricFactory,
)
from constructs_lib.monitoring.outage_tolerance import (
    MULTI_AZ_FAILOVER,
    datapoints_to_ride_out,
    longest_breaching_run,
)
from constructs_lib.monitoring.service_alarms import CpuEarlyWarning, LatencyAnomaly, ServiceAlarms
from constructs_lib.monitoring.slo import (
    FAST_BURN,
    SLOW_BURN,
    AvailabilityBurnRateAlarms,
    BurnRateWindow,
    validate_slo,
)
from constructs_lib.monitoring.thresholds import DEFAULT_THRESHOLDS, AlarmThreshold, thresholds_with_overrides

__all__ = [
    "DEFAULT_RESTRICTED_PORTS",
    "DEFAULT_THRESHOLDS",
    "DIMENSION_ACTION",
    "DIMENSION_OUTCOME",
    "FAST_BURN",
    "HEALING_LOG_FIELDS",
    "METRIC_CATALOG",
    "METRIC_HEALING_ACTION",
    "MULTI_AZ_FAILOVER",
    "OUTCOME_FAILED",
    "SLOW_BURN",
    "AlarmSource",
    "AlarmThreshold",
    "AuditRules",
    "AvailabilityBurnRateAlarms",
    "BurnRateWindow",
    "CompositeHealthAlarm",
    "CpuEarlyWarning",
    "DatabaseTarget",
    "EndpointAvailabilityCheck",
    "EndpointProbe",
    "HealingActivityMonitoring",
    "LatencyAnomaly",
    "MetricSpec",
    "OperationsDashboard",
    "ServiceAlarms",
    "SeverityAlarm",
    "SeverityCompositeAlarms",
    "WebServiceMetricFactory",
    "WidgetSource",
    "datapoints_to_ride_out",
    "longest_breaching_run",
    "thresholds_with_overrides",
    "validate_slo",
]
