"""DatabaseEndpointParameter: the database host the application uses, as a value a runbook can switch.

A point-in-time restore creates a *new* DB instance with a new endpoint; nothing points the
application at it unless the application reads its database host from somewhere the restore can
change. This is that place: an SSM String parameter holding the endpoint address.

Contract (both sides rely on it):

- **Value**: the DNS name of the DB instance the application must use (``Endpoint.Address`` of
  ``DescribeDBInstances``), nothing else (no port, no scheme; the port is 5432).
- **Application**: reads the parameter when it starts and whenever it (re)opens its connection
  pool, never caches it for longer than one pool's life; a restart is enough to follow a switch.
- **Switch** (the point-in-time restore runbook, or an operator): after the restored instance is
  ``available``, ``ssm:PutParameter`` with ``Overwrite=true`` and the restored instance's endpoint
  address, then restart the application (an instance refresh, or its service unit) so that it
  reconnects; to switch back, write the original endpoint again.
- **Deploys**: the template writes the stack's own instance's endpoint. CloudFormation writes the
  value only when the template's value changes, so a deploy after a switch keeps the switched value
  until the database resource itself changes (record the restored instance in the app's config,
  e.g. a new generation, to make the switch permanent).

Grants: :meth:`grant_read` for the application, :meth:`grant_switch` for whoever switches. Both name
the parameter's ARN from its name, so a role in another stack gets no cross-stack reference.
"""

from __future__ import annotations

import re

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib._core import Naming

__all__ = ["DatabaseEndpointParameter", "endpoint_parameter_name"]

#: SSM parameter names: letters, digits and ``_.-/``, hierarchical with ``/`` (SSM API,
#: ``PutParameter.Name``), at most 1011 characters with the prefix; this library keeps them short.
_NAME = re.compile(r"^/[a-zA-Z0-9_.\-/]{1,200}$")


def endpoint_parameter_name(naming: Naming) -> str:
    """``/{app}/{env}/db/endpoint``: the same name in every region of an environment."""
    return f"/{naming.app}/{naming.environment}/db/endpoint"


class DatabaseEndpointParameter(Construct):
    """The database host the application uses (see the module docstring for the contract).

    :param naming: App and environment.
    :param endpoint_address: The endpoint address written by the template (the stack's own instance,
        e.g. ``ResilientDatabase.endpoint_address``).
    :param parameter_name: Name of the parameter. Default: ``/{app}/{env}/db/endpoint``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        endpoint_address: str,
        parameter_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        name = parameter_name or endpoint_parameter_name(naming)
        if not _NAME.match(name):
            raise ValueError(
                f"parameter_name ({name!r}) must start with '/' and use letters, digits and '_.-/' "
                "(SSM parameter names)."
            )
        self.parameter_name = name
        self.parameter = ssm.StringParameter(
            self,
            "Resource",
            parameter_name=name,
            string_value=endpoint_address,
            description=(
                f"{naming.prefix}: endpoint address of the database the application uses; switched by "
                "the point-in-time restore runbook (PutParameter, then restart the application)."
            ),
        )

    def parameter_arn_in(self, scope: Construct) -> str:
        """The parameter's ARN for a policy in ``scope``'s stack (same account and region)."""
        return cdk.Stack.of(scope).format_arn(
            service="ssm",
            resource="parameter",
            resource_name=self.parameter_name.lstrip("/"),
        )

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (the application) read the endpoint."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ssm:GetParameter", "ssm:GetParameters"],
            resource_arns=[self._arn_for(grantee)],
        )

    def grant_switch(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (the restore runbook) read and overwrite the endpoint."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ssm:GetParameter", "ssm:PutParameter"],
            resource_arns=[self._arn_for(grantee)],
        )

    def _arn_for(self, grantee: iam.IGrantable) -> str:
        principal = grantee.grant_principal
        scope = principal if isinstance(principal, Construct) else self
        return self.parameter_arn_in(scope)
