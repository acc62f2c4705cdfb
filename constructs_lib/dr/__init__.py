"""Cross-region disaster recovery: the DR strategy, DNS failover between regions, and game-day faults.

- :mod:`~constructs_lib.dr.strategy`: :class:`DrStrategy`, what stands ready in the DR region.
- :mod:`~constructs_lib.dr.dns`: :class:`RegionalFailover`, Route 53 records switched by runbooks.
- :mod:`~constructs_lib.dr.fis`: :class:`AzOutageExperiment`, an AWS FIS availability-zone outage.

Backups copied to the DR region live with the data: :mod:`constructs_lib.data.backup`.
"""

from constructs_lib.dr.dns import FailoverEndpoint, RegionalFailover, health_check_arn, region_switch_states
from constructs_lib.dr.fis import AzOutageExperiment
from constructs_lib.dr.strategy import DrStrategy

__all__ = [
    "AzOutageExperiment",
    "DrStrategy",
    "FailoverEndpoint",
    "RegionalFailover",
    "health_check_arn",
    "region_switch_states",
]
