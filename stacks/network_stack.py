"""Network layer of one region: the VPC the web tier and database live in."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_lib.network import ResilientVpc
from stacks.base import RegionalStack
from stacks.config import EnvironmentConfig


class NetworkStack(RegionalStack):
    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig, region: str) -> None:
        super().__init__(scope, id, config=config, region=region, description="network (VPC, endpoints)")
        rc = config.region_config(region)
        self.network = ResilientVpc(
            self,
            "Vpc",
            cidr=rc.vpc_cidr,
            availability_zones=rc.availability_zones,
            nat_gateways=config.nat_gateways,
            flow_log_retention=self.log_retention,
            removal_policy=self.removal_policy,
        )
        self.vpc = self.network.vpc
        # The region's data key (database, secret replicas, replicated backups). It lives here, in
        # the first stack of each region, so the other region's data stack can name it (by alias)
        # before its own data stack exists: no cross-region reference, no deploy-order cycle.
        self.data_key = kms.Key(
            self,
            "DataKey",
            alias=config.data_key_alias,
            description=f"{config.app_name} {config.name}: database, secrets and backup replicas",
            enable_key_rotation=True,
            removal_policy=self.removal_policy,
        )
