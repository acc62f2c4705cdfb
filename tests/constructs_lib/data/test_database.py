"""ResilientDatabase: primary, cross-region replica, promoted replica; encryption, PITR, rotation, network."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from constructs_lib._core import Naming
from constructs_lib.data import (
    DEFAULT_ENGINE_VERSION,
    BackupReplication,
    DatabaseBackup,
    DatabaseCredentials,
    DatabaseMaintenance,
    DatabaseMonitoring,
    DatabaseNetwork,
    DatabaseRole,
    DatabaseStorage,
    ReplicaSource,
    ResilientDatabase,
    database_arn,
)
from constructs_lib.network import ResilientVpc
from tests.unit.quality import cfn_lint, synth_with_nag

ACCOUNT = "111111111111"
TOKYO = cdk.Environment(account=ACCOUNT, region="ap-northeast-1")
OSAKA = cdk.Environment(account=ACCOUNT, region="ap-northeast-3")
IDENTIFIER = "webapp-prod-db"
PRIMARY_ARN = database_arn(account=ACCOUNT, region="ap-northeast-1", instance_identifier=IDENTIFIER)
OSAKA_KEY_ALIAS = "alias/webapp-prod-data"
SECRET_NAME = "webapp/prod/db-master"
NAMING = Naming(app="webapp", environment="prod")


def _network(stack: cdk.Stack, cidr: str) -> tuple[ec2.IVpc, ec2.SecurityGroup]:
    region = stack.region
    vpc = ResilientVpc(stack, "Vpc", cidr=cidr, availability_zones=[f"{region}a", f"{region}c"]).vpc
    web = ec2.SecurityGroup(stack, "WebInstances", vpc=vpc, description="web instances")
    return vpc, web


def _replica_props() -> dict:
    return {
        "role": "replica",
        "replica_source": ReplicaSource(database_arn=PRIMARY_ARN, region="ap-northeast-1"),
        "multi_az": False,
    }


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """One app, four stacks: Tokyo primary, Osaka replica, Osaka promoted replica, dev single-AZ."""
    outdir = tmp_path_factory.mktemp("database")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)

    primary_stack = cdk.Stack(app, "Primary", env=TOKYO)
    vpc, web = _network(primary_stack, "10.10.0.0/16")
    primary = ResilientDatabase(
        primary_stack,
        "Database",
        vpc=vpc,
        naming=NAMING,
        client_security_groups=[web],
        backup=DatabaseBackup(
            retention_days=14,
            replication=BackupReplication(
                region="ap-northeast-3",
                kms_key_arn=f"arn:aws:kms:ap-northeast-3:{ACCOUNT}:key/mrk-0123456789abcdef",
            ),
        ),
        key_alias=OSAKA_KEY_ALIAS,
        credentials=DatabaseCredentials(
            secret_name=SECRET_NAME, secret_replica_regions={"ap-northeast-3": OSAKA_KEY_ALIAS}
        ),
    )
    reader = iam.Role(primary_stack, "Reader", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    primary.grant_connect(reader, "app_reader")
    primary.grant_read_secret(reader)

    stacks = {"Primary": primary}
    for name, props in (("Replica", _replica_props()), ("Promoted", {"role": "primary", "promoted": True})):
        stack = cdk.Stack(app, name, env=OSAKA)
        vpc, web = _network(stack, "10.20.0.0/16")
        stacks[name] = ResilientDatabase(
            stack,
            "Database",
            vpc=vpc,
            naming=NAMING,
            instance_identifier=IDENTIFIER,
            client_security_groups=[web],
            backup=DatabaseBackup(retention_days=14),
            key_alias=OSAKA_KEY_ALIAS,
            credentials=DatabaseCredentials(secret_name=SECRET_NAME),
            **props,
        )

    dev_stack = cdk.Stack(app, "Dev", env=TOKYO)
    vpc, web = _network(dev_stack, "10.30.0.0/16")
    stacks["Dev"] = ResilientDatabase(
        dev_stack,
        "Database",
        vpc=vpc,
        naming=Naming(app="webapp", environment="dev"),
        client_security_groups=[web],
        multi_az=False,
        deletion_protection=False,
        backup=DatabaseBackup(retention_days=1),
        monitoring=DatabaseMonitoring(interval=None, performance_insights=False),
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    templates, violations = synth_with_nag(app, outdir)
    return stacks, templates, violations


def _instance(raw: dict) -> dict:
    (instance,) = [r for r in raw["Resources"].values() if r["Type"] == "AWS::RDS::DBInstance"]
    return instance


def _logical_id(raw: dict, resource_type: str, path_suffix: str = "") -> str:
    (found,) = [
        logical_id
        for logical_id, r in raw["Resources"].items()
        if r["Type"] == resource_type and logical_id.startswith("Database" + path_suffix)
    ]
    return found


# -- primary -------------------------------------------------------------------------------------
def test_primary_is_multi_az_postgres_encrypted_with_its_rotating_customer_managed_key(synthesized):
    _, templates, _ = synthesized
    raw = templates["Primary"]
    template = Template.from_json(raw)
    key_id = _logical_id(raw, "AWS::KMS::Key")
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties("AWS::KMS::Alias", {"AliasName": OSAKA_KEY_ALIAS})
    props = _instance(raw)["Properties"]
    assert props["Engine"] == "postgres"
    assert props["EngineVersion"] == DEFAULT_ENGINE_VERSION.postgres_full_version
    assert props["MultiAZ"] is True
    assert props["StorageEncrypted"] is True
    assert props["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert props["PerformanceInsightsKMSKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert props["PubliclyAccessible"] is False
    assert props["EnableIAMDatabaseAuthentication"] is True


def test_primary_keeps_fourteen_days_of_point_in_time_recovery_even_after_deletion(synthesized):
    _, templates, _ = synthesized
    props = _instance(templates["Primary"])["Properties"]
    assert props["BackupRetentionPeriod"] == 14
    assert props["DeleteAutomatedBackups"] is False
    assert props["CopyTagsToSnapshot"] is True


def test_primary_is_deletion_protected_and_snapshotted_on_removal(synthesized):
    _, templates, _ = synthesized
    instance = _instance(templates["Primary"])
    assert instance["Properties"]["DeletionProtection"] is True
    assert instance["DeletionPolicy"] == "Snapshot"
    assert instance["UpdateReplacePolicy"] == "Snapshot"


def test_primary_replicates_automated_backups_to_osaka_with_an_osaka_key(synthesized):
    _, templates, _ = synthesized
    props = _instance(templates["Primary"])["Properties"]
    assert props["AutomaticBackupReplicationRegion"] == "ap-northeast-3"
    assert props["AutomaticBackupReplicationKmsKeyId"].startswith("arn:aws:kms:ap-northeast-3:")


def test_master_password_is_a_generated_secret_rotated_by_hosted_single_user_rotation(synthesized):
    _, templates, _ = synthesized
    raw = templates["Primary"]
    template = Template.from_json(raw)
    secret_id = _logical_id(raw, "AWS::SecretsManager::Secret")
    props = _instance(raw)["Properties"]
    assert "ManageMasterUserPassword" not in props  # RDS-managed passwords forbid cross-region replicas
    assert props["MasterUsername"] == "dbadmin"
    assert secret_id in json.dumps(props["MasterUserPassword"])
    template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {
            "Name": SECRET_NAME,
            "GenerateSecretString": Match.object_like(
                {"GenerateStringKey": "password", "PasswordLength": 32}
            ),
            "ReplicaRegions": [{"Region": "ap-northeast-3", "KmsKeyId": OSAKA_KEY_ALIAS}],
        },
    )
    template.has_resource_properties(
        "AWS::SecretsManager::SecretTargetAttachment", {"TargetType": "AWS::RDS::DBInstance"}
    )
    template.has_resource_properties(
        "AWS::SecretsManager::RotationSchedule",
        {
            "HostedRotationLambda": Match.object_like({"RotationType": "PostgreSQLSingleUser"}),
            "RotationRules": {"ScheduleExpression": "rate(30 days)"},
        },
    )
    assert raw["Transform"].startswith("AWS::SecretsManager-")


def test_security_group_admits_postgres_only_from_the_web_instances_and_the_rotation_function(synthesized):
    stacks, templates, _ = synthesized
    raw = templates["Primary"]
    db_sg = _logical_id(raw, "AWS::EC2::SecurityGroup", "NetworkSecurityGroup")
    sgs = {k: v for k, v in raw["Resources"].items() if v["Type"] == "AWS::EC2::SecurityGroup"}
    assert "SecurityGroupIngress" not in sgs[db_sg]["Properties"]  # no inline (CIDR) ingress at all
    ingress = [
        r["Properties"]
        for r in raw["Resources"].values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress"
        and r["Properties"]["GroupId"] == {"Fn::GetAtt": [db_sg, "GroupId"]}
    ]
    sources = sorted(i["SourceSecurityGroupId"]["Fn::GetAtt"][0] for i in ingress)
    rotation_sg = _logical_id(raw, "AWS::EC2::SecurityGroup", "RotationSecurityGroup")
    web_sg = next(k for k in sgs if k.startswith("WebInstances"))
    assert sources == sorted([rotation_sg, web_sg])
    assert {(i["IpProtocol"], i["FromPort"], i["ToPort"]) for i in ingress} == {("tcp", 5432, 5432)}
    assert not any("CidrIp" in i for i in ingress)
    assert stacks["Primary"].connections.default_port.to_string() == "5432"


def test_database_lives_in_the_isolated_private_subnets(synthesized):
    _, templates, _ = synthesized
    raw = templates["Primary"]
    (group,) = [r for r in raw["Resources"].values() if r["Type"] == "AWS::RDS::DBSubnetGroup"]
    subnet_ids = [ref["Ref"] for ref in group["Properties"]["SubnetIds"]]
    assert subnet_ids and all("Private" in s for s in subnet_ids)


def test_logs_are_exported_into_encrypted_log_groups_with_retention(synthesized):
    _, templates, _ = synthesized
    raw = templates["Primary"]
    template = Template.from_json(raw)
    key_id = _logical_id(raw, "AWS::KMS::Key")
    assert _instance(raw)["Properties"]["EnableCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    for export in ("postgresql", "upgrade"):
        template.has_resource_properties(
            "AWS::Logs::LogGroup",
            {
                "LogGroupName": f"/aws/rds/instance/{IDENTIFIER}/{export}",
                "RetentionInDays": 30,
                "KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
            },
        )


def test_tls_is_enforced_and_enhanced_monitoring_is_on(synthesized):
    _, templates, _ = synthesized
    raw = templates["Primary"]
    Template.from_json(raw).has_resource_properties(
        "AWS::RDS::DBParameterGroup", {"Family": "postgres17", "Parameters": {"rds.force_ssl": "1"}}
    )
    assert _instance(raw)["Properties"]["MonitoringInterval"] == 60


def test_grant_connect_names_the_resource_id_and_user(synthesized):
    _, templates, _ = synthesized
    policies = [r for r in templates["Primary"]["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    text = json.dumps(policies)
    assert "rds-db:connect" in text and "/app_reader" in text and "DbiResourceId" in text


# -- replica and promotion -------------------------------------------------------------------------
def test_replica_follows_the_tokyo_primary_encrypted_with_the_osaka_key(synthesized):
    _, templates, _ = synthesized
    raw = templates["Replica"]
    props = _instance(raw)["Properties"]
    key_id = _logical_id(raw, "AWS::KMS::Key")
    assert props["SourceDBInstanceIdentifier"] == PRIMARY_ARN
    assert props["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}  # a key of the replica's own region
    assert props["StorageEncrypted"] is True
    for inherited in ("MasterUsername", "MasterUserPassword", "DBName"):
        assert inherited not in props, inherited
    # Automated backups on before any promotion (RDS PromoteReadReplica guidance), set on the resource.
    assert props["BackupRetentionPeriod"] == 14
    Template.from_json(raw).resource_count_is("AWS::SecretsManager::Secret", 0)  # uses the replicated copy
    Template.from_json(raw).resource_count_is("AWS::SecretsManager::RotationSchedule", 0)


def test_replica_alarms_on_its_lag_and_on_its_silence_as_high_severity_alarms(synthesized):
    stacks, templates, _ = synthesized
    lag, silent = stacks["Replica"].alarms
    assert (lag.severity, lag.signal) == ("high", "replica-lag")
    assert (silent.severity, silent.signal) == ("high", "replica-silent")
    assert stacks["Primary"].alarms == []
    alarms = Template.from_json(templates["Replica"]).find_resources("AWS::CloudWatch::Alarm")
    by_name = {a["Properties"]["AlarmName"]: a["Properties"] for a in alarms.values()}
    props = by_name["webapp-prod-db-replica-lag-high"]
    assert props["MetricName"] == "ReplicaLag" and props["Statistic"] == "Maximum"
    assert props["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": IDENTIFIER}]
    # no ReplicaLag: a promoted instance (it publishes none, for good); silence is the other alarm's
    assert (props["Threshold"], props["EvaluationPeriods"], props["TreatMissingData"]) == (
        60,
        3,
        "notBreaching",
    )
    silence = by_name["webapp-prod-db-replica-silent-high"]
    assert (silence["MetricName"], silence["Statistic"]) == ("CPUUtilization", "SampleCount")
    assert silence["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": IDENTIFIER}]
    assert (silence["Threshold"], silence["ComparisonOperator"]) == (1, "LessThanThreshold")
    assert (silence["EvaluationPeriods"], silence["DatapointsToAlarm"]) == (3, 3)
    assert silence["TreatMissingData"] == "breaching"
    assert "AlarmActions" not in props and "AlarmActions" not in silence  # the severity composite pages


def test_replica_reads_the_replicated_master_secret_by_name(synthesized):
    stacks, _, _ = synthesized
    assert stacks["Replica"].secret.secret_name == SECRET_NAME
    assert stacks["Replica"].owns_master_secret is False


def test_promoted_primary_drops_the_source_and_turns_backups_on(synthesized):
    _, templates, _ = synthesized
    replica = _instance(templates["Replica"])["Properties"]
    promoted = _instance(templates["Promoted"])["Properties"]
    assert "SourceDBInstanceIdentifier" in replica
    assert "SourceDBInstanceIdentifier" not in promoted
    assert promoted["BackupRetentionPeriod"] == 14
    assert promoted["MultiAZ"] is True and replica["MultiAZ"] is False


def test_promotion_changes_no_create_only_property_so_cloudformation_updates_in_place(synthesized):
    """Flipping active_region must not replace the promoted database (CloudFormation's create-only list)."""
    import cfnlint

    _, templates, _ = synthesized
    providers_dir = Path(cfnlint.__file__).parent / "data" / "schemas" / "providers"
    schema_hash = json.loads((providers_dir / "ap-northeast-3.json").read_text())["AWS::RDS::DBInstance"]
    schema = json.loads((providers_dir.parent / "resources" / f"{schema_hash}.json").read_text())
    create_only = [p.removeprefix("/properties/") for p in schema["createOnlyProperties"]]
    assert "MasterUsername" in create_only and "KmsKeyId" in create_only  # the schema we rely on

    replica = _instance(templates["Replica"])
    promoted = _instance(templates["Promoted"])
    for prop in create_only:
        assert replica["Properties"].get(prop) == promoted["Properties"].get(prop), prop
    assert [
        k for k in templates["Replica"]["Resources"] if templates["Replica"]["Resources"][k] is replica
    ] == [
        k for k in templates["Promoted"]["Resources"] if templates["Promoted"]["Resources"][k] is promoted
    ], "same logical id, so it is the same resource"


def test_born_primary_and_promoted_primary_differ_only_where_they_must(synthesized):
    _, templates, _ = synthesized
    born = _instance(templates["Primary"])["Properties"]
    promoted = _instance(templates["Promoted"])["Properties"]
    different = {k for k in born.keys() | promoted.keys() if born.get(k) != promoted.get(k)}
    # Tokens differ between stacks (keys, groups, roles); everything else must be equal.
    token_props = {
        "KmsKeyId",
        "PerformanceInsightsKMSKeyId",
        "DBSubnetGroupName",
        "DBParameterGroupName",
        "VPCSecurityGroups",
        "MonitoringRoleArn",
    }
    expected = {"MasterUsername", "MasterUserPassword", "DBName", "AllocatedStorage"} | {
        "AutomaticBackupReplicationRegion",
        "AutomaticBackupReplicationKmsKeyId",
    }
    assert different - token_props == expected


def test_home_region_as_a_replica_keeps_its_secret_but_neither_attaches_nor_rotates_it(bare):
    """After a failover the home region's database is rebuilt as a replica; its secret must survive."""
    stack, vpc = bare
    ResilientDatabase(
        stack,
        "Db",
        vpc=vpc,
        naming=NAMING,
        instance_identifier=f"{IDENTIFIER}-g2",
        role="replica",
        replica_source=ReplicaSource(
            database_arn=database_arn(
                account=ACCOUNT, region="ap-northeast-1", instance_identifier=IDENTIFIER
            ),
            region="ap-northeast-1",
        ),
        credentials=DatabaseCredentials(
            owns_secret=True,
            secret_name=SECRET_NAME,
            secret_replica_regions={"ap-northeast-1": OSAKA_KEY_ALIAS},
        ),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::SecretsManager::Secret", {"Name": SECRET_NAME})
    template.resource_count_is("AWS::SecretsManager::SecretTargetAttachment", 0)
    template.resource_count_is("AWS::SecretsManager::RotationSchedule", 0)
    (instance,) = template.find_resources("AWS::RDS::DBInstance").values()
    assert "MasterUserPassword" not in instance["Properties"]


# -- dev choices -----------------------------------------------------------------------------------
def test_dev_database_is_single_az_unprotected_and_leaner(synthesized):
    _, templates, _ = synthesized
    instance = _instance(templates["Dev"])
    props = instance["Properties"]
    assert props["MultiAZ"] is False
    assert props["DeletionProtection"] is False
    assert props["MonitoringInterval"] == 0
    assert props["EnablePerformanceInsights"] is False
    assert instance["DeletionPolicy"] == "Delete"


def test_metrics_name_the_instance(synthesized):
    stacks, _, _ = synthesized
    database = stacks["Primary"]
    for metric, name, statistic in (
        (database.metric_cpu_utilization(), "CPUUtilization", "Average"),
        (database.metric_free_storage_space(), "FreeStorageSpace", "Minimum"),
        (database.metric_freeable_memory(), "FreeableMemory", "Minimum"),
        (database.metric_replica_lag(), "ReplicaLag", "Maximum"),
    ):
        assert metric.namespace == "AWS/RDS"
        assert metric.metric_name == name
        assert metric.statistic == statistic
        assert metric.dimensions == {"DBInstanceIdentifier": IDENTIFIER}
    assert database.instance_arn.endswith(PRIMARY_ARN.removeprefix("arn:aws"))
    assert database.role is DatabaseRole.PRIMARY


# -- quality gates -----------------------------------------------------------------------------
def test_cdk_nag_finds_nothing_unacknowledged(synthesized):
    _, _, violations = synthesized
    assert violations == []


@pytest.mark.parametrize(
    ("stack", "region"),
    [
        ("Primary", "ap-northeast-1"),
        ("Replica", "ap-northeast-3"),
        ("Promoted", "ap-northeast-3"),
        ("Dev", "ap-northeast-1"),
    ],
)
def test_cfn_lint_is_clean(synthesized, stack, region):
    _, templates, _ = synthesized
    assert cfn_lint(templates[stack], region) == []


# -- validation --------------------------------------------------------------------------------
@pytest.fixture()
def bare():
    stack = cdk.Stack(cdk.App(), "Bare", env=OSAKA)
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
        ],
    )
    return stack, vpc


