"""The error every bad configuration value raises."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value is missing or wrong. The message says which, why and how to fix it."""
