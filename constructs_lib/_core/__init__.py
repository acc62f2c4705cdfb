"""Facts every part of the library shares: the severities and the checks on names.

Private to the library: the public names are re-exported by the packages that use them.
"""

from constructs_lib._core.severity import SEVERITIES, Severity, validate_severity
from constructs_lib._core.validation import validate_name

__all__ = ["SEVERITIES", "Severity", "validate_name", "validate_severity"]
