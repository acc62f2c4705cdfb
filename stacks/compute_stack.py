"""Compute layer of one region: the auto-healing web service and the environment's pause switch."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from constructs_lib.alerting import PauseSwitch
from constructs_lib.data import endpoint_parameter_name
from constructs_lib.web import AutoHealingWebService, ZonalAutoshift
from stacks.base import RegionalStack
from stacks.config import EnvironmentConfig
from stacks.config.schema import PLACEHOLDER_CERTIFICATE_MARK


class ComputeStack(RegionalStack):
    def __init__(
        self, scope: Construct, id: str, *, config: EnvironmentConfig, region: str, vpc: ec2.IVpc
    ) -> None:
        super().__init__(scope, id, config=config, region=region, description="compute (ALB, Auto Scaling)")
        rc = config.region_config(region)
        capacity = config.capacity_for(region)
        hc = config.health_check

        # The environment-wide pause switch (per region): maintenance and drills set it to "true", the
        # nightly stop to "scheduled" (and clears only that); healing, alarm actions and DR automation
        # do nothing while it reads anything but "false".
        self.pause_switch = PauseSwitch(
            self,
            "PauseSwitch",
            naming=config.naming,
            parameter_name=config.pause_parameter_name,
            with_alarm=False,  # the Monitoring stack publishes it and holds the composites' suppressor
        )
        nightly = (
            config.schedule.nightly_stop(
                log_retention=self.log_retention, log_removal_policy=self.removal_policy
            )
            if config.schedule is not None and region == config.active_region
            else None
        )
        self.web = AutoHealingWebService(
            self,
            "Web",
            vpc=vpc,
            naming=config.naming,  # the group is {app}-{env}-web: runbooks in the other region name it
            app_probe=config.app_probe,
            instance_type=config.instance_type,
            min_capacity=capacity.min,
            max_capacity=capacity.max,
            desired_capacity=capacity.desired,
            health_check=hc.target(),
            health_check_grace=cdk.Duration.seconds(hc.grace_period_seconds),
            certificate_arn=rc.certificate_arn,
            allow_plain_http=config.allow_plain_http,
            warm_pool_size=config.warm_pool_size if region == config.active_region else 0,
            # Autoshift (and its weekly practice runs) where users are: the active region.
            zonal_autoshift=ZonalAutoshift()
            if config.zonal_autoshift and region == config.active_region
            else None,
            nightly_stop=nightly,
            # By name: the schedules' input then shows the literal parameter name.
            pause_switch=(
                PauseSwitch.from_parameter_name(self, "PauseSwitchByName", config.pause_parameter_name)
                if nightly
                else None
            ),
            # The database host the app reads when it starts (the data stack writes the parameter;
            # the point-in-time restore runbook switches it and restarts the app).
            database_endpoint_parameter=endpoint_parameter_name(config.naming)
            if config.has_database(region)
            else None,
            removal_policy=self.removal_policy,
        )

        if rc.certificate_arn:
            # Until HTTPS, the Monitoring stack read the load balancer's name through the port-80
            # listener's exported ARN. CloudFormation refuses to delete an export still imported, and
            # this stack deploys first: keep the export until Monitoring has been deployed once with
            # HTTPS in every environment, then remove this line.
            self.export_value(self.web.http_listener.listener_arn)
        if rc.certificate_arn and PLACEHOLDER_CERTIFICATE_MARK in rc.certificate_arn:
            # Info, not a warning: the shipped cdk.json must pass `cdk synth --strict` offline, and the
            # deploy itself fails on the placeholder (ACM has no such certificate), loudly.
            cdk.Annotations.of(self.web).add_info(
                f"[webapp:placeholder-certificate] {rc.certificate_arn} is the placeholder shipped in "
                "cdk.json: it synthesizes, but the deploy fails until you put this region's ACM "
                "certificate ARN in its place."
            )
        if nightly:
            for schedule in self.web.pause_schedules:
                schedule.node.add_dependency(self.pause_switch)

        cdk.CfnOutput(self, "LoadBalancerDnsName", value=self.web.load_balancer.load_balancer_dns_name)
        cdk.CfnOutput(self, "AutoScalingGroupName", value=self.web.auto_scaling_group_name)
        cdk.CfnOutput(self, "TargetGroupArn", value=self.web.target_group.target_group_arn)
