"""One validator: where the library's value objects validate a value, config builds them and turns
their ValueError into a ConfigError at the key path, with the library's own wording."""

from __future__ import annotations

import copy
import re

import pytest

from constructs_lib._core import AppProbe
from constructs_lib.alerting import SeverityEndpoints
from constructs_lib.data import DatabaseBackup, DatabaseStorage
from constructs_lib.dr import DrStrategy
from constructs_lib.web import NightlyStop, TargetHealthCheck
from stacks.application import ROOT, project_context
from stacks.config.errors import ConfigError
from stacks.config.loader import load_config


@pytest.fixture
def context() -> dict:
    ctx = project_context(ROOT)
    return {k: copy.deepcopy(ctx[k]) for k in ("app_name", "environments", "defaults")}


def _library_message(check) -> str:
    with pytest.raises(ValueError) as raised:
        check()
    return str(raised.value)


def test_the_loader_builds_the_library_value_objects(context):
    config = load_config(context)
    prod, dev = config.environments["prod"], config.environments["dev"]
    assert prod.dr_strategy is DrStrategy.WARM_STANDBY
    assert prod.health_check.target() == TargetHealthCheck(
        interval_seconds=10, timeout_seconds=5, healthy_threshold=2, unhealthy_threshold=2
    )
    assert dev.schedule.nightly_stop() == NightlyStop(
        stop_cron="0 22 * * MON-FRI", start_cron="0 8 * * MON-FRI", timezone="Asia/Tokyo"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("interval_seconds", 3), ("healthy_threshold", 11), ("unhealthy_threshold", 1)],
)
def test_fails_when_a_health_check_value_breaks_the_library_rule(context, field, value):
    # Given the library's own message for the same value
    expected = _library_message(lambda: TargetHealthCheck(**{field: value}).validate())
    assert expected.startswith(f"health_check.{field} ")
    context["defaults"]["health_check"][field] = value
    # then config reports that message at the key path in cdk.json
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == "environments.dev." + expected


def test_the_loader_builds_the_app_probe_the_web_service_owns(context):
    prod = load_config(context).environments["prod"]
    assert prod.app_probe == AppProbe(port=8080, service_unit="webapp", health_path="/health")


@pytest.mark.parametrize(
    ("key", "value", "probe_field"),
    [("health_check.path", "health", "health_path"), ("service_unit", "-webapp", "service_unit")],
)
def test_fails_when_an_app_probe_value_breaks_the_library_rule(context, key, value, probe_field):
    # Given the library's own message for the same value
    expected = _library_message(lambda: AppProbe(**{probe_field: value}))
    assert expected.startswith(f"app probe {probe_field} ")
    section, _, field = key.rpartition(".")
    (context["defaults"][section] if section else context["defaults"])[field] = value
    # then config reports it at the key path in cdk.json, in the library's words
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == f"environments.dev.{key}" + expected.removeprefix(f"app probe {probe_field}")


def test_fails_when_a_health_check_timeout_exceeds_what_the_load_balancer_accepts(context):
    # The load balancer's 120 s limit is the library's rule now (TargetHealthCheck), not config's own
    expected = _library_message(
        lambda: TargetHealthCheck(interval_seconds=300, timeout_seconds=150).validate()
    )
    assert expected == (
        "health_check.timeout_seconds (150) must be 2-120 and less than interval_seconds (300)."
    )
    context["environments"]["prod"]["health_check"] = {"interval_seconds": 300, "timeout_seconds": 150}
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == "environments.prod." + expected


def test_fails_when_a_webhook_is_not_https_in_the_library_words(context):
    expected = _library_message(
        lambda: SeverityEndpoints(webhook_urls=["http://pager.example.com/x"]).validate(where="")
    )
    context["environments"]["prod"]["notifications"]["critical"]["https"] = ["http://pager.example.com/x"]
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == "environments.prod.notifications.critical.https" + expected.removeprefix(
        "webhook_urls"
    )


def test_fails_when_a_slack_channel_id_is_malformed(context):
    context["environments"]["stg"]["notifications"] = {
        "slack_workspace_id": "T07EA123LEP",
        "medium": {"slack_channel_ids": ["general"]},
    }
    with pytest.raises(
        ConfigError,
        match=r"^environments\.stg\.notifications\.medium\.slack_channel_ids \('general'\) must be a "
        r"Slack id: 9-21 upper-case letters and digits",
    ):
        load_config(context)


