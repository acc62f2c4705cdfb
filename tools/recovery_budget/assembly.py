"""The budget's view of a cloud assembly: every stage (environment), stacks sorted by name.

Reading is :mod:`tools.cloud_assembly`'s; the names it exports are also importable from here for
code written against this module.
"""

from __future__ import annotations

from pathlib import Path

from tools.cloud_assembly import (
    AssemblyError,
    Attr,
    CloudAssembly,
    Resource,
    ResourceId,
    Stage,
    read_assembly,
)
from tools.cloud_assembly import StackArtifact as Stack

__all__ = [
    "AssemblyError",
    "Attr",
    "CloudAssembly",
    "Resource",
    "ResourceId",
    "Stack",
    "Stage",
    "load_assembly",
]


def load_assembly(directory: str | Path) -> CloudAssembly:
    """The stages of the assembly in ``directory``, sorted by name, each with its stacks sorted by name
    and its templates read (top-level stacks outside a stage play no part in the budget).

    :raises AssemblyError: not an assembly, no stage in it, or a template missing or unreadable.
    """
    assembly = read_assembly(directory)
    if not assembly.stages:
        raise AssemblyError(
            f"{assembly.directory} has no stages (nested assemblies): "
            "the budget reads one cdk.Stage per environment"
        )
    for stage in assembly.stages:
        stage.stacks.sort(key=lambda stack: stack.name)
        stage.index()
    assembly.stages.sort(key=lambda stage: stage.name)
    return assembly
