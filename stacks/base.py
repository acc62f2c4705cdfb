"""What every stack of this app shares: pinned zones, removal policy and log retention from config."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_lib.alerting import SeverityTopics
from stacks.config import EnvironmentConfig
from stacks.config.errors import ConfigError

#: Warning id of a severity that alarms page but nobody is subscribed to (environments without retain_data).
UNROUTED_SEVERITY = "app:severity-without-subscriber"

#: CloudWatch Logs accepts these retention periods only.
RETENTION_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


class RegionalStack(cdk.Stack):
    """A stack of one environment in one region.

    Availability zones come from the config, so synthesis never asks AWS for them (the CLI would
    otherwise look them up, and offline they come out as ``dummy1a``).
    """

    def __init__(
        self, scope: Construct, id: str, *, config: EnvironmentConfig, region: str, description: str
    ) -> None:
        super().__init__(
            scope,
            id,
            env=cdk.Environment(account=config.account, region=region),
            description=f"{config.app_name} {config.name}: {description}",
            termination_protection=config.retain_data,
            # Load balancer names flow to us-east-1 (Route 53) and health-check ids to the DR runbooks:
            # CDK's SSM-backed cross-region references, not hand-copied ARNs.
            cross_region_references=True,
        )
        self.config = config
        self._zones = (
            list(config.region_config(region).availability_zones)
            if region
            in (
                config.primary.region,
                config.dr.region,
            )
            else []
        )

    @property
    def availability_zones(self) -> list[str]:
        return self._zones or super().availability_zones

    @property
    def removal_policy(self) -> cdk.RemovalPolicy:
        """prod keeps data, keys and logs; dev and stg tear down cleanly."""
        return cdk.RemovalPolicy.RETAIN if self.config.retain_data else cdk.RemovalPolicy.DESTROY

    @property
    def log_retention(self) -> logs.RetentionDays:
        return RETENTION_DAYS[self.config.log_retention_days]

    def alert_topics(self, *, chat: bool = True) -> SeverityTopics:
        """The environment's severity topics in this region, subscribed as ``notifications`` says.

        ``chat=False`` leaves out the AWS Chatbot channel (us-east-1 pages by email, SMS and pager).
        """
        n = self.config.notifications
        return SeverityTopics(
            self,
            "Alerts",
            naming=self.config.naming,
            severity_endpoints={
                severity: e if chat else dataclasses.replace(e, slack_channel_ids=())
                for severity, e in n.endpoints.items()
            },
            slack_workspace_id=n.slack_workspace_id if chat else None,
            key_removal_policy=self.removal_policy,
        )

    def require_subscribers(
        self, topics: SeverityTopics, severities: Iterable[str], *, chat: bool = True
    ) -> None:
        """Every severity this stack pages (``severities``) must reach someone through ``topics``.

        A severity nobody is subscribed to is a ConfigError naming its ``notifications`` key in an
        environment with ``retain_data`` (production), and a warning elsewhere.
        """
        missing = topics.severities_without_subscribers(tuple(severities))
        if not missing:
            return
        prefix = f"environments.{self.config.name}.notifications"
        keys = ", ".join(f"{prefix}.{severity}" for severity in missing)
        channels = (
            "emails, sms, https or slack_channel_ids" if chat else "emails, sms or https (no Slack here)"
        )
        names = [str(severity) for severity in missing]
        topics_text = (
            f"{names[0]} topic" if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]} topics"
        )
        message = (
            f"{keys}: alarms of {self.node.path} page the {topics_text}, which nobody is subscribed to "
            f"in {self.region}: add {channels}, so that every severity in use reaches someone."
        )
        if self.config.retain_data:
            raise ConfigError(message)
        cdk.Annotations.of(self).add_warning_v2(UNROUTED_SEVERITY, message)
