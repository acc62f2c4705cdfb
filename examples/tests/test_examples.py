"""How a consumer app tests itself with the library's testing kit (`pip install "self-healing-web[testing]"`).

Three checks a CI job wants on every change: a reviewed template snapshot (asset hashes masked), zero
unacknowledged cdk-nag findings (listed when not), and cfn-lint over the whole assembly.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk.assertions import Template

from constructs_lib.testing import (
    CdkTemplateSnapshotExtension,
    assert_cfn_lint_clean,
    assert_no_nag_findings,
)
from examples.consumer_app.app import build as build_storefront
from examples.one_statement.app import build as build_one_statement


def test_one_statement_web_tier_passes_nag_and_cfn_lint_and_matches_its_snapshot(tmp_path, snapshot):
    app = cdk.App(outdir=str(tmp_path))
    stack = build_one_statement(app)
    assert_no_nag_findings(app)  # synthesizes with cdk-nag's AWS Solutions pack
    assert_cfn_lint_clean(tmp_path)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::AutoScaling::AutoScalingGroup", 1)
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup", {"HealthCheckPath": "/health"}
    )
    assert template.to_json() == snapshot.use_extension(CdkTemplateSnapshotExtension)


def test_storefront_with_its_own_props_passes_nag_and_cfn_lint(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = build_storefront(app)
    assert_no_nag_findings(app)
    assert_cfn_lint_clean(tmp_path)
    Template.from_stack(stack).has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"Port": 9000, "HealthCheckPath": "/healthz", "HealthCheckIntervalSeconds": 5},
    )
