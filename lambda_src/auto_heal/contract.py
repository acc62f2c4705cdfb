"""The contract between the ``AutoHealing`` construct and this function: one module both sides import.

The construct (``constructs_lib.healing``) sets the environment variables, creates the ledger table
and reads the metrics; this function reads the variables, writes the ledger items and emits the
metrics. Every name they must agree on is defined here once, so a rename is one edit and a test
(``tests/constructs_lib/healing/test_contract.py``) checks that neither side spells a name itself.

This module is part of the Lambda asset (the runtime has only this folder), so it imports nothing
but the standard library.

What each variable means, its default and its valid values are documented in :mod:`config`; the
ledger item layout in :mod:`ledger`.
"""

from __future__ import annotations

# --- environment variables (set by the construct, read by config.load_config) ------------------
APP_NAME = "APP_NAME"
ENVIRONMENT_NAME = "ENVIRONMENT_NAME"
ENVIRONMENT_TAG_KEY = "ENVIRONMENT_TAG_KEY"
SUPPRESS_TAG_KEY = "SUPPRESS_TAG_KEY"
LEDGER_TABLE_NAME = "LEDGER_TABLE_NAME"
PAUSE_PARAMETER_NAME = "PAUSE_PARAMETER_NAME"
TOPIC_ARNS = "TOPIC_ARNS"
DRY_RUN = "DRY_RUN"
MAX_ACTIONS_PER_RESOURCE_PER_HOUR = "MAX_ACTIONS_PER_RESOURCE_PER_HOUR"
INCIDENT_WINDOW_SECONDS = "INCIDENT_WINDOW_SECONDS"
STALE_EVENT_SECONDS = "STALE_EVENT_SECONDS"
MAX_REPLACEMENT_PERCENT = "MAX_REPLACEMENT_PERCENT"
REPLACEMENT_WINDOW_SECONDS = "REPLACEMENT_WINDOW_SECONDS"
WEB_SERVICE_UNIT = "WEB_SERVICE_UNIT"
HEALTH_CHECK_PORT = "HEALTH_CHECK_PORT"
HEALTH_CHECK_PATH = "HEALTH_CHECK_PATH"
COMMAND_DOCUMENT_NAME = "COMMAND_DOCUMENT_NAME"
RECOVERY_RUNBOOK_NAME = "RECOVERY_RUNBOOK_NAME"
RECOVERY_RUNBOOK_ROLE_ARN = "RECOVERY_RUNBOOK_ROLE_ARN"
ALARM_NAME_PREFIX = "ALARM_NAME_PREFIX"
RUNBOOKS_BY_INCIDENT = "RUNBOOKS_BY_INCIDENT"
"""The runbook the healing function starts per incident kind the detector finds."""
HEALING_FUNCTION_NAME = "HEALING_FUNCTION_NAME"
"""Incident detector only: the healing function it hands its findings to (asynchronous invoke)."""

# Read by Powertools itself (Powertools for AWS Lambda (Python), "Environment variables").
POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
POWERTOOLS_METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
POWERTOOLS_LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"
POWERTOOLS_TRACE_DISABLED = "POWERTOOLS_TRACE_DISABLED"

FUNCTION_ENVIRONMENT: tuple[str, ...] = (
    APP_NAME,
    ENVIRONMENT_NAME,
    ENVIRONMENT_TAG_KEY,
    SUPPRESS_TAG_KEY,
    LEDGER_TABLE_NAME,
    PAUSE_PARAMETER_NAME,
    TOPIC_ARNS,
    DRY_RUN,
    MAX_ACTIONS_PER_RESOURCE_PER_HOUR,
    INCIDENT_WINDOW_SECONDS,
    STALE_EVENT_SECONDS,
    MAX_REPLACEMENT_PERCENT,
    REPLACEMENT_WINDOW_SECONDS,
    WEB_SERVICE_UNIT,
    HEALTH_CHECK_PORT,
    HEALTH_CHECK_PATH,
    COMMAND_DOCUMENT_NAME,
    RECOVERY_RUNBOOK_NAME,
    RECOVERY_RUNBOOK_ROLE_ARN,
    ALARM_NAME_PREFIX,
    RUNBOOKS_BY_INCIDENT,
    POWERTOOLS_SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL,
    POWERTOOLS_TRACE_DISABLED,
)
"""Every variable the healing function receives (the construct sets exactly these)."""

DETECTOR_ENVIRONMENT: tuple[str, ...] = (*FUNCTION_ENVIRONMENT, HEALING_FUNCTION_NAME)
"""Every variable the incident detector receives: the function's, and the function to hand findings to."""