@pytest.mark.parametrize("days", [0, 36])
def test_fails_when_backup_retention_is_outside_1_to_35_days(days):
    with pytest.raises(ValueError, match=rf"backup.retention_days \({days}\) must be 1-35"):
        DatabaseBackup(retention_days=days)


@pytest.mark.parametrize("window", ["2:00-03:00", "17:00", "25:00-26:00"])
def test_fails_when_the_backup_window_is_not_hh24_mi_in_utc(window):
    with pytest.raises(ValueError, match=r"backup.preferred_window .* must be 'hh24:mi-hh24:mi' in UTC"):
        DatabaseBackup(preferred_window=window)


@pytest.mark.parametrize("window", ["sun:18:00", "sunday:18:00-sunday:19:00", "18:00-19:00"])
def test_fails_when_the_maintenance_window_is_not_ddd_hh24_mi_in_utc(window):
    with pytest.raises(ValueError, match=r"maintenance.preferred_window .* 'ddd:hh24:mi-ddd:hh24:mi'"):
        DatabaseMaintenance(preferred_window=window)


def test_fails_when_storage_autoscaling_is_below_the_allocation_or_above_gp3s_limit():
    with pytest.raises(
        ValueError, match=r"storage.max_allocated_gib \(50\) must be between storage.allocated_gib"
    ):
        DatabaseStorage(allocated_gib=100, max_allocated_gib=50)
    with pytest.raises(
        ValueError, match=r"storage.max_allocated_gib \(70000\) must be between .* and 65536 GiB"
    ):
        DatabaseStorage(allocated_gib=100, max_allocated_gib=70_000)


