"""Template snapshots: a file for the template and one per side file, compared with a diff and pruned."""

from __future__ import annotations

import json

from constructs_lib.testing import resource_type_counts
from tests.constructs_lib.testing.templates import template_with_long_strings


def test_resource_type_counts_sums_up_a_template():
    template = {
        "Resources": {"A": {"Type": "AWS::SNS::Topic"}, "B": {"Type": "AWS::SNS::Topic"}, "C": {"Type": "X"}}
    }
    assert resource_type_counts(template) == {"AWS::SNS::Topic": 2, "X": 1}


_SNAPSHOT_TEST = """
import json
from pathlib import Path

from constructs_lib.testing import assert_template_matches_snapshot


def test_stack(snapshot):
    assert_template_matches_snapshot(json.loads(Path("template.json").read_text()), snapshot)
"""


def test_template_snapshot_files_are_written_compared_with_a_diff_and_pruned(pytester, monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # the inner run is no xdist worker
    pytester.makeini("[pytest]\nnorecursedirs = __snapshots__\n")  # side files include test_*.py names
    pytester.makepyfile(test_stack=_SNAPSHOT_TEST)
    template_file = pytester.path / "template.json"
    template = template_with_long_strings()
    template_file.write_text(json.dumps(template))
    snapshots = pytester.path / "__snapshots__" / "test_stack"

    written = pytester.runpytest("--snapshot-update")
    written.assert_outcomes(passed=1)
    written.stdout.no_fnmatch_line("*Can not relate*")  # syrupy relates each file to its test
    assert sorted(p.name for p in snapshots.iterdir()) == [
        "test_stack.json",
        "test_stack[Dashboard.dashboard].json",
        "test_stack[Recovery.Check].py",
        "test_stack[Recovery.Restart].sh",
        "test_stack[Recovery.document].yaml",
        "test_stack[WebLaunchTemplate.user-data].sh",
    ]
    assert (snapshots / "test_stack[Recovery.Check].py").read_text() == "def check(e, c):\n    return {}\n"
    pytester.runpytest().assert_outcomes(passed=1)

    script = template["Resources"]["Recovery0A1B2C3D"]["Properties"]["Content"]["mainSteps"][0]["inputs"]
    script["Script"] = "def check(e, c):\n    return {'ok': True}\n"
    template_file.write_text(json.dumps(template))
    failed = pytester.runpytest()
    failed.assert_outcomes(failed=1)
    failed.stdout.fnmatch_lines(
        [
            "*1 of 6 snapshot files differ*",
            "*--- Recovery.Check.py (snapshot)",
            "*+++ synthesized",
            "*-    return {}",
            "*+    return {'ok': True}",
        ]
    )
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=1)
    assert "'ok': True" in (snapshots / "test_stack[Recovery.Check].py").read_text()

    del template["Resources"]["Recovery0A1B2C3D"]
    template_file.write_text(json.dumps(template))
    assert pytester.runpytest().ret != 0  # the document and its scripts are unused snapshot files now
    pytester.runpytest("--snapshot-update").assert_outcomes(passed=1)
    assert not any("Recovery" in p.name for p in snapshots.iterdir())
