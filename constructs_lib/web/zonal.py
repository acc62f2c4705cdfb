"""Losing an Availability Zone: zonal shift on the load balancer and the group, zonal autoshift, capacity.

- Zonal shift is off on a load balancer until its ``zonal_shift.config.enabled`` attribute is true
  (ELB User Guide, "Enable zonal shift for your Application Load Balancer":
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-zonal-shift.html).
- An Auto Scaling group joins a zonal shift through its ``AvailabilityZoneImpairmentPolicy``; during
  a shift it launches new capacity in the healthy zones only and blocks scale-in (ARC Developer
  Guide, "Amazon EC2 Auto Scaling groups":
  https://docs.aws.amazon.com/r53recovery/latest/dg/arc-zonal-shift.resource-types.ec2-auto-scaling-groups.html).
- Zonal autoshift lets AWS start the shift itself; it requires a practice-run configuration, and ARC
  then shifts traffic off one zone weekly as practice. Outcome alarms are required, blocking alarms
  optional, all in the resource's region (ARC Developer Guide, "Create a practice run configuration":
  https://docs.aws.amazon.com/r53recovery/latest/dg/getting-started-cli-update-zonal_autoshift.create-practice-run.html).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_arczonalshift as arczonalshift
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from constructs_lib._core import Naming, Severity, SeverityAlarm

#: The load balancer attribute that lets ARC shift its traffic (see the module docstring).
ZONAL_SHIFT_ATTRIBUTE = "zonal_shift.config.enabled"
#: ImpairedZoneHealthCheckBehavior values (AWS::AutoScaling::AutoScalingGroup
#: AvailabilityZoneImpairmentPolicy): ``ReplaceUnhealthy`` replaces instances that look unhealthy in
#: every zone, the shifted-away one included; ``IgnoreUnhealthy`` leaves them in that zone.
IMPAIRED_ZONE_BEHAVIORS = ("ReplaceUnhealthy", "IgnoreUnhealthy")
#: Default: replace. During a shift, launches go to the healthy zones only, so an instance failing
#: its checks in the impaired zone is replaced where it can serve; ignoring it would keep it counted
#: in the desired capacity while it serves nothing.
DEFAULT_IMPAIRED_ZONE_BEHAVIOR = "ReplaceUnhealthy"
#: The only control-condition type ARC accepts (ZonalAutoshiftConfiguration ControlCondition, Type).
CONTROL_CONDITION_TYPE = "CLOUDWATCH"
#: Blocked windows ``Mon:10:00-Mon:10:30`` and blocked dates ``2024-05-01``, both UTC
#: (ZonalAutoshiftConfiguration PracticeRunConfiguration, BlockedWindows / BlockedDates).
_WINDOW = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d-(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$"
)
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
#: The default outcome alarm: the share of requests answered 5xx (load balancer or targets) above
#: this percentage for :data:`PRACTICE_ERROR_MINUTES` consecutive minutes fails the practice run.
PRACTICE_ERROR_RATE_PERCENT = 5.0
PRACTICE_ERROR_MINUTES = 3


@dataclass(frozen=True, kw_only=True)
class ZonalAutoshift:
    """Let AWS shift the load balancer's traffic away from an impaired zone, and practise it weekly.

    :param outcome_alarms: Alarms that judge a practice run (ALARM fails it and ends the shift); all in
        the load balancer's region. Default: the service's own 5xx-rate alarm (5 % for 3 minutes).
    :param blocking_alarms: Alarms that keep a practice run from starting, or end one, while in ALARM
        (e.g. the pause switch's alarm, a deployment in progress). Default: none.
    :param blocked_windows: Weekly UTC windows without practice runs, e.g. ``Mon:10:00-Mon:10:30``.
        Default: none.
    :param blocked_dates: UTC dates without practice runs, e.g. ``2025-12-31``. Default: none.
    """

    outcome_alarms: Sequence[cloudwatch.IAlarm] = ()
    blocking_alarms: Sequence[cloudwatch.IAlarm] = ()
    blocked_windows: Sequence[str] = field(default_factory=tuple)
    blocked_dates: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for window in self.blocked_windows:
            if not _WINDOW.fullmatch(window):
                raise ValueError(
                    f"zonal_autoshift.blocked_windows: {window!r} is not a weekly UTC window; write it like "
                    "'Mon:10:00-Mon:10:30'."
                )
        for date in self.blocked_dates:
            if not _DATE.fullmatch(date):
                raise ValueError(
                    f"zonal_autoshift.blocked_dates: {date!r} is not a date; write it like '2025-12-31'."
                )


def capacity_after_zone_loss(max_capacity: int, zones: int) -> int:
    """Instances the other zones can hold when one zone is lost: ``max - ceil(max / zones)``.

    Conservative: it assumes the lost zone held its full share of a group at its maximum.
    """
    if zones < 2:
        return 0
    return max_capacity - math.ceil(max_capacity / zones)


def max_capacity_for_zone_loss(min_capacity: int, zones: int) -> int:
    """The smallest maximum whose :func:`capacity_after_zone_loss` still holds ``min_capacity``."""
    candidate = max(min_capacity, 1)
    while capacity_after_zone_loss(candidate, zones) < min_capacity:
        candidate += 1
    return candidate


def check_zone_loss_capacity(*, min_capacity: int, max_capacity: int, zones: int, prop: str = "") -> None:
    """ValueError unless the remaining zones can carry ``min_capacity`` with one zone lost."""
    if zones < 2:
        raise ValueError(
            f"zonal autoshift moves traffic off one zone, but the group spans {zones} zone(s): use at "
            "least two zones."
        )
    remaining = capacity_after_zone_loss(max_capacity, zones)
    if remaining < min_capacity:
        needed = max_capacity_for_zone_loss(min_capacity, zones)
        raise ValueError(
            f"{prop}max_capacity ({max_capacity}) over {zones} zones leaves {remaining} instance(s) when a "
            f"zone is lost (or shifted away by a weekly practice run), fewer than min_capacity "
            f"({min_capacity}): raise max_capacity to at least {needed}."
        )


def enable_zonal_shift(
    load_balancer: elbv2.ApplicationLoadBalancer,
    group: autoscaling.AutoScalingGroup,
    *,
    impaired_zone_behavior: str,
) -> None:
    """Register the load balancer and the group with ARC zonal shift (no shift starts by itself)."""
    if impaired_zone_behavior not in IMPAIRED_ZONE_BEHAVIORS:
        raise ValueError(
            f"impaired_zone_health_check ({impaired_zone_behavior!r}) must be one of "
            f"{', '.join(IMPAIRED_ZONE_BEHAVIORS)}."
        )
    load_balancer.set_attribute(ZONAL_SHIFT_ATTRIBUTE, "true")
    cfn_group = group.node.default_child
    if not isinstance(cfn_group, autoscaling.CfnAutoScalingGroup):  # pragma: no cover - CDK invariant
        raise TypeError("the group's default child is not an AWS::AutoScaling::AutoScalingGroup")
    # Set on the resource: the L2 has no prop for it.
    cfn_group.availability_zone_impairment_policy = (
        autoscaling.CfnAutoScalingGroup.AvailabilityZoneImpairmentPolicyProperty(
            zonal_shift_enabled=True, impaired_zone_health_check_behavior=impaired_zone_behavior
        )
    )


def practice_run_alarm(
    scope: Construct, load_balancer: elbv2.ApplicationLoadBalancer, naming: Naming | None
) -> SeverityAlarm:
    """The default outcome alarm: 5xx share of all requests, load balancer's and targets' together."""
    metrics = load_balancer.metrics
    period = cdk.Duration.minutes(1)
    rate = cloudwatch.MathExpression(
        expression="IF(requests > 0, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)",
        using_metrics={
            "requests": metrics.request_count(period=period, statistic="Sum"),
            "elb5xx": metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=period, statistic="Sum"),
            "target5xx": metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=period, statistic="Sum"
            ),
        },
        label="5xx share of requests (%)",
        period=period,
    )
    signal = "zonal-practice-errors"
    severity = Severity.MEDIUM
    alarm = cloudwatch.Alarm(
        scope,
        "PracticeRunOutcome",
        alarm_name=naming.alarm_name(signal, severity) if naming else None,
        alarm_description=(
            f"More than {PRACTICE_ERROR_RATE_PERCENT:g} % of requests answered 5xx for "
            f"{PRACTICE_ERROR_MINUTES} minutes: a zonal autoshift practice run (one zone's traffic "
            "shifted away) hurts users, so ARC ends it. The remaining zones could not carry the load."
        ),
        metric=rate,
        threshold=PRACTICE_ERROR_RATE_PERCENT,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluation_periods=PRACTICE_ERROR_MINUTES,
        datapoints_to_alarm=PRACTICE_ERROR_MINUTES,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    return SeverityAlarm(alarm=alarm, severity=severity, signal=signal)


def _control_conditions(
    alarms: Sequence[cloudwatch.IAlarm], *, region: str, prop: str
) -> list[arczonalshift.CfnZonalAutoshiftConfiguration.ControlConditionProperty]:
    for alarm in alarms:
        arn = alarm.alarm_arn
        # An imported alarm says where it is in its ARN; one created here, in its stack's region.
        alarm_region = arn.split(":")[3] if not cdk.Token.is_unresolved(arn) else alarm.env.region
        literal = not cdk.Token.is_unresolved(alarm_region) and not cdk.Token.is_unresolved(region)
        if literal and alarm_region != region:
            raise ValueError(
                f"zonal_autoshift.{prop}: alarm {alarm.alarm_arn!r} is in {alarm_region}, but practice "
                f"runs only take alarms of the load balancer's region ({region})."
            )
    return [
        arczonalshift.CfnZonalAutoshiftConfiguration.ControlConditionProperty(
            alarm_identifier=alarm.alarm_arn, type=CONTROL_CONDITION_TYPE
        )
        for alarm in alarms
    ]


def add_zonal_autoshift(
    scope: Construct,
    load_balancer: elbv2.ApplicationLoadBalancer,
    autoshift: ZonalAutoshift,
    *,
    outcome_alarms: Sequence[cloudwatch.IAlarm],
) -> arczonalshift.CfnZonalAutoshiftConfiguration:
    """Zonal autoshift on the load balancer with its practice-run configuration."""
    if not outcome_alarms:
        raise ValueError("zonal_autoshift needs at least one outcome alarm: ARC requires one.")
    region = cdk.Stack.of(scope).region
    return arczonalshift.CfnZonalAutoshiftConfiguration(
        scope,
        "ZonalAutoshift",
        resource_identifier=load_balancer.load_balancer_arn,
        zonal_autoshift_status="ENABLED",
        practice_run_configuration=arczonalshift.CfnZonalAutoshiftConfiguration.PracticeRunConfigurationProperty(
            outcome_alarms=_control_conditions(outcome_alarms, region=region, prop="outcome_alarms"),
            blocking_alarms=_control_conditions(
                autoshift.blocking_alarms, region=region, prop="blocking_alarms"
            )
            or None,
            blocked_windows=list(autoshift.blocked_windows) or None,
            blocked_dates=list(autoshift.blocked_dates) or None,
        ),
    )
