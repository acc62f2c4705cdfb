"""Refreshing the snapshot from AWS price list files, offline: hand-written files in the same format."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
from pathlib import Path

import pytest

from tools.cost.refresh_prices import PRICING_HOST, PriceList, find_price, main, refresh, selector_for

FIXTURES = Path(__file__).parent / "fixtures" / "pricelist"
TOKYO = "ap-northeast-1"


def offline_fetch(url: str):
    """Serve the fixture files by URL path; anything else is a test failure (no network in tests)."""
    assert url.startswith(PRICING_HOST + "/offers/v1.0/aws/"), url
    path = FIXTURES / url.removeprefix(PRICING_HOST + "/")
    if not path.is_file():
        raise urllib.error.HTTPError(url, 404, "not in fixtures", {}, None)  # type: ignore[arg-type]
    return json.loads(path.read_text())


def snapshot() -> dict:
    def item(usd, per=1, unit="unit"):
        return {"unit": unit, "per": per, "source": "test", "usd": usd, "as_of": "old"}

    return {
        "snapshot": "2026-06",
        "regions": [TOKYO, "global"],
        "prices": {
            "ec2.instance_hour:t3.micro": item({TOKYO: 0.0136}),
            "vpc.nat_gateway_hour": item({TOKYO: 0.062}),
            "lambda.requests": item({TOKYO: 0.20}, per=1_000_000),
            "lambda.gb_second_x86": item({TOKYO: 0.0000166667}),
            "route53.health_check_aws_month": item({"global": 0.5}),
            "route53.health_check_option_aws_month": item({"global": 1.0}),
            "sns.sms_japan": item({TOKYO: 0.0745}),
            "elb.alb_hour": item({TOKYO: 0.0243}),
        },
    }


def test_each_figure_comes_from_the_matching_product_scaled_to_the_quoted_quantity():
    new, refreshed, _ = refresh(snapshot(), PriceList(offline_fetch), today=dt.date(2026, 12, 4))
    prices = new["prices"]
    assert prices["ec2.instance_hour:t3.micro"]["usd"][TOKYO] == 0.014  # Linux, shared: not Windows/dedicated
    assert prices["vpc.nat_gateway_hour"]["usd"][TOKYO] == 0.065  # "APN1-NatGateway-Hours"
    assert prices["lambda.requests"]["usd"][TOKYO] == pytest.approx(0.25)  # per request x 1,000,000
    assert prices["lambda.gb_second_x86"]["usd"][TOKYO] == 0.000017  # the first (lowest) tier
    assert prices["route53.health_check_aws_month"]["usd"]["global"] == 0.55  # the whole-offer file
    assert prices["route53.health_check_option_aws_month"]["usd"]["global"] == 1.1
    assert prices["ec2.instance_hour:t3.micro"]["as_of"].startswith("2026-12-01")
    assert len(refreshed) == 6


def test_figures_the_files_do_not_yield_are_kept_and_listed():
    new, _, kept = refresh(snapshot(), PriceList(offline_fetch), today=dt.date(2026, 12, 4))
    assert kept == ["sns.sms_japan@ap-northeast-1", "elb.alb_hour@ap-northeast-1"]
    assert new["prices"]["sns.sms_japan"]["usd"][TOKYO] == 0.0745
    assert new["snapshot"] == "2026-12" and new["compiled"] == "2026-12-04"
    assert "2 kept from the previous snapshot (sns.sms_japan@ap-northeast-1, elb.alb_hour" in new["status"]
    assert set(new["price_list"]["files"]) == {
        "AmazonEC2/ap-northeast-1",
        "AWSLambda/ap-northeast-1",
        "AmazonRoute53/global",
    }


def test_every_key_of_the_repository_snapshot_has_a_selector_except_sms():
    # SMS rates are per destination country on the End User Messaging price page, not in these files.
    from tools.cost.prices import latest_snapshot

    keys = json.loads(latest_snapshot().read_text())["prices"]
    assert [key for key in keys if selector_for(key) is None] == ["sns.sms_japan"]


def test_find_price_ignores_products_of_another_family():
    data = offline_fetch(PRICING_HOST + "/offers/v1.0/aws/AmazonEC2/20261201000000/ap-northeast-1/index.json")
    assert find_price(data, selector_for("vpc.nat_gateway_gb"), TOKYO) == 0.065
    assert find_price(data, selector_for("ec2.instance_hour:t3.large"), TOKYO) is None


def test_the_command_writes_a_new_dated_file_and_adds_instance_types(tmp_path):
    source = tmp_path / "2026-06-aws-prices.json"
    source.write_text(json.dumps(snapshot()))
    out = tmp_path / "new.json"
    assert (
        main(["--from", str(source), "--out", str(out), "--instance-type", "t3.micro"], fetch=offline_fetch)
        == 0
    )
    assert json.loads(out.read_text())["prices"]["ec2.instance_hour:t3.micro"]["usd"][TOKYO] == 0.014


def test_without_network_the_command_fails_and_writes_nothing(tmp_path, capsys):
    def no_network(url):
        raise urllib.error.URLError("Name or service not known")

    source = tmp_path / "2026-06-aws-prices.json"
    source.write_text(json.dumps(snapshot()))
    assert main(["--from", str(source), "--out", str(tmp_path / "new.json")], fetch=no_network) == 1
    assert "is unchanged" in capsys.readouterr().err
    assert not (tmp_path / "new.json").exists()
