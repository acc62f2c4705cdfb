"""The monthly cost of an environment, computed from its synthesized templates.

Every resource type the app uses is either priced by a rule (``rules_compute``, ``rules_data``,
``rules_ops``), or listed in :data:`FREE_TYPES` with why it has no charge of its own; anything else is
reported as unpriced, never silently dropped. Quantities come from the templates (instance type,
capacity and schedules, zones, storage, retention, alarm metrics, health-check options...); what no
template can tell comes from the named usage assumptions (:mod:`.assumptions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .assumptions import Assumptions
from .model import EnvironmentCost, LineItem
from .prices import PriceBook
from .templates import Environment, Res, environments_from_assembly

DEFAULT_PRIMARY_REGION = "ap-northeast-1"  # Tokyo
DEFAULT_DR_REGION = "ap-northeast-3"  # Osaka
GLOBAL_REGION = "us-east-1"

# Types with no charge of their own (AWS pricing pages of each service); where a type drives a cost,
# the rule of the resource it belongs to prices it.
FREE_TYPES: dict[str, str] = {
    "AWS::IAM::Role": "IAM is free",
    "AWS::Scheduler::ScheduleGroup": "free (EventBridge Scheduler prices invocations, priced per schedule)",
    "AWS::IAM::Policy": "IAM is free",
    "AWS::IAM::ManagedPolicy": "IAM is free",
    "AWS::IAM::InstanceProfile": "IAM is free",
    "AWS::EC2::VPC": "a VPC itself is free (its NAT gateways, endpoints and addresses are priced)",
    "AWS::EC2::Subnet": "free",
    "AWS::EC2::RouteTable": "free",
    "AWS::EC2::Route": "free",
    "AWS::EC2::SubnetRouteTableAssociation": "free",
    "AWS::EC2::InternetGateway": "free (data transfer is priced on the load balancer)",
    "AWS::EC2::VPCGatewayAttachment": "free",
    "AWS::EC2::SecurityGroup": "free",
    "AWS::EC2::SecurityGroupIngress": "free",
    "AWS::EC2::SecurityGroupEgress": "free",
    "AWS::EC2::NetworkAcl": "free",
    "AWS::EC2::LaunchTemplate": "priced through the Auto Scaling group that launches it",
    "AWS::EC2::FlowLog": "priced through the log group it delivers to (vended-log ingestion)",
    "AWS::ElasticLoadBalancingV2::Listener": "priced through the load balancer (LCUs)",
    "AWS::ElasticLoadBalancingV2::ListenerRule": "priced through the load balancer (LCUs)",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "free",
    "AWS::AutoScaling::ScalingPolicy": "EC2 Auto Scaling is free (its alarms are AWS-managed)",
    "AWS::AutoScaling::ScheduledAction": "free; read to find the hours the group runs",
    "AWS::AutoScaling::LifecycleHook": "free",
    "AWS::AutoScaling::WarmPool": "priced with its group: stopped instances pay for their volumes only",
    "AWS::ARCZonalShift::ZonalAutoshiftConfiguration": "zonal shift and zonal autoshift carry no charge "
    "(ARC pricing); its outcome alarm is priced as an alarm",
    "AWS::Backup::BackupVault": "a vault is free; the backups in it are priced through the plan",
    "AWS::Backup::BackupSelection": "priced through its plan",
    "AWS::KMS::Alias": "free",
    "AWS::Lambda::Permission": "free",
    "AWS::Lambda::EventInvokeConfig": "free",
    "AWS::Lambda::Version": "free",
    "AWS::Lambda::Alias": "free",
    "AWS::Logs::QueryDefinition": "free (queries are billed per GB scanned when run)",
    "AWS::Logs::MetricFilter": "free (the metric it publishes is not billed as a custom metric)",
    "AWS::Events::Rule": "events from AWS services to rules are free",
    "AWS::SNS::TopicPolicy": "free",
    "AWS::SQS::QueuePolicy": "free",
    "AWS::S3::BucketPolicy": "free",
    "AWS::RDS::DBSubnetGroup": "free",
    "AWS::RDS::DBParameterGroup": "free",
    "AWS::SecretsManager::ResourcePolicy": "free",
    "AWS::SecretsManager::SecretTargetAttachment": "free",
    "AWS::SecretsManager::RotationSchedule": "free; its rotation function runs monthly (negligible)",
    "AWS::SSM::Document": "free (Automation steps beyond the free tier are negligible at these volumes)",
    "AWS::Route53::RecordSet": "queries to alias records pointing at AWS resources are free",
    "AWS::CDK::Metadata": "CDK bookkeeping",
    "AWS::CloudFormation::WaitConditionHandle": "free",
}
# Custom resources (Custom::*) run the provider function once per deployment: priced with that function.


class CostError(ValueError):
    """The templates hold a value the cost cannot read (e.g. an instance type given as a parameter)."""


@dataclass
class Pricing:
    """What a rule needs: the environment, prices, assumptions, regions; rules append line items."""

    env: Environment
    prices: PriceBook
    a: Assumptions
    primary: str
    dr: str | None
    items: list[LineItem] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return self.a.v("hours_per_month")

    @property
    def days(self) -> float:
        return self.hours / 24

    def role(self, region: str) -> str:
        """``active`` (serves traffic), ``standby`` (the DR region) or ``global`` (us-east-1 and others)."""
        if region == self.primary:
            return "active"
        if region == self.dr:
            return "standby"
        return "global"

    def by_role(self, region: str, active: str, standby: str) -> float:
        """The active assumption's value, or the standby one in the DR region."""
        return self.a.v(standby if self.role(region) == "standby" else active)

    def add(
        self,
        category: str,
        service: str,
        res: Res | str,
        quantity: float,
        price_key: str,
        basis: str,
        *,
        region: str | None = None,
    ) -> None:
        where = region or (res.region if isinstance(res, Res) else self.primary)
        rid = res.id if isinstance(res, Res) else res
        if quantity <= 0:
            return
        unit_usd = self.prices.unit_price(price_key, where)
        self.items.append(
            LineItem(
                category,
                service,
                rid,
                where,
                quantity,
                self.prices.unit(price_key),
                price_key,
                unit_usd,
                basis,
            )
        )


