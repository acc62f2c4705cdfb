"""The aws:executeScript handlers: declared IAM actions versus their boto3 calls, and each run on moto
(or a botocore Stubber where moto lacks the API)."""

from __future__ import annotations

import ast
import datetime
import inspect

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from constructs_lib.runbooks import scripts
from constructs_lib.runbooks.scripts import SCRIPT_IAM_ACTIONS
from tests.constructs_lib.runbooks.helpers import ACCOUNT, AUTO_BACKUPS_ARN, DB, DR_DB, PAUSE, SOURCE_ARN


# ==============================================================================================
# Scripts: declared IAM actions versus the boto3 calls they make
# ==============================================================================================
def _script_api_calls(function) -> set[str]:
    """``service:Operation`` for every ``<client>.<method>(...)`` of a script, via botocore's mapping."""
    tree = ast.parse(inspect.getsource(function))
    clients: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "client"
        ):
            clients[node.targets[0].id] = node.value.args[0].value
    calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id in clients:
                service = clients[owner.id]
                client = boto3.client(service, region_name="ap-northeast-1")
                operation = client.meta.method_to_api_mapping[node.func.attr]
                prefix = client.meta.service_model.signing_name
                calls.add(f"{'cloudwatch' if prefix == 'monitoring' else prefix}:{operation}")
    return calls


def _web_group(ec2, autoscaling, region: str, *, min_size: int, max_size: int, desired: int) -> str:
    """The group ``webapp-prod-web`` in moto, one zone, from a launch template; returns its image id."""
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"ImageId": image})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="webapp-prod-web",
        LaunchTemplate={"LaunchTemplateName": "web"},
        MinSize=min_size,
        MaxSize=max_size,
        DesiredCapacity=desired,
        AvailabilityZones=[f"{region}a"],
    )
    return image


@pytest.mark.parametrize("name", sorted(SCRIPT_IAM_ACTIONS))
def test_script_iam_declarations_match_the_calls_the_script_makes(name):
    assert _script_api_calls(getattr(scripts, name)) == SCRIPT_IAM_ACTIONS[name]


# ==============================================================================================
# Scripts on moto
# ==============================================================================================
@pytest.fixture()
def aws():
    with mock_aws():
        yield


def _database(rds, identifier: str, *, multi_az: bool = False) -> None:
    rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t4g.medium",
        Engine="postgres",
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        MultiAZ=multi_az,
    )


