"""Refresh the price snapshot from AWS's public price list files (no credentials, needs the network).

``python -m tools.cost.refresh_prices [--from SNAPSHOT] [--out FILE] [--instance-type m7g.large]``

The AWS Price List Bulk API serves JSON files anonymously
(https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/using-the-aws-price-list-bulk-api.html):
the offer index (``/offers/v1.0/aws/index.json``) names each service's ``currentRegionIndexUrl``; that
region index names one price list file per region (``currentVersionUrl``); a price list file holds
``products`` (SKU -> productFamily, attributes) and ``terms.OnDemand`` (SKU -> term -> priceDimensions
-> ``pricePerUnit.USD``). Each key of the snapshot has a :class:`Selector` below that picks its product.
A figure the files do not yield keeps its previous value and is listed in the new file's ``status``.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .prices import PRICES_DIR, latest_snapshot

PRICING_HOST = "https://pricing.us-east-1.amazonaws.com"
OFFER_INDEX_PATH = "/offers/v1.0/aws/index.json"
_REGION_PREFIX = re.compile(r"^[A-Z]{3}\d-")  # APN1-, APN3-, USE1- in front of a usage type

Fetch = Callable[[str], Mapping[str, Any]]


@dataclass(frozen=True)
class Selector:
    """Which product of which offer a snapshot key is: product family, attributes, usage type, unit.

    ``{region}`` in an attribute value is replaced by the region being refreshed; ``usagetype`` is
    compared without the region prefix (``APN1-NatGateway-Hours`` -> ``NatGateway-Hours``).
    """

    offer: str
    family: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    usagetype: str | None = None
    unit: str | None = None


def _ec2(instance_type: str) -> Selector:
    return Selector(
        "AmazonEC2",
        "Compute Instance",
        {
            "instanceType": instance_type,
            "operatingSystem": "Linux",
            "tenancy": "Shared",
            "preInstalledSw": "NA",
            "capacitystatus": "Used",
            "licenseModel": "No License required",
        },
        unit="Hrs",
    )


def _rds(db_class: str, deployment: str) -> Selector:
    attributes = {"instanceType": db_class, "databaseEngine": "PostgreSQL", "deploymentOption": deployment}
    return Selector("AmazonRDS", "Database Instance", attributes, unit="Hrs")


def _usage(offer: str, usagetype: str, family: str | None = None) -> Selector:
    return Selector(offer, family, usagetype=usagetype)


SELECTORS: dict[str, Selector] = {
    "ec2.cpu_credit_vcpu_hour": _usage("AmazonEC2", "CPUCredits:t3", "CPU Credits"),
    "ebs.gp3_gb_month": Selector("AmazonEC2", "Storage", {"volumeApiName": "gp3"}),
    "ebs.gp2_gb_month": Selector("AmazonEC2", "Storage", {"volumeApiName": "gp2"}),
    "ebs.gp3_iops_month": _usage("AmazonEC2", "EBS:VolumeP-IOPS.gp3"),
    "ebs.gp3_throughput_mibps_month": _usage("AmazonEC2", "EBS:VolumeP-Throughput.gp3"),
    "elb.alb_hour": _usage("AWSELB", "LoadBalancerUsage", "Load Balancer-Application"),
    "elb.alb_lcu_hour": _usage("AWSELB", "LCUUsage", "Load Balancer-Application"),
    "vpc.nat_gateway_hour": _usage("AmazonEC2", "NatGateway-Hours", "NAT Gateway"),
    "vpc.nat_gateway_gb": _usage("AmazonEC2", "NatGateway-Bytes", "NAT Gateway"),
    "vpc.public_ipv4_hour": _usage("AmazonVPC", "PublicIPv4:InUseAddress"),
    "vpc.interface_endpoint_az_hour": _usage("AmazonVPC", "VpcEndpoint-Hours", "VpcEndpoint"),
    "vpc.interface_endpoint_gb": _usage("AmazonVPC", "VpcEndpoint-Bytes", "VpcEndpoint"),
    "transfer.inter_region_out_gb": Selector(
        "AWSDataTransfer", None, {"transferType": "InterRegion Outbound", "fromRegionCode": "{region}"}
    ),
    "transfer.internet_out_gb": Selector(
        "AWSDataTransfer", None, {"transferType": "AWS Outbound", "fromRegionCode": "{region}"}
    ),
    "rds.gp3_gb_month.single_az": Selector(
        "AmazonRDS",
        "Database Storage",
        {
            "volumeType": "General Purpose-GP3",
            "databaseEngine": "PostgreSQL",
            "deploymentOption": "Single-AZ",
        },
    ),
    "rds.gp3_gb_month.multi_az": Selector(
        "AmazonRDS",
        "Database Storage",
        {"volumeType": "General Purpose-GP3", "databaseEngine": "PostgreSQL", "deploymentOption": "Multi-AZ"},
    ),
    "rds.gp2_gb_month.single_az": Selector(
        "AmazonRDS",
        "Database Storage",
        {"volumeType": "General Purpose", "databaseEngine": "PostgreSQL", "deploymentOption": "Single-AZ"},
    ),
    "rds.gp2_gb_month.multi_az": Selector(
        "AmazonRDS",
        "Database Storage",
        {"volumeType": "General Purpose", "databaseEngine": "PostgreSQL", "deploymentOption": "Multi-AZ"},
    ),
    "rds.backup_gb_month": _usage("AmazonRDS", "ChargedBackupUsage", "Storage Snapshot"),
    "backup.rds_snapshot_gb_month": _usage("AWSBackup", "WarmStorage-ByteHrs-RDS"),
    "route53.health_check_aws_month": _usage("AmazonRoute53", "Health-Check-AWS"),
    "route53.health_check_non_aws_month": _usage("AmazonRoute53", "Health-Check-Non-AWS"),
    "route53.health_check_option_aws_month": _usage("AmazonRoute53", "Health-Check-Option-AWS"),
    "route53.health_check_option_non_aws_month": _usage("AmazonRoute53", "Health-Check-Option-Non-AWS"),
    "route53.hosted_zone_month": _usage("AmazonRoute53", "HostedZone"),
    "kms.key_month": _usage("awskms", "KMS-Keys"),
    # A rotated key's extra material is billed as more key-months at the key rate (AWS KMS pricing).
    "kms.rotation_month": _usage("awskms", "KMS-Keys"),
    "kms.requests": _usage("awskms", "KMS-Requests"),
    "cloudwatch.alarm_metric_month": _usage("AmazonCloudWatch", "CW:AlarmMonitorUsage"),
    "cloudwatch.high_res_alarm_metric_month": _usage("AmazonCloudWatch", "CW:HighResAlarmMonitorUsage"),
    "cloudwatch.composite_alarm_month": _usage("AmazonCloudWatch", "CW:CompositeAlarmMonitorUsage"),
    "cloudwatch.dashboard_month": _usage("AmazonCloudWatch", "DashboardsUsageHour"),
    "cloudwatch.metric_month": _usage("AmazonCloudWatch", "CW:MetricMonitorUsage"),
    "logs.ingest_gb": _usage("AmazonCloudWatch", "DataProcessing-Bytes"),
    "logs.vended_ingest_gb": _usage("AmazonCloudWatch", "VendedLog-Bytes"),
    "logs.storage_gb_month": _usage("AmazonCloudWatch", "TimedStorage-ByteHrs"),
    "lambda.requests": _usage("AWSLambda", "Request"),
    "lambda.gb_second_x86": _usage("AWSLambda", "Lambda-GB-Second"),
    "lambda.gb_second_arm": _usage("AWSLambda", "Lambda-GB-Second-ARM"),
    "dynamodb.on_demand_write": _usage("AmazonDynamoDB", "WriteRequestUnits"),
    "dynamodb.on_demand_read": _usage("AmazonDynamoDB", "ReadRequestUnits"),
    "dynamodb.storage_gb_month": _usage("AmazonDynamoDB", "TimedStorage-ByteHrs"),
    "dynamodb.pitr_gb_month": _usage("AmazonDynamoDB", "TimedPITRStorage-ByteHrs"),
    "sns.publish": _usage("AmazonSNS", "Requests-Tier1"),
    "sns.email": _usage("AmazonSNS", "DeliveryAttempts-SMTP"),
    "sqs.requests": _usage("AWSQueueService", "Requests-Tier1"),
    "stepfunctions.standard_transition": _usage("AmazonStates", "StateTransition"),
    "stepfunctions.express_request": _usage("AmazonStates", "ExpressRequest"),
    "stepfunctions.express_gb_second": _usage("AmazonStates", "ExpressDuration"),
    "secretsmanager.secret_month": _usage("AWSSecretsManager", "AWSSecretsManager-Secrets"),
    "secretsmanager.api_requests": _usage("AWSSecretsManager", "AWSSecretsManager-APIRequest"),
    "fis.action_minute": _usage("AWSFIS", "ActionMinute"),
    "config.rule_evaluation": _usage("AWSConfig", "ConfigRuleEvaluations"),
    "s3.standard_gb_month": _usage("AmazonS3", "TimedStorage-ByteHrs"),
    "scheduler.invocations": _usage("AmazonEventBridge", "Scheduler-Invocation"),
    "ssm.advanced_parameter_month": _usage("AWSSystemsManager", "PS-Advanced-Param-Tier1"),
}


def selector_for(key: str) -> Selector | None:
    """The selector of a snapshot key; variant keys (``ec2.instance_hour:t3.micro``) build theirs."""
    family, _, variant = key.partition(":")
    if family == "ec2.instance_hour" and variant:
        return _ec2(variant)
    if family == "rds.postgres.single_az_hour" and variant:
        return _rds(variant, "Single-AZ")
    if family == "rds.postgres.multi_az_hour" and variant:
        return _rds(variant, "Multi-AZ")
    return SELECTORS.get(key)


def fetch_json(url: str) -> Mapping[str, Any]:
    """GET a price list file (public, no credentials)."""
    with urllib.request.urlopen(url, timeout=120) as response:
        return json.loads(response.read().decode("utf-8"))


class PriceList:
    """The offer index and regional price list files, fetched lazily and cached."""

    def __init__(self, fetch: Fetch = fetch_json, host: str = PRICING_HOST) -> None:
        self._fetch = fetch
        self._host = host
        self._cache: dict[str, Mapping[str, Any]] = {}
        self.files: dict[str, dict[str, str]] = {}  # "offer/region" -> url, publicationDate

    def _get(self, path: str) -> Mapping[str, Any]:
        url = path if path.startswith("http") else self._host + path
        if url not in self._cache:
            self._cache[url] = self._fetch(url)
        return self._cache[url]

    def region_file(self, offer: str, region: str) -> Mapping[str, Any] | None:
        """The price list file of ``offer`` in ``region`` (``global``: else the whole offer's file)."""
        offers = self._get(OFFER_INDEX_PATH).get("offers") or {}
        if offer not in offers:
            return None
        entry = offers[offer]
        regions = (
            (self._get(entry["currentRegionIndexUrl"]).get("regions") or {})
            if "currentRegionIndexUrl" in entry
            else {}
        )
        if region in regions:
            path = regions[region]["currentVersionUrl"]
        elif region == "global" and "currentVersionUrl" in entry:
            path = entry["currentVersionUrl"]
        else:
            return None
        data = self._get(path)
        self.files[f"{offer}/{region}"] = {
            "url": path if path.startswith("http") else self._host + path,
            "publicationDate": str(data.get("publicationDate", "")),
        }
        return data


def _usage_matches(usagetype: str, wanted: str) -> bool:
    return usagetype == wanted or _REGION_PREFIX.sub("", usagetype, count=1) == wanted


def find_price(offer_file: Mapping[str, Any], selector: Selector, region: str) -> float | None:
    """USD per unit of the first matching product's lowest paid on-demand tier, or None."""
    on_demand = (offer_file.get("terms") or {}).get("OnDemand") or {}
    wanted = {key: value.replace("{region}", region) for key, value in selector.attributes.items()}
    for sku, product in sorted((offer_file.get("products") or {}).items()):
        attributes = product.get("attributes") or {}
        if selector.family is not None and product.get("productFamily") != selector.family:
            continue
        if any(attributes.get(key) != value for key, value in wanted.items()):
            continue
        if selector.usagetype is not None and not _usage_matches(
            str(attributes.get("usagetype", "")), selector.usagetype
        ):
            continue
        for term in (on_demand.get(sku) or {}).values():
            dimensions = sorted(
                (term.get("priceDimensions") or {}).values(), key=lambda d: float(d.get("beginRange", 0) or 0)
            )
            for dimension in dimensions:
                if selector.unit is not None and dimension.get("unit") != selector.unit:
                    continue
                price = float((dimension.get("pricePerUnit") or {}).get("USD", 0) or 0)
                if price > 0:
                    return price
    return None


def refresh(
    snapshot: Mapping[str, Any], price_list: PriceList, *, today: dt.date, extra_keys: Sequence[str] = ()
) -> tuple[dict[str, Any], list[str], list[str]]:
    """A new snapshot: every figure the price list yields replaced; returns (snapshot, refreshed, kept)."""
    new = copy.deepcopy(dict(snapshot))
    prices: dict[str, Any] = new.setdefault("prices", {})
    regions = [r for r in new.get("regions", []) if r != "global"] or [
        "ap-northeast-1",
        "ap-northeast-3",
        "us-east-1",
    ]
    for key in extra_keys:
        prices.setdefault(key, {"unit": "instance-hour", "per": 1, "source": key.split(".", 1)[0], "usd": {}})
        prices[key]["usd"] = prices[key]["usd"] or dict.fromkeys(regions)
    refreshed: list[str] = []
    kept: list[str] = []
    for key, item in prices.items():
        selector = selector_for(key)
        for region in list(item.get("usd") or {}):
            found = None
            if selector is not None:
                offer_file = price_list.region_file(selector.offer, region)
                found = find_price(offer_file, selector, region) if offer_file is not None else None
            label = f"{key}@{region}"
            if found is None:
                kept.append(label)
                continue
            item["usd"][region] = round(found * float(item.get("per") or 1), 10)
            file = price_list.files.get(f"{selector.offer}/{region}", {}) if selector else {}
            item["as_of"] = f"{file.get('publicationDate', '')} price list".strip()
            refreshed.append(label)
    new["snapshot"] = today.strftime("%Y-%m")
    new["compiled"] = today.isoformat()
    new["status"] = (
        f"Refreshed from the AWS price list files on {today.isoformat()}: {len(refreshed)} figures from the "
        f"files, {len(kept)} kept from the previous snapshot ({', '.join(kept) or 'none'})."
    )
    new.setdefault("price_list", {})["refreshed"] = today.isoformat()
    new["price_list"]["files"] = dict(sorted(price_list.files.items()))
    return new, refreshed, kept


def main(argv: Sequence[str] | None = None, *, fetch: Fetch = fetch_json) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.cost.refresh_prices", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--from", dest="source", type=Path, help="snapshot to start from (default: the newest)"
    )
    parser.add_argument(
        "--out", type=Path, help=f"file to write (default: {PRICES_DIR}/<YYYY-MM>-aws-prices.json)"
    )
    parser.add_argument(
        "--instance-type", action="append", default=[], help="also price this EC2 type; repeatable"
    )
    parser.add_argument(
        "--db-class", action="append", default=[], help="also price this RDS class; repeatable"
    )
    args = parser.parse_args(argv)
    source = args.source or latest_snapshot()
    snapshot = json.loads(source.read_text(encoding="utf-8"))
    extra = [f"ec2.instance_hour:{t}" for t in args.instance_type] + [
        f"rds.postgres.{d}_hour:{c}" for c in args.db_class for d in ("single_az", "multi_az")
    ]
    today = dt.date.today()
    try:
        new, refreshed, kept = refresh(snapshot, PriceList(fetch), today=today, extra_keys=extra)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        print(
            f"refresh_prices: cannot read {PRICING_HOST} ({error}); {source.name} is unchanged",
            file=sys.stderr,
        )
        return 1
    out = args.out or PRICES_DIR / f"{today:%Y-%m}-aws-prices.json"
    out.write_text(json.dumps(new, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(refreshed)} figures refreshed, {len(kept)} kept")
    for label in kept:
        print(f"  kept (not found in the price list): {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
