"""The emulator (moto server on loopback) and running deployed Lambda code in process against it."""

from __future__ import annotations

import os
import sys
import textwrap
from urllib.parse import urlparse

import pytest

from tools.gameday.deploy import zip_folder
from tools.gameday.emulator import Emulator
from tools.gameday.function import load_function
from tools.gameday.timeline import Timeline

ACCOUNT, REGION = "111111111111", "ap-northeast-1"
BUCKET = "code-bucket"

HANDLER = textwrap.dedent(
    """
    import os

    import boto3

    import gameday_probe_helper


    def handler(event, context):
        print("probe handler ran")
        if event.get("fail"):
            raise RuntimeError("boom")
        value = boto3.client("ssm").get_parameter(Name=os.environ["PARAMETER"])["Parameter"]["Value"]
        return {
            "value": value,
            "helper": gameday_probe_helper.NAME,
            "function": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            "region": os.environ["AWS_REGION"],
            "remaining_ms": context.get_remaining_time_in_millis(),
        }
    """
)


@pytest.fixture(scope="module")
def emulator():
    with Emulator(account=ACCOUNT) as running:
        yield running


@pytest.fixture
def probe(emulator, tmp_path):
    """A function deployed from a zip in S3 (as CloudFormation does), its code in the bucket."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "probe.py").write_text(HANDLER)
    (source / "gameday_probe_helper.py").write_text("NAME = 'helper from the asset'\n")
    s3 = emulator.client("s3", REGION)
    if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=BUCKET, Key="probe.zip", Body=zip_folder(source))
    iam = emulator.client("iam", REGION)
    role = iam.create_role(RoleName=f"probe-{tmp_path.name}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    emulator.client("ssm", REGION).put_parameter(
        Name="/probe/value", Value="from the emulator", Type="String"
    )
    name = f"probe-{tmp_path.name}"[:64]
    emulator.client("lambda", REGION).create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="probe.handler",
        Code={"S3Bucket": BUCKET, "S3Key": "probe.zip"},
        Timeout=30,
        Environment={"Variables": {"PARAMETER": "/probe/value"}},
    )
    function = load_function(
        emulator,
        name=name,
        region=REGION,
        code_bucket=BUCKET,
        code_key="probe.zip",
        workdir=tmp_path / "task",
    )
    yield function
    function.unload()
    emulator.client("ssm", REGION).delete_parameter(Name="/probe/value")


# --------------------------------------------------------------------------------------------
# emulator
# --------------------------------------------------------------------------------------------
def test_the_emulator_listens_on_loopback_and_serves_the_given_account(emulator):
    assert urlparse(emulator.endpoint_url).hostname == "127.0.0.1"
    assert emulator.client("sts", REGION).get_caller_identity()["Account"] == ACCOUNT
    assert os.environ["MOTO_ACCOUNT_ID"] == ACCOUNT


def test_environment_points_sdks_at_the_emulator_for_the_block_only(emulator):
    before = dict(os.environ)

    with emulator.environment(REGION, {"EXTRA": "1"}):
        assert os.environ["AWS_ENDPOINT_URL"] == emulator.endpoint_url
        assert os.environ["EXTRA"] == "1"

    assert dict(os.environ) == before


def test_fails_when_a_second_emulator_starts_in_the_same_process(emulator):
    with pytest.raises(RuntimeError, match="already running"):
        Emulator(account=ACCOUNT).start()


@pytest.mark.parametrize(
    ("account", "port", "message"),
    [
        ("1234", 0, r"account \('1234'\) must be a 12-digit"),
        ("111111111111", 70000, r"port \(70000\) must be"),
    ],
)
def test_fails_when_account_or_port_is_invalid(account, port, message):
    with pytest.raises(ValueError, match=message):
        Emulator(account=account, port=port)


# --------------------------------------------------------------------------------------------
# deployed code
# --------------------------------------------------------------------------------------------
def test_runs_the_deployed_code_with_its_environment_against_the_emulator(probe, emulator):
    invocation = probe.invoke({"detail": {}}, emulator)

    assert invocation.ok, invocation.error
    assert invocation.response["value"] == "from the emulator"
    assert invocation.response["helper"] == "helper from the asset"
    assert invocation.response["function"] == probe.name
    assert invocation.response["region"] == REGION
    assert 0 < invocation.response["remaining_ms"] <= 30_000
    assert "probe handler ran" in invocation.logs
    assert "PARAMETER" not in os.environ and "AWS_ENDPOINT_URL" not in os.environ


def test_reports_an_exception_as_a_function_error(probe, emulator):
    invocation = probe.invoke({"fail": True}, emulator)

    assert not invocation.ok
    assert isinstance(invocation.error, RuntimeError)
    assert "probe handler ran" in invocation.logs


def test_unloading_forgets_the_code_like_a_new_execution_environment(probe, emulator):
    probe.invoke({}, emulator)
    assert "gameday_probe_helper" in sys.modules

    probe.unload()

    assert "gameday_probe_helper" not in sys.modules and "probe" not in sys.modules
    assert str(probe.code_dir) not in sys.path


def test_fails_when_the_code_in_the_bucket_is_not_the_deployed_code(probe, emulator, tmp_path):
    emulator.client("s3", REGION).put_object(Bucket=BUCKET, Key="probe.zip", Body=b"changed since the deploy")

    with pytest.raises(ValueError, match="is not the code of"):
        load_function(
            emulator,
            name=probe.name,
            region=REGION,
            code_bucket=BUCKET,
            code_key="probe.zip",
            workdir=tmp_path,
        )


# --------------------------------------------------------------------------------------------
# timeline
# --------------------------------------------------------------------------------------------
def test_a_timeline_labels_each_entry_and_passes_only_when_every_check_passes():
    timeline = Timeline("stopped-instance: an instance stops")
    timeline.injected("StopInstances i-1")
    timeline.emulator("i-1 is stopped")
    timeline.function("handler ran", ["acted: MarkUnhealthy"])
    assert not timeline.passed  # no check yet: nothing was verified

    timeline.check("instance replaced", True, "i-2 in service")
    assert timeline.passed
    timeline.check("notified", False, "0 messages")

    text = timeline.render()
    assert not timeline.passed
    for label in ("INJECTED", "EMULATOR", "FUNCTION", "CHECK"):
        assert label in text
    assert "FAIL  notified: 0 messages" in text
    assert text.rstrip().endswith("=> NOT RECOVERED (failed: notified)")


def test_fails_when_a_timeline_entry_has_an_unknown_source():
    with pytest.raises(ValueError, match=r"source \('GUESSED'\) must be one of"):
        Timeline("x").add("GUESSED", "text")


def test_a_scripted_instance_agent_answers_run_command_for_the_block_only(emulator):
    from tools.gameday.drills import scripted_instance_agent

    ssm = emulator.client("ssm", REGION)

    def send() -> str:
        command = ssm.send_command(
            InstanceIds=["i-0abcd1111aaaa2222"],
            DocumentName="AWS-RunShellScript",
            Parameters={"commands": ["systemctl restart 'webapp'"]},
        )["Command"]["CommandId"]
        return ssm.get_command_invocation(CommandId=command, InstanceId="i-0abcd1111aaaa2222")[
            "StandardOutputContent"
        ]

    with scripted_instance_agent(lambda instance, parameters: f"{instance} got {sorted(parameters)}"):
        assert send() == "i-0abcd1111aaaa2222 got ['commands']"
    assert send() == ""  # plain moto again
