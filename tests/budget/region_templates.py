"""A warm-standby stage built by hand in the shapes CDK synthesizes: switch-driven failover records
aliasing the load balancers through cross-region references, and the region failover runbook in both
of its shapes.

``"promote-then-scale"`` (the runbook as first written): promote the replica, wait until it is
available, then scale the standby group and flip the switches. ``"scale-beside-promotion"``: scale
the standby group first (Auto Scaling launches while the database is promoted), wait for the
promotion, then for ``MinSize`` InService instances, then flip the switches.
"""

from __future__ import annotations

import copy
from typing import Any

from budget_templates import GLOBAL, OSAKA, TOKYO, database, merge, web_tier

Resources = dict[str, dict[str, Any]]

REPLICA_ID = "webapp-prod-db-osaka"
GROUP_NAME = "webapp-prod-web"
PROMOTE_THEN_SCALE = "promote-then-scale"
SCALE_BESIDE_PROMOTION = "scale-beside-promotion"

DESCRIBE_SCRIPT = (
    "def describe_database(events, context):\n    import boto3\n"
    "    rds = boto3.client('rds')\n"
    "    i = rds.describe_db_instances(DBInstanceIdentifier=events['DBInstanceIdentifier'])\n"
    "    return {'IsReplica': bool(i['DBInstances'][0].get('ReadReplicaSourceDBInstanceIdentifier'))}\n"
)
PROMOTED_SCRIPT = (
    "def wait_until_promoted(events, context):\n    import time, boto3\n    rds = boto3.client('rds')\n"
    "    while True:\n"
    "        i = rds.describe_db_instances(DBInstanceIdentifier=events['DBInstanceIdentifier'])\n"
    "        if i['DBInstances'][0]['DBInstanceStatus'] == 'available':\n            return {}\n"
    "        time.sleep(events['PollSeconds'])\n"
)
IN_SERVICE_SCRIPT = (
    "def wait_for_in_service_instances(events, context):\n    import time, boto3\n"
    "    autoscaling = boto3.client('autoscaling')\n    while True:\n"
    "        names = [events['AutoScalingGroupName']]\n"
    "        g = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=names)\n"
    "        if len(g['AutoScalingGroups'][0]['Instances']) >= int(events['MinimumInService']):\n"
    "            return {}\n        time.sleep(events['PollSeconds'])\n"
)
ENDPOINT_SCRIPT = (
    "def wait_until_endpoint_healthy(events, context):\n    import time, boto3\n"
    "    route53 = boto3.client('route53')\n"
    "    while True:\n        s = route53.get_health_check_status(HealthCheckId=events['HealthCheckId'])\n"
    "        if s['HealthCheckObservations']:\n            return {}\n"
    "        time.sleep(events['PollSeconds'])\n"
)


def _reader(prefix: str, names: list[str]) -> Resources:
    return {
        "ExportsReader": {
            "Type": "Custom::CrossRegionExportReader",
            "Properties": {
                "ReaderProps": {
                    "prefix": prefix,
                    "imports": {n: "{{resolve:ssm:" + n + "}}" for n in names},
                }
            },
        }
    }


def _writer(exports: dict[str, Any]) -> Resources:
    return {
        "ExportsWriter": {
            "Type": "Custom::CrossRegionExportWriter",
            "Properties": {"WriterProps": {"exports": exports}},
        }
    }


def _imported(name: str) -> dict[str, Any]:
    return {"Fn::GetAtt": ["ExportsReader", name]}


