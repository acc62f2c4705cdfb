"""The delivery pipeline synthesized once per test module that asks for it, with cdk-nag on."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stacks.application import project_context
from tests.conftest import ROOT


def pipeline_context(**delivery_overrides: Any) -> dict[str, Any]:
    """cdk.json's context with ``delivery`` keys replaced (e.g. ``environments=["dev"]``)."""
    context = copy.deepcopy(project_context(ROOT))
    context["delivery"].update(delivery_overrides)
    return context


@dataclass
class SynthesizedPipeline:
    outdir: Path
    app: Any
    config: Any
    delivery: Any
    stack: Any  # DeliveryPipelineStack

    @property
    def template(self) -> dict:
        return json.loads((self.outdir / f"{self.stack.artifact_id}.template.json").read_text())

    def resources(self, kind: str) -> dict[str, dict]:
        return {k: r for k, r in self.template["Resources"].items() if r["Type"] == kind}

    @property
    def stages(self) -> list[dict]:
        """The CodePipeline stages as synthesized, each with its actions."""
        (pipeline,) = self.resources("AWS::CodePipeline::Pipeline").values()
        return pipeline["Properties"]["Stages"]

    def stage(self, name: str) -> dict:
        return next(s for s in self.stages if s["Name"] == name)

    def stage_manifest(self, stage_name: str) -> dict:
        return json.loads((self.outdir / f"assembly-{stage_name}" / "manifest.json").read_text())

    def stage_template(self, display_name: str) -> dict:
        """A stack template of a stage by display name, e.g. ``Prod/Tokyo-Smoke``."""
        stage_name = display_name.split("/")[0]
        for artifact in self.stage_manifest(stage_name)["artifacts"].values():
            if artifact["type"] == "aws:cloudformation:stack" and artifact["displayName"] == display_name:
                return json.loads(
                    (
                        self.outdir / f"assembly-{stage_name}" / artifact["properties"]["templateFile"]
                    ).read_text()
                )
        raise KeyError(display_name)


def synthesize_pipeline(outdir: Path, context: dict[str, Any]) -> SynthesizedPipeline:
    from stacks.pipeline import build_pipeline_app

    app, config, delivery, stack = build_pipeline_app(context, outdir=str(outdir), builtin_validation=False)
    app.synth()
    return SynthesizedPipeline(outdir=outdir, app=app, config=config, delivery=delivery, stack=stack)


@pytest.fixture(scope="module")
def synthesized_pipeline(tmp_path_factory) -> SynthesizedPipeline:
    """cdk.json's pipeline (dev, stg, approval, prod), synthesized with cdk-nag: findings fail here."""
    return synthesize_pipeline(tmp_path_factory.mktemp("pipeline.out"), pipeline_context())
