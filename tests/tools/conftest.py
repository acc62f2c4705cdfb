"""Fixtures of the tools' shared tests: ``assembly_dir``, a mini cloud assembly of two stages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.assembly_files import write_example


@pytest.fixture
def assembly_dir(tmp_path: Path) -> Path:
    return write_example(tmp_path / "cdk.out")
