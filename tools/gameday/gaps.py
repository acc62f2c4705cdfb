"""The table of what moto lacks for the game day: one :class:`Gap` per fill, with its AWS reference.

:mod:`tools.gameday.moto_gaps` applies the fills; this module only lists them (with the fills of
:mod:`~tools.gameday.fills_lifecycle` and :mod:`~tools.gameday.fills_stepfunctions`, which
``moto_gaps.GAPS`` appends). The README prints the same table, and ``tests/gameday/test_moto_gaps.py``
checks that every gap is listed there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Gap:
    """One thing moto lacks and how the game day fills it.

    :param name: Short identifier, e.g. ``cfn:AWS::CloudWatch::Alarm``.
    :param lacks: What moto does (or does not do) without the fill.
    :param fill: What the fill does, in AWS's terms.
    :param reference: The AWS documentation the filled behaviour follows.
    """

    name: str
    lacks: str
    fill: str
    reference: str


GAPS: tuple[Gap, ...] = (
    Gap(
        "cfn:AWS::CloudWatch::Alarm",
        "CloudFormation skips the type, then fails on any Ref/GetAtt to the alarm.",
        "Creates the alarm through moto's own CloudWatch backend (PutMetricAlarm fields, metric "
        "math included); Ref is the alarm name, GetAtt Arn its ARN. Alarms are stored, never "
        "evaluated (moto does not evaluate alarms).",
        "AWS::CloudWatch::Alarm (CloudFormation User Guide)",
    ),
    Gap(
        "cfn:AWS::CloudWatch::CompositeAlarm",
        "CloudFormation skips the type.",
        "Creates the composite alarm (AlarmRule, actions) through the CloudWatch backend, which "
        "already stores composite alarms; Ref is the name, GetAtt Arn its ARN.",
        "AWS::CloudWatch::CompositeAlarm (CloudFormation User Guide)",
    ),
    Gap(
        "api:cloudwatch:PutCompositeAlarm",
        "The API is missing, although the backend stores AlarmRule.",
        "Routes PutCompositeAlarm to moto's PutMetricAlarm handler, which reads AlarmRule.",
        "PutCompositeAlarm (CloudWatch API Reference)",
    ),
    Gap(
        "cfn:AWS::AutoScaling::ScalingPolicy",
        "CloudFormation skips the type: the group has no scaling policies, so healing would "
        "wrongly see a group without target tracking.",
        "Creates the policy through moto's Auto Scaling backend (PutScalingPolicy fields); Ref "
        "and GetAtt Arn are the policy ARN.",
        "AWS::AutoScaling::ScalingPolicy (CloudFormation User Guide)",
    ),
    Gap(
        "cfn:AWS::Scheduler::ScheduleGroup",
        "CloudFormation skips the type, then fails on the schedules' roles, whose trust policy names "
        "the group's ARN (aws:SourceArn).",
        "Creates the group through moto's EventBridge Scheduler backend; Ref is its name, GetAtt Arn "
        "its ARN. The schedules in it stay skipped (no moto model).",
        "AWS::Scheduler::ScheduleGroup (CloudFormation User Guide)",
    ),
    Gap(
        "cfn:AWS::SSM::Parameter Tags",
        "Crashes (HTTP 500) on the template's Tags, which AWS::SSM::Parameter takes as a JSON "
        "object (key -> value), unlike most types.",
        "Converts the object to the Key/Value list moto's PutParameter expects.",
        "AWS::SSM::Parameter, property Tags (CloudFormation User Guide)",
    ),
    Gap(
        "cfn:AWS::KMS::Key Tags and KeyPolicy",
        "Crashes (HTTP 500) on the template's Key/Value tags: moto's model expects the KMS API's "
        "TagKey/TagValue; the key policy stays a JSON object where the API takes a string.",
        "Converts the tags to TagKey/TagValue and the policy to its JSON text.",
        "AWS::KMS::Key, properties Tags and KeyPolicy (CloudFormation User Guide)",
    ),
    Gap(
        "cfn:ELBv2 GetAtt",
        "Target groups have no GetAtt at all (create_stack fails with HTTP 500); load balancers "
        "lack LoadBalancerFullName, CanonicalHostedZoneID and SecurityGroups.",
        "TargetGroupFullName (targetgroup/<name>/<id> from the ARN), TargetGroupName, "
        "TargetGroupArn, LoadBalancerArns; LoadBalancerFullName (app/<name>/<id>), "
        "CanonicalHostedZoneID (the region's ALB zone), SecurityGroups.",
        "AWS::ElasticLoadBalancingV2::TargetGroup / ::LoadBalancer return values",
    ),
    Gap(
        "behaviour:autoscaling:SetInstanceHealth",
        "Stores Unhealthy and does nothing else: the instance stays InService for ever.",
        "As AWS documents it: a member marked Unhealthy is replaced (see "
        "behaviour:autoscaling:replacement: deregistered from its target groups, which then report it "
        "draining). moto does all at once; in AWS it takes minutes.",
        "Amazon EC2 Auto Scaling User Guide, 'Replace unhealthy instances' / SetInstanceHealth",
    ),
    Gap(
        "api:autoscaling:DescribeInstanceRefreshes",
        "The API is missing (moto cannot start an instance refresh either).",
        "Returns an empty list: no refresh can exist in the emulator, which is the true answer.",
        "DescribeInstanceRefreshes (Amazon EC2 Auto Scaling API Reference)",
    ),
    Gap(
        "api:ec2:DescribeInstanceStatus status filters",
        "The filters instance-status.status and system-status.status are not applied (server mode "
        "returns every running instance, which the incident detector would read as impaired); moto "
        "reports every status check ok.",
        "The status filters are applied to the statuses moto reports (always ok): a filter on "
        "'impaired' matches no instance, as in AWS for healthy instances.",
        "DescribeInstanceStatus (Amazon EC2 API Reference): filters instance-status.status, "
        "system-status.status",
    ),
    Gap(
        "api:ssm:DescribeInstanceInformation",
        "The API is missing: moto runs no SSM agent, so nothing reports its ping.",
        "Answers for the region's instances as if the app's image runs the agent (its instance profile "
        "allows it): PingStatus Online while running, ConnectionLost otherwise; a drill may set an "
        "instance's status in AGENT_PING (NotRegistered: not listed at all).",
        "DescribeInstanceInformation (AWS Systems Manager API Reference): InstanceInformation.PingStatus "
        "Online | ConnectionLost | Inactive",
    ),
    Gap(
        "behaviour:ssm:SendCommand",
        "A command sent to InstanceIds (no Targets) is recorded as sent to every instance of the "
        "region: an empty Targets filter matches them all. Any document name and any parameters are "
        "accepted.",
        "Without Targets, only the given InstanceIds are the command's instances, as in AWS. A "
        "document of the account must exist (InvalidDocument), and each parameter must be declared "
        "and match its allowedValues / allowedPattern, required ones given (InvalidParameters). "
        "AWS-owned documents (AWS-*) are not checked: moto does not hold them.",
        "SendCommand (AWS Systems Manager API Reference): InstanceIds or Targets, InvalidDocument, "
        "InvalidParameters; Systems Manager User Guide, 'Data elements and parameters'",
    ),
    Gap(
        "ssm:/aws/service/powertools",
        "moto preloads the public Amazon Linux AMI parameters but not the Powertools layer parameters "
        "(/aws/service/powertools/python/<arch>/<python>/<release>), and refuses to create /aws/ names.",
        "publish_public_parameter() adds such a parameter to the emulator's SSM backend the way moto "
        "loads its own public parameters, valued with the layer ARN in the documented form.",
        "Powertools for AWS Lambda (Python), 'Lambda Layer' / 'SSM Parameter Store'",
    ),
    Gap(
        "acm:listener certificates",
        "A listener's certificate must exist in ACM (CreateListener fails with CertificateNotFound); "
        "the environments' certificates (and cdk.json's placeholders) exist only in real accounts.",
        "provide_certificate() puts a self-signed stand-in under each HTTPS listener's certificate ARN "
        "in the emulator's ACM before the stack is created (the drills send no TLS traffic).",
        "CreateListener (Elastic Load Balancing API Reference), Certificates",
    ),
)
