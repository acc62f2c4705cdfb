"""NightlyPause: the nightly stop's own pause, set in the evening, cleared in the morning, never a person's.

The template is checked with aws_cdk.assertions and parsed; the synthesized definition then really runs
in moto's Step Functions (``execute_state_machine``), reading and writing moto's SSM, with AWS's name
for a missing parameter (``Ssm.ParameterNotFoundException``, see
``tools/gameday/fills_stepfunctions.py``: moto spells the service part ``ssm``).
"""

from __future__ import annotations

import ast
import json
import time
import uuid

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk.assertions import Match, Template
from moto import mock_aws

from constructs_lib._core import PAUSE_BY_OPERATOR, PAUSE_BY_SCHEDULE, PAUSE_OFF, Naming
from constructs_lib._handlers.auto_heal import contract
from constructs_lib.alerting import PauseSwitch
from constructs_lib.web import NightlyPause
from constructs_lib.web.nightly_pause import PARAMETER_NOT_FOUND, PAUSE, RESUME
from tests.conftest import ROOT
from tests.unit.quality import cfn_lint, synth_with_nag
from tools.gameday import fills_stepfunctions

ACCOUNT, REGION = "123456789012", "ap-northeast-1"
ENV = cdk.Environment(account=ACCOUNT, region=REGION)
SWITCH = "/webapp/dev/pause"
SWITCH_ARN = {
    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":ssm:{REGION}:{ACCOUNT}:parameter{SWITCH}"]]
}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("nightly_pause")
    app = cdk.App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = cdk.Stack(app, "Compute", env=ENV)
    switch = PauseSwitch.from_parameter_name(stack, "PauseSwitch", SWITCH)
    pause = NightlyPause(
        stack,
        "NightlyPause",
        pause_switch=switch,
        naming=Naming(app="webapp", environment="dev"),
        log_retention=cdk.aws_logs.RetentionDays.TWO_WEEKS,
    )
    high = cdk.aws_sns.Topic.from_topic_arn(stack, "High", f"arn:aws:sns:{REGION}:{ACCOUNT}:high")
    pause.failure_alarm(
        stack, "NightlyPauseFailed", naming=Naming(app="webapp", environment="dev"), topic=high
    )
    templates, violations = synth_with_nag(app, outdir)
    return {
        "pause": pause,
        "raw": templates["Compute"],
        "template": Template.from_json(templates["Compute"]),
        "violations": violations,
    }


def _resolve(value, refs: dict[str, str]):
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return refs[value["Ref"]]
    separator, parts = value["Fn::Join"]
    return separator.join(_resolve(part, refs) for part in parts)


