"""The environment config: defaults, and a clear message for every kind of bad value."""

from __future__ import annotations

import copy
import re

import pytest

from stacks.application import ROOT, project_context
from stacks.config.errors import ConfigError
from stacks.config.loader import load_config


@pytest.fixture
def context() -> dict:
    ctx = project_context(ROOT)
    return {k: copy.deepcopy(ctx[k]) for k in ("app_name", "environments", "defaults")}


def test_shipped_config_has_three_environments_in_tokyo_and_osaka(context):
    config = load_config(context)
    assert list(config.environments) == ["dev", "stg", "prod"]
    for env in config.environments.values():
        assert env.primary.region == "ap-northeast-1"
        assert env.dr.region == "ap-northeast-3"
        assert env.alarm_thresholds.cpu_percent == 80
        assert env.alarm_thresholds.memory_percent == 85
        assert env.alarm_thresholds.latency_p95_ms == 500
        assert env.alarm_thresholds.error_rate_5xx_percent == 1
    prod = config.environments["prod"]
    assert len(prod.primary.availability_zones) == 3
    assert prod.dr_strategy == "warm_standby" and prod.dr_capacity.min >= 1
    assert config.environments["dev"].dr_strategy == "backup_restore"
    assert config.environments["dev"].nat_gateways == 0
    # Tokyo's quiet hours live in the app's config (UTC), not in the library's defaults.
    for env in config.environments.values():
        assert env.database.backup_window_utc == "17:00-18:00"  # 02:00-03:00 in Tokyo
        assert env.backup.start_hour_utc == 18  # 03:00 in Tokyo, after the RDS backup window


def test_config_is_frozen(context):
    config = load_config(context)
    with pytest.raises(AttributeError):
        config.environments["dev"].instance_type = "m7i.48xlarge"


def test_defaults_block_is_inherited_and_environment_wins(context):
    context["defaults"]["health_check"]["interval_seconds"] = 15
    context["environments"]["prod"]["health_check"] = {"interval_seconds": 6}
    config = load_config(context)
    assert config.environments["dev"].health_check.interval_seconds == 15
    assert config.environments["prod"].health_check.interval_seconds == 6
    assert config.environments["prod"].health_check.unhealthy_threshold == 2


def test_selecting_one_environment(context):
    config = load_config(context)
    assert [e.name for e in config.selected("stg")] == ["stg"]
    assert [e.name for e in config.selected(None)] == ["dev", "stg", "prod"]


def test_fails_when_selecting_an_unknown_environment(context):
    with pytest.raises(ConfigError, match=r"-c env='qa': unknown environment\. Use one of: dev, stg, prod"):
        load_config(context).selected("qa")


