"""Fixtures for the recovery-budget tests (tools/recovery_budget)."""

from __future__ import annotations

import pytest

from tools.recovery_budget.latencies import Latencies


@pytest.fixture
def latencies() -> Latencies:
    return Latencies()
