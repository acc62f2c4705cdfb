"""Reads one JSON object of the configuration, remembering its key path for error messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from stacks.config.errors import ConfigError, did_you_mean


class Reader:
    """One JSON object at ``path`` (``environments.prod.capacity``) whose allowed keys are ``keys``.

    Unknown keys are refused when the reader is made, before any key is found missing, so a typo
    (``maximum`` for ``max``) is reported as the typo with the nearest allowed key, not as a missing
    ``max``. ``kind`` names what the keys are in that message (``key``; ``severity`` for the
    notification block).
    """

    def __init__(self, data: Any, path: str, keys: Iterable[str], *, kind: str = "key") -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{path} must be an object, got {data!r}.")
        self._data = data
        self._path = path
        self._keys = tuple(keys)
        for name in data:
            if name not in self._keys:
                raise ConfigError(
                    f"{self.key(name)}: unknown {kind} {name!r}.{did_you_mean(str(name), self._keys)} "
                    f"Allowed here: {', '.join(sorted(self._keys))}."
                )

    @property
    def path(self) -> str:
        return self._path

    def key(self, name: str) -> str:
        return f"{self._path}.{name}"

    def has(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str, default: Any = ...) -> Any:
        if name not in self._keys:  # a parser reads a key it did not declare: a bug, not bad config
            raise RuntimeError(f"{self._path}: key {name!r} is read but not declared in {self._keys}.")
        if name not in self._data:
            if default is ...:
                raise ConfigError(f"{self.key(name)} is missing: add it to cdk.json.")
            return default
        return self._data[name]

    def str(self, name: str, default: Any = ...) -> Any:
        value = self.raw(name, default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{self.key(name)} must be a string, got {value!r}.")
        return value

    def int(self, name: str, default: Any = ..., *, low: int | None = None, high: int | None = None) -> int:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{self.key(name)} must be a whole number, got {value!r}.")
        _check_range(self.key(name), value, low, high)
        return value

    def number(
        self, name: str, default: Any = ..., *, low: float | None = None, high: float | None = None
    ) -> float:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{self.key(name)} must be a number, got {value!r}.")
        _check_range(self.key(name), value, low, high)
        return float(value)

    def bool(self, name: str, default: Any = ...) -> bool:
        """Only JSON ``true`` / ``false``: a string such as ``"yes"`` or ``"false"`` is refused."""
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise ConfigError(
                f"{self.key(name)} is {value!r}: use true or false (JSON booleans, without quotes)."
            )
        return value

    def str_list(self, name: str, default: Any = ...) -> tuple[str, ...]:
        value = self.raw(name, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.key(name)} must be a list of strings, got {value!r}.")
        return tuple(value)

    def child(self, name: str, keys: Iterable[str], default: Any = ..., *, kind: str = "key") -> Reader:
        return Reader(self.raw(name, default), self.key(name), keys, kind=kind)


def _check_range(key: str, value: float, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            bounds = f"between {low} and {high}"
        else:
            bounds = f"at least {low}" if low is not None else f"at most {high}"
        raise ConfigError(f"{key} is {value!r}: it must be {bounds}.")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = dict(base)
    for k, v in override.items():
        if isinstance(v, Mapping) and isinstance(merged.get(k), Mapping):
            merged[k] = deep_merge(merged[k], v)
        else:
            merged[k] = v
    return merged
