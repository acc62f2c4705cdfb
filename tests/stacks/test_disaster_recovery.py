"""Data and DR stacks as assembled per strategy, and what flipping active_region does."""

from __future__ import annotations

import copy
import json

import pytest

from stacks.application import build_app, project_context
from tests.conftest import ROOT


def _of_type(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def _db(template: dict) -> dict | None:
    found = _of_type(template, "AWS::RDS::DBInstance")
    assert len(found) <= 1
    return found[0]["Properties"] if found else None


def test_each_strategy_places_the_database_where_it_should(synthesized_app):
    t = synthesized_app.template
    # prod: warm standby, stg: pilot light -> a replica in Osaka; dev: backup & restore -> none.
    for stage in ("Prod", "Stg"):
        primary, replica = _db(t(f"{stage}/Tokyo-Data")), _db(t(f"{stage}/Osaka-Data"))
        assert "SourceDBInstanceIdentifier" not in primary
        assert ":ap-northeast-1:" in json.dumps(replica["SourceDBInstanceIdentifier"])
        assert replica["KmsKeyId"] != primary["KmsKeyId"]  # each region's own key
        assert replica.get("MultiAZ") in (False, None)
    assert _db(t("Dev/Osaka-Data")) is None
    assert _of_type(t("Dev/Osaka-Data"), "AWS::RDS::DBSubnetGroup")  # ready for a restore
    prod = _db(t("Prod/Tokyo-Data"))
    assert prod["MultiAZ"] is True and prod["DeletionProtection"] is True
    assert prod["BackupRetentionPeriod"] == 14


def test_backups_are_copied_to_a_vault_in_osaka(synthesized_app):
    for stage in ("Dev", "Stg", "Prod"):
        (plan,) = _of_type(synthesized_app.template(f"{stage}/Tokyo-Data"), "AWS::Backup::BackupPlan")
        rule = plan["Properties"]["BackupPlan"]["BackupPlanRule"][0]
        assert rule["Lifecycle"]["DeleteAfterDays"] == 14
        destination = json.dumps(rule["CopyActions"][0]["DestinationBackupVaultArn"])
        assert "ap-northeast-3" in destination and f"webapp-{stage.lower()}-backup" in destination
        (vault,) = _of_type(synthesized_app.template(f"{stage}/Osaka-Data"), "AWS::Backup::BackupVault")
        assert vault["Properties"]["BackupVaultName"] == f"webapp-{stage.lower()}-backup"
        assert "EncryptionKeyArn" in vault["Properties"]


def test_failover_runbook_lives_in_osaka_and_dns_switches_are_in_us_east_1(synthesized_app):
    docs = [
        d["Properties"] for d in _of_type(synthesized_app.template("Prod/Osaka-DR"), "AWS::SSM::Document")
    ]
    names = json.dumps([d["Content"].get("description", "") for d in docs])
    assert "failover" in names.lower()
    records = _of_type(synthesized_app.template("Prod/Global"), "AWS::Route53::RecordSet")
    assert sorted(r["Properties"]["Failover"] for r in records) == ["PRIMARY", "SECONDARY"]
    assert all(r["Properties"]["AliasTarget"]["EvaluateTargetHealth"] is False for r in records)
    assert _of_type(synthesized_app.template("Dev/Global"), "AWS::Route53::RecordSet") == []


@pytest.fixture(scope="module")
def failed_over(tmp_path_factory):
    """prod after a failover: Osaka active, Tokyo rebuilt as generation 2 (a fresh replica)."""
    context = copy.deepcopy(project_context(ROOT))
    context["env"] = "prod"
    prod = context["environments"]["prod"]
    prod["active_region"] = "ap-northeast-3"
    prod.setdefault("database", {})["generations"] = {"ap-northeast-1": 2}
    outdir = tmp_path_factory.mktemp("failed-over")
    app, _, stages = build_app(context, outdir=str(outdir), builtin_validation=False)
    app.synth()
    (stage,) = stages
    return {
        path.split("/", 1)[1]: json.loads(
            (outdir / "assembly-Prod" / f"{s.artifact_id}.template.json").read_text()
        )
        for path, s in ((c.node.path, c) for c in stage.node.children if hasattr(c, "artifact_id"))
    }


def test_flipping_active_region_promotes_osaka_and_makes_tokyo_the_standby(failed_over, synthesized_app):
    osaka, tokyo = _db(failed_over["Osaka-Data"]), _db(failed_over["Tokyo-Data"])
    before = _db(synthesized_app.template("Prod/Osaka-Data"))
    # Same instance, promoted in place: its identifier is unchanged and it no longer has a source.
    assert osaka["DBInstanceIdentifier"] == before["DBInstanceIdentifier"] == "webapp-prod-db-osaka"
    assert "SourceDBInstanceIdentifier" not in osaka
    assert osaka["MultiAZ"] is True and osaka["BackupRetentionPeriod"] == 14
    # Tokyo comes back as a new replica of Osaka (a primary cannot be demoted in place).
    assert tokyo["DBInstanceIdentifier"] == "webapp-prod-db-tokyo-g2"
    assert ":ap-northeast-3:" in json.dumps(tokyo["SourceDBInstanceIdentifier"])
    # Production capacity moves to Osaka, the standby capacity to Tokyo.
    (osaka_asg,) = _of_type(failed_over["Osaka-Compute"], "AWS::AutoScaling::AutoScalingGroup")
    (tokyo_asg,) = _of_type(failed_over["Tokyo-Compute"], "AWS::AutoScaling::AutoScalingGroup")
    assert osaka_asg["Properties"]["MinSize"] == "3" and tokyo_asg["Properties"]["MinSize"] == "1"
    # The explicit failback runbook appears in Tokyo; the failover runbook is no longer needed.
    tokyo_docs = json.dumps(
        [d["Properties"]["Content"] for d in _of_type(failed_over["Tokyo-DR"], "AWS::SSM::Document")]
    )
    assert "FreezeWritesInServingRegion" in tokyo_docs
    osaka_docs = json.dumps(
        [d["Properties"]["Content"] for d in _of_type(failed_over["Osaka-DR"], "AWS::SSM::Document")]
    )
    assert "FreezeWritesInServingRegion" not in osaka_docs


def test_standby_replica_lag_is_bounded_by_an_alarm(synthesized_app):
    def lag_alarms(path):
        return [
            r["Properties"]
            for r in _of_type(synthesized_app.template(path), "AWS::CloudWatch::Alarm")
            if r["Properties"].get("MetricName") == "ReplicaLag"
        ]

    (lag,) = lag_alarms("Prod/Osaka-Monitoring")
    # quiet on missing data (a promoted instance publishes no lag); the silence alarm pages instead
    assert lag["Threshold"] == 60 and lag["TreatMissingData"] == "notBreaching"
    assert lag["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "webapp-prod-db-osaka"}]
    assert lag_alarms("Prod/Tokyo-Monitoring") == []  # the primary has no lag
    # Both reach people: the high-severity incident composite names them.
    composites = _of_type(
        synthesized_app.template("Prod/Osaka-Monitoring"), "AWS::CloudWatch::CompositeAlarm"
    )
    (high,) = [c for c in composites if c["Properties"]["AlarmName"] == "webapp-prod-web-incident-high"]
    resources = synthesized_app.template("Prod/Osaka-Monitoring")["Resources"]
    for name in ("webapp-prod-db-replica-lag-high", "webapp-prod-db-replica-silent-high"):
        alarm_id = next(
            k
            for k, r in resources.items()
            if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("AlarmName") == name
        )
        assert alarm_id in json.dumps(high["Properties"]["AlarmRule"]), name
    # The replica keeps automated backups, so its promotion does not take the first one.
    (replica,) = _of_type(synthesized_app.template("Prod/Osaka-Data"), "AWS::RDS::DBInstance")
    assert "SourceDBInstanceIdentifier" in replica["Properties"]
    assert replica["Properties"]["BackupRetentionPeriod"] == 14
    assert lag_alarms("Dev/Osaka-Monitoring") == []  # backup & restore: no replica


def test_backup_restore_can_rebuild_the_region_from_replicated_backups(synthesized_app):
    def docs(path):
        return json.dumps(
            [
                d["Properties"]["Content"]
                for d in _of_type(synthesized_app.template(path), "AWS::SSM::Document")
            ]
        )

    dev = docs("Dev/Osaka-DR")
    assert "RestoreDBInstanceToPointInTime" in dev and "UseLatestRestorableTime" in dev
    assert "webapp-dev-db-osaka" in dev and "webapp-dev-web" in dev
    # Strategies with a standby replica promote it instead (the failover runbook).
    assert "UseLatestRestorableTime" not in docs("Prod/Osaka-DR")


def test_pitr_runbook_may_switch_the_endpoint_the_app_reads(synthesized_app):
    data = synthesized_app.template("Prod/Tokyo-Data")
    (parameter,) = _of_type(data, "AWS::SSM::Parameter")
    assert parameter["Properties"]["Name"] == "/webapp/prod/db/endpoint"
    policies = json.dumps(_of_type(synthesized_app.template("Prod/Tokyo-DR"), "AWS::IAM::Policy"))
    assert "ssm:PutParameter" in policies and "parameter/webapp/prod/db/endpoint" in policies
