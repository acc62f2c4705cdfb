"""Monitoring layer of one region: severity topics, alarms, composites, escalation, healing, dashboard."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from constructs_lib._core import Severity
from constructs_lib.alerting import EscalationPolicy, EscalationTier, PauseSwitch, PauseSwitchAlarm
from constructs_lib.data import ReplicaLagAlarm
from constructs_lib.dr import AzOutageExperiment
from constructs_lib.healing import AutoHealing, InstanceCommands
from constructs_lib.monitoring import (
    AuditRules,
    AvailabilityBurnRateAlarms,
    CompositeHealthAlarm,
    DatabaseTarget,
    OperationsDashboard,
    ServiceAlarms,
    SeverityCompositeAlarms,
    WebServiceMetricFactory,
)
from constructs_lib.runbooks import InstanceRecoveryRunbook
from constructs_lib.web import AutoHealingWebService
from stacks.base import RegionalStack
from stacks.config import EnvironmentConfig

COMPONENT = "web"


class MonitoringStack(RegionalStack):
    """Everything operators see and are woken by, and the healing that acts before they are."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: EnvironmentConfig,
        region: str,
        web: AutoHealingWebService,
        database: DatabaseTarget | None = None,
    ) -> None:
        super().__init__(scope, id, config=config, region=region, description="monitoring and auto-healing")
        naming = config.naming
        component = naming.for_component(COMPONENT)
        # The switch itself lives in the Compute stack; here it is read by name (no cross-stack export).
        pause_switch = PauseSwitch.from_parameter_name(
            self, "PauseSwitchParameter", config.pause_parameter_name
        )
        self.topics = self.alert_topics()
        topics = self.topics.topics

        # --- healing: EventBridge rules -> function; runbook for what the quick fix cannot cure ----
        # The one Run Command document of this environment and region (healing sends only this one).
        self.instance_commands = InstanceCommands(self, "InstanceCommands", app_probe=web.app_probe)
        self.runbook = InstanceRecoveryRunbook(
            self,
            "InstanceRecovery",
            naming=config.naming,
            notification_topics=topics,
            app_probe=web.app_probe,
            # Diagnostics and restarts through the same document the function sends.
            command_document_name=self.instance_commands.document_name,
        )
        healing = config.healing
        self.healing = AutoHealing(
            self,
            "AutoHealing",
            naming=config.naming,
            notification_topics=topics,
            # The switch lives in the compute stack; imported by name (no resource, no cross-stack export).
            pause_switch=PauseSwitch.from_parameter_name(
                self, "HealingPauseSwitch", config.pause_parameter_name
            ),
            recovery_runbook=self.runbook,
            app_probe=web.app_probe,
            instance_commands=self.instance_commands,
            auto_scaling_group_names=[web.auto_scaling_group_name],
            db_instance_identifiers=[database.instance_identifier] if database else None,
            dry_run=healing.dry_run,
            **healing.limits(),
            removal_policy=self.removal_policy,
            log_retention=self.log_retention,
        )

        # --- alarms from the threshold table; child alarms carry no actions ------------------------
        self.alarms = ServiceAlarms(
            self,
            "WebAlarms",
            naming=component,
            metrics=WebServiceMetricFactory(
                auto_scaling_group_name=web.auto_scaling_group.auto_scaling_group_name,
                load_balancer=web.load_balancer,
                target_group=web.target_group,
                database=database,
            ),
            thresholds=config.alarm_table(),
        )
        self.health = CompositeHealthAlarm(
            self,
            "SystemHealth",
            naming=component,
            saturation_alarms=[self.alarms.alarm("cpu"), self.alarms.alarm("memory")],
            latency_alarm=self.alarms.alarm("latency-anomaly"),
        )
        self.burn_rate = AvailabilityBurnRateAlarms(
            self,
            "AvailabilitySlo",
            naming=component,
            load_balancer=web.load_balancer,
            slo_target_percent=config.monitoring.slo_availability_percent,
        )
        self.pause = PauseSwitchAlarm(
            self,
            "PauseSwitch",
            naming=naming,
            pause_switch=pause_switch,
            log_retention=self.log_retention,
            log_removal_policy=self.removal_policy,
        )
        # A standby replica's lag is the data a region failover would lose: the library's alarm, built
        # here because a composite and the alarms it names must live in one stack.
        self.replica_lag: ReplicaLagAlarm | None = None
        if database is not None and region != config.active_region:
            self.replica_lag = ReplicaLagAlarm(
                self,
                "ReplicaLagAlarm",
                naming=config.naming,
                database_identifier=database.instance_identifier,
            )

        # A failed nightly-pause run can leave the switch at "scheduled", which silences the composites
        # below: its alarm pages the high topic itself and is no composite's child.
        self.nightly_pause_failed = (
            web.nightly_pause.failure_alarm(
                self,
                "NightlyPauseFailed",
                naming=component,
                topic=topics[Severity.HIGH],
                schedule_group=web.pause_schedules[0].schedule_group,
            )
            if web.nightly_pause is not None
            else None
        )

        # Staged escalation of the composites that page people. Their names are known in advance, so
        # the escalation (whose own failure alarm feeds the composites) is built first.
        paging_severities = (Severity.HIGH, Severity.CRITICAL)
        self.escalation = EscalationPolicy(
            self,
            "Escalation",
            naming=naming,
            tiers=[
                EscalationTier(
                    name=t.name,
                    topic=topics[t.severity],
                    escalate_after=t.escalate_after,
                )
                for t in config.monitoring.escalation
            ],
            alarm_names=[component.alarm_name("incident", s) for s in paging_severities],
            pause_switch=pause_switch,
            log_retention=self.log_retention,
            log_removal_policy=self.removal_policy,
        )
        # One composite per severity pages once per incident, silenced while the pause switch is on.
        self.incidents = SeverityCompositeAlarms(
            self,
            "Incidents",
            naming=component,
            sources=[
                self.alarms,
                self.health,
                self.burn_rate,
                self.escalation,
                *([self.replica_lag] if self.replica_lag is not None else []),
                self.healing,
            ],
            notification_topics=topics,
            actions_suppressor=self.pause.alarm,
        )
        # Every severity that pages (the composites, the escalation tiers, the audit findings) must
        # reach someone: a ConfigError in production, a warning elsewhere.
        in_use = {*self.incidents.severities, *(t.severity for t in config.monitoring.escalation)}
        if config.monitoring.audit_rules:
            in_use.add(Severity.MEDIUM)
        self.require_subscribers(self.topics, in_use)
        if config.monitoring.audit_rules:
            AuditRules(
                self,
                "Audit",
                naming=naming,
                notification_topic=topics["medium"],
                check_cloudtrail=region == config.active_region,
            )

        # Game day: FIS stops this environment's instances in one zone; a page stops the experiment.
        if region == config.active_region:
            self.az_outage = AzOutageExperiment(
                self,
                "AzOutage",
                naming=config.naming,
                availability_zone=config.region_config(region).availability_zones[0],
                stop_condition_alarms=[item.alarm for item in self.incidents.alarms],
            )

        self.dashboard = OperationsDashboard(
            self,
            "Dashboard",
            naming=naming,
            sources=[self.alarms, self.burn_rate, self.escalation, self.topics],
            alarms=[self.incidents, self.alarms],
            healing_namespace=self.healing.metrics_namespace,
            healing_log_group=self.healing.log_group,
        )
        cdk.CfnOutput(self, "HealingFunctionName", value=self.healing.function.function_name)
        cdk.CfnOutput(self, "LedgerTableName", value=self.healing.ledger.table_name)
