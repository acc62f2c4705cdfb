"""AutoHealingWebService: ALB, target group, launch template, Auto Scaling group, nightly stop."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Annotations, Match, Template

from constructs_lib._core import AppProbe
from constructs_lib.alerting import PauseSwitch
from constructs_lib.web import AutoHealingWebService, NightlyStop, TargetHealthCheck

ENV = cdk.Environment(account="111111111111", region="ap-northeast-1")
CERT = "arn:aws:acm:ap-northeast-1:111111111111:certificate/0000-1111"


def _stack():
    stack = cdk.Stack(cdk.App(), "Web", env=ENV)
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        availability_zones=["ap-northeast-1a", "ap-northeast-1c"],
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )
    return stack, vpc


@pytest.fixture(scope="module")
def https_service():
    stack, vpc = _stack()
    web = AutoHealingWebService(
        stack,
        "Web",
        vpc=vpc,
        instance_type="t3.small",
        min_capacity=2,
        max_capacity=6,
        desired_capacity=3,
        certificate_arn=CERT,
        warm_pool_size=1,
        nightly_stop=NightlyStop(timezone="Asia/Tokyo"),
        pause_switch=PauseSwitch.from_parameter_name(stack, "Pause", "/webapp/test/pause"),
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    return web, Template.from_stack(stack)


@pytest.fixture(scope="module")
def http_service():
    stack, vpc = _stack()
    web = AutoHealingWebService(
        stack,
        "Web",
        vpc=vpc,
        instance_type="t3.micro",
        min_capacity=1,
        max_capacity=2,
        health_check=TargetHealthCheck(interval_seconds=15, unhealthy_threshold=3),
    )
    return web, Template.from_stack(stack)


def test_group_uses_elb_health_checks_and_never_carries_a_desired_capacity(https_service):
    _, t = https_service
    t.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "HealthCheckType": "ELB",
            "HealthCheckGracePeriod": 180,
            "MinSize": "2",
            "MaxSize": "6",
            "DesiredCapacity": Match.absent(),
            "InstanceMaintenancePolicy": {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200},
        },
    )


def test_target_group_detects_a_dead_instance_faster_than_the_seed(https_service, http_service):
    _, t = https_service
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "HealthCheckPath": "/health",
            "HealthCheckPort": "8080",
            "HealthCheckIntervalSeconds": 10,
            "UnhealthyThresholdCount": 2,
            "Port": 8080,
        },
    )
    _, t2 = http_service
    t2.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"HealthCheckIntervalSeconds": 15, "UnhealthyThresholdCount": 3},
    )


def test_launch_template_is_al2023_imdsv2_encrypted_gp3_with_detailed_monitoring(https_service):
    _, t = https_service
    t.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {
            "LaunchTemplateData": Match.object_like(
                {
                    "MetadataOptions": Match.object_like({"HttpTokens": "required"}),
                    "Monitoring": {"Enabled": True},
                    "BlockDeviceMappings": [
                        {
                            "DeviceName": "/dev/xvda",
                            "Ebs": Match.object_like({"Encrypted": True, "VolumeType": "gp3"}),
                        }
                    ],
                    "ImageId": {"Ref": Match.string_like_regexp("SsmParameterValue.*al2023.*")},
                }
            )
        },
    )
    params = t.to_json()["Parameters"]
    al2023 = [p for k, p in params.items() if "al2023" in k]
    assert al2023 and al2023[0]["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>"


def test_user_data_runs_the_app_as_a_systemd_unit_and_the_cloudwatch_agent_by_group(https_service):
    _, t = https_service
    lt = next(iter(t.find_resources("AWS::EC2::LaunchTemplate").values()))
    script = json.loads(json.dumps(lt["Properties"]["LaunchTemplateData"]["UserData"]))["Fn::Base64"]
    assert isinstance(script, str)  # nothing to resolve at deploy time
    assert "systemctl enable --now webapp.service" in script
    assert "Restart=always" in script
    assert "HEALTH_PATH=/health" in script
    assert "dnf install -y amazon-cloudwatch-agent" in script
    agent = json.loads(script.split("<<'CWA'\n", 1)[1].split("\nCWA", 1)[0])
    assert agent["metrics"]["aggregation_dimensions"] == [["AutoScalingGroupName"]]
    assert agent["metrics"]["metrics_collected"]["mem"]["measurement"] == ["mem_used_percent"]


def test_only_the_alb_reaches_instances_and_https_redirects(https_service):
    web, t = https_service
    assert (
        Annotations.from_stack(cdk.Stack.of(web)).find_warning("*", Match.string_like_regexp("plain HTTP"))
        == []
    )
    t.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {"FromPort": 8080, "ToPort": 8080, "SourceSecurityGroupId": Match.any_value()},
    )
    ingress = [
        r
        for r in t.find_resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"].get("CidrIp") == "0.0.0.0/0"
    ]
    assert ingress == []  # world-open rules live only on the ALB's own group
    t.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "Internet-facing ALB: HTTP and HTTPS from anywhere",
            "SecurityGroupIngress": [
                Match.object_like({"CidrIp": "0.0.0.0/0", "FromPort": 80}),
                Match.object_like({"CidrIp": "0.0.0.0/0", "FromPort": 443}),
            ],
        },
    )
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": CERT}],
            # AWS's recommended policy (TLS 1.3 and 1.2, post-quantum hybrid key exchange)
            "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        },
    )
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 80, "DefaultActions": [Match.object_like({"Type": "redirect"})]},
    )


def test_without_certificate_the_listener_forwards_http_and_warns(http_service):
    web, t = http_service
    warnings = Annotations.from_stack(cdk.Stack.of(web)).find_warning(
        "*", Match.string_like_regexp("plain HTTP")
    )
    assert len(warnings) == 1
    t.resource_count_is("AWS::ElasticLoadBalancingV2::Listener", 1)
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 80, "Protocol": "HTTP", "DefaultActions": [Match.object_like({"Type": "forward"})]},
    )


def test_plain_http_warning_quotes_the_callers_reason():
    stack, vpc = _stack()
    AutoHealingWebService(stack, "Web", vpc=vpc, allow_plain_http="internal tool behind the VPN")
    warnings = Annotations.from_stack(stack).find_warning(
        "*", Match.string_like_regexp("plain HTTP. Allowed because: internal tool behind the VPN.")
    )
    assert len(warnings) == 1


def test_scales_by_target_tracking_on_cpu_and_requests(https_service):
    _, t = https_service
    t.has_resource_properties(
        "AWS::AutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": Match.object_like(
                {
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
                    "TargetValue": 70,
                }
            ),
        },
    )
    t.has_resource_properties(
        "AWS::AutoScaling::ScalingPolicy",
        {
            "TargetTrackingConfiguration": Match.object_like(
                {
                    "PredefinedMetricSpecification": Match.object_like(
                        {"PredefinedMetricType": "ALBRequestCountPerTarget"}
                    ),
                    "TargetValue": 1000,
                }
            )
        },
    )


def test_warm_pool_and_instance_role_limits(https_service):
    _, t = https_service
    t.has_resource_properties("AWS::AutoScaling::WarmPool", {"MinSize": 1, "PoolState": "Stopped"})
    role = [
        r
        for r in t.find_resources("AWS::IAM::Role").values()
        if "ec2.amazonaws.com" in str(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert len(role) == 1
    policies = str(role[0]["Properties"]["ManagedPolicyArns"])
    assert "AmazonSSMManagedInstanceCore" in policies and "CloudWatchAgentServerPolicy" in policies
    assert "Policies" not in role[0]["Properties"]


def test_nightly_stop_scales_to_zero_and_sets_the_pause_switch_around_it(https_service):
    _, t = https_service
    t.has_resource_properties(
        "AWS::AutoScaling::ScheduledAction",
        {
            "Recurrence": "0 22 * * MON-FRI",
            "TimeZone": "Asia/Tokyo",
            "MinSize": 0,
            "MaxSize": 0,
            "DesiredCapacity": 0,
        },
    )
    t.has_resource_properties(
        "AWS::AutoScaling::ScheduledAction",
        {"Recurrence": "0 8 * * MON-FRI", "MinSize": 2, "MaxSize": 6, "DesiredCapacity": 3},
    )
    # the pause switch: "scheduled" 5 min before the stop, cleared 15 min after the start, through the
    # nightly pause state machine (which leaves a person's "true" alone: test_nightly_pause.py)
    web, _ = https_service
    machine = {"Ref": cdk.Stack.of(web).get_logical_id(web.nightly_pause.state_machine.node.default_child)}
    retry = {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 600}
    for cron, transition in (("cron(55 21 ? * MON-FRI *)", "pause"), ("cron(15 8 ? * MON-FRI *)", "resume")):
        t.has_resource_properties(
            "AWS::Scheduler::Schedule",
            {
                "ScheduleExpression": cron,
                "ScheduleExpressionTimezone": "Asia/Tokyo",
                "Target": Match.object_like(
                    {"Arn": machine, "Input": f'{{"transition":"{transition}"}}', "RetryPolicy": retry}
                ),
            },
        )
    assert len(t.find_resources("AWS::Scheduler::Schedule")) == 2
    t.has_resource_properties("AWS::StepFunctions::StateMachine", {"StateMachineType": "EXPRESS"})


def test_access_logs_bucket_is_encrypted_and_torn_down_with_destroy(https_service):
    _, t = https_service
    t.has_resource(
        "AWS::S3::Bucket",
        {
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": Match.object_like(
                {"BucketEncryption": Match.any_value(), "PublicAccessBlockConfiguration": Match.any_value()}
            ),
        },
    )
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}]
            )
        },
    )
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {"LoadBalancerAttributes": Match.array_with([{"Key": "access_logs.s3.enabled", "Value": "true"}])},
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"min_capacity": 5, "max_capacity": 2}, r"min_capacity \(5\) must be <= max_capacity \(2\)"),
        (
            {"desired_capacity": 9},
            r"desired_capacity \(9\) must be between min_capacity \(1\) and max_capacity \(3\)",
        ),
        ({"health_check": TargetHealthCheck(timeout_seconds=10)}, r"health_check\.timeout_seconds \(10\)"),
        ({"nightly_stop": NightlyStop(timezone="UTC")}, r"nightly_stop needs pause_switch"),
        (
            {"certificate_arn": "arn:aws:acm:us-east-1:111111111111:certificate/x"},
            r"certificate_arn .* is in us-east-1, not in the stack's region \(ap-northeast-1\)",
        ),
        ({"cpu_target_percent": 0}, r"cpu_target_percent \(0\) must be 1-100"),
        (
            {"app_probe": AppProbe(health_path="/health$(reboot)")},
            r"app_probe\.health_path \('/health\$\(reboot\)'\) reaches the instances' boot script",
        ),
    ],
)
def test_fails_when_props_are_bad(props, message):
    stack, vpc = _stack()
    if props.get("pause_switch") == "switch":
        props = {**props, "pause_switch": PauseSwitch.from_parameter_name(stack, "Pause", "/a/b/pause")}
    base = {"vpc": vpc, "instance_type": "t3.micro", "min_capacity": 1, "max_capacity": 3}
    with pytest.raises(ValueError, match=message):
        AutoHealingWebService(stack, "Web", **{**base, **props})


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        ({"service_unit": "web app; rm -rf /"}, r"service_unit .* must be a plain systemd unit name"),
        ({"service_unit": "--force"}, r"not starting with '-'"),
    ],
)
def test_fails_when_the_app_probe_could_reach_systemctl_as_an_option(probe, message):
    with pytest.raises(ValueError, match=message):
        AppProbe(**probe)


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ((0, 0, 0), "min_capacity (0) must be >= 0 and max_capacity (0) >= 1."),
        ((-1, 2, 0), "min_capacity (-1) must be >= 0 and max_capacity (2) >= 1."),
        ((3, 2, 2), "min_capacity (3) must be <= max_capacity (2): lower the minimum or raise the maximum."),
        ((1, 2, 3), "desired_capacity (3) must be between min_capacity (1) and max_capacity (2)."),
    ],
)
def test_validate_capacity_fails_naming_the_sizes_and_the_fix(sizes, message):
    import re

    from constructs_lib import validate_capacity

    low, high, desired = sizes
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        validate_capacity(min_capacity=low, max_capacity=high, desired_capacity=desired)
    validate_capacity(min_capacity=0, max_capacity=1, desired_capacity=0)


@pytest.mark.parametrize(
    ("arn", "region", "message"),
    [
        (
            "arn:aws:acm:ap-northeast-1:111111111111:cert/x",
            None,
            "certificate_arn ('arn:aws:acm:ap-northeast-1:111111111111:cert/x') must be an ACM certificate "
            "ARN (arn:aws:acm:<region>:<account>:certificate/<id>).",
        ),
        (
            "arn:aws:acm:us-east-1:111111111111:certificate/x",
            "ap-northeast-1",
            "certificate_arn (arn:aws:acm:us-east-1:111111111111:certificate/x) is in us-east-1, not in the "
            "stack's region (ap-northeast-1): an ALB can only use a certificate from its own region; issue "
            "one in ap-northeast-1.",
        ),
    ],
)
def test_validate_certificate_arn_fails_naming_the_value_and_the_fix(arn, region, message):
    import re

    from constructs_lib import validate_certificate_arn

    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        validate_certificate_arn(arn, region=region)
    arn = "arn:aws-us-gov:acm:us-gov-west-1:111111111111:certificate/ab-12"
    assert validate_certificate_arn(arn, region="us-gov-west-1") == arn