Rule = Callable[[Pricing, Res], None]


def _rules() -> dict[str, Rule]:
    from . import rules_compute, rules_data, rules_ops

    return {**rules_compute.RULES, **rules_data.RULES, **rules_ops.RULES}


def detect_primary(env: Environment) -> tuple[str, str | None]:
    """The serving region holds the primary database (no ``SourceDBInstanceIdentifier``) while another
    region holds its replica; otherwise Tokyo. The DR region is the other of Tokyo and Osaka, if present.
    """
    dbs = list(env.resources("AWS::RDS::DBInstance"))
    replica_regions = {db.region for db in dbs if db.props.get("SourceDBInstanceIdentifier")}
    primaries = [db.region for db in dbs if not db.props.get("SourceDBInstanceIdentifier")]
    candidates = [region for region in primaries if replica_regions - {region}]
    primary = candidates[0] if candidates else DEFAULT_PRIMARY_REGION
    pair = {DEFAULT_PRIMARY_REGION, DEFAULT_DR_REGION}
    dr = next(iter(pair - {primary}), None) if primary in pair else DEFAULT_DR_REGION
    return primary, (dr if dr in env.regions else None)


def estimate_environment(
    env: Environment, prices: PriceBook, assumptions: Assumptions | None = None
) -> EnvironmentCost:
    """Price every resource of one environment."""
    primary, dr = detect_primary(env)
    pricing = Pricing(env, prices, assumptions or Assumptions(), primary, dr)
    rules = _rules()
    free: set[str] = set()
    for res in env.resources():
        rule = rules.get(res.type)
        if rule is not None:
            rule(pricing, res)
        elif res.type in FREE_TYPES or res.type.startswith("Custom::"):
            free.add(res.type)
        else:
            pricing.unpriced.append(f"{res.id} ({res.type}): no pricing rule")
    from . import rules_data, rules_ops

    rules_data.price_database_backups(pricing)
    rules_ops.price_app_metrics(pricing)
    return EnvironmentCost(
        env=env.name,
        stage=env.stage,
        primary_region=primary,
        dr_region=dr,
        items=pricing.items,
        assumptions=pricing.a,
        price_snapshot=prices.snapshot,
        free=sorted(free),
        unpriced=pricing.unpriced,
        notes=pricing.notes,
    )


def estimate_assembly(
    directory: str | Path,
    prices: PriceBook,
    *,
    env: str | list[str] | None = None,
    assumptions: dict[str, dict[str, object]] | None = None,
) -> dict[str, EnvironmentCost]:
    """The cost of the environments of a cloud assembly (``cdk.out``), keyed by environment name.

    ``assumptions`` is the scoped override object ``{"*"|ENV: {NAME: VALUE}}``.
    """
    wanted = {env.lower()} if isinstance(env, str) else {e.lower() for e in env or []}
    found = environments_from_assembly(directory)
    unknown = wanted - {e.name for e in found}
    if unknown:
        known = ", ".join(e.name for e in found) or "none"
        raise CostError(f"no environment {', '.join(sorted(unknown))} in {directory} (environments: {known})")
    return {
        e.name: estimate_environment(e, prices, Assumptions.for_environment(e.name, assumptions))
        for e in found
        if not wanted or e.name in wanted
    }
