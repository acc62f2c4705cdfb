"""DrStrategy: how much of the service stands ready in the DR region."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DrStrategy"]


class DrStrategy(StrEnum):
    """How much of the service stands ready in the DR region. Each includes the one before.

    ==================  ==================================================================
    ``backup_restore``  Backup copies and replicated automated backups in the DR region; its
                        network exists, compute is at zero. Recovery = restore + deploy.
    ``pilot_light``     Plus a cross-region read replica (encrypted with the DR region's key)
                        and the web service deployed at zero instances.
    ``warm_standby``    Plus the web service running at minimum capacity (>= 1) behind its own
                        load balancer, ready to scale out.
    ==================  ==================================================================
    """

    BACKUP_RESTORE = "backup_restore"
    PILOT_LIGHT = "pilot_light"
    WARM_STANDBY = "warm_standby"

    @classmethod
    def parse(cls, value: DrStrategy | str) -> DrStrategy:
        """The strategy named ``value``; a ``ValueError`` lists the valid names otherwise."""
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(repr(s.value) for s in cls)
            raise ValueError(f"DR strategy {value!r} is not one of {allowed}.") from None

    @property
    def copies_backups(self) -> bool:
        """AWS Backup copies recovery points to the DR region (every strategy)."""
        return True

    @property
    def replicates_automated_backups(self) -> bool:
        """RDS automated backups (and logs, for PITR) are replicated to the DR region (every strategy)."""
        return True

    @property
    def has_standby_database(self) -> bool:
        """A cross-region read replica runs in the DR region."""
        return self is not DrStrategy.BACKUP_RESTORE

    @property
    def has_standby_web_service(self) -> bool:
        """The web service (load balancer, group) is deployed in the DR region."""
        return self is not DrStrategy.BACKUP_RESTORE

    @property
    def fails_over_by_promotion(self) -> bool:
        """Region recovery promotes the standby replica (the failover runbook); else it restores."""
        return self.has_standby_database

    def standby_capacity(self, *, minimum: int = 1) -> int:
        """Instances the DR region's web service runs while it is standby.

        0 for ``backup_restore`` and ``pilot_light``; ``max(1, minimum)`` for ``warm_standby``.
        """
        if minimum < 0:
            raise ValueError(f"minimum ({minimum}) must be >= 0.")
        return max(1, minimum) if self is DrStrategy.WARM_STANDBY else 0
