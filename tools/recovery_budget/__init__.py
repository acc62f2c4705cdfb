"""Recovery budget: how fast each failure is detected and recovered, read from the synthesized app.

``python -m tools.recovery_budget --assembly cdk.out --out .budget/ [--env prod]`` prints the table,
writes ``budget.json`` and one PNG per environment, and exits 1 when a scenario misses its target.
From Python: ``compute_budget("cdk.out", env="prod").scenario("process_hung").total_seconds``.
"""

from tools.cloud_assembly import AssemblyError, CloudAssembly

from .assembly import load_assembly
from .budget import compute_budget, detect_regions
from .latencies import Latencies
from .model import Budget, DataLoss, EnvironmentBudget, Milestone, Path, ScenarioResult, Step, fmt_duration
from .targets import DEFAULT_TARGETS, SCENARIO_KEYS, Target

__all__ = [
    "DEFAULT_TARGETS",
    "SCENARIO_KEYS",
    "AssemblyError",
    "Budget",
    "CloudAssembly",
    "DataLoss",
    "EnvironmentBudget",
    "Latencies",
    "Milestone",
    "Path",
    "ScenarioResult",
    "Step",
    "Target",
    "compute_budget",
    "detect_regions",
    "fmt_duration",
    "load_assembly",
]
