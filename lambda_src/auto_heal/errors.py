"""The function's own exceptions. ``aws.py`` turns every botocore error into one of these."""

from __future__ import annotations


class AwsError(Exception):
    """An AWS call failed. ``retryable`` says whether trying again later may succeed."""

    retryable = False

    def __init__(
        self, message: str, *, operation: str = "", code: str = "", response: dict | None = None
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.code = code
        self.response = response or {}


class TransientAwsError(AwsError):
    """Throttling, a 5xx, a timeout or a resource in transition: Lambda should retry the event."""

    retryable = True


class PermanentAwsError(AwsError):
    """Access denied, validation, unknown resource...: retrying the same call will not help."""


class NotOwnedError(PermanentAwsError):
    """The resource does not carry this environment's tag (checked before every mutating call)."""


class RetryableHealingError(Exception):
    """Raised by the handler so Lambda retries the invocation (then sends it to the DLQ).

    Only for transient faults; permanent ones are recorded and notified, then the event is done.
    """