def test_fails_when_enhanced_monitoring_interval_is_not_one_rds_accepts():
    with pytest.raises(ValueError, match=r"monitoring.interval \(120 s\) must be 1, 5, 10, 15, 30 or 60"):
        DatabaseMonitoring(interval=cdk.Duration.minutes(2))


def test_fails_when_a_replica_has_no_source(bare):
    stack, vpc = bare
    with pytest.raises(ValueError, match="role='replica' needs replica_source"):
        ResilientDatabase(stack, "Db", vpc=vpc, naming=NAMING, role="replica")


def test_fails_when_a_primary_is_given_a_replica_source(bare):
    stack, vpc = bare
    source = ReplicaSource(database_arn=PRIMARY_ARN, region="ap-northeast-1")
    with pytest.raises(ValueError, match="replica_source is only for role='replica'"):
        ResilientDatabase(stack, "Db", vpc=vpc, naming=NAMING, replica_source=source)


def test_fails_when_the_replica_source_is_in_the_same_region(bare):
    stack, vpc = bare
    arn = database_arn(account=ACCOUNT, region="ap-northeast-3", instance_identifier="db")
    with pytest.raises(
        ValueError, match=r"replica_source.region \('ap-northeast-3'\) is the stack's own region"
    ):
        ResilientDatabase(
            stack,
            "Db",
            vpc=vpc,
            naming=NAMING,
            role="replica",
            replica_source=ReplicaSource(database_arn=arn, region="ap-northeast-3"),
        )


