"""Single values checked against a pattern: names, regions, labels.

Each ``check_*`` returns the value or raises :class:`ConfigError` naming the key path, the value and
the fix.
"""

from __future__ import annotations

import re
from typing import Any

from stacks.config.errors import ConfigError

#: Environment names become stage names (``qa`` -> ``Qa``) and part of resource names
#: (``webapp-qa-web``, ``/webapp/qa/pause``): lowercase letters and digits, starting with a letter.
ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
#: A region code of the ``aws`` partition, e.g. ``ap-northeast-1``, ``eu-central-2``, ``us-east-1``.
REGION = re.compile(r"^[a-z]{2}-[a-z]+-\d{1,2}$")
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
    if not isinstance(region, str) or not REGION.match(region):
        raise ConfigError(
            f"{key} is {region!r}: not an AWS region code. Write it like ap-northeast-1 or eu-west-1."
        )
    return region


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
