"""AutoHealingWebService: ALB + Auto Scaling group of Amazon Linux 2023 instances that heal themselves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from constructs_lib._core import AppProbe, IPauseSwitch, Naming, SeverityAlarm
from constructs_lib.nag import acknowledge
from constructs_lib.web.health import TargetHealthCheck
from constructs_lib.web.instances import (
    DEFAULT_DATABASE_PORT,
    DEFAULT_INSTANCE_TYPE,
    create_instance_role,
    create_instance_security_group,
    create_launch_template,
    security_group_of,
    subnet_cidrs,
)
from constructs_lib.web.lifecycle import (
    DEFAULT_READY_TIMEOUT,
    check_group_name,
    check_ready_timeout,
    grant_complete_lifecycle_action,
    ready_hook_commands,
    ready_hook_specification,
)
from constructs_lib.web.load_balancer import (
    add_listeners,
    create_load_balancer,
    create_load_balancer_security_group,
    create_target_group,
)
from constructs_lib.web.nightly_pause import NightlyPause
from constructs_lib.web.schedule import NightlyStop, add_nightly_stop
from constructs_lib.web.user_data import check_parameter_name, check_shell_safe_probe
from constructs_lib.web.zonal import (
    DEFAULT_IMPAIRED_ZONE_BEHAVIOR,
    ZonalAutoshift,
    add_zonal_autoshift,
    check_zone_loss_capacity,
    enable_zonal_shift,
    practice_run_alarm,
)

#: Component of ``naming`` the group is named after unless ``naming`` carries its own.
DEFAULT_COMPONENT = "web"
#: Instances kept at least: one per zone of a two-zone VPC, so losing an instance or a zone leaves one.
DEFAULT_MIN_CAPACITY = 2
#: An ACM certificate's ARN (any partition); the region is the one its load balancer must be in.
_CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+$")


class AutoHealingWebService(Construct):
    """An internet-facing web tier that replaces what breaks.

    One statement gives a working service (the built-in demo server on two ``t3.micro`` instances)::

        web = AutoHealingWebService(self, "Web", vpc=vpc)

    - ALB in the public subnets; HTTP redirects to HTTPS when ``certificate_arn`` is given.
      The ALB's security group is open on 80/443; instances accept traffic from the ALB only.
    - Target group on ``app_probe.port`` / ``app_probe.health_path``, answered by the app's own process.
    - Launch template built by the construct: Amazon Linux 2023 (resolved from the public SSM parameter
      at deploy time) or ``machine_image``; IMDSv2 required, encrypted gp3 root volume, detailed
      monitoring; the boot script installs the CloudWatch agent (memory and disk, aggregated by
      group), runs the app (the demo server, or the user's ``user_data``), then enables the SSM agent.
    - Auto Scaling group with ELB health checks, target tracking on CPU and requests per target,
      launch-before-terminate instance maintenance, rolling updates, optional warm pool and nightly
      stop. The template never carries a desired capacity, so a deploy never undoes scaling or healing.
    - With a warm pool, a launch lifecycle hook that each instance completes itself once its app
      answers on ``app_probe`` locally, entering the pool and again leaving it (see
      :mod:`constructs_lib.web.lifecycle`): a warm instance never goes into service without its app.
      The instances then call the Auto Scaling API: through NAT, or an ``autoscaling`` interface
      endpoint (``ResilientVpc`` adds one when it has no NAT gateway). Their image needs the AWS CLI
      (Amazon Linux 2023's standard image has it).
    - Losing a zone (:mod:`constructs_lib.web.zonal`): the load balancer and the group are registered
      with ARC zonal shift; optionally zonal autoshift with weekly practice runs, which the capacity
      must survive (the remaining zones hold at least ``min_capacity`` at ``max_capacity``).

    **Bringing the app.** ``user_data`` (a script, ``ec2.UserData.for_linux()``) replaces the demo
    server: the construct runs it after installing the CloudWatch agent. ``machine_image`` alone means
    the image carries the app (nothing is installed for it). Either way the image must be Amazon
    Linux 2023 or derived from it (the boot steps use ``dnf`` and ``systemd``), and the app must run as
    the systemd unit ``app_probe.service_unit``, enabled so it starts on every boot, and answer 200 on
    ``app_probe.health_path`` from its own process.

    **Bringing a launch template** (``existing_launch_template``): the construct then writes nothing
    onto the instances, so the template must keep this contract itself: the app as above; the
    template's (first) security group, to which the construct opens ``app_probe.port`` from the load
    balancer; the SSM agent and a role with ``AmazonSSMManagedInstanceCore`` for healing's service
    restarts; the CloudWatch agent with :func:`~constructs_lib.web.user_data.cloudwatch_agent_config`
    for the memory metrics. A warm pool needs the construct's own boot steps, so it is refused with one.

    :param vpc: The VPC; instances go in ``instance_subnets``, the ALB in ``load_balancer_subnets``.
    :param naming: The app and environment; names the group ``{app}-{environment}-{component}``
        (component: the naming's own, else ``web``). Default: names generated by CloudFormation.
    :param app_probe: The app's port, systemd unit and health path; the healing, runbook and alarm
        constructs read it from ``web.app_probe``. Default: ``AppProbe()`` (8080, ``webapp``, ``/health``).
    :param instance_type: e.g. ``t3.small``. Default: ``t3.micro``.
    :param machine_image: Image of the construct's launch template. Default: the latest Amazon Linux 2023.
    :param user_data: The app's install script, run after the library's boot steps. Default: the
        built-in demo server (none when ``machine_image`` is given).
    :param existing_launch_template: A launch template of your own (see the contract above), instead of
        the construct's. Default: the construct builds one from the props above.
    :param min_capacity: Minimum instances (0 for a standby region at zero). Default: 2.
    :param max_capacity: Maximum instances. Default: twice ``min_capacity``, at least 2.
    :param desired_capacity: Capacity restored by the morning start of ``nightly_stop``.
        Default: ``min_capacity``. It is never written to the group itself.
    :param health_check: Interval and thresholds of the target-group health check.
        Default: see :class:`TargetHealthCheck`.
    :param health_check_grace: Time after launch before health checks count. Default: 180 s (boot
        plus passing the ALB check; a shorter grace kills replacements before they are ready).
    :param certificate_arn: ACM certificate (same region, see :func:`validate_certificate_arn`) for
        HTTPS: port 443 forwards with AWS's recommended TLS policy, port 80 only redirects.
        Default: plain HTTP on port 80, with a warning.
    :param allow_plain_http: Why plain HTTP is acceptable here (no ``certificate_arn``); the warning
        quotes it so reviewers see the decision. Default: none (the warning says how to add HTTPS).
    :param cpu_target_percent: Target-tracking CPU utilisation. Default: 70.
    :param requests_per_target: Target-tracking ALB requests per target per minute. Default: 1000.
    :param warm_pool_size: Stopped pre-initialised instances kept ready, exactly this many whatever the
        desired capacity (the pool's maximum prepared capacity equals its minimum size).
        Default: 0 (no warm pool).
    :param ready_timeout: With a warm pool, how long an instance may take from launch (or from leaving
        the pool) until its app answers, before Auto Scaling abandons it and launches another.
        Default: 10 minutes (a cold boot takes about two).
    :param zonal_shift: Register the load balancer (``zonal_shift.config.enabled``) and the group
        (``AvailabilityZoneImpairmentPolicy``) with ARC zonal shift, so an operator, or AWS with
        ``zonal_autoshift``, can move traffic off an impaired zone. Default: true (it costs nothing and
        starts no shift by itself).
    :param impaired_zone_health_check: What the group does with instances that look unhealthy in a
        shifted-away zone: ``ReplaceUnhealthy`` (replacements launch in the healthy zones) or
        ``IgnoreUnhealthy``. Default: ``ReplaceUnhealthy``.
    :param zonal_autoshift: Let AWS shift traffic away from an impaired zone and practise it weekly
        (see :class:`~constructs_lib.web.zonal.ZonalAutoshift`); needs ``zonal_shift``. Default: off.
    :param nightly_stop: Scale to zero at night. Default: runs around the clock.
    :param pause_switch: The environment's pause switch, which ``nightly_stop`` sets to ``"scheduled"``
        and clears again, never touching a person's ``"true"`` (see :class:`NightlyPause`). Required
        with ``nightly_stop``; unused without.
    :param access_logs: Write ALB access logs to an encrypted bucket. Default: true.
    :param removal_policy: For the access-log bucket. ``DESTROY`` also empties it on deletion.
        Default: ``RETAIN``.
    :param group_name: Fixed name of the Auto Scaling group, so runbooks in another region can address
        it without a cross-region reference. Default: from ``naming`` (see there).
    :param allow_all_outbound: Let the instances open any connection out (widen the egress below).
        Default: false.
    :param https_egress: Where the instances may open HTTPS (443). Default: any IPv4 address. Through
        NAT that is any HTTPS host on the internet; without NAT only what the subnets route to (the
        VPC's interface endpoints, S3 through its gateway endpoint). Narrow it with e.g.
        ``[ec2.Peer.ipv4(vpc_cidr), ec2.Peer.prefix_list(s3_prefix_list_id)]``.
    :param database_egress: Where the instances may reach ``database_port``. Default: the ranges of
        ``instance_subnets`` (where ``ResilientVpc`` puts the database too). Pass the database's own
        security group as a peer when it is in the same stack.
    :param database_port: Default: 5432 (PostgreSQL).
    :param database_endpoint_parameter: Name of the SSM String parameter holding the database host
        (:class:`~constructs_lib.data.DatabaseEndpointParameter`): the demo server reads it every time
        it starts, so a restart of its unit follows a switch (the point-in-time restore runbook's).
        Your own app should read it the same way. The instances can read it through the
        ``AmazonSSMManagedInstanceCore`` policy of their role, which allows ``ssm:GetParameter``
        (AWS managed policy reference, "AmazonSSMManagedInstanceCore":
        https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonSSMManagedInstanceCore.html).
        Default: none
        (the demo server has no database).
    :param instance_subnets: Default: the ``Private`` subnet group.
    :param load_balancer_subnets: Default: the ``Public`` subnet group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        naming: Naming | None = None,
        app_probe: AppProbe | None = None,
        instance_type: str | None = None,
        machine_image: ec2.IMachineImage | None = None,
        user_data: ec2.UserData | None = None,
        existing_launch_template: ec2.LaunchTemplate | None = None,
        min_capacity: int = DEFAULT_MIN_CAPACITY,
        max_capacity: int | None = None,
        desired_capacity: int | None = None,
        health_check: TargetHealthCheck | None = None,
        health_check_grace: cdk.Duration | None = None,
        certificate_arn: str | None = None,
        allow_plain_http: str | None = None,
        cpu_target_percent: float = 70,
        requests_per_target: int = 1000,
        warm_pool_size: int = 0,
        ready_timeout: cdk.Duration | None = None,
        zonal_shift: bool = True,
        impaired_zone_health_check: str = DEFAULT_IMPAIRED_ZONE_BEHAVIOR,
        zonal_autoshift: ZonalAutoshift | None = None,
        nightly_stop: NightlyStop | None = None,
        pause_switch: IPauseSwitch | None = None,
        access_logs: bool = True,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        group_name: str | None = None,
        allow_all_outbound: bool = False,
        https_egress: Sequence[ec2.IPeer] | None = None,
        database_egress: Sequence[ec2.IPeer] | None = None,
        database_port: int = DEFAULT_DATABASE_PORT,
        database_endpoint_parameter: str | None = None,
        instance_subnets: ec2.SubnetSelection | None = None,
        load_balancer_subnets: ec2.SubnetSelection | None = None,
    ) -> None:
        super().__init__(scope, id)
        app_probe = check_shell_safe_probe(app_probe or AppProbe())
        check_parameter_name(database_endpoint_parameter)
        health_check = health_check or TargetHealthCheck()
        health_check.validate()
        if max_capacity is None:
            max_capacity = max(2, 2 * min_capacity)
        desired = min_capacity if desired_capacity is None else desired_capacity
        validate_capacity(min_capacity=min_capacity, max_capacity=max_capacity, desired_capacity=desired)
        if not 1 <= cpu_target_percent <= 100:
            raise ValueError(f"cpu_target_percent ({cpu_target_percent}) must be 1-100.")
        if requests_per_target < 1:
            raise ValueError(f"requests_per_target ({requests_per_target}) must be >= 1.")
        if warm_pool_size < 0:
            raise ValueError(f"warm_pool_size ({warm_pool_size}) must be >= 0.")
        if nightly_stop is not None and pause_switch is None:
            raise ValueError(
                "nightly_stop needs pause_switch: a planned stop must set the pause switch "
                "so nobody is paged and nothing heals the stopped group."
            )
        if existing_launch_template is not None:
            _check_existing_launch_template(
                instance_type=instance_type,
                machine_image=machine_image,
                user_data=user_data,
                warm_pool_size=warm_pool_size,
            )
        if zonal_autoshift is not None:
            if not zonal_shift:
                raise ValueError(
                    "zonal_autoshift needs zonal_shift: autoshift moves traffic through the load "
                    "balancer's zonal shift; set zonal_shift=True or drop zonal_autoshift."
                )
            zones = _zones_of(vpc, instance_subnets or ec2.SubnetSelection(subnet_group_name="Private"))
            if not any(cdk.Token.is_unresolved(zone) for zone in zones):
                check_zone_loss_capacity(
                    min_capacity=min_capacity, max_capacity=max_capacity, zones=len(zones)
                )
        if certificate_arn and not cdk.Token.is_unresolved(certificate_arn):
            region = cdk.Stack.of(self).region
            validate_certificate_arn(
                certificate_arn, region=None if cdk.Token.is_unresolved(region) else region
            )

        self.app_probe = app_probe
        self.health_check = health_check
        self.naming = naming.for_component(naming.component or DEFAULT_COMPONENT) if naming else None
        if group_name is None and self.naming is not None:
            group_name = self.naming.name(self.naming.component)

        # --- security groups: the world reaches the ALB, only the ALB reaches instances --------
        self.load_balancer_security_group = create_load_balancer_security_group(
            self, vpc, https=bool(certificate_arn)
        )

        # --- warm pool: instances complete a launch hook once the app answers -------------------
        ready_commands: list[str] | None = None
        ready_seconds = 0
        if warm_pool_size:
            ready_seconds = check_ready_timeout(ready_timeout or DEFAULT_READY_TIMEOUT)
            if group_name is None:
                # The instances must name their group, and its name must be known before it exists.
                group_name = cdk.Names.unique_resource_name(self, max_length=64, separator="-")
            group_name = check_group_name(group_name, warm_pool_size=warm_pool_size)
            ready_commands = ready_hook_commands(
                app_probe=app_probe, group_name=group_name, timeout_seconds=ready_seconds
            )

        # --- instances ----------------------------------------------------------------------------
        self.instance_role: iam.IRole | None
        self.instance_security_group: ec2.ISecurityGroup
        if existing_launch_template is None:
            subnets = instance_subnets or ec2.SubnetSelection(subnet_group_name="Private")
            self.instance_security_group = create_instance_security_group(
                self,
                vpc,
                allow_all_outbound=allow_all_outbound,
                https_egress=[ec2.Peer.any_ipv4()] if https_egress is None else https_egress,
                database_egress=subnet_cidrs(vpc, subnets) if database_egress is None else database_egress,
                database_port=database_port,
            )
            self.instance_role = create_instance_role(self)
            self.launch_template = create_launch_template(
                self,
                app_probe=app_probe,
                instance_type=instance_type or DEFAULT_INSTANCE_TYPE,
                machine_image=machine_image,
                user_data=user_data,
                role=self.instance_role,
                security_group=self.instance_security_group,
                ready_commands=ready_commands,
                database_endpoint_parameter=database_endpoint_parameter,
                database_port=database_port,
            )
        else:
            self.launch_template = existing_launch_template
            self.instance_security_group = security_group_of(existing_launch_template)
            self.instance_role = existing_launch_template.role
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
        self.warm_pool: autoscaling.WarmPool | None = None
        if warm_pool_size and self.instance_role is not None and group_name is not None:
            group = cast(autoscaling.CfnAutoScalingGroup, self.auto_scaling_group.node.default_child)
            group.lifecycle_hook_specification_list = [ready_hook_specification(ready_seconds)]
            grant_complete_lifecycle_action(self, self.instance_role, group_name)
            # The first instances complete the hook a minute or two after launch: their permission
            # must exist by then, so the group waits for the role's policy.
            self.auto_scaling_group.node.add_dependency(self.instance_role)
            # MaxGroupPreparedCapacity = MinSize gives the pool an absolute size; left unset, AWS keeps
            # max - desired stopped instances (PutWarmPool, MaxGroupPreparedCapacity:
            # https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutWarmPool.html).
            self.warm_pool = self.auto_scaling_group.add_warm_pool(
                min_size=warm_pool_size,
                max_group_prepared_capacity=warm_pool_size,
                pool_state=autoscaling.PoolState.STOPPED,
                reuse_on_scale_in=True,
            )

        # --- load balancer --------------------------------------------------------------------------
        self.load_balancer, self.access_log_bucket = create_load_balancer(
            self,
            vpc,
            security_group=self.load_balancer_security_group,
            subnets=load_balancer_subnets or ec2.SubnetSelection(subnet_group_name="Public"),
            removal_policy=removal_policy,
            access_logs=access_logs,
        )
        self.target_group = create_target_group(
            self, vpc, app_probe=app_probe, health_check=health_check, targets=[self.auto_scaling_group]
        )
        self.listener, self.http_listener = add_listeners(
            self,
            self.load_balancer,
            self.target_group,
            certificate_arn=certificate_arn,
            allow_plain_http=allow_plain_http,
        )
        # --- losing a zone -------------------------------------------------------------------------
        self.alarms: list[SeverityAlarm] = []
        """Alarms this construct creates, with their severity (the practice-run outcome alarm)."""
        self.zonal_autoshift = None
        if zonal_shift:
            enable_zonal_shift(
                self.load_balancer, self.auto_scaling_group, impaired_zone_behavior=impaired_zone_health_check
            )
        if zonal_autoshift is not None:
            outcome = list(zonal_autoshift.outcome_alarms)
            if not outcome:
                own = practice_run_alarm(self, self.load_balancer, self.naming)
                self.alarms.append(own)
                outcome = [own.alarm]
            self.zonal_autoshift = add_zonal_autoshift(
                self, self.load_balancer, zonal_autoshift, outcome_alarms=outcome
            )

        self.instance_security_group.connections.allow_from(
            self.load_balancer_security_group,
            ec2.Port.tcp(app_probe.port),
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
        self.nightly_pause: NightlyPause | None = None
        """The state machine the pause schedules start (with ``nightly_stop``)."""
        if nightly_stop is not None and pause_switch is not None:
            self.pause_schedules = add_nightly_stop(
                self,
                self.auto_scaling_group,
                nightly_stop,
                min_capacity=min_capacity,
                max_capacity=max_capacity,
                desired_capacity=desired,
                pause_switch=pause_switch,
                naming=self.naming,
            )
            self.nightly_pause = self.node.find_child("NightlyPause")

    # ------------------------------------------------------------------------------------------------
    @property
    def auto_scaling_group_name(self) -> str:
        return self.auto_scaling_group.auto_scaling_group_name

    @property
    def app_port(self) -> int:
        """Deprecated: read ``app_probe.port``."""
        return self.app_probe.port

    @property
    def service_unit(self) -> str:
        """Deprecated: read ``app_probe.service_unit``."""
        return self.app_probe.service_unit

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


def _zones_of(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> list[str]:
    """The zones of the subnets ``selection`` picks in ``vpc`` (tokens for an imported VPC's)."""
    return vpc.select_subnets(
        availability_zones=selection.availability_zones,
        one_per_az=selection.one_per_az,
        subnet_filters=selection.subnet_filters,
        subnet_group_name=selection.subnet_group_name,
        subnets=selection.subnets,
        subnet_type=selection.subnet_type,
    ).availability_zones


def validate_certificate_arn(certificate_arn: str, *, region: str | None = None) -> str:
    """Check an ACM certificate ARN as :class:`AutoHealingWebService` takes it; return it.

    ``ValueError`` naming the value and the fix: it must read
    ``arn:<partition>:acm:<region>:<account>:certificate/<id>`` and, with ``region`` (the web service
    passes its stack's), be a certificate of that region: an ALB can only use its own region's.
    """
    match = _CERTIFICATE_ARN.match(certificate_arn) if isinstance(certificate_arn, str) else None
    if not match:
        raise ValueError(
            f"certificate_arn ({certificate_arn!r}) must be an ACM certificate ARN "
            "(arn:aws:acm:<region>:<account>:certificate/<id>)."
        )
    if region is not None and match["region"] != region:
        raise ValueError(
            f"certificate_arn ({certificate_arn}) is in {match['region']}, not in the stack's region "
            f"({region}): an ALB can only use a certificate from its own region; issue one in {region}."
        )
    return certificate_arn


def validate_capacity(*, min_capacity: int, max_capacity: int, desired_capacity: int) -> None:
    """Check an Auto Scaling group's sizes as :class:`AutoHealingWebService` takes them.

    ``ValueError`` naming the first broken rule, the values and the fix: ``min_capacity`` >= 0,
    ``max_capacity`` >= 1, ``min_capacity`` <= ``max_capacity``, and ``desired_capacity`` between them.
    """
    desired = desired_capacity
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


def _check_existing_launch_template(
    *,
    instance_type: str | None,
    machine_image: ec2.IMachineImage | None,
    user_data: ec2.UserData | None,
    warm_pool_size: int,
) -> None:
    given = [
        name
        for name, value in (
            ("instance_type", instance_type),
            ("machine_image", machine_image),
            ("user_data", user_data),
        )
        if value is not None
    ]
    if given:
        raise ValueError(
            f"existing_launch_template cannot be combined with {', '.join(given)}: those build the "
            "construct's own launch template. Set them on your template, or drop existing_launch_template."
        )
    if warm_pool_size:
        raise ValueError(
            f"existing_launch_template cannot be combined with warm_pool_size ({warm_pool_size}): warm "
            "instances need the boot steps the construct writes into its own launch template. Pass "
            "machine_image and/or user_data instead, or set warm_pool_size to 0."
        )
