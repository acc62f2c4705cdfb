"""cdk-nag findings: each with its construct path, acknowledged ones left out, annotations ignored."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from constructs_lib.testing import NagFinding, assert_no_nag_findings, nag_findings


def _unencrypted_topic_app(tmp_path, *, acknowledged: bool = False, in_stage: bool = False) -> cdk.App:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    scope = cdk.Stage(app, "Prod") if in_stage else app
    stack = cdk.Stack(scope, "Alerts", env=cdk.Environment(account="111111111111", region="ap-northeast-1"))
    topic = sns.Topic(stack, "Topic", master_key=None)
    if acknowledged:
        cdk.Validations.of(topic).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-SNS3", reason="publishers are AWS services inside the account"
            )
        )
    return app


def test_nag_findings_lists_each_finding_with_its_construct_path(tmp_path):
    findings = nag_findings(_unencrypted_topic_app(tmp_path))
    assert (
        NagFinding(
            rule="AwsSolutions-SNS3",
            severity="error",
            construct_path="Alerts/Topic/Resource",
            description="The SNS Topic does not require publishers to use SSL.",
        )
        in findings
    )


def test_nag_findings_reach_stacks_inside_a_stage(tmp_path):
    findings = nag_findings(_unencrypted_topic_app(tmp_path, in_stage=True))
    assert [f.construct_path for f in findings if f.rule == "AwsSolutions-SNS3"] == [
        "Prod/Alerts/Topic/Resource"
    ]


def test_acknowledged_findings_are_not_reported(tmp_path):
    assert nag_findings(_unencrypted_topic_app(tmp_path, acknowledged=True)) == []
    assert_no_nag_findings(_unencrypted_topic_app(tmp_path / "again", acknowledged=True))


def test_fails_when_a_finding_is_unacknowledged_and_names_rule_and_path(tmp_path):
    with pytest.raises(AssertionError) as raised:
        assert_no_nag_findings(_unencrypted_topic_app(tmp_path))
    assert "AwsSolutions-SNS3 (error) at Alerts/Topic/Resource" in str(raised.value)
    assert "acknowledge" in str(raised.value)


def test_construct_annotations_in_the_validation_report_are_not_nag_findings(tmp_path):
    # A `cdk init` app sets @aws-cdk/core:annotationsInValidationReport: warnings join the report.
    app = cdk.App(
        outdir=str(tmp_path / "cdk.out"), context={"@aws-cdk/core:annotationsInValidationReport": True}
    )
    stack = cdk.Stack(app, "Queues", env=cdk.Environment(account="111111111111", region="ap-northeast-1"))
    dead_letters = sqs.Queue(stack, "Dlq", enforce_ssl=True)
    queue = sqs.Queue(
        stack,
        "Queue",
        enforce_ssl=True,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=3),
    )
    cdk.Annotations.of(queue).add_warning_v2("example:warning", "a warning the app means")
    assert nag_findings(app) == []
