"""The error every bad configuration value raises, the "did you mean" hint its messages carry, and
the bridge that turns the library's own ``ValueError`` into it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager


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


@contextmanager
def library_errors(key: str, renames: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a ``ValueError`` of the library's own validation into a :class:`ConfigError` at ``key``.

    The library names its props (``health_check.timeout_seconds``); ``renames`` maps those names to
    this config's key paths, so the message points at the line of ``cdk.json`` to change. A message
    that names neither ``key`` nor a renamed path is prefixed with ``key``.
    """
    try:
        yield
    except ConfigError:
        raise
    except ValueError as exc:
        message = str(exc)
        for prop, path in (renames or {}).items():
            message = message.replace(prop, path)
        if key not in message and not any(path in message for path in (renames or {}).values()):
            message = f"{key}: {message}"
        raise ConfigError(message) from None
