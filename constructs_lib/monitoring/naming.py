"""Naming helpers of the monitoring constructs.

Alarm names come from :meth:`constructs_lib._core.Naming.alarm_name`
(``{app}-{env}-{component}-{signal}-{severity}``); constructs that belong to a natural component use
it unless the naming they are given names another one.
"""

from __future__ import annotations

import re

from constructs_lib._core import Naming


def with_component(naming: Naming, default: str) -> Naming:
    """``naming`` if it names a component, else the same app and environment with ``default``."""
    if not isinstance(naming, Naming):
        raise TypeError(
            f"naming must be a constructs_lib.Naming, got {type(naming).__name__}: "
            "pass Naming(app='webapp', environment='prod')."
        )
    return naming if naming.component else naming.for_component(default)


def _pascal(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)
