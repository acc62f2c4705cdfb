"""Single values checked against a pattern: names, regions, labels, instance types, flags.

Each ``check_*`` returns the value or raises :class:`ConfigError` naming the key path, the value and
the fix. Region codes follow the library's rule (:func:`constructs_lib.validate_region`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from constructs_lib import validate_region
from stacks.config.errors import ConfigError, did_you_mean, library_errors, nearest

#: Environment names become stage names (``qa`` -> ``Qa``) and part of resource names
#: (``webapp-qa-web``, ``/webapp/qa/pause``): lowercase letters and digits, starting with a letter.
ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
#: A region's label in stack names (``Tokyo-Network``) and database identifiers (``-db-tokyo``).
REGION_LABEL = re.compile(r"^[A-Z][A-Za-z0-9]{0,15}$")


def check_environment_name(key: str, name: Any) -> str:
    if not isinstance(name, str) or not ENVIRONMENT_NAME.match(name):
        raise ConfigError(
            f"{key}: the environment name {name!r} cannot be used. Use 1-12 lowercase letters or digits, "
            "starting with a letter (e.g. dev, qa, prod2): it names the stage and resources."
        )
    return name


def check_region(key: str, region: Any) -> str:
    """A region code, as the library's :func:`~constructs_lib.validate_region` accepts it."""
    with library_errors(key):
        return validate_region(region, prop=key)


def region_label(region: str) -> str:
    """The label of a region whose config gives none: ``eu-west-1`` -> ``EuWest1``."""
    return "".join(part.capitalize() for part in region.split("-"))


def check_region_label(key: str, label: Any) -> str:
    if not isinstance(label, str) or not REGION_LABEL.match(label):
        raise ConfigError(
            f"{key} is {label!r}: a region label is 1-16 letters or digits starting with an upper-case "
            "letter (e.g. Tokyo): it names the region's stacks (Prod/Tokyo-Network)."
        )
    return label


#: EC2 instance sizes (Amazon EC2 Instance Types guide, "Amazon EC2 instance type naming conventions":
#: the size follows the dot, e.g. ``micro``, ``2xlarge``, ``metal``, ``metal-24xl``).
_SIZES = ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "metal")
#: ``<family>.<size>``: the family is a series letter, a generation digit and options (``t3``,
#: ``m7g``, ``c6gn``, ``m7i-flex``, ``u-6tb1``); the size one of :data:`_SIZES` or ``<N>xlarge``.
INSTANCE_TYPE = re.compile(
    r"^(?P<family>[a-z][a-z0-9-]*\d[a-z0-9-]*)\.(?P<size>nano|micro|small|medium|large|\d*xlarge|metal(-\d+xl)?)$"
)


def _suggest_instance_type(value: str, known: tuple[str, ...] = ()) -> str:
    """`` Did you mean 't3.micro'?`` for a typo in the size (or a known class), else empty."""
    hint = did_you_mean(value, known) if known else ""
    if hint:
        return hint
    family, dot, size = value.partition(".")
    if dot and re.fullmatch(r"[a-z][a-z0-9-]*\d[a-z0-9-]*", family):
        match = nearest(size, _SIZES)
        if match:
            return f" Did you mean '{family}.{match}'?"
    return ""


def check_instance_type(key: str, value: Any) -> str:
    if not isinstance(value, str) or not INSTANCE_TYPE.match(value):
        hint = _suggest_instance_type(value) if isinstance(value, str) else ""
        raise ConfigError(
            f"{key} is {value!r}: not an EC2 instance type.{hint} Write <family>.<size>, e.g. t3.micro or "
            "m7g.large (sizes: nano, micro, small, medium, large, xlarge, <N>xlarge, metal)."
        )
    return value


def check_db_instance_class(key: str, value: Any, known: Mapping[str, float]) -> str:
    """An RDS instance class without its ``db.`` prefix, whose memory ``known`` lists (GiB)."""
    if isinstance(value, str) and value.startswith("db.") and INSTANCE_TYPE.match(value[3:]):
        raise ConfigError(
            f"{key} is {value!r}: write the class without the 'db.' prefix ({value[3:]!r}); "
            f"use one of {', '.join(known)}."
        )
    if not isinstance(value, str) or not INSTANCE_TYPE.match(value):
        hint = _suggest_instance_type(value, tuple(known)) if isinstance(value, str) else ""
        raise ConfigError(
            f"{key} is {value!r}: not an RDS instance class.{hint} Use one of {', '.join(known)} "
            "(without the 'db.' prefix)."
        )
    if value not in known:
        raise ConfigError(
            f"{key} is {value!r}: its memory is unknown to this app (alarms turn FreeableMemory into a "
            f"percentage).{did_you_mean(value, known)} Use one of {', '.join(known)}, or add it to "
            "DB_INSTANCE_MEMORY_GIB in stacks/config/schema.py."
        )
    return value


def check_flag(key: str, value: Any) -> bool:
    """A boolean: JSON ``true``/``false``, or the strings ``"true"``/``"false"`` that ``-c key=value``
    passes on the CDK command line. Anything else (``maybe``, ``yes``, ``1``) is refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ConfigError(f"{key} is {value!r}: use true or false (e.g. -c {key}=true).")
