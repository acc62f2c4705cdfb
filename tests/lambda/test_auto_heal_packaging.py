"""The Lambda asset as the runtime sees it: the handler folder the construct deploys
(``lambda_src/auto_heal`` in this checkout, ``constructs_lib/_handlers/auto_heal`` in the wheel) is the
code root, the handler is ``handler.handler``, and importing it stays light (boto3 comes on first use)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from auto_heal_world import handler_env

from constructs_lib.healing.runtime import handler_code_folder
from tests.conftest import ROOT

ASSET = handler_code_folder()
SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import handler, detector
entry = detector if sys.argv[3] == "detector" else handler

class Context:
    function_name = "f"; function_version = "1"; memory_limit_in_mb = 256; aws_request_id = "r"
    invoked_function_arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:f"
    def get_remaining_time_in_millis(self): return 60000

print(json.dumps(entry.handler(json.loads(sys.argv[2]), Context())))
"""


def run_as_lambda(tmp_path: Path, event: object, env: dict[str, str], entry: str = "handler") -> dict:
    task = tmp_path / "task"  # like /var/task: the asset's files at the top level
    shutil.copytree(ASSET, task, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("APP_", "ENVIRONMENT_", "TOPIC_"))}
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-W", "error::ImportWarning",
         "-c", SCRIPT, str(task), json.dumps(event), entry],
        env={**clean, "POWERTOOLS_LOG_LEVEL": "ERROR", **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_asset_loads_as_top_level_handler_module_and_fails_closed_without_configuration(tmp_path):
    assert run_as_lambda(tmp_path, {"detail-type": "x"}, {})["status"] == "config-invalid"


def test_asset_loads_as_top_level_handler_module_and_drops_malformed_events(tmp_path):
    result = run_as_lambda(tmp_path, {"Records": "x"}, handler_env())
    assert result["status"] == "done"
    assert result["results"][0]["status"] == "ignored"


def test_detector_entry_point_loads_from_the_same_asset_and_fails_closed_without_configuration(tmp_path):
    assert run_as_lambda(tmp_path, {}, {}, entry="detector")["status"] == "config-invalid"


def test_the_construct_deploys_this_checkouts_lambda_src_folder():
    assert ROOT / "lambda_src" / "auto_heal" == ASSET


@pytest.mark.parametrize("package", ["lambda_src.auto_heal", "constructs_lib._handlers.auto_heal"])
def test_importing_the_handler_does_not_import_boto3(package):
    # Powertools imports the small botocore package itself (for its user agent), never the clients.
    heavy = ("boto3", "botocore.session", "botocore.client", "aws_lambda_powertools.utilities.idempotency")
    code = f"import sys, {package}.handler; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_asset_holds_only_the_handler_package_sources():
    files = sorted(
        p.relative_to(ASSET).as_posix()
        for p in ASSET.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert files == [
        "__init__.py", "_bootstrap.py", "aws.py", "aws_scans.py", "aws_storage.py", "config.py",
        "contract.py", "decisions.py", "detector.py", "errors.py", "events.py", "findings.py",
        "group_plans.py", "handler.py", "healer.py", "ledger.py", "messages.py", "model.py", "origin.py",
        "reporting.py", "triage.py",
    ]  # fmt: skip
    assert sum((ASSET / f).stat().st_size for f in files) < 250_000
