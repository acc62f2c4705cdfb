"""us-east-1 of one environment: Route 53 failover records and the availability alarms.

Route 53 publishes health-check metrics in us-east-1 only, so the alarms that still fire when no
traffic arrives at all (a 5xx rate goes silent in a total outage) live here, with their own topics.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from constructs import Construct

from constructs_lib.dr import FailoverEndpoint, RegionalFailover
from constructs_lib.monitoring import MULTI_AZ_FAILOVER, EndpointAvailabilityCheck, EndpointProbe
from constructs_lib.web import NightlyAlarmMute
from stacks.base import RegionalStack
from stacks.config import EnvironmentConfig

GLOBAL_REGION = "us-east-1"


class GlobalStack(RegionalStack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        load_balancers: dict[str, elbv2.IApplicationLoadBalancer],
    ) -> None:
        super().__init__(
            scope,
            id,
            config=config,
            region=GLOBAL_REGION,
            description="global (Route 53 failover, availability)",
        )
        self.topics = self.alert_topics(chat=False)
        # The failover and public checks follow the listeners: HTTPS (with SNI) when every region has
        # a certificate (the config requires them with dns unless allow_plain_http says why not).
        https = all(rc.certificate_arn for rc in config.regions)
        protocol = "HTTPS" if https else "HTTP"
        # Each region's own checks ask the app's deep path where the region has a database: a region
        # whose web tier answers while its database does not is down for its users. The load
        # balancer's target group keeps the shallow /health (a database blip must not make it fail
        # every target and the Auto Scaling group replace every instance), and so does the public
        # name's check (it pages on the user-facing endpoint alone). Their alarms ride out a Multi-AZ
        # failover (MULTI_AZ_FAILOVER): the database is then unreachable for up to two minutes, and
        # that must never page as a region loss.
        shallow = config.health_check.path
        regional_path = {
            rc.region: (config.app_probe.deep_health_path or shallow)
            if config.has_database(rc.region)
            else shallow
            for rc in config.regions
        }
        self.failover: RegionalFailover | None = None
        self.availability: dict[str, EndpointAvailabilityCheck] = {}
        if config.dns is not None:
            endpoints = [
                FailoverEndpoint(
                    region=rc.region,
                    load_balancer_dns_name=load_balancers[rc.region].load_balancer_dns_name,
                    load_balancer_hosted_zone_id=load_balancers[
                        rc.region
                    ].load_balancer_canonical_hosted_zone_id,
                    health_check_path=regional_path[rc.region],
                )
                for rc in config.regions
            ]
            self.failover = RegionalFailover(
                self,
                "Failover",
                zone_id=config.dns.hosted_zone_id,
                zone_name=config.dns.zone_name,
                record_name=config.dns.record_name,
                primary=endpoints[0],
                secondary=endpoints[1],
                active_region=config.active_region,
                health_check_path=shallow,
                health_check_protocol=protocol,
                naming=config.naming,
            )
            # The public name users resolve, checked end to end through the failover records.
            self.availability["public"] = EndpointAvailabilityCheck(
                self,
                "PublicEndpoint",
                naming=config.naming.for_component("public"),
                probe=EndpointProbe(fqdn=config.dns.record_name, protocol=protocol, path=shallow),
                notification_topic=self.topics.topic("critical"),
            )
        # Each region's load balancer on its own, so a dead standby is noticed before it is needed.
        for rc in config.regions:
            if config.capacity_for(rc.region).min == 0:
                continue  # a standby at zero instances has nothing to answer (pilot light)
            label = rc.label.lower()
            # With failover records, alarm on their endpoint checks instead of paying for a second set.
            reuse = (
                route53.HealthCheck.from_health_check_id(
                    self,
                    f"{rc.label}FailoverCheck",
                    self.failover.endpoint_health_check_id(rc.region),
                )
                if self.failover
                else None
            )
            path = regional_path[rc.region]
            timing = (
                {
                    "request_interval_seconds": self.failover.request_interval_seconds,
                    "failure_threshold": self.failover.failure_threshold,
                }
                if self.failover
                else {}
            )
            check = EndpointAvailabilityCheck(
                self,
                f"{rc.label}Endpoint",
                naming=config.naming.for_component(f"{label}-alb"),
                probe=EndpointProbe(
                    fqdn=load_balancers[rc.region].load_balancer_dns_name,
                    # HTTPS where the region has a certificate: its port 80 only redirects, and Route 53
                    # counts a redirect as healthy, so an HTTP check there would stay green with the app
                    # dead.
                    protocol="HTTPS" if rc.certificate_arn else "HTTP",
                    path=path,
                    **timing,  # the failover check's own, when it is reused
                ),
                ride_out=MULTI_AZ_FAILOVER if path != shallow else None,
                severity="critical" if rc.region == config.active_region else "high",
                notification_topic=self.topics.topic(
                    "critical" if rc.region == config.active_region else "high"
                ),
                existing_health_check=reuse,
            )
            self.availability[rc.region] = check
        # The nightly stop scales the active region to zero: its check and the public name's fail all
        # night. The pause switch silences only the regional composites (a composite names alarms of
        # its own region), so these are muted for the same window here, and re-armed in the morning.
        self.quiet_hours: NightlyAlarmMute | None = None
        if config.schedule is not None:
            nightly = [
                c.alarm for key, c in self.availability.items() if key in ("public", config.active_region)
            ]
            if nightly:
                self.quiet_hours = NightlyAlarmMute(
                    self,
                    "NightlyQuietHours",
                    nightly_stop=config.schedule.nightly_stop(),
                    alarms=nightly,
                    naming=config.naming,
                    notification_topic=self.topics.topic("high"),
                    removal_policy=self.removal_policy,
                )
        # The availability alarms page their topics directly (no composite in us-east-1): each of
        # their severities must reach someone, without Slack (not subscribed here).
        in_use = {c.severity for c in self.availability.values()} | ({"high"} if self.quiet_hours else set())
        self.require_subscribers(self.topics, in_use, chat=False)
        cdk.CfnOutput(self, "ActiveRegion", value=config.active_region)
