"""The price snapshot: dated, versioned AWS list prices kept in ``tools/cost/prices/``.

A snapshot file (``<YYYY-MM>-aws-prices.json``) holds, per price key, the unit, the quantity the price
is quoted for (``per``: 1, 1,000, 1,000,000 ...), the source page, the date and the USD figure per region
(``"global"`` for global services such as Route 53). Newer files sort last, so the newest snapshot is
the default. ``python -m tools.cost.refresh_prices`` writes a new one from AWS's public price list files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRICES_DIR = Path(__file__).resolve().parent / "prices"
SNAPSHOT_GLOB = "*-aws-prices.json"


class PriceError(ValueError):
    """A price is missing from the snapshot, or the snapshot file is unreadable."""


def latest_snapshot(directory: Path = PRICES_DIR) -> Path:
    """The newest snapshot file by name (``2026-12-aws-prices.json`` sorts after ``2026-06-...``)."""
    files = sorted(directory.glob(SNAPSHOT_GLOB))
    if not files:
        raise PriceError(
            f"no price snapshot ({SNAPSHOT_GLOB}) in {directory}: run python -m tools.cost.refresh_prices"
        )
    return files[-1]


@dataclass(frozen=True)
class PriceBook:
    """Prices of one snapshot: ``book.unit_price("vpc.nat_gateway_hour", "ap-northeast-1")``."""

    path: Path
    snapshot: str
    compiled: str
    status: str
    items: dict[str, dict[str, Any]]
    sources: dict[str, str]

    def unit_price(self, key: str, region: str) -> float:
        """USD for ONE unit (the file's figure divided by its ``per``), in ``region`` or else ``global``."""
        item = self.items.get(key)
        if item is None:
            raise PriceError(
                f"no price {key!r} in {self.path.name}: add it to the snapshot "
                "(python -m tools.cost.refresh_prices, or by hand with its source and date)"
            )
        usd = item.get("usd") or {}
        value = usd.get(region, usd.get("global"))
        if value is None:
            raise PriceError(
                f"price {key!r} has no figure for {region} in {self.path.name} "
                f"(regions: {', '.join(sorted(usd)) or 'none'}): add it or refresh the snapshot"
            )
        return float(value) / float(item.get("per") or 1)

    def has(self, key: str) -> bool:
        return key in self.items

    def unit(self, key: str) -> str:
        return str(self.items[key].get("unit", ""))

    def source_url(self, key: str) -> str:
        source = str(self.items[key].get("source", ""))
        return self.sources.get(source, source)


def load_prices(path: str | Path | None = None) -> PriceBook:
    """Read a snapshot (default: the newest in ``tools/cost/prices/``)."""
    file = Path(path) if path is not None else latest_snapshot()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PriceError(f"--prices {file}: no such file") from None
    except json.JSONDecodeError as error:
        raise PriceError(f"--prices {file}: not valid JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("prices"), dict):
        raise PriceError(f"--prices {file}: expected an object with a 'prices' object (see {PRICES_DIR})")
    return PriceBook(
        path=file,
        snapshot=str(data.get("snapshot", file.stem)),
        compiled=str(data.get("compiled", "")),
        status=str(data.get("status", "")),
        items=dict(data["prices"]),
        sources=dict(data.get("sources") or {}),
    )
