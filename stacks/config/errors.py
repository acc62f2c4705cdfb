"""The error every bad configuration value raises, and the "did you mean" hint its messages carry."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """A configuration value is missing or wrong. The message says which, why and how to fix it."""


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (difflib's ratio of at least 0.6), else the only choice that
    starts with ``word`` or that ``word`` starts with (``after`` -> ``after_minutes``), else None."""
    options = list(choices)
    matches = difflib.get_close_matches(word, options, n=1)
    if matches:
        return matches[0]
    prefixed = [c for c in options if word and (c.startswith(word) or word.startswith(c))]
    return prefixed[0] if len(prefixed) == 1 else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'max'?`` when a choice is close to ``word``, else an empty string."""
    match = nearest(word, choices)
    return f" Did you mean {match!r}?" if match else ""
