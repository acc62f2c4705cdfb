"""Monthly cost of each environment, and of each DR strategy, from the synthesized app, offline.

``python -m tools.cost --assembly cdk.out --out .budget/`` prices every environment of the assembly with
the newest price snapshot in ``tools/cost/prices/`` and the usage assumptions of :mod:`.assumptions`,
synthesizes each environment with every DR strategy to compare cost against region-loss RTO/RPO, and
adds ``cost`` and ``strategies`` to ``budget.json``. From Python:
``estimate_assembly("cdk.out", load_prices(), env="prod")["prod"].by_category``.
"""

from .assumptions import DEFAULT_ASSUMPTIONS, Assumption, Assumptions
from .estimate import CostError, estimate_assembly, estimate_environment
from .model import CATEGORIES, EnvironmentCost, LineItem, StrategyResult
from .prices import PriceBook, PriceError, load_prices
from .templates import Environment, StackTemplate, environments_from_assembly

__all__ = [
    "CATEGORIES",
    "DEFAULT_ASSUMPTIONS",
    "Assumption",
    "Assumptions",
    "CostError",
    "Environment",
    "EnvironmentCost",
    "LineItem",
    "PriceBook",
    "PriceError",
    "StackTemplate",
    "StrategyResult",
    "environments_from_assembly",
    "estimate_assembly",
    "estimate_environment",
    "load_prices",
]
