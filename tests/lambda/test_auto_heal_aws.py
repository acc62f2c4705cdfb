"""The AWS adapter: error translation, the tag guard, dry run, Run Command plumbing (moto + hooks)."""

from __future__ import annotations

import time

import pytest
from auto_heal_world import COMMAND_DOCUMENT
from botocore.exceptions import ClientError, EndpointConnectionError

from lambda_src.auto_heal.aws import (
    AwsGateway,
    parse_restart_output,
    translate_client_error,
)
from lambda_src.auto_heal.errors import NotOwnedError, PermanentAwsError, TransientAwsError


def gateway(world, *, dry_run=False) -> AwsGateway:
    return AwsGateway(
        environment_tag_key="Environment",
        environment_name="prod",
        dry_run=dry_run,
        session=world.session,
        sleep=lambda _: None,
    )


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("Throttling", 400, TransientAwsError),
        ("RequestLimitExceeded", 503, TransientAwsError),
        ("ProvisionedThroughputExceededException", 400, TransientAwsError),
        ("IncorrectInstanceState", 400, TransientAwsError),
        ("SomethingNew", 502, TransientAwsError),
        ("AccessDenied", 403, PermanentAwsError),
        ("UnauthorizedOperation", 403, PermanentAwsError),
        ("ValidationError", 400, PermanentAwsError),
        ("InvalidInstanceID.NotFound", 400, PermanentAwsError),
    ],
)
def test_client_errors_become_transient_or_permanent(code, status, kind):
    error = translate_client_error(client_error(code, status), "ec2:start_instances")
    assert type(error) is kind
    assert (error.code, error.retryable) == (code, kind is TransientAwsError)
    assert code in str(error)


@pytest.mark.parametrize("which", ["untagged", "other_env"])
def test_tag_guard_refuses_to_touch_another_environments_instance(world, which):
    with pytest.raises(NotOwnedError, match="refusing to act"):
        gateway(world).start_instance(getattr(world, which))
    assert world.hooks.mutations() == []


def test_tag_guard_refuses_an_untagged_group(world):
    world.create_group("someone-elses", desired=1, max_size=2, tags={})
    with pytest.raises(NotOwnedError):
        gateway(world).set_desired_capacity("someone-elses", 2)
    assert world.group("someone-elses")["DesiredCapacity"] == 1


def test_dry_run_checks_tags_but_makes_no_mutating_call(world):
    world.stop(world.standalone)
    aws = gateway(world, dry_run=True)
    member = world.members()[0]

    details = [
        aws.start_instance(world.standalone),
        aws.reboot_instance(world.standalone),
        aws.stop_start_instance(world.standalone, deadline=time.monotonic() + 5),
        aws.set_unhealthy("webapp-prod-web", member),
        aws.set_desired_capacity("webapp-prod-web", 3),
        aws.send_diagnostics([member], document=COMMAND_DOCUMENT, unit="webapp", comment="c")[0],
    ]

    assert all(d.startswith("dry run: would") for d in details)
    assert (
        aws.restart_service(
            member,
            document=COMMAND_DOCUMENT,
            unit="webapp",
            port=8080,
            path="/health",
            comment="c",
            deadline=0,
        )
        is None
    )
    assert aws.start_runbook("doc", instance_id=member, parameters={}) == ""
    assert world.hooks.mutations() == []
    assert world.state(world.standalone) == "stopped"
    with pytest.raises(NotOwnedError):
        aws.start_instance(world.untagged)


def test_scale_out_beyond_max_is_refused(world):
    with pytest.raises(PermanentAwsError, match="exceed max 4"):
        gateway(world).set_desired_capacity("webapp-prod-web", 5)


def test_connection_errors_via_botocore_hook_are_transient(world):
    world.hooks.raising["ec2.DescribeInstances"] = EndpointConnectionError(endpoint_url="https://ec2.invalid")
    with pytest.raises(TransientAwsError):
        gateway(world).describe_instance(world.standalone)


def test_stop_start_gives_up_for_a_retry_when_the_instance_does_not_stop_in_time_via_botocore_hook(world):
    world.hooks.accepted_without_effect.add("ec2.StopInstances")  # AWS takes minutes to stop
    with pytest.raises(TransientAwsError, match="start it on the retry"):
        gateway(world).stop_start_instance(world.standalone, deadline=time.monotonic())
    assert "ec2.StartInstances" not in world.hooks.mutations()


def test_waiting_for_a_command_tolerates_its_late_registration_via_botocore_hook(world):
    aws = gateway(world)
    command_id = aws.send_diagnostics(
        [world.standalone], document=COMMAND_DOCUMENT, unit="webapp", comment="c"
    )[1]
    world.hooks.fail("ssm.GetCommandInvocation", "InvocationDoesNotExist", times=1)
    result = aws.wait_for_command(command_id, world.standalone, deadline=time.monotonic() + 30)
    assert result.status == "Success"
    assert world.hooks.operations().count("ssm.GetCommandInvocation") == 2


def test_waiting_for_a_command_stops_at_the_deadline_via_botocore_hook(world):
    aws = gateway(world)
    command_id = aws.send_diagnostics(
        [world.standalone], document=COMMAND_DOCUMENT, unit="webapp", comment="c"
    )[1]
    world.hooks.command_status, world.hooks.command_output = "InProgress", ""
    result = aws.wait_for_command(command_id, world.standalone, deadline=time.monotonic())
    assert (result.status, result.health) == ("Waiting", "unknown")


def test_recent_cpu_is_the_mean_per_instance_with_data(world):
    for value in (80.0, 100.0):
        world.put_metric("AWS/EC2", "CPUUtilization", {"InstanceId": world.standalone}, value)
    assert gateway(world).recent_cpu_percent([world.standalone, world.untagged]) == {world.standalone: 90.0}


def test_restart_output_parsing():
    assert parse_restart_output("x\nAUTOHEAL_HEALTH=ok\nAUTOHEAL_MEM_USED_PERCENT=41.5\n") == ("ok", 41.5)
    assert parse_restart_output("AUTOHEAL_HEALTH=fail") == ("fail", None)
    assert parse_restart_output("") == ("unknown", None)
    assert parse_restart_output("AUTOHEAL_HEALTH=okay\nAUTOHEAL_MEM_USED_PERCENT=400") == ("unknown", None)


def test_a_parameter_outside_the_documents_pattern_is_refused_by_ssm_via_botocore_hook(world):
    # Defence in depth: even a unit that slipped past the configuration never reaches a shell.
    aws = gateway(world)
    with pytest.raises(PermanentAwsError, match="InvalidParameters"):
        aws.restart_service(
            world.standalone,
            document=COMMAND_DOCUMENT,
            unit="--force",
            port=8080,
            path="/health",
            comment="test",
            deadline=time.monotonic() + 5,
        )
    with pytest.raises(PermanentAwsError, match="InvalidDocument"):
        aws.send_diagnostics([world.standalone], document="AWS-RunShellScript", unit="webapp", comment="x")
