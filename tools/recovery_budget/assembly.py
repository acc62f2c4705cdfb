"""Read a synthesized CDK cloud assembly: stages, their stacks, regions and templates.

A cloud assembly (``cdk.out``) has a ``manifest.json`` whose artifacts are stacks
(``aws:cloudformation:stack``, with ``environment: aws://ACCOUNT/REGION`` and a template file) and
nested assemblies (``cdk:cloud-assembly``, one per ``cdk.Stage``, in ``assembly-<Stage>/``). Each stage
is one environment of the app. Nothing here reads the app's config: only what will be deployed.

References between resources are resolved the way CloudFormation would: ``Ref`` and ``Fn::GetAtt``
inside a template, and ``Fn::ImportValue`` through the exports of the other stacks of the same stage
and region (CDK's strong cross-stack references).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class AssemblyError(ValueError):
    """The directory is not a readable cloud assembly (or lacks what was asked for)."""


@dataclass(frozen=True)
class ResourceId:
    """A resource of one stack: ``Prod/Tokyo-Compute`` + logical id."""

    stack: str
    logical_id: str

    def __str__(self) -> str:
        return f"{self.stack}/{self.logical_id}"


@dataclass(frozen=True)
class Resource:
    id: ResourceId
    type: str
    properties: Mapping[str, Any]
    region: str

    def where(self, prop: str) -> str:
        """Where a number came from, for reports: ``Prod/Tokyo-Compute/WebTg.HealthCheckIntervalSeconds``."""
        return f"{self.id}.{prop}"


@dataclass(frozen=True)
class Stack:
    """One stack artifact: its display name (``Prod/Tokyo-Compute``), region and template."""

    name: str
    region: str
    account: str
    template: Mapping[str, Any]

    @property
    def resources(self) -> Mapping[str, Any]:
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


@dataclass(frozen=True)
class Attr:
    """A resolved ``Ref`` (attribute None) or ``Fn::GetAtt`` to a resource."""

    resource: ResourceId
    attribute: str | None = None


@dataclass
class Stage:
    """One environment: a ``cdk.Stage`` of the app with all its stacks."""

    name: str  # the stage's display name, e.g. "Prod"
    stacks: list[Stack] = field(default_factory=list)
    _resources: dict[ResourceId, Resource] = field(default_factory=dict, repr=False)
    _exports: dict[tuple[str, str], tuple[Stack, Any]] = field(default_factory=dict, repr=False)

    @property
    def env(self) -> str:
        """The environment name: the stage name's last segment, lower case (``Prod`` -> ``prod``)."""
        return self.name.split("/")[-1].lower()

    @property
    def regions(self) -> list[str]:
        return sorted({stack.region for stack in self.stacks})

    def index(self) -> None:
        self._resources.clear()
        self._exports.clear()
        for stack in self.stacks:
            for logical_id, body in stack.resources.items():
                rid = ResourceId(stack.name, logical_id)
                self._resources[rid] = Resource(
                    rid, str(body.get("Type", "")), body.get("Properties") or {}, stack.region
                )
            for name, value in stack.exports().items():
                self._exports[(stack.region, name)] = (stack, value)

    def resources(self, *types: str, region: str | None = None) -> Iterator[Resource]:
        for resource in self._resources.values():
            if (not types or resource.type in types) and (region is None or resource.region == region):
                yield resource

    def resource(self, rid: ResourceId | None) -> Resource | None:
        return self._resources.get(rid) if rid is not None else None

    def stack(self, name: str) -> Stack:
        for stack in self.stacks:
            if stack.name == name:
                return stack
        raise KeyError(name)

    def resolve(self, value: Any, stack: str, _depth: int = 0) -> Any:
        """Resolve one property value as CloudFormation would, as far as a template allows.

        Returns a literal (str/int/float/bool/list/dict), an :class:`Attr` for ``Ref``/``Fn::GetAtt`` to a
        resource, or ``None`` when the value cannot be known before deployment (a parameter, a
        pseudo parameter, a function of such values).
        """
        if _depth > 8:
            return None
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return value
        ((fn, arg),) = value.items()
        if fn == "Ref":
            rid = ResourceId(stack, str(arg))
            return Attr(rid) if rid in self._resources else None
        if fn == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else list(arg) if isinstance(arg, list) else []
            if len(parts) != 2 or not all(isinstance(part, str) for part in parts):
                return None
            rid = ResourceId(stack, str(parts[0]))
            return Attr(rid, str(parts[1])) if rid in self._resources else None
        if fn == "Fn::ImportValue":
            name = self.resolve(arg, stack, _depth + 1)
            if not isinstance(name, str):
                return None
            region = self.stack(stack).region
            hit = self._exports.get((region, name))
            if hit is None:
                return None
            producer, exported = hit
            return self.resolve(exported, producer.name, _depth + 1)
        if fn == "Fn::Join":
            if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list)):
                return None
            sep, parts = arg
            resolved = [self.resolve(part, stack, _depth + 1) for part in parts]
            if all(isinstance(part, str | int | float) for part in resolved):
                return str(sep).join(str(part) for part in resolved)
            return None
        if fn.startswith("Fn::") or fn == "Condition":
            return None
        return value