def load_balancer() -> Resources:
    return {"WebLoadBalancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {}}}


def _lb_export(region: str) -> str:
    return f"/cdk/exports/Prod-Global/Prod{region}LbDns"


def _switch_export(name: str) -> str:
    return f"/cdk/exports/Prod-Osaka-DR/ProdGlobal{name}Id"


def _api(name: str, service: str, api: str, **inputs: Any) -> dict[str, Any]:
    return {
        "name": name,
        "action": "aws:executeAwsApi",
        "inputs": {"Service": service, "Api": api, **inputs},
        "onFailure": "step:NotifyFailure",
        "timeoutSeconds": 60,
        "maxAttempts": 1,
    }


def _script(
    name: str, handler: str, script: str, payload: dict[str, Any], timeout: int = 600, attempts: int = 1
):
    return {
        "name": name,
        "action": "aws:executeScript",
        "inputs": {"Runtime": "python3.11", "Handler": handler, "Script": script, "InputPayload": payload},
        "onFailure": "step:NotifyFailure",
        "timeoutSeconds": timeout,
        "maxAttempts": attempts,
    }


def failover_steps(shape: str = PROMOTE_THEN_SCALE, *, sleep: str = "PT1M", scale_out: bool = True) -> list:
    """The region failover's main steps in ``shape`` (see the module docstring)."""
    scale = _api(
        "ScaleOutWebService",
        "autoscaling",
        "UpdateAutoScalingGroup",
        AutoScalingGroupName=GROUP_NAME,
        MinSize="{{ MinSize }}",
        MaxSize="{{ MaxSize }}",
        DesiredCapacity="{{ DesiredCapacity }}",
    )
    pause = [
        {
            "name": "CheckPauseOverride",
            "action": "aws:branch",
            "inputs": {
                "Choices": [
                    {"NextStep": "AfterPause", "Variable": "{{ IgnorePauseSwitch }}", "StringEquals": "true"}
                ],
                "Default": "AssertNotPaused",
            },
        },
        {
            "name": "AssertNotPaused",
            "action": "aws:assertAwsResourceProperty",
            "inputs": {
                "Service": "ssm",
                "Api": "GetParameter",
                "Name": "/webapp/prod/pause",
                "PropertySelector": "$.Parameter.Value",
                "DesiredValues": ["false"],
            },
            "onFailure": "step:NotifyFailure",
            "nextStep": "AfterPause",
        },
    ]
    database_steps = [
        _script(
            "DescribeStandbyDatabase",
            "describe_database",
            DESCRIBE_SCRIPT,
            {"DBInstanceIdentifier": REPLICA_ID},
        ),
        {
            "name": "IsStandbyReplica",
            "action": "aws:branch",
            "inputs": {
                "Choices": [
                    {
                        "NextStep": "PromoteReplica",
                        "Variable": "{{ DescribeStandbyDatabase.IsReplica }}",
                        "BooleanEquals": True,
                    }
                ],
                "Default": "WaitForDatabaseAvailable",
            },
        },
        _api(
            "PromoteReplica",
            "rds",
            "PromoteReadReplica",
            DBInstanceIdentifier=REPLICA_ID,
            BackupRetentionPeriod=14,
        ),
        {"name": "WaitForPromotionToStart", "action": "aws:sleep", "inputs": {"Duration": sleep}},
        {
            "name": "WaitForDatabaseAvailable",
            "action": "aws:waitForAwsResourceProperty",
            "inputs": {
                "Service": "rds",
                "Api": "DescribeDBInstances",
                "DBInstanceIdentifier": REPLICA_ID,
                "PropertySelector": "$.DBInstances[0].DBInstanceStatus",
                "DesiredValues": ["available"],
            },
            "timeoutSeconds": 3600,
            "onFailure": "step:NotifyFailure",
        },
        _script(
            "VerifyPromoted",
            "wait_until_promoted",
            PROMOTED_SCRIPT,
            {"DBInstanceIdentifier": REPLICA_ID, "TimeoutSeconds": 540, "PollSeconds": 15},
            attempts=3,
        ),
    ]
    capacity_wait = _script(
        "WaitForInServiceInstances",
        "wait_for_in_service_instances",
        IN_SERVICE_SCRIPT,
        {
            "AutoScalingGroupName": GROUP_NAME,
            "MinimumInService": "{{ MinSize }}",
            "TimeoutSeconds": 540,
            "PollSeconds": 15,
        },
        attempts=3,
    )
    switches = [
        _api(
            "OpenRegionSwitch",
            "route53",
            "UpdateHealthCheck",
            HealthCheckId=_imported(_switch_export("Secondary")),
            Inverted=False,
        ),
        _api(
            "CloseOtherRegionSwitch",
            "route53",
            "UpdateHealthCheck",
            HealthCheckId=_imported(_switch_export("Primary")),
            Inverted=True,
        ),
        _script(
            "VerifyEndpointHealthy",
            "wait_until_endpoint_healthy",
            ENDPOINT_SCRIPT,
            {
                "HealthCheckId": _imported(_switch_export("SecondaryEndpoint")),
                "TimeoutSeconds": 540,
                "PollSeconds": 15,
            },
            attempts=2,
        ),
    ]
    notify = [
        {
            "name": "NotifySuccess",
            "action": "aws:executeAwsApi",
            "inputs": {"Service": "sns", "Api": "Publish"},
            "isEnd": True,
        },
        {
            "name": "NotifyFailure",
            "action": "aws:executeAwsApi",
            "inputs": {"Service": "sns", "Api": "Publish"},
            "isEnd": True,
        },
    ]
    if shape == PROMOTE_THEN_SCALE:
        body = database_steps + ([scale] if scale_out else []) + switches
    else:
        body = ([scale] if scale_out else []) + database_steps + [capacity_wait] + switches
    body[0] = dict(body[0], name=body[0]["name"])
    first = body[0]["name"]
    for step in pause:  # the pause check continues with the body's first step
        step["inputs"] = copy.deepcopy(step["inputs"])
        for choice in step["inputs"].get("Choices") or []:
            choice["NextStep"] = first
        if step.get("nextStep") == "AfterPause":
            step["nextStep"] = first
    return pause + body + notify


def failover_document(shape: str = PROMOTE_THEN_SCALE, **kwargs: Any) -> dict[str, Any]:
    return {
        "schemaVersion": "0.3",
        "parameters": {
            "IgnorePauseSwitch": {"type": "String", "default": "false"},
            "MinSize": {"type": "Integer", "default": 3},
            "MaxSize": {"type": "Integer", "default": 9},
            "DesiredCapacity": {"type": "Integer", "default": 3},
        },
        "mainSteps": failover_steps(shape, **kwargs),
    }


def _endpoint_check(region: str, *, interval: int = 30, path: str = "/health", kind: str = "HTTP") -> dict:
    return {
        "Type": "AWS::Route53::HealthCheck",
        "Properties": {
            "HealthCheckConfig": {
                "Type": kind,
                "FullyQualifiedDomainName": _imported(_lb_export(region)),
                "ResourcePath": path,
                "RequestInterval": interval,
                "FailureThreshold": 3,
            }
        },
    }


def _switch(child: str, inverted: bool) -> dict:
    return {
        "Type": "AWS::Route53::HealthCheck",
        "Properties": {
            "HealthCheckConfig": {
                "Type": "CALCULATED",
                "HealthThreshold": 0,
                "Inverted": inverted,
                "ChildHealthChecks": [{"Fn::GetAtt": [child, "HealthCheckId"]}],
            }
        },
    }


def _record(role: str, region: str, switch: str) -> dict:
    return {
        "Type": "AWS::Route53::RecordSet",
        "Properties": {
            "Name": "www.example.com.",
            "Type": "A",
            "HostedZoneId": "Z123",
            "SetIdentifier": role.lower(),
            "Failover": role,
            "HealthCheckId": {"Fn::GetAtt": [switch, "HealthCheckId"]},
            "AliasTarget": {
                "DNSName": _imported(_lb_export(region)),
                "HostedZoneId": "Z14",
                "EvaluateTargetHealth": False,
            },
        },
    }


def endpoint_alarm(logical_id: str, check: str, *, actions: bool = True) -> Resources:
    props: dict[str, Any] = {
        "AlarmName": f"webapp-prod-{logical_id.lower()}-availability-critical",
        "MetricName": "HealthCheckStatus",
        "Namespace": "AWS/Route53",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "LessThanThreshold",
        "Dimensions": [{"Name": "HealthCheckId", "Value": {"Fn::GetAtt": [check, "HealthCheckId"]}}],
    }
    if actions:
        props["AlarmActions"] = [{"Ref": "CriticalTopic"}]
    return {logical_id: {"Type": "AWS::CloudWatch::Alarm", "Properties": props}}


def global_stack(*, alarm_actions: bool = True, deep_check: bool = False) -> Resources:
    parts: Resources = {
        "CriticalTopic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        "CriticalEmail": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "Protocol": "email",
                "Endpoint": "oncall@example.com",
                "TopicArn": {"Ref": "CriticalTopic"},
            },
        },
        "PrimaryEndpoint": _endpoint_check("Tokyo"),
        "SecondaryEndpoint": _endpoint_check("Osaka"),
        "PrimarySwitch": _switch("PrimaryEndpoint", inverted=False),
        "SecondarySwitch": _switch("SecondaryEndpoint", inverted=True),
        "PrimaryRecord": _record("PRIMARY", "Tokyo", "PrimarySwitch"),
        "SecondaryRecord": _record("SECONDARY", "Osaka", "SecondarySwitch"),
        **endpoint_alarm("TokyoEndpointAlarm", "PrimaryEndpoint", actions=alarm_actions),
        **_reader("Prod-Global", [_lb_export("Tokyo"), _lb_export("Osaka")]),
        **_writer(
            {
                _switch_export("Secondary"): {"Fn::GetAtt": ["SecondarySwitch", "HealthCheckId"]},
                _switch_export("Primary"): {"Fn::GetAtt": ["PrimarySwitch", "HealthCheckId"]},
                _switch_export("SecondaryEndpoint"): {"Fn::GetAtt": ["SecondaryEndpoint", "HealthCheckId"]},
            }
        ),
    }
    if deep_check:
        parts["DeepEndpoint"] = _endpoint_check("Tokyo", interval=30, path="/health/deep", kind="HTTPS")
        parts.update(endpoint_alarm("DeepEndpointAlarm", "DeepEndpoint", actions=alarm_actions))
    return parts


