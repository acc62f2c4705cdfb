"""Moved to :mod:`constructs_lib.monitoring.audit`; re-exports the old names until callers move."""

from constructs_lib.monitoring.audit import DEFAULT_RESTRICTED_PORTS, AuditRules

__all__ = ["DEFAULT_RESTRICTED_PORTS", "AuditRules"]
