"""DatabaseNetwork: the DB subnet group and security group a PostgreSQL database runs in."""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from constructs import Construct

from constructs_lib.data.props import POSTGRES_PORT

__all__ = ["DatabaseNetwork"]


class DatabaseNetwork(Construct):
    """Where a database of the service may run: a DB subnet group and a security group.

    The security group accepts PostgreSQL (``port``) only from ``client_security_groups`` and from
    whatever :meth:`allow_from` adds; it has no other ingress. :class:`ResilientDatabase` creates one;
    create one alone in a region that has no standing database but must be able to restore one
    (the backup-restore drill, a ``backup_restore`` DR region).

    :param vpc: The VPC.
    :param vpc_subnets: Subnets of the subnet group. Default: the VPC's isolated subnets, else its
        private subnets with egress (never public subnets).
    :param client_security_groups: Security groups allowed to connect (the web instances').
        Default: none yet; add them with :meth:`allow_from`.
    :param port: Database port. Default: 5432.
    :param description: Description of both resources. Default: "PostgreSQL database".
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        vpc_subnets: ec2.SubnetSelection | None = None,
        client_security_groups: Sequence[ec2.ISecurityGroup] = (),
        port: int = POSTGRES_PORT,
        description: str = "PostgreSQL database",
    ) -> None:
        super().__init__(scope, id)
        if not 1150 <= port <= 65535:
            raise ValueError(f"port ({port}) must be 1150-65535 (RDS PostgreSQL port range).")
        self.port = port
        self.vpc = vpc
        self.vpc_subnets = vpc_subnets or _private_subnets(vpc)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"{description}: PostgreSQL from allowed clients only",
            allow_all_outbound=False,
        )
        self.subnet_group = rds.SubnetGroup(
            self,
            "SubnetGroup",
            vpc=vpc,
            vpc_subnets=self.vpc_subnets,
            description=description,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for client in client_security_groups:
            self.allow_from(client)

    @property
    def subnet_group_name(self) -> str:
        return self.subnet_group.subnet_group_name

    def allow_from(self, client: ec2.ISecurityGroup, description: str = "PostgreSQL from clients") -> None:
        """Allow ``client`` to connect on the database port (and nothing else).

        The rule is its own ``AWS::EC2::SecurityGroupIngress`` (its id is the client's construct path
        inside its stack), so two groups that reference each other never form a dependency cycle.
        """
        ec2.CfnSecurityGroupIngress(
            self,
            f"From{_path_in_stack(client)}",
            group_id=self.security_group.security_group_id,
            source_security_group_id=client.security_group_id,
            ip_protocol="tcp",
            from_port=self.port,
            to_port=self.port,
            description=description,
        )


def _path_in_stack(construct: Construct) -> str:
    """A construct's path inside its stack, as an id: stable, and free of stage (environment) names."""
    stack_path = cdk.Stack.of(construct).node.path
    relative = construct.node.path.removeprefix(stack_path).strip("/")
    parts = re.split(r"[^A-Za-z0-9]+", relative)
    return "".join(part[:1].upper() + part[1:] for part in parts) or "Client"


def _private_subnets(vpc: ec2.IVpc) -> ec2.SubnetSelection:
    if vpc.isolated_subnets:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    if vpc.private_subnets:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    raise ValueError(
        "vpc has no private or isolated subnets: a database must not be placed in public subnets; "
        "add private subnets or pass vpc_subnets."
    )
