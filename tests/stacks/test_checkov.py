"""checkov over every synthesized template: zero failed checks beyond the reviewed baseline.

checkov lives in its own virtualenv (``.venv-checkov``, pinned in requirements-checkov.txt: its pins
clash with the app's); ``make test`` installs it. The baseline (checkov-baseline.json) gives each
accepted check id its reason; an entry that no longer fails anywhere must be removed.
"""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict

import pytest

from tests.conftest import ROOT

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
BASELINE = ROOT / "checkov-baseline.json"


@pytest.fixture(scope="module")
def checkov_run(synthesized_app) -> tuple[dict[str, list[str]], int]:
    """({check id: ["<template file> <resource>", ...]} of every failed check, resources read)."""
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run `make test` (it installs requirements-checkov.txt)"
    # The templates only (-f each): -d would also parse every JSON file of the assets and manifests.
    templates = sorted(synthesized_app.outdir.glob("assembly-*/*.template.json"))
    result = subprocess.run(
        [
            str(CHECKOV),
            *(arg for template in templates for arg in ("-f", str(template))),
            *("--framework", "cloudformation"),
            *("--skip-download", "--compact", "--quiet", "--output", "json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # checkov exits 1 when any check fails; anything else (or no JSON) is a broken run.
    assert result.returncode in (0, 1), result.stderr[-2000:]
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed: dict[str, list[str]] = defaultdict(list)
    resources = 0
    for report in reports:
        assert report["summary"]["parsing_errors"] == 0, report["summary"]
        resources += report["summary"]["resource_count"]
        for check in report["results"]["failed_checks"]:
            failed[check["check_id"]].append(f"{check['file_path']} {check['resource']}")
    return dict(failed), resources


@pytest.fixture(scope="module")
def failed_checks(checkov_run) -> dict[str, list[str]]:
    return checkov_run[0]


def test_checkov_reads_every_resource_of_every_template(synthesized_app, checkov_run):
    assert checkov_run[1] == sum(len(t["Resources"]) for t in synthesized_app.templates.values())


def test_every_failed_check_is_in_the_reviewed_baseline(failed_checks):
    baseline = json.loads(BASELINE.read_text())
    unreviewed = {check: where for check, where in failed_checks.items() if check not in baseline}
    assert not unreviewed, (
        "fix these or add each check id to checkov-baseline.json with its reason:\n"
        + "\n".join(f"{check}: {', '.join(where[:5])}" for check, where in sorted(unreviewed.items()))
    )


def test_every_baseline_entry_still_fails_and_has_a_reason(failed_checks):
    baseline = {k: v for k, v in json.loads(BASELINE.read_text()).items() if not k.startswith("_")}
    stale = sorted(set(baseline) - set(failed_checks))
    assert not stale, f"these checks pass everywhere now: remove them from checkov-baseline.json: {stale}"
    assert all(len(reason) >= 60 for reason in baseline.values()), "each entry needs a specific reason"
