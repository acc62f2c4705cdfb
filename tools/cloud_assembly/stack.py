"""One stack artifact of a cloud assembly: where it deploys, its template, dependencies and file assets.

A stack artifact (``aws:cloudformation:stack`` in a ``manifest.json``) names its environment
(``aws://ACCOUNT/REGION``), its template file, the artifacts it depends on and, through its
``<artifact id>.assets`` artifact, the asset manifest ``cdk deploy`` publishes before the stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import AssemblyError

__all__ = ["FileAsset", "Message", "StackArtifact", "deployment_order"]

MESSAGE_LEVELS = ("info", "warning", "error")


@dataclass(frozen=True, slots=True)
class Message:
    """An annotation of a stack (``aws:cdk:info|warning|error`` metadata): what ``cdk synth --strict``
    reads, and where the synth recorded it."""

    construct: str  # "/Prod/Tokyo-Compute/Web"
    level: str  # "info" | "warning" | "error"
    text: str


@dataclass(frozen=True, slots=True)
class FileAsset:
    """A file asset to publish before a deploy: a folder zipped, or a file copied."""

    asset_hash: str
    source: Path
    packaging: str  # "zip" | "file"
    bucket_name: str
    object_key: str
    region: str


@dataclass(frozen=True)
class StackArtifact:
    """One stack of the assembly.

    ``display_name`` is the construct path (``Dev/Tokyo-Network``); ``location`` and ``layer`` are its
    two halves after the stage (``Tokyo``, ``Network``). Built by hand (tests), only the first three
    fields are needed: ``template_body`` gives the template in memory (default: read from
    ``template_path``, or an empty template when there is none), ``artifact_id`` defaults to the
    display name and ``stack_name`` to the artifact id (what CDK deploys a stack as when the manifest
    names none).
    """

    display_name: str
    region: str
    account: str
    template_body: Mapping[str, Any] | None = None
    artifact_id: str = ""
    stack_name: str = ""
    template_path: Path | None = None
    assets_path: Path | None = None
    dependencies: tuple[str, ...] = ()  # artifact ids of the stacks of this assembly deployed first
    tags: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)  # the artifact's inline metadata
    metadata_path: Path | None = None  # its additionalMetadataFile, where CDK writes most of it

    def __post_init__(self) -> None:
        if not self.artifact_id:
            object.__setattr__(self, "artifact_id", self.display_name)
        if not self.stack_name:
            object.__setattr__(self, "stack_name", self.artifact_id)

    @cached_property
    def template(self) -> Mapping[str, Any]:
        """The parsed template, read from ``template_path`` on first use (shared: copy it to change it).

        :raises AssemblyError: the template file is missing or not JSON.
        """
        if self.template_body is not None:
            return self.template_body
        if self.template_path is None:
            return {}
        where = f"{self.template_path.parent / 'manifest.json'}: {self.artifact_id}"
        try:
            return json.loads(self.template_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AssemblyError(f"{where}: template {self.template_path} is missing") from None
        except json.JSONDecodeError as error:
            raise AssemblyError(
                f"{where}: template {self.template_path} is not valid JSON: {error}"
            ) from None

    def messages(self) -> list[Message]:
        """Every info, warning and error the synth recorded on this stack's constructs.

        Read from the manifest's metadata (inline, and the ``additionalMetadataFile``), as the CLI
        does for ``cdk synth --strict``: no synth needed (``aws_cdk.assertions.Annotations.from_stack``
        re-synthesizes the whole app for every stack it is given).
        """
        metadata = dict(self.metadata)
        if self.metadata_path is not None:
            metadata.update(json.loads(self.metadata_path.read_text(encoding="utf-8")))
        return [
            Message(construct, level, str(entry.get("data")))
            for construct, entries in metadata.items()
            for entry in entries
            if (level := str(entry.get("type", "")).removeprefix("aws:cdk:")) in MESSAGE_LEVELS
        ]

    @property
    def name(self) -> str:
        """The display name (``Prod/Tokyo-Compute``): how reports and :class:`.ResourceId` name a stack."""
        return self.display_name

    @property
    def location(self) -> str:
        return self.display_name.rsplit("/", 1)[-1].split("-", 1)[0]

    @property
    def layer(self) -> str:
        name = self.display_name.rsplit("/", 1)[-1]
        return name.split("-", 1)[1] if "-" in name else name

    @property
    def resources(self) -> Mapping[str, Any]:
        """Logical id -> resource body of the template."""
        return self.template.get("Resources", {}) or {}

    def exports(self) -> dict[str, Any]:
        """Export name -> output value (still unresolved)."""
        found = {}
        for output in (self.template.get("Outputs") or {}).values():
            export = output.get("Export") or {}
            name = export.get("Name")
            if isinstance(name, str):
                found[name] = output.get("Value")
        return found

    def file_assets(self) -> list[FileAsset]:
        """The assets ``cdk deploy`` would publish for this stack (the template itself excluded).

        :raises AssemblyError: the stack has docker image assets (there is no docker to build them).
        """
        if self.assets_path is None:
            return []
        manifest = json.loads(self.assets_path.read_text())
        template_file = self.template_path.name if self.template_path is not None else None
        assets: list[FileAsset] = []
        for asset_hash, asset in manifest.get("files", {}).items():
            source = asset["source"]
            if source.get("path") == template_file:
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
                f"{self.display_name} has docker image assets: they cannot be built here (no docker)."
            )
        return assets


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
