"""AutoHealingWebService: ALB + Auto Scaling group of Amazon Linux 2023 instances that heal themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from constructs_lib._nag import acknowledge
from constructs_lib._userdata import boot_script


@dataclass(frozen=True)
class TargetHealthCheck:
    """How the load balancer decides an instance is dead.

    Default: ``/health`` every 10 s, unhealthy after 2 failures, so a dead instance leaves the
    rotation within 20 s (the seed's 30 s x 3 took 90 s).
    """

    path: str = "/health"
    interval_seconds: int = 10
    timeout_seconds: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 2

    def validate(self) -> None:
        if not self.path.startswith("/"):
            raise ValueError(f"health_check.path ({self.path!r}) must start with '/'.")
        if not 5 <= self.interval_seconds <= 300:
            raise ValueError(f"health_check.interval_seconds ({self.interval_seconds}) must be 5-300.")
        if not 2 <= self.timeout_seconds < self.interval_seconds:
            raise ValueError(
                f"health_check.timeout_seconds ({self.timeout_seconds}) must be >= 2 and less than "
                f"interval_seconds ({self.interval_seconds})."
            )
        for name in ("healthy_threshold", "unhealthy_threshold"):
            value = getattr(self, name)
            if not 2 <= value <= 10:
                raise ValueError(f"health_check.{name} ({value}) must be 2-10.")


@dataclass(frozen=True)
class NightlyStop:
    """Scale to zero at night and back in the morning, pausing healing and paging meanwhile.

    Cron expressions have five fields (minute hour day-of-month month day-of-week) in ``timezone``.
    Default: the ops guide's 22:00 stop and 08:00 start, weekdays, Japan time. The pause switch is set
    ``pause_lead_minutes`` before the stop and cleared ``resume_delay_minutes`` after the start (once
    the new instances have booted and passed their health checks).
    """

    stop_cron: str = "0 22 * * MON-FRI"
    start_cron: str = "0 8 * * MON-FRI"
    timezone: str = "Asia/Tokyo"
    pause_lead_minutes: int = 5
    resume_delay_minutes: int = 15


_CRON = re.compile(r"^(?P<minute>\S+) (?P<hour>\S+) (?P<day>\S+) (?P<month>\S+) (?P<week_day>\S+)$")


def _cron_fields(expr: str, *, name: str) -> dict[str, str]:
    m = _CRON.match(expr.strip())
    if not m:
        raise ValueError(f"{name} ({expr!r}) must have 5 fields: 'minute hour day month weekday'.")
    return m.groupdict()


def _shift(fields: dict[str, str], minutes: int, *, name: str) -> dict[str, str]:
    """Move a cron with a fixed minute and hour by ``minutes`` within the same day."""
    if not (fields["minute"].isdigit() and fields["hour"].isdigit()):
        raise ValueError(
            f"{name}: the pause switch needs a fixed minute and hour to schedule around, "
            f"got minute={fields['minute']!r} hour={fields['hour']!r}."
        )
    total = int(fields["hour"]) * 60 + int(fields["minute"]) + minutes
    if not 0 <= total < 24 * 60:
        raise ValueError(f"{name}: shifting by {minutes} min crosses midnight; move the schedule.")
    return {**fields, "hour": str(total // 60), "minute": str(total % 60)}


def _explicit(fields: dict[str, str]) -> dict[str, str]:
    """Cron fields other than '*' (CDK rejects a day together with a week day)."""
    return {k: v for k, v in fields.items() if v != "*"}


class AutoHealingWebService(Construct):
    """An internet-facing web tier that replaces what breaks.

    - ALB in the public subnets; HTTP redirects to HTTPS when ``certificate_arn`` is given.
      The ALB's security group is open on 80/443; instances accept traffic from the ALB only.
    - Target group on ``health_check.path`` served by the application's own process.
    - Launch template: Amazon Linux 2023 (resolved from the public SSM parameter at deploy time),
      IMDSv2 required, encrypted gp3 root volume, detailed monitoring, the app as a systemd unit,
      the SSM agent and the CloudWatch agent (memory and disk, aggregated by group).
    - Auto Scaling group with ELB health checks, target tracking on CPU and requests per target,
      launch-before-terminate instance maintenance, rolling updates, optional warm pool and nightly
      stop. The template never carries a desired capacity, so a deploy never undoes scaling or healing.

    :param vpc: The VPC; instances go in ``instance_subnets``, the ALB in ``load_balancer_subnets``.
    :param instance_type: e.g. ``t3.micro``.
    :param min_capacity: Minimum instances (0 for a standby region at zero).
    :param max_capacity: Maximum instances.
    :param desired_capacity: Capacity restored by the morning start of ``nightly_stop``.
        Default: ``min_capacity``. It is never written to the group itself.
    :param app_port: Port of the application's HTTP server. Default: 8080.
    :param service_unit: systemd unit name of the application. Default: ``webapp``.
    :param health_check: Target-group health check. Default: see :class:`TargetHealthCheck`.
    :param health_check_grace: Time after launch before health checks count. Default: 180 s (boot
        plus passing the ALB check; a shorter grace kills replacements before they are ready).
    :param certificate_arn: ACM certificate (same region) for HTTPS. Default: HTTP only.
    :param cpu_target_percent: Target-tracking CPU utilisation. Default: 70.
    :param requests_per_target: Target-tracking ALB requests per target per minute. Default: 1000.
    :param warm_pool_size: Stopped pre-initialised instances kept ready. Default: 0 (no warm pool).
    :param nightly_stop: Scale to zero at night. Default: runs around the clock.
    :param pause_parameter_name: SSM parameter of the environment's pause switch that
        ``nightly_stop`` sets. Required with ``nightly_stop``.
    :param access_logs: Write ALB access logs to an encrypted bucket. Default: true.
    :param removal_policy: For the access-log bucket. ``DESTROY`` also empties it on deletion.
        Default: ``RETAIN``.
    :param group_name: Fixed name of the Auto Scaling group, so runbooks in another region can address
        it without a cross-region reference. Default: a name generated by CloudFormation.
    :param instance_subnets: Default: the ``Private`` subnet group.
    :param load_balancer_subnets: Default: the ``Public`` subnet group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        instance_type: str,
        min_capacity: int,
        max_capacity: int,
        desired_capacity: int | None = None,
        app_port: int = 8080,
        service_unit: str = "webapp",
        health_check: TargetHealthCheck | None = None,
        health_check_grace: cdk.Duration | None = None,
        certificate_arn: str | None = None,
        cpu_target_percent: float = 70,
        requests_per_target: int = 1000,
        warm_pool_size: int = 0,
        nightly_stop: NightlyStop | None = None,
        pause_parameter_name: str | None = None,
        access_logs: bool = True,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        group_name: str | None = None,
        instance_subnets: ec2.SubnetSelection | None = None,
        load_balancer_subnets: ec2.SubnetSelection | None = None,
    ) -> None:
        super().__init__(scope, id)
        health_check = health_check or TargetHealthCheck()
        health_check.validate()
        desired = min_capacity if desired_capacity is None else desired_capacity
        if min_capacity < 0 or max_capacity < 1:
            raise ValueError(
                f"min_capacity ({min_capacity}) must be >= 0 and max_capacity ({max_capacity}) >= 1."
            )
        if min_capacity > max_capacity:
            raise ValueError(
                f"min_capacity ({min_capacity}) must be <= max_capacity ({max_capacity}): "
                "lower the minimum or raise the maximum."
            )
        if not min_capacity <= desired <= max_capacity:
            raise ValueError(
                f"desired_capacity ({desired}) must be between min_capacity ({min_capacity}) "
                f"and max_capacity ({max_capacity})."
            )
        if not 1 <= cpu_target_percent <= 100:
            raise ValueError(f"cpu_target_percent ({cpu_target_percent}) must be 1-100.")
        if requests_per_target < 1:
            raise ValueError(f"requests_per_target ({requests_per_target}) must be >= 1.")
        if warm_pool_size < 0:
            raise ValueError(f"warm_pool_size ({warm_pool_size}) must be >= 0.")
        if nightly_stop is not None and not pause_parameter_name:
            raise ValueError(
                "nightly_stop needs pause_parameter_name: a planned stop must set the pause switch "
                "so nobody is paged and nothing heals the stopped group."
            )
        if not re.fullmatch(r"[A-Za-z0-9_.@-]+", service_unit):
            raise ValueError(f"service_unit ({service_unit!r}) must be a plain systemd unit name.")
        if certificate_arn and not cdk.Token.is_unresolved(certificate_arn):
            region = cdk.Stack.of(self).region
            if not cdk.Token.is_unresolved(region) and f":acm:{region}:" not in certificate_arn:
                raise ValueError(
                    f"certificate_arn ({certificate_arn}) is not in the stack's region ({region}): "
                    "an ALB can only use a certificate from its own region."
                )

        self.app_port = app_port
        self.service_unit = service_unit
        self.health_check = health_check

        # --- security groups: the world reaches the ALB, only the ALB reaches instances --------
        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=vpc,
            description="Internet-facing ALB: HTTP and HTTPS from anywhere",
            allow_all_outbound=False,
        )
        self.load_balancer_security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP")
        if certificate_arn:
            self.load_balancer_security_group.add_ingress_rule(
                ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS"
            )
        acknowledge(
            self.load_balancer_security_group,
            "AwsSolutions-EC23",
            "A public website's load balancer must accept HTTP/HTTPS from any address; instances "
            "behind it accept traffic from this security group only.",
        )
        self.instance_security_group = ec2.SecurityGroup(
            self,
            "InstanceSecurityGroup",
            vpc=vpc,
            description="Web instances: app port from the ALB only; HTTPS out to VPC endpoints/NAT",
            allow_all_outbound=True,
        )

        # --- instances ----------------------------------------------------------------------------
        self.instance_role = iam.Role(
            self,
            "InstanceRole",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="Web instances: Systems Manager core and CloudWatch agent only",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore"),
                iam.ManagedPolicy.from_aws_managed_policy_name("CloudWatchAgentServerPolicy"),
            ],
        )
        acknowledge(
            self.instance_role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]",
            "AWS's maintained minimum for Run Command/Session Manager; it tracks new SSM agent APIs.",
        )
        acknowledge(
            self.instance_role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy]",
            "AWS's maintained minimum for the CloudWatch agent (PutMetricData, logs, tags).",
        )
        user_data = ec2.UserData.for_linux()
        user_data.add_commands(
            *boot_script(service_unit=service_unit, app_port=app_port, health_path=health_check.path)
        )
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            machine_image=ec2.MachineImage.latest_amazon_linux2023(),
            instance_type=ec2.InstanceType(instance_type),
            role=self.instance_role,
            security_group=self.instance_security_group,
            user_data=user_data,
            require_imdsv2=True,
            http_put_response_hop_limit=1,
            detailed_monitoring=True,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        20,
                        volume_type=ec2.EbsDeviceVolumeType.GP3,
                        encrypted=True,
                        delete_on_termination=True,
                    ),
                )
            ],
        )
        grace = health_check_grace or cdk.Duration.seconds(180)
        self.auto_scaling_group = autoscaling.AutoScalingGroup(
            self,
            "Group",
            vpc=vpc,
            vpc_subnets=instance_subnets or ec2.SubnetSelection(subnet_group_name="Private"),
            launch_template=self.launch_template,
            auto_scaling_group_name=group_name,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            # No desired_capacity: CloudFormation would reset the group to it on every deploy.
            health_checks=autoscaling.HealthChecks.with_additional_checks(
                additional_types=[autoscaling.AdditionalHealthCheckType.ELB], grace_period=grace
            ),
            # Replace an unhealthy instance by launching first, then terminating (never below min).
            min_healthy_percentage=100,
            max_healthy_percentage=200,
            default_instance_warmup=cdk.Duration.seconds(60),
            group_metrics=[autoscaling.GroupMetrics.all()],
            update_policy=autoscaling.UpdatePolicy.rolling_update(
                max_batch_size=1,
                min_instances_in_service=max(0, min(min_capacity, max_capacity - 1)),
                pause_time=cdk.Duration.minutes(5),
            ),
            termination_policies=[
                autoscaling.TerminationPolicy.OLDEST_LAUNCH_TEMPLATE,
                autoscaling.TerminationPolicy.DEFAULT,
            ],
        )
        acknowledge(
            self.auto_scaling_group,
            "AwsSolutions-AS3",
            "Scaling events are observed through EventBridge (launch/terminate unsuccessful rules of the "
            "auto-healing construct) and group metrics, not SNS notifications.",
        )
        if warm_pool_size:
            self.auto_scaling_group.add_warm_pool(
                min_size=warm_pool_size, pool_state=autoscaling.PoolState.STOPPED, reuse_on_scale_in=True
            )

        # --- load balancer --------------------------------------------------------------------------
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=load_balancer_subnets or ec2.SubnetSelection(subnet_group_name="Public"),
            security_group=self.load_balancer_security_group,
            drop_invalid_header_fields=True,
            deletion_protection=removal_policy == cdk.RemovalPolicy.RETAIN,
        )
        self.access_log_bucket: s3.Bucket | None = None
        if access_logs:
            destroy = removal_policy == cdk.RemovalPolicy.DESTROY
            self.access_log_bucket = s3.Bucket(
                self,
                "AccessLogs",
                # ALB access logs support SSE-S3 only (not KMS).
                encryption=s3.BucketEncryption.S3_MANAGED,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                enforce_ssl=True,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))],
                removal_policy=removal_policy,
                auto_delete_objects=destroy,
            )
            acknowledge(
                self.access_log_bucket,
                "AwsSolutions-S1",
                "This bucket only receives ALB access logs; logging its own access would recurse.",
            )
            self.load_balancer.log_access_logs(self.access_log_bucket, prefix="alb")
        else:
            acknowledge(self.load_balancer, "AwsSolutions-ELB2", "Access logs switched off by the caller.")

        self.target_group = elbv2.ApplicationTargetGroup(
            self,
            "TargetGroup",
            vpc=vpc,
            port=app_port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.INSTANCE,
            targets=[self.auto_scaling_group],
            deregistration_delay=cdk.Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=health_check.path,
                port=str(app_port),
                protocol=elbv2.Protocol.HTTP,
                healthy_http_codes="200",
                interval=cdk.Duration.seconds(health_check.interval_seconds),
                timeout=cdk.Duration.seconds(health_check.timeout_seconds),
                healthy_threshold_count=health_check.healthy_threshold,
                unhealthy_threshold_count=health_check.unhealthy_threshold,
            ),
        )
        if certificate_arn:
            self.listener = self.load_balancer.add_listener(
                "Https",
                port=443,
                certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                default_target_groups=[self.target_group],
                open=False,
            )
            self.load_balancer.add_redirect(source_port=80, target_port=443)
        else:
            self.listener = self.load_balancer.add_listener(
                "Http", port=80, default_target_groups=[self.target_group], open=False
            )
            cdk.Annotations.of(self).add_warning_v2(
                "constructs-lib:web-service-http-only",
                "No certificate_arn: the load balancer serves plain HTTP. Issue an ACM certificate in "
                "this region and pass certificate_arn to redirect HTTP to HTTPS.",
            )
        self.instance_security_group.connections.allow_from(
            self.load_balancer_security_group,
            ec2.Port.tcp(app_port),
            "Traffic and health checks from the ALB",
        )

        # --- scaling: follow the load, never fight it --------------------------------------------
        self.auto_scaling_group.scale_on_cpu_utilization(
            "CpuTargetTracking", target_utilization_percent=cpu_target_percent
        )
        self.auto_scaling_group.scale_on_request_count(
            "RequestsPerTarget", target_requests_per_minute=requests_per_target
        )

        self.pause_schedules: list[scheduler.Schedule] = []
        if nightly_stop is not None:
            self._add_nightly_stop(
                nightly_stop, min_capacity, max_capacity, desired, pause_parameter_name or ""
            )

    # ------------------------------------------------------------------------------------------------
    def _add_nightly_stop(
        self, stop: NightlyStop, min_capacity: int, max_capacity: int, desired: int, parameter_name: str
    ) -> None:
        stop_fields = _cron_fields(stop.stop_cron, name="nightly_stop.stop_cron")
        start_fields = _cron_fields(stop.start_cron, name="nightly_stop.start_cron")
        self.auto_scaling_group.scale_on_schedule(
            "NightlyStop",
            schedule=autoscaling.Schedule.cron(**_explicit(stop_fields)),
            time_zone=stop.timezone,
            min_capacity=0,
            max_capacity=0,
            desired_capacity=0,
        )
        self.auto_scaling_group.scale_on_schedule(
            "MorningStart",
            schedule=autoscaling.Schedule.cron(**_explicit(start_fields)),
            time_zone=stop.timezone,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            desired_capacity=desired,
        )
        pause_at = _shift(stop_fields, -stop.pause_lead_minutes, name="nightly_stop.stop_cron")
        resume_at = _shift(start_fields, stop.resume_delay_minutes, name="nightly_stop.start_cron")
        parameter = ssm.StringParameter.from_string_parameter_name(self, "PauseSwitch", parameter_name)
        tz = cdk.TimeZone.of(stop.timezone)
        for sid, fields, value, what in (
            ("PauseBeforeStop", pause_at, "true", "pause healing and paging before the nightly stop"),
            ("ResumeAfterStart", resume_at, "false", "resume healing and paging after the morning start"),
        ):
            target = scheduler_targets.Universal(
                service="ssm",
                action="putParameter",
                input=scheduler.ScheduleTargetInput.from_object(
                    {"Name": parameter_name, "Value": value, "Type": "String", "Overwrite": True}
                ),
                policy_statements=[
                    iam.PolicyStatement(actions=["ssm:PutParameter"], resources=[parameter.parameter_arn])
                ],
                # A pause set hours late would silence healing in daytime: retry briefly, then give up.
                retry_attempts=5,
                max_event_age=cdk.Duration.minutes(10),
            )
            self.pause_schedules.append(
                scheduler.Schedule(
                    self,
                    sid,
                    description=f"Set {parameter_name}={value}: {what}",
                    # The L2 fills in the '?' EventBridge Scheduler wants for the unused day field.
                    schedule=scheduler.ScheduleExpression.cron(**_explicit(fields), time_zone=tz),
                    target=target,
                )
            )

    # ------------------------------------------------------------------------------------------------
    @property
    def auto_scaling_group_name(self) -> str:
        return self.auto_scaling_group.auto_scaling_group_name

    def metric_cpu_utilization(self, **kwargs) -> cloudwatch.Metric:
        """Average CPU of the group's instances (1-minute with detailed monitoring)."""
        return cloudwatch.Metric(
            namespace="AWS/EC2",
            metric_name="CPUUtilization",
            dimensions_map={"AutoScalingGroupName": self.auto_scaling_group_name},
            statistic="Average",
            period=cdk.Duration.minutes(1),
            **kwargs,
        )

    def metric_memory_utilization(self, **kwargs) -> cloudwatch.Metric:
        """Memory used, from the CloudWatch agent, aggregated over the group."""
        return cloudwatch.Metric(
            namespace="CWAgent",
            metric_name="mem_used_percent",
            dimensions_map={"AutoScalingGroupName": self.auto_scaling_group_name},
            statistic="Average",
            period=cdk.Duration.minutes(1),
            **kwargs,
        )
