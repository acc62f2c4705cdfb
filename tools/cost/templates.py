"""The synthesized templates of one environment, as the cost reads them: resources and their properties.

Only ``tools.recovery_budget.assembly.load_assembly`` is used to discover stages, stacks, regions and
templates; references are followed here inside one template (``Ref``, ``Fn::GetAtt``, pseudo
parameters, ``Fn::Join`` of literals), which is all the cost needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


@dataclass(frozen=True)
class StackTemplate:
    """One stack: its display name (``Prod/Tokyo-Compute``), region, account and template."""

    name: str
    region: str
    template: Mapping[str, Any]
    account: str | None = None

    @property
    def resources(self) -> Mapping[str, Any]:
        return self.template.get("Resources") or {}


@dataclass(frozen=True)
class Res:
    """One resource of a stack."""

    stack: StackTemplate
    logical_id: str
    type: str
    props: Mapping[str, Any]

    @property
    def region(self) -> str:
        return self.stack.region

    @property
    def id(self) -> str:
        return f"{self.stack.name}/{self.logical_id}"


def _mentions(value: Any, logical_id: str) -> bool:
    """Whether ``value`` holds a ``Ref``/``Fn::GetAtt`` to ``logical_id`` anywhere inside."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        getatt = value.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt and getatt[0] == logical_id:
            return True
        if isinstance(getatt, str) and getatt.split(".", 1)[0] == logical_id:
            return True
        return any(_mentions(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, logical_id) for v in value)
    return False


@dataclass
class Environment:
    """One environment (a ``cdk.Stage``): its name (``prod``), stage name (``Prod``) and stacks."""

    name: str
    stage: str
    stacks: list[StackTemplate]
    _resources: list[Res] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._resources = [
            Res(stack, logical_id, str(body.get("Type", "")), body.get("Properties") or {})
            for stack in self.stacks
            for logical_id, body in stack.resources.items()
        ]

    @property
    def regions(self) -> list[str]:
        return sorted({stack.region for stack in self.stacks})

    def resources(self, *types: str, region: str | None = None) -> Iterator[Res]:
        for res in self._resources:
            if (not types or res.type in types) and (region is None or res.region == region):
                yield res

    def all_types(self) -> set[str]:
        return {res.type for res in self._resources}

    def target(self, res: Res, value: Any) -> Res | None:
        """The resource a ``Ref``/``Fn::GetAtt`` in ``res``'s template points at (same stack)."""
        if not isinstance(value, dict) or len(value) != 1:
            return None
        ((fn, arg),) = value.items()
        if fn == "Ref":
            logical_id = arg
        elif fn == "Fn::GetAtt":
            logical_id = arg[0] if isinstance(arg, list) and arg else str(arg).split(".", 1)[0]
        else:
            return None
        body = res.stack.resources.get(logical_id)
        if body is None:
            return None
        return Res(res.stack, logical_id, str(body.get("Type", "")), body.get("Properties") or {})

    def literal(self, res: Res, value: Any) -> Any:
        """A property value as a literal (pseudo parameters, ``Fn::Join`` of literals), else None."""
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return None
        ((fn, arg),) = value.items()
        if fn == "Ref":
            if arg == "AWS::Region":
                return res.region
            if arg == "AWS::AccountId":
                return res.stack.account
            return _PSEUDO.get(arg)
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            parts = [self.literal(res, part) for part in arg[1]]
            if all(isinstance(part, str | int | float) for part in parts):
                return str(arg[0]).join(str(part) for part in parts)
        return None

    def referrers(self, target: Res, *types: str) -> Iterator[Res]:
        """Resources of ``types`` in ``target``'s stack whose properties reference ``target``."""
        for res in self._resources:
            if res.stack is target.stack and res.type in types and _mentions(res.props, target.logical_id):
                yield res


def environments_from_assembly(directory: str | Path) -> list[Environment]:
    """Every environment of a cloud assembly directory (``cdk.out``), read through the budget's reader."""
    from tools.recovery_budget.assembly import load_assembly

    assembly = load_assembly(directory)
    return [
        Environment(
            stage.env,
            stage.name,
            [
                StackTemplate(stack.name, stack.region, stack.template, getattr(stack, "account", None))
                for stack in stage.stacks
            ],
        )
        for stage in assembly.stages
    ]
