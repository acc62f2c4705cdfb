"""Former home of the acknowledgement helpers: they live in :mod:`constructs_lib.nag` now.

Kept so existing imports (``from constructs_lib._nag import acknowledge``) keep working.
"""

from __future__ import annotations

from constructs_lib.nag import acknowledge, nag_arn

__all__ = ["acknowledge", "nag_arn"]
