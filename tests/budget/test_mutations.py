"""Mutations of a copy of the prod assembly: each change moves the figure or the status as AWS would.

The session's synthesized app is copied (assets left out) and one template edited per test; the
budget then reads the copy. Resources are found by what they are (a ReplicaLag alarm, the runbook
that promotes the replica, the sleep in it...), not by logical id, so the tests follow the templates
as other changes reshape them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools.recovery_budget import compute_budget
from tools.recovery_budget.cli import EXIT_MISSED, main
from tools.recovery_budget.latencies import Latencies
from tools.recovery_budget.model import NOT_COVERED

Template = dict[str, Any]


@pytest.fixture
def prod_copy(synthesized_app, tmp_path) -> Path:
    target = tmp_path / "cdk.out"
    shutil.copytree(synthesized_app.outdir, target, ignore=shutil.ignore_patterns("asset.*"))
    return target


def _template_path(assembly: Path, display_name: str) -> Path:
    stage_dir = assembly / f"assembly-{display_name.split('/')[0]}"
    manifest = json.loads((stage_dir / "manifest.json").read_text())
    for artifact in manifest["artifacts"].values():
        if artifact.get("displayName") == display_name:
            return stage_dir / artifact["properties"]["templateFile"]
    raise KeyError(display_name)


def edit(assembly: Path, display_name: str, change: Callable[[Template], None]) -> None:
    path = _template_path(assembly, display_name)
    template = json.loads(path.read_text())
    change(template)
    path.write_text(json.dumps(template))


def _prod(assembly: Path):
    return compute_budget(assembly, env="prod")["prod"]


def _of_type(template: Template, kind: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


# --- the replica-lag route -------------------------------------------------------------------------


def _lag_alarm_id(template: Template) -> str | None:
    for logical_id, body in _of_type(template, "AWS::CloudWatch::Alarm").items():
        if "ReplicaLag" in json.dumps(
            body["Properties"].get("MetricName") or body["Properties"].get("Metrics")
        ):
            return logical_id
    return None


def _add_lag_route(template: Template) -> None:
    lag = _lag_alarm_id(template)
    topic = next(iter(_of_type(template, "AWS::SNS::Topic")))
    template["Resources"][lag]["Properties"]["AlarmActions"] = [{"Ref": topic}]


def _silence_alarm_id(template: Template) -> str | None:
    for logical_id, body in _of_type(template, "AWS::CloudWatch::Alarm").items():
        props = body["Properties"]
        rds_cpu = props.get("Namespace") == "AWS/RDS" and props.get("MetricName") == "CPUUtilization"
        if rds_cpu and props.get("TreatMissingData") == "breaching":
            return logical_id
    return None


def _remove_lag_route(template: Template, find: Callable[[Template], str | None] = _lag_alarm_id) -> None:
    lag = find(template)
    body = template["Resources"][lag]["Properties"]
    body.pop("AlarmActions", None)
    name = body.get("AlarmName")
    for composite in _of_type(template, "AWS::CloudWatch::CompositeAlarm").values():
        rule = json.dumps(composite["Properties"]["AlarmRule"])
        rule = rule.replace(json.dumps({"Fn::GetAtt": [lag, "Arn"]}), '"arn:aws:cloudwatch:removed"')
        if isinstance(name, str):
            rule = rule.replace(name, "removed-alarm")
        composite["Properties"]["AlarmRule"] = json.loads(rule)


def test_removing_the_replica_lag_route_drops_the_data_loss_bound(prod_copy):
    routed_now = "pages:" in _prod(prod_copy)["region_loss"].data_loss.basis
    if not routed_now:  # the current templates do not route it yet: the copy gets a route first
        edit(prod_copy, "Prod/Osaka-Monitoring", _add_lag_route)
    routed = _prod(prod_copy)["region_loss"]
    assert routed.data_loss_seconds == 60
    assert "pages:" in routed.data_loss.basis

    edit(prod_copy, "Prod/Osaka-Monitoring", _remove_lag_route)
    unrouted = _prod(prod_copy)["region_loss"]
    assert unrouted.data_loss_seconds == Latencies().s("RDS_REPLICA_LAG_SECONDS")
    assert any("pages nobody" in w for w in unrouted.warnings)


def test_removing_the_silence_alarm_s_route_drops_the_bound_of_a_lag_alarm_quiet_on_missing_data(prod_copy):
    base = _prod(prod_copy)["region_loss"]
    assert base.data_loss_seconds == 60

    edit(prod_copy, "Prod/Osaka-Monitoring", lambda t: _remove_lag_route(t, _silence_alarm_id))
    unwatched = _prod(prod_copy)["region_loss"]
    # the lag alarm still pages on lag, but a replica that stops reporting would page nobody
    assert unwatched.data_loss_seconds == Latencies().s("RDS_REPLICA_LAG_SECONDS")
    assert any("nothing pages when the replica stops reporting" in w for w in unwatched.warnings)


# --- the region failover runbook -------------------------------------------------------------------


def _failover_steps(template: Template) -> list[dict[str, Any]]:
    for body in _of_type(template, "AWS::SSM::Document").values():
        steps = (body["Properties"].get("Content") or {}).get("mainSteps") or []
        if any((s.get("inputs") or {}).get("Api") == "PromoteReadReplica" for s in steps):
            return steps
    raise AssertionError("no runbook promotes the replica")


def _step_seconds(result, name: str) -> float:
    return next(s.seconds for s in result.recovery.steps if f"runbook step {name}:" in s.label)


def test_lengthening_the_runbook_sleep_lengthens_the_failover(prod_copy):
    base = _prod(prod_copy)["region_loss"]
    sleep = next(
        s
        for s in _failover_steps(json.loads(_template_path(prod_copy, "Prod/Osaka-DR").read_text()))
        if s["action"] == "aws:sleep"
    )
    before = _step_seconds(base, sleep["name"])

    def lengthen(template: Template) -> None:
        step = next(s for s in _failover_steps(template) if s["action"] == "aws:sleep")
        step["inputs"]["Duration"] = "PT1H"
        if "timeoutSeconds" in step:  # a sleep longer than its own timeout would fail the step
            step["timeoutSeconds"] = 7200

    edit(prod_copy, "Prod/Osaka-DR", lengthen)
    longer = _prod(prod_copy)["region_loss"]

    # the hour of sleep outlasts the promotion: the wait after it then ends at once (one API step)
    wait = "WaitForDatabaseAvailable"
    expected = (3600 - before) - (_step_seconds(base, wait) - _step_seconds(longer, wait))
    assert _step_seconds(longer, wait) == Latencies().s("AUTOMATION_STEP_SECONDS")
    assert longer.total_seconds - base.total_seconds == pytest.approx(expected)
    assert longer.total_seconds > base.total_seconds


def _remove_scale_out(template: Template) -> None:
    steps = _failover_steps(template)
    index = next(
        i for i, s in enumerate(steps) if (s.get("inputs") or {}).get("Api") == "UpdateAutoScalingGroup"
    )
    _remove_step(steps, index)


def _remove_step(steps: list[dict[str, Any]], index: int) -> None:
    """Delete ``steps[index]``; whatever pointed at it now points at the step after it."""
    removed, following = steps[index]["name"], steps[index + 1]["name"]
    del steps[index]
    for step in steps:  # who pointed at the removed step now points at the one after it
        if step.get("nextStep") == removed:
            step["nextStep"] = following
        for choice in (step.get("inputs") or {}).get("Choices") or []:
            if choice.get("NextStep") == removed:
                choice["NextStep"] = following
        if (step.get("inputs") or {}).get("Default") == removed:
            step["inputs"]["Default"] = following


def test_removing_the_scale_out_step_leaves_the_region_without_production_capacity(prod_copy):
    assert _prod(prod_copy)["region_loss"].milestones["full_capacity"].seconds is not None
    edit(prod_copy, "Prod/Osaka-DR", _remove_scale_out)
    result = _prod(prod_copy)["region_loss"]
    assert result.status == NOT_COVERED
    assert result.fails
    assert result.milestones["full_capacity"].seconds is None
    # the promote-then-scale shape still switches to the one standby instance; the scale-beside shape
    # waits for capacity that never comes and the runbook fails
    assert (
        "instance(s) serve in ap-northeast-3" in result.reason
        or "WaitForInServiceInstances fails" in result.reason
    )


# --- the point-in-time restore's switch of the app --------------------------------------------------


def _pitr_steps(template: Template) -> list[dict[str, Any]]:
    """The restore runbook's steps (it restores to a point in time and deletes nothing: not the drill)."""
    for body in _of_type(template, "AWS::SSM::Document").values():
        steps = (body["Properties"].get("Content") or {}).get("mainSteps") or []
        apis = {(s.get("inputs") or {}).get("Api") for s in steps}
        if "RestoreDBInstanceToPointInTime" in apis and "DeleteDBInstance" not in apis:
            return steps
    raise AssertionError("no runbook restores to a point in time")


