"""Configuration of the auto-healing function: the environment-variable contract.

Everything the function needs comes from environment variables set by the ``AutoHealing``
construct (``constructs_lib/healing``); their names are :mod:`contract`'s. They are parsed once,
validated, into the frozen :class:`Config`. A missing or bad value never crashes the import:
:func:`load_config` raises :class:`ConfigError` naming every problem, and the handler then *fails
closed* (logs the problems, emits a ``ConfigInvalid`` metric and acts on nothing).

Required:

- ``APP_NAME``: application name, e.g. ``webapp``.
- ``ENVIRONMENT_NAME``: environment, e.g. ``prod``; the tag value a resource must carry before
  the function touches it.
- ``LEDGER_TABLE_NAME``: DynamoDB table with ``pk``/``sk`` strings and TTL ``expires_at``
  (item layout in :mod:`ledger`).
- ``PAUSE_PARAMETER_NAME``: SSM String parameter; ``true`` (set by a person) or ``scheduled`` (set
  by a schedule, which alone may clear it) pauses all healing; ``false`` does not (a missing
  parameter or any other value also pauses: fail closed).
- ``TOPIC_ARNS``: JSON object severity -> SNS topic ARN, severities ``low``, ``medium``,
  ``high``, ``critical``. At least one; a severity without a topic goes to the next higher
  severity that has one (then the next lower).

Optional (default in brackets):

- ``ENVIRONMENT_TAG_KEY`` [``Environment``].
- ``SUPPRESS_TAG_KEY`` [``autoheal:suppress``]: an instance or group carrying this tag with any
  value but ``false`` is left alone.
- ``DRY_RUN`` [``false``]: ``true`` decides, records and notifies, but makes no mutating call
  (tag checks still run; would-be actions count against the hourly limit like real ones).
- ``MAX_ACTIONS_PER_RESOURCE_PER_HOUR`` [``3``, 1-100]: per resource and incident kind, in any
  60 minutes (a sliding window); past it, no action and an escalation. Read-only diagnostics take
  no slot.
- ``MAX_REPLACEMENT_PERCENT`` [``25``, 1-100] and ``REPLACEMENT_WINDOW_SECONDS`` [``900``,
  60-86400]: at most this share of a group's in-service instances (at least one) is replaced
  (marked unhealthy) per window, across all incidents; the rest is escalated.
- ``INCIDENT_WINDOW_SECONDS`` [``900``, 60-86400]: events about the same resource and incident
  kind within this time of the first one are one incident (one action).
- ``STALE_EVENT_SECONDS`` [``900``, 60-21600]: an event older than this is dropped (counted as
  ``EventRejected`` ``stale``), not acted on: the state it reports may have been changed since, on
  purpose. AWS Health's scheduled changes (retirement) are acted on until their scheduled start.
- ``WEB_SERVICE_UNIT`` [``webapp``]: systemd unit restarted on a memory alarm (never starting
  with ``-``: systemctl would read it as an option).
- ``HEALTH_CHECK_PORT`` [``8080``] and ``HEALTH_CHECK_PATH`` [``/health``]: probed on the
  instance as ``http://127.0.0.1:<port><path>`` after a restart.
- ``COMMAND_DOCUMENT_NAME`` (required): the Run Command document of ``constructs_lib.healing``
  (``InstanceCommands``): the only document the function sends, with ``Action`` ``Diagnostics``
  or ``RestartService`` and the unit, port and path above as parameters.
- ``RECOVERY_RUNBOOK_NAME`` [empty: escalate to a human instead]: SSM Automation document started
  where the quick fix did not help. Parameters passed: ``InstanceId``, ``AutomationAssumeRole``,
  ``TopicArn``, ``ServiceUnit``, ``HealthCheckPort``, ``HealthCheckPath`` (``RetryCount`` is
  left to the document's default, which the runbook construct sets).
- ``RECOVERY_RUNBOOK_ROLE_ARN`` [required when the runbook is set]: its ``AutomationAssumeRole``.
- ``ALARM_NAME_PREFIX`` [``<APP_NAME>-<ENVIRONMENT_NAME>-``]: only alarms whose name starts with
  it are this environment's; ``<APP_NAME>-<ENVIRONMENT_NAME>-autoheal-*`` (the construct's own
  alarms) are never acted upon.
- ``HEALING_FUNCTION_NAME`` [empty] (incident detector only, required there): the healing
  function's name or ARN; the detector hands each finding to it (asynchronous invoke) and acts on
  nothing itself.
- ``RUNBOOKS_BY_INCIDENT`` [``{}``: notify only] (findings of the detector): JSON object incident kind
  (``group-capacity``, ``database-unavailable``, ``database-failure``, ``health-check``) ->
  ``{"document": name, "role_arn": arn, "resource_parameter": name, "parameters": {...}}``; the
  healing function starts that Automation with ``AutomationAssumeRole``, the resource id under
  ``resource_parameter`` and the fixed ``parameters``, and the detector follows it to its end.
  Instances found impaired get the event path's treatment.
- ``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE`` [``<APP_NAME>/AutoHeal``],
  ``POWERTOOLS_LOG_LEVEL``: read by Powertools (logger service, EMF namespace, log level).

Values that end up in shell commands (unit, port, path) are checked against strict patterns, so a
bad deployment cannot turn configuration into command injection on the instances.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from . import contract

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
"""Severities, lowest first."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_TAG_KEY = re.compile(r"[A-Za-z0-9 _.:/=+@-]{1,128}")
_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_PARAMETER = re.compile(r"/?[A-Za-z0-9_.\-/]{1,1011}")
_SNS_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}")
_UNIT = re.compile(contract.SERVICE_UNIT_PATTERN)
_HEALTH_PATH = re.compile(contract.HEALTH_PATH_PATTERN)
_DOCUMENT = re.compile(r"[A-Za-z0-9_.:/-]{3,128}")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}")
_ALARM_PREFIX = re.compile(r"[^\s]{1,200}")
_FUNCTION = re.compile(r"(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}")


