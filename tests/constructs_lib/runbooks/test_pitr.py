"""Point-in-time restore into a new instance."""

from __future__ import annotations

import json

import pytest

from constructs_lib.runbooks.graph import reachable, successors
from constructs_lib.runbooks.props import EndpointSwitch
from tests.constructs_lib.runbooks.helpers import (
    DB,
    DOCUMENTS,
    document_and_role,
    role_statements,
    steps_by_name,
)


def test_pitr_restore_accepts_only_utc_timestamps_and_names_after_the_source():
    import re

    parameters = DOCUMENTS["pitr_restore"]["parameters"]
    time_pattern = re.compile(parameters["RestoreTime"]["allowedPattern"])
    assert time_pattern.search("2026-01-31T09:15:00Z")
    for bad in ("yesterday", "2026-01-31 09:15", "2026-01-31T09:15:00+09:00"):
        assert not time_pattern.search(bad)
    name_pattern = re.compile(parameters["TargetDBInstanceIdentifier"]["allowedPattern"])
    assert name_pattern.search(f"{DB}-restored-0131")
    for bad in ("other-db", f"{DB}-", f"{DB}--x", f"{DB}-UPPER"):
        assert not name_pattern.search(bad)
    restore = steps_by_name(DOCUMENTS["pitr_restore"])["RestoreToPointInTime"]["inputs"]
    assert restore["DeletionProtection"] is True and restore["PubliclyAccessible"] is False
    assert {"Key": "Environment", "Value": "prod"} in restore["Tags"]


# --- pointing the app at the restored instance -----------------------------------------------------


def test_without_a_switch_the_runbook_only_restores_and_says_so():
    content = DOCUMENTS["pitr_restore"]
    assert "SwitchDatabaseEndpoint" not in steps_by_name(content)
    assert "Nothing in this runbook points the application at it" in json.dumps(content)


def test_the_switch_writes_the_restored_endpoint_only_once_the_instance_is_available():
    content = DOCUMENTS["pitr_restore_switch"]
    steps = steps_by_name(content)
    switch = steps["SwitchDatabaseEndpoint"]["inputs"]
    assert switch["Api"] == "PutParameter" and switch["Overwrite"] is True
    assert switch["Name"] == "/webapp/prod/db/endpoint"
    assert switch["Value"] == "{{ DescribeRestoredDatabase.Endpoint }}"
    # on success edges, the switch is reached only through the wait for "available" and the describe
    for before in ("WaitForRestoredDatabase", "DescribeRestoredDatabase"):
        assert "SwitchDatabaseEndpoint" not in reachable(
            content, "RestoreToPointInTime", removed=[before], on_failure=False
        )


def test_the_run_reports_success_only_after_the_app_restarted_on_the_switched_value():
    content = DOCUMENTS["pitr_restore_switch"]
    # no success path around the switch, nor around the restart when there are instances to restart
    assert "NotifyRestored" not in reachable(
        content, "RestoreToPointInTime", removed=["SwitchDatabaseEndpoint"], on_failure=False
    )
    branch = steps_by_name(content)["HasAppInstances"]["inputs"]
    assert branch["Choices"] == [
        {"NextStep": "NotifyRestored", "Variable": "{{ ListAppInstances.Count }}", "NumericEquals": 0}
    ]
    assert branch["Default"] == "RestartApp"
    restart = steps_by_name(content)["RestartApp"]
    assert restart["action"] == "aws:runCommand"
    assert restart["inputs"]["DocumentName"] == "webapp-prod-instance-commands"
    assert restart["inputs"]["InstanceIds"] == "{{ ListAppInstances.InstanceIds }}"
    # the library's Command document restarts the unit and fails unless the (deep) path answers
    assert restart["inputs"]["Parameters"] == {"Action": "RestartService", "HealthCheckPath": "/health/deep"}
    assert restart["onFailure"] == "step:NotifyFailure"
    assert restart["timeoutSeconds"] > 600  # the document's own step may take 600 s
    assert successors(content, "RestartApp", on_failure=False) == ["NotifyRestored"]


def test_the_switch_role_may_write_one_parameter_and_send_one_document_to_tagged_instances(dr_synthesized):
    template, _, role_id = document_and_role(dr_synthesized, "pitr_restore_switch")
    statements = {s.get("Sid"): s for s in role_statements(template, role_id)}
    put = statements["PointAppAtRestoredDatabase"]
    assert put["Action"] == "ssm:PutParameter"
    assert put["Resource"]["Fn::Join"][1][-1].endswith(":parameter/webapp/prod/db/endpoint")
    document = statements["RestartAppWithCommandDocumentOnly"]
    assert document["Action"] == "ssm:SendCommand"
    assert document["Resource"]["Fn::Join"][1][-1].endswith(":document/webapp-prod-instance-commands")
    instances = statements["RestartAppOnTaggedInstancesOnly"]
    assert instances["Condition"] == {"StringEquals": {"aws:ResourceTag/Environment": "prod"}}
    reads = statements["FindAndFollowAppInstances"]
    assert sorted(reads["Action"]) == [
        "autoscaling:DescribeAutoScalingGroups",
        "ssm:ListCommandInvocations",
        "ssm:ListCommands",
    ]
    # without the switch the role has no SSM or Auto Scaling action at all
    plain, _, plain_role = document_and_role(dr_synthesized, "pitr_restore")
    actions = json.dumps([s["Action"] for s in role_statements(plain, plain_role)])
    assert "ssm:" not in actions and "autoscaling:" not in actions


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("endpoint_parameter_name", "db endpoint", "must be an SSM parameter name"),
        ("health_path", "/health;reboot", "must start with '/' and use only"),
        ("command_document_name", "", "command_document_name is empty"),
    ],
)
def test_fails_when_the_switch_names_something_unusable(field, value, message):
    props = {
        "endpoint_parameter_name": "/webapp/prod/db/endpoint",
        "auto_scaling_group_name": "webapp-prod-web",
        "command_document_name": "doc",
        field: value,
    }
    with pytest.raises(ValueError, match=message):
        EndpointSwitch(**props)
