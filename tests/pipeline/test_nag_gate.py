"""cdk-nag gates the pipeline's synth: a finding in any stage, or in the pipeline stack, fails it."""

from __future__ import annotations

import json

import pytest
from aws_cdk import aws_sns as sns

from constructs_lib.testing import CONSTRUCT_ANNOTATIONS_REPORT
from stacks.pipeline import DeliveryPipelineStack, create_pipeline_app
from stacks.stage import EnvironmentStage
from tests.pipeline.conftest import pipeline_context


def test_an_injected_violation_in_each_stage_and_in_the_pipeline_stack_fails_the_synth(tmp_path):
    # given: a two-environment pipeline app, built as build_pipeline_app builds it, with one unencrypted
    # topic (AwsSolutions-SNS3: no TLS-only policy) in each stage and one in the pipeline stack
    context = pipeline_context(environments=["dev", "stg"], manual_approval=["stg"])
    app, config, delivery = create_pipeline_app(context, outdir=str(tmp_path), builtin_validation=False)
    stages = [EnvironmentStage(app, config.environments[name]) for name in delivery.environments]
    for stage in stages:
        sns.Topic(stage.compute["ap-northeast-1"], "InjectedTopic")
    stack = DeliveryPipelineStack(app, "Delivery", app_name=config.app_name, delivery=delivery, stages=stages)
    sns.Topic(stack, "InjectedTopic")

    # when
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()

    # then: each injected topic is named, and nothing else is
    report = json.loads((tmp_path / "validation-report.json").read_text())
    violations = {
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        if plugin["pluginName"] != CONSTRUCT_ANNOTATIONS_REPORT  # the app's warnings, not rule findings
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }
    assert {path for _, path in violations} == {
        "Dev/Tokyo-Compute/InjectedTopic/Resource",
        "Stg/Tokyo-Compute/InjectedTopic/Resource",
        "Delivery/InjectedTopic/Resource",
    }
    assert {rule for rule, _ in violations} == {"AwsSolutions-SNS3"}
