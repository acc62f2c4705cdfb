"""Each gap fill of tools/gameday/moto_gaps.py, against moto itself (mock_aws, in process).

Every test states what moto does without the fill where that is part of the contract, so a moto
upgrade that closes a gap (or changes one) shows up here first.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.gameday.conftest import REGION
from tools.gameday import moto_gaps


def _client(service: str):
    return boto3.client(service, region_name=REGION)


def _create_stack(template: dict, name: str = "gaps") -> dict[str, str]:
    cloudformation = _client("cloudformation")
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _network() -> tuple[str, list[str]]:
    ec2 = _client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate("ac")
    ]
    return vpc, subnets


def _group_with_target_group(desired: int = 2) -> tuple[str, str]:
    """An Auto Scaling group of ``desired`` instances registered in a target group."""
    vpc, subnets = _network()
    elbv2 = _client("elbv2")
    target_group = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=8080, VpcId=vpc)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    image = _client("ssm").get_parameter(
        Name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64"
    )["Parameter"]["Value"]
    _client("ec2").create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
    )
    _client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="web",
        LaunchTemplate={"LaunchTemplateName": "web", "Version": "$Latest"},
        MinSize=1,
        MaxSize=4,
        DesiredCapacity=desired,
        VPCZoneIdentifier=",".join(subnets),
        TargetGroupARNs=[target_group],
    )
    return "web", target_group


def _members(group: str) -> dict[str, tuple[str, str]]:
    rows = _client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[group])[
        "AutoScalingGroups"
    ][0]["Instances"]
    return {r["InstanceId"]: (r["LifecycleState"], r["HealthStatus"]) for r in rows}


def _target_health(target_group: str, instance_ids: list[str]) -> dict[str, str]:
    rows = _client("elbv2").describe_target_health(
        TargetGroupArn=target_group, Targets=[{"Id": i} for i in instance_ids]
    )["TargetHealthDescriptions"]
    return {r["Target"]["Id"]: r["TargetHealth"]["State"] for r in rows}


# --------------------------------------------------------------------------------------------
# CloudWatch
# --------------------------------------------------------------------------------------------
ALARMS_TEMPLATE = {
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Cpu": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": "webapp-dev-web-cpu-medium",
                "AlarmDescription": "CPU above 80 %",
                "Namespace": "AWS/EC2",
                "MetricName": "CPUUtilization",
                "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "web"}],
                "Statistic": "Average",
                "Period": 60,
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2,
                "Threshold": 80,
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [{"Ref": "Topic"}],
            },
        },
        "ErrorRate": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Metrics": [
                    {
                        "Id": "errors",
                        "MetricStat": {
                            "Metric": {
                                "Namespace": "AWS/ApplicationELB",
                                "MetricName": "HTTPCode_Target_5XX_Count",
                                "Dimensions": [{"Name": "LoadBalancer", "Value": "app/web/123"}],
                            },
                            "Period": 60,
                            "Stat": "Sum",
                        },
                        "ReturnData": False,
                    },
                    {"Id": "rate", "Expression": "errors * 100", "Label": "5xx rate", "ReturnData": True},
                ],
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanThreshold",
            },
        },
        "Incident": {
            "Type": "AWS::CloudWatch::CompositeAlarm",
            "Properties": {
                "AlarmName": "webapp-dev-web-incident-medium",
                "AlarmRule": {"Fn::Sub": 'ALARM("${Cpu}")'},
                "AlarmActions": [{"Ref": "Topic"}],
            },
        },
    },
    "Outputs": {
        "CpuName": {"Value": {"Ref": "Cpu"}},
        "CpuArn": {"Value": {"Fn::GetAtt": ["Cpu", "Arn"]}},
        "ErrorRateName": {"Value": {"Ref": "ErrorRate"}},
        "IncidentArn": {"Value": {"Fn::GetAtt": ["Incident", "Arn"]}},
    },
}


def test_cloudformation_creates_metric_alarms_with_their_settings(gaps):
    outputs = _create_stack(ALARMS_TEMPLATE)

    alarm = _client("cloudwatch").describe_alarms(AlarmNames=["webapp-dev-web-cpu-medium"])["MetricAlarms"][0]
    assert outputs["CpuName"] == "webapp-dev-web-cpu-medium"
    assert outputs["CpuArn"] == alarm["AlarmArn"]
    assert alarm["AlarmArn"].endswith(":alarm:webapp-dev-web-cpu-medium")
    assert alarm["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": "web"}]
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (80, 3, 2)
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [_client("sns").list_topics()["Topics"][0]["TopicArn"]]


def test_cloudformation_creates_metric_math_alarms_under_a_generated_name(gaps):
    outputs = _create_stack(ALARMS_TEMPLATE)

    name = outputs["ErrorRateName"]
    assert name.startswith("gaps-ErrorRate-")
    alarm = _client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    assert queries["rate"]["Expression"] == "errors * 100"
    assert queries["errors"]["MetricStat"]["Metric"]["MetricName"] == "HTTPCode_Target_5XX_Count"


def test_cloudformation_creates_composite_alarms_with_their_rule(gaps):
    outputs = _create_stack(ALARMS_TEMPLATE)

    composite = _client("cloudwatch").describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    assert [c["AlarmRule"] for c in composite] == ['ALARM("webapp-dev-web-cpu-medium")']
    assert outputs["IncidentArn"].endswith(":alarm:webapp-dev-web-incident-medium")


def test_put_composite_alarm_is_routed_to_the_backend_that_stores_alarm_rules(gaps):
    cloudwatch = _client("cloudwatch")
    cloudwatch.put_composite_alarm(AlarmName="incident", AlarmRule='ALARM("cpu") OR ALARM("memory")')

    composite = cloudwatch.describe_alarms(AlarmNames=["incident"])["CompositeAlarms"]
    assert composite[0]["AlarmRule"] == 'ALARM("cpu") OR ALARM("memory")'


# --------------------------------------------------------------------------------------------
# Auto Scaling
# --------------------------------------------------------------------------------------------
def test_cloudformation_creates_target_tracking_policies_healing_can_see(gaps):
    group, _ = _group_with_target_group(desired=1)
    outputs = _create_stack(
        {
            "Resources": {
                "Cpu": {
                    "Type": "AWS::AutoScaling::ScalingPolicy",
                    "Properties": {
                        "AutoScalingGroupName": group,
                        "PolicyType": "TargetTrackingScaling",
                        "TargetTrackingConfiguration": {
                            "PredefinedMetricSpecification": {
                                "PredefinedMetricType": "ASGAverageCPUUtilization"
                            },
                            "TargetValue": 70,
                        },
                    },
                }
            },
            "Outputs": {"Arn": {"Value": {"Ref": "Cpu"}}},
        }
    )

    policies = _client("autoscaling").describe_policies(
        AutoScalingGroupName=group, PolicyTypes=["TargetTrackingScaling"]
    )["ScalingPolicies"]
    assert len(policies) == 1
    assert policies[0]["TargetTrackingConfiguration"]["TargetValue"] == 70
    assert outputs["Arn"] == policies[0]["PolicyARN"]


def test_an_instance_marked_unhealthy_is_terminated_and_replaced(gaps):
    group, target_group = _group_with_target_group(desired=2)
    before = _members(group)
    victim = sorted(before)[0]

    _client("autoscaling").set_instance_health(
        InstanceId=victim, HealthStatus="Unhealthy", ShouldRespectGracePeriod=False
    )

    after = _members(group)
    assert victim not in after
    assert len(after) == 2
    assert all(state == ("InService", "Healthy") for state in after.values())
    state = _client("ec2").describe_instances(InstanceIds=[victim])["Reservations"][0]["Instances"][0][
        "State"
    ]
    assert state["Name"] == "terminated"
    health = _target_health(target_group, [victim, *after])
    assert health[victim] == "draining"  # deregistered, as a group-terminated target is
    assert all(health[i] == "healthy" for i in after)


def test_an_instance_marked_healthy_is_left_alone(gaps):
    group, _ = _group_with_target_group(desired=2)
    before = _members(group)

    _client("autoscaling").set_instance_health(InstanceId=sorted(before)[0], HealthStatus="Healthy")

    assert _members(group) == before


def test_describe_instance_refreshes_answers_that_there_are_none(gaps):
    group, _ = _group_with_target_group(desired=1)

    refreshes = _client("autoscaling").describe_instance_refreshes(AutoScalingGroupName=group)

    assert refreshes["InstanceRefreshes"] == []


# --------------------------------------------------------------------------------------------
# property shapes: SSM parameter tags, KMS key tags and policy
# --------------------------------------------------------------------------------------------
def test_ssm_parameter_tags_given_as_an_object_are_applied(gaps):
    _create_stack(
        {
            "Resources": {
                "Pause": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {
                        "Name": "/webapp/dev/pause",
                        "Type": "String",
                        "Value": "false",
                        "Tags": {"Application": "webapp", "Environment": "dev"},
                    },
                }
            }
        }
    )

    ssm = _client("ssm")
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/webapp/dev/pause")["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == {"Application": "webapp", "Environment": "dev"}
    assert ssm.get_parameter(Name="/webapp/dev/pause")["Parameter"]["Value"] == "false"


def test_kms_key_tags_and_policy_from_a_template_are_applied(gaps):
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*"}],
    }
    outputs = _create_stack(
        {
            "Resources": {
                "Key": {
                    "Type": "AWS::KMS::Key",
                    "Properties": {"KeyPolicy": policy, "Tags": [{"Key": "Environment", "Value": "dev"}]},
                }
            },
            "Outputs": {"KeyId": {"Value": {"Ref": "Key"}}},
        }
    )

    kms = _client("kms")
    tags = kms.list_resource_tags(KeyId=outputs["KeyId"])["Tags"]
    assert tags == [{"TagKey": "Environment", "TagValue": "dev"}]
    assert json.loads(kms.get_key_policy(KeyId=outputs["KeyId"], PolicyName="default")["Policy"]) == policy


# --------------------------------------------------------------------------------------------
# ELBv2 return values
# --------------------------------------------------------------------------------------------
def test_target_groups_and_load_balancers_give_the_return_values_alarms_need(gaps):
    vpc, subnets = _network()
    outputs = _create_stack(
        {
            "Resources": {
                "Alb": {
                    "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                    "Properties": {"Subnets": subnets, "Type": "application"},
                },
                "Web": {
                    "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                    "Properties": {"VpcId": vpc, "Port": 8080, "Protocol": "HTTP", "TargetType": "instance"},
                },
            },
            "Outputs": {
                "TargetGroupFullName": {"Value": {"Fn::GetAtt": ["Web", "TargetGroupFullName"]}},
                "TargetGroupName": {"Value": {"Fn::GetAtt": ["Web", "TargetGroupName"]}},
                "LoadBalancerFullName": {"Value": {"Fn::GetAtt": ["Alb", "LoadBalancerFullName"]}},
                "HostedZone": {"Value": {"Fn::GetAtt": ["Alb", "CanonicalHostedZoneID"]}},
                "TargetGroupArn": {"Value": {"Ref": "Web"}},
                "LoadBalancerArn": {"Value": {"Ref": "Alb"}},
            },
        }
    )

    assert outputs["TargetGroupFullName"] == outputs["TargetGroupArn"].split(":")[-1]
    assert outputs["TargetGroupFullName"].startswith(f"targetgroup/{outputs['TargetGroupName']}/")
    assert outputs["LoadBalancerFullName"] == outputs["LoadBalancerArn"].split(":loadbalancer/")[1]
    assert outputs["LoadBalancerFullName"].startswith("app/")
    assert outputs["HostedZone"] == moto_gaps.ALB_CANONICAL_HOSTED_ZONES[REGION]


# --------------------------------------------------------------------------------------------
# applying and removing
# --------------------------------------------------------------------------------------------
def test_removing_the_fills_gives_plain_moto_back():
    from moto.autoscaling.models import AutoScalingBackend
    from moto.elbv2.models import FakeTargetGroup

    original = AutoScalingBackend.set_instance_health
    with moto_gaps.applied():
        assert "AWS::CloudWatch::Alarm" in moto_gaps.supported_resource_types()
        assert AutoScalingBackend.set_instance_health is not original
        with moto_gaps.applied():  # nested: still applied after the inner block
            pass
        assert moto_gaps.installed()

    assert not moto_gaps.installed()
    assert AutoScalingBackend.set_instance_health is original
    assert not hasattr(FakeTargetGroup, "get_cfn_attribute")
    assert "AWS::CloudWatch::Alarm" not in moto_gaps.supported_resource_types()


def test_plain_moto_lacks_what_the_fills_add():
    """If this fails, moto closed a gap: drop the fill and its GAPS entry."""
    from moto import mock_aws

    assert not moto_gaps.installed()
    with mock_aws():
        autoscaling = _client("autoscaling")
        with pytest.raises(Exception) as raised:  # moto answers 'not implemented' in its own ways
            autoscaling.describe_instance_refreshes(AutoScalingGroupName="web")
        assert not isinstance(raised.value, AssertionError)
    unsupported = {
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::CompositeAlarm",
        "AWS::AutoScaling::ScalingPolicy",
    }
    assert unsupported.isdisjoint(moto_gaps.supported_resource_types())


def test_fails_when_moto_is_not_the_version_the_fills_were_written_for(monkeypatch):
    import moto

    monkeypatch.setattr(moto, "__version__", "9.9.9")

    with pytest.raises(RuntimeError, match=r"written for moto 5\.2\.5, found 9\.9\.9"):
        moto_gaps.install()
    assert not moto_gaps.installed()


def test_every_gap_and_every_skipped_type_says_why():
    names = [gap.name for gap in moto_gaps.GAPS]
    assert len(names) == len(set(names))
    for gap in moto_gaps.GAPS:
        assert gap.lacks and gap.fill and gap.reference, gap.name
    for resource_type, reason in moto_gaps.SKIPPED_TYPES.items():
        assert len(reason) > 20, resource_type


def test_client_errors_from_plain_moto_are_not_swallowed_by_the_fills(gaps):
    with pytest.raises(ClientError, match="ResourceNotFound"):
        _client("cloudwatch").set_alarm_state(AlarmName="missing", StateValue="ALARM", StateReason="x")


def test_cloudformation_creates_a_schedule_group_named_by_ref_with_its_arn(gaps):
    outputs = _create_stack(
        {
            "Resources": {
                "Group": {
                    "Type": "AWS::Scheduler::ScheduleGroup",
                    "Properties": {"Name": "webapp-dev-nightly"},
                }
            },
            "Outputs": {
                "Name": {"Value": {"Ref": "Group"}},
                "Arn": {"Value": {"Fn::GetAtt": ["Group", "Arn"]}},
            },
        }
    )

    assert outputs["Name"] == "webapp-dev-nightly"
    assert outputs["Arn"] == f"arn:aws:scheduler:{REGION}:123456789012:schedule-group/webapp-dev-nightly"
    group = _client("scheduler").get_schedule_group(Name="webapp-dev-nightly")
    assert group["Arn"] == outputs["Arn"]


def test_the_readme_documents_every_fill_and_every_skipped_type():
    from pathlib import Path

    readme = (Path(moto_gaps.__file__).parent / "README.md").read_text()

    missing = [g.name for g in moto_gaps.GAPS if f"`{g.name}`" not in readme]
    missing += [t for t in moto_gaps.SKIPPED_TYPES if f"`{t}`" not in readme]
    assert not missing, f"tools/gameday/README.md does not mention {missing}"


def test_public_powertools_parameter_can_be_published_and_resolved():
    import boto3
    from moto import mock_aws

    name = "/aws/service/powertools/python/x86_64/python3.13/3.37.0"
    arn = "arn:aws:lambda:ap-northeast-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-x86_64:1"
    with mock_aws():
        ssm = boto3.client("ssm", region_name="ap-northeast-1")
        with pytest.raises(ssm.exceptions.ClientError, match="reserved parameter name"):
            ssm.put_parameter(Name=name, Value=arn, Type="String")  # what moto refuses
        moto_gaps.publish_public_parameter("123456789012", "ap-northeast-1", name, arn)
        assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == arn
    with pytest.raises(ValueError, match="not a public AWS parameter"):
        moto_gaps.publish_public_parameter("123456789012", "ap-northeast-1", "/webapp/dev/pause", "x")


def test_send_command_to_instance_ids_names_only_those_instances():
    from moto import mock_aws

    with mock_aws(), moto_gaps.applied():
        ec2 = boto3.client("ec2", region_name="ap-northeast-1")
        ids = [
            i["InstanceId"]
            for i in ec2.run_instances(ImageId="ami-12345678", MinCount=3, MaxCount=3)["Instances"]
        ]
        ssm = boto3.client("ssm", region_name="ap-northeast-1")
        command = ssm.send_command(
            InstanceIds=[ids[1]], DocumentName="AWS-RunShellScript", Parameters={"commands": ["true"]}
        )["Command"]
        assert command["InstanceIds"] == [ids[1]]
        targeted = ssm.send_command(
            Targets=[{"Key": "instance-id", "Values": [ids[2]]}],
            DocumentName="AWS-RunShellScript",
            Parameters={"commands": ["true"]},
        )["Command"]
        assert ids[2] in targeted["InstanceIds"]


def test_send_command_checks_the_document_and_its_parameters_as_ssm_does():
    from moto import mock_aws

    from constructs_lib._core import AppProbe
    from constructs_lib.healing.commands import instance_commands_document

    with mock_aws(), moto_gaps.applied():
        ec2 = boto3.client("ec2", region_name="ap-northeast-1")
        instance = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]
        ssm = boto3.client("ssm", region_name="ap-northeast-1")
        ssm.create_document(
            Name="webapp-dev-commands",
            Content=json.dumps(instance_commands_document(app_probe=AppProbe())),
            DocumentType="Command",
            DocumentFormat="JSON",
        )
        send = {"InstanceIds": [instance["InstanceId"]], "DocumentName": "webapp-dev-commands"}
        ok = ssm.send_command(**send, Parameters={"Action": ["Diagnostics"]})["Command"]
        assert ok["DocumentName"] == "webapp-dev-commands"
        for parameters, reason in (
            ({"Action": ["Reboot"]}, "is not one of"),
            ({"Action": ["RestartService"], "ServiceUnit": ["--force"]}, "does not match"),
            ({"Action": ["Diagnostics"], "commands": ["id"]}, "is not a parameter"),
            ({}, "required parameters missing: \\['Action'\\]"),
        ):
            with pytest.raises(ClientError, match=f"InvalidParameters.*{reason}"):
                ssm.send_command(**send, Parameters=parameters)
        with pytest.raises(ClientError, match="InvalidDocument"):
            ssm.send_command(**{**send, "DocumentName": "someone-elses"}, Parameters={})
    with mock_aws():  # plain moto again once the fills are off
        ssm = boto3.client("ssm", region_name="ap-northeast-1")
        assert ssm.send_command(InstanceIds=["i-0123456789abcdef0"], DocumentName="nothing")["Command"]


def test_describe_instance_information_reports_running_instances_online_and_what_a_drill_sets():
    from moto import mock_aws

    with mock_aws(), moto_gaps.applied():
        ec2 = boto3.client("ec2", region_name="ap-northeast-1")
        ids = [
            i["InstanceId"]
            for i in ec2.run_instances(ImageId="ami-12345678", MinCount=3, MaxCount=3)["Instances"]
        ]
        ec2.stop_instances(InstanceIds=[ids[1]])
        moto_gaps.AGENT_PING[ids[2]] = "NotRegistered"
        ssm = boto3.client("ssm", region_name="ap-northeast-1")

        rows = ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": ids}])[
            "InstanceInformationList"
        ]

        assert {r["InstanceId"]: r["PingStatus"] for r in rows} == {
            ids[0]: "Online",
            ids[1]: "ConnectionLost",
        }
    assert moto_gaps.AGENT_PING == {}  # cleared with the fills