def _without(matches: Callable[[dict[str, Any]], bool]) -> Callable[[Template], None]:
    def change(template: Template) -> None:
        steps = _pitr_steps(template)
        _remove_step(steps, next(i for i, s in enumerate(steps) if matches(s)))

    return change


@pytest.mark.parametrize(
    ("removed", "reason"),
    [
        (lambda s: (s.get("inputs") or {}).get("Api") == "PutParameter", "no step points the app at it"),
        (lambda s: s.get("action") == "aws:runCommand", "restarts nothing after it"),
    ],
    ids=["put-parameter", "restart"],
)
def test_removing_the_pitr_switch_of_the_app_leaves_data_deletion_not_covered(prod_copy, removed, reason):
    base = _prod(prod_copy)["data_deletion"]
    assert base.status == "met"
    assert "runbook step SwitchDatabaseEndpoint" in " ".join(s.label for s in base.recovery.steps)

    edit(prod_copy, "Prod/Tokyo-DR", _without(removed))
    mutated = _prod(prod_copy)["data_deletion"]
    assert mutated.status == NOT_COVERED
    assert reason in mutated.reason
    assert "/webapp/prod/db/endpoint" in mutated.reason or reason == "restarts nothing after it"


# --- the warm pool's launch hook -------------------------------------------------------------------


