"""Alerting: who is told, when, and when not.

* :class:`SeverityTopics` (``topics``) - one encrypted SNS topic per :class:`Severity`, subscribed
  per a routing by channel (:class:`NotificationEndpoints`, :class:`SeverityEndpoints`;
  :func:`validate_severity_endpoints`, the rules of endpoints given per severity).
* :class:`EscalationPolicy` (``escalation``) - staged paging for alarms that stay in ALARM;
  :func:`validate_tiers`, the rules its tiers follow.
* :class:`PauseSwitch` (``pause_switch``) - the environment's pause switch (an SSM parameter), its
  grants and, by default, its alarm.
* :class:`PauseSwitchAlarm` (``pause_alarm``) - in ALARM while the pause switch is anything but
  "false", the actions suppressor of the paging composites.
* :class:`TopicTarget` (``publishers``) - an EventBridge target to a topic that only its rule may
  publish to; the topic and key policy statements AWS documents against the confused deputy.
"""

from constructs_lib._core import SEVERITIES, Severity
from constructs_lib.alerting.escalation import (
    MAX_ESCALATION,
    MAX_TIERS,
    EscalationPolicy,
    EscalationTier,
    default_tiers,
    validate_tiers,
)
from constructs_lib.alerting.pause_alarm import PauseSwitchAlarm
from constructs_lib.alerting.pause_switch import PauseSwitch, default_parameter_name
from constructs_lib.alerting.publishers import TopicTarget
from constructs_lib.alerting.topics import (
    NotificationEndpoints,
    SeverityEndpoints,
    SeverityTopics,
    SlackChannel,
    validate_severity_endpoints,
)

__all__ = [
    "MAX_ESCALATION",
    "MAX_TIERS",
    "SEVERITIES",
    "EscalationPolicy",
    "EscalationTier",
    "NotificationEndpoints",
    "PauseSwitch",
    "PauseSwitchAlarm",
    "Severity",
    "SeverityEndpoints",
    "SeverityTopics",
    "SlackChannel",
    "TopicTarget",
    "default_parameter_name",
    "default_tiers",
    "validate_severity_endpoints",
    "validate_tiers",
]
