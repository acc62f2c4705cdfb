"""The game day's view of a cloud assembly (``cdk.out``): one environment's stacks, or a fresh synth.

Reading is :mod:`tools.cloud_assembly`'s (stacks, regions, dependencies, templates, file assets,
deployment order); the names the game day used from it are also importable from here. Only the
assembly is read, never the project's configuration: the game day deploys what ``cdk deploy``
would deploy.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tools.cloud_assembly import (
    AssemblyError,
    FileAsset,
    MissingAssemblyError,
    StackArtifact,
    UnknownStageError,
    deployment_order,
    read_assembly,
)

__all__ = [
    "AssemblyError",
    "FileAsset",
    "StackArtifact",
    "deployment_order",
    "load_environment",
    "synthesize",
]


def load_environment(assembly_dir: Path, environment: str) -> list[StackArtifact]:
    """The stacks of one environment's stage (``dev`` -> the nested assembly named ``Dev``), in
    manifest order.

    :raises AssemblyError: no assembly at ``assembly_dir``, or no stage for ``environment``.
    """
    try:
        return list(read_assembly(assembly_dir).stage(environment).stacks)
    except MissingAssemblyError as error:
        if error.directory != Path(assembly_dir):
            raise
        raise AssemblyError(
            f"no cloud assembly at {assembly_dir} (manifest.json missing): run `make synth` first, "
            "or leave out --assembly to synthesize."
        ) from None
    except UnknownStageError as error:
        raise AssemblyError(
            f"environment {environment!r} is not in the assembly at {assembly_dir} (stages: "
            f"{', '.join(sorted(error.known)) or 'none'}): synthesize it "
            f"(`npx cdk synth -c env={environment}`) or pick one of those."
        ) from None


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
