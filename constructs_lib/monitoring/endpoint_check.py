"""EndpointAvailabilityCheck: Route 53 health check on the public endpoint and its alarm (us-east-1).

Fires when no traffic arrives at all, which silences a 5xx rate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import Severity, validate_severity
from constructs_lib.monitoring.metrics import ONE_MINUTE
from constructs_lib.monitoring.naming import alarm_name


class EndpointAvailabilityCheck(Construct):
    """A Route 53 health check on the public endpoint and an alarm on it, for a us-east-1 stack.

    The signal that still fires when no request arrives at all (a total outage silences 5xx rates).
    Route 53 publishes ``HealthCheckStatus`` only in us-east-1, so the construct refuses another
    concrete region; the alarm treats missing data as breaching.

    :param fqdn: host name checked, e.g. ``www.example.com`` or the ALB DNS name (with HTTPS the
        certificate must match it).
    :param protocol: ``HTTPS``, ``HTTP``, ``HTTPS_STR_MATCH`` or ``HTTP_STR_MATCH``. Default: HTTPS.
    :param port: Default: 443 for HTTPS, 80 for HTTP.
    :param path: Default: ``/health``.
    :param search_string: required by the ``*_STR_MATCH`` protocols. Default: none.
    :param request_interval_seconds: 10 (fast, extra cost) or 30. Default: 10.
    :param failure_threshold: failed checks before unhealthy. Default: 3, with 10 s: ~30 s.
    :param evaluation_periods: minutes unhealthy before the alarm fires. Default: 1; fires within
        ~2 min of the endpoint going down (30 s checks + 1-minute metric).
    :param severity: severity in the alarm name. Default: ``critical`` (the service is unreachable).
    :param notification_topic: topic (in us-east-1) for ALARM and OK. Default: no actions.
    :param health_check: reuse an existing health check (e.g. the DR failover one) instead of creating
        one. Default: a new health check from the props above.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        environment_name: str,
        component: str,
        fqdn: str | None = None,
        protocol: str = "HTTPS",
        port: int | None = None,
        path: str = "/health",
        search_string: str | None = None,
        request_interval_seconds: int = 10,
        failure_threshold: int = 3,
        evaluation_periods: int = 1,
        severity: Severity | str = Severity.CRITICAL,
        notification_topic: sns.ITopic | None = None,
        health_check: route53.IHealthCheck | None = None,
    ) -> None:
        super().__init__(scope, id)
        validate_severity(severity, prop="severity")
        self.severity = severity
        region = cdk.Stack.of(self).region
        if not cdk.Token.is_unresolved(region) and region != "us-east-1":
            raise ValueError(
                f"EndpointAvailabilityCheck is in {region}, but Route 53 health check metrics exist only in "
                "us-east-1: place it in a us-east-1 stack."
            )
        types = {
            "HTTPS": route53.HealthCheckType.HTTPS,
            "HTTP": route53.HealthCheckType.HTTP,
            "HTTPS_STR_MATCH": route53.HealthCheckType.HTTPS_STR_MATCH,
            "HTTP_STR_MATCH": route53.HealthCheckType.HTTP_STR_MATCH,
        }
        if health_check is None:
            # A load balancer's DNS name is a token: only literal names can be checked here.
            literal = fqdn is not None and not cdk.Token.is_unresolved(fqdn)
            if not fqdn or (
                literal and not re.match(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}\.?$", fqdn)
            ):
                raise ValueError(
                    f"fqdn ({fqdn!r}) must be a fully qualified host name such as 'www.example.com'."
                )
            if protocol not in types:
                raise ValueError(f"protocol ({protocol!r}) must be one of {', '.join(types)}.")
            if protocol.endswith("STR_MATCH") != bool(search_string):
                raise ValueError(
                    f"search_string ({search_string!r}) is required by the *_STR_MATCH protocols, and "
                    "only by them."
                )
            if request_interval_seconds not in (10, 30):
                raise ValueError(f"request_interval_seconds ({request_interval_seconds}) must be 10 or 30.")
            if not 1 <= failure_threshold <= 10:
                raise ValueError(f"failure_threshold ({failure_threshold}) must be 1-10.")
            if not path.startswith("/"):
                raise ValueError(f"path ({path!r}) must start with '/'.")
            if port is not None and not 1 <= port <= 65535:
                raise ValueError(f"port ({port}) must be 1-65535.")
            health_check = route53.HealthCheck(
                self,
                "HealthCheck",
                type=types[protocol],
                fqdn=fqdn,
                port=port or (443 if protocol.startswith("HTTPS") else 80),
                resource_path=path,
                search_string=search_string,
                request_interval=cdk.Duration.seconds(request_interval_seconds),
                failure_threshold=failure_threshold,
            )
            cdk.Tags.of(health_check).add("Name", f"{app_name}-{environment_name}-{component}")
        if evaluation_periods < 1:
            raise ValueError(f"evaluation_periods ({evaluation_periods}) must be at least 1.")
        self.health_check = health_check
        self.health_check_id = health_check.health_check_id
        self.alarm = cloudwatch.Alarm(
            self,
            "Resource",
            alarm_name=alarm_name(app_name, environment_name, component, "availability", severity),
            alarm_description=(
                f"Route 53 health checkers cannot reach {fqdn or 'the endpoint'}{path if fqdn else ''}. "
                "Missing data is breaching: no data means no checker got an answer."
            ),
            metric=self.metric_health_check_status(),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=evaluation_periods,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )
        if notification_topic is not None:
            self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(notification_topic))
            self.alarm.add_ok_action(cloudwatch_actions.SnsAction(notification_topic))

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

    def alarms_by_severity(self) -> Mapping[str, Sequence[cloudwatch.IAlarm]]:
        """The availability alarm under its severity (for composites in the same us-east-1 stack)."""
        return {self.severity: [self.alarm]}
