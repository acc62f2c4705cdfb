"""NightlyStop: a web service's nightly scale-to-zero and morning start, and the cron arithmetic for it.

The pause around it is :class:`~constructs_lib.web.nightly_pause.NightlyPause`: it sets the switch to
``"scheduled"`` before the stop and clears that value, and no other, after the start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from constructs_lib._core import PAUSE_BY_SCHEDULE, PAUSE_OFF, IPauseSwitch, Naming
from constructs_lib.web.nightly_pause import PAUSE, RESUME, NightlyPause

#: An IANA time zone name (``UTC``, ``Europe/Berlin``, ``America/Argentina/Buenos_Aires``, ``Etc/GMT+9``).
_TIMEZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+/-]{1,63}")


@dataclass(frozen=True, kw_only=True)
class NightlyStop:
    """Scale to zero at night and back in the morning, pausing healing and paging meanwhile.

    Cron expressions have five fields (minute hour day-of-month month day-of-week) in ``timezone``,
    as Auto Scaling's scheduled actions read them. Validated when built (``ValueError`` naming the
    field, the value and the fix), so a bad schedule fails where it is written:

    - the minute (0-59) and the hour (0-23) are fixed numbers: the pause switch is set
      ``pause_lead_minutes`` before the stop and cleared ``resume_delay_minutes`` after the start, on
      the same day (neither may cross midnight);
    - the day of the month holds digits and ``* , - /``; the month also ``JAN``-``DEC``; the day of
      the week also ``SUN``-``SAT``.

    :param timezone: IANA time zone of both cron expressions, e.g. ``Europe/Berlin`` or ``UTC``.
        Required: "22:00" means nothing without one, and the library has no home zone.
    :param stop_cron: When the group scales to zero. Default: ``0 22 * * MON-FRI`` (22:00 on weekdays).
    :param start_cron: When it comes back. Default: ``0 8 * * MON-FRI`` (08:00 on weekdays).
    :param pause_lead_minutes: The pause switch is set to ``"scheduled"`` this long before the stop
        (unless a person's ``"true"`` is already there). Default: 5.
    :param resume_delay_minutes: ... and ``"scheduled"`` is cleared this long after the start, once the
        new instances have booted and passed their health checks (a person's ``"true"`` stays).
        Default: 15.
    :param log_retention: Retention of the pause state machine's execution log. Default: one month.
    :param log_removal_policy: What happens to that log when the stack goes. Default: ``DESTROY``
        (an operational log); environments that keep their data pass ``RETAIN``.
    """

    timezone: str
    stop_cron: str = "0 22 * * MON-FRI"
    start_cron: str = "0 8 * * MON-FRI"
    pause_lead_minutes: int = 5
    resume_delay_minutes: int = 15
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    log_removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, str) or not _TIMEZONE.fullmatch(self.timezone):
            raise ValueError(
                f"nightly_stop.timezone ({self.timezone!r}) must be an IANA time zone name such as "
                "'UTC' or 'Europe/Berlin'."
            )
        for prop in ("pause_lead_minutes", "resume_delay_minutes"):
            value = getattr(self, prop)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"nightly_stop.{prop} ({value!r}) must be a whole number of minutes, >= 0.")
        # The same checks add_nightly_stop makes when it schedules the actions and the pause switch.
        for prop, minutes in (
            ("stop_cron", -self.pause_lead_minutes),
            ("start_cron", self.resume_delay_minutes),
        ):
            name = f"nightly_stop.{prop}"
            _shift(_cron_fields(getattr(self, prop), name=name), minutes, name=name)


_CRON = re.compile(r"^(?P<minute>\S+) (?P<hour>\S+) (?P<day>\S+) (?P<month>\S+) (?P<week_day>\S+)$")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEK_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
#: The day, month and week-day fields: numbers, ``*``, lists, ranges and steps (and names, see
#: ``_FIELD_NAMES``); the minute and hour are checked as fixed numbers by :func:`_shift`.
_FIELD = re.compile(r"^[0-9A-Za-z*,/-]+$")
_FIELD_NAMES: dict[str, tuple[str, ...]] = {"day": (), "month": _MONTHS, "week_day": _WEEK_DAYS}


def _cron_fields(expr: str, *, name: str) -> dict[str, str]:
    m = _CRON.match(expr.strip()) if isinstance(expr, str) else None
    if not m:
        raise ValueError(
            f"{name} ({expr!r}) must have 5 fields 'minute hour day month weekday', e.g. '0 22 * * MON-FRI'."
        )
    fields = m.groupdict()
    for field, names in _FIELD_NAMES.items():
        value = fields[field]
        words = re.findall(r"[A-Za-z]+", value)
        if not _FIELD.match(value) or any(word.upper() not in names for word in words):
            allowed = f" or {names[0]}-{names[-1]}" if names else ""
            raise ValueError(
                f"{name} ({expr!r}): the {field.replace('_', ' ')} field {value!r} must use digits{allowed}, "
                "'*', ',', '-' and '/', e.g. '0 22 * * MON-FRI'."
            )
    return fields


def _shift(fields: dict[str, str], minutes: int, *, name: str) -> dict[str, str]:
    """Move a cron with a fixed minute and hour by ``minutes`` within the same day."""
    minute, hour = fields["minute"], fields["hour"]
    if not (minute.isdigit() and hour.isdigit() and int(minute) < 60 and int(hour) < 24):
        raise ValueError(
            f"{name}: the pause switch needs a fixed minute (0-59) and hour (0-23) to schedule around, "
            f"got minute={minute!r} hour={hour!r}: write e.g. '0 22 * * MON-FRI'."
        )
    total = int(hour) * 60 + int(minute) + minutes
    if not 0 <= total < 24 * 60:
        raise ValueError(
            f"{name}: shifting {hour}:{int(minute):02d} by {minutes} min for the pause switch crosses "
            "midnight; move the schedule (or shorten pause_lead_minutes / resume_delay_minutes)."
        )
    return {**fields, "hour": str(total // 60), "minute": str(total % 60)}


def _explicit(fields: dict[str, str]) -> dict[str, str]:
    """Cron fields other than '*' (CDK rejects a day together with a week day)."""
    return {k: v for k, v in fields.items() if v != "*"}


def cron_schedule_in_group(
    scope: Construct,
    id: str,
    *,
    fields: dict[str, str],
    stop: NightlyStop,
    target: scheduler.IScheduleTarget,
    group: scheduler.IScheduleGroup,
    description: str,
) -> scheduler.Schedule:
    """An EventBridge Scheduler schedule at the cron ``fields`` (in ``stop.timezone``) in ``group``."""
    schedule = scheduler.Schedule(
        scope,
        id,
        description=description,
        # The L2 fills in the '?' EventBridge Scheduler wants for the unused day field.
        schedule=scheduler.ScheduleExpression.cron(
            **_explicit(fields), time_zone=cdk.TimeZone.of(stop.timezone)
        ),
        target=target,
        schedule_group=group,
    )
    # The L2 writes a named group's name as a literal: without this, CloudFormation may create the
    # schedule before its group exists.
    schedule.node.add_dependency(group)
    return schedule


def pause_window(stop: NightlyStop) -> tuple[dict[str, str], dict[str, str]]:
    """Cron fields (minute, hour, day, month, week_day; in ``stop.timezone``) of the pause switch's
    set and clear: ``pause_lead_minutes`` before the stop and ``resume_delay_minutes`` after the start."""
    stop_fields = _cron_fields(stop.stop_cron, name="nightly_stop.stop_cron")
    start_fields = _cron_fields(stop.start_cron, name="nightly_stop.start_cron")
    return (
        _shift(stop_fields, -stop.pause_lead_minutes, name="nightly_stop.stop_cron"),
        _shift(start_fields, stop.resume_delay_minutes, name="nightly_stop.start_cron"),
    )


def add_nightly_stop(
    scope: Construct,
    group: autoscaling.AutoScalingGroup,
    stop: NightlyStop,
    *,
    min_capacity: int,
    max_capacity: int,
    desired_capacity: int,
    pause_switch: IPauseSwitch,
    naming: Naming | None = None,
) -> list[scheduler.Schedule]:
    """Scheduled actions on ``group``, and two schedules that start :class:`NightlyPause` to set the
    pause switch to ``"scheduled"`` before the stop and clear that value after the start.

    Returns the schedules (children of ``scope``, ids ``PauseBeforeStop`` and ``ResumeAfterStart``),
    both in a schedule group of their own (child ``NightlySchedules``: ``{app}-{env}-nightly`` with
    ``naming``), so that the group's ``InvocationDroppedCount`` is theirs alone (see
    :meth:`NightlyPause.failure_alarm`); the state machine is the child ``NightlyPause`` of ``scope``,
    the scheduled actions are children of ``group``.

    :param naming: names the state machine and its log group (see :class:`NightlyPause`).
        Default: generated names.
    """
    stop_fields = _cron_fields(stop.stop_cron, name="nightly_stop.stop_cron")
    start_fields = _cron_fields(stop.start_cron, name="nightly_stop.start_cron")
    group.scale_on_schedule(
        "NightlyStop",
        schedule=autoscaling.Schedule.cron(**_explicit(stop_fields)),
        time_zone=stop.timezone,
        min_capacity=0,
        max_capacity=0,
        desired_capacity=0,
    )
    group.scale_on_schedule(
        "MorningStart",
        schedule=autoscaling.Schedule.cron(**_explicit(start_fields)),
        time_zone=stop.timezone,
        min_capacity=min_capacity,
        max_capacity=max_capacity,
        desired_capacity=desired_capacity,
    )
    pause_at, resume_at = pause_window(stop)
    parameter_name = pause_switch.parameter_name
    pause = NightlyPause(
        scope,
        "NightlyPause",
        pause_switch=pause_switch,
        naming=naming,
        log_retention=stop.log_retention,
        log_removal_policy=stop.log_removal_policy,
    )
    schedule_group = scheduler.ScheduleGroup(
        scope,
        "NightlySchedules",
        schedule_group_name=naming.name("nightly") if naming is not None else None,
        removal_policy=stop.log_removal_policy,
    )
    schedules: list[scheduler.Schedule] = []
    for sid, fields, transition, what in (
        (
            "PauseBeforeStop",
            pause_at,
            PAUSE,
            f"pause healing and paging before the nightly stop: {parameter_name} {PAUSE_OFF} -> "
            f"{PAUSE_BY_SCHEDULE} (a person's pause is left as it is)",
        ),
        (
            "ResumeAfterStart",
            resume_at,
            RESUME,
            f"resume healing and paging after the morning start: {parameter_name} {PAUSE_BY_SCHEDULE} -> "
            f"{PAUSE_OFF} (a person's pause is left as it is)",
        ),
    ):
        schedules.append(
            cron_schedule_in_group(
                scope,
                sid,
                fields=fields,
                stop=stop,
                target=pause.schedule_target(transition),
                group=schedule_group,
                description=f"Start the nightly pause ({transition}): {what}",
            )
        )
    return schedules
