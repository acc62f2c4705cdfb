"""The web tier: an Auto Scaling group behind a load balancer that replaces what breaks.

- :mod:`~constructs_lib.web.service`: :class:`AutoHealingWebService`; :func:`validate_capacity` and
  :func:`validate_certificate_arn`, its sizes and its certificate.
- :mod:`~constructs_lib.web.health`: :class:`TargetHealthCheck`, the load balancer's health check
  (validated against Elastic Load Balancing's ranges).
- :mod:`~constructs_lib.web.schedule`: :class:`NightlyStop`, scale to zero at night.
- :mod:`~constructs_lib.web.nightly_pause`: :class:`NightlyPause`, the pause around it (sets
  ``"scheduled"``, clears only that).
- :mod:`~constructs_lib.web.quiet_hours`: :class:`NightlyAlarmMute`, the same window for alarms no
  pause switch can silence (another region's, such as Route 53's in us-east-1).
- :mod:`~constructs_lib.web.zonal`: :class:`ZonalAutoshift`, losing a zone.
- :mod:`~constructs_lib.web.lifecycle`: the warm pool's launch lifecycle hook.
- :mod:`~constructs_lib.web.user_data`: the instances' boot script.
"""

from constructs_lib.web.health import TargetHealthCheck
from constructs_lib.web.nightly_pause import NightlyPause
from constructs_lib.web.quiet_hours import NightlyAlarmMute
from constructs_lib.web.schedule import NightlyStop, pause_window
from constructs_lib.web.service import AutoHealingWebService, validate_capacity, validate_certificate_arn
from constructs_lib.web.zonal import ZonalAutoshift, capacity_after_zone_loss, check_zone_loss_capacity

__all__ = [
    "AutoHealingWebService",
    "NightlyAlarmMute",
    "NightlyPause",
    "NightlyStop",
    "TargetHealthCheck",
    "ZonalAutoshift",
    "capacity_after_zone_loss",
    "check_zone_loss_capacity",
    "pause_window",
    "validate_capacity",
    "validate_certificate_arn",
]
