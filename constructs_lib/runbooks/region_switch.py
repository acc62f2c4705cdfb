"""Region failover (unplanned) and failback (planned): :func:`region_switch_document` and its two
constructs, :class:`RegionFailoverRunbook` (deploy it in the DR region) and
:class:`RegionFailbackRunbook` (deploy it in the region traffic returns to)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import IPauseSwitch, Naming, Severity
from constructs_lib.nag import acknowledge
from constructs_lib.runbooks._base import (
    _asg_arn,
    _base_parameters,
    _db_arn,
    _document,
    _health_check_arn,
    _nag_account,
    _nag_region,
    _parameter_arn,
    _pause_parameter,
    _Runbook,
    _validate_topics,
    acknowledge_unscoped_reads,
)
from constructs_lib.runbooks.props import RegionSwitches, ServingRegion, StandbyDatabase, WebCapacity
from constructs_lib.runbooks.scripts import (
    describe_database,
    freeze_region,
    wait_for_in_service_instances,
    wait_for_replica_lag,
    wait_until_endpoint_healthy,
    wait_until_promoted,
)
from constructs_lib.runbooks.steps import _api, _notify, _pause_check, _script, _wait_for_db_status

__all__ = ["RegionFailbackRunbook", "RegionFailoverRunbook", "region_switch_document"]


# Every step states its timeout and attempts, so the step graph alone gives each step's worst case
# (timeoutSeconds x maxAttempts). "The timeoutSeconds property is shared by all Automation actions"
# (Systems Manager User Guide, "Handling timeouts in runbooks"); maxAttempts defaults to 1 (Systems
# Manager API Reference, StepExecution.MaxAttempts); an aws:executeScript step runs at most 600 s
# (User Guide, "aws:executeScript").
_API_SECONDS = 60
_SCRIPT_SECONDS = 600
#: The Auto Scaling group needs the production minimum InService before DNS moves here.
CAPACITY_WAIT_STEP = "WaitForInServiceInstances"


def _timed(step: dict[str, Any], timeout_seconds: int, max_attempts: int = 1) -> dict[str, Any]:
    return {**step, "timeoutSeconds": timeout_seconds, "maxAttempts": max_attempts}


def region_switch_document(
    *,
    automation_role_arn: str,
    database_identifier: str,
    auto_scaling_group_name: str,
    min_capacity: int,
    max_capacity: int,
    desired_capacity: int,
    open_switch_id: str,
    close_switch_id: str,
    endpoint_health_check_id: str | None,
    pause_parameter_name: str,
    backup_retention_days: int,
    success_topic_arn: str,
    failure_topic_arn: str,
    planned_from: Mapping[str, str] | None = None,
    max_replica_lag_seconds: int = 0,
) -> dict[str, Any]:
    """Move the service into this document's region.

    Unplanned (``planned_from`` is ``None``, the failover)::

        CheckPauseOverride -> AssertNotPaused -> ScaleOutWebService -> DescribeStandbyDatabase
        -> IsStandbyReplica
          replica:  PromoteReplica -> WaitForPromotionToStart -> WaitForDatabaseAvailable
          else (already promoted by an earlier run): WaitForDatabaseAvailable
        -> VerifyPromoted -> WaitForInServiceInstances -> OpenRegionSwitch -> CloseOtherRegionSwitch
        [-> VerifyEndpointHealthy] -> NotifySuccess            (any failure -> NotifyFailure)

    Automation has no parallel branches, so the scale-out runs *beside* the promotion by starting
    first: ``UpdateAutoScalingGroup`` returns at once and Auto Scaling launches the instances on its
    own while the database is promoted; ``WaitForInServiceInstances`` then waits until ``MinSize``
    instances are InService and healthy. DNS moves here only after both: a promoted primary and the
    production minimum of capacity. Every step states ``timeoutSeconds`` and ``maxAttempts``.

    Planned (``planned_from`` = ``{"region", "auto_scaling_group_name", "pause_parameter_name"}`` of
    the region serving now, the failback) inserts after ``IsStandbyReplica``:
    ``FreezeWritesInServingRegion`` (its pause switch on, its group to zero) and
    ``WaitForReplicaToCatchUp`` (``ReplicaLag`` <= ``max_replica_lag_seconds``), so no committed
    write is left behind; this region's group is already scaling out meanwhile.
    """
    planned = planned_from is not None
    after_replica_check = "FreezeWritesInServingRegion" if planned else "PromoteReplica"
    kind = "Failback" if planned else "Failover"
    failed = {"onFailure": "step:NotifyFailure"}
    parameters = {
        **_base_parameters(automation_role_arn),
        **_pause_parameter(),
        "MinSize": {
            "type": "Integer",
            "description": "Minimum instances after the switch; DNS moves once this many are InService.",
            "default": min_capacity,
        },
        "MaxSize": {
            "type": "Integer",
            "description": "Maximum instances after the switch.",
            "default": max_capacity,
        },
        "DesiredCapacity": {
            "type": "Integer",
            "description": "Instances to start with (production capacity).",
            "default": desired_capacity,
        },
    }
    steps: list[dict[str, Any]] = [
        *(_timed(step, _API_SECONDS) for step in _pause_check(pause_parameter_name, "ScaleOutWebService")),
        # First, so that the instances boot while the database is promoted (see the docstring).
        _timed(
            _api(
                "ScaleOutWebService",
                "autoscaling",
                "UpdateAutoScalingGroup",
                AutoScalingGroupName=auto_scaling_group_name,
                MinSize="{{ MinSize }}",
                MaxSize="{{ MaxSize }}",
                DesiredCapacity="{{ DesiredCapacity }}",
                **failed,
            ),
            _API_SECONDS,
            max_attempts=3,  # idempotent: the same sizes again
        ),
        _timed(
            _script(
                "DescribeStandbyDatabase",
                describe_database,
                {"DBInstanceIdentifier": database_identifier},
                outputs=[("IsReplica", "Boolean"), ("Status", "String"), ("AvailabilityZone", "String")],
                **failed,
            ),
            _SCRIPT_SECONDS,
        ),
        _timed(
            {
                "name": "IsStandbyReplica",
                "action": "aws:branch",
                "inputs": {
                    "Choices": [
                        {
                            "NextStep": after_replica_check,
                            "Variable": "{{ DescribeStandbyDatabase.IsReplica }}",
                            "BooleanEquals": True,
                        }
                    ],
                    "Default": "WaitForDatabaseAvailable",
                },
            },
            _API_SECONDS,
        ),
    ]
    if planned:
        steps += [
            _timed(
                _script(
                    "FreezeWritesInServingRegion",
                    freeze_region,
                    {
                        "Region": planned_from["region"],
                        "AutoScalingGroupName": planned_from["auto_scaling_group_name"],
                        "PauseParameterName": planned_from["pause_parameter_name"],
                    },
                    outputs=[("PreviousDesiredCapacity", "Integer")],
                    **failed,
                ),
                _SCRIPT_SECONDS,
            ),
            _timed(
                _script(
                    "WaitForReplicaToCatchUp",
                    wait_for_replica_lag,
                    {
                        "DBInstanceIdentifier": database_identifier,
                        "MaxReplicaLagSeconds": max_replica_lag_seconds,
                        "MinimumWaitSeconds": 60,
                        "TimeoutSeconds": 540,
                        "PollSeconds": 15,
                    },
                    outputs=[("ReplicaLagSeconds", "Integer")],
                    **failed,
                ),
                _SCRIPT_SECONDS,
                max_attempts=2,
            ),
        ]
    steps += [
        _timed(
            _api(
                "PromoteReplica",
                "rds",
                "PromoteReadReplica",
                DBInstanceIdentifier=database_identifier,
                BackupRetentionPeriod=backup_retention_days,
                **failed,
            ),
            _API_SECONDS,
        ),
        # The status stays "available" for a moment after the call; do not mistake it for the end.
        _timed(
            {"name": "WaitForPromotionToStart", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}}, 120
        ),
        _timed(
            _wait_for_db_status("WaitForDatabaseAvailable", database_identifier, "available", 3600, **failed),
            3600,
        ),
        _timed(
            _script(
                "VerifyPromoted",
                wait_until_promoted,
                {"DBInstanceIdentifier": database_identifier, "TimeoutSeconds": 540, "PollSeconds": 15},
                outputs=[("SecondsWaited", "Integer")],
                **failed,
            ),
            _SCRIPT_SECONDS,
            max_attempts=3,
        ),
        _timed(
            _script(
                CAPACITY_WAIT_STEP,
                wait_for_in_service_instances,
                {
                    "AutoScalingGroupName": auto_scaling_group_name,
                    "MinimumInService": "{{ MinSize }}",
                    "TimeoutSeconds": 540,
                    "PollSeconds": 15,
                },
                outputs=[("InServiceInstances", "Integer")],
                **failed,
            ),
            _SCRIPT_SECONDS,
            max_attempts=3,
        ),
        _timed(
            _api(
                "OpenRegionSwitch",
                "route53",
                "UpdateHealthCheck",
                HealthCheckId=open_switch_id,
                Inverted=False,
                **failed,
            ),
            _API_SECONDS,
            max_attempts=3,  # idempotent
        ),
        _timed(
            _api(
                "CloseOtherRegionSwitch",
                "route53",
                "UpdateHealthCheck",
                HealthCheckId=close_switch_id,
                Inverted=True,
                **failed,
            ),
            _API_SECONDS,
            max_attempts=3,  # idempotent
        ),
    ]
    if endpoint_health_check_id is not None:
        steps.append(
            _timed(
                _script(
                    "VerifyEndpointHealthy",
                    wait_until_endpoint_healthy,
                    {"HealthCheckId": endpoint_health_check_id, "TimeoutSeconds": 540, "PollSeconds": 15},
                    outputs=[("HealthyObservations", "Integer"), ("Observations", "Integer")],
                    **failed,
                ),
                _SCRIPT_SECONDS,
                max_attempts=2,
            )
        )
        verified = (
            " {{ VerifyEndpointHealthy.HealthyObservations }} of "
            "{{ VerifyEndpointHealthy.Observations }} Route 53 checkers see the endpoint healthy."
        )
    else:
        verified = " The endpoint's health was not verified (no endpoint health check given)."
    steps += [
        _timed(
            _notify(
                "NotifySuccess",
                success_topic_arn,
                f"Region {kind.lower()} complete: {{{{ global:REGION }}}} serves traffic",
                f"Region {kind.lower()} {{{{ automation:EXECUTION_ID }}}} succeeded. Database "
                f"{database_identifier} is the primary in {{{{ global:REGION }}}}; "
                f"{auto_scaling_group_name} had {{{{ {CAPACITY_WAIT_STEP}.InServiceInstances }}}} healthy "
                f"instances in service when the DNS switch moved here;{verified} "
                "Next: set active_region to this region in the environment config and deploy; rebuild the "
                "other region's database as a replica before any failback."
                + (
                    f" {planned_from['region']} stays paused at zero capacity: unpause it once it is the "
                    "standby again."
                    if planned
                    else ""
                ),
                isEnd=True,
            ),
            _API_SECONDS,
        ),
        _timed(
            _notify(
                "NotifyFailure",
                failure_topic_arn,
                f"Region {kind.lower()} FAILED in {{{{ global:REGION }}}}",
                f"Region {kind.lower()} {{{{ automation:EXECUTION_ID }}}} failed (or the pause switch is "
                "on). Open the execution in Systems Manager > Automation to see the failed step; the "
                "steps are safe to re-run (an already promoted database is not promoted again). The web "
                "service may already be scaled out here.",
                isEnd=True,
            ),
            _API_SECONDS,
        ),
    ]
    return _document(
        f"Region {kind.lower()}: make {{{{ global:REGION }}}} the primary region (database, capacity, DNS).",
        parameters,
        steps,
        outputs=["VerifyPromoted.SecondsWaited", f"{CAPACITY_WAIT_STEP}.InServiceInstances"]
        + (["VerifyEndpointHealthy.HealthyObservations"] if endpoint_health_check_id is not None else []),
    )


class RegionFailoverRunbook(_Runbook):
    """Region failover (unplanned): make this stack's region the primary. Deploy it in the DR region.

    Flow in :func:`region_switch_document`. The role may: read the pause switch; describe and
    promote the standby database; update Auto Scaling groups of this region that carry the
    environment tag (the group name may be another stack's token, so the ARN cannot name it); flip
    the two region switches and read the endpoint health check; publish to the two topics. The
    failback's role may also set the serving region's pause switch, scale in its group (by name,
    tag required), and read ``ReplicaLag`` and group sizes.

    Example::

        RegionFailoverRunbook(
            self, "RegionFailover", naming=naming, pause_switch=pause_switch, notification_topics=topics,
            standby=StandbyDatabase(identifier="shop-prod-db-dr"),
            capacity=WebCapacity(auto_scaling_group_name="shop-prod-web", min_capacity=2, max_capacity=6),
            dns=RegionSwitches(open_switch_id=..., close_switch_id=..., endpoint_health_check_id=...),
        )

    :param naming: the app and environment; the role acts only on resources whose environment tag
        (``environment_tag_key``) is ``naming.environment``.
    :param pause_switch: this region's pause switch; the runbook refuses to run while it is on
        (unless ``IgnorePauseSwitch``).
    :param notification_topics: topics keyed by severity.
    :param standby: this region's replica (becomes the primary) and the retention it gets.
    :param capacity: this region's web service group and its production capacity after the switch.
    :param dns: the two region switches and this region's endpoint health check.
    :param success_severity: topic of the success message. Default: ``high``.
    :param failure_severity: topic of the failure message. Default: ``critical``.
    :param environment_tag_key: tag key of the IAM conditions. Default: ``Environment``.
    :param document_name: SSM document name. Default: generated by CloudFormation.
    """

    _serving: ServingRegion | None = None
    #: Read-only actions granted on "*" (none accepts a resource ARN).
    _unscoped_reads: tuple[str, ...] = ("autoscaling:DescribeAutoScalingGroups",)
    _max_replica_lag_seconds = 0
    _kind = "failover"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        pause_switch: IPauseSwitch,
        notification_topics: Mapping[str, sns.ITopic],
        standby: StandbyDatabase,
        capacity: WebCapacity,
        dns: RegionSwitches,
        success_severity: Severity = Severity.HIGH,
        failure_severity: Severity = Severity.CRITICAL,
        environment_tag_key: str = "Environment",
        document_name: str | None = None,
    ) -> None:
        super().__init__(scope, id, description=f"Runs the region {self._kind} runbook (SSM Automation).")
        success_topic, failure_topic = _validate_topics(
            notification_topics, success_severity, failure_severity
        )
        self.naming = naming
        tagged = {f"aws:ResourceTag/{environment_tag_key}": naming.environment}

        self._allow_pause_read(pause_switch)
        self._allow(
            "DescribeAndPromoteDatabase",
            ["rds:DescribeDBInstances", "rds:PromoteReadReplica"],
            [_db_arn(self, standby.identifier)],
        )
        # Any group of this region carrying the environment tag: the group's name may be a token of
        # another stack, which would make the ARN (and its cdk-nag finding id) unpredictable here.
        self._allow(
            "ScaleTaggedWebService",
            ["autoscaling:UpdateAutoScalingGroup"],
            [_asg_arn(self, "*")],
            StringEquals=tagged,
        )
        self._allow(
            "FlipRegionSwitches",
            ["route53:UpdateHealthCheck"],
            [_health_check_arn(dns.open_switch_id), _health_check_arn(dns.close_switch_id)],
        )
        if dns.endpoint_health_check_id is not None:
            self._allow(
                "ReadEndpointHealth",
                ["route53:GetHealthCheckStatus"],
                [_health_check_arn(dns.endpoint_health_check_id)],
            )
        self._allow("ReadGroupInstances", ["autoscaling:DescribeAutoScalingGroups"], ["*"])
        self._allow_publish(success_topic, failure_topic)
        self._add_planned_permissions(tagged=tagged)
        acknowledge_unscoped_reads(self.role, self._unscoped_reads)
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:"
            f"{_nag_region(self)}:{_nag_account(self)}:autoScalingGroup:*:autoScalingGroupName/*]",
            "UpdateAutoScalingGroup only on groups carrying the environment tag (aws:ResourceTag "
            "condition); the group name may be another stack's token, so the ARN cannot name it.",
        )

        serving = self._serving
        self._publish_document(
            region_switch_document(
                automation_role_arn=self.role.role_arn,
                database_identifier=standby.identifier,
                auto_scaling_group_name=capacity.auto_scaling_group_name,
                min_capacity=capacity.min_capacity,
                max_capacity=capacity.max_capacity,
                desired_capacity=capacity.desired,
                open_switch_id=dns.open_switch_id,
                close_switch_id=dns.close_switch_id,
                endpoint_health_check_id=dns.endpoint_health_check_id,
                pause_parameter_name=pause_switch.parameter_name,
                backup_retention_days=standby.backup_retention_days,
                success_topic_arn=success_topic.topic_arn,
                failure_topic_arn=failure_topic.topic_arn,
                planned_from=(
                    {
                        "region": serving.region,
                        "auto_scaling_group_name": serving.auto_scaling_group_name,
                        "pause_parameter_name": serving.pause_switch.parameter_name,
                    }
                    if serving is not None
                    else None
                ),
                max_replica_lag_seconds=self._max_replica_lag_seconds,
            ),
            document_name,
        )

    def _add_planned_permissions(self, *, tagged: Mapping[str, str]) -> None:
        """Failover needs nothing more; failback adds the freeze of the serving region."""


class RegionFailbackRunbook(RegionFailoverRunbook):
    """Region failback (planned, explicit): return the service to this stack's region.

    Deploy it in the region traffic returns to (the home region, healthy again), after this region's
    database was rebuilt as a replica of the serving region's. Same flow as the failover plus, before
    the promotion, ``FreezeWritesInServingRegion`` (pause switch ``true`` and group to zero *in the
    serving region*) and ``WaitForReplicaToCatchUp``; the serving region stays paused at zero
    until it is rebuilt as the standby.

    Takes the props of :class:`RegionFailoverRunbook` plus:

    :param serving: the region serving traffic now (the DR region): its region, group and pause switch.
    :param max_replica_lag_seconds: lag at which this region's replica counts as caught up. Default: 0.
    """

    _kind = "failback"
    _unscoped_reads = ("autoscaling:DescribeAutoScalingGroups", "cloudwatch:GetMetricStatistics")

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        serving: ServingRegion,
        max_replica_lag_seconds: int = 0,
        **props: Any,
    ) -> None:
        if max_replica_lag_seconds < 0:
            raise ValueError(f"max_replica_lag_seconds ({max_replica_lag_seconds}) must be >= 0.")
        self._serving = serving
        self._max_replica_lag_seconds = max_replica_lag_seconds
        super().__init__(scope, id, **props)
        stack = cdk.Stack.of(self)
        if not cdk.Token.is_unresolved(stack.region) and serving.region == stack.region:
            raise ValueError(
                f"serving.region ({serving.region!r}) is this stack's region: deploy the failback runbook "
                "in the region traffic returns to."
            )

    def _add_planned_permissions(self, *, tagged: Mapping[str, str]) -> None:
        serving = self._serving
        assert serving is not None
        self._allow(
            "PauseServingRegion",
            ["ssm:PutParameter"],
            [_parameter_arn(self, serving.pause_switch.parameter_name, serving.region)],
        )
        self._allow(
            "ScaleInServingRegion",
            ["autoscaling:UpdateAutoScalingGroup"],
            [_asg_arn(self, serving.auto_scaling_group_name, serving.region)],
            StringEquals=dict(tagged),
        )
        self._allow("ReadReplicaLag", ["cloudwatch:GetMetricStatistics"], ["*"])
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:"
            f"{serving.region}:{_nag_account(self)}:autoScalingGroup:*:autoScalingGroupName/"
            f"{serving.auto_scaling_group_name}]",
            "UpdateAutoScalingGroup (the freeze's scale-in to zero) on the serving region's group only: "
            "Auto Scaling group ARNs contain a generated id, which the first wildcard stands for; the "
            "group name is fixed and the environment tag is required.",
        )
