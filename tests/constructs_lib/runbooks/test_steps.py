"""Every DR document, step by step: the step graph validates, failing steps notify, API steps pass
only parameters the API accepts, script steps run a declared, self-contained script."""

from __future__ import annotations

import botocore.session
import pytest

from constructs_lib.runbooks.scripts import SCRIPT_IAM_ACTIONS
from constructs_lib.runbooks.validation import validate_automation_document
from tests.constructs_lib.runbooks.helpers import DOCUMENTS, reachable


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_passes_the_step_graph_validation(name):
    assert validate_automation_document(DOCUMENTS[name]) == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_failing_step_ends_in_a_failure_notification(name):
    content = DOCUMENTS[name]
    acting = (
        "aws:executeAwsApi",
        "aws:waitForAwsResourceProperty",
        "aws:assertAwsResourceProperty",
        "aws:executeScript",
    )
    for step in content["mainSteps"]:
        if step["action"] in acting and not step["name"].startswith("Notify"):
            assert step.get("onFailure", "").startswith("step:"), f"{step['name']} fails without notifying"
            assert "NotifyFailure" in reachable(content, step["onFailure"].removeprefix("step:"))
    ends = {s["name"] for s in content["mainSteps"] if s.get("isEnd")}
    assert ends == {"NotifyFailure", "NotifySuccess"} or ends == {"NotifyFailure", "NotifyRestored"}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_api_steps_only_pass_parameters_the_aws_api_accepts(name):
    session = botocore.session.get_session()
    for step in DOCUMENTS[name]["mainSteps"]:
        if step["action"] not in (
            "aws:executeAwsApi",
            "aws:waitForAwsResourceProperty",
            "aws:assertAwsResourceProperty",
        ):
            continue
        inputs = dict(step["inputs"])
        service, api = inputs.pop("Service"), inputs.pop("Api")
        inputs.pop("PropertySelector", None)
        inputs.pop("DesiredValues", None)
        members = session.get_service_model(service).operation_model(api).input_shape.members
        assert set(inputs) <= set(members), f"{step['name']}: {sorted(set(inputs) - set(members))}"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_script_step_runs_a_declared_script(name):
    for step in DOCUMENTS[name]["mainSteps"]:
        if step["action"] == "aws:executeScript":
            assert step["inputs"]["Handler"] in SCRIPT_IAM_ACTIONS
            assert step["inputs"]["Runtime"] == "python3.11"
            namespace: dict = {}  # the script runs alone in AWS: no imports or names of this module
            exec(compile(step["inputs"]["Script"], step["name"], "exec"), namespace)
            assert callable(namespace[step["inputs"]["Handler"]])
