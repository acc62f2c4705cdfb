"""Read the synthesized cloud assembly (``cdk.out``): which stacks an environment has, in which
region, in which order they deploy, their templates and their file assets.

Only the assembly is read, never the project's configuration: the game day deploys what
``cdk deploy`` would deploy.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "AssemblyError",
    "FileAsset",
    "StackArtifact",
    "deployment_order",
    "load_environment",
    "synthesize",
]

STACK_TYPE = "aws:cloudformation:stack"
NESTED_ASSEMBLY_TYPE = "cdk:cloud-assembly"


class AssemblyError(ValueError):
    """The assembly is missing, or lacks what the game day needs; the message says what to do."""


@dataclass(frozen=True, slots=True)
class FileAsset:
    """A file asset to publish before a deploy: a folder zipped, or a file copied."""

    asset_hash: str
    source: Path
    packaging: str  # "zip" | "file"
    bucket_name: str
    object_key: str
    region: str


@dataclass(frozen=True, slots=True)
class StackArtifact:
    """One stack of the assembly.

    ``display_name`` is the construct path (``Dev/Tokyo-Network``); ``location`` and ``layer``
    are its two halves after the stage (``Tokyo``, ``Network``).
    """

    artifact_id: str
    stack_name: str
    display_name: str
    account: str
    region: str
    template_path: Path
    assets_path: Path | None
    dependencies: tuple[str, ...]
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str:
        return self.display_name.rsplit("/", 1)[-1].split("-", 1)[0]

    @property
    def layer(self) -> str:
        name = self.display_name.rsplit("/", 1)[-1]
        return name.split("-", 1)[1] if "-" in name else name

    def template(self) -> dict[str, Any]:
        return json.loads(self.template_path.read_text())

    def file_assets(self) -> list[FileAsset]:
        """The assets ``cdk deploy`` would publish for this stack (the template itself excluded)."""
        if self.assets_path is None:
            return []
        manifest = json.loads(self.assets_path.read_text())
        assets: list[FileAsset] = []
        for asset_hash, asset in manifest.get("files", {}).items():
            source = asset["source"]
            if source.get("path") == self.template_path.name:
                continue  # the template: deployed with TemplateBody instead
            for destination in asset.get("destinations", {}).values():
                assets.append(
                    FileAsset(
                        asset_hash=asset_hash,
                        source=(self.assets_path.parent / source["path"]).resolve(),
                        packaging=source.get("packaging", "file"),
                        bucket_name=destination["bucketName"],
                        object_key=destination["objectKey"],
                        region=destination.get("region", self.region),
                    )
                )
        if manifest.get("dockerImages"):
            raise AssemblyError(
                f"{self.display_name} has docker image assets: the game day cannot build them (no docker)."
            )
        return assets


def load_environment(assembly_dir: Path, environment: str) -> list[StackArtifact]:
    """The stacks of one environment's stage (``dev`` -> the nested assembly named ``Dev``).

    :raises AssemblyError: no assembly at ``assembly_dir``, or no stage for ``environment``.
    """
    manifest_path = assembly_dir / "manifest.json"
    if not manifest_path.is_file():
        raise AssemblyError(
            f"no cloud assembly at {assembly_dir} (manifest.json missing): run `make synth` first, "
            "or leave out --assembly to synthesize."
        )
    manifest = json.loads(manifest_path.read_text())
    stages = {
        props.get("displayName", artifact_id).lower(): assembly_dir / props["directoryName"]
        for artifact_id, artifact in manifest.get("artifacts", {}).items()
        if artifact.get("type") == NESTED_ASSEMBLY_TYPE
        for props in [artifact.get("properties", {})]
    }
    stage_dir = stages.get(environment.lower())
    if stage_dir is None:
        raise AssemblyError(
            f"environment {environment!r} is not in the assembly at {assembly_dir} (stages: "
            f"{', '.join(sorted(stages)) or 'none'}): synthesize it (`npx cdk synth -c env={environment}`) "
            "or pick one of those."
        )
    return _stacks(stage_dir)


def _stacks(stage_dir: Path) -> list[StackArtifact]:
    manifest = json.loads((stage_dir / "manifest.json").read_text())
    artifacts: Mapping[str, Any] = manifest.get("artifacts", {})
    stacks: list[StackArtifact] = []
    for artifact_id, artifact in artifacts.items():
        if artifact.get("type") != STACK_TYPE:
            continue
        props = artifact.get("properties", {})
        _, _, account_region = artifact["environment"].partition("aws://")
        account, _, region = account_region.partition("/")
        assets_id = f"{artifact_id}.assets"
        assets_file = artifacts.get(assets_id, {}).get("properties", {}).get("file")
        stacks.append(
            StackArtifact(
                artifact_id=artifact_id,
                stack_name=props.get("stackName", artifact_id),
                display_name=artifact.get("displayName", artifact_id),
                account=account,
                region=region,
                template_path=stage_dir / props["templateFile"],
                assets_path=stage_dir / assets_file if assets_file else None,
                dependencies=tuple(
                    d
                    for d in artifact.get("dependencies", [])
                    if artifacts.get(d, {}).get("type") == STACK_TYPE
                ),
                tags=dict(props.get("tags", {})),
            )
        )
    return stacks


def deployment_order(
    stacks: Sequence[StackArtifact], *, select: Iterable[StackArtifact]
) -> list[StackArtifact]:
    """``select`` and the stacks they depend on, dependencies first (what ``cdk deploy`` does).

    :raises AssemblyError: a dependency is not in the assembly, or the dependencies form a cycle.
    """
    by_id = {s.artifact_id: s for s in stacks}
    ordered: list[StackArtifact] = []
    state: dict[str, str] = {}

    def visit(artifact_id: str, path: tuple[str, ...]) -> None:
        if state.get(artifact_id) == "done":
            return
        if state.get(artifact_id) == "visiting":
            raise AssemblyError(f"dependency cycle between stacks: {' -> '.join((*path, artifact_id))}")
        if artifact_id not in by_id:
            raise AssemblyError(
                f"{path[-1] if path else '?'} depends on {artifact_id}, which is not in the assembly."
            )
        state[artifact_id] = "visiting"
        stack = by_id[artifact_id]
        for dependency in stack.dependencies:
            visit(dependency, (*path, stack.display_name))
        state[artifact_id] = "done"
        ordered.append(stack)

    for stack in select:
        visit(stack.artifact_id, ())
    return ordered


def synthesize(environment: str, outdir: Path | None = None) -> Path:
    """Synthesize one environment of this project's app into ``outdir`` (a new temp dir by default).

    No cdk-nag and no built-in validation: the game day needs the templates, not the checks
    (``make test`` runs those). Returns the assembly directory.
    """
    from stacks.node_runtime import use_bundled_node

    use_bundled_node()
    from stacks.application import build_app, project_context

    target = outdir or Path(tempfile.mkdtemp(prefix="gameday-cdk.out-"))
    context = project_context()
    context["env"] = environment
    app, _, _ = build_app(context, outdir=str(target), nag=False, builtin_validation=False)
    app.synth()
    return target
