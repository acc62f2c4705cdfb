"""A warm pool that is warm: the launch lifecycle hook, its IAM, and the instance script that completes it.

The script is run for real (bash) against stand-ins for ``curl`` (metadata and the app), ``aws`` and
``sleep`` on ``PATH``, so both firings of the hook are exercised as an instance would see them.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from constructs_lib._core import AppProbe, Naming
from constructs_lib.network import ResilientVpc
from constructs_lib.web import AutoHealingWebService
from constructs_lib.web.lifecycle import READY_SCRIPT_PATH, READY_UNIT, ready_hook_commands

ENV = cdk.Environment(account="111111111111", region="eu-west-1")
NAMING = Naming(app="shop", environment="prod")


def _service(**props) -> tuple[AutoHealingWebService, Template]:
    stack = cdk.Stack(cdk.App(), "Shop", env=ENV)
    vpc = ResilientVpc(stack, "Network", cidr="10.0.0.0/16", availability_zones=["eu-west-1a", "eu-west-1b"])
    web = AutoHealingWebService(stack, "Web", vpc=vpc.vpc, **props)
    return web, Template.from_stack(stack)


@pytest.fixture(scope="module")
def warm():
    return _service(naming=NAMING, min_capacity=3, max_capacity=9, warm_pool_size=2)


def _script(template: Template) -> str:
    (lt,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    return lt["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]


def test_group_has_a_launch_hook_from_its_creation_that_abandons_an_instance_whose_app_never_answers(warm):
    _, t = warm
    t.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "LifecycleHookSpecificationList": [
                {
                    "LifecycleHookName": "app-ready",
                    "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING",
                    "HeartbeatTimeout": 600,
                    "DefaultResult": "ABANDON",
                }
            ]
        },
    )


def test_warm_pool_has_an_absolute_size(warm):
    _, t = warm
    # MaxGroupPreparedCapacity = MinSize: exactly two stopped instances, not max - desired (six)
    t.has_resource_properties(
        "AWS::AutoScaling::WarmPool",
        {
            "MinSize": 2,
            "MaxGroupPreparedCapacity": 2,
            "PoolState": "Stopped",
            "InstanceReusePolicy": {"ReuseOnScaleIn": True},
        },
    )


def test_instances_may_complete_lifecycle_actions_of_their_own_group_only(warm):
    _, t = warm
    statements = [
        s
        for policy in t.find_resources("AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "autoscaling:CompleteLifecycleAction" in str(s["Action"])
    ]
    assert len(statements) == 1
    assert statements[0]["Action"] == "autoscaling:CompleteLifecycleAction"
    arn = "".join(
        p if isinstance(p, str) else "<partition>" for p in statements[0]["Resource"]["Fn::Join"][1]
    )
    group_arn = "arn:<partition>:autoscaling:eu-west-1:111111111111:autoScalingGroup:*"
    assert arn == f"{group_arn}:autoScalingGroupName/shop-prod-web"
    # and the group (with its pool) waits for that permission before its first launch
    (group,) = t.find_resources("AWS::AutoScaling::AutoScalingGroup").values()
    assert any(d.startswith("WebInstanceRoleDefaultPolicy") for d in group["DependsOn"])


def test_boot_script_completes_the_hook_last_and_enables_it_for_later_boots(warm):
    _, t = warm
    script = _script(t)
    assert script.rstrip().endswith(f"\n{READY_SCRIPT_PATH}")  # first boot: the last step
    assert f"systemctl enable {READY_UNIT}" in script  # later boots (leaving the pool): systemd
    unit = script.split(f"/etc/systemd/system/{READY_UNIT} <<'UNIT'\n", 1)[1].split("\nUNIT", 1)[0]
    assert "After=network-online.target webapp.service" in unit and "WantedBy=multi-user.target" in unit
    # the app itself starts from systemd on every boot
    assert "systemctl enable --now webapp.service" in script
    # the script gives up before the hook's heartbeat ends, so Auto Scaling's ABANDON decides
    assert "deadline=$((SECONDS + 540))" in script


def test_without_a_warm_pool_there_is_no_hook_and_no_extra_permission():
    _, t = _service(naming=NAMING)
    t.has_resource_properties(
        "AWS::AutoScaling::AutoScalingGroup", {"LifecycleHookSpecificationList": Match.absent()}
    )
    assert "CompleteLifecycleAction" not in str(t.find_resources("AWS::IAM::Policy"))
    assert READY_SCRIPT_PATH not in _script(t)


def test_a_warm_pool_without_naming_gets_a_literal_group_name_the_instances_can_use():
    _, t = _service(warm_pool_size=1)
    (group,) = t.find_resources("AWS::AutoScaling::AutoScalingGroup").values()
    name = group["Properties"]["AutoScalingGroupName"]
    assert isinstance(name, str) and f"--auto-scaling-group-name {name} " in _script(t)


def test_fails_when_the_ready_timeout_is_outside_what_auto_scaling_accepts():
    with pytest.raises(ValueError, match=r"ready_timeout \(7260 s\) must be 30-7200 s"):
        _service(warm_pool_size=1, ready_timeout=cdk.Duration.minutes(121))


def test_fails_when_the_group_name_of_a_warm_pool_is_only_known_at_deploy_time():
    token = cdk.Fn.ref("SomeName")
    with pytest.raises(ValueError, match=r"warm_pool_size \(1\) needs a literal group name"):
        _service(warm_pool_size=1, group_name=token)


# --- the instance side, run for real --------------------------------------------------------------
FAKE_CURL = r"""#!/bin/bash
# Stand-in for curl: instance metadata from $FAKE_STATE, the app from $FAKE_APP (up|down).
url="${@: -1}"
case "$url" in
  */api/token) echo token ;;
  */meta-data/instance-id) echo i-0123456789abcdef0 ;;
  */meta-data/placement/region) echo eu-west-1 ;;
  */meta-data/autoscaling/target-lifecycle-state) [ -n "$FAKE_STATE" ] && echo "$FAKE_STATE" || exit 22 ;;
  http://127.0.0.1:*) [ "$FAKE_APP" = up ] || exit 7 ;;
  *) exit 6 ;;
