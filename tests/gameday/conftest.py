"""Fixtures of the game-day tests (tools/gameday).

- ``dev_assembly``: the dev environment synthesized once per session (no cdk-nag: the templates
  are what matters here, tests/stacks checks the rest).
- ``gaps``: moto's gap fills applied for one test, under ``mock_aws`` (plain moto afterwards).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from tools.gameday import moto_gaps

REGION = "ap-northeast-1"


@pytest.fixture(scope="session")
def dev_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tools.gameday.assembly import synthesize

    return synthesize("dev", tmp_path_factory.mktemp("gameday-cdk.out"))


@pytest.fixture
def gaps() -> Iterator[None]:
    with moto_gaps.applied(), mock_aws():
        yield