def test_fails_when_the_source_arn_and_region_disagree():
    arn = database_arn(account=ACCOUNT, region="us-east-1", instance_identifier="db")
    with pytest.raises(ValueError, match=r"database_arn is in 'us-east-1' but replica_source.region is"):
        ReplicaSource(database_arn=arn, region="ap-northeast-1")


def test_fails_when_the_source_is_not_a_db_instance_arn():
    with pytest.raises(ValueError, match="must be an RDS DB instance ARN"):
        ReplicaSource(database_arn="webapp-db", region="ap-northeast-1")


def test_fails_when_a_replica_is_marked_promoted(bare):
    stack, vpc = bare
    with pytest.raises(ValueError, match="promoted=True describes a primary"):
        ResilientDatabase(stack, "Db", vpc=vpc, naming=NAMING, promoted=True, **_replica_props())


def test_fails_when_the_role_is_unknown(bare):
    stack, vpc = bare
    with pytest.raises(ValueError, match=r"role \('standby'\) must be one of 'primary', 'replica'"):
        ResilientDatabase(stack, "Db", vpc=vpc, naming=NAMING, role="standby")


@pytest.mark.parametrize("identifier", ["1db", "Db", "db--x", "db-", "a" * 64])
def test_fails_when_the_identifier_breaks_rds_rules(bare, identifier):
    stack, vpc = bare
    with pytest.raises(ValueError, match=r"instance_identifier \(.*\) must be 1-63 lowercase"):
        ResilientDatabase(stack, "Db", vpc=vpc, naming=NAMING, instance_identifier=identifier)


