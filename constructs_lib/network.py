"""ResilientVpc: a VPC over pinned availability zones that instances can use with or without NAT."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_lib.nag import acknowledge

#: Interface endpoints an instance in a private subnet needs when it has no NAT gateway:
#: Systems Manager (Run Command, Session Manager, Automation), the CloudWatch agent, and the Auto
#: Scaling API, which warm-pool instances call to complete their launch lifecycle hook
#: (``autoscaling:CompleteLifecycleAction``; see :mod:`constructs_lib.web.lifecycle`).
INSTANCE_INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
    "SsmMessages": ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
    "Ec2Messages": ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
    "Monitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "AutoScaling": ec2.InterfaceVpcEndpointAwsService.AUTOSCALING,
}

PUBLIC_SUBNET_GROUP = "Public"
PRIVATE_SUBNET_GROUP = "Private"


def validate_zones(
    availability_zones: Sequence[str], *, nat_gateways: int = 0, region: str | None = None
) -> list[str]:
    """Check the zones and NAT gateways of a :class:`ResilientVpc`; return the zones as a list.

    ``ValueError`` naming the first broken rule, the value and the fix: 2 or 3 zones, each named
    once; with ``region``, every zone of that region (its name starts with the region code; the VPC
    checks against its stack's region); 0 to one NAT gateway per zone.
    """
    zones = list(availability_zones)
    if not 2 <= len(zones) <= 3:
        raise ValueError(f"availability_zones has {len(zones)} zone(s) {zones}: give 2 or 3 zones.")
    twice = sorted({z for z in zones if zones.count(z) > 1})
    if twice:
        raise ValueError(f"availability_zones lists {twice[0]!r} twice ({zones}): name each zone once.")
    if region is not None:
        foreign = [z for z in zones if not z.startswith(region)]
        if foreign:
            raise ValueError(
                f"availability_zones {foreign} are not in the stack's region {region}: "
                f"use zones such as {region}a."
            )
    if isinstance(nat_gateways, bool) or not 0 <= nat_gateways <= len(zones):
        raise ValueError(
            f"nat_gateways ({nat_gateways}) must be between 0 and the number of zones ({len(zones)})."
        )
    return zones


class ResilientVpc(Construct):
    """A VPC with public subnets (load balancers) and private subnets (instances) in 2-3 zones.

    Without NAT gateways the private subnets are isolated, and the construct adds every endpoint an
    instance needs to stay manageable: interface endpoints for SSM, SSM messages, EC2 messages,
    CloudWatch monitoring, CloudWatch Logs and Auto Scaling (warm-pool instances complete their
    launch lifecycle hook through it), plus an S3 gateway endpoint (the Amazon Linux package
    repositories are served from S3, so ``dnf install`` keeps working). Flow logs go to CloudWatch
    Logs.

    :param cidr: IPv4 range of the VPC, e.g. ``10.10.0.0/16``.
    :param availability_zones: 2 or 3 zone names, each once, all of the stack's region. Pinning them
        keeps the synth free of AWS lookups. Checked with :func:`validate_zones`.
    :param nat_gateways: NAT gateways (0 to one per zone). Default: 0, endpoints only.
    :param interface_endpoints: Whether to add the instance interface endpoints.
        Default: only when there is no NAT gateway.
    :param flow_log_retention: Retention of the flow-log group. Default: one month.
    :param removal_policy: What happens to the flow-log group when the stack is deleted.
        Default: ``RETAIN``.
    :param restrict_default_security_group: Remove all rules from the VPC's default security group
        (CIS EC2.2). Default: true (adds CDK's small custom resource).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cidr: str,
        availability_zones: Sequence[str],
        nat_gateways: int = 0,
        interface_endpoints: bool | None = None,
        flow_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        restrict_default_security_group: bool = True,
    ) -> None:
        super().__init__(scope, id)
        region = cdk.Stack.of(self).region
        zones = validate_zones(
            availability_zones,
            nat_gateways=nat_gateways,
            region=None if cdk.Token.is_unresolved(region) else region,
        )

        private_type = (
            ec2.SubnetType.PRIVATE_WITH_EGRESS if nat_gateways > 0 else ec2.SubnetType.PRIVATE_ISOLATED
        )
        self.flow_log_group = logs.LogGroup(
            self, "FlowLogs", retention=flow_log_retention, removal_policy=removal_policy
        )
        self.vpc = ec2.Vpc(
            self,
            "Resource",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            availability_zones=zones,
            nat_gateways=nat_gateways,
            restrict_default_security_group=restrict_default_security_group,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name=PUBLIC_SUBNET_GROUP, subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24
                ),
                ec2.SubnetConfiguration(name=PRIVATE_SUBNET_GROUP, subnet_type=private_type, cidr_mask=22),
            ],
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
        acknowledge(
            self.vpc,
            "CloudFormation-Validate::W3010",
            "Zones are pinned on purpose: synthesis stays offline and reproducible, and the zone set "
            "is part of the environment's reviewed configuration.",
        )
        # S3 is a free gateway endpoint: always present (package repositories, SSM output, agents).
        self.vpc.add_gateway_endpoint(
            "S3Endpoint",
            service=ec2.GatewayVpcEndpointAwsService.S3,
            subnets=[ec2.SubnetSelection(subnet_group_name=PRIVATE_SUBNET_GROUP)],
        )
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        self.endpoint_security_group: ec2.SecurityGroup | None = None
        if interface_endpoints if interface_endpoints is not None else nat_gateways == 0:
            # One security group for all endpoints: HTTPS from inside the VPC only (the literal range,
            # so reviewers and cdk-nag can see it is not open to the world).
            self.endpoint_security_group = ec2.SecurityGroup(
                self,
                "EndpointSecurityGroup",
                vpc=self.vpc,
                description="VPC interface endpoints: HTTPS from inside the VPC",
                allow_all_outbound=False,
            )
            self.endpoint_security_group.add_ingress_rule(
                ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), "HTTPS from VPC"
            )
            for name, service in INSTANCE_INTERFACE_ENDPOINTS.items():
                self.interface_endpoints[name] = self.vpc.add_interface_endpoint(
                    f"{name}Endpoint",
                    service=service,
                    private_dns_enabled=True,
                    open=False,
                    security_groups=[self.endpoint_security_group],
                    subnets=ec2.SubnetSelection(subnet_group_name=PRIVATE_SUBNET_GROUP),
                )
        self.nat_gateways = nat_gateways

    @property
    def public_subnets(self) -> ec2.SubnetSelection:
        """Where load balancers go."""
        return ec2.SubnetSelection(subnet_group_name=PUBLIC_SUBNET_GROUP)

    @property
    def private_subnets(self) -> ec2.SubnetSelection:
        """Where instances and databases go."""
        return ec2.SubnetSelection(subnet_group_name=PRIVATE_SUBNET_GROUP)
