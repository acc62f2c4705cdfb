"""The errors of the cloud-assembly reader: each message names the file or value and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class AssemblyError(ValueError):
    """The directory is not a readable cloud assembly (or lacks what was asked for)."""


class MissingAssemblyError(AssemblyError):
    """There is no ``manifest.json`` in ``directory``: nothing was synthesized there."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        super().__init__(
            f"{directory} is not a cloud assembly (no manifest.json): synthesize first, e.g. `make synth`"
        )


class UnknownStageError(AssemblyError):
    """No stage of the assembly in ``directory`` is the environment ``environment``."""

    def __init__(self, directory: Path, environment: str, known: Sequence[str]) -> None:
        self.directory = directory
        self.environment = environment
        self.known = tuple(known)
        super().__init__(
            f"no stage for environment {environment!r} in {directory} "
            f"(stages: {', '.join(self.known) or 'none'})"
        )
