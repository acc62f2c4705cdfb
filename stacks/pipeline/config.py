"""The delivery pipeline's settings: cdk.json's context key ``delivery``, validated and frozen.

    "delivery": {
      "account": "444444444444",                 # the tooling account that runs the pipeline
      "region": "ap-northeast-1",                # where the pipeline lives
      "connection_arn": "arn:aws:codeconnections:ap-northeast-1:444444444444:connection/<id>",
      "repository": "example-org/self-healing-web",
      "branch": "main",
      "environments": ["dev", "stg", "prod"],    # deployment order (default: cdk.json's order)
      "manual_approval": ["prod"]                # a person promotes into these (default: the last
                                                 # of several; none when only one is deployed)
    }

Every problem raises :class:`ConfigError` naming the key, the value and the fix, like the
environment configuration. The values committed in cdk.json are placeholders (the account
``444444444444``, the connection id of zeros, the ``example-org`` repository):
:func:`placeholder_values` lists those still in place, and the pipeline stack warns about them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stacks.config import AppConfig, ConfigError

#: The connection id committed in cdk.json: replace it with the id of your own connection.
PLACEHOLDER_CONNECTION_ID = "00000000-0000-0000-0000-000000000000"
#: The tooling account committed in cdk.json (like the environments' 111111111111, ...).
PLACEHOLDER_ACCOUNT = "444444444444"
#: The repository owner committed in cdk.json.
PLACEHOLDER_REPOSITORY_OWNER = "example-org"

_KEYS = ("account", "region", "connection_arn", "repository", "branch", "environments", "manual_approval")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# CodeConnections ARNs (arn:aws:codeconnections:...) and the older CodeStar Connections ARNs
# (arn:aws:codestar-connections:...) name the same kind of resource; both work as a pipeline source
# ("AWS CodeConnections" user guide, connections overview).
_CONNECTION_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):(?P<service>codeconnections|codestar-connections):"
    r"(?P<region>[a-z0-9-]+):(?P<account>\d{12}):connection/(?P<id>[0-9a-f-]{36})$"
)
# CodePipeline's FullRepositoryId: owner/name (GitLab groups may nest: group/subgroup/name).
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$")
_BRANCH = re.compile(r"^(?!/)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]+(?<![/.])$")


@dataclass(frozen=True)
class DeliveryConfig:
    """Where the pipeline runs, what it watches and in which order it deploys the environments."""

    account: str
    region: str
    connection_arn: str
    repository: str
    branch: str
    #: Environment names in deployment order.
    environments: tuple[str, ...]
    #: Environments a person promotes into (a manual approval, then the permissions-broadening check).
    manual_approval: tuple[str, ...]

    @property
    def connection_service(self) -> str:
        """``codeconnections`` or ``codestar-connections``: the prefix of the connection's ARN."""
        match = _CONNECTION_ARN.match(self.connection_arn)
        assert match is not None  # validated in load_delivery_config
        return match.group("service")


def _string(raw: Mapping[str, Any], key: str, example: str) -> str:
    if key not in raw:
        raise ConfigError(
            f"delivery.{key} is missing: add it to cdk.json's delivery block, e.g. {example!r}."
        )
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise ConfigError(f"delivery.{key} must be a non-empty string, got {value!r}: e.g. {example!r}.")
    return value


def _names(raw: Mapping[str, Any], key: str, default: list[str]) -> tuple[str, ...]:
    value = raw.get(key, default)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"delivery.{key} must be a list of environment names, got {value!r}.")
    if len(set(value)) != len(value):
        raise ConfigError(f"delivery.{key} lists an environment twice: {list(value)}. Name each once.")
    return tuple(value)


