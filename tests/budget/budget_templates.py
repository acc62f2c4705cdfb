"""Hand-built CloudFormation fragments and mini cloud assemblies for the recovery-budget tests.

Each builder returns ``(logical_id, resource)`` with only the properties the budget reads, in the
shapes CDK synthesizes (numbers as strings where CDK writes strings, Ref/GetAtt/ImportValue links).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.cloud_assembly import StackArtifact, Stage

ACCOUNT = "111111111111"
TOKYO = "ap-northeast-1"
OSAKA = "ap-northeast-3"
GLOBAL = "us-east-1"

Resources = dict[str, dict[str, Any]]


def target_group(
    interval: int | None = 10, timeout: int | None = 5, unhealthy: int | None = 2, healthy: int | None = 2
) -> Resources:
    props: dict[str, Any] = {"HealthCheckPath": "/health", "Port": 80, "Protocol": "HTTP"}
    for key, value in (
        ("HealthCheckIntervalSeconds", interval),
        ("HealthCheckTimeoutSeconds", timeout),
        ("UnhealthyThresholdCount", unhealthy),
        ("HealthyThresholdCount", healthy),
    ):
        if value is not None:
            props[key] = value
    return {"WebTg": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": props}}


def subnets(count: int) -> Resources:
    return {
        f"Subnet{i}": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"AvailabilityZone": f"ap-northeast-1{'acd'[i]}", "CidrBlock": f"10.0.{i}.0/24"},
        }
        for i in range(count)
    }


def group(
    *,
    health: str = "ELB",
    grace: int = 300,
    min_size: int = 2,
    max_size: int = 4,
    azs: int = 2,
    desired: int | None = None,
    maintenance: tuple[int, int] | None = None,
    warmup: int | None = None,
    with_tg: bool = True,
    name: str | None = None,
) -> Resources:
    props: dict[str, Any] = {
        "HealthCheckType": health,
        "HealthCheckGracePeriod": grace,
        "MinSize": str(min_size),
        "MaxSize": str(max_size),
        "LaunchTemplate": {
            "LaunchTemplateId": {"Ref": "WebLt"},
            "Version": {"Fn::GetAtt": ["WebLt", "LatestVersionNumber"]},
        },
        "VPCZoneIdentifier": [{"Ref": f"Subnet{i}"} for i in range(azs)],
    }
    if with_tg:
        props["TargetGroupARNs"] = [{"Ref": "WebTg"}]
    if desired is not None:
        props["DesiredCapacity"] = str(desired)
    if maintenance is not None:
        props["InstanceMaintenancePolicy"] = {
            "MinHealthyPercentage": maintenance[0],
            "MaxHealthyPercentage": maintenance[1],
        }
    if warmup is not None:
        props["DefaultInstanceWarmup"] = warmup
    if name is not None:
        props["AutoScalingGroupName"] = name
    return {"WebAsg": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": props}, **subnets(azs)}


def launch_template(detailed: bool = True, user_data: str | None = None) -> Resources:
    data: dict[str, Any] = {"Monitoring": {"Enabled": detailed}}
    if user_data is not None:  # CDK's rendering: Fn::Base64 of the script (a Fn::Join when it has tokens)
        data["UserData"] = {"Fn::Base64": user_data}
    return {"WebLt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": data}}}


def launch_hook(
    transition: str = "autoscaling:EC2_INSTANCE_LAUNCHING", heartbeat: int = 600, *, as_resource: bool = True
) -> Resources:
    """A lifecycle hook on WebAsg: its own resource (``AWS::AutoScaling::LifecycleHook``) by default."""
    hook = {"LifecycleTransition": transition, "HeartbeatTimeout": heartbeat, "DefaultResult": "ABANDON"}
    if as_resource:
        props = {"AutoScalingGroupName": {"Ref": "WebAsg"}, **hook}
        return {"WebLaunchHook": {"Type": "AWS::AutoScaling::LifecycleHook", "Properties": props}}
    return {"__hooks__": {"LifecycleHookSpecificationList": [{"LifecycleHookName": "launch", **hook}]}}


def warm_pool(state: str = "Stopped", min_size: int = 1) -> Resources:
    return {
        "WebWarmPool": {
            "Type": "AWS::AutoScaling::WarmPool",
            "Properties": {
                "AutoScalingGroupName": {"Ref": "WebAsg"},
                "MinSize": min_size,
                "PoolState": state,
            },
        }
    }


def cpu_target_tracking() -> Resources:
    return {
        "WebCpuScaling": {
            "Type": "AWS::AutoScaling::ScalingPolicy",
            "Properties": {
                "AutoScalingGroupName": {"Ref": "WebAsg"},
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingConfiguration": {
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
                    "TargetValue": 70,
                },
            },
        }
    }


def topic(logical_id: str = "HighTopic") -> Resources:
    return {logical_id: {"Type": "AWS::SNS::Topic", "Properties": {}}}


def alarm(
    logical_id: str,
    *,
    name: str | None,
    metric: str,
    namespace: str,
    period: int = 60,
    evaluation: int = 3,
    datapoints: int | None = None,
    threshold: float = 80,
    dimensions: dict[str, Any] | None = None,
    actions: list[Any] | None = None,
    missing: str | None = None,
    comparison: str = "GreaterThanThreshold",
) -> Resources:
    props: dict[str, Any] = {
        "MetricName": metric,
        "Namespace": namespace,
        "Period": period,
        "EvaluationPeriods": evaluation,
        "Threshold": threshold,
        "ComparisonOperator": comparison,
        "Statistic": "Average",
        "Dimensions": [{"Name": k, "Value": v} for k, v in (dimensions or {}).items()],
    }
    if missing is not None:
        props["TreatMissingData"] = missing
    if name is not None:
        props["AlarmName"] = name
    if datapoints is not None:
        props["DatapointsToAlarm"] = datapoints
    if actions:
        props["AlarmActions"] = actions
    return {logical_id: {"Type": "AWS::CloudWatch::Alarm", "Properties": props}}


def healing_function(logical_id: str = "HealFn") -> Resources:
    return {
        logical_id: {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Handler": "handler.handler", "Runtime": "python3.12"},
        }
    }


def rule(logical_id: str, pattern: dict[str, Any], target: str = "HealFn") -> Resources:
    return {
        logical_id: {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventPattern": pattern,
                "State": "ENABLED",
                "Targets": [{"Arn": {"Fn::GetAtt": [target, "Arn"]}, "Id": "Target0"}],
            },
        }
    }


def alarm_rule(prefix: str = "webapp-prod-") -> Resources:
    return rule(
        "AlarmStateRule",
        {
            "source": ["aws.cloudwatch"],
            "detail-type": ["CloudWatch Alarm State Change"],
            "detail": {"alarmName": [{"prefix": prefix}], "state": {"value": ["ALARM"]}},
        },
    )


def ec2_state_rule() -> Resources:
    return rule(
        "Ec2StateRule",
        {
            "source": ["aws.ec2"],
            "detail-type": ["EC2 Instance State-change Notification"],
            "detail": {"state": ["stopping", "stopped"]},
        },
    )


def database(
    logical_id: str = "Db",
    *,
    multi_az: bool = True,
    retention: int | None = 7,
    source: Any = None,
    backup_replication_region: str | None = None,
) -> Resources:
    props: dict[str, Any] = {"Engine": "postgres", "MultiAZ": multi_az}
    if retention is not None:
        props["BackupRetentionPeriod"] = retention
    if source is not None:
        props["SourceDBInstanceIdentifier"] = source
    if backup_replication_region:
        props["AutomaticBackupReplicationRegion"] = backup_replication_region
    return {logical_id: {"Type": "AWS::RDS::DBInstance", "Properties": props}}


def runbook(logical_id: str, action: str) -> Resources:
    content = {
        "schemaVersion": "0.3",
        "mainSteps": [
            {"name": "Act", "action": "aws:executeAwsApi", "inputs": {"Service": "rds", "Api": action}}
        ],
    }
    return {
        logical_id: {
            "Type": "AWS::SSM::Document",
            "Properties": {"DocumentType": "Automation", "Content": content, "Name": f"webapp-{logical_id}"},
        }
    }


def pitr_runbook(
    logical_id: str = "PitrRestore", *, parameter: str | None = None, restart: bool = True
) -> Resources:
    """A restore runbook; with ``parameter`` it then writes the endpoint there (``PutParameter``) and,
    with ``restart``, restarts the app through Run Command afterwards."""
    steps: list[dict[str, Any]] = [
        {
            "name": "Act",
            "action": "aws:executeAwsApi",
            "inputs": {
                "Service": "rds",
                "Api": "RestoreDBInstanceToPointInTime",
                "TargetDBInstanceIdentifier": "db-1",
            },
        },
        {
            "name": "Wait",
            "action": "aws:waitForAwsResourceProperty",
            "inputs": {
                "Service": "rds",
                "Api": "DescribeDBInstances",
                "DBInstanceIdentifier": "db-1",
                "PropertySelector": "$.DBInstances[0].DBInstanceStatus",
                "DesiredValues": ["available"],
            },
        },
    ]
    if parameter is not None:
        steps.append(
            {
                "name": "SwitchDatabaseEndpoint",
                "action": "aws:executeAwsApi",
                "inputs": {
                    "Service": "ssm",
                    "Api": "PutParameter",
                    "Name": parameter,
                    "Value": "x",
                    "Overwrite": True,
                },
            }
        )
        if restart:
            steps.append(
                {
                    "name": "RestartApp",
                    "action": "aws:runCommand",
                    "inputs": {"DocumentName": "restart", "InstanceIds": ["i-1"]},
                }
            )
    content = {"schemaVersion": "0.3", "mainSteps": steps}
    return {
        logical_id: {
            "Type": "AWS::SSM::Document",
            "Properties": {"DocumentType": "Automation", "Content": content, "Name": f"webapp-{logical_id}"},
        }
    }


def ssm_parameter(name: str, logical_id: str = "EndpointParameter") -> Resources:
    return {
        logical_id: {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": name, "Type": "String", "Value": "db"},
        }
    }


def backup_plan(schedule: str, copy_to: str | None = None, continuous: bool = False) -> Resources:
    rule_: dict[str, Any] = {
        "RuleName": "Daily",
        "ScheduleExpression": schedule,
        "TargetBackupVault": "vault",
        "EnableContinuousBackup": continuous,
    }
    if copy_to:
        rule_["CopyActions"] = [
            {"DestinationBackupVaultArn": f"arn:aws:backup:{copy_to}:{ACCOUNT}:backup-vault:webapp-dr"}
        ]
    return {
        "BackupPlan": {
            "Type": "AWS::Backup::BackupPlan",
            "Properties": {"BackupPlan": {"BackupPlanName": "webapp", "BackupPlanRule": [rule_]}},
        }
    }


def health_check(interval: int = 10, threshold: int = 3) -> Resources:
    return {
        "PrimaryHealthCheck": {
            "Type": "AWS::Route53::HealthCheck",
            "Properties": {
                "HealthCheckConfig": {
                    "Type": "HTTPS",
                    "FullyQualifiedDomainName": "tokyo.example.com",
                    "ResourcePath": "/health",
                    "RequestInterval": interval,
                    "FailureThreshold": threshold,
                }
            },
        }
    }


def failover_records(dr_region: str = OSAKA) -> Resources:
    def record(role: str, region: str) -> dict[str, Any]:
        props: dict[str, Any] = {
            "Name": "app.example.com.",
            "Type": "A",
            "HostedZoneId": "Z123",
            "SetIdentifier": role,
            "Failover": role,
            "AliasTarget": {
                "DNSName": f"webapp-alb-123.{region}.elb.amazonaws.com",
                "HostedZoneId": "Z14GRHDCWA56QT",
                "EvaluateTargetHealth": True,
            },
        }
        if role == "PRIMARY":
            props["HealthCheckId"] = {"Ref": "PrimaryHealthCheck"}
        return {"Type": "AWS::Route53::RecordSet", "Properties": props}

    return {"PrimaryRecord": record("PRIMARY", TOKYO), "SecondaryRecord": record("SECONDARY", dr_region)}


def merge(*parts: Resources) -> Resources:
    """Resources of all parts; a ``__hooks__`` part adds its hook list to the group ``WebAsg``."""
    merged: Resources = {}
    hooks: list[Any] = []
    for part in parts:
        hooks += (part.get("__hooks__") or {}).get("LifecycleHookSpecificationList", [])
        merged.update({k: v for k, v in part.items() if k != "__hooks__"})
    if hooks and "WebAsg" in merged:
        merged["WebAsg"]["Properties"]["LifecycleHookSpecificationList"] = hooks
    return merged


def web_tier(**group_kwargs: Any) -> Resources:
    """A Tokyo web tier: target group (10 s x 2 + 5 s), ELB-checked group, detailed monitoring."""
    tg_kwargs = {
        k: group_kwargs.pop(k) for k in ("interval", "timeout", "unhealthy", "healthy") if k in group_kwargs
    }
    return merge(target_group(**tg_kwargs), launch_template(), group(**group_kwargs))


def stage(name: str, stacks: dict[str, tuple[str, Resources]]) -> Stage:
    """An in-memory stage: ``{"Tokyo-Compute": (TOKYO, resources)}``."""
    built = Stage(name)
    for stack_name, (region, resources) in stacks.items():
        template = {"Resources": resources}
        built.stacks.append(StackArtifact(f"{name}/{stack_name}", region, ACCOUNT, template_body=template))
    built.index()
    return built


def write_assembly(root: Path, stages: dict[str, dict[str, tuple[str, dict[str, Any]]]]) -> Path:
    """Write a cloud assembly: ``{"Prod": {"Tokyo-Compute": (TOKYO, template)}}`` -> ``root``.

    Same layout as ``cdk synth``: top-level manifest with one ``cdk:cloud-assembly`` artifact per stage,
    each stage in ``assembly-<Stage>/`` with its own manifest and ``<id>.template.json`` files.
    """
    root.mkdir(parents=True, exist_ok=True)
    top: dict[str, Any] = {"version": "55.0.0", "artifacts": {"Tree": {"type": "cdk:tree"}}}
    for stage_name, stacks in stages.items():
        directory = f"assembly-{stage_name}"
        top["artifacts"][directory] = {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": directory, "displayName": stage_name},
        }
        nested: dict[str, Any] = {"version": "55.0.0", "artifacts": {}}
        (root / directory).mkdir(exist_ok=True)
        for stack_name, (region, template) in stacks.items():
            artifact_id = f"{stage_name}{stack_name.replace('-', '')}ABCD1234"
            (root / directory / f"{artifact_id}.template.json").write_text(json.dumps(template))
            nested["artifacts"][artifact_id] = {
                "type": "aws:cloudformation:stack",
                "environment": f"aws://{ACCOUNT}/{region}",
                "properties": {
                    "templateFile": f"{artifact_id}.template.json",
                    "stackName": f"{stage_name}-{stack_name}",
                },
                "displayName": f"{stage_name}/{stack_name}",
            }
        (root / directory / "manifest.json").write_text(json.dumps(nested))
    (root / "manifest.json").write_text(json.dumps(top))
    return root
