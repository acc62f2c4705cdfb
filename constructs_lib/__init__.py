"""Reusable AWS CDK constructs for self-healing web services with cross-region disaster recovery.

    from constructs_lib import ResilientVpc, AutoHealingWebService

Each construct takes keyword-only, typed props with documented defaults and knows nothing about
environments or config files: the app in ``stacks/`` reads those and passes plain values.
"""

from constructs_lib.network import ResilientVpc
from constructs_lib.web_service import AutoHealingWebService, NightlyStop, TargetHealthCheck

__all__ = [
    "AutoHealingWebService",
    "NightlyStop",
    "ResilientVpc",
    "TargetHealthCheck",
]
