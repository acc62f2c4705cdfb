"""Replica lag that reaches people: the alarm on a cross-region replica's ``ReplicaLag``.

A standby replica's lag is the data a region failover would lose. :class:`ReplicaLagAlarm` bounds it
and hands itself out, with its companion silence alarm, as
:class:`~constructs_lib._core.SeverityAlarm` s (``alarms``), so severity composites page someone when
either fires. Neither carries actions of its own: the composite routes them.

Missing data. After a region failover the promoted instance stops publishing ``ReplicaLag`` for good:
with missing data treated as breaching, the lag alarm would stay in ALARM and page through the
severity composite forever. CloudWatch treats missing data one way per alarm ("Configuring how
CloudWatch alarms treat missing data", Amazon CloudWatch User Guide:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data)
and cannot know whether the instance is still a replica. So the work is split:

- the **lag alarm** treats missing ``ReplicaLag`` as not breaching (a promoted instance has none);
- the **silence alarm** watches whether the instance publishes ``CPUUtilization`` at all (its
  ``SampleCount``), missing data breaching. RDS sends its instance metrics every minute while the
  instance runs, replica or promoted (RDS User Guide, "Amazon CloudWatch metrics for Amazon RDS"):
  a promoted instance keeps it quiet, a replica that stopped, failed or was deleted pages. A standard
  alarm (not metric math with ``FILL``) keeps CloudWatch's documented handling of a datapoint that
  is merely late: with enough real datapoints in the evaluation range the most recent ones decide.

What neither can tell: a running replica that stops publishing ``ReplicaLag`` while still a replica
looks promoted. PostgreSQL's ``ReplicaLag`` is the time since the last replayed transaction, so a
replica whose replay stops keeps reporting a growing lag and pages through the threshold instead.

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

__all__ = ["DEFAULT_REPLICA_LAG_THRESHOLD", "IDLE_SOURCE_LAG", "REPLICA_LAG_MISSING_DATA", "ReplicaLagAlarm"]

#: Replica lag that pages: a region failover then loses about a minute of data at most.
DEFAULT_REPLICA_LAG_THRESHOLD = cdk.Duration.seconds(60)
#: What an idle source makes a PostgreSQL replica report (RDS User Guide, "Working with read replicas
#: for Amazon RDS for PostgreSQL": "up to five minutes" while the source has no user transactions).
IDLE_SOURCE_LAG = cdk.Duration.minutes(5)
#: RDS publishes ``ReplicaLag`` once a minute (RDS User Guide, "Amazon CloudWatch metrics for Amazon RDS").
_PERIOD = cdk.Duration.minutes(1)
#: No ``ReplicaLag``: promoted (or silent, which the silence alarm pages). See the module docstring.
REPLICA_LAG_MISSING_DATA = cloudwatch.TreatMissingData.NOT_BREACHING


class ReplicaLagAlarm(cloudwatch.Alarm):
    """``ReplicaLag`` of a cross-region replica above ``threshold`` for ``evaluation_periods`` minutes,
    and its companion :attr:`silence_alarm`: the instance publishing no metrics at all for as long.

    Missing ``ReplicaLag`` is not breaching (a promoted instance publishes none); silence is the
    companion's (see the module docstring). The alarms are named
    ``{app}-{env}-{component}-replica-lag-{severity}`` and ``...-replica-silent-{severity}``.

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
                f"now would lose that much data. Fires within ~{evaluation_periods + 2} min. No data is "
                "not breaching: a promoted instance publishes no ReplicaLag; a silent replica is paged "
                "by the replica-silent alarm."
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
            treat_missing_data=REPLICA_LAG_MISSING_DATA,
        )
        self.severity = severity
        self.threshold_seconds = seconds
        self.database_identifier = database_identifier
        #: The instance publishing no metrics at all for ``evaluation_periods`` minutes (stopped,
        #: failed, deleted): ``CPUUtilization`` ``SampleCount`` below 1, missing data breaching.
        self.silence_alarm = cloudwatch.Alarm(
            self,
            "Silence",
            alarm_name=naming.alarm_name("replica-silent", severity),
            alarm_description=(
                f"The {region} replica {database_identifier} publishes no metrics (RDS sends them every "
                "minute while an instance runs): it is stopped, failed or gone, and its lag is unknown. "
                "Missing data is breaching. A promoted instance keeps publishing and stays OK."
            ),
            metric=cloudwatch.Metric(
                namespace="AWS/RDS",
                metric_name="CPUUtilization",
                dimensions_map={"DBInstanceIdentifier": database_identifier},
                statistic="SampleCount",
                period=_PERIOD,
            ),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=evaluation_periods,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )

    @property
    def alarms(self) -> Sequence[SeverityAlarm]:
        """The lag alarm and its silence alarm with their severity, for severity composites and
        dashboards: a composite built from these pages on either."""
        return [
            SeverityAlarm(alarm=self, severity=self.severity, signal="replica-lag"),
            SeverityAlarm(alarm=self.silence_alarm, severity=self.severity, signal="replica-silent"),
        ]