def _definition_text(raw: dict) -> str:
    (machine,) = [r for r in raw["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    return _resolve(machine["Properties"]["DefinitionString"], {"AWS::Partition": "aws"})


def _states(raw: dict) -> dict:
    return json.loads(_definition_text(raw))["States"]


# ------------------------------------------------------------------------------------------------
# The template
# ------------------------------------------------------------------------------------------------


def test_the_evening_writes_scheduled_only_over_false_or_no_parameter(synthesized):
    definition = json.loads(_definition_text(synthesized["raw"]))
    states = definition["States"]
    # given the first choice: which transition
    start = states[definition["StartAt"]]
    pause, resume = start["Choices"]
    assert (pause["Variable"], pause["StringEquals"]) == ("$.transition", PAUSE)
    assert (resume["Variable"], resume["StringEquals"]) == ("$.transition", RESUME)
    assert states[start["Default"]]["Type"] == "Fail"
    # then the evening reads the switch, by name ...
    read = states[pause["Next"]]
    assert read["Resource"] == "arn:aws:states:::aws-sdk:ssm:getParameter"
    assert read["Parameters"] == {"Name": SWITCH}
    # ... a missing parameter goes straight to the write, any other error fails the execution
    (catch,) = read["Catch"]
    assert catch["ErrorEquals"] == ["Ssm.ParameterNotFoundException"] == [PARAMETER_NOT_FOUND]
    write = states[catch["Next"]]
    # ... and only "false" leads to the write of "scheduled"; anything else ends, untouched
    choice = states[read["Next"]]
    (off,) = choice["Choices"]
    assert (off["Variable"], off["StringEquals"]) == ("$.switch.value", "false")
    assert off["Next"] == catch["Next"]
    assert write["Resource"] == "arn:aws:states:::aws-sdk:ssm:putParameter"
    assert write["Parameters"] == {"Name": SWITCH, "Value": "scheduled", "Type": "String", "Overwrite": True}
    assert states[choice["Default"]]["Type"] == "Succeed"


def test_the_morning_writes_false_only_over_scheduled(synthesized):
    definition = json.loads(_definition_text(synthesized["raw"]))
    states = definition["States"]
    resume = states[definition["StartAt"]]["Choices"][1]
    read = states[resume["Next"]]
    assert read["Resource"] == "arn:aws:states:::aws-sdk:ssm:getParameter"
    assert "Catch" not in read  # no parameter: nothing of the schedule's to clear, the execution fails
    choice = states[read["Next"]]
    (scheduled,) = choice["Choices"]
    assert (scheduled["Variable"], scheduled["StringEquals"]) == ("$.switch.value", "scheduled")
    write = states[scheduled["Next"]]
    assert write["Resource"] == "arn:aws:states:::aws-sdk:ssm:putParameter"
    assert write["Parameters"] == {"Name": SWITCH, "Value": "false", "Type": "String", "Overwrite": True}
    assert states[choice["Default"]]["Type"] == "Succeed"


def test_the_only_writes_are_scheduled_in_the_evening_and_false_in_the_morning(synthesized):
    writes = {
        name: state["Parameters"]["Value"]
        for name, state in _states(synthesized["raw"]).items()
        if state.get("Resource", "").endswith(":putParameter")
    }
    assert sorted(writes.values()) == ["false", "scheduled"]


def test_the_values_are_the_healing_functions_own(synthesized):
    # given the handler contract's values, which the constructs import through constructs_lib._core
    assert (PAUSE_OFF, PAUSE_BY_OPERATOR, PAUSE_BY_SCHEDULE) == (
        contract.PAUSE_OFF,
        contract.PAUSE_BY_OPERATOR,
        contract.PAUSE_BY_SCHEDULE,
    )
    # then no construct that reads or writes the switch spells a value itself
    for path in (
        "constructs_lib/web/nightly_pause.py",
        "constructs_lib/web/schedule.py",
        "constructs_lib/alerting/pause_alarm.py",
        "constructs_lib/alerting/pause_switch.py",
        "constructs_lib/alerting/escalation.py",
    ):
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        literals = {
            n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
        assert not literals & set(contract.PAUSE_VALUES), f"{path} spells a pause value itself"


def test_the_machine_may_read_and_write_the_switch_by_its_arn_and_nothing_else(synthesized):
    (policy,) = synthesized["template"].find_resources("AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    ssm = [s for s in statements if any(str(a).startswith("ssm:") for a in _actions(s))]
    assert sorted((_actions(s), json.dumps(s["Resource"])) for s in ssm) == [
        (["ssm:GetParameter"], json.dumps(SWITCH_ARN)),
        (["ssm:PutParameter"], json.dumps(SWITCH_ARN)),
    ]
    others = [a for s in statements if s not in ssm for a in _actions(s)]
    assert all(a.startswith(("logs:", "xray:")) for a in others), others


def _actions(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


def test_it_is_an_express_machine_with_tracing_and_a_vended_log_group(synthesized):
    template = synthesized["template"]
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "StateMachineName": "webapp-dev-nightly-pause",
            "StateMachineType": "EXPRESS",
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": True}),
        },
    )
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {
                "LogGroupName": "/aws/vendedlogs/states/webapp-dev-nightly-pause",
                "RetentionInDays": 14,
            },
            "DeletionPolicy": "Delete",
        },
    )


def test_schedule_targets_start_it_with_the_transition_and_give_up_after_ten_minutes(synthesized):
    # given a schedule built from the construct's target
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    pause = NightlyPause(
        stack, "NightlyPause", pause_switch=PauseSwitch.from_parameter_name(stack, "Switch", SWITCH)
    )
    cdk.aws_scheduler.Schedule(
        stack,
        "Evening",
        schedule=cdk.aws_scheduler.ScheduleExpression.cron(hour="21", minute="55"),
        target=pause.schedule_target(PAUSE),
    )
    template = Template.from_stack(stack)
    machine = stack.get_logical_id(pause.state_machine.node.default_child)
    # then it starts the machine with {"transition": "pause"}
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "Target": {
                "Arn": {"Ref": machine},
                "Input": '{"transition":"pause"}',
                "RoleArn": Match.any_value(),
                "RetryPolicy": {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 600},
            }
        },
    )
    # and its role may start this machine only
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": machine}}
                ]
            }
        },
    )
    # without naming, the names are generated and the log group is still a vended one
    template.has_resource_properties("AWS::StepFunctions::StateMachine", {"StateMachineName": Match.absent()})
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": Match.string_like_regexp(r"^/aws/vendedlogs/states/S-")}
    )


