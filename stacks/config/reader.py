"""Reads one JSON object of the configuration, remembering its key path for error messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stacks.config.errors import ConfigError


class Reader:
    """Reads one JSON object, remembering its key path for error messages and refusing typos."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{path} must be an object, got {data!r}.")
        self._data = data
        self._path = path
        self._used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self._path}.{name}"

    def has(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str, default: Any = ...) -> Any:
        self._used.add(name)
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

    def number(self, name: str, default: Any = ..., *, low: float, high: float) -> float:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{self.key(name)} must be a number, got {value!r}.")
        _check_range(self.key(name), value, low, high)
        return float(value)

    def bool(self, name: str, default: Any = ...) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise ConfigError(f"{self.key(name)} must be true or false, got {value!r}.")
        return value

    def str_list(self, name: str, default: Any = ...) -> tuple[str, ...]:
        value = self.raw(name, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.key(name)} must be a list of strings, got {value!r}.")
        return tuple(value)

    def child(self, name: str, default: Any = ...) -> Reader:
        return Reader(self.raw(name, default), self.key(name))

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._used)
        if unknown:
            allowed = ", ".join(sorted(self._used))
            raise ConfigError(
                f"{self._path}: unknown key(s) {', '.join(unknown)}. "
                f"Check the spelling; allowed here: {allowed}."
            )


def _check_range(key: str, value: float, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"{key} is {value!r}: it must be {bounds}.")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = dict(base)
    for k, v in override.items():
        if isinstance(v, Mapping) and isinstance(merged.get(k), Mapping):
            merged[k] = deep_merge(merged[k], v)
        else:
            merged[k] = v
    return merged
