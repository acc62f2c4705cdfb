"""One cdk.Stage per environment; stacks inside are named by region and layer (Prod/Tokyo-Network)."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from stacks.compute_stack import ComputeStack
from stacks.config import EnvironmentConfig
from stacks.monitoring_stack import MonitoringStack
from stacks.network_stack import NetworkStack


class EnvironmentStage(cdk.Stage):
    """All stacks of one environment, in its primary (Tokyo) and DR (Osaka) regions."""

    def __init__(self, scope: Construct, config: EnvironmentConfig) -> None:
        super().__init__(scope, config.stage_name, env=cdk.Environment(account=config.account))
        self.config = config
        self.network: dict[str, NetworkStack] = {}
        self.compute: dict[str, ComputeStack] = {}
        self.monitoring: dict[str, MonitoringStack] = {}
        for rc in config.regions:
            label = rc.label
            network = NetworkStack(self, f"{label}-Network", config=config, region=rc.region)
            compute = ComputeStack(self, f"{label}-Compute", config=config, region=rc.region, vpc=network.vpc)
            monitoring = MonitoringStack(
                self, f"{label}-Monitoring", config=config, region=rc.region, web=compute.web
            )
            self.network[rc.region] = network
            self.compute[rc.region] = compute
            self.monitoring[rc.region] = monitoring

        cdk.Tags.of(self).add("Application", config.app_name)
        cdk.Tags.of(self).add("Environment", config.name)
        for key, value in config.extra_tags.items():
            cdk.Tags.of(self).add(key, value)