def test_describe_and_promotion_wait_tell_a_replica_from_a_promoted_primary_moto_state_set(aws):
    """moto 5.2.5's PromoteReadReplica keeps ``ReadReplicaSourceDBInstanceIdentifier``; RDS drops it.

    The test sets moto's instance to what RDS reports after a promotion (the emulator's state, named).
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.rds.models import rds_backends

    rds = boto3.client("rds", region_name="ap-northeast-1")
    _database(rds, DB)
    rds.create_db_instance_read_replica(DBInstanceIdentifier=f"{DB}-replica", SourceDBInstanceIdentifier=DB)
    replica = {"DBInstanceIdentifier": f"{DB}-replica"}

    assert scripts.describe_database(replica, None)["IsReplica"] is True
    with pytest.raises(TimeoutError, match="still a replica"):
        scripts.wait_until_promoted({**replica, "TimeoutSeconds": 0, "PollSeconds": 0}, None)

    rds.promote_read_replica(**replica)
    rds_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-1"].databases[
        f"{DB}-replica"
    ].source_db_instance_identifier = None
    assert scripts.describe_database(replica, None)["IsReplica"] is False
    assert scripts.wait_until_promoted({**replica, "TimeoutSeconds": 0}, None) == {"SecondsWaited": 0}


def test_failover_drill_refuses_a_single_az_database(aws):
    rds = boto3.client("rds", region_name="ap-northeast-1")
    _database(rds, DB, multi_az=False)
    with pytest.raises(RuntimeError, match="is not Multi-AZ"):
        scripts.describe_database({"DBInstanceIdentifier": DB, "RequireMultiAz": True}, None)


def test_failover_drill_fails_when_the_zone_did_not_change_moto_reboot_is_a_no_op(aws):
    rds = boto3.client("rds", region_name="ap-northeast-1")
    _database(rds, DB, multi_az=True)
    before = scripts.describe_database({"DBInstanceIdentifier": DB, "RequireMultiAz": True}, None)
    rds.reboot_db_instance(DBInstanceIdentifier=DB, ForceFailover=True)  # moto accepts, changes nothing
    with pytest.raises(RuntimeError, match="the failover did not happen"):
        scripts.describe_database(
            {"DBInstanceIdentifier": DB, "RequireZoneOtherThan": before["AvailabilityZone"]}, None
        )


def test_delete_instance_removes_the_drill_database_and_accepts_it_gone(aws):
    rds = boto3.client("rds", region_name="ap-northeast-1")
    _database(rds, f"{DB}-pitr-drill")
    event = {"DBInstanceIdentifier": f"{DB}-pitr-drill", "PollSeconds": 0}
    assert scripts.delete_instance(event, None) == {"Deleted": True}
    assert rds.describe_db_instances()["DBInstances"] == []
    assert scripts.delete_instance(event, None) == {"Deleted": True}


def test_freeze_region_pauses_and_empties_the_serving_region(aws):
    region = "ap-northeast-3"
    ssm = boto3.client("ssm", region_name=region)
    ec2 = boto3.client("ec2", region_name=region)
    autoscaling = boto3.client("autoscaling", region_name=region)
    ssm.put_parameter(Name=PAUSE, Value="false", Type="String")
    _web_group(ec2, autoscaling, region, min_size=1, max_size=4, desired=2)
    result = scripts.freeze_region(
        {"Region": region, "AutoScalingGroupName": "webapp-prod-web", "PauseParameterName": PAUSE}, None
    )
    assert result == {"PreviousDesiredCapacity": 2}
    assert ssm.get_parameter(Name=PAUSE)["Parameter"]["Value"] == "true"
    group = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"][0]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (0, 0, 0)


def test_replica_lag_wait_returns_once_caught_up_and_times_out_otherwise(aws):
    cloudwatch = boto3.client("cloudwatch", region_name="ap-northeast-1")
    event = {"DBInstanceIdentifier": DB, "MinimumWaitSeconds": 0, "TimeoutSeconds": 0, "PollSeconds": 0}
    with pytest.raises(TimeoutError, match="no data if None"):
        scripts.wait_for_replica_lag(event, None)
    cloudwatch.put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": "ReplicaLag",
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": DB}],
                "Value": 12.0,
                "Timestamp": datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1),
            }
        ],
    )
    with pytest.raises(TimeoutError, match=r"is 12\.0 s"):
        scripts.wait_for_replica_lag(event, None)
    assert scripts.wait_for_replica_lag({**event, "MaxReplicaLagSeconds": 15}, None) == {
        "ReplicaLagSeconds": 12
    }


def test_endpoint_wait_passes_on_moto_s_healthy_observations(aws):
    route53 = boto3.client("route53")
    check = route53.create_health_check(
        CallerReference="t",
        HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": "app.example.com", "Port": 443},
    )["HealthCheck"]["Id"]
    result = scripts.wait_until_endpoint_healthy({"HealthCheckId": check, "TimeoutSeconds": 0}, None)
    assert result["HealthyObservations"] >= 1 and result["HealthyObservations"] * 2 >= result["Observations"]


def test_endpoint_wait_times_out_on_failing_observations_event_hook_over_moto(aws, monkeypatch):
    route53 = boto3.client("route53")
    check = route53.create_health_check(
        CallerReference="t",
        HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": "app.example.com", "Port": 443},
    )["HealthCheck"]["Id"]
    failing = {"Status": "Failure: Connection timed out", "CheckedTime": datetime.datetime.now(datetime.UTC)}

    def fail_observations(parsed, **_):  # moto always reports Success; AWS would report this
        for observation in parsed.get("HealthCheckObservations", []):
            observation["StatusReport"] = failing

    real_client = boto3.client

    def client_with_hook(service, *args, **kwargs):
        client = real_client(service, *args, **kwargs)
        client.meta.events.register("after-call.route53.GetHealthCheckStatus", fail_observations)
        return client

    monkeypatch.setattr(boto3, "client", client_with_hook)
    with pytest.raises(TimeoutError, match="only 0 of"):
        scripts.wait_until_endpoint_healthy({"HealthCheckId": check, "TimeoutSeconds": 0}, None)


def _stubbed_backup(monkeypatch, recovery_points: list[dict]) -> Stubber:
    """moto 5.2.5 has no ListRecoveryPointsByBackupVault: a botocore Stubber answers instead."""
    client = boto3.client("backup", region_name="ap-northeast-3")
    stubber = Stubber(client)
    stubber.add_response(
        "list_recovery_points_by_backup_vault",
        {"RecoveryPoints": recovery_points},
        {"BackupVaultName": "webapp-prod-backup", "ByResourceType": "RDS"},
    )
    stubber.activate()
    monkeypatch.setattr(boto3, "client", lambda service, *a, **k: client)
    return stubber


def test_latest_recovery_point_is_the_newest_completed_copy_of_the_database_botocore_stubber(monkeypatch):
    now = datetime.datetime.now(datetime.UTC)

    def point(job: str, hours_ago: float, status: str = "COMPLETED", resource: str = SOURCE_ARN) -> dict:
        return {
            "RecoveryPointArn": f"arn:aws:rds:ap-northeast-3:{ACCOUNT}:snapshot:awsbackup:copyjob-{job}",
            "ResourceArn": resource,
            "Status": status,
            "CreationDate": now - datetime.timedelta(hours=hours_ago),
        }

    stubber = _stubbed_backup(
        monkeypatch,
        [
            point("old", 26),
            point("newest-but-partial", 1, status="PARTIAL"),
            point("other-db", 0.5, resource=SOURCE_ARN.replace(DB, "other-db")),
            point("good", 2),
        ],
    )
    result = scripts.find_latest_recovery_point(
        {"BackupVaultName": "webapp-prod-backup", "ResourceArn": SOURCE_ARN}, None
    )
    stubber.assert_no_pending_responses()
    assert result["SnapshotIdentifier"] == "awsbackup:copyjob-good"
    assert 119 <= result["AgeMinutes"] <= 121


def test_backup_drill_fails_clearly_without_a_copy_botocore_stubber(monkeypatch):
    _stubbed_backup(monkeypatch, [])
    with pytest.raises(RuntimeError, match=r"no completed recovery point of .* in vault webapp-prod-backup"):
        scripts.find_latest_recovery_point(
            {"BackupVaultName": "webapp-prod-backup", "ResourceArn": SOURCE_ARN}, None
        )


def test_choose_restore_source_keeps_an_instance_an_earlier_run_restored(aws):
    rds = boto3.client("rds")  # the scripts use the default region (the runbook's, in AWS)
    _database(rds, DR_DB)
    event = {
        "TargetDBInstanceIdentifier": DR_DB,
        "SourceDBInstanceIdentifier": DB,
        "SourceDatabaseArn": SOURCE_ARN,
        "AutomatedBackupsArn": "",
    }
    result = scripts.choose_restore_source(event, None)
    assert result["Source"] == "existing-instance" and result["Status"] == "available"


def test_choose_restore_source_falls_back_to_the_vault_without_replicated_backups(aws):
    event = {
        "TargetDBInstanceIdentifier": DR_DB,
        "SourceDBInstanceIdentifier": DB,
        "SourceDatabaseArn": SOURCE_ARN,
        "AutomatedBackupsArn": "",
    }
    assert scripts.choose_restore_source(event, None)["Source"] == "recovery-point"


def _stubbed_rds(monkeypatch, automated_backups: list[dict], expected_filter: dict) -> Stubber:
    """moto 5.2.5 has no replicated automated backups: a botocore Stubber answers instead."""
    client = boto3.client("rds", region_name="ap-northeast-3")
    stubber = Stubber(client)
    stubber.add_client_error(
        "describe_db_instances",
        service_error_code="DBInstanceNotFound",
        http_status_code=404,
        expected_params={"DBInstanceIdentifier": DR_DB},
    )
    stubber.add_response(
        "describe_db_instance_automated_backups",
        {"DBInstanceAutomatedBackups": automated_backups},
        expected_filter,
    )
    stubber.activate()
    monkeypatch.setattr(boto3, "client", lambda service, *a, **k: client)
    return stubber


def _automated_backup(
    suffix: str, hours_ago: float, status: str = "replicating", source: str = SOURCE_ARN
) -> dict:
    latest = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=hours_ago)
    return {
        "DBInstanceArn": source,
        "DBInstanceIdentifier": source.rsplit(":db:", 1)[-1],
        "DBInstanceAutomatedBackupsArn": f"arn:aws:rds:ap-northeast-3:{ACCOUNT}:auto-backup:ab-{suffix}",
        "Status": status,
        "RestoreWindow": {"EarliestTime": latest - datetime.timedelta(days=7), "LatestTime": latest},
    }


def test_choose_restore_source_picks_the_newest_restorable_replicated_backups_botocore_stubber(monkeypatch):
    stubber = _stubbed_rds(
        monkeypatch,
        [
            _automated_backup("older", 30, status="retained"),
            _automated_backup("pending", 0, status="pending"),
            _automated_backup("other", 0.01, source=SOURCE_ARN.replace(DB, f"{DB}-other")),
            _automated_backup("newest", 0.1),
        ],
        {"DBInstanceIdentifier": DB},
    )
    event = {
        "TargetDBInstanceIdentifier": DR_DB,
        "SourceDBInstanceIdentifier": DB,
        "SourceDatabaseArn": SOURCE_ARN,
        "AutomatedBackupsArn": "",
    }
    result = scripts.choose_restore_source(event, None)
    stubber.assert_no_pending_responses()
    assert result["Source"] == "replicated-backups"
    assert result["AutomatedBackupsArn"].endswith(":auto-backup:ab-newest")
    assert datetime.datetime.fromisoformat(result["LatestRestorableTime"]) > datetime.datetime.now(
        datetime.UTC
    ) - datetime.timedelta(hours=1)


def test_choose_restore_source_refuses_a_given_arn_it_cannot_restore_botocore_stubber(monkeypatch):
    _stubbed_rds(monkeypatch, [], {"DBInstanceAutomatedBackupsArn": AUTO_BACKUPS_ARN})
    event = {
        "TargetDBInstanceIdentifier": DR_DB,
        "SourceDBInstanceIdentifier": DB,
        "SourceDatabaseArn": SOURCE_ARN,
        "AutomatedBackupsArn": AUTO_BACKUPS_ARN,
    }
    with pytest.raises(RuntimeError, match="not in this region or not restorable"):
        scripts.choose_restore_source(event, None)


def test_in_service_wait_times_out_on_an_empty_group_and_passes_once_scaled(aws):
    region = "ap-northeast-1"  # the scripts use the default region (the runbook's, in AWS)
    ec2 = boto3.client("ec2", region_name=region)
    autoscaling = boto3.client("autoscaling", region_name=region)
    _web_group(ec2, autoscaling, region, min_size=0, max_size=0, desired=0)
    event = {"AutoScalingGroupName": "webapp-prod-web", "MinimumInService": 2, "TimeoutSeconds": 0}
    with pytest.raises(TimeoutError, match="has 0 InService healthy instances of the 2 required"):
        scripts.wait_for_in_service_instances(event, None)
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName="webapp-prod-web", MinSize=2, MaxSize=6, DesiredCapacity=3
    )
    assert scripts.wait_for_in_service_instances(event, None) == {"InServiceInstances": 3}
    with pytest.raises(RuntimeError, match="does not exist"):
        scripts.wait_for_in_service_instances({**event, "AutoScalingGroupName": "missing"}, None)


def test_group_membership_reads_the_auto_scaling_tag(aws):
    region = "ap-northeast-1"
    ec2 = boto3.client("ec2", region_name=region)
    autoscaling = boto3.client("autoscaling", region_name=region)
    image = _web_group(ec2, autoscaling, region, min_size=1, max_size=1, desired=1)
    (group,) = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    member = group["Instances"][0]["InstanceId"]
    assert scripts.find_auto_scaling_group({"InstanceId": member}, None) == {
        "IsMember": True,
        "AutoScalingGroupName": "webapp-prod-web",
    }
    standalone = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Environment", "Value": "prod"}]}],
    )["Instances"][0]["InstanceId"]
    assert scripts.find_auto_scaling_group({"InstanceId": standalone}, None) == {
        "IsMember": False,
        "AutoScalingGroupName": "",
    }
    with pytest.raises(Exception, match="i-0123456789abcdef0"):
        scripts.find_auto_scaling_group({"InstanceId": "i-0123456789abcdef0"}, None)


def test_in_service_listing_names_the_members_to_restart_and_leaves_the_others_to_their_own_start(aws):
    region = "ap-northeast-1"
    ec2 = boto3.client("ec2", region_name=region)
    autoscaling = boto3.client("autoscaling", region_name=region)
    _web_group(ec2, autoscaling, region, min_size=0, max_size=4, desired=0)
    event = {"AutoScalingGroupName": "webapp-prod-web"}
    assert scripts.list_in_service_instances(event, None) == {"InstanceIds": [], "Count": 0, "Others": "none"}
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="webapp-prod-web", DesiredCapacity=3)
    listed = scripts.list_in_service_instances(event, None)
    (group,) = autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
    assert listed["InstanceIds"] == sorted(i["InstanceId"] for i in group["Instances"])
    assert listed["Count"] == 3
    standby = listed["InstanceIds"][0]
    autoscaling.enter_standby(
        AutoScalingGroupName="webapp-prod-web", InstanceIds=[standby], ShouldDecrementDesiredCapacity=False
    )
    listed = scripts.list_in_service_instances(event, None)
    assert standby not in listed["InstanceIds"]
    assert f"{standby}:Standby" in listed["Others"]
    with pytest.raises(RuntimeError, match="does not exist"):
        scripts.list_in_service_instances({"AutoScalingGroupName": "missing"}, None)
