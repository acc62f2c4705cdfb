"""The price snapshot in the repository: dated, sourced, complete for the three regions."""

from __future__ import annotations

import json
import re

import pytest

from tools.cost.prices import PRICES_DIR, PriceError, latest_snapshot, load_prices

REGIONS = {"ap-northeast-1", "ap-northeast-3", "us-east-1"}


def test_the_newest_snapshot_is_dated_and_says_it_is_a_snapshot_to_refresh():
    path = latest_snapshot()
    assert re.fullmatch(r"\d{4}-\d{2}-aws-prices\.json", path.name)
    book = load_prices()
    assert book.snapshot == path.name[:7]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", book.compiled)
    assert "refresh" in book.status.lower()


def test_every_figure_has_a_unit_a_source_page_a_date_and_all_three_regions():
    data = json.loads(latest_snapshot().read_text())
    sources = data["sources"]
    for key, item in data["prices"].items():
        assert item["unit"] and item["as_of"], key
        assert sources[item["source"]].startswith("https://aws.amazon.com/"), key
        regions = set(item["usd"])
        assert regions == {"global"} or regions == REGIONS, key
        assert all(isinstance(v, int | float) and v > 0 for v in item["usd"].values()), key


def test_the_easily_missed_items_are_in_the_snapshot():
    book = load_prices()
    for key in (
        "transfer.inter_region_out_gb",
        "route53.health_check_option_aws_month",
        "cloudwatch.alarm_metric_month",
        "vpc.public_ipv4_hour",
        "backup.rds_snapshot_gb_month",
        "rds.backup_gb_month",
        "ebs.gp3_gb_month",
    ):
        assert book.has(key), key


def test_the_app_regions_price_differently_where_aws_does():
    book = load_prices()
    assert book.unit_price("vpc.nat_gateway_hour", "ap-northeast-1") > book.unit_price(
        "vpc.nat_gateway_hour", "us-east-1"
    )
    assert book.unit_price("transfer.inter_region_out_gb", "us-east-1") < book.unit_price(
        "transfer.inter_region_out_gb", "ap-northeast-1"
    )


def test_a_unit_price_divides_the_quoted_quantity_and_global_prices_serve_every_region():
    book = load_prices()
    assert book.unit_price("lambda.requests", "ap-northeast-1") == pytest.approx(0.20 / 1_000_000)
    assert book.unit_price("route53.hosted_zone_month", "us-east-1") == 0.5


def test_fails_when_a_region_or_key_is_missing(tmp_path):
    book = load_prices()
    with pytest.raises(PriceError, match=r"no figure for eu-west-1"):
        book.unit_price("vpc.nat_gateway_hour", "eu-west-1")
    with pytest.raises(PriceError, match=r"no such file"):
        load_prices(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(PriceError, match=r"'prices' object"):
        load_prices(tmp_path / "bad.json")


def test_snapshots_live_in_the_package():
    assert latest_snapshot().parent == PRICES_DIR
