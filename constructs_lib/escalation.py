"""Moved to :mod:`constructs_lib.alerting.escalation`; re-exports the old names until callers move."""

from constructs_lib.alerting.escalation import EscalationPolicy, EscalationTier, default_tiers

__all__ = ["EscalationPolicy", "EscalationTier", "default_tiers"]