DETECTOR_RUNBOOK_KINDS: tuple[str, ...] = contract.DETECTOR_INCIDENT_KINDS
"""Incident kinds of the detector that can have a runbook of their own (RUNBOOKS_BY_INCIDENT)."""

_PARAMETER_NAME = re.compile(r"[A-Za-z0-9]{1,50}")


@dataclass(frozen=True, slots=True)
class RunbookSpec:
    """An SSM Automation document the detector starts for one incident kind."""

    document: str
    role_arn: str
    resource_parameter: str
    parameters: Mapping[str, str] = field(default_factory=dict)


class ConfigError(ValueError):
    """The environment variables do not form a valid configuration; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid auto-healing configuration: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class Config:
    """Validated configuration (see the module docstring for each value's source and default)."""

    app_name: str
    environment_name: str
    ledger_table_name: str
    pause_parameter_name: str
    topic_arns: Mapping[str, str]
    environment_tag_key: str = contract.DEFAULT_ENVIRONMENT_TAG_KEY
    suppress_tag_key: str = contract.DEFAULT_SUPPRESS_TAG_KEY
    dry_run: bool = False
    max_actions_per_resource_per_hour: int = 3
    incident_window_seconds: int = 900
    stale_event_seconds: int = 900
    max_replacement_percent: int = 25
    replacement_window_seconds: int = 900
    web_service_unit: str = "webapp"
    health_check_port: int = 8080
    health_check_path: str = "/health"
    command_document: str = ""
    recovery_runbook_name: str | None = None
    recovery_runbook_role_arn: str | None = None
    alarm_name_prefix: str = ""
    metrics_namespace: str = field(default="")
    runbooks_by_incident: Mapping[str, RunbookSpec] = field(default_factory=dict)
    healing_function_name: str = ""

    def topic_for(self, severity: str) -> str:
        """The topic ARN for ``severity``: its own, else the next higher, else the next lower one."""
        index = SEVERITIES.index(severity)
        for candidate in (*SEVERITIES[index:], *reversed(SEVERITIES[:index])):
            if candidate in self.topic_arns:
                return self.topic_arns[candidate]
        raise LookupError("no notification topic configured")  # unreachable: load_config requires one

    @property
    def own_alarm_prefix(self) -> str:
        """Alarms of the healing construct itself (``<app>-<env>-autoheal-``): never acted upon."""
        return contract.own_alarm_prefix(self.app_name, self.environment_name)


def load_config(environ: Mapping[str, str]) -> Config:
    """Parse and validate ``environ``; raise :class:`ConfigError` listing every problem found."""
    problems: list[str] = []

    def text(name: str, pattern: re.Pattern[str], default: str | None = None, fix: str = "") -> str:
        raw = environ.get(name)
        value = raw.strip() if isinstance(raw, str) else ""
        if not value:
            if default is not None:
                return default
            problems.append(f"{name} is missing: set it{fix or ''}")
            return ""
        if not pattern.fullmatch(value):
            problems.append(f"{name} ({value!r}) is invalid: it must match {pattern.pattern}{fix}")
        return value

    def integer(name: str, default: int, low: int, high: int) -> int:
        raw = (environ.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            problems.append(f"{name} ({raw!r}) is not an integer: set a whole number {low}-{high}")
            return default
        if not low <= value <= high:
            problems.append(f"{name} ({value}) is out of range: set a whole number {low}-{high}")
        return value

    def boolean(name: str, default: bool) -> bool:
        raw = (environ.get(name) or "").strip().lower()
        if not raw:
            return default
        if raw not in ("true", "false"):
            problems.append(f"{name} ({raw!r}) must be 'true' or 'false'")
            return True  # a typo in DRY_RUN must not turn acting on
        return raw == "true"

    app_name = text(contract.APP_NAME, _NAME)
    environment_name = text(contract.ENVIRONMENT_NAME, _NAME)
    environment_tag_key = text(
        contract.ENVIRONMENT_TAG_KEY, _TAG_KEY, default=contract.DEFAULT_ENVIRONMENT_TAG_KEY
    )
    suppress_tag_key = text(contract.SUPPRESS_TAG_KEY, _TAG_KEY, default=contract.DEFAULT_SUPPRESS_TAG_KEY)
    ledger_table_name = text(contract.LEDGER_TABLE_NAME, _TABLE)
    pause_parameter_name = text(contract.PAUSE_PARAMETER_NAME, _PARAMETER, fix=" (e.g. /webapp/prod/pause)")
    topic_arns = _topic_arns(environ.get(contract.TOPIC_ARNS), problems)
    dry_run = boolean(contract.DRY_RUN, False)
    max_actions = integer(contract.MAX_ACTIONS_PER_RESOURCE_PER_HOUR, 3, 1, 100)
    window = integer(contract.INCIDENT_WINDOW_SECONDS, 900, 60, 86_400)
    stale = integer(contract.STALE_EVENT_SECONDS, 900, 60, 21_600)
    replacement_percent = integer(contract.MAX_REPLACEMENT_PERCENT, 25, 1, 100)
    replacement_window = integer(contract.REPLACEMENT_WINDOW_SECONDS, 900, 60, 86_400)
    unit = text(contract.WEB_SERVICE_UNIT, _UNIT, default="webapp")
    port = integer(contract.HEALTH_CHECK_PORT, 8080, 1, 65_535)
    path = text(contract.HEALTH_CHECK_PATH, _HEALTH_PATH, default="/health")
    command_document = text(contract.COMMAND_DOCUMENT_NAME, _DOCUMENT, fix=" (the InstanceCommands document)")
    runbook = text(contract.RECOVERY_RUNBOOK_NAME, _DOCUMENT, default="") or None
    runbook_role = text(contract.RECOVERY_RUNBOOK_ROLE_ARN, _ROLE_ARN, default="") or None
    if runbook and not runbook_role:
        problems.append(
            f"RECOVERY_RUNBOOK_ROLE_ARN is missing while RECOVERY_RUNBOOK_NAME ({runbook!r}) is set: "
            "set the runbook's automation role ARN, or clear both"
        )
    alarm_prefix = text(
        contract.ALARM_NAME_PREFIX,
        _ALARM_PREFIX,
        default=contract.default_alarm_name_prefix(app_name, environment_name) if app_name else "",
    )
    namespace = (environ.get(contract.POWERTOOLS_METRICS_NAMESPACE) or "").strip() or (
        contract.default_metrics_namespace(app_name)
    )
    runbooks = _runbooks(environ.get(contract.RUNBOOKS_BY_INCIDENT), problems)
    healing_function = text(contract.HEALING_FUNCTION_NAME, _FUNCTION, default="")

    if problems:
        raise ConfigError(problems)
    return Config(
        app_name=app_name,
        environment_name=environment_name,
        environment_tag_key=environment_tag_key,
        suppress_tag_key=suppress_tag_key,
        ledger_table_name=ledger_table_name,
        pause_parameter_name=pause_parameter_name,
        topic_arns=topic_arns,
        dry_run=dry_run,
        max_actions_per_resource_per_hour=max_actions,
        incident_window_seconds=window,
        stale_event_seconds=stale,
        max_replacement_percent=replacement_percent,
        replacement_window_seconds=replacement_window,
        web_service_unit=unit,
        health_check_port=port,
        health_check_path=path,
        command_document=command_document,
        recovery_runbook_name=runbook,
        recovery_runbook_role_arn=runbook_role if runbook else None,
        alarm_name_prefix=alarm_prefix,
        metrics_namespace=namespace,
        runbooks_by_incident=runbooks,
        healing_function_name=healing_function,
    )


def _topic_arns(raw: str | None, problems: list[str]) -> Mapping[str, str]:
    example = '{"high": "arn:aws:sns:ap-northeast-1:123456789012:webapp-prod-high"}'
    if not raw or not raw.strip():
        problems.append(f"TOPIC_ARNS is missing: set a JSON object severity -> topic ARN, e.g. {example}")
        return MappingProxyType({})
    try:
        parsed = json.loads(raw)
    except ValueError:
        problems.append(f"TOPIC_ARNS ({raw[:80]!r}) is not JSON: set an object like {example}")
        return MappingProxyType({})
    if not isinstance(parsed, dict) or not parsed:
        problems.append(f"TOPIC_ARNS ({raw[:80]!r}) must be a non-empty JSON object like {example}")
        return MappingProxyType({})
    topics: dict[str, str] = {}
    for severity, arn in parsed.items():
        if severity not in SEVERITIES:
            problems.append(
                f"TOPIC_ARNS has an unknown severity {severity!r}: use one of {', '.join(SEVERITIES)}"
            )
        elif not isinstance(arn, str) or not _SNS_ARN.fullmatch(arn):
            problems.append(f"TOPIC_ARNS[{severity!r}] ({arn!r}) is not an SNS topic ARN")
        else:
            topics[severity] = arn
    return MappingProxyType(topics)


def _runbooks(raw: str | None, problems: list[str]) -> Mapping[str, RunbookSpec]:
    if not raw or not raw.strip():
        return MappingProxyType({})
    example = (
        '{"group-capacity": {"document": "webapp-prod-capacity", "role_arn": "arn:aws:iam::123456789012:'
        'role/webapp-prod-automation", "resource_parameter": "AutoScalingGroupName"}}'
    )
    try:
        parsed = json.loads(raw)
    except ValueError:
        problems.append(f"RUNBOOKS_BY_INCIDENT ({raw[:80]!r}) is not JSON: set an object like {example}")
        return MappingProxyType({})
    if not isinstance(parsed, dict):
        problems.append(f"RUNBOOKS_BY_INCIDENT must be a JSON object like {example}")
        return MappingProxyType({})
    specs: dict[str, RunbookSpec] = {}
    for kind, spec in parsed.items():
        where = f"RUNBOOKS_BY_INCIDENT[{kind!r}]"
        if kind not in DETECTOR_RUNBOOK_KINDS:
            problems.append(f"{where}: unknown incident kind; use one of {', '.join(DETECTOR_RUNBOOK_KINDS)}")
            continue
        if not isinstance(spec, dict):
            problems.append(f"{where} must be an object like {example}")
            continue
        document, role, parameter = spec.get("document"), spec.get("role_arn"), spec.get("resource_parameter")
        fixed = spec.get("parameters", {})
        if not isinstance(document, str) or not _DOCUMENT.fullmatch(document):
            problems.append(f"{where}.document ({document!r}) is not an SSM document name")
        elif not isinstance(role, str) or not _ROLE_ARN.fullmatch(role):
            problems.append(f"{where}.role_arn ({role!r}) is not an IAM role ARN")
        elif not isinstance(parameter, str) or not _PARAMETER_NAME.fullmatch(parameter):
            problems.append(f"{where}.resource_parameter ({parameter!r}) is not a parameter name")
        elif not isinstance(fixed, dict) or not all(
            isinstance(k, str) and _PARAMETER_NAME.fullmatch(k) and isinstance(v, str)
            for k, v in fixed.items()
        ):
            problems.append(f"{where}.parameters must map parameter names to strings")
        else:
            specs[kind] = RunbookSpec(document, role, parameter, MappingProxyType(dict(fixed)))
    return MappingProxyType(specs)
