"""AuditRules: AWS Config managed rules for the ops guide's audit items."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match

from constructs_lib.monitoring.audit import AuditRules
from tests.constructs_lib.monitoring.alarm_app import ENV, NAMING


def test_audit_rules_cover_the_ops_guide_items_scoped_to_the_environment(monitoring_app):
    template = monitoring_app["template"]
    for identifier, name in [
        ("INCOMING_SSH_DISABLED", "restricted-ssh"),
        ("RESTRICTED_INCOMING_TRAFFIC", "restricted-common-ports"),
        ("ENCRYPTED_VOLUMES", "encrypted-volumes"),
    ]:
        template.has_resource_properties(
            "AWS::Config::ConfigRule",
            {
                "ConfigRuleName": f"webapp-prod-{name}",
                "Source": {"Owner": "AWS", "SourceIdentifier": identifier},
                "Scope": {"TagKey": "Environment", "TagValue": "prod"},
            },
        )
    template.has_resource_properties(
        "AWS::Config::ConfigRule",
        {
            "ConfigRuleName": "webapp-prod-restricted-common-ports",
            "InputParameters": {
                "blockedPort1": 22,
                "blockedPort2": 3389,
                "blockedPort3": 3306,
                "blockedPort4": 5432,
                "blockedPort5": 6379,
            },
        },
    )
    template.has_resource_properties(
        "AWS::Config::ConfigRule",
        {"ConfigRuleName": "webapp-prod-cloudtrail-enabled", "MaximumExecutionFrequency": "TwentyFour_Hours"},
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {"source": ["aws.config"], "detail-type": ["Config Rules Compliance Change"]}
            )
        },
    )


def test_fails_when_more_than_five_ports_are_restricted():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(
        ValueError, match="restricted_ports has 6 ports; restricted-common-ports takes 1 to 5"
    ):
        AuditRules(stack, "Audit", naming=NAMING, restricted_ports=[1, 2, 3, 4, 5, 6])
