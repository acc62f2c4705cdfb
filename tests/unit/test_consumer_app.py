"""The library's public surface, used the way another team's app uses it."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

import constructs_lib
from examples.consumer_app.app import build


def test_public_names_are_importable_from_the_package():
    for name in constructs_lib.__all__:
        assert getattr(constructs_lib, name) is not None


def test_example_consumer_app_synthesizes_with_its_own_props_and_passes_cdk_nag(tmp_path):
    app = cdk.App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    stack = build(app)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises ValidationFailed on any unacknowledged cdk-nag finding
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"Port": 9000, "HealthCheckPath": "/healthz", "HealthCheckIntervalSeconds": 5},
    )
    t.resource_count_is("AWS::EC2::NatGateway", 1)
