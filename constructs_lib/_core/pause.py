"""What constructs need of the pause switch: its parameter's name, a way to be allowed to read it, and
the values it holds.

The switch itself is ``constructs_lib.alerting.PauseSwitch`` (it creates the parameter); a switch of
another stack or region is imported with ``PauseSwitch.from_parameter_name``. Both satisfy
:class:`IPauseSwitch`, which is all that healing, runbooks, composites and the nightly stop take.

The values are the healing function's own (its ``contract`` module, which the healing construct
imports too), so the constructs that write or read the switch and the function that obeys it cannot
spell them differently:

- :data:`PAUSE_OFF` (``"false"``): healing and paging act. The only value that does not pause.
- :data:`PAUSE_BY_OPERATOR` (``"true"``): paused by a person (maintenance, a drill); only a person
  clears it.
- :data:`PAUSE_BY_SCHEDULE` (``"scheduled"``): paused by the nightly stop, whose morning job clears
  this value and no other.

Anything else, or no parameter at all, pauses healing too (fail closed).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aws_cdk import aws_iam as iam

from constructs_lib._handlers import handler_folder

try:
    from constructs_lib._handlers.auto_heal import contract
except ModuleNotFoundError:  # as constructs_lib.healing.runtime: name the missing folder and the fix
    handler_folder("auto_heal")
    raise

__all__ = ["PAUSE_BY_OPERATOR", "PAUSE_BY_SCHEDULE", "PAUSE_OFF", "PAUSE_VALUES", "IPauseSwitch"]

PAUSE_OFF: str = contract.PAUSE_OFF
"""The switch is off: healing and paging act."""
PAUSE_BY_OPERATOR: str = contract.PAUSE_BY_OPERATOR
"""Paused by a person: nothing automatic clears it."""
PAUSE_BY_SCHEDULE: str = contract.PAUSE_BY_SCHEDULE
"""Paused by the nightly stop: only its morning job clears it."""
PAUSE_VALUES: tuple[str, ...] = contract.PAUSE_VALUES
"""Every value the switch may hold (anything else pauses as well)."""


@runtime_checkable
class IPauseSwitch(Protocol):
    """An SSM String parameter: :data:`PAUSE_OFF` (``"false"``) lets healing and paging act; any other
    value (``"true"`` set by a person, ``"scheduled"`` set by the nightly stop, anything else) holds
    them back."""

    @property
    def parameter_name(self) -> str:
        """The parameter's name (may be a token)."""
        ...

    @property
    def parameter_arn(self) -> str:
        """The parameter's ARN, for policy statements."""
        ...

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant: ...

    def grant_write(self, grantee: iam.IGrantable) -> iam.Grant: ...
