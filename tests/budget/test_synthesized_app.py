"""The budget on a real CDK synth: the shapes aws-cdk-lib emits (string sizes, ImportValue, GetAtt).

A small two-stack stage (compute + monitoring) is synthesized once for the module; the numbers must
follow from the props given here, through CDK's own rendering.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_

from tools.recovery_budget import compute_budget

ENV = cdk.Environment(account="111111111111", region="ap-northeast-1")


def _synth(outdir: str, interval_seconds: int) -> None:
    app = cdk.App(outdir=outdir, builtin_cloud_formation_validation=False)
    stage = cdk.Stage(app, "Prod")
    compute = cdk.Stack(stage, "Tokyo-Compute", env=ENV)
    vpc = ec2.Vpc(compute, "Vpc", max_azs=2, nat_gateways=0)
    template = ec2.LaunchTemplate(
        compute,
        "Lt",
        instance_type=ec2.InstanceType("t3.micro"),
        machine_image=ec2.MachineImage.latest_amazon_linux2023(),
        detailed_monitoring=True,
        security_group=ec2.SecurityGroup(compute, "Sg", vpc=vpc),
    )
    group = autoscaling.AutoScalingGroup(
        compute,
        "Asg",
        vpc=vpc,
        launch_template=template,
        min_capacity=2,
        max_capacity=4,
        health_checks=autoscaling.HealthChecks.with_additional_checks(
            additional_types=[autoscaling.AdditionalHealthCheckType.ELB],
            grace_period=cdk.Duration.seconds(300),
        ),
    )
    listener = elbv2.ApplicationLoadBalancer(compute, "Alb", vpc=vpc, internet_facing=True).add_listener(
        "L", port=80
    )
    listener.add_targets(
        "Web",
        port=80,
        targets=[group],
        health_check=elbv2.HealthCheck(
            path="/health",
            interval=cdk.Duration.seconds(interval_seconds),
            timeout=cdk.Duration.seconds(5),
            unhealthy_threshold_count=2,
            healthy_threshold_count=2,
        ),
    )
    monitoring = cdk.Stack(stage, "Tokyo-Monitoring", env=ENV)
    cloudwatch.Alarm(
        monitoring,
        "Memory",
        alarm_name="webapp-prod-web-memory-medium",
        metric=cloudwatch.Metric(
            namespace="CWAgent",
            metric_name="mem_used_percent",
            dimensions_map={"AutoScalingGroupName": group.auto_scaling_group_name},
            period=cdk.Duration.minutes(1),
        ),
        threshold=85,
        evaluation_periods=3,
    )
    heal = lambda_.Function(
        monitoring,
        "Heal",
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )
    events.Rule(
        monitoring,
        "AlarmState",
        event_pattern=events.EventPattern(
            source=["aws.cloudwatch"],
            detail_type=["CloudWatch Alarm State Change"],
            detail={"alarmName": [{"prefix": "webapp-prod-"}], "state": {"value": ["ALARM"]}},
        ),
        targets=[targets.LambdaFunction(heal)],
    )
    app.synth()


@pytest.fixture(scope="module")
def budgets(tmp_path_factory):
    found = {}
    for interval in (10, 30):
        outdir = tmp_path_factory.mktemp(f"synth{interval}")
        _synth(str(outdir), interval)
        found[interval] = compute_budget(outdir, env="prod")
    return found


def test_target_group_and_group_settings_come_through_cdk(budgets):
    hung = budgets[10].scenario("process_hung")
    # 10 x 2 + 5 + ASG poll 60; boot 120 + 10 x 2
    assert (hung.detection_seconds, hung.recovery_seconds) == (85, 140)
    assert "Prod/Tokyo-Compute/" in hung.detection.steps[0].source


def test_a_health_check_interval_change_in_the_app_moves_the_budget(budgets):
    fast, slow = budgets[10].scenario("process_hung"), budgets[30].scenario("process_hung")
    assert slow.total_seconds - fast.total_seconds == 20 * 2 + 20 * 2


def test_cross_stack_alarm_reaches_the_healing_function_through_its_rule(budgets):
    memory = budgets[10].scenario("memory_pressure")
    # agent 60 + 3 x 60 + 60 + 60, EventBridge 5 + cold start 10 + action 5; restart 30 + one round
    # of probes 60 + 10 x 2
    assert memory.detection_seconds == 380
    assert memory.recovery_seconds == 110
    assert any("rule Prod/Tokyo-Monitoring/AlarmState" in step.source for step in memory.detection.steps)
    assert "Prod/Tokyo-Monitoring/Heal" in memory.detection.name


def test_the_two_subnets_give_two_availability_zones(budgets):
    az = budgets[10].scenario("az_loss")
    assert az.gap_reason is None
    assert "in the other 1 AZ(s)" in az.recovery.name
