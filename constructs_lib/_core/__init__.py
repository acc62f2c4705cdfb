"""Facts every part of the library shares: severities, names, the alarm shape, the app probe and the
pause switch's interface.

Private to the library: the public names are re-exported by ``constructs_lib`` and the packages that use them.
"""

from constructs_lib._core.alarms import AlarmSource, SeverityAlarm, by_severity, collect
from constructs_lib._core.app_probe import AppProbe
from constructs_lib._core.naming import Naming
from constructs_lib._core.pause import (
    PAUSE_BY_OPERATOR,
    PAUSE_BY_SCHEDULE,
    PAUSE_OFF,
    PAUSE_VALUES,
    IPauseSwitch,
)
from constructs_lib._core.severity import SEVERITIES, Severity, validate_severity
from constructs_lib._core.validation import validate_name, validate_region

__all__ = [
    "PAUSE_BY_OPERATOR",
    "PAUSE_BY_SCHEDULE",
    "PAUSE_OFF",
    "PAUSE_VALUES",
    "SEVERITIES",
    "AlarmSource",
    "AppProbe",
    "IPauseSwitch",
    "Naming",
    "Severity",
    "SeverityAlarm",
    "by_severity",
    "collect",
    "validate_name",
    "validate_region",
    "validate_severity",
]
