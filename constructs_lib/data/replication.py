"""Replica lag that reaches people: the alarm on a cross-region replica's ``ReplicaLag``.

A standby replica's lag is the data a region failover would lose. :class:`ReplicaLagAlarm` bounds it
and hands itself out as a :class:`~constructs_lib._core.SeverityAlarm` (``alarms``), so severity
composites page someone when it fires. It carries no actions of its own: the composite routes it.

Place it in the same stack as the composite that names it. CloudWatch refuses to create a composite
whose rule names an alarm that does not exist yet, and refuses to delete an alarm a composite still
names ("Cannot delete ... as there are composite alarm(s) depending on it", ``DeleteAlarms``): in one
stack, CloudFormation orders both; across stacks, the deploy after a failover (replica promoted,
alarm removed) would fail or strand the alarm.

Idle sources: RDS for PostgreSQL computes ``ReplicaLag`` as the time since the last replayed
transaction, so a replica whose source commits nothing reports up to 5 minutes of lag until the
source's next WAL segment switch (RDS User Guide, "Working with read replicas for Amazon RDS for
PostgreSQL", limitations). Any threshold under 5 minutes then pages in quiet hours unless the source
commits regularly: run :class:`~constructs_lib.data.heartbeat.ReplicationHeartbeat` on the primary.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from constructs_lib._core import Naming, Severity, SeverityAlarm, validate_severity

__all__ = ["DEFAULT_REPLICA_LAG_THRESHOLD", "IDLE_SOURCE_LAG", "ReplicaLagAlarm"]

#: Replica lag that pages: a region failover then loses about a minute of data at most.
DEFAULT_REPLICA_LAG_THRESHOLD = cdk.Duration.seconds(60)
#: What an idle source makes a PostgreSQL replica report (RDS User Guide, "Working with read replicas
#: for Amazon RDS for PostgreSQL": "up to five minutes" while the source has no user transactions).
IDLE_SOURCE_LAG = cdk.Duration.minutes(5)
#: RDS publishes ``ReplicaLag`` once a minute (RDS User Guide, "Amazon CloudWatch metrics for Amazon RDS").
_PERIOD = cdk.Duration.minutes(1)


class ReplicaLagAlarm(cloudwatch.Alarm):
    """``ReplicaLag`` of a cross-region replica above ``threshold`` for ``evaluation_periods`` minutes.

    Missing data counts as breaching: no data means replication stopped or the replica is down, as
    bad as lag. The alarm is named ``{app}-{env}-{component}-replica-lag-{severity}``.

    :param naming: App and environment. Its component defaults to ``db``.
    :param database_identifier: DB instance identifier of the replica (a name: no reference to the
        stack that owns the database).
    :param threshold: Lag that alarms. Default: 60 s. Below 5 minutes, the source needs a heartbeat
        (see the module docstring).
    :param severity: Severity of the incident (which composite, so which people). Default: high.
    :param evaluation_periods: Consecutive minutes above the threshold. Default: 3.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        database_identifier: str,
        threshold: cdk.Duration = DEFAULT_REPLICA_LAG_THRESHOLD,
        severity: Severity | str = Severity.HIGH,
        evaluation_periods: int = 3,
    ) -> None:
        naming = naming if naming.component else naming.for_component("db")
        severity = validate_severity(severity, prop="severity")
        seconds = threshold.to_seconds()
        if seconds <= 0:
            raise ValueError(f"threshold ({seconds} s) must be positive.")
        if not 1 <= evaluation_periods <= 60:
            raise ValueError(f"evaluation_periods ({evaluation_periods}) must be 1-60 minutes.")
        region = cdk.Stack.of(scope).region
        super().__init__(
            scope,
            id,
            alarm_name=naming.alarm_name("replica-lag", severity),
            alarm_description=(
                f"The {region} replica is more than {seconds:g} s behind the primary: a region failover "
                f"now would lose that much data. Fires within ~{evaluation_periods + 2} min."
            ),
            metric=cloudwatch.Metric(
                namespace="AWS/RDS",
                metric_name="ReplicaLag",
                dimensions_map={"DBInstanceIdentifier": database_identifier},
                statistic="Maximum",
                period=_PERIOD,
            ),
            threshold=seconds,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )
        self.severity = severity
        self.threshold_seconds = seconds
        self.database_identifier = database_identifier

    @property
    def alarms(self) -> Sequence[SeverityAlarm]:
        """This alarm with its severity, for severity composites and dashboards."""
        return [SeverityAlarm(alarm=self, severity=self.severity, signal="replica-lag")]
