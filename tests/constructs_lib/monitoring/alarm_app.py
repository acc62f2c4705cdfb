"""One monitoring app for the monitoring tests, and helpers to find its alarms in the template.

The web service is handed over as another stack would: imported ALB, target group, ASG name,
database, healing function and dead-letter queue.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from constructs_lib._core import Naming
from constructs_lib.monitoring.metrics import DatabaseTarget, WebServiceMetricFactory
from constructs_lib.monitoring.service_alarms import ServiceAlarms

ACCOUNT, REGION = "123456789012", "ap-northeast-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)
ALB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/webapp-prod/0123456789abcdef"
TG_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/webapp-prod-web/fedcba9876543210"
ALB = "app/webapp-prod/0123456789abcdef"
TG = "targetgroup/webapp-prod-web/fedcba9876543210"
ASG = "webapp-prod-web"
NAMING = Naming(app="webapp", environment="prod")


def service_inputs(stack: cdk.Stack) -> WebServiceMetricFactory:
    """The web service as another stack would hand it over: imported ALB, target group, ASG name."""
    alb = elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack, "Alb", load_balancer_arn=ALB_ARN, security_group_id="sg-0123456789abcdef0"
    )
    target_group = elbv2.ApplicationTargetGroup.from_target_group_attributes(
        stack, "TargetGroup", target_group_arn=TG_ARN, load_balancer_arns=ALB_ARN
    )
    return WebServiceMetricFactory(
        auto_scaling_group_name=ASG,
        load_balancer=alb,
        target_group=target_group,
        database=DatabaseTarget(
            instance_identifier="webapp-prod-db", allocated_storage_gib=100, memory_gib=4
        ),
        healing_function=lambda_.Function.from_function_arn(
            stack, "Heal", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:webapp-prod-auto-heal"
        ),
        dead_letter_queue=sqs.Queue.from_queue_arn(
            stack, "Dlq", f"arn:aws:sqs:{REGION}:{ACCOUNT}:webapp-prod-heal-dlq"
        ),
    )


def find_alarm(raw: dict, name: str) -> tuple[str, dict]:
    """Logical id and properties of the one metric or composite alarm named ``name``."""
    found = [
        (logical_id, r["Properties"])
        for logical_id, r in raw["Resources"].items()
        if r["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        and r["Properties"].get("AlarmName") == name
    ]
    assert len(found) == 1, f"no alarm named {name}"
    return found[0]


def rule_children(rule: dict) -> set[str]:
    """Logical ids of the alarms an AlarmRule (Fn::Join of ALARM("arn")) refers to."""
    return {part["Fn::GetAtt"][0] for part in rule["Fn::Join"][1] if isinstance(part, dict)}


def metric_math(props: dict) -> tuple[str, dict[str, dict]]:
    """The returned expression of a metric-math alarm and its inputs by id."""
    (expression,) = [m for m in props["Metrics"] if m.get("ReturnData", True) and "Expression" in m]
    inputs = {m["Id"]: m["MetricStat"] for m in props["Metrics"] if "MetricStat" in m}
    return expression["Expression"], inputs


def service_alarms_alone(thresholds, **kwargs) -> ServiceAlarms:
    """ServiceAlarms on a group name only, in a stack of its own (for validation tests)."""
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    return ServiceAlarms(
        stack, "Web", naming=NAMING, metrics=WebServiceMetricFactory(auto_scaling_group_name=ASG),
        thresholds=thresholds, **kwargs,
    )  # fmt: skip
