"""Deprecated import path: use :mod:`constructs_lib.web` (kept until every importer has moved)."""

from constructs_lib.web import AutoHealingWebService, NightlyStop, TargetHealthCheck

__all__ = ["AutoHealingWebService", "NightlyStop", "TargetHealthCheck"]