def test_a_failed_or_timed_out_run_pages_the_topic_directly_not_through_a_composite(synthesized):
    # A failed morning leaves "scheduled", which silences the composites: this alarm pages by itself.
    (alarm,) = synthesized["template"].find_resources("AWS::CloudWatch::Alarm").values()
    props = alarm["Properties"]
    assert props["AlarmName"] == "webapp-dev-web-nightly-pause-failed-high"
    assert props["AlarmActions"] == [f"arn:aws:sns:{REGION}:{ACCOUNT}:high"]
    assert (props["Threshold"], props["EvaluationPeriods"], props["TreatMissingData"]) == (
        1,
        1,
        "notBreaching",
    )
    watched = {
        q["MetricStat"]["Metric"]["MetricName"]: q["MetricStat"]
        for q in props["Metrics"]
        if "MetricStat" in q
    }
    assert set(watched) == {"ExecutionsFailed", "ExecutionsTimedOut"}
    machine = next(iter(synthesized["template"].find_resources("AWS::StepFunctions::StateMachine")))
    for stat in watched.values():
        assert stat["Metric"]["Namespace"] == "AWS/States" and stat["Stat"] == "Sum"
        assert stat["Metric"]["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": machine}}]


def test_cdk_nag_has_no_unacknowledged_findings(synthesized):
    assert synthesized["violations"] == [], json.dumps(synthesized["violations"], indent=1)[:3000]


def test_cfn_lint_is_clean(synthesized):
    assert cfn_lint(synthesized["raw"], REGION) == []


def test_fails_when_the_transition_is_unknown(synthesized):
    with pytest.raises(ValueError, match=r"transition \('night'\) must be one of pause, resume"):
        synthesized["pause"].schedule_target("night")


def test_fails_when_the_pause_switch_is_a_plain_name():
    stack = cdk.Stack(cdk.App(builtin_cloud_formation_validation=False), "S", env=ENV)
    with pytest.raises(TypeError, match=r"pause_switch must be a pause switch \(IPauseSwitch\), got str"):
        NightlyPause(stack, "NightlyPause", pause_switch=SWITCH)


# ------------------------------------------------------------------------------------------------
# Running the synthesized definition in moto
# ------------------------------------------------------------------------------------------------