def test_fails_when_an_escalation_tier_name_cannot_be_part_of_resource_names(context):
    context["environments"]["prod"]["monitoring"] = {
        "escalation": [{"name": "On Call", "severity": "high", "after_minutes": 15}]
    }
    with pytest.raises(
        ConfigError,
        match=r"^environments\.prod\.monitoring\.escalation\[0\]\.name \('On Call'\) must be 1-31 characters "
        r"of lowercase letters, digits and '-'",
    ):
        load_config(context)


def test_fails_when_a_dr_strategy_is_unknown_in_the_library_words(context):
    expected = _library_message(lambda: DrStrategy.parse("active_active"))
    context["environments"]["stg"]["dr_strategy"] = "active_active"
    with pytest.raises(ConfigError, match="^" + re.escape(f"environments.stg.dr_strategy: {expected}") + "$"):
        load_config(context)


def test_fails_when_an_alarm_override_breaks_the_threshold_table(context):
    # datapoints_to_alarm above the row's evaluation periods (cpu: 3)
    context["environments"]["prod"]["alarms"] = {"cpu": {"datapoints_to_alarm": 5}}
    with pytest.raises(
        ConfigError,
        match=r"^environments\.prod\.alarms: threshold override 'cpu'\['cpu', 'medium'\]\."
        r"datapoints_to_alarm \(5\) must be between 1 and evaluation_periods \(3\)\.$",
    ):
        load_config(context)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stop_cron", "at ten"),
        ("stop_cron", "*/5 22 * * MON-FRI"),
        ("start_cron", "0 8 * JUNE *"),
        ("start_cron", "50 23 * * *"),
        ("timezone", "Tokyo time"),
    ],
)
def test_fails_when_a_schedule_value_breaks_the_nightly_stop_rule(context, field, value):
    # Given the library's own message for the same value
    props = {"timezone": "Asia/Tokyo", field: value}
    expected = _library_message(lambda: NightlyStop(**props))
    assert expected.startswith(f"nightly_stop.{field}")
    context["environments"]["dev"]["schedule"][field] = value
    # then config reports it at the key path in cdk.json, in the library's words
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == "environments.dev.schedule." + expected.removeprefix("nightly_stop.")


def _tier(name: str, after_minutes: int, severity: str = "high") -> dict:
    return {"name": name, "severity": severity, "after_minutes": after_minutes}


@pytest.mark.parametrize(
    "tiers",
    [
        [_tier("a", 30), _tier("b", 15)],
        [_tier("a", 15), _tier("a", 30)],
        [_tier("a", 15), _tier("b", 8 * 24 * 60)],
        [_tier(f"t{i}", i + 1) for i in range(11)],
        [],
    ],
    ids=["order", "unique", "seven-days", "count", "empty"],
)
def test_fails_when_escalation_tiers_break_the_library_rules(context, tiers):
    # Given the library's own message for the same tiers
    from constructs_lib.alerting import validate_tiers
    from stacks.config import EscalationTierConfig

    key = "environments.prod.monitoring.escalation"
    expected = _library_message(lambda: validate_tiers([EscalationTierConfig(**t) for t in tiers], prop=key))
    context["environments"]["prod"]["monitoring"]["escalation"] = tiers
    # then config reports it at the key path, naming the config's after_minutes
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == expected.replace(".escalate_after", ".after_minutes")
    assert str(raised.value).startswith(key)


def test_an_escalation_tier_may_come_after_a_day_within_the_library_week(context):
    # config capped after_minutes at 1440; the library's rule (within 7 days) now decides
    tiers = [_tier("on-call-email", 15), _tier("team-lead", 2 * 24 * 60, "critical")]
    context["environments"]["prod"]["monitoring"]["escalation"] = tiers
    prod = load_config(context).environments["prod"]
    assert [t.after_minutes for t in prod.monitoring.escalation] == [15, 2880]


@pytest.mark.parametrize(
    ("key", "value", "limit", "library_value"),
    [
        ("max_actions_per_resource_per_hour", 0, "max_actions_per_resource_per_hour", 0),
        ("max_actions_per_resource_per_hour", 61, "max_actions_per_resource_per_hour", 61),
        ("incident_window_seconds", 30, "incident_window", 30),
        ("incident_window_seconds", 90_000, "incident_window", 90_000),
        ("reserved_concurrency", 0, "reserved_concurrency", 0),
        # config used to accept any reservation >= 1; the library's documented 1-100 decides now
        ("reserved_concurrency", 101, "reserved_concurrency", 101),
    ],
)
def test_fails_when_a_healing_limit_breaks_the_library_rule(context, key, value, limit, library_value):
    import aws_cdk as cdk

    from constructs_lib.healing import validate_healing_limits

    if limit == "incident_window":
        library_value = cdk.Duration.seconds(library_value)
    # Given the library's own message for the same value
    expected = _library_message(lambda: validate_healing_limits(**{limit: library_value}))
    assert expected.startswith(f"{limit} (")
    context["environments"]["prod"]["healing"][key] = value
    # then config reports it at the key path, in the library's words
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == f"environments.prod.healing.{key}" + expected.removeprefix(limit)


