"""Old path of the runbook validator, kept while imports move to :mod:`constructs_lib.runbooks.validation`."""

from constructs_lib.runbooks.validation import (
    KNOWN_ACTIONS,
    granted_iam_actions,
    missing_iam_actions,
    required_iam_actions,
    validate_automation_document,
)

__all__ = [
    "KNOWN_ACTIONS",
    "granted_iam_actions",
    "missing_iam_actions",
    "required_iam_actions",
    "validate_automation_document",
]
