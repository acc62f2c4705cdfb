"""The web instances: their security group, role and the launch template the construct builds.

Private to :mod:`constructs_lib.web`: each function creates children of the web service construct
under the ids the service always used, so moving code here changes no logical id.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib._core import AppProbe
from constructs_lib.nag import acknowledge
from constructs_lib.web.user_data import boot_script, user_script_commands

#: The instance type of the construct's own launch template unless ``instance_type`` says otherwise:
#: burstable, two vCPUs, 1 GiB, enough for the demo server and the agents.
DEFAULT_INSTANCE_TYPE = "t3.micro"


#: Port of the database the instances may reach unless ``database_port`` says otherwise (PostgreSQL).
DEFAULT_DATABASE_PORT = 5432


def create_instance_security_group(
    scope: Construct,
    vpc: ec2.IVpc,
    *,
    allow_all_outbound: bool,
    https_egress: Sequence[ec2.IPeer],
    database_egress: Sequence[ec2.IPeer],
    database_port: int,
) -> ec2.SecurityGroup:
    """The instances' group: ingress is added by the service (from the load balancer only); egress is
    HTTPS to ``https_egress`` and ``database_port`` to ``database_egress``, nothing else.

    Traffic to the instance metadata service, the Amazon DNS server and the Amazon Time Sync Service
    needs no rule: security groups do not filter it (Amazon VPC User Guide, "Security group rules").
    """
    group = ec2.SecurityGroup(
        scope,
        "InstanceSecurityGroup",
        vpc=vpc,
        # Unchanged wording: a new description would replace the group, whose id other stacks import.
        description="Web instances: app port from the ALB only; HTTPS out to VPC endpoints/NAT",
        allow_all_outbound=allow_all_outbound,
    )
    if allow_all_outbound:
        return group
    for peer in https_egress:
        group.add_egress_rule(
            peer, ec2.Port.tcp(443), "HTTPS: AWS APIs (SSM, CloudWatch, Auto Scaling), package repositories"
        )
    for peer in database_egress:
        group.add_egress_rule(peer, ec2.Port.tcp(database_port), "The database")
    return group


def subnet_cidrs(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> list[ec2.IPeer]:
    """One peer per subnet ``selection`` picks: its IPv4 range."""
    subnets = vpc.select_subnets(
        availability_zones=selection.availability_zones,
        one_per_az=selection.one_per_az,
        subnet_filters=selection.subnet_filters,
        subnet_group_name=selection.subnet_group_name,
        subnets=selection.subnets,
        subnet_type=selection.subnet_type,
    ).subnets
    return [ec2.Peer.ipv4(subnet.ipv4_cidr_block) for subnet in subnets]


def create_instance_role(scope: Construct) -> iam.Role:
    role = iam.Role(
        scope,
        "InstanceRole",
        assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
        description="Web instances: Systems Manager core and CloudWatch agent only",
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore"),
            iam.ManagedPolicy.from_aws_managed_policy_name("CloudWatchAgentServerPolicy"),
        ],
    )
    acknowledge(
        role,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]",
        "AWS's maintained minimum for Run Command/Session Manager; it tracks new SSM agent APIs.",
    )
    acknowledge(
        role,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]",
        "AWS's maintained minimum for the CloudWatch agent (PutMetricData, logs, tags).",
    )
    return role


def create_launch_template(
    scope: Construct,
    *,
    app_probe: AppProbe,
    instance_type: str,
    machine_image: ec2.IMachineImage | None,
    user_data: ec2.UserData | None,
    role: iam.IRole,
    security_group: ec2.ISecurityGroup,
    ready_commands: list[str] | None = None,
    database_endpoint_parameter: str | None = None,
    database_port: int = DEFAULT_DATABASE_PORT,
) -> ec2.LaunchTemplate:
    """Amazon Linux 2023 (or ``machine_image``), IMDSv2, encrypted gp3, detailed monitoring.

    The boot script installs the agents around the app: the demo server when neither
    ``machine_image`` nor ``user_data`` is given, the user's ``user_data`` script when it is, and no
    app install at all for a ``machine_image`` alone (the image carries the app).
    """
    if user_data is not None:
        app_commands: list[str] | None = user_script_commands(user_data)
    elif machine_image is not None:
        app_commands = []
    else:
        app_commands = None  # the demo server
    script = ec2.UserData.for_linux()
    script.add_commands(
        *boot_script(
            app_probe=app_probe,
            app_commands=app_commands,
            ready_commands=ready_commands,
            database_endpoint_parameter=database_endpoint_parameter,
            database_port=database_port,
        )
    )
    return ec2.LaunchTemplate(
        scope,
        "LaunchTemplate",
        machine_image=machine_image or ec2.MachineImage.latest_amazon_linux2023(),
        instance_type=ec2.InstanceType(instance_type),
        role=role,
        security_group=security_group,
        user_data=script,
        require_imdsv2=True,
        http_put_response_hop_limit=1,
        detailed_monitoring=True,
        block_devices=[
            ec2.BlockDevice(
                device_name="/dev/xvda",
                volume=ec2.BlockDeviceVolume.ebs(
                    20,
                    volume_type=ec2.EbsDeviceVolumeType.GP3,
                    encrypted=True,
                    delete_on_termination=True,
                ),
            )
        ],
    )


def security_group_of(template: ec2.LaunchTemplate) -> ec2.ISecurityGroup:
    """The first security group of a bring-your-own launch template, else a ValueError naming the fix."""
    try:
        groups = template.connections.security_groups
    except Exception:  # jsii raises when the template was created without a security group
        groups = []
    if not groups:
        raise ValueError(
            "existing_launch_template has no security group: create it with security_group=... so the "
            "construct can let the load balancer reach app_probe.port on its instances."
        )
    return groups[0]
