"""Deprecated import path: use :mod:`constructs_lib.web.user_data` (kept until every importer has moved)."""

from constructs_lib.web.user_data import boot_script, cloudwatch_agent_config

__all__ = ["boot_script", "cloudwatch_agent_config"]
