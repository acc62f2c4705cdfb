"""EndpointAvailabilityCheck: Route 53 health check on the public endpoint and its alarm (us-east-1).

Fires when no traffic arrives at all, which silences a 5xx rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import Naming, Severity, SeverityAlarm, validate_severity
from constructs_lib.monitoring.metrics import ONE_MINUTE
from constructs_lib.monitoring.naming import with_component
from constructs_lib.monitoring.outage_tolerance import datapoints_to_ride_out

_FQDN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}\.?$")
_TYPES = {
    "HTTPS": route53.HealthCheckType.HTTPS,
    "HTTP": route53.HealthCheckType.HTTP,
    "HTTPS_STR_MATCH": route53.HealthCheckType.HTTPS_STR_MATCH,
    "HTTP_STR_MATCH": route53.HealthCheckType.HTTP_STR_MATCH,
}


@dataclass(frozen=True, kw_only=True)
class EndpointProbe:
    """What the Route 53 health checkers request, and how often.

    :param fqdn: host name checked, e.g. ``www.example.com`` or the ALB DNS name (a token is fine;
        with HTTPS the certificate must match it).
    :param protocol: ``HTTPS``, ``HTTP``, ``HTTPS_STR_MATCH`` or ``HTTP_STR_MATCH``. Default: HTTPS.
    :param port: Default: 443 for HTTPS, 80 for HTTP.
    :param path: Default: ``/health``.
    :param search_string: required by the ``*_STR_MATCH`` protocols. Default: none.
    :param request_interval_seconds: 10 (fast, extra cost) or 30. Default: 10.
    :param failure_threshold: failed checks before unhealthy. Default: 3, with 10 s: ~30 s.
    """

    fqdn: str
    protocol: str = "HTTPS"
    port: int | None = None
    path: str = "/health"
    search_string: str | None = None
    request_interval_seconds: int = 10
    failure_threshold: int = 3

    def validate(self) -> None:
        """Raise ValueError naming the bad field and the fix."""
        # A load balancer's DNS name is a token: only literal names can be checked here.
        literal = self.fqdn is not None and not cdk.Token.is_unresolved(self.fqdn)
        if not self.fqdn or (literal and not _FQDN.match(self.fqdn)):
            raise ValueError(
                f"fqdn ({self.fqdn!r}) must be a fully qualified host name such as 'www.example.com'."
            )
        if self.protocol not in _TYPES:
            raise ValueError(f"protocol ({self.protocol!r}) must be one of {', '.join(_TYPES)}.")
        if self.protocol.endswith("STR_MATCH") != bool(self.search_string):
            raise ValueError(
                f"search_string ({self.search_string!r}) is required by the *_STR_MATCH protocols, and "
                "only by them."
            )
        if self.request_interval_seconds not in (10, 30):
            raise ValueError(f"request_interval_seconds ({self.request_interval_seconds}) must be 10 or 30.")
        if not 1 <= self.failure_threshold <= 10:
            raise ValueError(f"failure_threshold ({self.failure_threshold}) must be 1-10.")
        if not self.path.startswith("/"):
            raise ValueError(f"path ({self.path!r}) must start with '/'.")
        if self.port is not None and not 1 <= self.port <= 65535:
            raise ValueError(f"port ({self.port}) must be 1-65535.")


class EndpointAvailabilityCheck(Construct):
    """A Route 53 health check on the public endpoint and an alarm on it, for a us-east-1 stack.

    The signal that still fires when no request arrives at all (a total outage silences 5xx rates).
    Route 53 publishes ``HealthCheckStatus`` only in us-east-1, so the construct refuses another
    concrete region; the alarm treats missing data as breaching.

    :param naming: app and environment of the alarm name. Default component: ``endpoint``.
    :param probe: the health check to create (:class:`EndpointProbe`). With ``existing_health_check``
        it only names the endpoint in the alarm description. Give this, ``existing_health_check`` or both.
    :param existing_health_check: reuse an existing health check (e.g. the DR failover one) instead of
        creating one. Default: a new health check from ``probe``.
    :param evaluation_periods: minutes unhealthy before the alarm fires. Default: 1; fires within
        ~2 min of the endpoint going down (30 s checks + 1-minute metric).
    :param ride_out: an outage this long never fires the alarm (a deep check riding out a Multi-AZ
        failover: :data:`~constructs_lib.monitoring.outage_tolerance.MULTI_AZ_FAILOVER`): the alarm
        then needs :func:`~constructs_lib.monitoring.outage_tolerance.datapoints_to_ride_out`
        consecutive unhealthy minutes (at least ``evaluation_periods``), computed from ``probe``'s
        interval and threshold, which must be the check's. Default: none.
    :param severity: severity in the alarm name. Default: ``critical`` (the service is unreachable).
    :param notification_topic: topic (in us-east-1) for ALARM and OK. Default: no actions (feed
        :attr:`alarms` to a composite in the same stack).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        probe: EndpointProbe | None = None,
        existing_health_check: route53.IHealthCheck | None = None,
        evaluation_periods: int = 1,
        ride_out: cdk.Duration | None = None,
        severity: Severity | str = Severity.CRITICAL,
        notification_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, id)
        naming = with_component(naming, "endpoint")
        self.severity = validate_severity(severity, prop="severity")
        region = cdk.Stack.of(self).region
        if not cdk.Token.is_unresolved(region) and region != "us-east-1":
            raise ValueError(
                f"EndpointAvailabilityCheck is in {region}, but Route 53 health check metrics exist only in "
                "us-east-1: place it in a us-east-1 stack."
            )
        if probe is None and existing_health_check is None:
            raise ValueError(
                "give probe=EndpointProbe(fqdn=...) to create a health check, or existing_health_check."
            )
        if probe is not None:
            probe.validate()
        health_check = existing_health_check
        if health_check is None:
            assert probe is not None
            health_check = route53.HealthCheck(
                self,
                "HealthCheck",
                type=_TYPES[probe.protocol],
                fqdn=probe.fqdn,
                port=probe.port or (443 if probe.protocol.startswith("HTTPS") else 80),
                resource_path=probe.path,
                search_string=probe.search_string,
                request_interval=cdk.Duration.seconds(probe.request_interval_seconds),
                failure_threshold=probe.failure_threshold,
            )
            cdk.Tags.of(health_check).add("Name", f"{naming.prefix}-{naming.component}")
        if evaluation_periods < 1:
            raise ValueError(f"evaluation_periods ({evaluation_periods}) must be at least 1.")
        #: The outage (seconds) the alarm rides out by design (0: none).
        self.ride_out_seconds = 0.0
        if ride_out is not None:
            if probe is None:
                raise ValueError(
                    "ride_out needs probe (the check's request_interval_seconds and failure_threshold): "
                    "with existing_health_check, describe that check in probe."
                )
            self.ride_out_seconds = ride_out.to_seconds()
            evaluation_periods = max(
                evaluation_periods,
                datapoints_to_ride_out(
                    self.ride_out_seconds,
                    request_interval_seconds=probe.request_interval_seconds,
                    failure_threshold=probe.failure_threshold,
                    period_seconds=int(ONE_MINUTE.to_seconds()),
                ),
            )
        self.probe = probe
        self.health_check = health_check
        self.health_check_id = health_check.health_check_id
        target = f"{probe.fqdn}{probe.path}" if probe is not None else "the endpoint"
        self.alarm = cloudwatch.Alarm(
            self,
            "Resource",
            alarm_name=naming.alarm_name("availability", self.severity),
            alarm_description=(
                f"Route 53 health checkers cannot reach {target}. "
                "Missing data is breaching: no data means no checker got an answer."
                + (
                    f" Fires after {evaluation_periods} unhealthy minutes in a row, so that a "
                    f"{self.ride_out_seconds:g} s outage (a Multi-AZ database failover) never does."
                    if self.ride_out_seconds
                    else ""
                )
            ),
            metric=self.metric_health_check_status(),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=evaluation_periods,
            # consecutive, as the ride-out arithmetic assumes (DatapointsToAlarm = EvaluationPeriods)
            datapoints_to_alarm=evaluation_periods if self.ride_out_seconds else None,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )
        if notification_topic is not None:
            self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(notification_topic))
            self.alarm.add_ok_action(cloudwatch_actions.SnsAction(notification_topic))

    @property
    def alarms(self) -> list[SeverityAlarm]:
        """The availability alarm with its severity (for composites in the same us-east-1 stack)."""
        return [SeverityAlarm(alarm=self.alarm, severity=self.severity, signal="availability")]

    def metric_health_check_status(self, **kwargs) -> cloudwatch.Metric:
        """``AWS/Route53 HealthCheckStatus`` (Minimum per minute): 1 healthy, 0 unhealthy."""
        return cloudwatch.Metric(
            namespace="AWS/Route53",
            metric_name="HealthCheckStatus",
            dimensions_map={"HealthCheckId": self.health_check_id},
            region="us-east-1",
            **{"statistic": "Minimum", "period": ONE_MINUTE, **kwargs},
        )

    def metric_health_check_percentage_healthy(self, **kwargs) -> cloudwatch.Metric:
        """``AWS/Route53 HealthCheckPercentageHealthy`` (Average per minute)."""
        return cloudwatch.Metric(
            namespace="AWS/Route53",
            metric_name="HealthCheckPercentageHealthy",
            dimensions_map={"HealthCheckId": self.health_check_id},
            region="us-east-1",
            **{"statistic": "Average", "period": ONE_MINUTE, **kwargs},
        )