def test_the_shipped_reserved_concurrency_is_within_the_library_range(context):
    from constructs_lib.healing import RESERVED_CONCURRENCY_RANGE

    low, high = RESERVED_CONCURRENCY_RANGE
    for env in load_config(context).environments.values():
        assert env.healing.reserved_concurrency is None or low <= env.healing.reserved_concurrency <= high


@pytest.mark.parametrize(
    ("key", "value", "build", "prop"),
    [
        ("allocated_storage_gib", 10, lambda v: DatabaseStorage(allocated_gib=v), "storage.allocated_gib"),
        ("backup_retention_days", 0, lambda v: DatabaseBackup(retention_days=v), "backup.retention_days"),
        ("backup_retention_days", 36, lambda v: DatabaseBackup(retention_days=v), "backup.retention_days"),
    ],
)
def test_fails_when_a_database_size_breaks_the_library_rule(context, key, value, build, prop):
    # Given the library's own message for the same value
    expected = _library_message(lambda: build(value))
    assert expected.startswith(f"{prop} (")
    context["environments"]["prod"]["database"][key] = value
    # then config reports it at the key path, in the library's words
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == f"environments.prod.database.{key}" + expected.removeprefix(prop)


@pytest.mark.parametrize(
    "lock",
    [
        {"min_retention_days": 0},
        {"min_retention_days": 36501},
        {"min_retention_days": 7, "max_retention_days": 5},
        {"mode": "compliance", "changeable_for_days": 0},
    ],
    ids=["min-low", "min-high", "max-below-min", "changeable"],
)
def test_fails_when_a_vault_lock_breaks_the_library_rule(context, lock):
    from constructs_lib.data import VaultLock

    # Given the library's own message for the same lock
    expected = _library_message(lambda: VaultLock(**{k: v for k, v in lock.items() if k != "mode"}))
    assert expected.startswith("vault_lock.")
    context["environments"]["prod"]["backup"] = {"retention_days": 14, "vault_lock": lock}
    # then config reports it at the key path, in the library's words
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == expected.replace("vault_lock", "environments.prod.backup.vault_lock")


def test_fails_when_an_account_copy_retention_breaks_the_library_rule(context):
    from constructs_lib.data import BackupAccountCopy

    expected = _library_message(
        lambda: BackupAccountCopy(account="444444444444", vault_name="org-backup", retention_days=0)
    )
    context["environments"]["prod"]["backup"] = {
        "account_copy": {"account": "444444444444", "vault_name": "org-backup", "retention_days": 0}
    }
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == expected.replace("account_copy", "environments.prod.backup.account_copy")


@pytest.mark.parametrize(
    ("notifications", "endpoints", "workspace"),
    [
        (
            {"medium": {"slack_channel_ids": ["C0OPSTEAM01"]}},
            {"medium": SeverityEndpoints(slack_channel_ids=["C0OPSTEAM01"])},
            None,
        ),
        (
            {"slack_workspace_id": "my-team", "medium": {"slack_channel_ids": ["C0OPSTEAM01"]}},
            {"medium": SeverityEndpoints(slack_channel_ids=["C0OPSTEAM01"])},
            "my-team",
        ),
        (
            {"critical": {"sms": ["+81 90"]}},
            {"critical": SeverityEndpoints(sms_numbers=["+81 90"])},
            None,
        ),
    ],
    ids=["channels-without-workspace", "workspace-not-an-id", "sms"],
)
def test_fails_when_notifications_break_the_library_rules(context, notifications, endpoints, workspace):
    from constructs_lib.alerting import validate_severity_endpoints

    # Given the library's own message for the same endpoints
    expected = _library_message(lambda: validate_severity_endpoints(endpoints, slack_workspace_id=workspace))
    context["environments"]["stg"]["notifications"] = notifications
    # then config reports it at the key paths, in the library's words
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    path = "environments.stg.notifications"
    translated = (
        expected.replace("severity_endpoints['medium'].slack_channel_ids", f"{path}.medium.slack_channel_ids")
        .replace("severity_endpoints['critical'].sms_numbers", f"{path}.critical.sms")
        .replace("slack_workspace_id", f"{path}.slack_workspace_id")
    )
    assert str(raised.value) == translated
    assert str(raised.value).startswith(path)