def runbook_resource(document: dict[str, Any]) -> Resources:
    return {
        "RegionFailover": {
            "Type": "AWS::SSM::Document",
            "Properties": {
                "DocumentType": "Automation",
                "Content": document,
                "Name": "webapp-prod-region-failover",
            },
        }
    }


def warm_standby(
    shape: str = PROMOTE_THEN_SCALE,
    *,
    replica_retention: int | None = 7,
    osaka_min: int = 1,
    extra_osaka: Resources | None = None,
    **runbook_kwargs: Any,
) -> dict[str, tuple[str, Resources]]:
    """Tokyo serves 3 instances; Osaka keeps ``osaka_min`` and a replica; the failover runbook in Osaka."""
    replica = database(
        "Replica",
        source="arn:aws:rds:ap-northeast-1:111111111111:db:webapp-prod-db-tokyo",
        retention=replica_retention,
    )
    replica["Replica"]["Properties"]["DBInstanceIdentifier"] = REPLICA_ID
    return {
        "Tokyo-Compute": (
            TOKYO,
            merge(
                web_tier(min_size=3, max_size=9, azs=3, name=GROUP_NAME),
                load_balancer(),
                _writer({_lb_export("Tokyo"): {"Fn::GetAtt": ["WebLoadBalancer", "DNSName"]}}),
            ),
        ),
        "Tokyo-Data": (TOKYO, database()),
        "Osaka-Compute": (
            OSAKA,
            merge(
                web_tier(min_size=osaka_min, max_size=9, name=GROUP_NAME),
                load_balancer(),
                _writer({_lb_export("Osaka"): {"Fn::GetAtt": ["WebLoadBalancer", "DNSName"]}}),
            ),
        ),
        "Osaka-Data": (OSAKA, replica),
        "Osaka-DR": (
            OSAKA,
            merge(
                runbook_resource(failover_document(shape, **runbook_kwargs)),
                _reader(
                    "Prod-Osaka-DR",
                    [_switch_export(n) for n in ("Primary", "Secondary", "SecondaryEndpoint")],
                ),
                extra_osaka or {},
            ),
        ),
        "Global": (GLOBAL, global_stack()),
    }
