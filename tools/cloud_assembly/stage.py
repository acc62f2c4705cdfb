"""One stage (environment) of a cloud assembly: its stacks, their resources, and references resolved.

References between resources are resolved the way CloudFormation would: ``Ref`` and ``Fn::GetAtt``
inside a template, and ``Fn::ImportValue`` through the exports of the other stacks of the same stage
and region (CDK's strong cross-stack references).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .stack import StackArtifact

__all__ = ["Attr", "Resource", "ResourceId", "Stage"]

_MAX_RESOLVE_DEPTH = 8


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
class Attr:
    """A resolved ``Ref`` (attribute None) or ``Fn::GetAtt`` to a resource."""

    resource: ResourceId
    attribute: str | None = None


@dataclass
class Stage:
    """One environment: a ``cdk.Stage`` of the app with all its stacks.

    ``artifact_path`` is the chain of nested-assembly artifact ids from the top-level assembly to this
    one (``("assembly-Prod",)``); ``directory`` is where its manifest is. Both are empty for a stage
    built by hand. The resource index is built on first use; call :meth:`index` again after
    changing ``stacks``.
    """

    name: str  # the stage's display name, e.g. "Prod"
    stacks: list[StackArtifact] = field(default_factory=list)
    artifact_path: tuple[str, ...] = ()
    directory: Path | None = None
    _resources: dict[ResourceId, Resource] = field(default_factory=dict, repr=False)
    _exports: dict[tuple[str, str], tuple[StackArtifact, Any]] = field(default_factory=dict, repr=False)
    _indexed: bool = field(default=False, repr=False)

    @property
    def env(self) -> str:
        """The environment name: the stage name's last segment, lower case (``Prod`` -> ``prod``)."""
        return self.name.split("/")[-1].lower()

    @property
    def regions(self) -> list[str]:
        return sorted({stack.region for stack in self.stacks})

    def index(self) -> None:
        """(Re)build the index of resources and exports from ``stacks`` (reading their templates).

        :raises AssemblyError: a stack's template file is missing or not JSON.
        """
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
        self._indexed = True

    def _index(self) -> dict[ResourceId, Resource]:
        if not self._indexed:
            self.index()
        return self._resources

    def resources(self, *types: str, region: str | None = None) -> Iterator[Resource]:
        """The resources of ``types`` (all when none given), in ``region`` (all when None)."""
        for resource in self._index().values():
            if (not types or resource.type in types) and (region is None or resource.region == region):
                yield resource

    def resource(self, rid: ResourceId | None) -> Resource | None:
        return self._index().get(rid) if rid is not None else None

    def stack(self, name: str) -> StackArtifact:
        """The stack with display name ``name``; :class:`KeyError` when there is none."""
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
        resources = self._index()
        if _depth > _MAX_RESOLVE_DEPTH:
            return None
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return value
        ((fn, arg),) = value.items()
        if fn == "Ref":
            rid = ResourceId(stack, str(arg))
            return Attr(rid) if rid in resources else None
        if fn == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else list(arg) if isinstance(arg, list) else []
            if len(parts) != 2 or not all(isinstance(part, str) for part in parts):
                return None
            rid = ResourceId(stack, str(parts[0]))
            return Attr(rid, str(parts[1])) if rid in resources else None
        if fn == "Fn::ImportValue":
            name = self.resolve(arg, stack, _depth + 1)
            if not isinstance(name, str):
                return None
            # Exports are per account and Region; "you can't create cross-stack references across
            # Regions" (AWS CloudFormation User Guide, Fn::ImportValue).
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