# --- what the detector hands the healing function -------------------------------------------------
DETECTION_SOURCE = "autoheal.detector"
"""``source`` of a finding the detector sends (an EventBridge-shaped event, delivered by Lambda's
asynchronous invoke; no rule matches it: the healing rules match ``aws.*`` sources only)."""
DETECTION_DETAIL_TYPE = "Incident Detected"
"""``detail-type`` of a finding the detector sends."""

# --- values both sides default to ----------------------------------------------------------------
DEFAULT_ENVIRONMENT_TAG_KEY = "Environment"
"""Tag a resource must carry, with the environment name as value, before the function acts on it."""
DEFAULT_SUPPRESS_TAG_KEY = "autoheal:suppress"
"""Tag that leaves a resource alone (any value but ``false``)."""

SERVICE_UNIT_PATTERN = r"[A-Za-z0-9_.@:][A-Za-z0-9_.@:-]{0,99}"
"""A systemd unit name healing may restart (``fullmatch``): letters, digits and ``_.@:-``
(systemd.unit(5)), never starting with ``-``, so that systemctl can never read it as an option."""
HEALTH_PATH_PATTERN = r"/[A-Za-z0-9_./~-]{0,200}"
"""A health-check path healing may probe (``fullmatch``): no quotes, spaces, ``$`` or other shell syntax."""

# --- the pause switch's values ------------------------------------------------------------------
PAUSE_OFF = "false"
"""Healing and paging act."""
PAUSE_BY_OPERATOR = "true"
"""Paused by a person (maintenance, a drill): only a person clears it."""
PAUSE_BY_SCHEDULE = "scheduled"
"""Paused by a schedule (the nightly stop): the schedule that set it may clear it, no other."""
PAUSE_VALUES: tuple[str, ...] = (PAUSE_OFF, PAUSE_BY_OPERATOR, PAUSE_BY_SCHEDULE)
"""Every value the switch may hold; anything else (or no parameter) pauses too (fail closed)."""

# --- the Run Command document (constructs_lib.healing.commands) ---------------------------------
COMMAND_PARAMETER_ACTION = "Action"
COMMAND_PARAMETER_UNIT = "ServiceUnit"
COMMAND_PARAMETER_PORT = "HealthCheckPort"
COMMAND_PARAMETER_PATH = "HealthCheckPath"
COMMAND_PARAMETER_RETRIES = "RetryCount"
"""The document's parameters (all strings): what to do, the unit, the health endpoint's port and path,
restarts after the first while unhealthy."""
COMMAND_RETRIES_BY_FUNCTION = 0
"""``RetryCount`` the healing function sends: one restart round; another is a person's call."""
COMMAND_ACTION_DIAGNOSTICS = "Diagnostics"
"""``Action`` value: read-only diagnostics."""
COMMAND_ACTION_RESTART = "RestartService"
"""``Action`` value: restart the unit, verify the health endpoint, report memory."""
COMMAND_HEALTH_MARKER = "AUTOHEAL_HEALTH"
"""Output line ``AUTOHEAL_HEALTH=ok|fail`` after a restart."""
COMMAND_MEMORY_MARKER = "AUTOHEAL_MEM_USED_PERCENT"
"""Output line ``AUTOHEAL_MEM_USED_PERCENT=<percent>`` after a restart."""
COMMAND_RESTART_RC_MARKER = "AUTOHEAL_RESTART_RC"
"""Output line ``AUTOHEAL_RESTART_RC=<exit status of systemctl restart>``, one per restart."""

OWN_ALARM_COMPONENT = "autoheal"
"""Component part of the construct's own alarm names (``<app>-<env>-autoheal-<signal>-high``):
its rules never deliver them and the function never acts on them."""

DETECTOR_INCIDENT_KINDS: tuple[str, ...] = (
    "group-capacity",
    "database-unavailable",
    "database-failure",
    "health-check",
)
"""Incident kinds of the detector that can have a runbook of their own (``RUNBOOKS_BY_INCIDENT``)."""


def own_alarm_prefix(app_name: str, environment_name: str) -> str:
    """Name prefix of the construct's own alarms, e.g. ``webapp-prod-autoheal-``."""
    return f"{app_name}-{environment_name}-{OWN_ALARM_COMPONENT}-"


def default_alarm_name_prefix(app_name: str, environment_name: str) -> str:
    """``ALARM_NAME_PREFIX`` when not set: ``<app>-<env>-``, this environment's alarms."""
    return f"{app_name}-{environment_name}-"


def default_metrics_namespace(app_name: str) -> str:
    """``POWERTOOLS_METRICS_NAMESPACE`` when not set: ``<app>/AutoHeal``."""
    return f"{app_name}/AutoHeal"


