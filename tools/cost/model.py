"""Results: priced line items, the monthly cost of an environment, and the cost of each DR strategy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .assumptions import Assumptions

CATEGORIES: tuple[str, ...] = (
    "compute",
    "load_balancing",
    "network",
    "database",
    "backup",
    "data_transfer",
    "dns",
    "monitoring",
    "logs",
    "security",
    "automation",
)


@dataclass(frozen=True)
class LineItem:
    """One priced quantity: ``3 x 730 instance-hour x $0.0544 = $118.85``."""

    category: str
    service: str  # what is billed, e.g. "EC2 t3.medium on demand"
    resource: str  # the template resource it comes from, "Prod/Tokyo-Compute/WebGroupASG5FD1935A"
    region: str
    quantity: float
    unit: str
    price_key: str
    unit_usd: float
    basis: str  # how the quantity was derived, e.g. "3 instances x 730 h"

    @property
    def monthly_usd(self) -> float:
        return self.quantity * self.unit_usd

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "service": self.service,
            "resource": self.resource,
            "region": self.region,
            "quantity": round(self.quantity, 6),
            "unit": self.unit,
            "price_key": self.price_key,
            "unit_usd": self.unit_usd,
            "monthly_usd": round(self.monthly_usd, 4),
            "basis": self.basis,
        }


@dataclass
class EnvironmentCost:
    """The monthly cost of one environment, from its synthesized templates."""

    env: str
    stage: str
    primary_region: str
    dr_region: str | None
    items: list[LineItem]
    assumptions: Assumptions
    price_snapshot: str
    free: list[str] = field(default_factory=list)  # resource types with no charge of their own
    unpriced: list[str] = field(default_factory=list)  # resources the estimate could not price, with why
    notes: list[str] = field(default_factory=list)

    @property
    def monthly_usd(self) -> float:
        return sum(item.monthly_usd for item in self.items)

    @property
    def by_category(self) -> dict[str, float]:
        totals = dict.fromkeys(CATEGORIES, 0.0)
        for item in self.items:
            totals[item.category] = totals.get(item.category, 0.0) + item.monthly_usd
        return totals

    @property
    def by_region(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for item in self.items:
            totals[item.region] = totals.get(item.region, 0.0) + item.monthly_usd
        return dict(sorted(totals.items()))

    def as_dict(self, *, with_items: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = {
            "monthly_usd": round(self.monthly_usd, 2),
            "by_category": {key: round(value, 2) for key, value in self.by_category.items()},
            "by_region": {key: round(value, 2) for key, value in self.by_region.items()},
            "primary_region": self.primary_region,
            "dr_region": self.dr_region,
            "price_snapshot": self.price_snapshot,
            "assumptions": {
                name: a.value for name, a in self.assumptions.items() if a.overridden
            },  # only what differs from the defaults; the defaults are in tools/cost/assumptions.py
            "unpriced": list(self.unpriced),
            "notes": list(self.notes),
        }
        if with_items:
            result["items"] = [item.as_dict() for item in self.items]
        return result


@dataclass(frozen=True)
class StrategyResult:
    """One DR strategy of one environment: what it costs and what a region loss costs in time and data."""

    strategy: str
    monthly_usd: float | None  # None: the strategy cannot be configured for this environment (reason)
    region_rto_seconds: float | None  # detection + recovery of the region-loss scenario
    region_rpo_seconds: float | None  # its worst-case data loss
    configured: bool  # the strategy the environment is configured with (cost read from cdk.out)
    by_category: dict[str, float] = field(default_factory=dict)
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "monthly_usd": None if self.monthly_usd is None else round(self.monthly_usd, 2),
            "region_rto_seconds": self.region_rto_seconds,
            "region_rpo_seconds": self.region_rpo_seconds,
            "configured": self.configured,
            "by_category": {key: round(value, 2) for key, value in self.by_category.items()},
            "reason": self.reason,
        }
