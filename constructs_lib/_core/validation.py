"""Checks on the names the library writes into resource names."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


def validate_name(value: str, *, prop: str) -> str:
    """Names that end up in resource names: lowercase letters, digits and dashes, 1-31 characters."""
    if not _NAME.match(value):
        raise ValueError(
            f"{prop} ({value!r}) must be 1-31 characters of lowercase letters, digits and '-', starting "
            "with a letter (it becomes part of resource names)."
        )
    return value
