"""`pip install` gives another app the constructs and the Lambda code they deploy, inside the library's
own namespace: the wheel is built offline from a clean copy of the sources, installed into a target
folder, and used by a consumer app that has a package named ``lambda_src`` of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns

from constructs_lib import Naming, PauseSwitch
from constructs_lib.healing import AutoHealing
from tests.conftest import ROOT

BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "constructs_lib", "lambda_src")
HANDLER = ROOT / "lambda_src" / "auto_heal"
SITE_PACKAGES = [p for p in sys.path if p.endswith("site-packages")]

CONSUMER_APP = """
import json, sys
import aws_cdk as cdk
from aws_cdk import aws_sns as sns
import constructs_lib, lambda_src
from constructs_lib import Naming, PauseSwitch
from constructs_lib.healing import AutoHealing
from constructs_lib.healing.runtime import handler_code_folder

app = cdk.App(outdir=sys.argv[1])
stack = cdk.Stack(app, "Consumer", env=cdk.Environment(account="123456789012", region="us-west-2"))
AutoHealing(stack, "Healing", naming=Naming(app="shop", environment="qa"),
            notification_topics={"high": sns.Topic(stack, "High")},
            pause_switch=PauseSwitch.from_parameter_name(stack, "Pause", "/shop/qa/pause"))
template = app.synth().get_stack_by_name("Consumer").template
keys = sorted({r["Properties"]["Code"]["S3Key"] for r in template["Resources"].values()
               if r["Type"] == "AWS::Lambda::Function" and "S3Key" in r["Properties"].get("Code", {})})
print(json.dumps({"constructs_lib": constructs_lib.__file__, "lambda_src": lambda_src.__file__,
                  "handler_folder": str(handler_code_folder()), "asset_keys": keys}))
"""


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    """What the build reads, copied: a stale ``build/`` of the checkout cannot leak into the wheel."""
    src = tmp_path_factory.mktemp("src")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    return src


@pytest.fixture(scope="module")
def wheel(sources, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir"]
    result = run([*pip, "-q", "-w", str(out), str(sources)])
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("self_healing_web-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-cache-dir", "-q"]
    result = run([*pip, "--target", str(target), str(wheel)])
    assert result.returncode == 0, result.stderr
    return target


def consumer(tmp_path: Path, installed: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a consumer project (with its own ``lambda_src`` package) on the installed wheel.

    ``-S`` leaves out site-packages' path hooks (the checkout's editable install among them): the
    library can only come from the wheel's target folder; the pinned dependencies come after it.
    """
    app = tmp_path / "consumer"
    (app / "lambda_src" / "auto_heal").mkdir(parents=True)
    (app / "lambda_src" / "__init__.py").write_text('"""The consumer\'s own handlers."""\n')
    (app / "lambda_src" / "auto_heal" / "__init__.py").write_text("CONSUMER = True\n")
    (app / "main.py").write_text(script)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed), *SITE_PACKAGES])}
    return run([sys.executable, "-S", str(app / "main.py"), str(tmp_path / "cdk.out")], cwd=app, env=env)


def repository_asset_keys(tmp_path: Path) -> list[str]:
    app = cdk.App(outdir=str(tmp_path / "repo.out"))
    stack = cdk.Stack(app, "Consumer", env=cdk.Environment(account="123456789012", region="us-west-2"))
    AutoHealing(
        stack,
        "Healing",
        naming=Naming(app="shop", environment="qa"),
        notification_topics={"high": sns.Topic(stack, "High")},
        pause_switch=PauseSwitch.from_parameter_name(stack, "Pause", "/shop/qa/pause"),
    )
    template = app.synth().get_stack_by_name("Consumer").template
    return sorted(
        {
            r["Properties"]["Code"]["S3Key"]
            for r in template["Resources"].values()
            if r["Type"] == "AWS::Lambda::Function" and "S3Key" in r["Properties"].get("Code", {})
        }
    )


