"""Fixtures for the cost tests (tools/cost)."""

from __future__ import annotations

import pytest

from tests.cost.cost_templates import price_book
from tools.cost.prices import PriceBook


@pytest.fixture
def prices() -> PriceBook:
    return price_book()
