"""PauseSwitch: the parameter, its grants, its alarm, imports by name (tokens included)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Match, Template

from constructs_lib import IPauseSwitch, Naming, PauseSwitch, PauseSwitchAlarm

NAMING = Naming(app="shop", environment="qa")
ENV = cdk.Environment(account="123456789012", region="eu-west-1")


def _stack() -> cdk.Stack:
    return cdk.Stack(cdk.App(), "Ops", env=ENV)


def test_one_statement_creates_the_parameter_false_and_its_alarm():
    stack = _stack()
    switch = PauseSwitch(stack, "Pause", naming=NAMING)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SSM::Parameter", {"Name": "/shop/qa/pause", "Type": "String", "Value": "false"}
    )
    assert isinstance(switch.alarm, PauseSwitchAlarm)
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"AlarmName": "shop-qa-operations-paused-low"})
    assert isinstance(switch, IPauseSwitch)


def test_the_parameter_says_what_each_value_means_and_who_sets_it():
    stack = _stack()
    PauseSwitch(stack, "Pause", naming=NAMING, with_alarm=False)
    (parameter,) = Template.from_stack(stack).find_resources("AWS::SSM::Parameter").values()
    description = parameter["Properties"]["Description"]
    assert description.startswith("false: healing and paging act.")
    assert "true: paused by a person" in description and "only a person clears it" in description
    assert "scheduled: paused by the nightly stop, whose morning job clears it" in description
    assert len(description) <= 1024  # SSM's limit


def test_the_parameter_keeps_the_logical_id_it_would_have_if_created_directly():
    direct, wrapped = _stack(), _stack()
    ssm.StringParameter(direct, "PauseSwitch", parameter_name="/shop/qa/pause", string_value="false")
    PauseSwitch(wrapped, "PauseSwitch", naming=NAMING, with_alarm=False)
    ids = [list(Template.from_stack(s).find_resources("AWS::SSM::Parameter")) for s in (direct, wrapped)]
    assert ids[0] == ids[1]


def test_without_alarm_only_the_parameter_is_created():
    stack = _stack()
    switch = PauseSwitch(stack, "Pause", naming=NAMING, with_alarm=False)
    assert switch.alarm is None
    Template.from_stack(stack).resource_count_is("AWS::CloudWatch::Alarm", 0)


def test_grants_read_and_write_on_the_parameter_only():
    stack = _stack()
    switch = PauseSwitch(stack, "Pause", naming=NAMING, with_alarm=False)
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    writer = iam.Role(stack, "Writer", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    switch.grant_read(reader)
    switch.grant_write(writer)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("Reader")}],
            "PolicyDocument": {
                "Statement": [Match.object_like({"Action": Match.array_with(["ssm:GetParameter"])})]
            },
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("Writer")}],
            "PolicyDocument": {"Statement": [Match.object_like({"Action": "ssm:PutParameter"})]},
        },
    )


def test_a_token_name_is_accepted():
    stack = _stack()
    other = ssm.StringParameter(stack, "Other", string_value="false")
    switch = PauseSwitch(stack, "Pause", naming=NAMING, parameter_name=other.parameter_name, with_alarm=False)
    assert cdk.Token.is_unresolved(switch.parameter_name)
    imported = PauseSwitch.from_parameter_name(stack, "Imported", other.parameter_name)
    assert cdk.Token.is_unresolved(imported.parameter_name)


def test_an_imported_switch_grants_and_creates_nothing():
    stack = _stack()
    imported = PauseSwitch.from_parameter_name(stack, "Imported", "/shop/qa/pause")
    assert isinstance(imported, IPauseSwitch)
    assert imported.parameter_name == "/shop/qa/pause"
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    imported.grant_read(role)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SSM::Parameter", 0)
    assert "parameter/shop/qa/pause" in str(stack.resolve(imported.parameter_arn))


@pytest.mark.parametrize("name", ["shop/qa/pause", "pause"])
def test_fails_when_a_literal_name_is_not_a_full_path(name):
    with pytest.raises(ValueError, match=r"parameter_name \('.*'\) must be a full parameter path"):
        PauseSwitch(_stack(), "Pause", naming=NAMING, parameter_name=name)
    with pytest.raises(ValueError, match="must be a full parameter path"):
        PauseSwitch.from_parameter_name(_stack(), "Imported", name)
