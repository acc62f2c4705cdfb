"""Environments that keep their data (retain_data) keep the failed events and the execution logs too."""

from __future__ import annotations

import pytest

KEPT_TYPES = ("AWS::SQS::Queue", "AWS::Logs::LogGroup")


@pytest.mark.parametrize("name", ["dev", "stg", "prod"])
def test_queues_and_log_groups_follow_retain_data(synthesized_app, name):
    env = synthesized_app.config.environments[name]
    expected = "Retain" if env.retain_data else "Delete"
    checked = 0
    for path, template in synthesized_app.templates.items():
        if not path.startswith(f"{env.stage_name}/") or not path.endswith("-Monitoring"):
            continue
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] in KEPT_TYPES and logical_id.startswith(
                ("AutoHealingDeadLetterQueue", "PauseSwitchLogs", "EscalationLogs")
            ):
                assert resource.get("DeletionPolicy") == expected, f"{path}/{logical_id}"
                assert resource.get("UpdateReplacePolicy") == expected, f"{path}/{logical_id}"
                checked += 1
    assert checked == 6, "dead-letter queue, pause-switch and escalation logs in both regions"
