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

#: The built-in demo server's deep path (``AppProbe.deep_health_path`` unless given).
DEFAULT_DEEP_HEALTH_PATH = "/health/deep"
#: How long the demo server's deep path waits for a TCP connection to the database: under the 2
#: seconds Route 53 allows an endpoint to answer once connected (Route 53 Developer Guide, "How
#: Amazon Route 53 determines whether a health check is healthy":
#: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html),
#: so an unreachable database is a clean 503, not a timeout; a reachable one connects in milliseconds.
DEEP_CHECK_CONNECT_TIMEOUT_SECONDS = 1.5


@dataclass(frozen=True)
class AppProbe:
    """The application's port, systemd unit and health-check path.

    :param port: TCP port the application listens on (the target group's port). Default: 8080.
    :param service_unit: systemd unit of the application (``systemctl restart <unit>``). Default: ``webapp``.
    :param health_path: path the load balancer's health check requests; it must answer 200 from the
        application's own process, whatever its dependencies do (a database blip must not make the
        target group fail, and the Auto Scaling group replace, every instance). Default: ``/health``.
    :param deep_health_path: path that answers 200 only when the application's dependencies answer
        too (the built-in demo server: a TCP connection to its database within
        :data:`DEEP_CHECK_CONNECT_TIMEOUT_SECONDS`). Route 53's regional health checks use it, never
        the load balancer; ``None`` when your app has none (the regional checks then use
        ``health_path``). Default: ``/health/deep`` (the demo server's).
    """

    port: int = 8080
    service_unit: str = "webapp"
    health_path: str = "/health"
    deep_health_path: str | None = DEFAULT_DEEP_HEALTH_PATH

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
        deep = self.deep_health_path
        if deep is not None and (not isinstance(deep, str) or not _PATH.fullmatch(deep)):
            raise ValueError(
                f"app probe deep_health_path ({deep!r}) must be an absolute URL path of at most 1024 "
                "characters, e.g. '/health/deep', or None when the app has no deep check."
            )
        if deep is not None and deep == self.health_path:
            raise ValueError(
                f"app probe deep_health_path ({deep!r}) must differ from health_path: the load balancer "
                "uses health_path, and a path that fails with the database would make it replace every "
                "instance on a database blip. Give the deep check its own path, or None."
            )