@dataclass
class CloudAssembly:
    """All stages (environments) of a synthesized app."""

    directory: Path
    stages: list[Stage]

    def stage(self, env: str) -> Stage:
        for stage in self.stages:
            if env.lower() in (stage.env, stage.name.lower()):
                return stage
        known = ", ".join(stage.env for stage in self.stages) or "none"
        raise AssemblyError(f"no stage for environment {env!r} in {self.directory} (stages: {known})")


def _parse_environment(value: str, where: str) -> tuple[str, str]:
    # "aws://111111111111/ap-northeast-1"; environment-agnostic stacks say unknown-account/unknown-region.
    if not isinstance(value, str) or not value.startswith("aws://"):
        raise AssemblyError(f"{where}: environment {value!r} is not aws://ACCOUNT/REGION")
    account, _, region = value[len("aws://") :].partition("/")
    return account, region


def _read_manifest(directory: Path) -> Mapping[str, Any]:
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        raise AssemblyError(
            f"{directory} is not a cloud assembly (no manifest.json): synthesize first, e.g. `make synth`"
        )
    try:
        return json.loads(manifest.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise AssemblyError(f"{manifest} is not valid JSON: {error}") from None


def _collect(directory: Path, stage_name: str | None, stages: dict[str, Stage]) -> None:
    manifest = _read_manifest(directory)
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind == "cdk:cloud-assembly":
            nested = directory / properties.get("directoryName", artifact_id)
            name = properties.get("displayName") or artifact_id.removeprefix("assembly-")
            _collect(nested, name, stages)
        elif kind == "aws:cloudformation:stack" and stage_name is not None:
            where = f"{directory / 'manifest.json'}: {artifact_id}"
            account, region = _parse_environment(artifact.get("environment", ""), where)
            template_file = directory / properties.get("templateFile", f"{artifact_id}.template.json")
            try:
                template = json.loads(template_file.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise AssemblyError(f"{where}: template {template_file} is missing") from None
            display = artifact.get("displayName") or f"{stage_name}/{artifact_id}"
            stage = stages.setdefault(stage_name, Stage(stage_name))
            stage.stacks.append(Stack(display, region, account, template))


def load_assembly(directory: str | Path) -> CloudAssembly:
    """Discover the stages of the assembly in ``directory`` (top-level stacks outside a stage are ignored)."""
    root = Path(directory)
    stages: dict[str, Stage] = {}
    _collect(root, None, stages)
    if not stages:
        raise AssemblyError(
            f"{root} has no stages (nested assemblies): the budget reads one cdk.Stage per environment"
        )
    for stage in stages.values():
        stage.stacks.sort(key=lambda stack: stack.name)
        stage.index()
    return CloudAssembly(root, sorted(stages.values(), key=lambda stage: stage.name))
