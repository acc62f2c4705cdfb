"""The runbook interpreter against moto: flow control, waits, timeouts, retries, scripts on the
virtual clock, Run Command with a labelled outcome, and the validation of documents.

Behaviour follows "Properties shared by all actions"
(https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html) and
"Handling timeouts in runbooks"
(https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-handling-timeouts.html).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from tools.recovery_budget.latencies import Latencies
from tools.simulation.clock import VirtualClock
from tools.simulation.runbooks import CommandOutcome, RunbookEnvironment, RunbookError, run_runbook, select
from tools.simulation.timeline import SimTimeline

REGION = "ap-northeast-1"
LATENCIES = Latencies()
START = LATENCIES.s("RUNBOOK_START_SECONDS")


@pytest.fixture
def env():
    with mock_aws():
        clock = VirtualClock(datetime(2030, 1, 1, tzinfo=UTC))
        timeline = SimTimeline("runbook", clock)
        clients: dict = {}

        def client(service):
            return clients.setdefault(service, boto3.client(service, region_name=REGION))

        yield RunbookEnvironment(
            clock=clock,
            timeline=timeline,
            client=client,
            region=REGION,
            account="123456789012",
            latencies=LATENCIES,
            script_environment=contextlib.nullcontext,
        )


def _doc(*steps, parameters=None):
    return {"schemaVersion": "0.3", "parameters": parameters or {}, "mainSteps": list(steps)}


def _put(name, value):
    return {
        "name": name,
        "action": "aws:executeAwsApi",
        "inputs": {
            "Service": "ssm",
            "Api": "PutParameter",
            "Name": "/p",
            "Value": value,
            "Type": "String",
            "Overwrite": True,
        },
    }


def test_api_steps_outputs_and_typed_variables(env):
    document = _doc(
        _put("Write", "{{ Count }}"),
        {
            "name": "Read",
            "action": "aws:executeAwsApi",
            "inputs": {"Service": "ssm", "Api": "GetParameter", "Name": "/p"},
            "outputs": [{"Name": "Value", "Selector": "$.Parameter.Value", "Type": "Integer"}],
        },
        {
            "name": "Choose",
            "action": "aws:branch",
            "inputs": {
                "Choices": [{"NextStep": "Big", "Variable": "{{ Read.Value }}", "NumericGreater": 5}],
                "Default": "Small",
            },
        },
        {"name": "Small", "action": "aws:sleep", "inputs": {"Duration": "PT1M"}, "isEnd": True},
        {"name": "Big", "action": "aws:sleep", "inputs": {"Duration": "PT30S"}, "isEnd": True},
        parameters={"Count": {"type": "Integer", "default": 7}},
    )
    execution = run_runbook(document, name="doc", env=env)
    assert execution.status == "Success"
    assert execution.path() == ["Write:Success", "Read:Success", "Choose:Success", "Big:Success"]
    assert execution.step("Read").outputs == {"Value": 7}
    assert env.clock.now == START + 30  # the start latency, then the document's own sleep


def test_wait_sees_a_change_the_clock_makes_and_times_out_otherwise(env):
    env.client("ssm").put_parameter(Name="/p", Value="creating", Type="String")
    env.clock.schedule(
        START + 100,
        lambda: env.client("ssm").put_parameter(Name="/p", Value="available", Type="String", Overwrite=True),
    )
    wait = {
        "name": "Wait",
        "action": "aws:waitForAwsResourceProperty",
        "timeoutSeconds": 600,
        "inputs": {
            "Service": "ssm",
            "Api": "GetParameter",
            "Name": "/p",
            "PropertySelector": "$.Parameter.Value",
            "DesiredValues": ["available"],
        },
    }
    execution = run_runbook(_doc(wait), name="doc", env=env)
    assert execution.status == "Success"
    assert START + 100 <= env.clock.now <= START + 100 + env.poll_seconds

    short = {
        **wait,
        "timeoutSeconds": 60,
        "inputs": {**wait["inputs"], "DesiredValues": ["gone"]},
        "onFailure": "step:Notify",
    }
    notify = _put("Notify", "failed")
    execution = run_runbook(_doc(short, {**notify, "isEnd": True}), name="doc", env=env)
    # a critical step that timed out leaves the execution's status TimedOut, the failure path still runs
    assert execution.status == "TimedOut"
    assert execution.path() == ["Wait:TimedOut", "Notify:Success"]
    assert execution.step("Wait").ended - execution.step("Wait").started == 60


def test_max_attempts_retry_and_continue_on_a_non_critical_step(env):
    env.client("ssm").put_parameter(Name="/p", Value="no", Type="String")
    check = {
        "name": "Check",
        "action": "aws:assertAwsResourceProperty",
        "maxAttempts": 3,
        "onFailure": "Continue",
        "inputs": {
            "Service": "ssm",
            "Api": "GetParameter",
            "Name": "/p",
            "PropertySelector": "$.Parameter.Value",
            "DesiredValues": ["yes"],
        },
    }
    execution = run_runbook(_doc(check, _put("After", "x")), name="doc", env=env)
    record = execution.step("Check")
    assert record.status == "Failed" and record.attempts == 3 and not record.critical
    assert execution.status == "Success"  # isCritical defaults to false with onFailure Continue
    assert execution.path()[-1] == "After:Success"


def test_abort_stops_the_execution(env):
    failing = {
        "name": "Boom",
        "action": "aws:executeAwsApi",
        "inputs": {"Service": "ssm", "Api": "GetParameter", "Name": "/none"},
    }
    execution = run_runbook(_doc(failing, _put("Never", "x")), name="doc", env=env)
    assert execution.status == "Failed" and execution.path() == ["Boom:Failed"]
    assert "ParameterNotFound" in execution.step("Boom").message


def test_scripts_run_against_the_emulator_on_the_virtual_clock(env):
    env.client("ssm").put_parameter(Name="/p", Value="creating", Type="String")
    env.clock.schedule(
        START + 200,
        lambda: env.client("ssm").put_parameter(Name="/p", Value="ready", Type="String", Overwrite=True),
    )
    script = (
        "def poll(events, context):\n"
        "    import time\n"
        "    import boto3\n"
        "    started = time.monotonic()\n"
        "    ssm = boto3.client('ssm', region_name='ap-northeast-1')\n"
        "    while ssm.get_parameter(Name=events['Name'])['Parameter']['Value'] != 'ready':\n"
        "        time.sleep(30)\n"
        "    return {'Waited': int(time.monotonic() - started)}\n"
    )
    step = {
        "name": "Poll",
        "action": "aws:executeScript",
        "timeoutSeconds": 600,
        "inputs": {
            "Runtime": "python3.11",
            "Handler": "poll",
            "Script": script,
            "InputPayload": {"Name": "/p"},
        },
        "outputs": [{"Name": "Waited", "Selector": "$.Payload.Waited", "Type": "Integer"}],
    }
    execution = run_runbook(_doc(step), name="doc", env=env)
    assert execution.status == "Success" and execution.step("Poll").outputs == {"Waited": 210}
    timed_out = run_runbook(
        _doc({**step, "timeoutSeconds": 60, "inputs": {**step["inputs"], "InputPayload": {"Name": "/q"}}}),
        name="doc",
        env=env,
    )
    assert timed_out.status == "Failed"  # ParameterNotFound raised inside the script
    assert "ParameterNotFound" in timed_out.step("Poll").message


def test_run_command_is_sent_to_the_emulator_and_its_outcome_labelled(env):
    reservation = env.client("ec2").run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)
    instance = reservation["Instances"][0]["InstanceId"]
    env.command_outcome = lambda ids, document, parameters: CommandOutcome(
        "Success", "HEALTH=ok\n", "INJECTED", "scripted"
    )
    step = {
        "name": "Probe",
        "action": "aws:runCommand",
        "inputs": {
            "DocumentName": "AWS-RunShellScript",
            "InstanceIds": [instance],
            "Parameters": {"commands": ["curl /health"]},
        },
        "outputs": [{"Name": "Output", "Selector": "$.Output", "Type": "String"}],
    }
    execution = run_runbook(_doc(step), name="doc", env=env)
    outputs = execution.step("Probe").outputs
    assert execution.status == "Success" and outputs["Output"] == "HEALTH=ok\n"
    assert outputs["Status"] == "Success" and outputs["CommandId"]  # the action's predefined outputs
    assert env.client("ssm").list_commands()["Commands"][0]["DocumentName"] == "AWS-RunShellScript"
    assert any(line.label == "INJECTED" and "Run Command" in line.text for line in env.timeline.lines)
    assert env.clock.now == START + LATENCIES.s("SSM_RUN_COMMAND_SECONDS")


@pytest.mark.parametrize(
    ("document", "parameters", "message"),
    [
        (
            _doc({"name": "A", "action": "aws:approve", "inputs": {}}),
            {},
            r"action\(s\) \['aws:approve'\] are not modelled",
        ),
        (
            _doc({"name": "A", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}, "nextStep": "Z"}),
            {},
            r"step A points at missing step\(s\) \['Z'\]",
        ),
        (_doc(_put("A", "1"), _put("A", "2")), {}, r"duplicate step name\(s\) \['A'\]"),
        (_doc(_put("A", "{{ X }}"), parameters={"X": {"type": "String"}}), {}, "parameter X is required"),
        (
            _doc(_put("A", "1"), parameters={"X": {"type": "String", "allowedPattern": "^i-[0-9a-f]+$"}}),
            {"X": "nope"},
            "does not match",
        ),
    ],
)
def test_fails_on_an_invalid_document_or_parameters(env, document, parameters, message):
    with pytest.raises(RunbookError, match=message):
        run_runbook(document, name="doc", parameters=parameters, env=env)


def test_selector_reads_paths_and_indexes():
    assert select({"A": [{"B": 1}]}, "$.A[0].B") == 1
    with pytest.raises(KeyError):
        select({"A": []}, "$.A[0].B")
