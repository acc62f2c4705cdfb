"""Regional DNS failover: Route 53 failover records for two regions, switched by runbooks only.

:class:`RegionalFailover`: Route 53 failover records for the two regions' load balancers, the
endpoint health checks, and the *region switches* the failover runbook flips (see the class).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_route53 as route53
from constructs import Construct

from constructs_lib._core import Naming, validate_region

__all__ = ["FailoverEndpoint", "RegionalFailover", "health_check_arn", "region_switch_states"]


#: Route 53 counts any status from 200 to 399 as healthy (Route 53 API Reference, HealthCheckConfig,
#: Type: "waits for an HTTP status code of 200 or greater and less than 400"). A check on a port that
#: only redirects (a load balancer's port 80 sending 301 to HTTPS) stays healthy with the app dead:
#: check the port that forwards to the app, HTTPS on 443 where there is a certificate.
HEALTHY_STATUS_RANGE = (200, 399)
#: With HTTPS the checks send the host name in the TLS client hello (``EnableSNI``), as browsers do,
#: so the load balancer answers with the certificate it would serve them; Route 53 does not validate
#: the certificate (Route 53 Developer Guide, "Values that you specify when you create or update
#: health checks", Enable SNI).
SNI_FOR_HTTPS = True


@dataclass(frozen=True, kw_only=True)
class FailoverEndpoint:
    """One region's entry point: its load balancer, as an alias target, and what to health-check."""

    region: str
    """Region code, e.g. ``ap-northeast-1``."""
    load_balancer_dns_name: str
    """DNS name of the region's load balancer (a token is fine)."""
    load_balancer_hosted_zone_id: str
    """Canonical hosted zone id of that load balancer (``load_balancer_canonical_hosted_zone_id``)."""
    health_check_fqdn: str | None = None
    """Name the endpoint health check requests. Default: ``load_balancer_dns_name``."""
    health_check_path: str | None = None
    """Path this endpoint's health check requests, e.g. the app's deep path (``AppProbe.deep_health_path``)
    where the region has a database to check. Default: ``RegionalFailover``'s ``health_check_path``."""


def region_switch_states(*, regions: Sequence[str], active_region: str) -> dict[str, bool]:
    """Whether each region's switch lets traffic in (``True``) for ``active_region``: exactly one is open."""
    if active_region not in regions:
        raise ValueError(
            f"active_region ({active_region!r}) must be one of the failover regions {list(regions)}."
        )
    return {region: region == active_region for region in regions}


