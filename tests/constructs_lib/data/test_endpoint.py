"""The database endpoint the application reads, switched by the point-in-time restore (its contract)."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from constructs_lib._core import Naming
from constructs_lib.data import DatabaseEndpointParameter, ResilientDatabase

ENV = cdk.Environment(account="111111111111", region="ap-northeast-1")
NAMING = Naming(app="webapp", environment="prod")


@pytest.fixture(scope="module")
def app_with_runbook_stack():
    app = cdk.App()
    data = cdk.Stack(app, "Data", env=ENV)
    database = ResilientDatabase(data, "Db", vpc=ec2.Vpc(data, "Vpc", max_azs=2), naming=NAMING)
    parameter = DatabaseEndpointParameter(
        data, "Endpoint", naming=NAMING, endpoint_address=database.endpoint_address
    )
    app_role = iam.Role(data, "App", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    parameter.grant_read(app_role)
    dr = cdk.Stack(app, "Dr", env=ENV)
    runbook_role = iam.Role(dr, "Runbook", assumed_by=iam.ServicePrincipal("ssm.amazonaws.com"))
    parameter.grant_switch(runbook_role)
    return data, dr, database, parameter


def test_parameter_holds_the_instances_endpoint_address_under_a_name_of_the_environment(
    app_with_runbook_stack,
):
    data, _, _, parameter = app_with_runbook_stack
    template = Template.from_stack(data)
    (instance_id,) = template.find_resources("AWS::RDS::DBInstance")
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {
            "Name": "/webapp/prod/db/endpoint",
            "Type": "String",
            "Value": {"Fn::GetAtt": [instance_id, "Endpoint.Address"]},
        },
    )
    assert parameter.parameter_name == "/webapp/prod/db/endpoint"


def test_the_app_may_read_and_the_runbook_in_another_stack_may_switch_without_a_cross_stack_reference(
    app_with_runbook_stack,
):
    data, dr, _, _ = app_with_runbook_stack
    app_policy = json.dumps(Template.from_stack(data).find_resources("AWS::IAM::Policy"))
    assert "ssm:GetParameter" in app_policy and "ssm:PutParameter" not in app_policy
    dr_template = Template.from_stack(dr).to_json()
    (policy,) = [r for r in dr_template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["ssm:GetParameter", "ssm:PutParameter"]
    assert "parameter/webapp/prod/db/endpoint" in json.dumps(statement["Resource"])
    assert "Fn::ImportValue" not in json.dumps(dr_template)


def test_fails_when_the_parameter_name_is_not_an_ssm_path():
    stack = cdk.Stack(cdk.App(), "S", env=ENV)
    with pytest.raises(ValueError, match=r"parameter_name \('db endpoint'\) must start with '/'"):
        DatabaseEndpointParameter(
            stack, "P", naming=NAMING, endpoint_address="db.example.com", parameter_name="db endpoint"
        )
