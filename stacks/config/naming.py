"""Names derived from the app and environment names: stages, switches, groups, keys, databases.

One place for every name more than one stack (or a runbook in another region) must agree on, so
none of them is typed twice. They are plain functions of strings: the schema's properties call them.
"""

from __future__ import annotations


def stage_name(environment: str) -> str:
    """The ``cdk.Stage`` of an environment: ``prod`` -> ``Prod`` (``cdk deploy 'Prod/*'``)."""
    return environment.capitalize()


def pause_parameter_name(app_name: str, environment: str) -> str:
    """The environment's pause switch (an SSM parameter, one per region)."""
    return f"/{app_name}/{environment}/pause"


def web_group_name(app_name: str, environment: str) -> str:
    """Fixed Auto Scaling group name (the same in both regions) for cross-region runbooks."""
    return f"{app_name}-{environment}-web"


def data_key_alias(app_name: str, environment: str) -> str:
    """Alias of the environment's data key (the same in both regions)."""
    return f"alias/{app_name}-{environment}-data"


def backup_vault_name(app_name: str, environment: str) -> str:
    return f"{app_name}-{environment}-backup"


def master_secret_name(app_name: str, environment: str) -> str:
    return f"{app_name}/{environment}/db-master"


def database_identifier(app_name: str, environment: str, region_label: str, generation: int) -> str:
    """``{app}-{env}-db-{region label}``, with ``-g<N>`` from generation 2 on."""
    suffix = f"-g{generation}" if generation > 1 else ""
    return f"{app_name}-{environment}-db-{region_label.lower()}{suffix}"
