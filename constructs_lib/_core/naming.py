"""Whose a resource is: the app, its environment and the component, as one value.

Every construct that names resources (alarms, topics, groups, runbooks, parameters) takes a
:class:`Naming` instead of three loose strings, so the parts are validated once and spelled the same
way everywhere: ``{app}-{environment}[-{component}]-...``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from constructs_lib._core.severity import validate_severity
from constructs_lib._core.validation import validate_name

# CloudWatch alarm names: 1-255 characters (PutMetricAlarm, AlarmName).
_ALARM_NAME_MAX = 255


@dataclass(frozen=True)
class Naming:
    """The app, its environment and (optionally) the component a construct belongs to.

    >>> Naming(app="webapp", environment="prod").for_component("web").alarm_name("cpu", "high")
    'webapp-prod-web-cpu-high'

    :param app: the application's name, e.g. ``webapp`` (lowercase letters, digits, '-').
    :param environment: the environment's name, e.g. ``prod``.
    :param component: the part of the app, e.g. ``web`` or ``database``. Default: none; constructs
        that need one use their own (documented) default through :meth:`for_component`.
    """

    app: str
    environment: str
    component: str = ""

    def __post_init__(self) -> None:
        validate_name(self.app, prop="naming.app")
        validate_name(self.environment, prop="naming.environment")
        if self.component:
            validate_name(self.component, prop="naming.component")

    @property
    def prefix(self) -> str:
        """``{app}-{environment}``: the start of every resource name of the environment."""
        return f"{self.app}-{self.environment}"

    def for_component(self, component: str) -> Naming:
        """The same app and environment, another component."""
        return replace(self, component=component)

    def name(self, *parts: str) -> str:
        """``{app}-{environment}-{part}-...`` (the component is not included: pass it if wanted)."""
        return "-".join((self.prefix, *parts))

    def alarm_name(self, signal: str, severity: str, *, component: str | None = None) -> str:
        """The one alarm naming strategy: ``{app}-{env}-{component}-{signal}-{severity}``.

        ``component`` defaults to this naming's component, which must then be set.
        """
        component = component if component is not None else self.component
        if not component:
            raise ValueError(
                f"alarm {signal!r} needs a component: use naming.for_component('<component>') "
                f"(naming is {self.prefix!r})."
            )
        validate_severity(severity, prop="severity")
        name = f"{self.prefix}-{component}-{signal}-{severity}"
        if len(name) > _ALARM_NAME_MAX:
            raise ValueError(
                f"alarm name {name!r} is longer than CloudWatch's {_ALARM_NAME_MAX} characters: "
                "shorten the app, environment, component or signal."
            )
        return name
