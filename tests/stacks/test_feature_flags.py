"""Every feature flag aws-cdk-lib recommends is decided in cdk.json, and every flag left off says why."""

from __future__ import annotations

import json

from tests.conftest import ROOT


def _flag_report(outdir) -> dict[str, dict]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    (report,) = [
        a["properties"]["flags"]
        for a in manifest["artifacts"].values()
        if a["type"] == "cdk:feature-flag-report" and a["properties"]["module"] == "aws-cdk-lib"
    ]
    return report


def test_every_flag_whose_recommendation_changes_behaviour_is_set(synthesized_app):
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    undecided = sorted(
        name
        for name, info in _flag_report(synthesized_app.outdir).items()
        if "recommendedValue" in info
        and info["recommendedValue"] != info.get("unconfiguredBehavesLike", {}).get("v2", False)
        and name not in context
    )
    assert not undecided, (
        "review these with `python -m scripts.feature_flags` and set each in cdk.json "
        f"(a flag left off needs its reason in docs/feature-flags.md): {undecided}"
    )


def test_every_flag_left_off_against_the_recommendation_has_its_reason_written_down(synthesized_app):
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    doc = (ROOT / "docs" / "feature-flags.md").read_text()
    report = _flag_report(synthesized_app.outdir)
    left_off = [
        name
        for name, info in report.items()
        if name in context and context[name] != info.get("recommendedValue", context[name])
    ]
    assert left_off, "the review left two flags off; if that changed, update docs/feature-flags.md"
    for name in left_off:
        assert f"`{name}`:" in doc, f"{name} is set against the recommendation without a reason in the doc"
