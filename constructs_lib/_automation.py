"""Old path of ``grant_start``, kept while imports move to :mod:`constructs_lib.runbooks._base`."""

from constructs_lib.runbooks._base import grant_start

__all__ = ["grant_start"]
