"""ReplicationHeartbeat: a committed transaction on the primary every 30 seconds, so an idle source
does not make its replicas report minutes of ``ReplicaLag``.

RDS for PostgreSQL measures a replica's lag as the time since the last replayed commit: while the
source commits nothing, a replica reports up to 5 minutes (RDS User Guide, "Working with read
replicas for Amazon RDS for PostgreSQL", limitations), and a 60-second lag alarm would page in every
quiet hour. The remedy is a regular write on the source: a Lambda function in the database's VPC,
started every minute by an EventBridge schedule (EventBridge's finest rate), commits
``SELECT pg_current_xact_id()`` (a transaction id, so a commit record, and no table) twice, 30 seconds
apart. It signs in with the master secret over TLS (the database enforces ``rds.force_ssl``).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_lib._handlers import handler_folder
from constructs_lib.data.database import ResilientDatabase
from constructs_lib.data.props import POSTGRES_PORT
from constructs_lib.nag import acknowledge

__all__ = ["HEARTBEAT_SPACING", "ReplicationHeartbeat"]

#: EventBridge schedules run at most once a minute (EventBridge User Guide, "Schedule expressions":
#: the finest rate is 1 minute); two beats per run keep the idle lag near 30 s, half the 60 s alarm.
HEARTBEAT_SPACING = cdk.Duration.seconds(30)
BEATS_PER_INVOCATION = 2
_ASSET_EXCLUDE = ("__pycache__", "*.pyc")


class ReplicationHeartbeat(Construct):
    """Heartbeat writes on ``database`` (the primary) for its cross-region replicas' lag alarm.

    :param database: The primary.
    :param log_retention: Retention of the function's log group. Default: one month.
    :param removal_policy: What happens to the log group when it leaves the stack. Default: ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        database: ResilientDatabase,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id)
        network = database.network
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            description=f"Replication heartbeat of RDS {database.instance_identifier}: database and HTTPS",
            allow_all_outbound=False,
        )
        ec2.CfnSecurityGroupEgress(
            self,
            "ToDatabase",
            group_id=self.security_group.security_group_id,
            destination_security_group_id=database.security_group.security_group_id,
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            description="PostgreSQL to the database",
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "Secrets Manager API (VPC endpoint or NAT)"
        )
        database.allow_from(self.security_group, "PostgreSQL from the replication heartbeat")
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=removal_policy)
        self.function = lambda_.Function(
            self,
            "Function",
            description=f"Commits a heartbeat transaction on RDS {database.instance_identifier} every 30 s",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(handler_folder("db_heartbeat")), exclude=list(_ASSET_EXCLUDE)),
            timeout=cdk.Duration.seconds(HEARTBEAT_SPACING.to_seconds() * BEATS_PER_INVOCATION + 15),
            memory_size=128,
            reserved_concurrent_executions=1,
            vpc=network.vpc,
            vpc_subnets=network.vpc_subnets,
            security_groups=[self.security_group],
            log_group=self.log_group,
            environment={
                "SECRET_ARN": database.secret.secret_arn,
                "BEATS_PER_INVOCATION": str(BEATS_PER_INVOCATION),
                "HEARTBEAT_SPACING_SECONDS": str(int(HEARTBEAT_SPACING.to_seconds())),
            },
        )
        # Identity policy only: a key of another stack (the shared data key) must not gain a statement
        # naming this role (it would make that stack depend on this one). Its key policy already lets
        # the account's IAM policies grant use (the default key policy).
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                resources=[database.secret.secret_arn],
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[database.encryption_key.key_arn],
                conditions={
                    "StringEquals": {
                        "kms:ViaService": f"secretsmanager.{cdk.Stack.of(self).region}.amazonaws.com"
                    }
                },
            )
        )
        self.rule = events.Rule(
            self,
            "Schedule",
            description=f"Replication heartbeat of RDS {database.instance_identifier}",
            schedule=events.Schedule.rate(cdk.Duration.minutes(1)),
            targets=[targets.LambdaFunction(self.function, retry_attempts=0)],
        )
        acknowledge(
            self.function,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
            "The AWS-managed VPC access policy only manages the function's network interfaces; AWS keeps it "
            "current with Lambda's networking.",
        )
        acknowledge(
            self.function,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "The AWS-managed basic execution policy only writes the function's own logs.",
        )
