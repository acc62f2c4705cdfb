"""Session-wide setup: Node for jsii, fake AWS credentials, and ONE synthesis of the whole app."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from stacks.node_runtime import use_bundled_node

use_bundled_node()

# No test may reach AWS: fake credentials and a pinned region for boto3 and moto.
for key, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-1",
}.items():
    os.environ[key] = value
os.environ.pop("AWS_PROFILE", None)

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Message:
    """One annotation of the synthesized assembly, as ``cdk synth --strict`` reads it."""

    stack: str  # "Prod/Tokyo-Compute"
    construct: str  # "/Prod/Tokyo-Compute/Web"
    level: str  # "warning" | "info" | "error"
    text: str


@dataclass
class SynthesizedApp:
    outdir: Path
    config: object
    templates: dict[str, dict]  # "Prod/Tokyo-Network" -> template
    stacks: dict[str, object]  # "Prod/Tokyo-Network" -> cdk.Stack
    messages: list[Message]  # every info, warning and error of every stack

    def template(self, path: str) -> dict:
        return self.templates[path]

    def find_messages(self, level: str, stack: str | None = None) -> list[Message]:
        return [m for m in self.messages if m.level == level and stack in (None, m.stack)]


@pytest.fixture(scope="session")
def synthesized_app(tmp_path_factory) -> SynthesizedApp:
    """Every environment synthesized once per session, with cdk-nag on (findings fail the synth).

    aws-cdk-lib's built-in CloudFormation validation is off here for speed: cfn-lint checks every
    template in tests/stacks/test_cfn_lint.py instead.
    """
    from stacks.application import build_app, project_context
    from tools.cloud_assembly import read_assembly

    outdir = tmp_path_factory.mktemp("cdk.out")
    app, config, stages = build_app(project_context(ROOT), outdir=str(outdir), builtin_validation=False)
    app.synth()
    templates: dict[str, dict] = {}
    stacks: dict[str, object] = {}
    # What `cdk synth --strict` reads, from the assembly (tools/cloud_assembly), not a second synth.
    messages = [
        Message(stack.display_name, m.construct, m.level, m.text)
        for stage in read_assembly(outdir).stages
        for stack in stage.stacks
        for m in stack.messages()
    ]
    for stage in stages:
        for child in stage.node.children:
            if hasattr(child, "stack_name"):
                path = child.node.path
                template_file = outdir / f"assembly-{stage.stage_name}" / f"{child.artifact_id}.template.json"
                templates[path] = json.loads(template_file.read_text())
                stacks[path] = child
    return SynthesizedApp(outdir=outdir, config=config, templates=templates, stacks=stacks, messages=messages)
