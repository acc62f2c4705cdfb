#!/usr/bin/env python3
"""The smallest use of the library: a self-healing web tier in one statement, in your own VPC.

pip install "self-healing-web[nag]"
cdk synth --app "python examples/one_statement/app.py"

Everything not given has a documented default: t3.micro instances, two of them (up to four), the
built-in demo server on port 8080 answering /health, HTTP to the load balancer (give
``certificate_arn`` for HTTPS), target tracking on CPU and requests, encrypted volumes, IMDSv2.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2

from constructs_lib import AutoHealingWebService, apply_nag

ZONES = ["eu-west-1a", "eu-west-1b"]


class WebStack(cdk.Stack):
    @property
    def availability_zones(self) -> list[str]:
        return ZONES  # pinned: synthesis never asks AWS for the zones


def build(app: cdk.App) -> WebStack:
    stack = WebStack(app, "Web", env=cdk.Environment(account="555555555555", region="eu-west-1"))
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)  # your own VPC

    AutoHealingWebService(stack, "Web", vpc=vpc)  # <- the one statement

    # Your VPC is yours to harden; these are cdk-nag's findings on it, not on the library.
    from constructs_lib import acknowledge

    acknowledge(vpc, "AwsSolutions-VPC7", "the example's VPC has no flow logs: ResilientVpc adds them")
    return stack


if __name__ == "__main__":
    app = cdk.App()
    build(app)
    apply_nag(app)  # cdk-nag 3's AWS Solutions pack: any unacknowledged finding fails the synth
    app.synth()
