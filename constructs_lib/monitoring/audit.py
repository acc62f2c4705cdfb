"""AuditRules: AWS Config managed rules for the ops guide's audit items (optional per environment).

* security groups open to the world on admin and database ports (``restricted-common-ports``) and
  on SSH (``restricted-ssh``),
* unencrypted EBS volumes (``encrypted-volumes``),
* CloudTrail enabled in the account (``cloudtrail-enabled``).

Config rules need a configuration recorder in the account and region (AWS Config set up once per
account, usually by the landing zone); without one they stay "No results". Resource rules are scoped
to resources tagged ``Environment=<environment>`` (a Config scope cannot combine a resource
type with a tag; these rules only evaluate their own resource types anyway), so each environment
audits its own resources.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_config as config
from aws_cdk import aws_events as events
from aws_cdk import aws_sns as sns
from constructs import Construct

from constructs_lib._core import Naming
from constructs_lib.alerting.publishers import TopicTarget
from constructs_lib.monitoring.naming import with_component

DEFAULT_RESTRICTED_PORTS: tuple[int, ...] = (22, 3389, 3306, 5432, 6379)
"""SSH, RDP, MySQL, PostgreSQL, Redis: never open to 0.0.0.0/0."""


class AuditRules(Construct):
    """AWS Config managed rules, named ``{app}-{env}-{rule}``.

    :param naming: app and environment of the rule names; the environment is also the value of the
        scope tag (the component is not used).
    :param restricted_ports: ports that must not be open to the world (at most 5, a limit of
        ``restricted-common-ports``). Default: :data:`DEFAULT_RESTRICTED_PORTS`.
    :param check_cloudtrail: add the account-level ``cloudtrail-enabled`` rule. Default: True. Turn it
        off in all but one environment sharing an account to avoid duplicate findings.
    :param scope_tag_key: tag that scopes resource rules to this environment. Default: ``Environment``.
    :param notification_topic: topic told when a rule finds a NON_COMPLIANT resource; only the
        finding rule may publish to it (:class:`~constructs_lib.alerting.TopicTarget`).
        Default: no notification (findings stay in the Config console).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        naming: Naming,
        restricted_ports: Sequence[int] = DEFAULT_RESTRICTED_PORTS,
        check_cloudtrail: bool = True,
        scope_tag_key: str = "Environment",
        notification_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, id)
        naming = with_component(naming, "audit")
        environment_name = naming.environment
        if not 1 <= len(restricted_ports) <= 5:
            raise ValueError(
                f"restricted_ports has {len(restricted_ports)} ports; restricted-common-ports takes 1 to 5."
            )
        for port in restricted_ports:
            if not isinstance(port, int) or not 0 < port < 65536:
                raise ValueError(f"restricted_ports: {port!r} is not a TCP port (1-65535).")
        prefix = naming.prefix
        tagged = config.RuleScope.from_tag(scope_tag_key, environment_name)

        self.rules: dict[str, config.ManagedRule] = {
            "restricted-common-ports": config.ManagedRule(
                self,
                "RestrictedCommonPorts",
                config_rule_name=f"{prefix}-restricted-common-ports",
                description="Security groups must not open admin or database ports to 0.0.0.0/0.",
                identifier=config.ManagedRuleIdentifiers.EC2_SECURITY_GROUPS_RESTRICTED_INCOMING_TRAFFIC,
                input_parameters={
                    f"blockedPort{i}": port for i, port in enumerate(restricted_ports, start=1)
                },
                rule_scope=tagged,
            ),
            "restricted-ssh": config.ManagedRule(
                self,
                "RestrictedSsh",
                config_rule_name=f"{prefix}-restricted-ssh",
                description="Security groups must not allow SSH from 0.0.0.0/0 (use Session Manager).",
                identifier=config.ManagedRuleIdentifiers.EC2_SECURITY_GROUPS_INCOMING_SSH_DISABLED,
                rule_scope=tagged,
            ),
            "encrypted-volumes": config.ManagedRule(
                self,
                "EncryptedVolumes",
                config_rule_name=f"{prefix}-encrypted-volumes",
                description=(
                    f"Attached EBS volumes tagged {scope_tag_key}={environment_name} must be encrypted."
                ),
                identifier=config.ManagedRuleIdentifiers.EBS_ENCRYPTED_VOLUMES,
                rule_scope=tagged,
            ),
        }
        if check_cloudtrail:
            self.rules["cloudtrail-enabled"] = config.ManagedRule(
                self,
                "CloudTrailEnabled",
                config_rule_name=f"{prefix}-cloudtrail-enabled",
                description="CloudTrail must be recording in this account.",
                identifier=config.ManagedRuleIdentifiers.CLOUD_TRAIL_ENABLED,
                maximum_execution_frequency=config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS,
            )

        self.compliance_rule: events.Rule | None = None
        if notification_topic is not None:
            self.compliance_rule = events.Rule(
                self,
                "OnNonCompliant",
                description=f"Tell the operators when a {prefix} audit rule finds a non-compliant resource.",
                event_pattern=events.EventPattern(
                    source=["aws.config"],
                    detail_type=["Config Rules Compliance Change"],
                    detail={
                        "configRuleName": [rule.config_rule_name for rule in self.rules.values()],
                        "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]},
                    },
                ),
                targets=[
                    TopicTarget(
                        notification_topic,
                        message=events.RuleTargetInput.from_text(
                            f"Audit finding: {events.EventField.from_path('$.detail.resourceType')} "
                            f"{events.EventField.from_path('$.detail.resourceId')} is NON_COMPLIANT with "
                            f"{events.EventField.from_path('$.detail.configRuleName')}."
                        ),
                    )
                ],
            )
