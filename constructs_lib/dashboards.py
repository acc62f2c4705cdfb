"""Moved to :mod:`constructs_lib.monitoring.dashboard`; re-exports the old names until callers move."""

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

__all__ = [
    "DIMENSION_ACTION",
    "DIMENSION_OUTCOME",
    "HEALING_LOG_FIELDS",
    "METRIC_HEALING_ACTION",
    "OUTCOME_FAILED",
    "HealingActivityMonitoring",
    "OperationsDashboard",
    "WidgetSource",
]
