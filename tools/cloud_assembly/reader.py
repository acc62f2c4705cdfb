"""Read a synthesized CDK cloud assembly (``cdk.out``) once: its stages, their stacks and templates.

A cloud assembly has a ``manifest.json`` whose artifacts are stacks (``aws:cloudformation:stack``,
with ``environment: aws://ACCOUNT/REGION`` and a template file) and nested assemblies
(``cdk:cloud-assembly``, one per ``cdk.Stage``, in ``assembly-<Stage>/``). Each stage is one
environment of the app. Nothing here reads the app's config: only what will be deployed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AssemblyError, MissingAssemblyError, UnknownStageError
from .stack import StackArtifact
from .stage import Stage

__all__ = ["NESTED_ASSEMBLY_TYPE", "STACK_TYPE", "CloudAssembly", "read_assembly"]

# Artifact types of the cloud assembly schema (aws-cdk-lib cloud-assembly-schema, ArtifactType).
STACK_TYPE = "aws:cloudformation:stack"
NESTED_ASSEMBLY_TYPE = "cdk:cloud-assembly"


@dataclass
class CloudAssembly:
    """All stages (environments) of a synthesized app, and the stacks outside any stage.

    Stages and stacks keep the order of the manifests (nested stages follow their parent).
    """

    directory: Path
    stages: list[Stage]
    stacks: list[StackArtifact] = field(default_factory=list)

    def stage(self, env: str) -> Stage:
        """The stage of environment ``env`` (``prod``), or of that display name (``Prod``).

        :raises UnknownStageError: no such stage; the message lists those there are.
        """
        for stage in self.stages:
            if env.lower() in (stage.env, stage.name.lower()):
                return stage
        raise UnknownStageError(self.directory, env, [stage.env for stage in self.stages])

    def all_stacks(self) -> Iterator[tuple[Stage | None, StackArtifact]]:
        """Every stack with its stage (None for a stack outside any stage)."""
        for stack in self.stacks:
            yield None, stack
        for stage in self.stages:
            for stack in stage.stacks:
                yield stage, stack


def read_assembly(directory: str | Path) -> CloudAssembly:
    """Read the manifests of the assembly in ``directory`` (each once); templates are read on first use.

    :raises MissingAssemblyError: ``directory`` (or a nested assembly) has no ``manifest.json``.
    :raises AssemblyError: a manifest is not JSON, or a stack has no ``aws://ACCOUNT/REGION``.
    """
    root = Path(directory)
    assembly = CloudAssembly(root, [])
    _collect(root, None, assembly)
    return assembly


def _collect(directory: Path, stage: Stage | None, assembly: CloudAssembly) -> None:
    manifest = _read_manifest(directory)
    artifacts: Mapping[str, Any] = manifest.get("artifacts") or {}
    nested: list[tuple[Path, Stage]] = []
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind == NESTED_ASSEMBLY_TYPE:
            child_dir = directory / properties.get("directoryName", artifact_id)
            name = properties.get("displayName") or artifact_id.removeprefix("assembly-")
            parent_path = stage.artifact_path if stage is not None else ()
            nested.append(
                (child_dir, Stage(name, artifact_path=(*parent_path, artifact_id), directory=child_dir))
            )
        elif kind == STACK_TYPE:
            stack = _stack(directory, artifact_id, artifact, artifacts, stage)
            (stage.stacks if stage is not None else assembly.stacks).append(stack)
    for child_dir, child in nested:
        assembly.stages.append(child)
        _collect(child_dir, child, assembly)


def _stack(
    directory: Path,
    artifact_id: str,
    artifact: Mapping[str, Any],
    artifacts: Mapping[str, Any],
    stage: Stage | None,
) -> StackArtifact:
    where = f"{directory / 'manifest.json'}: {artifact_id}"
    properties = artifact.get("properties") or {}
    account, region = _parse_environment(artifact.get("environment", ""), where)
    template_path = directory / properties.get("templateFile", f"{artifact_id}.template.json")
    # CDK writes the asset manifest as the artifact "<stack id>.assets" (type cdk:asset-manifest).
    assets_file = (artifacts.get(f"{artifact_id}.assets") or {}).get("properties", {}).get("file")
    prefix = f"{stage.name}/" if stage is not None else ""
    return StackArtifact(
        display_name=artifact.get("displayName") or f"{prefix}{artifact_id}",
        region=region,
        account=account,
        artifact_id=artifact_id,
        # Without a stackName, CDK deploys the stack under its artifact id (cx-api
        # CloudFormationStackArtifact.stackName).
        stack_name=properties.get("stackName") or artifact_id,
        template_path=template_path,
        assets_path=directory / assets_file if assets_file else None,
        dependencies=tuple(
            d for d in artifact.get("dependencies", []) if (artifacts.get(d) or {}).get("type") == STACK_TYPE
        ),
        tags=dict(properties.get("tags") or {}),
        metadata=dict(artifact.get("metadata") or {}),
        metadata_path=directory / extra if (extra := artifact.get("additionalMetadataFile")) else None,
    )


def _parse_environment(value: str, where: str) -> tuple[str, str]:
    # "aws://111111111111/ap-northeast-1"; environment-agnostic stacks say unknown-account/unknown-region.
    if not isinstance(value, str) or not value.startswith("aws://"):
        raise AssemblyError(f"{where}: environment {value!r} is not aws://ACCOUNT/REGION")
    account, _, region = value[len("aws://") :].partition("/")
    return account, region


def _read_manifest(directory: Path) -> Mapping[str, Any]:
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        raise MissingAssemblyError(directory)
    try:
        return json.loads(manifest.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise AssemblyError(f"{manifest} is not valid JSON: {error}") from None
