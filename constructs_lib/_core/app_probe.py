"""How to reach the application on an instance: its port, its systemd unit and its health path.

The web service owns one :class:`AppProbe` (``AutoHealingWebService.app_probe``); the healing
function, the recovery runbook and the alarms read it from there, so the three can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A systemd unit name without its ".service" suffix: letters, digits and ":_.@-" (systemd.unit(5)),
# never starting with "-" so that it can never be read as an option by systemctl or a shell.
_UNIT = re.compile(r"^[A-Za-z0-9_.@:][A-Za-z0-9_.@:-]{0,99}$")
# An absolute URL path for the target group's health check: ALB health-check paths are at most
# 1024 characters (ELBv2 CreateTargetGroup, HealthCheckPath) and must start with "/".
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$")


@dataclass(frozen=True)
class AppProbe:
    """The application's port, systemd unit and health-check path.

    :param port: TCP port the application listens on (the target group's port). Default: 8080.
    :param service_unit: systemd unit of the application (``systemctl restart <unit>``). Default: ``webapp``.
    :param health_path: path the load balancer's health check requests; it must answer 200 from the
        application's own process. Default: ``/health``.
    """

    port: int = 8080
    service_unit: str = "webapp"
    health_path: str = "/health"

    def __post_init__(self) -> None:
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            raise ValueError(f"app probe port ({self.port!r}) must be a TCP port number, 1-65535.")
        if not isinstance(self.service_unit, str) or not _UNIT.fullmatch(self.service_unit):
            raise ValueError(
                f"app probe service_unit ({self.service_unit!r}) must be a plain systemd unit name "
                "(letters, digits, ':_.@-', not starting with '-'), e.g. 'webapp'."
            )
        if not isinstance(self.health_path, str) or not _PATH.fullmatch(self.health_path):
            raise ValueError(
                f"app probe health_path ({self.health_path!r}) must be an absolute URL path of at most "
                "1024 characters, e.g. '/health'."
            )
