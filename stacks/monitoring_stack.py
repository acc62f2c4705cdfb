"""Monitoring layer of one region: severity topics, alarms, composites, escalation, healing, dashboard."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from constructs_lib._core import AppProbe, by_severity
from constructs_lib.alerting import EscalationPolicy, EscalationTier, PauseSwitch, PauseSwitchAlarm
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
    alarm_name,
)
from constructs_lib.runbooks import InstanceRecoveryRunbook
from constructs_lib.web import AutoHealingWebService
from stacks.base import RegionalStack
from stacks.config import EnvironmentConfig

COMPONENT = "web"
#: Replica lag that pages: the data loss of a region failover stays about a minute.
REPLICA_LAG_THRESHOLD_SECONDS = 60


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
        app, env = config.app_name, config.name
        self.topics = self.alert_topics()
        topics = self.topics.topics

        # --- healing: EventBridge rules -> function; runbook for what the quick fix cannot cure ----
        self.runbook = InstanceRecoveryRunbook(
            self,
            "InstanceRecovery",
            environment_name=env,
            notification_topics=topics,
            service_unit=web.service_unit,
            health_check_port=web.app_port,
            health_check_path=web.health_check.path,
        )
        healing = config.healing
        app_probe = AppProbe(
            port=web.app_port, service_unit=web.service_unit, health_path=web.health_check.path
        )
        # The one Run Command document of this environment and region (healing sends only this one).
        self.instance_commands = InstanceCommands(self, "InstanceCommands", app_probe=app_probe)
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
            app_probe=app_probe,
            instance_commands=self.instance_commands,
            auto_scaling_group_names=[web.auto_scaling_group_name],
            db_instance_identifiers=[database.instance_identifier] if database else None,
            dry_run=healing.dry_run,
            max_actions_per_resource_per_hour=healing.max_actions_per_resource_per_hour,
            incident_window=cdk.Duration.seconds(healing.incident_window_seconds),
            reserved_concurrency=healing.reserved_concurrency,
            removal_policy=self.removal_policy,
            log_retention=self.log_retention,
        )

        # --- alarms from the threshold table; child alarms carry no actions ------------------------
        self.alarms = ServiceAlarms(
            self,
            "WebAlarms",
            app_name=app,
            environment_name=env,
            component=COMPONENT,
            auto_scaling_group=web.auto_scaling_group,
            load_balancer=web.load_balancer,
            target_group=web.target_group,
            database=database,
            thresholds=config.alarm_table(),
        )
        self.health = CompositeHealthAlarm(
            self,
            "SystemHealth",
            app_name=app,
            environment_name=env,
            component=COMPONENT,
            saturation_alarms=[self.alarms.alarm("cpu"), self.alarms.alarm("memory")],
            latency_alarm=self.alarms.alarm("latency-anomaly"),
        )
        self.burn_rate = AvailabilityBurnRateAlarms(
            self,
            "AvailabilitySlo",
            app_name=app,
            environment_name=env,
            component=COMPONENT,
            load_balancer=web.load_balancer,
            slo_target_percent=config.monitoring.slo_availability_percent,
        )
        self.pause = PauseSwitchAlarm(
            self,
            "PauseSwitch",
            app_name=app,
            environment_name=env,
            pause_parameter_name=config.pause_parameter_name,
            log_retention=self.log_retention,
        )
        # A standby replica's lag is the data a region failover would lose: bound it by an alarm.
        self.replica_lag: dict[str, list[cloudwatch.IAlarm]] = {}
        if database is not None and region != config.active_region:
            lag = cloudwatch.Alarm(
                self,
                "ReplicaLagAlarm",
                alarm_name=alarm_name(app, env, "db", "replica-lag", "high"),
                alarm_description=(
                    f"The {region} replica is more than {REPLICA_LAG_THRESHOLD_SECONDS} s behind the "
                    "primary: a region failover now would lose that much data. Fires within ~5 min."
                ),
                metric=cloudwatch.Metric(
                    namespace="AWS/RDS",
                    metric_name="ReplicaLag",
                    dimensions_map={"DBInstanceIdentifier": database.instance_identifier},
                    statistic="Maximum",
                    period=cdk.Duration.minutes(1),
                ),
                threshold=REPLICA_LAG_THRESHOLD_SECONDS,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=3,
                datapoints_to_alarm=3,
                # No data = replication stopped or the replica is down: as bad as lag.
                treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
            )
            self.replica_lag = {"high": [lag]}

        # Staged escalation of the composites that page people. Their names are known in advance, so
        # the escalation (whose own failure alarm feeds the composites) is built first.
        paging_severities = ("high", "critical")
        self.escalation = EscalationPolicy(
            self,
            "Escalation",
            app_name=app,
            environment_name=env,
            tiers=[
                EscalationTier(
                    name=t.name,
                    topic=topics[t.severity],
                    escalate_after=cdk.Duration.minutes(t.after_minutes),
                )
                for t in config.monitoring.escalation
            ],
            alarm_names=[alarm_name(app, env, COMPONENT, "incident", s) for s in paging_severities],
            pause_parameter_name=config.pause_parameter_name,
            log_retention=self.log_retention,
        )
        # One composite per severity pages once per incident, silenced while the pause switch is on.
        self.incidents = SeverityCompositeAlarms(
            self,
            "Incidents",
            app_name=app,
            environment_name=env,
            component=COMPONENT,
            sources=[
                self.alarms,
                self.health,
                self.burn_rate,
                self.escalation,
                by_severity(self.healing.alarms),
            ],
            notification_topics=topics,
            actions_suppressor=self.pause.alarm,
        )
        if config.monitoring.audit_rules:
            AuditRules(
                self,
                "Audit",
                app_name=app,
                environment_name=env,
                notification_topic=topics["medium"],
                check_cloudtrail=region == config.active_region,
            )

        # Game day: FIS stops this environment's instances in one zone; a page stops the experiment.
        if region == config.active_region:
            self.az_outage = AzOutageExperiment(
                self,
                "AzOutage",
                environment_name=env,
                availability_zone=config.region_config(region).availability_zones[0],
                stop_condition_alarms=list(self.incidents.alarms.values()),
                experiment_name=f"{app}-{env}-az-outage",
            )

        self.dashboard = OperationsDashboard(
            self,
            "Dashboard",
            app_name=app,
            environment_name=env,
            sources=[self.alarms, self.burn_rate, self.escalation, self.topics],
            alarms=[*self.incidents.alarms.values(), *self.alarms.alarms],
            healing_namespace=self.healing.metrics_namespace,
            healing_log_group=self.healing.log_group,
        )
        cdk.CfnOutput(self, "HealingFunctionName", value=self.healing.function.function_name)
        cdk.CfnOutput(self, "LedgerTableName", value=self.healing.ledger.table_name)
