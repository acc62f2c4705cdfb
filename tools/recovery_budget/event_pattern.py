"""EventBridge event-pattern matching, enough to tell which deployed rule an event would reach.

Implements the documented pattern syntax (Amazon EventBridge event patterns,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html): exact values,
``prefix``, ``suffix``, ``anything-but``, ``numeric``, ``exists``, ``equals-ignore-case``, ``wildcard``
and ``$or``. An operator it does not know never matches, so an unknown rule is never assumed to fire.
"""

from __future__ import annotations

import fnmatch
import operator
from collections.abc import Mapping
from typing import Any

_MISSING = object()
_NUMERIC = {"<": operator.lt, "<=": operator.le, "=": operator.eq, ">=": operator.ge, ">": operator.gt}


def _scalar_matches(rule: Any, value: Any) -> bool:
    if not isinstance(rule, Mapping):
        return value is not _MISSING and rule == value
    if value is _MISSING:
        return rule.get("exists") is False and len(rule) == 1
    if len(rule) != 1:
        return False
    ((op, arg),) = rule.items()
    if op == "exists":
        return arg is True
    if op == "prefix":
        if isinstance(arg, Mapping):  # {"prefix": {"equals-ignore-case": "x"}}
            return isinstance(value, str) and value.lower().startswith(
                str(arg.get("equals-ignore-case", "")).lower()
            )
        return isinstance(value, str) and value.startswith(arg)
    if op == "suffix":
        if isinstance(arg, Mapping):
            return isinstance(value, str) and value.lower().endswith(
                str(arg.get("equals-ignore-case", "")).lower()
            )
        return isinstance(value, str) and value.endswith(arg)
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == str(arg).lower()
    if op == "wildcard":
        return isinstance(value, str) and fnmatch.fnmatchcase(value, str(arg))
    if op == "anything-but":
        if isinstance(arg, Mapping):
            return not _scalar_matches(arg, value)
        excluded = arg if isinstance(arg, list) else [arg]
        return value not in excluded
    if op == "numeric":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        pairs = list(zip(arg[::2], arg[1::2], strict=False))
        return all(op_ in _NUMERIC and _NUMERIC[op_](value, bound) for op_, bound in pairs)
    return False


def _field_matches(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping):  # nested object
        if not isinstance(value, Mapping):
            # a nested pattern of only {"exists": false}-style leaves can match a missing object
            return value is _MISSING and matches(rule, {})
        return matches(rule, value)
    if not isinstance(rule, list):
        return False
    values = value if isinstance(value, list) else [value]
    if not values:
        values = [_MISSING]
    return any(_scalar_matches(item, candidate) for item in rule for candidate in values)


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """True when ``event`` matches the EventBridge ``pattern``."""
    for key, rule in pattern.items():
        if key == "$or":
            if not any(matches(branch, event) for branch in rule):
                return False
            continue
        if not _field_matches(rule, event.get(key, _MISSING)):
            return False
    return True
