"""Pricing rules for compute and network: Auto Scaling groups (with schedules and warm pools),
instances and volumes, load balancers, NAT gateways, public IPv4 addresses, VPC endpoints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .schedule import Action, Capacity, ScheduleError, Segment, weekly_profile

if TYPE_CHECKING:
    from .estimate import Pricing, Rule
    from .templates import Res

# Amazon EBS pricing (https://aws.amazon.com/ebs/pricing/): gp3 includes 3,000 IOPS and 125 MiB/s.
GP3_FREE_IOPS = 3000
GP3_FREE_THROUGHPUT_MIBPS = 125
# Amazon CloudWatch pricing, "Detailed monitoring for EC2 instances": 7 pre-defined metrics per
# instance at one-minute frequency, billed as custom metrics (prorated by the hour).
DETAILED_MONITORING_METRICS = 7
# RunInstances / EbsBlockDevice: "VolumeType ... Default: gp2" when a block device mapping sets none.
DEFAULT_MAPPED_VOLUME_TYPE = "gp2"
# AWS::ElasticLoadBalancingV2::LoadBalancer "Scheme": default internet-facing; "Type": default application.
DEFAULT_LB_SCHEME = "internet-facing"
# AWS::EC2::VPCEndpoint "VpcEndpointType": default Gateway (free: https://aws.amazon.com/privatelink/pricing/).
DEFAULT_ENDPOINT_TYPE = "Gateway"
# Burstable performance instances: T3/T3a/T4g launch in unlimited mode unless CpuCredits is "standard"
# (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-performance-instances-unlimited-mode.html).
_UNLIMITED_BY_DEFAULT = re.compile(r"^t(3|3a|4g)\.")


def _int(p: Pricing, res: Res, key: str, default: int | None = None) -> int:
    raw = res.props.get(key, default)
    value = p.env.literal(res, raw)
    try:
        return int(value)
    except (TypeError, ValueError):
        from .estimate import CostError

        raise CostError(f"{res.id}.{key} is {raw!r}: the cost needs a literal number") from None


@dataclass(frozen=True)
class Volume:
    type: str
    gb: float
    iops: float
    throughput: float


def _volumes(p: Pricing, data: dict[str, Any]) -> list[Volume]:
    mappings = [m for m in data.get("BlockDeviceMappings") or [] if isinstance(m, dict) and "Ebs" in m]
    if not mappings:
        return [Volume("gp3", p.a.v("ami_root_volume_gb"), 0, 0)]
    volumes = []
    for mapping in mappings:
        ebs = mapping["Ebs"] or {}
        volumes.append(
            Volume(
                str(ebs.get("VolumeType", DEFAULT_MAPPED_VOLUME_TYPE)),
                float(ebs.get("VolumeSize", p.a.v("ami_root_volume_gb"))),
                float(ebs.get("Iops", 0) or 0),
                float(ebs.get("Throughput", 0) or 0),
            )
        )
    return volumes


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


_HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?\n(.*?)\n\1\s*$", re.DOTALL | re.MULTILINE)


def agent_metrics(user_data: Any) -> tuple[int, int]:
    """CloudWatch agent metrics per instance and aggregated per group, from the agent's JSON config
    written by the user data (``metrics_collected``: one metric per measurement and resource;
    ``aggregation_dimensions``: one more copy per dimension set).
    """
    text = "".join(_strings(user_data))
    for match in _HEREDOC.finditer(text):
        try:
            config = json.loads(match.group(2))
        except json.JSONDecodeError:
            continue
        metrics = config.get("metrics") if isinstance(config, dict) else None
        if not isinstance(metrics, dict) or "metrics_collected" not in metrics:
            continue
        per_instance = 0
        for plugin in (metrics.get("metrics_collected") or {}).values():
            measurements = len(plugin.get("measurement") or []) if isinstance(plugin, dict) else 0
            resources = plugin.get("resources") if isinstance(plugin, dict) else None
            per_instance += measurements * (len(resources) if resources and resources != ["*"] else 1)
        return per_instance, per_instance * len(metrics.get("aggregation_dimensions") or [])
    return 0, 0


def _launch_template(p: Pricing, group: Res) -> Res | None:
    spec = group.props.get("LaunchTemplate") or {}
    target = p.env.target(group, spec.get("LaunchTemplateId") or spec.get("LaunchTemplateName"))
    return target if target is not None and target.type == "AWS::EC2::LaunchTemplate" else None


def _profile(p: Pricing, group: Res, base: Capacity) -> tuple[list[Segment], str]:
    actions = [
        Action(
            str(sa.props.get("Recurrence", "")),
            *(
                None if sa.props.get(key) is None else _int(p, sa, key)
                for key in ("MinSize", "MaxSize", "DesiredCapacity")
            ),
        )
        for sa in p.env.referrers(group, "AWS::AutoScaling::ScheduledAction")
        if sa.props.get("Recurrence")
    ]
    if not actions:
        return [Segment(1.0, base)], ""
    try:
        profile = weekly_profile(base, actions)
    except ScheduleError as error:
        p.notes.append(f"{group.id}: schedule ignored ({error}); priced at its template capacity all month")
        return [Segment(1.0, base)], ""
    running = sum(s.share for s in profile if s.capacity.desired > 0)
    return profile, f", scheduled: running {running:.0%} of the week"


def _price_instances(
    p: Pricing,
    res: Res,
    data: dict[str, Any],
    running: float,
    any_running: float,
    pool: float,
    pool_state: str,
    note: str,
) -> None:
    itype = p.env.literal(res, data.get("InstanceType"))
    if not isinstance(itype, str):
        p.unpriced.append(f"{res.id}: instance type {data.get('InstanceType')!r} is not a literal")
        return
    hours = p.hours
    p.add(
        "compute",
        f"EC2 {itype} on demand",
        res,
        running * hours,
        f"ec2.instance_hour:{itype}",
        f"{running:g} instances (average) x {hours:g} h{note}",
    )
    if pool and pool_state == "Running":
        p.add(
            "compute",
            f"EC2 {itype} on demand (warm pool, running)",
            res,
            pool * hours,
            f"ec2.instance_hour:{itype}",
            f"{pool:g} warm-pool instances x {hours:g} h",
        )
    for vol in _volumes(p, data):
        key = f"ebs.{vol.type}_gb_month"
        p.add(
            "compute",
            f"EBS {vol.type} volumes (running instances)",
            res,
            running * vol.gb,
            key,
            f"{running:g} instances x {vol.gb:g} GB",
        )
        if pool:
            # Warm pools: instances in a Stopped (or Hibernated) pool pay for their EBS volumes only
            # (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-warm-pools.html).
            p.add(
                "compute",
                f"EBS {vol.type} volumes (warm pool, {pool_state.lower()})",
                res,
                pool * vol.gb,
                key,
                f"{pool:g} warm-pool instances x {vol.gb:g} GB, volumes only",
            )
        if vol.type == "gp3":
            extra_iops = max(vol.iops - GP3_FREE_IOPS, 0) * (running + pool)
            p.add(
                "compute",
                "EBS gp3 provisioned IOPS",
                res,
                extra_iops,
                "ebs.gp3_iops_month",
                f"{vol.iops:g} - {GP3_FREE_IOPS} free IOPS per volume",
            )
            extra_tp = max(vol.throughput - GP3_FREE_THROUGHPUT_MIBPS, 0) * (running + pool)
            p.add(
                "compute",
                "EBS gp3 provisioned throughput",
                res,
                extra_tp,
                "ebs.gp3_throughput_mibps_month",
                f"{vol.throughput:g} - {GP3_FREE_THROUGHPUT_MIBPS} free MiB/s per volume",
            )
    # Launch template data: {"Monitoring": {"Enabled": true}}; an AWS::EC2::Instance: "Monitoring": true.
    monitoring = data.get("Monitoring")
    if monitoring is True or (isinstance(monitoring, dict) and monitoring.get("Enabled") is True):
        p.add(
            "monitoring",
            "EC2 detailed monitoring",
            res,
            running * DETAILED_MONITORING_METRICS,
            "cloudwatch.metric_month",
            f"{running:g} instances x {DETAILED_MONITORING_METRICS} metrics",
        )
    per_instance, aggregated = agent_metrics(data.get("UserData"))
    p.add(
        "monitoring",
        "CloudWatch agent metrics",
        res,
        running * per_instance + any_running * aggregated,
        "cloudwatch.metric_month",
        f"{running:g} instances x {per_instance} + {aggregated} group-aggregated metrics",
    )
    credits = (data.get("CreditSpecification") or {}).get("CpuCredits")
    if _UNLIMITED_BY_DEFAULT.match(itype) and credits != "standard":
        surplus = p.a.v("burstable_surplus_vcpu_hours")
        p.add(
            "compute",
            f"{itype} surplus CPU credits",
            res,
            running * surplus,
            "ec2.cpu_credit_vcpu_hour",
            f"{running:g} instances x {surplus:g} vCPU-h (assumption burstable_surplus_vcpu_hours)",
        )


def price_group(p: Pricing, group: Res) -> None:
    lt = _launch_template(p, group)
    if lt is None:
        p.unpriced.append(f"{group.id}: no launch template in its stack (mixed instances are not priced)")
        return
    data = lt.props.get("LaunchTemplateData") or {}
    low, high = _int(p, group, "MinSize"), _int(p, group, "MaxSize")
    desired = _int(p, group, "DesiredCapacity") if group.props.get("DesiredCapacity") is not None else low
    profile, note = _profile(p, group, Capacity(low, high, desired))
    running = sum(s.share * s.capacity.desired for s in profile)
    any_running = sum(s.share for s in profile if s.capacity.desired > 0)
    pool, pool_state = 0.0, ""
    for warm in p.env.referrers(group, "AWS::AutoScaling::WarmPool"):
        # Warm pool size: MaxGroupPreparedCapacity (default: the group's maximum) minus the desired
        # capacity, at least MinSize (AWS::AutoScaling::WarmPool; warm pools user guide).
        pool_min = _int(p, warm, "MinSize", 0)
        prepared = warm.props.get("MaxGroupPreparedCapacity")
        prepared_n = None if prepared in (None, -1, "-1") else _int(p, warm, "MaxGroupPreparedCapacity")
        pool = sum(
            s.share
            * max(pool_min, (prepared_n if prepared_n is not None else s.capacity.max) - s.capacity.desired)
            for s in profile
        )
        pool_state = str(warm.props.get("PoolState", "Stopped"))
        if pool > pool_min:
            p.notes.append(
                f"{group.id}: warm pool keeps {pool:g} instances on average (MinSize {pool_min}, but AWS "
                "fills it up to the group's maximum minus desired when MaxGroupPreparedCapacity is unset)"
            )
    _price_instances(p, group, data, running, any_running, pool, pool_state, note)


def price_instance(p: Pricing, res: Res) -> None:
    _price_instances(p, res, dict(res.props), 1.0, 1.0, 0.0, "", "")


def price_load_balancer(p: Pricing, lb: Res) -> None:
    kind = lb.props.get("Type", "application")
    if kind != "application":
        p.unpriced.append(f"{lb.id}: {kind} load balancers are not priced")
        return
    hours = p.hours
    # Elastic Load Balancing pricing: ALB hours plus LCU-hours (the busiest of new connections, active
    # connections, processed bytes and rule evaluations); the LCU average is a usage assumption.
    p.add("load_balancing", "ALB hours", lb, hours, "elb.alb_hour", f"{hours:g} h")
    lcu = p.by_role(lb.region, "alb_lcu_active", "alb_lcu_standby")
    p.add(
        "load_balancing",
        "ALB capacity units",
        lb,
        lcu * hours,
        "elb.alb_lcu_hour",
        f"{lcu:g} LCU (assumption alb_lcu_{p.role(lb.region)}) x {hours:g} h",
    )
    if lb.props.get("Scheme", DEFAULT_LB_SCHEME) == "internet-facing":
        # Amazon VPC pricing, "Public IPv4 address": every public IPv4 address is billed by the hour,
        # those of internet-facing load balancer nodes included (at least one per enabled zone).
        zones = len(lb.props.get("Subnets") or lb.props.get("SubnetMappings") or [])
        addresses = zones * p.a.v("alb_public_ipv4_per_zone")
        p.add(
            "network",
            "public IPv4 addresses (ALB nodes)",
            lb,
            addresses * hours,
            "vpc.public_ipv4_hour",
            f"{zones} zones x {p.a.v('alb_public_ipv4_per_zone'):g} address x {hours:g} h",
        )
        if p.role(lb.region) == "active":
            egress = p.a.v("internet_egress_gb_active")
            p.add(
                "data_transfer",
                "data out to the internet",
                lb,
                egress,
                "transfer.internet_out_gb",
                f"{egress:g} GB (assumption internet_egress_gb_active)",
            )


def price_nat_gateway(p: Pricing, nat: Res) -> None:
    hours = p.hours
    p.add("network", "NAT gateway hours", nat, hours, "vpc.nat_gateway_hour", f"{hours:g} h")
    data = p.by_role(nat.region, "nat_data_gb_active", "nat_data_gb_standby")
    p.add(
        "network",
        "NAT gateway data processed",
        nat,
        data,
        "vpc.nat_gateway_gb",
        f"{data:g} GB (assumption nat_data_gb_{p.role(nat.region)})",
    )


def price_eip(p: Pricing, eip: Res) -> None:
    hours = p.hours
    p.add(
        "network", "public IPv4 address (Elastic IP)", eip, hours, "vpc.public_ipv4_hour", f"1 x {hours:g} h"
    )


def price_endpoint(p: Pricing, endpoint: Res) -> None:
    kind = endpoint.props.get("VpcEndpointType", DEFAULT_ENDPOINT_TYPE)
    if kind == "Gateway":
        return
    if kind != "Interface":
        p.unpriced.append(f"{endpoint.id}: {kind} endpoints are not priced")
        return
    service = str(p.env.literal(endpoint, endpoint.props.get("ServiceName")) or "?").rsplit(".", 1)[-1]
    zones = len(endpoint.props.get("SubnetIds") or [])
    hours = p.hours
    p.add(
        "network",
        f"interface endpoint {service}",
        endpoint,
        zones * hours,
        "vpc.interface_endpoint_az_hour",
        f"{zones} zones x {hours:g} h",
    )
    data = p.a.v("interface_endpoint_data_gb")
    p.add(
        "network",
        f"interface endpoint {service} data",
        endpoint,
        data,
        "vpc.interface_endpoint_gb",
        f"{data:g} GB (assumption interface_endpoint_data_gb)",
    )


RULES: dict[str, Rule] = {
    "AWS::AutoScaling::AutoScalingGroup": price_group,
    "AWS::EC2::Instance": price_instance,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": price_load_balancer,
    "AWS::EC2::NatGateway": price_nat_gateway,
    "AWS::EC2::EIP": price_eip,
    "AWS::EC2::VPCEndpoint": price_endpoint,
}