esac
"""
FAKE_AWS = r"""#!/bin/bash
echo "$*" >> "$FAKE_LOG"
if [ -n "${FAKE_AWS_ERROR:-}" ]; then echo "$FAKE_AWS_ERROR" >&2; exit 254; fi
"""


def _ready_script(tmp_path: Path) -> Path:
    commands = ready_hook_commands(
        app_probe=AppProbe(port=9000, service_unit="shop", health_path="/healthz"),
        group_name="shop-prod-web",
        timeout_seconds=600,
    )
    heredoc = next(c for c in commands if c.startswith(f"cat > {READY_SCRIPT_PATH} <<'READY'\n"))
    path = tmp_path / "app-ready-hook"
    path.write_text(heredoc.split("<<'READY'\n", 1)[1].rsplit("\nREADY", 1)[0] + "\n")
    return path


def _run(
    tmp_path: Path, *, state: str, app: str = "up", aws_error: str = "", script: Path | None = None
) -> tuple[int, list[str]]:
    if shutil.which("bash") is None:
        pytest.fail("bash is needed to run the instance script")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in (("curl", FAKE_CURL), ("aws", FAKE_AWS), ("sleep", "#!/bin/bash\nexit 0\n")):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(stat.S_IRWXU)
    log = tmp_path / "aws.log"
    log.write_text("")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_STATE": state,
        "FAKE_APP": app,
        "FAKE_LOG": str(log),
        "FAKE_AWS_ERROR": aws_error,
    }
    script = script or _ready_script(tmp_path)
    result = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    return result.returncode, [line for line in log.read_text().splitlines() if line]


@pytest.mark.parametrize("state", ["Warmed:Stopped", "InService"])
def test_instance_completes_the_hook_entering_and_leaving_the_pool(tmp_path, state):
    code, calls = _run(tmp_path, state=state)
    assert code == 0
    assert calls == [
        "autoscaling complete-lifecycle-action --region eu-west-1 --auto-scaling-group-name shop-prod-web "
        "--lifecycle-hook-name app-ready --instance-id i-0123456789abcdef0 --lifecycle-action-result CONTINUE"
    ]


@pytest.mark.parametrize("state", ["Standby", "Warmed:Terminated", "Detached"])
def test_instance_leaves_other_lifecycle_states_alone(tmp_path, state):
    code, calls = _run(tmp_path, state=state)
    assert (code, calls) == (0, [])


def test_instance_rebooted_in_service_finds_no_pending_action_and_ends_quietly(tmp_path):
    code, calls = _run(
        tmp_path,
        state="InService",
        aws_error="ValidationError: No active Lifecycle Action found with instance ID",
    )
    assert code == 0 and len(calls) == 1


def test_instance_whose_app_never_answers_does_not_complete_the_hook(tmp_path):
    # A dead app: the script gives up without CONTINUE, so the heartbeat ends in ABANDON. (sleep is a
    # stand-in that returns at once, so the wait's deadline is brought forward to now.)
    script = _ready_script(tmp_path)
    script.write_text(re.sub(r"SECONDS \+ \d+", "SECONDS + 0", script.read_text()))
    code, calls = _run(tmp_path, state="Warmed:Stopped", app="down", script=script)
    assert code == 1 and calls == []


def test_instance_retries_a_failing_api_call_and_fails_after_its_attempts(tmp_path):
    code, calls = _run(tmp_path, state="InService", aws_error="Could not connect to the endpoint URL")
    assert code == 1 and len(calls) == 6


def test_every_value_reaching_the_instance_script_is_shell_safe():
    with pytest.raises(ValueError, match=r"app_probe\.health_path .* reaches the instances' boot script"):
        _service(warm_pool_size=1, app_probe=AppProbe(health_path="/h;reboot"))
    with pytest.raises(ValueError, match=r"needs a literal group name"):
        _service(warm_pool_size=1, group_name="-rf")


def test_a_user_app_gets_the_same_hook(tmp_path):
    app = ec2.UserData.for_linux()
    app.add_commands("systemctl enable --now shop")
    _, t = _service(
        naming=NAMING, warm_pool_size=1, user_data=app, app_probe=AppProbe(port=9000, service_unit="shop")
    )
    script = _script(t)
    assert script.index("systemctl enable --now shop") < script.index(READY_SCRIPT_PATH)
    assert "After=network-online.target shop.service" in script