def load_delivery_config(context: Mapping[str, Any], app: AppConfig) -> DeliveryConfig:
    """Validate the context key ``delivery`` against the environments of ``app``."""
    raw = context.get("delivery")
    if raw is None:
        raise ConfigError(
            "delivery is missing: the pipeline needs a delivery block in cdk.json's context "
            "(account, region, connection_arn, repository, branch); see the README, 'Delivery pipeline'."
        )
    if not isinstance(raw, Mapping):
        raise ConfigError(f"delivery must be an object, got {raw!r}.")
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise ConfigError(
            f"delivery: unknown key(s) {', '.join(unknown)}. Check the spelling; allowed: {', '.join(_KEYS)}."
        )

    account = _string(raw, "account", PLACEHOLDER_ACCOUNT)
    if not _ACCOUNT.match(account):
        raise ConfigError(f"delivery.account is {account!r}: an AWS account id is 12 digits.")
    region = _string(raw, "region", "ap-northeast-1")
    if not _REGION.match(region):
        raise ConfigError(f"delivery.region is {region!r}: use a region code such as ap-northeast-1.")

    connection_arn = _string(
        raw,
        "connection_arn",
        f"arn:aws:codeconnections:{region}:{account}:connection/{PLACEHOLDER_CONNECTION_ID}",
    )
    match = _CONNECTION_ARN.match(connection_arn)
    if not match:
        raise ConfigError(
            f"delivery.connection_arn is {connection_arn!r}: expected a connection ARN "
            "(arn:aws:codeconnections:<region>:<account>:connection/<uuid>); copy it from the console's "
            "Developer Tools > Settings > Connections."
        )
    # Connections are global: one created in any region works in every region ("Global resources in
    # AWS CodeConnections", Developer Tools console user guide), so only the account must match. The
    # source action runs with the pipeline's own role, in the tooling account.
    if match.group("account") != account:
        raise ConfigError(
            f"delivery.connection_arn is in account {match.group('account')} but delivery.account is "
            f"{account}: the pipeline uses the connection with its own role; create the connection in the "
            "tooling account."
        )

    repository = _string(raw, "repository", f"{PLACEHOLDER_REPOSITORY_OWNER}/self-healing-web")
    if not _REPOSITORY.match(repository):
        raise ConfigError(
            f"delivery.repository is {repository!r}: write it as owner/name (e.g. my-org/self-healing-web), "
            "without https:// or .git."
        )
    branch = _string(raw, "branch", "main")
    if not _BRANCH.match(branch):
        raise ConfigError(f"delivery.branch is {branch!r}: not a valid git branch name (e.g. main).")

    known = list(app.environments)
    environments = _names(raw, "environments", known)
    if not environments:
        raise ConfigError(
            'delivery.environments is empty: list the environments to deploy, e.g. ["dev", "prod"].'
        )
    for name in environments:
        if name not in app.environments:
            raise ConfigError(
                f"delivery.environments contains {name!r}, which is not under environments in cdk.json: "
                f"use one of {', '.join(known)}."
            )
    # Default: a person promotes into the last environment (none when there is only one).
    manual_approval = _names(raw, "manual_approval", [environments[-1]] if len(environments) > 1 else [])
    for name in manual_approval:
        if name not in environments:
            raise ConfigError(
                f"delivery.manual_approval contains {name!r}, which the pipeline does not deploy: use one of "
                f"delivery.environments ({', '.join(environments)})."
            )
    if environments[0] in manual_approval:
        raise ConfigError(
            f"delivery.manual_approval contains the first environment ({environments[0]!r}): nothing is "
            "proven before it. Approve promotions into later environments only."
        )
    return DeliveryConfig(
        account=account,
        region=region,
        connection_arn=connection_arn,
        repository=repository,
        branch=branch,
        environments=environments,
        manual_approval=manual_approval,
    )


def placeholder_values(delivery: DeliveryConfig) -> list[str]:
    """The keys that still hold the placeholders committed in cdk.json, with what to put there."""
    found = []
    if delivery.account == PLACEHOLDER_ACCOUNT:
        found.append("delivery.account (the tooling account's id)")
    if delivery.connection_arn.endswith(PLACEHOLDER_CONNECTION_ID):
        found.append("delivery.connection_arn (the ARN of your CodeConnections connection)")
    if delivery.repository.split("/", 1)[0] == PLACEHOLDER_REPOSITORY_OWNER:
        found.append("delivery.repository (owner/name of your repository)")
    return found