class Machine:
    """The synthesized definition in moto's Step Functions, and the switch in moto's SSM."""

    def __init__(self, raw: dict) -> None:
        self.ssm = boto3.client("ssm", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.arn = self.sfn.create_state_machine(
            name="webapp-dev-nightly-pause",
            definition=_definition_text(raw),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/nightly-pause",
        )["stateMachineArn"]

    def switch(self) -> str | None:
        try:
            return self.ssm.get_parameter(Name=SWITCH)["Parameter"]["Value"]
        except self.ssm.exceptions.ParameterNotFound:
            return None

    def set_switch(self, value: str) -> None:
        self.ssm.put_parameter(Name=SWITCH, Value=value, Type="String", Overwrite=True)

    def run(self, execution_input: dict, *, timeout: float = 20) -> dict:
        arn = self.sfn.start_execution(
            stateMachineArn=self.arn, name=uuid.uuid4().hex, input=json.dumps(execution_input)
        )["executionArn"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution = self.sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return execution
            time.sleep(0.05)
        raise AssertionError(f"execution still running after {timeout} s")


@pytest.fixture
def machine(synthesized, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    fills_stepfunctions.install_error_names(monkeypatch.setattr)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield Machine(synthesized["raw"])


@pytest.mark.parametrize(
    ("before", "transition", "after"),
    [
        ("false", PAUSE, "scheduled"),
        (None, PAUSE, "scheduled"),
        ("true", PAUSE, "true"),
        ("scheduled", PAUSE, "scheduled"),
        ("maintenance", PAUSE, "maintenance"),
        ("scheduled", RESUME, "false"),
        ("true", RESUME, "true"),
        ("false", RESUME, "false"),
        ("Scheduled", RESUME, "Scheduled"),
    ],
    ids=[
        "evening: off -> scheduled",
        "evening: no parameter -> scheduled",
        "evening: a person's pause stays",
        "evening: already scheduled stays",
        "evening: an unknown value stays",
        "morning: scheduled -> off",
        "morning: a person's pause stays",
        "morning: off stays",
        "morning: not exactly scheduled stays",
    ],
)
def test_each_transition_writes_only_what_it_owns__in_moto(machine, before, transition, after):
    # given the switch as it is
    if before is not None:
        machine.set_switch(before)
    # when the schedule starts the machine
    execution = machine.run({"transition": transition})
    # then it succeeded and the switch reads what it should
    assert execution["status"] == "SUCCEEDED", execution
    assert machine.switch() == after


def test_the_morning_without_a_parameter_fails_and_creates_nothing__in_moto(machine):
    execution = machine.run({"transition": RESUME})
    assert (execution["status"], execution.get("error")) == ("FAILED", "Ssm.ParameterNotFoundException")
    assert machine.switch() is None


@pytest.mark.parametrize("execution_input", [{"transition": "night"}, {}])
def test_an_unknown_transition_fails_before_reading_anything__in_moto(machine, execution_input):
    machine.set_switch("false")
    execution = machine.run(execution_input)
    assert (execution["status"], execution.get("error")) == ("FAILED", "UnknownTransition")
    assert machine.switch() == "false"


def test_story_an_operators_pause_set_before_the_evening_survives_the_morning__in_moto(machine):
    # given an operator pauses for maintenance in the afternoon
    machine.set_switch("true")
    # when the nightly stop's evening and morning jobs run
    assert machine.run({"transition": PAUSE})["status"] == "SUCCEEDED"
    assert machine.switch() == "true"
    assert machine.run({"transition": RESUME})["status"] == "SUCCEEDED"
    # then the operator's pause is still there: only a person clears it
    assert machine.switch() == "true"


def test_story_the_scheduled_pause_is_cleared_in_the_morning__in_moto(machine):
    # given healing and paging act
    machine.set_switch("false")
    # when the evening job runs, the switch says the schedule paused ...
    assert machine.run({"transition": PAUSE})["status"] == "SUCCEEDED"
    assert machine.switch() == "scheduled"
    # ... and the morning job clears its own pause
    assert machine.run({"transition": RESUME})["status"] == "SUCCEEDED"
    assert machine.switch() == "false"


def test_story_an_operator_who_pauses_over_night_takes_the_pause_over__in_moto(machine):
    machine.set_switch("false")
    assert machine.run({"transition": PAUSE})["status"] == "SUCCEEDED"
    machine.set_switch("true")  # an operator starts maintenance during the night
    assert machine.run({"transition": RESUME})["status"] == "SUCCEEDED"
    assert machine.switch() == "true"


def test_with_its_schedule_group_a_run_never_started_pages_too():
    # A dropped invocation (the scheduler gave up) starts no execution: the group's count covers it.
    app = cdk.App()
    stack = cdk.Stack(app, "Compute", env=ENV)
    pause = NightlyPause(
        stack, "NightlyPause", pause_switch=PauseSwitch.from_parameter_name(stack, "Switch", SWITCH)
    )
    group = cdk.aws_scheduler.ScheduleGroup(stack, "Group", schedule_group_name="webapp-dev-nightly")
    high = cdk.aws_sns.Topic.from_topic_arn(stack, "High", f"arn:aws:sns:{REGION}:{ACCOUNT}:high")
    pause.failure_alarm(
        stack, "Failed", naming=Naming(app="webapp", environment="dev"), topic=high, schedule_group=group
    )
    (alarm,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    queries = alarm["Properties"]["Metrics"]
    (expression,) = [q["Expression"] for q in queries if "Expression" in q]
    assert expression.count("FILL(") == 3
    (dropped,) = [
        q["MetricStat"]
        for q in queries
        if q.get("MetricStat", {}).get("Metric", {}).get("MetricName") == "InvocationDroppedCount"
    ]
    assert dropped["Metric"]["Namespace"] == "AWS/Scheduler" and dropped["Stat"] == "Sum"
    assert dropped["Metric"]["Dimensions"][0]["Name"] == "ScheduleGroup"
