"""TargetHealthCheck: how the load balancer of a web service decides an instance is dead."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TargetHealthCheck:
    """How often the load balancer checks an instance and how many answers decide.

    What it requests (port and path) is the service's :class:`~constructs_lib._core.AppProbe`.
    Default: every 10 s, unhealthy after 2 failures, so a dead instance leaves the rotation within
    20 s (the seed's 30 s x 3 took 90 s).
    """

    interval_seconds: int = 10
    timeout_seconds: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 2

    def validate(self) -> None:
        if not 5 <= self.interval_seconds <= 300:
            raise ValueError(f"health_check.interval_seconds ({self.interval_seconds}) must be 5-300.")
        if not 2 <= self.timeout_seconds < self.interval_seconds:
            raise ValueError(
                f"health_check.timeout_seconds ({self.timeout_seconds}) must be >= 2 and less than "
                f"interval_seconds ({self.interval_seconds})."
            )
        for name in ("healthy_threshold", "unhealthy_threshold"):
            value = getattr(self, name)
            if not 2 <= value <= 10:
                raise ValueError(f"health_check.{name} ({value}) must be 2-10.")