def _group(template: Template) -> tuple[str, dict[str, Any]]:
    return next(iter(_of_type(template, "AWS::AutoScaling::AutoScalingGroup").items()))


def _has_launch_hook(template: Template) -> bool:
    _, group = _group(template)
    specs = group["Properties"].get("LifecycleHookSpecificationList") or []
    hooks = [h["Properties"] for h in _of_type(template, "AWS::AutoScaling::LifecycleHook").values()]
    return any("EC2_INSTANCE_LAUNCHING" in str(h.get("LifecycleTransition")) for h in [*specs, *hooks])


def _add_launch_hook(template: Template) -> None:
    group_id, _ = _group(template)
    template["Resources"]["AddedLaunchHook"] = {
        "Type": "AWS::AutoScaling::LifecycleHook",
        "Properties": {
            "AutoScalingGroupName": {"Ref": group_id},
            "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
            "HeartbeatTimeout": 600,
            "DefaultResult": "ABANDON",
        },
    }


def _drop_launch_hooks(template: Template) -> None:
    _, group = _group(template)
    specs = group["Properties"].get("LifecycleHookSpecificationList") or []
    group["Properties"]["LifecycleHookSpecificationList"] = [
        h for h in specs if "EC2_INSTANCE_LAUNCHING" not in str(h.get("LifecycleTransition"))
    ]
    for logical_id, hook in list(_of_type(template, "AWS::AutoScaling::LifecycleHook").items()):
        if "EC2_INSTANCE_LAUNCHING" in str(hook["Properties"].get("LifecycleTransition")):
            del template["Resources"][logical_id]


