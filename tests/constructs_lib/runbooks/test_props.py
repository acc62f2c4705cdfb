"""The grouped props of the runbooks: defaults and the checks each makes where it is built."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from constructs_lib.runbooks.props import (
    DatabasePlacement,
    RegionSwitches,
    RestoreTarget,
    StandbyDatabase,
    WebCapacity,
)


def test_web_capacity_starts_at_its_minimum_by_default():
    capacity = WebCapacity(auto_scaling_group_name="web", min_capacity=2, max_capacity=6)
    assert (capacity.desired_capacity, capacity.desired) == (2, 2)
    assert WebCapacity(auto_scaling_group_name="web", min_capacity=0, max_capacity=1).desired == 0


@pytest.mark.parametrize(
    ("minimum", "desired", "maximum"), [(3, 2, 6), (2, 7, 6), (-1, None, 2), (0, None, 0), (4, None, 2)]
)
def test_fails_when_capacity_is_not_min_le_desired_le_max(minimum, desired, maximum):
    with pytest.raises(
        ValueError, match=r"capacity \(min .*\) must have 0 <= min_capacity <= desired_capacity"
    ):
        WebCapacity(
            auto_scaling_group_name="web",
            min_capacity=minimum,
            desired_capacity=desired,
            max_capacity=maximum,
        )


def test_region_switches_verify_nothing_by_default():
    assert RegionSwitches(open_switch_id="a", close_switch_id="b").endpoint_health_check_id is None


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"open_switch_id": "", "close_switch_id": "b"}, "open_switch_id is empty"),
        ({"open_switch_id": "a", "close_switch_id": "a"}, r"are the same \('a'\)"),
    ],
)
def test_fails_when_the_switches_are_not_two(props, message):
    with pytest.raises(ValueError, match=message):
        RegionSwitches(**props)


def test_standby_database_keeps_a_week_of_backups_by_default():
    assert StandbyDatabase(identifier="webapp-prod-db").backup_retention_days == 7


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"identifier": "Bad_Name"}, r"standby.identifier \('Bad_Name'\) must be an RDS identifier"),
        (
            {"identifier": "db", "backup_retention_days": 0},
            r"standby.backup_retention_days \(0\) must be 1-35",
        ),
        ({"identifier": "db", "backup_retention_days": 36}, r"standby.backup_retention_days \(36\)"),
    ],
)
def test_fails_when_the_standby_database_is_invalid(props, message):
    with pytest.raises(ValueError, match=message):
        StandbyDatabase(**props)


def test_identifiers_may_be_tokens():
    assert StandbyDatabase(identifier=cdk.Aws.STACK_NAME).identifier == cdk.Aws.STACK_NAME


def test_placement_needs_a_subnet_group_and_a_security_group():
    assert DatabasePlacement("g", ["sg-1"]).security_group_ids == ("sg-1",)
    with pytest.raises(ValueError, match=r"placement\.security_group_ids is empty"):
        DatabasePlacement("g", [])
    with pytest.raises(ValueError, match=r"placement\.subnet_group_name is empty"):
        DatabasePlacement("", ["sg-1"])


def test_restore_target_defaults_and_checks():
    target = RestoreTarget(identifier="webapp-prod-db-osaka", placement=DatabasePlacement("g", ["sg-1"]))
    assert (target.instance_class, target.multi_az, target.parameter_group_name) == (
        "db.t4g.medium",
        False,
        None,
    )
    assert target.backup_retention_days == 7
    with pytest.raises(ValueError, match=r"target.identifier \('x--y'\) must be an RDS identifier"):
        RestoreTarget(identifier="x--y", placement=DatabasePlacement("g", ["sg-1"]))
