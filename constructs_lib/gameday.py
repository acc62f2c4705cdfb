"""Deprecated import path: use :mod:`constructs_lib.dr` (kept until every importer has moved)."""

from constructs_lib.dr.fis import ACTION_KEY, TARGET_KEY, AzOutageExperiment

__all__ = ["ACTION_KEY", "TARGET_KEY", "AzOutageExperiment"]