@pytest.mark.parametrize(
    ("key", "capacity"),
    [
        ("capacity", {"min": 3, "max": 2, "desired": 2}),
        ("capacity", {"min": 1, "max": 2, "desired": 3}),
        # config used to accept a maximum of 0; the web service refuses it (max_capacity >= 1)
        ("dr_capacity", {"min": 0, "max": 0, "desired": 0}),
    ],
)
def test_fails_when_a_capacity_breaks_the_library_rule(context, key, capacity):
    from constructs_lib.web import validate_capacity

    # Given the library's own message for the same sizes
    expected = _library_message(
        lambda: validate_capacity(
            min_capacity=capacity["min"], max_capacity=capacity["max"], desired_capacity=capacity["desired"]
        )
    )
    context["environments"]["stg"][key] = capacity
    # then config reports it at the key paths, in the library's words
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    path = f"environments.stg.{key}"
    assert str(raised.value) == (
        expected.replace("min_capacity", f"{path}.min")
        .replace("max_capacity", f"{path}.max")
        .replace("desired_capacity", f"{path}.desired")
    )


def test_fails_when_a_region_breaks_the_library_rule(context):
    from constructs_lib import validate_region

    expected = _library_message(lambda: validate_region("ap-northeast", prop="environments.dev.dr.region"))
    context["defaults"]["dr"]["region"] = "ap-northeast"
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == expected


def test_fails_when_zones_break_the_library_rules(context):
    from constructs_lib import validate_zones

    zones = ["ap-northeast-1a", "ap-northeast-1a"]
    expected = _library_message(lambda: validate_zones(zones, region="ap-northeast-1"))
    context["environments"]["dev"]["primary"]["availability_zones"] = zones
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == "environments.dev.primary." + expected


def test_fails_when_nat_gateways_exceed_the_dr_regions_zones(context):
    # config compared nat_gateways with the primary zones only; both regions' VPCs get them
    context["environments"]["prod"]["dr"]["availability_zones"] = ["ap-northeast-3a", "ap-northeast-3b"]
    with pytest.raises(
        ConfigError,
        match=r"^environments\.prod\.nat_gateways \(3\) must be between 0 and the number of dr zones "
        r"\(2\)\.$",
    ):
        load_config(context)


@pytest.mark.parametrize("value", [92, 100, 93.0])
def test_fails_when_the_slo_breaks_the_library_rule(context, value):
    from constructs_lib import validate_slo

    key = "environments.prod.monitoring.slo_availability_percent"
    # Given the library's own message for the same objective (with the default burn-rate windows)
    expected = _library_message(lambda: validate_slo(value))
    context["environments"]["prod"]["monitoring"]["slo_availability_percent"] = value
    # then config reports it naming the key, in the library's words
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == expected.replace("slo_target_percent", key)
    assert key in str(raised.value)


def test_an_slo_above_the_old_config_ceiling_follows_the_library(context):
    # config capped the objective at 99.999; the library allows any value below 100
    context["environments"]["prod"]["monitoring"]["slo_availability_percent"] = 99.9995
    assert load_config(context).environments["prod"].monitoring.slo_availability_percent == 99.9995


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:acm:ap-northeast-1:333333333333:cert/abc",
        "arn:aws:acm:us-east-1:333333333333:certificate/abc-123",
    ],
    ids=["form", "region"],
)
def test_fails_when_a_certificate_breaks_the_library_rule(context, arn):
    from constructs_lib import validate_certificate_arn

    key = "environments.prod.primary.certificate_arn"
    expected = _library_message(lambda: validate_certificate_arn(arn, region="ap-northeast-1"))
    context["environments"]["prod"]["primary"]["certificate_arn"] = arn
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == expected.replace("certificate_arn", key)


def test_the_storage_ceiling_is_configurable_and_checked_by_the_library(context):
    database = context["environments"]["prod"]["database"]
    # A database over the library's default 100 GiB ceiling needs its own ceiling, and gets it
    database.update(allocated_storage_gib=200, max_allocated_storage_gib=400)
    storage = load_config(context).environments["prod"].database.storage()
    assert (storage.allocated_gib, storage.max_allocated_gib) == (200, 400)
    # A ceiling below the allocation fails at its key, in the library's words
    database.update(max_allocated_storage_gib=150)
    expected = _library_message(lambda: DatabaseStorage(allocated_gib=200, max_allocated_gib=150))
    with pytest.raises(ConfigError) as raised:
        load_config(context)
    assert str(raised.value) == expected.replace(
        "storage.max_allocated_gib", "environments.prod.database.max_allocated_storage_gib"
    ).replace("storage.allocated_gib", "environments.prod.database.allocated_storage_gib")
