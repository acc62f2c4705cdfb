"""`pip install .` gives another app the constructs and the Lambda code they deploy."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.conftest import ROOT


def test_wheel_contains_the_constructs_and_the_lambda_sources(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("self_healing_web-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "constructs_lib/__init__.py" in names
    # The subpackages ship too (setuptools finds them through "constructs_lib*").
    assert {
        "constructs_lib/web/service.py",
        "constructs_lib/data/database.py",
        "constructs_lib/dr/dns.py",
    } <= names
    assert any(n.startswith("lambda_src/") for n in names)
    assert not any(n.startswith(("tests/", "stacks/", "examples/")) for n in names)
    metadata = next(n for n in names if n.endswith("METADATA"))
    requires = [
        line
        for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist")
    ]
    assert "Requires-Dist: aws-cdk-lib<3,>=2.275.0" in requires
    assert "Requires-Dist: constructs<11,>=10" in requires
    assert not any("boto3" in r for r in requires)