def _set(ctx: dict, dotted: str, value) -> None:
    node = ctx
    *parents, last = dotted.split(".")
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "environments.prod.capacity.min",
            12,
            r"^environments\.prod\.capacity\.min \(12\) must be <= environments\.prod\.capacity\.max \(9\): "
            r"lower the minimum or raise the maximum\.$",
        ),
        (
            "environments.dev.capacity.desired",
            5,
            r"^environments\.dev\.capacity\.desired \(5\) must be between environments\.dev\.capacity\.min "
            r"\(1\) and environments\.dev\.capacity\.max \(2\)\.$",
        ),
        (
            "environments.stg.primary.vpc_cidr",
            "10.30.128.0/17",
            r"environments\.prod\.primary\.vpc_cidr \(10\.30\.0\.0/16\) overlaps "
            r"environments\.stg\.primary\.vpc_cidr \(10\.30\.128\.0/17\): give every VPC its own range",
        ),
        (
            "environments.dev.primary.availability_zones",
            ["ap-northeast-1a", "ap-northeast-3b"],
            r"^environments\.dev\.primary\.availability_zones \['ap-northeast-3b'\] are not in the stack's "
            r"region ap-northeast-1: use zones such as ap-northeast-1a\.$",
        ),
        (
            "environments.prod.alarm_thresholds.cpu_percent",
            180,
            r"environments\.prod\.alarm_thresholds\.cpu_percent is 180: it must be between 1 and 100",
        ),
        (
            "environments.prod.alarm_thresholds.latency_p95_ms",
            -5,
            r"environments\.prod\.alarm_thresholds\.latency_p95_ms is -5: it must be between 1 and 60000",
        ),
        (
            "environments.dev.notifications.high.emails",
            ["oncall-at-example.com"],
            r"environments\.dev\.notifications\.high\.emails: 'oncall-at-example\.com' is not an email "
            r"address \(name@example\.com\)",
        ),
        (
            "environments.prod.notifications.critical.sms",
            ["090-0000-0000"],
            r"environments\.prod\.notifications\.critical\.sms: '090-0000-0000' is not an E\.164 phone "
            r"number: write '\+', the country code and the number without spaces or dashes",
        ),
        (
            "environments.prod.notifications.urgent",
            {"emails": ["a@example.com"]},
            r"environments\.prod\.notifications\.urgent: unknown severity 'urgent'",
        ),
        (
            "environments.dev.dr_strategy",
            "hot_hot",
            r"environments\.dev\.dr_strategy: DR strategy 'hot_hot' is not one of "
            r"'backup_restore', 'pilot_light', 'warm_standby'",
        ),
        (
            "environments.prod.dr_capacity.min",
            0,
            r"environments\.prod\.dr_capacity\.min is 0: warm_standby keeps at least one instance",
        ),
        (
            "environments.dev.account",
            "1234",
            r"environments\.dev\.account is '1234': an AWS account id is 12 digits",
        ),
        (
            "environments.dev.health_check.timeout_seconds",
            10,
            r"^environments\.dev\.health_check\.timeout_seconds \(10\) must be 2-120 and less than "
            r"interval_seconds \(10\)\.$",
        ),
        (
            "environments.dev.nat_gateways",
            3,
            r"^environments\.dev\.nat_gateways \(3\) must be between 0 and the number of primary zones "
            r"\(2\)\.$",
        ),
        (
            "environments.dev.active_region",
            "us-west-2",
            r"environments\.dev\.active_region is 'us-west-2': it must be the primary \(ap-northeast-1\)",
        ),
        (
            "environments.dev.log_retention_days",
            10,
            r"environments\.dev\.log_retention_days is 10: CloudWatch Logs accepts only 1, 3, 5",
        ),
        (
            "environments.dev.capacty",
            {"min": 1},
            r"environments\.dev\.capacty: unknown key 'capacty'\. Did you mean 'capacity'\? Allowed here: ",
        ),
        (
            "environments.prod.primary.certificate_arn",
            "arn:aws:acm:us-east-1:333333333333:certificate/abc-123",
            r"^environments\.prod\.primary\.certificate_arn \(arn:aws:acm:us-east-1:333333333333:certificate/"
            r"abc-123\) is in us-east-1, not in the stack's region \(ap-northeast-1\): an ALB can only use a "
            r"certificate from its own region; issue one in ap-northeast-1\.$",
        ),
        (
            "environments.dev.schedule.stop_cron",
            "at ten",
            r"^environments\.dev\.schedule\.stop_cron \('at ten'\) must have 5 fields 'minute hour day month "
            r"weekday', e\.g\. '0 22 \* \* MON-FRI'\.$",
        ),
        (
            "environments.dev.instance_type",
            "large",
            r"environments\.dev\.instance_type is 'large': not an EC2 instance type\. "
            r"Write <family>\.<size>, e\.g\. t3\.micro",
        ),
        (
            "environments.dev.active_region",
            "ap-northeast-3",
            r"environments\.dev\.active_region is 'ap-northeast-3' but dr_strategy is backup_restore: "
            r"there is no standby database to promote",
        ),
        (
            "environments.prod.dns.record_name",
            "www.example.org",
            r"environments\.prod\.dns\.record_name is 'www\.example\.org', which is not inside "
            r"environments\.prod\.dns\.zone_name",
        ),
        (
            "environments.prod.database.instance_class",
            "db.r7g.large",
            r"environments\.prod\.database\.instance_class is 'db\.r7g\.large': "
            r"write the class without the 'db\.' prefix \('r7g\.large'\); use one of t4g\.micro",
        ),
        (
            "environments.prod.database.backup_retention_days",
            40,
            r"^environments\.prod\.database\.backup_retention_days \(40\) must be 1-35: 0 would turn off "
            r"point-in-time recovery and read replicas, and RDS keeps at most 35 days\.$",
        ),
        (
            "environments.prod.database.backup_window_utc",
            "2am-3am",
            r"environments\.prod\.database\.backup_window_utc \('2am-3am'\) must be 'hh24:mi-hh24:mi' in UTC",
        ),
        (
            "environments.prod.database.maintenance_window_utc",
            "sun:18:00",
            r"environments\.prod\.database\.maintenance_window_utc \('sun:18:00'\) must be "
            r"'ddd:hh24:mi-ddd:hh24:mi' in UTC",
        ),
        (
            "environments.prod.backup.start_hour_utc",
            24,
            r"environments\.prod\.backup\.start_hour_utc is 24: it must be between 0 and 23",
        ),
        (
            "environments.prod.database.generations",
            {"ap-northeast-1": 0},
            r"environments\.prod\.database\.generations\.ap-northeast-1 is 0",
        ),
        (
            "environments.prod.monitoring.escalation",
            [
                {"name": "a", "severity": "high", "after_minutes": 30},
                {"name": "b", "severity": "critical", "after_minutes": 15},
            ],
            r"^environments\.prod\.monitoring\.escalation\[1\]\.after_minutes \(15 minutes\) must be later "
            r"than the previous tier's \(30 minutes\): list tiers in escalation order\.$",
        ),
        (
            "environments.prod.monitoring.escalation",
            [{"name": "a", "severity": "urgent", "after_minutes": 30}],
            r"^environments\.prod\.monitoring\.escalation\[0\]\.severity \('urgent'\) is not a severity: "
            r"use one of low, medium, high, critical\.$",
        ),
        (
            "environments.prod.alarms",
            {"cpu": {"period_seconds": -60}},
            r"environments\.prod\.alarms: .*period",
        ),
        (
            "environments.prod.alarms",
            {"disk-io": {"threshold": 5}},
            r"environments\.prod\.alarms: .*disk-io",
        ),
        (
            "environments.prod.healing.max_actions_per_resource_per_hour",
            0,
            r"^environments\.prod\.healing\.max_actions_per_resource_per_hour \(0\) must be 1-60\.$",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("environments.") else None,
)
def test_fails_when_a_value_is_bad(context, key, value, message):
    _set(context, key, value)
    with pytest.raises(ConfigError, match=message):
        load_config(context)


@pytest.mark.parametrize("name", ["QA", "1qa", "q-a", "perf_test", "averyveryverylongname"])
def test_fails_when_an_environment_name_is_not_safe(context, name):
    context["environments"][name] = context["environments"].pop("dev")
    with pytest.raises(
        ConfigError,
        match=rf"environments\.{re.escape(name)}: the environment name '{re.escape(name)}' cannot be used\. "
        r"Use 1-12 lowercase letters or digits, starting with a letter",
    ):
        load_config(context)


def test_fails_when_a_required_key_is_missing(context):
    del context["environments"]["stg"]["instance_type"]
    with pytest.raises(
        ConfigError, match=r"environments\.stg\.instance_type is missing: add it to cdk\.json"
    ):
        load_config(context)


def test_active_region_flips_production_capacity_to_osaka(context):
    context["environments"]["prod"]["active_region"] = "ap-northeast-3"
    prod = load_config(context).environments["prod"]
    assert prod.capacity_for("ap-northeast-3").min == 3
    assert prod.capacity_for("ap-northeast-1").min == 1
