"""Moved to :mod:`constructs_lib.alerting` (topics) and ``constructs_lib._core`` (severities, names).

Re-exports the names of the old module until every caller imports from the new places.
"""

from constructs_lib._core import SEVERITIES, validate_name, validate_severity
from constructs_lib.alerting.topics import (
    NotificationEndpoints,
    SeverityEndpoints,
    SeverityTopics,
    SlackChannel,
)

__all__ = [
    "SEVERITIES",
    "NotificationEndpoints",
    "SeverityEndpoints",
    "SeverityTopics",
    "SlackChannel",
    "validate_name",
    "validate_severity",
]
