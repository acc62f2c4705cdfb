"""What constructs need of the pause switch: its parameter's name and a way to be allowed to read it.

The switch itself is ``constructs_lib.alerting.PauseSwitch`` (it creates the parameter); a switch of
another stack or region is imported with ``PauseSwitch.from_parameter_name``. Both satisfy
:class:`IPauseSwitch`, which is all that healing, runbooks, composites and the nightly stop take.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from aws_cdk import aws_iam as iam


@runtime_checkable
class IPauseSwitch(Protocol):
    """An SSM String parameter reading ``"true"`` while healing and paging must hold back."""

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
