"""ResilientDatabase as a consumer meets it: one statement with defaults; an IDatabaseInstance for L2 APIs."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from aws_cdk.assertions import Template

from constructs_lib._core import Naming
from constructs_lib.data import DatabaseMaintenance, ResilientDatabase

ENV = cdk.Environment(account="111111111111", region="eu-west-1")


@pytest.fixture()
def stack_and_vpc():
    stack = cdk.Stack(cdk.App(), "Consumer", env=ENV)
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    return stack, vpc


def _instance_id(template: Template) -> str:
    (logical_id,) = template.find_resources("AWS::RDS::DBInstance")
    return logical_id


def test_one_statement_synthesizes_a_protected_multi_az_primary_named_by_naming(stack_and_vpc):
    stack, vpc = stack_and_vpc
    database = ResilientDatabase(stack, "Db", vpc=vpc, naming=Naming(app="shop", environment="qa"))
    template = Template.from_stack(stack)
    (instance,) = template.find_resources("AWS::RDS::DBInstance").values()
    props = instance["Properties"]
    assert props["DBInstanceIdentifier"] == "shop-qa-db" == database.instance_identifier
    assert props["MultiAZ"] is True and props["DeletionProtection"] is True
    assert props["BackupRetentionPeriod"] == 7
    assert props["AllocatedStorage"] == "20" and props["MaxAllocatedStorage"] == 100
    template.has_resource_properties("AWS::SecretsManager::Secret", {"Name": "rds/shop-qa-db/master"})


def test_defaults_assume_no_time_zone_rds_chooses_the_windows(stack_and_vpc):
    """No backup or maintenance window is written: RDS picks them from the region's own block."""
    stack, vpc = stack_and_vpc
    ResilientDatabase(stack, "Db", vpc=vpc, naming=Naming(app="shop", environment="qa"))
    (instance,) = Template.from_stack(stack).find_resources("AWS::RDS::DBInstance").values()
    assert "PreferredBackupWindow" not in instance["Properties"]
    assert "PreferredMaintenanceWindow" not in instance["Properties"]


def test_a_maintenance_window_in_utc_is_passed_through(stack_and_vpc):
    stack, vpc = stack_and_vpc
    ResilientDatabase(
        stack,
        "Db",
        vpc=vpc,
        naming=Naming(app="shop", environment="qa"),
        maintenance=DatabaseMaintenance(
            preferred_window="sun:18:00-sun:19:00", auto_minor_version_upgrade=False
        ),
    )
    (instance,) = Template.from_stack(stack).find_resources("AWS::RDS::DBInstance").values()
    assert instance["Properties"]["PreferredMaintenanceWindow"] == "sun:18:00-sun:19:00"
    assert instance["Properties"]["AutoMinorVersionUpgrade"] is False


def test_instance_is_an_idatabaseinstance_resolving_to_the_resources_own_ref_and_attributes(stack_and_vpc):
    stack, vpc = stack_and_vpc
    database = ResilientDatabase(stack, "Db", vpc=vpc, naming=Naming(app="shop", environment="qa"))
    instance = database.instance
    # jsii interfaces are not runtime-checkable: the L2's own base class is what imports return.
    assert isinstance(instance, rds.DatabaseInstanceBase)
    assert database.node.default_child is database.resource
    logical_id = _instance_id(Template.from_stack(stack))
    assert stack.resolve(instance.instance_identifier) == {"Ref": logical_id}
    assert stack.resolve(instance.db_instance_endpoint_address) == {
        "Fn::GetAtt": [logical_id, "Endpoint.Address"]
    }
    assert stack.resolve(instance.instance_resource_id) == {"Fn::GetAtt": [logical_id, "DbiResourceId"]}
    assert instance.engine is not None


def test_l2_metrics_connections_and_grants_work_on_the_wrapped_instance(stack_and_vpc):
    stack, vpc = stack_and_vpc
    database = ResilientDatabase(stack, "Db", vpc=vpc, naming=Naming(app="shop", environment="qa"))
    clients = ec2.SecurityGroup(stack, "Clients", vpc=vpc)
    role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))

    cpu = database.instance.metric_cpu_utilization()
    cloudwatch.Alarm(stack, "Cpu", metric=cpu, threshold=90, evaluation_periods=1)
    database.instance.connections.allow_default_port_from(clients, "app to db")
    database.instance.grant_connect(role, "app_user")

    template = Template.from_stack(stack)
    logical_id = _instance_id(template)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "CPUUtilization",
            "Namespace": "AWS/RDS",
            "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": {"Ref": logical_id}}],
        },
    )
    (db_sg,) = [k for k in template.find_resources("AWS::EC2::SecurityGroup") if k.startswith("DbNetwork")]
    ingress = template.find_resources(
        "AWS::EC2::SecurityGroupIngress", {"Properties": {"Description": "app to db"}}
    ).values()
    (rule,) = ingress
    assert rule["Properties"]["GroupId"] == {"Fn::GetAtt": [db_sg, "GroupId"]}
    assert (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"]) == (5432, 5432)
    policies = template.find_resources("AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (connect,) = [s for s in statements if s["Action"] == "rds-db:connect"]
    assert {"Fn::GetAtt": [logical_id, "DbiResourceId"]} in connect["Resource"]["Fn::Join"][1]


def test_replication_heartbeat_commits_on_the_primary_every_minute_from_inside_the_vpc(stack_and_vpc):
    from constructs_lib.data import ReplicationHeartbeat

    stack, vpc = stack_and_vpc
    database = ResilientDatabase(stack, "Db", vpc=vpc, naming=Naming(app="shop", environment="qa"))
    heartbeat = ReplicationHeartbeat(stack, "Heartbeat", database=database)
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(1 minute)"})
    (function,) = [
        f["Properties"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == "handler.handler"
    ]
    assert function["Environment"]["Variables"]["HEARTBEAT_SPACING_SECONDS"] == "30"
    assert function["ReservedConcurrentExecutions"] == 1 and "VpcConfig" in function
    sg = stack.resolve(heartbeat.security_group.security_group_id)
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress", {"SourceSecurityGroupId": sg, "FromPort": 5432, "ToPort": 5432}
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupEgress", {"GroupId": sg, "FromPort": 5432, "IpProtocol": "tcp"}
    )
