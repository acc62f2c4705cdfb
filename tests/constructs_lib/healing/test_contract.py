"""The contract between the construct and the handler: one module (``auto_heal/contract.py``) both import.

The construct sets exactly the contract's variables and the handler's own loader accepts them; neither
side spells a contract name itself, and every metric the handler emits is one the contract names.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from constructs_lib._handlers import handler_folder
from constructs_lib._handlers.auto_heal import config, contract
from constructs_lib.healing import runtime
from tests.conftest import ROOT
from tests.constructs_lib.healing.support import concrete, function_environment, function_with_handler

HANDLER = handler_folder("auto_heal")
CONSTRUCT = ROOT / "constructs_lib" / "healing"
NAMES = {
    *contract.DETECTOR_ENVIRONMENT,
    contract.LEDGER_PARTITION_KEY,
    contract.LEDGER_SORT_KEY,
    contract.LEDGER_TTL_ATTRIBUTE,
    contract.LEDGER_IN_PROGRESS_EXPIRY_ATTRIBUTE,
    *contract.METRICS,
}
"""The contract's names that appear nowhere else by chance: variables, ledger keys, metric names.
(Dimension names such as ``Status`` or ``service`` are also fields of AWS responses and events.)"""


def string_constants(path: Path) -> list[tuple[int, str]]:
    """String literals of a module, except the names it exports (``__all__``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exported = {
        id(element)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets)
        for element in ast.walk(node.value)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exported
    ]


def test_the_construct_imports_the_handlers_own_contract_module():
    assert runtime.contract is contract
    assert Path(contract.__file__).parent == HANDLER


def test_environment_is_exactly_the_handler_contract(full, minimal):
    assert set(function_environment(full)) == set(contract.FUNCTION_ENVIRONMENT)
    assert set(function_environment(minimal)) == set(contract.FUNCTION_ENVIRONMENT)
    detector = function_with_handler(full, "detector.handler")["Properties"]["Environment"]["Variables"]
    assert set(detector) == set(contract.DETECTOR_ENVIRONMENT)


@pytest.mark.parametrize("stack", ["Full", "Minimal"])
def test_handler_config_accepts_the_synthesized_environment(synthesized, stack):
    """Contract test: the handler's own loader parses what the construct sets, value for value."""
    env = {
        k: concrete(v)
        for k, v in function_environment(Template.from_json(synthesized["templates"][stack])).items()
    }
    loaded = config.load_config(env)
    assert loaded.environment_name == env[contract.ENVIRONMENT_NAME]
    assert set(loaded.topic_arns) == set(json.loads(env[contract.TOPIC_ARNS]))
    assert loaded.dry_run is (env[contract.DRY_RUN] == "true")
    assert loaded.incident_window_seconds == int(env[contract.INCIDENT_WINDOW_SECONDS])
    assert loaded.recovery_runbook_name == (env[contract.RECOVERY_RUNBOOK_NAME] or None)
    assert loaded.own_alarm_prefix == f"{env['APP_NAME']}-{env['ENVIRONMENT_NAME']}-autoheal-"
    assert loaded.metrics_namespace == env[contract.POWERTOOLS_METRICS_NAMESPACE]


def test_neither_side_spells_a_contract_name_itself():
    sources = [
        *sorted(CONSTRUCT.glob("*.py")),
        *sorted(p for p in HANDLER.glob("*.py") if p.name != "contract.py"),
    ]
    assert len(sources) > 10
    spelled = [
        f"{path.relative_to(ROOT)}:{line} {value!r}"
        for path in sources
        for line, value in string_constants(path)
        if value in NAMES
    ]
    assert spelled == [], "use the name from auto_heal/contract.py"


def test_every_metric_the_handler_emits_is_named_by_the_contract():
    emitted: list[str] = []
    for path in sorted(HANDLER.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            if node.func.attr == "count" and node.args:
                name = node.args[0]
            elif node.func.attr in ("add_metric", "single_metric"):
                name = next((k.value for k in node.keywords if k.arg == "name"), None)
            else:
                continue
            emitted.append(ast.unparse(name) if name is not None else "<no name>")
    assert len(emitted) > 15
    assert {e for e in emitted if e != "name"} <= {
        f"contract.{n}" for n, v in vars(contract).items() if v in contract.METRICS
    }
