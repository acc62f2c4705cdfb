"""The web service's entry: load balancer, its security group, access logs, target group, listeners.

Private to :mod:`constructs_lib.web`: each function creates children of the web service construct
under the ids the service always used, so moving code here changes no logical id.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib._core import AppProbe
from constructs_lib.nag import acknowledge
from constructs_lib.web.health import TargetHealthCheck

#: ``ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09``: the policy AWS recommends for HTTPS listeners (ELB
#: User Guide, "Security policies for your Application Load Balancer":
#: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html):
#: TLS 1.3 and 1.2, restricted ciphers, hybrid post-quantum key exchange for clients that offer it.
#: It keeps TLS 1.2, which Route 53's HTTPS health checkers need (Route 53 API Reference,
#: HealthCheckConfig, Type: "the endpoint must support TLS v1.0, v1.1, or v1.2").
TLS_POLICY = elbv2.SslPolicy.TLS13_12_RES_PQ


def create_load_balancer_security_group(scope: Construct, vpc: ec2.IVpc, *, https: bool) -> ec2.SecurityGroup:
    group = ec2.SecurityGroup(
        scope,
        "LoadBalancerSecurityGroup",
        vpc=vpc,
        description="Internet-facing ALB: HTTP and HTTPS from anywhere",
        allow_all_outbound=False,
    )
    group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP")
    if https:
        group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS")
    acknowledge(
        group,
        "AwsSolutions-EC23",
        "A public website's load balancer must accept HTTP/HTTPS from any address; instances "
        "behind it accept traffic from this security group only.",
    )
    return group


def create_load_balancer(
    scope: Construct,
    vpc: ec2.IVpc,
    *,
    security_group: ec2.ISecurityGroup,
    subnets: ec2.SubnetSelection,
    removal_policy: cdk.RemovalPolicy,
    access_logs: bool,
) -> tuple[elbv2.ApplicationLoadBalancer, s3.Bucket | None]:
    """An internet-facing ALB; access logs to an encrypted bucket when ``access_logs``."""
    load_balancer = elbv2.ApplicationLoadBalancer(
        scope,
        "LoadBalancer",
        vpc=vpc,
        internet_facing=True,
        vpc_subnets=subnets,
        security_group=security_group,
        drop_invalid_header_fields=True,
        deletion_protection=removal_policy == cdk.RemovalPolicy.RETAIN,
    )
    if not access_logs:
        acknowledge(load_balancer, "AwsSolutions-ELB2", "Access logs switched off by the caller.")
        return load_balancer, None
    destroy = removal_policy == cdk.RemovalPolicy.DESTROY
    bucket = s3.Bucket(
        scope,
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
        bucket,
        "AwsSolutions-S1",
        "This bucket only receives ALB access logs; logging its own access would recurse.",
    )
    load_balancer.log_access_logs(bucket, prefix="alb")
    return load_balancer, bucket


def create_target_group(
    scope: Construct,
    vpc: ec2.IVpc,
    *,
    app_probe: AppProbe,
    health_check: TargetHealthCheck,
    targets: list[elbv2.IApplicationLoadBalancerTarget],
) -> elbv2.ApplicationTargetGroup:
    """Instances on ``app_probe.port``, checked on ``app_probe.health_path`` (200 only)."""
    return elbv2.ApplicationTargetGroup(
        scope,
        "TargetGroup",
        vpc=vpc,
        port=app_probe.port,
        protocol=elbv2.ApplicationProtocol.HTTP,
        target_type=elbv2.TargetType.INSTANCE,
        targets=targets,
        deregistration_delay=cdk.Duration.seconds(30),
        health_check=elbv2.HealthCheck(
            path=app_probe.health_path,
            port=str(app_probe.port),
            protocol=elbv2.Protocol.HTTP,
            healthy_http_codes="200",
            interval=cdk.Duration.seconds(health_check.interval_seconds),
            timeout=cdk.Duration.seconds(health_check.timeout_seconds),
            healthy_threshold_count=health_check.healthy_threshold,
            unhealthy_threshold_count=health_check.unhealthy_threshold,
        ),
    )


def add_listeners(
    scope: Construct,
    load_balancer: elbv2.ApplicationLoadBalancer,
    target_group: elbv2.ApplicationTargetGroup,
    *,
    certificate_arn: str | None,
    allow_plain_http: str | None = None,
) -> tuple[elbv2.ApplicationListener, elbv2.ApplicationListener]:
    """With a certificate: HTTPS forwards, port 80 only redirects to it. Without: plain HTTP forwards,
    with a warning (carrying ``allow_plain_http``, the caller's reason, when given).

    Returns the forwarding listener and the port-80 listener (the same one without a certificate).
    """
    if certificate_arn:
        listener = load_balancer.add_listener(
            "Https",
            port=443,
            certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn)],
            ssl_policy=TLS_POLICY,
            default_target_groups=[target_group],
            open=False,
        )
        # Port 80 keeps the id of the plain-HTTP listener: adding a certificate later turns that
        # listener into the redirect in place (a second listener on port 80 could not be created
        # before the first is deleted).
        redirect = load_balancer.add_listener(
            "Http",
            port=80,
            default_action=elbv2.ListenerAction.redirect(protocol="HTTPS", port="443", permanent=True),
            open=False,
        )
        return listener, redirect
    listener = load_balancer.add_listener("Http", port=80, default_target_groups=[target_group], open=False)
    reason = f" Allowed because: {allow_plain_http}." if allow_plain_http else ""
    cdk.Annotations.of(scope).add_warning_v2(
        "constructs-lib:web-service-http-only",
        f"No certificate_arn: the load balancer serves plain HTTP.{reason} Issue an ACM certificate in "
        "this region and pass certificate_arn to redirect HTTP to HTTPS.",
    )
    return listener, listener
