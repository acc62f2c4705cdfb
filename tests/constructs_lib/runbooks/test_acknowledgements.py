"""Every cdk-nag finding the runbook constructs acknowledge, per construct, as a reviewed snapshot.

A new acknowledgement (or a changed reason) changes the snapshot, so it shows up in review next to
the code that needs it. Update with ``pytest tests/constructs_lib/runbooks/test_acknowledgements.py
--snapshot-update`` and review the diff.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from constructs import IConstruct

from constructs_lib import AppProbe, Naming
from constructs_lib.runbooks import InstanceRecoveryRunbook
from tests.constructs_lib.runbooks.helpers import TOKYO

# The metadata entry aws-cdk-lib writes for Validations.of(scope).acknowledge(...):
# {"<prefix>::<rule id>": reason}.
ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"


def acknowledged(construct: IConstruct) -> dict[str, dict[str, str]]:
    """{path below ``construct`` ("." for itself): {rule id: reason}} of every acknowledgement."""
    found: dict[str, dict[str, str]] = {}
    root = construct.node.path
    for node in construct.node.find_all():
        for entry in node.node.metadata:
            if entry.type != ACKNOWLEDGED_RULES:
                continue
            path = node.node.path.removeprefix(root).lstrip("/") or "."
            rules = {key.split("::", 1)[1]: reason for key, reason in dict(entry.data).items()}
            found.setdefault(path, {}).update(rules)
    return {path: dict(sorted(rules.items())) for path, rules in sorted(found.items())}


def test_acknowledged_rules_of_every_dr_runbook(dr_synthesized, snapshot):
    runbooks = dr_synthesized[0]
    listed = {name: acknowledged(runbook) for name, (_, runbook) in sorted(runbooks.items())}
    assert all(listed.values()), "every runbook acknowledges at least its KMS publish grant"
    assert listed == snapshot


def test_acknowledged_rules_of_the_instance_recovery_runbook(snapshot):
    stack = cdk.Stack(cdk.App(), "Runbooks", env=TOKYO)
    topics = {"high": sns.Topic(stack, "High")}
    runbook = InstanceRecoveryRunbook(
        stack,
        "Recovery",
        naming=Naming(app="webapp", environment="prod"),
        notification_topics=topics,
        app_probe=AppProbe(),
    )
    listed = acknowledged(runbook)
    assert listed
    assert listed == snapshot


def test_the_lister_finds_an_acknowledgement_where_it_was_made():
    stack = cdk.Stack(cdk.App(), "S")
    child = cdk.CfnResource(stack, "Child", type="AWS::SNS::Topic")
    cdk.Validations.of(child).acknowledge(
        cdk.Acknowledgment(id="AwsSolutions-SNS3", reason="a reason long enough to count")
    )
    assert acknowledged(stack) == {"Child": {"AwsSolutions-SNS3": "a reason long enough to count"}}