class RegionalFailover(Construct):
    """Route 53 failover between two regions, switched by the failover runbook, never by itself.

    Records: one alias ``A`` record per region, ``PRIMARY`` for ``primary`` (the home region) and
    ``SECONDARY`` for ``secondary``, each tied to that region's *switch*, with
    ``EvaluateTargetHealth: false``. They are L1 ``AWS::Route53::RecordSet`` resources because the
    L2 ``ARecord`` insists on ``EvaluateTargetHealth: true`` for failover aliases: then, with the
    serving region's targets briefly unhealthy, *both* records would be unhealthy and Route 53 would
    answer with the primary record, sending users back to the region that was failed away from.

    **Why switches, not endpoint health.** Failover records move traffic when the primary's health
    check fails. Tied to the load balancer's health, that would send users to the DR region while
    its database is still a read-only replica, and back again as soon as the home region answers,
    whatever happened to the data in between. So each record's health check is a region switch:
    a ``CALCULATED`` health check with ``HealthThreshold`` 0, which Route 53 always considers
    healthy, turned off with ``Inverted: true`` (then always unhealthy). Nothing observes an
    endpoint, so nothing flips by itself; the failover runbook opens the DR region's switch only
    after the promotion succeeded (``route53:UpdateHealthCheck``, ``Inverted=false``) and then closes
    the home region's; the failback runbook does the reverse. With both switches closed, Route 53
    answers with the primary record (its documented behaviour when every record is unhealthy).

    Considered and not chosen: Route 53 ARC routing controls do the same with safety rules, but a
    cluster costs about USD 2.5 an hour per environment; an alarm-based (``CLOUDWATCH_METRIC``)
    switch would need a metric published for ever and fail open on missing data.

    The switches' state in the template follows ``active_region``: after a failover, set the
    environment's ``active_region`` to the DR region before the next deploy and the template agrees
    with what the runbook did (CloudFormation sends ``Inverted`` only when the template changes it).

    Endpoint health checks (HTTP(S) on each load balancer) are created too: they feed alarms
    (their ``HealthCheckStatus`` metric exists in us-east-1 only) and the runbooks' verification
    step, never the routing. They use HTTPS with SNI by default: Route 53 counts a redirect as
    healthy (:data:`HEALTHY_STATUS_RANGE`), so an HTTP check on a port that only redirects would
    stay green with the app dead. Give each endpoint the app's deep path (``health_check_path`` of
    :class:`FailoverEndpoint`) so that a region whose web tier answers but whose database does not
    is seen as down; the load balancer keeps the shallow path.

    :param zone_id: Hosted zone id (``from_hosted_zone_attributes``, no lookup).
    :param zone_name: Hosted zone name, e.g. ``example.com``.
    :param record_name: Name of the records, relative to the zone or fully qualified, e.g. ``app``.
    :param primary: Home-region endpoint (``PRIMARY`` record).
    :param secondary: DR-region endpoint (``SECONDARY`` record).
    :param active_region: The region whose switch is open. Default: the primary's.
    :param health_check_path: Path the endpoint checks request unless an endpoint gives its own.
        Default: ``/health``.
    :param health_check_protocol: ``HTTPS`` (with SNI) or ``HTTP``; HTTP only where the load balancer
        serves the app on port 80 itself (no certificate). Default: ``HTTPS``.
    :param health_check_port: Port. Default: 443 for HTTPS, 80 for HTTP.
    :param request_interval_seconds: 10 or 30. Default: 30 (10 costs more).
    :param failure_threshold: Consecutive failures before unhealthy, 1-10. Default: 3.
    :param naming: App and environment: the health checks' ``Name`` tags start with ``{app}-{env}``.
        Default: they start with ``record_name``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        zone_id: str,
        zone_name: str,
        record_name: str,
        primary: FailoverEndpoint,
        secondary: FailoverEndpoint,
        active_region: str | None = None,
        health_check_path: str = "/health",
        health_check_protocol: str = "HTTPS",
        health_check_port: int | None = None,
        request_interval_seconds: int = 30,
        failure_threshold: int = 3,
        naming: Naming | None = None,
    ) -> None:
        super().__init__(scope, id)
        for prop, endpoint in (("primary", primary), ("secondary", secondary)):
            validate_region(endpoint.region, prop=f"{prop}.region")
        if primary.region == secondary.region:
            raise ValueError(
                f"primary and secondary are both in {primary.region!r}: failover needs two regions."
            )
        active_region = active_region or primary.region
        self.switch_open = region_switch_states(
            regions=[primary.region, secondary.region], active_region=active_region
        )
        if health_check_protocol not in ("HTTP", "HTTPS"):
            raise ValueError(f"health_check_protocol ({health_check_protocol!r}) must be 'HTTP' or 'HTTPS'.")
        if request_interval_seconds not in (10, 30):
            raise ValueError(f"request_interval_seconds ({request_interval_seconds}) must be 10 or 30.")
        if not 1 <= failure_threshold <= 10:
            raise ValueError(f"failure_threshold ({failure_threshold}) must be 1-10.")
        for prop, path in (
            ("health_check_path", health_check_path),
            ("primary.health_check_path", primary.health_check_path),
            ("secondary.health_check_path", secondary.health_check_path),
        ):
            if path is not None and not path.startswith("/"):
                raise ValueError(f"{prop} ({path!r}) must start with '/'.")
        port = health_check_port or (443 if health_check_protocol == "HTTPS" else 80)
        prefix = naming.prefix if naming is not None else record_name

        self.zone = route53.HostedZone.from_hosted_zone_attributes(
            self, "Zone", hosted_zone_id=zone_id, zone_name=zone_name
        )
        self.zone_id = zone_id
        self.primary_region = primary.region
        self.secondary_region = secondary.region
        self.active_region = active_region
        self.request_interval_seconds = request_interval_seconds
        self.failure_threshold = failure_threshold
        self.endpoint_health_checks: dict[str, route53.CfnHealthCheck] = {}
        self.switches: dict[str, route53.CfnHealthCheck] = {}
        self.records: dict[str, route53.CfnRecordSet] = {}
        self.domain_name = record_name if record_name.endswith(zone_name) else f"{record_name}.{zone_name}"

        for label, endpoint, failover in (
            ("Primary", primary, "PRIMARY"),
            ("Secondary", secondary, "SECONDARY"),
        ):
            region = endpoint.region
            endpoint_check = route53.CfnHealthCheck(
                self,
                f"{label}EndpointHealthCheck",
                health_check_config=route53.CfnHealthCheck.HealthCheckConfigProperty(
                    type=health_check_protocol,
                    fully_qualified_domain_name=endpoint.health_check_fqdn or endpoint.load_balancer_dns_name,
                    port=port,
                    resource_path=endpoint.health_check_path or health_check_path,
                    request_interval=request_interval_seconds,
                    failure_threshold=failure_threshold,
                    enable_sni=SNI_FOR_HTTPS and health_check_protocol == "HTTPS",
                ),
                health_check_tags=[
                    route53.CfnHealthCheck.HealthCheckTagProperty(
                        key="Name", value=f"{prefix}-endpoint-{region}"
                    )
                ],
            )
            switch = route53.CfnHealthCheck(
                self,
                f"{label}Switch",
                health_check_config=route53.CfnHealthCheck.HealthCheckConfigProperty(
                    type="CALCULATED",
                    child_health_checks=[endpoint_check.attr_health_check_id],
                    health_threshold=0,  # 0 of 1 children: always healthy, unless inverted
                    inverted=not self.switch_open[region],
                ),
                health_check_tags=[
                    route53.CfnHealthCheck.HealthCheckTagProperty(
                        key="Name", value=f"{prefix}-switch-{region}"
                    )
                ],
            )
            record = route53.CfnRecordSet(
                self,
                f"{label}Record",
                hosted_zone_id=zone_id,
                name=self.domain_name + ".",
                type="A",
                set_identifier=f"{failover.lower()}-{region}",
                failover=failover,
                health_check_id=switch.attr_health_check_id,
                alias_target=route53.CfnRecordSet.AliasTargetProperty(
                    dns_name=endpoint.load_balancer_dns_name,
                    hosted_zone_id=endpoint.load_balancer_hosted_zone_id,
                    evaluate_target_health=False,
                ),
            )
            self.endpoint_health_checks[region] = endpoint_check
            self.switches[region] = switch
            self.records[region] = record

        self.domain_name = (
            f"{record_name}.{zone_name}" if not record_name.endswith(zone_name) else record_name
        )

    # -- attributes ------------------------------------------------------------------------------
    def switch_id(self, region: str) -> str:
        """Health-check id of ``region``'s switch (what the runbooks flip)."""
        return self._by_region(self.switches, region).attr_health_check_id

    def endpoint_health_check_id(self, region: str) -> str:
        """Health-check id of ``region``'s endpoint check."""
        return self._by_region(self.endpoint_health_checks, region).attr_health_check_id

    def _by_region(self, table: Mapping[str, route53.CfnHealthCheck], region: str) -> route53.CfnHealthCheck:
        if region not in table:
            raise ValueError(f"region ({region!r}) is not one of the failover regions {sorted(table)}.")
        return table[region]

    def metric_endpoint_health(self, region: str, *, period: cdk.Duration | None = None) -> cloudwatch.Metric:
        """``AWS/Route53 HealthCheckStatus`` of ``region``'s endpoint (1 healthy, 0 not), minimum per minute.

        Route 53 publishes it in us-east-1 only: alarm on it from a us-east-1 stack.
        """
        return cloudwatch.Metric(
            namespace="AWS/Route53",
            metric_name="HealthCheckStatus",
            dimensions_map={"HealthCheckId": self.endpoint_health_check_id(region)},
            statistic="Minimum",
            period=period or cdk.Duration.minutes(1),
            region="us-east-1",
        )

    def health_check_arns(self) -> list[str]:
        """ARNs of every health check here (switches and endpoint checks), for IAM statements."""
        checks = [*self.switches.values(), *self.endpoint_health_checks.values()]
        return [health_check_arn(c.attr_health_check_id) for c in checks]

    def grant_switch(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` open and close the region switches and read every health check's status."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["route53:UpdateHealthCheck"],
            resource_arns=[health_check_arn(s.attr_health_check_id) for s in self.switches.values()],
        )
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["route53:GetHealthCheck", "route53:GetHealthCheckStatus"],
            resource_arns=self.health_check_arns(),
        )
        return grant


def health_check_arn(health_check_id: str, *, partition: str = "aws") -> str:
    """IAM resource ARN of a Route 53 health check."""
    return f"arn:{partition}:route53:::healthcheck/{health_check_id}"
