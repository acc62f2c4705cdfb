"""Moved to :mod:`constructs_lib.monitoring` (and the pause switch to :mod:`constructs_lib.alerting`).

Re-exports the names of the old module until every caller imports from the new packages.
"""

from constructs_lib.alerting.pause_switch import PauseSwitchAlarm
from constructs_lib.monitoring.composites import AlarmSource, CompositeHealthAlarm, SeverityCompositeAlarms
from constructs_lib.monitoring.endpoint_check import EndpointAvailabilityCheck
from constructs_lib.monitoring.metrics import (
    METRIC_CATALOG,
    ONE_MINUTE,
    DatabaseTarget,
    MetricSpec,
    WebServiceMetricFactory,
)
from constructs_lib.monitoring.naming import alarm_name
from constructs_lib.monitoring.service_alarms import CpuEarlyWarning, LatencyAnomaly, ServiceAlarms
from constructs_lib.monitoring.slo import FAST_BURN, SLOW_BURN, AvailabilityBurnRateAlarms, BurnRateWindow
from constructs_lib.monitoring.thresholds import DEFAULT_THRESHOLDS, AlarmThreshold, thresholds_with_overrides

__all__ = [
    "DEFAULT_THRESHOLDS",
    "FAST_BURN",
    "METRIC_CATALOG",
    "ONE_MINUTE",
    "SLOW_BURN",
    "AlarmSource",
    "AlarmThreshold",
    "AvailabilityBurnRateAlarms",
    "BurnRateWindow",
    "CompositeHealthAlarm",
    "CpuEarlyWarning",
    "DatabaseTarget",
    "EndpointAvailabilityCheck",
    "LatencyAnomaly",
    "MetricSpec",
    "PauseSwitchAlarm",
    "ServiceAlarms",
    "SeverityCompositeAlarms",
    "WebServiceMetricFactory",
    "alarm_name",
    "thresholds_with_overrides",
]
