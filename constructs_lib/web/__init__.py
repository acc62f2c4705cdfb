"""The web tier: an Auto Scaling group behind a load balancer that replaces what breaks.

- :mod:`~constructs_lib.web.service`: :class:`AutoHealingWebService`.
- :mod:`~constructs_lib.web.health`: :class:`TargetHealthCheck`, the load balancer's health check.
- :mod:`~constructs_lib.web.schedule`: :class:`NightlyStop`, scale to zero at night.
- :mod:`~constructs_lib.web.user_data`: the instances' boot script.
"""

from constructs_lib.web.health import TargetHealthCheck
from constructs_lib.web.schedule import NightlyStop
from constructs_lib.web.service import AutoHealingWebService

__all__ = ["AutoHealingWebService", "NightlyStop", "TargetHealthCheck"]
