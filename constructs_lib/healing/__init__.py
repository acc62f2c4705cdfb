"""AutoHealing: the events that mean "something broke", the function that repairs, and its safety net.

What it builds:

- EventBridge rules with precise patterns (see :data:`EC2_HEALTH_EVENT_TYPE_CODES` and the
  ``*_pattern`` functions): EC2 instances stopping/stopped/terminated; AWS Health EC2 events
  (simplified automatic recovery succeeded/failed, scheduled retirement); this environment's
  metric alarms going into ALARM (name prefix; composite alarms and this construct's own alarms
  excluded); Auto Scaling launch/terminate failures; RDS instance failover/failure events.
- Optionally, subscriptions to alarm topics (the SNS path of alarm notifications), filtered on
  the message body to this environment's alarms going into ALARM.
- The healing function (Python 3.13, code from the handler folder ``auto_heal``, Powertools from
  the public layer), with asynchronous retries, an event age limit and an on-failure destination.
- A dead-letter queue (encrypted SQS) for everything that could not be delivered or handled: the
  function's on-failure destination, the rules' and the subscriptions' delivery failures.
- An incident ledger (DynamoDB) for idempotency, per-resource locks and rate limits.
- Alarms on the dead-letter queue depth and on the function's errors (high severity; no actions of
  their own by default: they page through the composites like every other alarm).

Least privilege: reads are unscoped where the APIs allow nothing else; every mutating call
(start/stop/reboot, Auto Scaling health and capacity, Run Command) is conditioned on the
resource carrying ``Environment=<environment>``; Run Command is allowed with the library's own
document only (:class:`InstanceCommands`: fixed steps, typed parameters), never ``AWS-RunShellScript``;
starting the recovery runbook is scoped to that document and passing its role to SSM only.

Modules, one concept each: :mod:`.construct` (``AutoHealing``), :mod:`.commands` (the Run Command
document), :mod:`.patterns` (the events),
:mod:`.permissions` (least privilege), :mod:`.detector` (the scheduled scan), :mod:`.validation`
(prop checks; :func:`validate_healing_limits`, the numeric limits an app can check first),
:mod:`.runtime` (handler code asset, its contract, the Powertools layer).
"""

from __future__ import annotations

from constructs_lib.healing.commands import InstanceCommands, instance_commands_document
from constructs_lib.healing.construct import COMPONENT, ENVIRONMENT_TAG_KEY, SUPPRESS_TAG_KEY, AutoHealing
from constructs_lib.healing.detector import (
    DEFAULT_DETECTOR_INTERVAL,
    DETECTOR_INCIDENT_KINDS,
    DetectorRunbook,
)
from constructs_lib.healing.patterns import (
    AUTO_SCALING_FAILURES,
    EC2_HEALTH_EVENT_TYPE_CODES,
    EC2_STATES,
    RDS_EVENT_CATEGORIES,
    alarm_state_change_pattern,
    auto_scaling_failure_pattern,
    ec2_health_pattern,
    ec2_state_change_pattern,
    rds_instance_event_pattern,
)
from constructs_lib.healing.runtime import POWERTOOLS_LAYER_PARAMETER, POWERTOOLS_VERSION
from constructs_lib.healing.validation import (
    INCIDENT_WINDOW_SECONDS_RANGE,
    MAX_ACTIONS_PER_RESOURCE_PER_HOUR_RANGE,
    RESERVED_CONCURRENCY_RANGE,
    validate_healing_limits,
)

__all__ = [
    "AUTO_SCALING_FAILURES",
    "COMPONENT",
    "DEFAULT_DETECTOR_INTERVAL",
    "DETECTOR_INCIDENT_KINDS",
    "EC2_HEALTH_EVENT_TYPE_CODES",
    "EC2_STATES",
    "ENVIRONMENT_TAG_KEY",
    "INCIDENT_WINDOW_SECONDS_RANGE",
    "MAX_ACTIONS_PER_RESOURCE_PER_HOUR_RANGE",
    "POWERTOOLS_LAYER_PARAMETER",
    "POWERTOOLS_VERSION",
    "RDS_EVENT_CATEGORIES",
    "RESERVED_CONCURRENCY_RANGE",
    "SUPPRESS_TAG_KEY",
    "AutoHealing",
    "DetectorRunbook",
    "InstanceCommands",
    "alarm_state_change_pattern",
    "auto_scaling_failure_pattern",
    "ec2_health_pattern",
    "ec2_state_change_pattern",
    "instance_commands_document",
    "rds_instance_event_pattern",
    "validate_healing_limits",
]