def test_fails_when_backup_replication_has_no_key():
    with pytest.raises(ValueError, match=r"backup\.replication\.kms_key_arn is required"):
        BackupReplication(region="ap-northeast-1", kms_key_arn="")


def test_fails_when_a_replica_would_replicate_its_backups(bare):
    stack, vpc = bare
    replication = BackupReplication(region="ap-northeast-1", kms_key_arn="arn:aws:kms:ap-northeast-1:1:key/x")
    with pytest.raises(ValueError, match=r"backup\.replication applies to a primary only"):
        ResilientDatabase(
            stack,
            "Db",
            vpc=vpc,
            naming=NAMING,
            backup=DatabaseBackup(replication=replication),
            **_replica_props(),
        )


def test_fails_when_a_replica_would_replicate_the_secret(bare):
    stack, vpc = bare
    with pytest.raises(ValueError, match=r"secret_replica_regions needs credentials\.owns_secret"):
        ResilientDatabase(
            stack,
            "Db",
            vpc=vpc,
            naming=NAMING,
            credentials=DatabaseCredentials(secret_replica_regions={"ap-northeast-1": None}),
            **_replica_props(),
        )


def test_fails_when_the_master_username_is_reserved():
    with pytest.raises(ValueError, match=r"credentials.master_username \('postgres'\)"):
        DatabaseCredentials(master_username="postgres")


def test_fails_when_the_vpc_has_only_public_subnets():
    stack = cdk.Stack(cdk.App(), "Public", env=TOKYO)
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    with pytest.raises(ValueError, match="no private or isolated subnets"):
        DatabaseNetwork(stack, "Net", vpc=vpc)