def test_wheel_ships_the_constructs_py_typed_and_the_handlers_inside_the_library_namespace(wheel):
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    assert {"constructs_lib/__init__.py", "constructs_lib/py.typed", "constructs_lib/nag.py"} <= names
    assert {
        "constructs_lib/healing/construct.py",
        "constructs_lib/web/service.py",
        "constructs_lib/data/database.py",
        "constructs_lib/dr/dns.py",
        "constructs_lib/monitoring/composites.py",
        "constructs_lib/alerting/pause_switch.py",
        "constructs_lib/runbooks/region_switch.py",
        "constructs_lib/_core/naming.py",
    } <= names
    # the testing kit is a package of one module per concept (found by find_packages)
    assert {
        f"constructs_lib/testing/{module}.py"
        for module in ("__init__", "masking", "side_files", "snapshots", "nag_report", "cfn_lint")
    } <= names
    assert not any(n.startswith(("lambda_src/", "tests/", "stacks/", "examples/", "tools/")) for n in names)
    top_level = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
    assert archive.read(top_level).decode().split() == ["constructs_lib"]
    # the handler folder, file for file and byte for byte: the same asset hash in both layouts
    handler_files = sorted(p.name for p in HANDLER.glob("*") if p.is_file() and p.suffix != ".pyc")
    packaged = sorted(
        n.rsplit("/", 1)[1] for n in names if n.startswith("constructs_lib/_handlers/auto_heal/")
    )
    assert packaged == handler_files
    for name in handler_files:
        assert archive.read(f"constructs_lib/_handlers/auto_heal/{name}") == (HANDLER / name).read_bytes()


def test_wheel_metadata_declares_ranges_and_the_nag_and_testing_extras(wheel):
    archive = zipfile.ZipFile(wheel)
    metadata = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA"))).decode()
    lines = metadata.splitlines()
    requires = [line for line in lines if line.startswith("Requires-Dist")]
    assert "Requires-Dist: aws-cdk-lib<3,>=2.275.0" in requires
    assert "Requires-Dist: constructs<11,>=10" in requires
    assert 'Requires-Dist: cdk-nag<4,>=3; extra == "nag"' in requires
    assert "Provides-Extra: nag" in lines
    assert "Provides-Extra: testing" in lines
    assert 'Requires-Dist: syrupy>=4; extra == "testing"' in requires
    assert "License-Expression: Apache-2.0" in lines
    assert not any("boto3" in r for r in requires)


def test_a_consumer_with_its_own_lambda_src_synthesizes_with_the_wheels_handler(installed, tmp_path):
    result = consumer(tmp_path, installed, CONSUMER_APP)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(seen["constructs_lib"]).is_relative_to(installed)
    assert Path(seen["lambda_src"]).is_relative_to(tmp_path / "consumer")  # theirs, untouched
    assert seen["handler_folder"] == str(installed / "constructs_lib" / "_handlers" / "auto_heal")
    # the same files give the same asset (content hash) as a synth from this checkout
    assert seen["asset_keys"] == repository_asset_keys(tmp_path)
    assert len(seen["asset_keys"]) == 1


def test_an_installation_without_its_handler_folder_fails_naming_the_fix(installed, tmp_path):
    broken = shutil.copytree(installed, tmp_path / "broken")
    shutil.rmtree(broken / "constructs_lib" / "_handlers" / "auto_heal")
    result = consumer(tmp_path, broken, "import constructs_lib.healing\n")
    assert result.returncode != 0
    assert "the handler code folder 'auto_heal' is missing" in result.stderr
    assert 'pip install --force-reinstall "self-healing-web"' in result.stderr


def test_the_nag_extra_installs_from_a_direct_reference(sources, tmp_path):
    """``self-healing-web[nag] @ <url>`` resolves, extra included, against the pinned environment."""
    requirement = f"self-healing-web[nag] @ {sources.as_uri()}"
    report = tmp_path / "report.json"
    pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-build-isolation", "--no-index"]
    result = run([*pip, "--no-cache-dir", "--quiet", "--report", str(report), requirement], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(report.read_text())["install"]
    assert item["metadata"]["name"] == "self-healing-web"
    assert item["requested_extras"] == ["nag"]
    assert 'cdk-nag<4,>=3; extra == "nag"' in item["metadata"]["requires_dist"]
