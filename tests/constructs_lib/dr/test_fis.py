"""AzOutageExperiment: FIS targets this environment's running instances in one zone, stops on alarms."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from constructs_lib._core import Naming
from constructs_lib.dr.fis import ACTION_KEY, TARGET_KEY, AzOutageExperiment
from tests.unit.quality import cfn_lint, synth_with_nag

TOKYO = cdk.Environment(account="111111111111", region="ap-northeast-1")
NAMING = Naming(app="webapp", environment="prod")


def _alarm(stack: cdk.Stack, id: str, name: str) -> cloudwatch.Alarm:
    return cloudwatch.Alarm(
        stack,
        id,
        alarm_name=name,
        metric=cloudwatch.Metric(namespace="AWS/ApplicationELB", metric_name="HTTPCode_ELB_5XX_Count"),
        threshold=10,
        evaluation_periods=1,
    )


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("gameday")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "GameDay", env=TOKYO)
    alarms = [
        _alarm(stack, "Health", "webapp-prod-web-health-critical"),
        _alarm(stack, "Errors", "webapp-prod-web-5xx-high"),
    ]
    experiment = AzOutageExperiment(
        stack,
        "AzOutage",
        naming=NAMING,
        availability_zone="ap-northeast-1a",
        stop_condition_alarms=alarms,
    )
    restarting = AzOutageExperiment(
        stack,
        "AzOutageWithRestart",
        naming=NAMING,
        availability_zone="ap-northeast-1c",
        stop_condition_alarms=alarms[:1],
        selection_mode="PERCENT(50)",
        start_instances_after=cdk.Duration.minutes(10),
        ebs_kms_keys=[kms.Key(stack, "EbsKey", enable_key_rotation=True)],
        log_group=logs.LogGroup(stack, "ExperimentLog", retention=logs.RetentionDays.ONE_MONTH),
    )
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    experiment.grant_start(operator)
    templates, violations = synth_with_nag(app, outdir)
    raw = templates["GameDay"]
    return {
        "stack": stack,
        "experiment": experiment,
        "restarting": restarting,
        "raw": raw,
        "violations": violations,
    }


def _template_of(synthesized, name: str) -> dict:
    stack = synthesized["stack"]
    logical_id = stack.get_logical_id(synthesized[name].template)
    return synthesized["raw"]["Resources"][logical_id]["Properties"]


def test_targets_are_this_environment_s_running_instances_in_one_zone(synthesized):
    target = _template_of(synthesized, "experiment")["Targets"][TARGET_KEY]
    assert target["ResourceType"] == "aws:ec2:instance"
    assert target["ResourceTags"] == {"Environment": "prod"}
    assert target["SelectionMode"] == "ALL"
    assert target["Filters"] == [
        {"Path": "Placement.AvailabilityZone", "Values": ["ap-northeast-1a"]},
        {"Path": "State.Name", "Values": ["running"]},
    ]
    assert "ResourceArns" not in target  # never a hand-picked list: the tag and zone decide


def test_action_stops_the_targeted_instances_and_leaves_replacement_to_the_group(synthesized):
    action = _template_of(synthesized, "experiment")["Actions"][ACTION_KEY]
    assert action["ActionId"] == "aws:ec2:stop-instances"
    assert action["Targets"] == {"Instances": TARGET_KEY}
    assert "Parameters" not in action
    restart = _template_of(synthesized, "restarting")["Actions"][ACTION_KEY]
    assert restart["Parameters"] == {"startInstancesAfterDuration": "PT10M"}


def test_stop_conditions_are_the_given_alarms_of_the_stack(synthesized):
    raw = synthesized["raw"]
    conditions = _template_of(synthesized, "experiment")["StopConditions"]
    assert all(c["Source"] == "aws:cloudwatch:alarm" for c in conditions)
    alarm_ids = [c["Value"]["Fn::GetAtt"][0] for c in conditions]
    names = [raw["Resources"][a]["Properties"]["AlarmName"] for a in alarm_ids]
    assert all(raw["Resources"][a]["Type"] == "AWS::CloudWatch::Alarm" for a in alarm_ids)  # they exist
    assert names == ["webapp-prod-web-health-critical", "webapp-prod-web-5xx-high"]


def test_an_experiment_without_targets_fails_instead_of_passing(synthesized):
    options = _template_of(synthesized, "experiment")["ExperimentOptions"]
    assert options == {"AccountTargeting": "single-account", "EmptyTargetResolutionMode": "fail"}


def test_role_may_stop_only_tagged_instances_and_start_them_only_when_asked(synthesized):
    template = Template.from_json(synthesized["raw"])
    stack = synthesized["stack"]

    def statements(name: str) -> list[dict]:
        role_id = stack.get_logical_id(synthesized[name].role.node.default_child)
        (policy,) = [
            r
            for r in synthesized["raw"]["Resources"].values()
            if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
        ]
        return policy["Properties"]["PolicyDocument"]["Statement"]

    stop = next(s for s in statements("experiment") if s["Sid"] == "StopTaggedInstances")
    assert stop["Action"] == "ec2:StopInstances"
    assert stop["Condition"] == {"StringEquals": {"aws:ResourceTag/Environment": "prod"}}
    restart = next(s for s in statements("restarting") if s["Sid"] == "StopTaggedInstances")
    assert restart["Action"] == ["ec2:StopInstances", "ec2:StartInstances"]
    grant = next(s for s in statements("restarting") if s["Sid"] == "StartInstancesWithEncryptedVolumes")
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "fis.amazonaws.com"},
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": "111111111111"},
                            "ArnLike": {
                                "aws:SourceArn": {
                                    "Fn::Join": [
                                        "",
                                        [
                                            "arn:",
                                            {"Ref": "AWS::Partition"},
                                            ":fis:ap-northeast-1:111111111111:experiment/*",
                                        ],
                                    ]
                                }
                            },
                        },
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )


def test_experiment_log_goes_to_the_given_group(synthesized):
    config = _template_of(synthesized, "restarting")["LogConfiguration"]
    assert config["LogSchemaVersion"] == 2
    assert "LogGroupArn" in config["CloudWatchLogsConfiguration"]
    assert "LogConfiguration" not in _template_of(synthesized, "experiment")


def test_cdk_nag_finds_nothing_unacknowledged(synthesized):
    assert synthesized["violations"] == []


def test_cfn_lint_is_clean(synthesized):
    assert cfn_lint(synthesized["raw"], "ap-northeast-1") == []


# -- validation --------------------------------------------------------------------------------
@pytest.fixture()
def stack():
    return cdk.Stack(cdk.App(), "S", env=TOKYO)


def test_fails_when_no_stop_condition_alarm_is_given(stack):
    with pytest.raises(ValueError, match="stop_condition_alarms is empty"):
        AzOutageExperiment(
            stack, "E", naming=NAMING, availability_zone="ap-northeast-1a", stop_condition_alarms=[]
        )


def test_fails_when_the_zone_is_in_another_region(stack):
    with pytest.raises(
        ValueError, match=r"availability_zone \('ap-northeast-3a'\) is not in the stack's region"
    ):
        AzOutageExperiment(
            stack,
            "E",
            naming=NAMING,
            availability_zone="ap-northeast-3a",
            stop_condition_alarms=[_alarm(stack, "A", "a")],
        )


@pytest.mark.parametrize("mode", ["HALF", "PERCENT(101)", "COUNT()"])
def test_fails_when_the_selection_mode_is_not_fis_syntax(stack, mode):
    with pytest.raises(ValueError, match=r"selection_mode .* must be 'ALL', 'COUNT\(n\)' or 'PERCENT\(n\)'"):
        AzOutageExperiment(
            stack,
            "E",
            naming=NAMING,
            availability_zone="ap-northeast-1a",
            stop_condition_alarms=[_alarm(stack, "A", "a")],
            selection_mode=mode,
        )


def test_template_is_named_by_naming_and_targets_its_environment_tag(synthesized):
    props = _template_of(synthesized, "experiment")
    assert props["Tags"] == {"Name": "webapp-prod-az-outage"}
    (target,) = props["Targets"].values()
    assert target["ResourceTags"] == {"Environment": "prod"}
