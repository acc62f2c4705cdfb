"""Checks on the names the library writes into resource names, and on region codes."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
#: A region code: two letters, one or more words, a digit (``ap-northeast-3``, ``us-gov-west-1``).
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def validate_name(value: str, *, prop: str) -> str:
    """Names that end up in resource names: lowercase letters, digits and dashes, 1-31 characters."""
    if not _NAME.match(value):
        raise ValueError(
            f"{prop} ({value!r}) must be 1-31 characters of lowercase letters, digits and '-', starting "
            "with a letter (it becomes part of resource names)."
        )
    return value


def validate_region(value: str, *, prop: str) -> str:
    """A region code such as ``ap-northeast-3`` (any partition's; the library has no home region)."""
    if not isinstance(value, str) or not _REGION.match(value):
        raise ValueError(f"{prop} ({value!r}) must be a region code such as 'ap-northeast-3'.")
    return value