def test_dropping_the_launch_hook_stops_counting_the_warm_pool(prod_copy):
    template = json.loads(_template_path(prod_copy, "Prod/Tokyo-Compute").read_text())
    if not _has_launch_hook(template):  # the current templates have none yet: the copy gets one first
        edit(prod_copy, "Prod/Tokyo-Compute", _add_launch_hook)
    warm = _prod(prod_copy)["instance_crash"]
    assert "from the warm pool" in warm.recovery.steps[0].label

    edit(prod_copy, "Prod/Tokyo-Compute", _drop_launch_hooks)
    cold = _prod(prod_copy)["instance_crash"]
    assert "cold boot" in cold.recovery.steps[0].label
    assert (
        cold.recovery_seconds - warm.recovery_seconds
        == cold.recovery.steps[0].seconds - warm.recovery.steps[0].seconds
    )
    assert cold.recovery.steps[0].seconds > Latencies().s("WARM_POOL_STOPPED_SECONDS")


# --- DNS: an alias written literally ---------------------------------------------------------------


def _alias_literally(dns_name: str) -> Callable[[Template], None]:
    def change(template: Template) -> None:
        for record in _of_type(template, "AWS::Route53::RecordSet").values():
            if record["Properties"].get("Failover") == "SECONDARY":
                record["Properties"]["AliasTarget"]["DNSName"] = dns_name

    return change


def test_an_alias_written_literally_keeps_the_load_balancer_ttl_and_an_unknown_target_does_not(prod_copy):
    base = _prod(prod_copy)["region_loss"]
    edit(prod_copy, "Prod/Global", _alias_literally("webapp-prod-alb-1.ap-northeast-3.elb.amazonaws.com"))
    literal = _prod(prod_copy)["region_loss"]
    assert literal.total_seconds == base.total_seconds  # Route 53 still answers with the ELB's 60 s TTL
    assert any("literal webapp-prod-alb-1" in s.source for s in literal.recovery.steps)

    edit(prod_copy, "Prod/Global", _alias_literally("www.partner.example.net"))
    unknown = _prod(prod_copy)["region_loss"]
    lat = Latencies()
    longer_ttl = lat.s("ALIAS_UNKNOWN_TARGET_TTL_SECONDS") - lat.s("ALIAS_ELB_TTL_SECONDS")
    first = "first_success"
    assert unknown.milestones[first].seconds - base.milestones[first].seconds == longer_ttl
    assert unknown.total_seconds > base.total_seconds
    assert any("not a load balancer" in w for w in unknown.warnings)


# --- the Global alarms' actions --------------------------------------------------------------------


def _remove_alarm_actions(template: Template) -> None:
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        alarm["Properties"].pop("AlarmActions", None)
        alarm["Properties"].pop("OKActions", None)


def test_removing_the_global_alarms_actions_reports_the_gap_instead_of_crashing(prod_copy, tmp_path, capsys):
    edit(prod_copy, "Prod/Global", _remove_alarm_actions)
    result = _prod(prod_copy)["region_loss"]
    assert result.status == NOT_COVERED
    assert "nothing pages a person" in result.reason

    code = main(["--assembly", str(prod_copy), "--env", "prod", "--out", str(tmp_path / "out"), "--no-chart"])
    printed = capsys.readouterr().out
    assert code == EXIT_MISSED
    assert "not covered: nothing pages a person" in printed


def test_the_pitr_restart_counts_every_round_its_retry_count_allows(prod_copy):
    # The step passes no RetryCount: the Command document's own default (2, read from its template
    # through the cross-stack import) gives 3 rounds of probes of 60 s each, on top of the delivery.
    lat = Latencies()
    base = _step_seconds(_prod(prod_copy)["data_deletion"], "RestartApp")
    assert base == lat.s("SSM_RUN_COMMAND_SECONDS") + 3 * lat.s("COMMAND_RESTART_ROUND_SECONDS")

    def no_retries(template: Template) -> None:
        restart = next(s for s in _pitr_steps(template) if s.get("action") == "aws:runCommand")
        restart["inputs"]["Parameters"]["RetryCount"] = "0"

    edit(prod_copy, "Prod/Tokyo-DR", no_retries)
    assert _step_seconds(_prod(prod_copy)["data_deletion"], "RestartApp") == base - 2 * lat.s(
        "COMMAND_RESTART_ROUND_SECONDS"
    )
