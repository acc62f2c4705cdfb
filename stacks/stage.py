"""One cdk.Stage per environment; stacks inside are named by region and layer (Prod/Tokyo-Network)."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from stacks.compute_stack import ComputeStack
from stacks.config import EnvironmentConfig
from stacks.data_stack import DataStack
from stacks.dr_stack import DrStack
from stacks.global_stack import GlobalStack
from stacks.monitoring_stack import MonitoringStack
from stacks.network_stack import NetworkStack


class EnvironmentStage(cdk.Stage):
    """All stacks of one environment: Network, Compute, Data, Monitoring and DR in Tokyo and Osaka,
    and Global (us-east-1) for Route 53."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config.stage_name, env=cdk.Environment(account=config.account))
        self.config = config
        self.network: dict[str, NetworkStack] = {}
        self.compute: dict[str, ComputeStack] = {}
        self.data: dict[str, DataStack] = {}
        self.monitoring: dict[str, MonitoringStack] = {}
        self.dr: dict[str, DrStack] = {}
        for rc in config.regions:
            region, label = rc.region, rc.label
            network = NetworkStack(self, f"{label}-Network", config=config, region=region)
            compute = ComputeStack(self, f"{label}-Compute", config=config, region=region, vpc=network.vpc)
            data = DataStack(
                self,
                f"{label}-Data",
                config=config,
                region=region,
                vpc=network.vpc,
                web_security_group=compute.web.instance_security_group,
                data_key=network.data_key,
            )
            self.network[region], self.compute[region], self.data[region] = network, compute, data
            self.monitoring[region] = MonitoringStack(
                self,
                f"{label}-Monitoring",
                config=config,
                region=region,
                web=compute.web,
                database=data.database_target(),
            )

        # Deploy order across regions (names, not references): the active data stack replicates
        # backups under the other region's data key; the standby replica needs its source.
        active, standby = config.active_region, config.standby_region
        self.data[active].add_stack_dependency(self.network[standby])
        self.data[standby].add_stack_dependency(self.data[active])

        self.global_ = GlobalStack(
            self,
            "Global",
            config=config,
            load_balancers={r: c.web.load_balancer for r, c in self.compute.items()},
        )
        for rc in config.regions:
            self.dr[rc.region] = DrStack(
                self,
                f"{rc.label}-DR",
                config=config,
                region=rc.region,
                data=self.data[rc.region],
                notification_topics=self.monitoring[rc.region].topics.topics,
                failover=self.global_.failover,
                command_document_name=self.monitoring[rc.region].instance_commands.document_name,
            )

        cdk.Tags.of(self).add("Application", config.app_name)
        cdk.Tags.of(self).add("Environment", config.name)
        for key, value in config.extra_tags.items():
            cdk.Tags.of(self).add(key, value)
