"""PauseSwitch: the environment's pause switch, an SSM String parameter that says who paused.

It reads ``"false"`` (healing and paging act), ``"true"`` (paused by a person: maintenance, a drill,
a DR runbook; only a person clears it) or ``"scheduled"`` (paused by the nightly stop, whose morning
job clears that value and no other, so a person's pause survives the morning). Healing, alarm actions
(through :class:`~constructs_lib.alerting.PauseSwitchAlarm`) and DR automation hold back while it
reads anything but ``"false"``; a value outside these three pauses too (fail closed). The values are
:data:`~constructs_lib._core.pause.PAUSE_OFF`, ``PAUSE_BY_OPERATOR`` and ``PAUSE_BY_SCHEDULE``.
Constructs take an :class:`~constructs_lib._core.IPauseSwitch`: a ``PauseSwitch`` of the same stack, or
one of another stack or region imported with :meth:`PauseSwitch.from_parameter_name`.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib._core import PAUSE_BY_OPERATOR, PAUSE_BY_SCHEDULE, PAUSE_OFF, IPauseSwitch, Naming
from constructs_lib.alerting.pause_alarm import PauseSwitchAlarm

_DESCRIPTION = (
    f"{PAUSE_OFF}: healing and paging act. {PAUSE_BY_OPERATOR}: paused by a person (maintenance, a "
    f"drill); only a person clears it. {PAUSE_BY_SCHEDULE}: paused by the nightly stop, whose morning "
    "job clears it. Any other value pauses too."
)


def default_parameter_name(naming: Naming) -> str:
    """``/{app}/{environment}/pause``: the name every construct assumes unless told otherwise."""
    return f"/{naming.app}/{naming.environment}/pause"


def _check_parameter_name(parameter_name: str) -> None:
    # Tokens (e.g. another parameter's ``parameter_name``) are accepted as they are: their value is
    # only known at deploy time. Literal names must be full paths, as SSM hierarchies are.
    if not cdk.Token.is_unresolved(parameter_name) and not parameter_name.startswith("/"):
        raise ValueError(
            f"parameter_name ({parameter_name!r}) must be a full parameter path such as '/webapp/prod/pause'."
        )


class PauseSwitch(Construct):
    """The pause switch: creates the parameter (value ``"false"``) and, by default, its alarm.

    Example (one statement, defaults)::

        switch = PauseSwitch(self, "Pause", naming=Naming(app="shop", environment="prod"))
        AutoHealing(self, "Healing", ..., pause_switch=switch)
        SeverityCompositeAlarms(self, "Incidents", ..., actions_suppressor=switch.alarm.alarm)

    :param naming: the app and environment the switch belongs to.
    :param parameter_name: the parameter's name. Default: ``/{app}/{environment}/pause``.
    :param with_alarm: also create :class:`PauseSwitchAlarm` here (the metric publisher and the alarm
        composites use as their actions suppressor). Default: true. Apps that keep alarms in another
        stack pass false and create ``PauseSwitchAlarm`` there with this switch.
    :param alarm_log_retention: retention of the alarm publisher's execution log. Default: one month.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        parameter_name: str | None = None,
        with_alarm: bool = True,
        alarm_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, id)
        name = parameter_name if parameter_name is not None else default_parameter_name(naming)
        _check_parameter_name(name)
        self.naming = naming
        # "Default": the parameter's logical id is the switch's own (Stack/<id>), as if created directly.
        self.parameter = ssm.StringParameter(
            self,
            "Default",
            parameter_name=name,
            string_value=PAUSE_OFF,
            description=_DESCRIPTION,
            # A token name is a full path too (checked where it is literal): "/" separates the ARN.
            simple_name=False if cdk.Token.is_unresolved(name) else None,
        )
        self.alarm: PauseSwitchAlarm | None = None
        if with_alarm:
            self.alarm = PauseSwitchAlarm(
                self, "Alarm", naming=naming, pause_switch=self, log_retention=alarm_log_retention
            )

    @property
    def parameter_name(self) -> str:
        """The parameter's name (as given; a token resolves at deploy time)."""
        return self.parameter.parameter_name

    @property
    def parameter_arn(self) -> str:
        return self.parameter.parameter_arn

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to read the switch (``ssm:GetParameter*``, ``DescribeParameters``)."""
        return self.parameter.grant_read(grantee)

    def grant_write(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``grantee`` to set the switch (``ssm:PutParameter``)."""
        return self.parameter.grant_write(grantee)

    @staticmethod
    def from_parameter_name(scope: Construct, id: str, parameter_name: str) -> IPauseSwitch:
        """A switch created elsewhere (another stack or region of the same account), by name."""
        _check_parameter_name(parameter_name)
        return _ImportedPauseSwitch(scope, id, parameter_name)


class _ImportedPauseSwitch(Construct):
    """An existing switch, by name: grants only, nothing created."""

    def __init__(self, scope: Construct, id: str, parameter_name: str) -> None:
        super().__init__(scope, id)
        self._parameter = ssm.StringParameter.from_string_parameter_attributes(
            self,
            "Parameter",
            parameter_name=parameter_name,
            simple_name=False if cdk.Token.is_unresolved(parameter_name) else None,
        )
        self._name = parameter_name

    @property
    def parameter_name(self) -> str:
        return self._name

    @property
    def parameter_arn(self) -> str:
        return self._parameter.parameter_arn

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        return self._parameter.grant_read(grantee)

    def grant_write(self, grantee: iam.IGrantable) -> iam.Grant:
        return self._parameter.grant_write(grantee)
