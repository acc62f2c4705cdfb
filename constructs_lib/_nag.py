"""Acknowledging rule findings next to the code that causes them.

Uses aws-cdk-lib's own ``Validations`` API, so the library does not depend on cdk-nag: an app that
runs cdk-nag 3 (a validation plugin) sees the acknowledgements; an app that does not, loses nothing.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge ``rule_id`` (exact id, e.g. ``AwsSolutions-IAM5[Resource::*]``) on ``scope``."""
    if len(reason) < 20:
        raise ValueError(f"acknowledgement of {rule_id} needs a specific reason, got {reason!r}.")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))


def nag_arn(scope: IConstruct, service: str, resource: str) -> str:
    """An ARN of ``scope``'s stack as cdk-nag writes it in finding ids.

    Literal region/account when the stack has them, ``<AWS::Region>``/``<AWS::AccountId>`` when not;
    the partition is always ``<AWS::Partition>`` (the app keeps partition literals off).
    """
    stack = cdk.Stack.of(scope)
    region = "<AWS::Region>" if cdk.Token.is_unresolved(stack.region) else stack.region
    account = "<AWS::AccountId>" if cdk.Token.is_unresolved(stack.account) else stack.account
    return f"arn:<AWS::Partition>:{service}:{region}:{account}:{resource}"
