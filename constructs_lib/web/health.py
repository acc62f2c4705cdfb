"""TargetHealthCheck: how the load balancer of a web service decides an instance is dead."""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds between two checks of one target (ELBv2 ``HealthCheckIntervalSeconds``).
INTERVAL_SECONDS_RANGE = (5, 300)
#: Seconds a check may wait for its answer (ELBv2 ``HealthCheckTimeoutSeconds``); also below the interval.
TIMEOUT_SECONDS_RANGE = (2, 120)


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
        """Raise ``ValueError`` naming the first value the load balancer would refuse, and its range.

        Elastic Load Balancing's ranges (API reference, ``CreateTargetGroup``): interval 5-300 s,
        timeout 2-120 s and shorter than the interval, each threshold 2-10.
        """
        low, high = INTERVAL_SECONDS_RANGE
        if not low <= self.interval_seconds <= high:
            raise ValueError(f"health_check.interval_seconds ({self.interval_seconds}) must be {low}-{high}.")
        low, high = TIMEOUT_SECONDS_RANGE
        if not low <= self.timeout_seconds <= high or self.timeout_seconds >= self.interval_seconds:
            raise ValueError(
                f"health_check.timeout_seconds ({self.timeout_seconds}) must be {low}-{high} and less than "
                f"interval_seconds ({self.interval_seconds})."
            )
        for name in ("healthy_threshold", "unhealthy_threshold"):
            value = getattr(self, name)
            if not 2 <= value <= 10:
                raise ValueError(f"health_check.{name} ({value}) must be 2-10.")
