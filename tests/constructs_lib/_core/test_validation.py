"""The shared checks: names that become part of resource names, and region codes."""

from __future__ import annotations

import re

import pytest

from constructs_lib import validate_name, validate_region


@pytest.mark.parametrize("region", ["ap-northeast-3", "us-east-1", "us-gov-west-1", "eu-central-2"])
def test_region_codes_of_any_partition_pass(region):
    assert validate_region(region, prop="region") == region


@pytest.mark.parametrize("region", ["Osaka", "ap-northeast", "ap-northeast-10", "AP-NORTHEAST-1", "", 3])
def test_fails_when_a_region_is_not_a_region_code(region):
    message = f"dr.region ({region!r}) must be a region code such as 'ap-northeast-3'."
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        validate_region(region, prop="dr.region")


def test_fails_when_a_name_cannot_be_part_of_resource_names():
    with pytest.raises(ValueError, match=r"^tiers\[0\]\.name \('On Call'\) must be 1-31 characters"):
        validate_name("On Call", prop="tiers[0].name")
    assert validate_name("on-call", prop="name") == "on-call"
