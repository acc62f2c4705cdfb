#!/usr/bin/env python3
"""A team's own CDK app that imports constructs from the library with its own props.

pip install self-healing-web   # or: pip install -e /path/to/this/repo
cdk synth --app "python examples/consumer_app/app.py"
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from constructs_lib import AppProbe, AutoHealingWebService, ResilientVpc, TargetHealthCheck


class StorefrontStack(cdk.Stack):
    """One region of a storefront: two zones, one NAT gateway, a small web tier on port 9000."""

    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        network = ResilientVpc(
            self,
            "Network",
            cidr="172.20.0.0/16",
            availability_zones=["ap-northeast-1a", "ap-northeast-1c"],
            nat_gateways=1,
        )
        self.web = AutoHealingWebService(
            self,
            "Storefront",
            vpc=network.vpc,
            instance_type="t3.small",
            min_capacity=2,
            max_capacity=4,
            app_probe=AppProbe(port=9000, service_unit="storefront", health_path="/healthz"),
            health_check=TargetHealthCheck(interval_seconds=5, timeout_seconds=3),
            cpu_target_percent=60,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        cdk.CfnOutput(self, "Url", value=f"http://{self.web.load_balancer.load_balancer_dns_name}")

    @property
    def availability_zones(self) -> list[str]:
        return ["ap-northeast-1a", "ap-northeast-1c"]


def build(app: cdk.App) -> StorefrontStack:
    return StorefrontStack(
        app, "Storefront", env=cdk.Environment(account="444444444444", region="ap-northeast-1")
    )


if __name__ == "__main__":
    app = cdk.App()
    build(app)
    app.synth()
