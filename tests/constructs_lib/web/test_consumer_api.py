"""AutoHealingWebService as another team uses it: one statement, their own app, their own template."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from constructs_lib import ResilientVpc
from constructs_lib._core import AppProbe, Naming
from constructs_lib.testing import assert_no_nag_findings
from constructs_lib.web import AutoHealingWebService, NightlyStop
from constructs_lib.web.user_data import USER_SCRIPT_PATH

ENV = cdk.Environment(account="111111111111", region="eu-west-1")
ZONES = ["eu-west-1a", "eu-west-1b"]
AMI = "ami-0123456789abcdef0"


def _stack(app: cdk.App | None = None) -> tuple[cdk.Stack, ec2.IVpc]:
    stack = cdk.Stack(app or cdk.App(), "Shop", env=ENV)
    return stack, ResilientVpc(stack, "Network", cidr="10.0.0.0/16", availability_zones=ZONES).vpc


def _user_data_script(template: Template) -> str:
    (lt,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    script = lt["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]
    assert isinstance(script, str)
    return script


def test_one_statement_synthesizes_with_documented_defaults_and_no_nag_findings(tmp_path):
    # Given only a VPC
    app = cdk.App(outdir=str(tmp_path))
    stack, vpc = _stack(app)
    # When the service is created in one statement
    web = AutoHealingWebService(stack, "Web", vpc=vpc)
    # Then it synthesizes cleanly under cdk-nag's AwsSolutions pack
    assert_no_nag_findings(app)
    t = Template.from_stack(stack)
    # with two t3.micro instances (at most four) serving the demo app on the default probe
    t.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "2", "MaxSize": "4"})
    t.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {"LaunchTemplateData": Match.object_like({"InstanceType": "t3.micro"})},
    )
    assert web.app_probe == AppProbe()
    t.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"Port": 8080, "HealthCheckPath": "/health", "HealthCheckPort": "8080"},
    )
    script = _user_data_script(t)
    assert "ThreadingHTTPServer" in script and "systemctl enable --now webapp.service" in script


def test_naming_names_the_group_after_the_component():
    stack, vpc = _stack()
    AutoHealingWebService(stack, "Web", vpc=vpc, naming=Naming(app="shop", environment="qa"))
    AutoHealingWebService(stack, "Api", vpc=vpc, naming=Naming(app="shop", environment="qa", component="api"))
    t = Template.from_stack(stack)
    t.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"AutoScalingGroupName": "shop-qa-web"})
    t.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"AutoScalingGroupName": "shop-qa-api"})


def test_user_data_replaces_the_demo_server_and_runs_after_the_library_boot_steps():
    stack, vpc = _stack()
    app = ec2.UserData.for_linux()
    app.add_commands("dnf install -y nginx", "systemctl enable --now nginx")
    AutoHealingWebService(
        stack,
        "Web",
        vpc=vpc,
        app_probe=AppProbe(port=80, service_unit="nginx", health_path="/"),
        user_data=app,
    )
    script = _user_data_script(Template.from_stack(stack))
    # The user's script is written whole (its own #! line) and run as its own process
    assert f"cat > {USER_SCRIPT_PATH} <<'APP_USER_DATA'\n#!/bin/bash\ndnf install -y nginx\n" in script
    assert f"\n{USER_SCRIPT_PATH}\n" in script
    # after the CloudWatch agent's install and before its configuration and the SSM agent
    order = [
        script.index("dnf install -y amazon-cloudwatch-agent"),
        script.index(f"\n{USER_SCRIPT_PATH}\n"),
        script.index("amazon-cloudwatch-agent-ctl"),
        script.index("systemctl enable --now amazon-ssm-agent"),
    ]
    assert order == sorted(order)
    assert "ThreadingHTTPServer" not in script  # no demo server


def test_machine_image_reaches_the_launch_template_and_installs_no_app():
    stack, vpc = _stack()
    AutoHealingWebService(
        stack, "Web", vpc=vpc, machine_image=ec2.MachineImage.generic_linux({ENV.region: AMI})
    )
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "AWS::EC2::LaunchTemplate", {"LaunchTemplateData": Match.object_like({"ImageId": AMI})}
    )
    script = _user_data_script(t)
    assert "ThreadingHTTPServer" not in script and USER_SCRIPT_PATH not in script
    assert "amazon-cloudwatch-agent-ctl" in script  # the library's boot steps still run


def test_machine_image_and_user_data_together_reach_the_launch_template():
    stack, vpc = _stack()
    app = ec2.UserData.for_linux()
    app.add_commands("systemctl enable --now webapp")
    AutoHealingWebService(
        stack,
        "Web",
        vpc=vpc,
        instance_type="m7g.large",
        machine_image=ec2.MachineImage.generic_linux({ENV.region: AMI}),
        user_data=app,
    )
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {"LaunchTemplateData": Match.object_like({"ImageId": AMI, "InstanceType": "m7g.large"})},
    )
    assert "systemctl enable --now webapp\nAPP_USER_DATA" in _user_data_script(t)


def _own_template(stack: cdk.Stack, vpc: ec2.IVpc, *, security_group: bool = True) -> ec2.LaunchTemplate:
    return ec2.LaunchTemplate(
        stack,
        "OwnTemplate",
        machine_image=ec2.MachineImage.generic_linux({ENV.region: AMI}),
        instance_type=ec2.InstanceType("t3.small"),
        security_group=ec2.SecurityGroup(stack, "OwnGroup", vpc=vpc) if security_group else None,
        require_imdsv2=True,
    )


def test_a_launch_template_of_your_own_is_used_as_is_and_opened_to_the_load_balancer():
    # Given a launch template the user built, with its own security group
    stack, vpc = _stack()
    template = _own_template(stack, vpc)
    # When the service uses it
    web = AutoHealingWebService(stack, "Web", vpc=vpc, existing_launch_template=template)
    t = Template.from_stack(stack)
    # Then the group launches from it, and the construct writes no template, role or boot script
    assert web.launch_template is template
    t.resource_count_is("AWS::EC2::LaunchTemplate", 1)
    t.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "LaunchTemplate": Match.object_like(
                {"LaunchTemplateId": {"Ref": stack.get_logical_id(template.node.default_child)}}
            )
        },
    )
    assert not [r for r in t.find_resources("AWS::IAM::Role") if r.startswith("WebInstanceRole")]
    # and its contract's network part holds: the load balancer reaches app_probe.port on its group
    own_group = stack.get_logical_id(web.instance_security_group.node.default_child)
    assert own_group.startswith("OwnGroup")
    t.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": {"Fn::GetAtt": [own_group, "GroupId"]},
            "FromPort": 8080,
            "ToPort": 8080,
            "SourceSecurityGroupId": Match.any_value(),
        },
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"warm_pool_size": 1}, r"existing_launch_template cannot be combined with warm_pool_size \(1\)"),
        (
            {"instance_type": "t3.large", "user_data": ec2.UserData.for_linux()},
            r"existing_launch_template cannot be combined with instance_type, user_data",
        ),
    ],
)
def test_fails_when_a_launch_template_of_your_own_meets_what_needs_the_construct_boot_steps(props, message):
    stack, vpc = _stack()
    with pytest.raises(ValueError, match=message):
        AutoHealingWebService(
            stack, "Web", vpc=vpc, existing_launch_template=_own_template(stack, vpc), **props
        )


def test_fails_when_a_launch_template_of_your_own_has_no_security_group():
    stack, vpc = _stack()
    with pytest.raises(ValueError, match=r"existing_launch_template has no security group"):
        AutoHealingWebService(
            stack, "Web", vpc=vpc, existing_launch_template=_own_template(stack, vpc, security_group=False)
        )


def test_fails_when_user_data_is_not_a_script():
    stack, vpc = _stack()
    with pytest.raises(ValueError, match=r"user_data must be a script starting with '#!'"):
        AutoHealingWebService(stack, "Web", vpc=vpc, user_data=ec2.UserData.custom("#cloud-config\n"))


def test_fails_when_user_data_would_end_the_here_document_early():
    stack, vpc = _stack()
    script = ec2.UserData.for_linux()
    script.add_commands("echo start", "APP_USER_DATA", "rm -rf /")
    with pytest.raises(ValueError, match=r"user_data contains a line 'APP_USER_DATA'"):
        AutoHealingWebService(stack, "Web", vpc=vpc, user_data=script)


def test_nightly_stop_has_no_home_time_zone():
    with pytest.raises(TypeError, match=r"timezone"):
        NightlyStop()  # type: ignore[call-arg]
    assert NightlyStop(timezone="UTC").stop_cron == "0 22 * * MON-FRI"


@pytest.mark.parametrize("timezone", ["", "Asia/Tokyo; rm", "-UTC"])
def test_fails_when_the_nightly_stop_time_zone_is_not_a_zone_name(timezone):
    with pytest.raises(ValueError, match=r"nightly_stop\.timezone .* must be an IANA time zone name"):
        NightlyStop(timezone=timezone)
