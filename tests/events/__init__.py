"""Sample events (JSON files in this folder, described in its README), loaded by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parent


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of the sample event ``name`` (``"ec2-instance-state-change-stopped"``; the
    ``.json`` suffix is optional)."""
    path = EVENTS_DIR / (name if name.endswith(".json") else f"{name}.json")
    if not path.is_file():
        known = ", ".join(event_names())
        raise FileNotFoundError(f"no sample event {name!r} in {EVENTS_DIR}: use one of {known}")
    return json.loads(path.read_text(encoding="utf-8"))


def event_names() -> list[str]:
    """Names of every sample event, sorted."""
    return sorted(path.stem for path in EVENTS_DIR.glob("*.json"))