def service_name(app_name: str) -> str:
    """``POWERTOOLS_SERVICE_NAME`` the construct sets: ``<app>-autoheal``; also the value of the
    :data:`SERVICE_DIMENSION` of every metric."""
    return f"{app_name}-{OWN_ALARM_COMPONENT}"


# --- incident ledger (DynamoDB) ------------------------------------------------------------------
LEDGER_PARTITION_KEY = "pk"
"""Partition key of the ledger table (string)."""
LEDGER_SORT_KEY = "sk"
"""Sort key of the ledger table (string)."""
LEDGER_TTL_ATTRIBUTE = "expires_at"
"""The table's time-to-live attribute (epoch seconds): every item expires through it."""
LEDGER_IN_PROGRESS_EXPIRY_ATTRIBUTE = "in_progress_expires_at"
"""Powertools idempotency: when an in-progress record of an event may be taken over."""

# --- metrics (Embedded Metric Format, namespace POWERTOOLS_METRICS_NAMESPACE) ---------------------
SERVICE_DIMENSION = "service"
"""Dimension Powertools adds to every metric, valued :func:`service_name`."""

METRIC_EVENT_RECEIVED = "EventReceived"
METRIC_DUPLICATE_DELIVERY = "DuplicateDelivery"
METRIC_CONFIG_INVALID = "ConfigInvalid"
METRIC_RETRY_REQUESTED = "RetryRequested"
METRIC_EVENT_IGNORED = "EventIgnored"
METRIC_EVENT_REJECTED = "EventRejected"
"""An event dropped before anything read it, dimension :data:`DIMENSION_REASON` (malformed, foreign,
unencodable, stale)."""
METRIC_DECISION = "Decision"
METRIC_DUPLICATE_INCIDENT = "DuplicateIncident"
METRIC_RATE_LIMITED = "RateLimited"
METRIC_PAUSE_SWITCH_INVALID = "PauseSwitchInvalid"
METRIC_HEALING_ACTION = "HealingAction"
"""One per healing action attempt, dimensions :data:`DIMENSION_ACTION` and :data:`DIMENSION_OUTCOME`."""
METRIC_RUNBOOK_FINISHED = "RunbookFinished"
METRIC_INCIDENT = "Incident"
METRIC_HEALING_FAILURE = "HealingFailure"
METRIC_NOTIFICATION = "Notification"
METRIC_NOTIFICATION_FAILED = "NotificationFailed"
METRIC_SCAN_FAILED = "ScanFailed"
METRIC_DETECTOR_PAUSED = "DetectorPaused"
METRIC_DETECTIONS = "Detections"
METRIC_DETECTIONS_DEFERRED = "DetectionsDeferred"

METRICS: tuple[str, ...] = (
    METRIC_EVENT_RECEIVED,
    METRIC_DUPLICATE_DELIVERY,
    METRIC_CONFIG_INVALID,
    METRIC_RETRY_REQUESTED,
    METRIC_EVENT_IGNORED,
    METRIC_EVENT_REJECTED,
    METRIC_DECISION,
    METRIC_DUPLICATE_INCIDENT,
    METRIC_RATE_LIMITED,
    METRIC_PAUSE_SWITCH_INVALID,
    METRIC_HEALING_ACTION,
    METRIC_RUNBOOK_FINISHED,
    METRIC_INCIDENT,
    METRIC_HEALING_FAILURE,
    METRIC_NOTIFICATION,
    METRIC_NOTIFICATION_FAILED,
    METRIC_SCAN_FAILED,
    METRIC_DETECTOR_PAUSED,
    METRIC_DETECTIONS,
    METRIC_DETECTIONS_DEFERRED,
)
"""Every metric name the function and the detector emit (all ``Count``)."""

DIMENSION_ACTION = "Action"
"""Of :data:`METRIC_HEALING_ACTION`: the action's kind, e.g. ``StartInstance``."""
DIMENSION_OUTCOME = "Outcome"
"""Of :data:`METRIC_HEALING_ACTION` (succeeded, failed, dry-run, skipped, retrying) and
:data:`METRIC_RUNBOOK_FINISHED` (succeeded, failed)."""
DIMENSION_STATUS = "Status"
"""Of :data:`METRIC_DECISION` and :data:`METRIC_INCIDENT`."""
DIMENSION_KIND = "Kind"
"""Of :data:`METRIC_INCIDENT` (incident kind) and :data:`METRIC_HEALING_FAILURE` (transient/permanent)."""
DIMENSION_SEVERITY = "Severity"
"""Of :data:`METRIC_NOTIFICATION`."""
DIMENSION_REASON = "Reason"
"""Of :data:`METRIC_EVENT_REJECTED`."""
DIMENSION_SOURCE = "Source"
"""Of :data:`METRIC_SCAN_FAILED`: which scan failed."""
