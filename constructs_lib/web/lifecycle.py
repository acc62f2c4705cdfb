"""The launch lifecycle hook that keeps a warm pool warm, and the instance side that completes it.

Without a hook, Auto Scaling stops a warm-pool instance as soon as it has launched, without waiting
for user data, and cloud-init does not run user data again on the next start: the instance can go
``InService`` without the app (EC2 Auto Scaling User Guide, "Use lifecycle hooks with a warm pool":
https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html).

So the group gets an ``autoscaling:EC2_INSTANCE_LAUNCHING`` hook, and every instance completes it
itself once its app answers on ``app_probe`` locally. The hook fires twice for a warm-pool instance
(same page): entering the pool (``Warmed:Pending:Wait``, target state ``Warmed:Stopped``) and leaving
it (``Pending:Wait``, target state ``InService``). The instance reads which one from
``autoscaling/target-lifecycle-state`` in its metadata (User Guide, "Retrieve the target lifecycle
state through instance metadata":
https://docs.aws.amazon.com/autoscaling/ec2/userguide/retrieving-target-lifecycle-state-through-imds.html)
and completes both: on the first boot from the end of the boot script, on every later boot (leaving
the pool) from a systemd unit ordered after the app's own unit.
"""

from __future__ import annotations

import re
import shlex

import aws_cdk as cdk
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_iam as iam
from constructs import Construct

from constructs_lib._core import AppProbe
from constructs_lib.nag import acknowledge, nag_arn

#: Name of the hook in the group (hook names are per group). The instances address it by this name.
READY_HOOK_NAME = "app-ready"
#: ``autoscaling:EC2_INSTANCE_LAUNCHING`` (LifecycleHookSpecification, LifecycleTransition).
LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
#: When the hook times out Auto Scaling does DefaultResult: ABANDON terminates the instance (and a
#: replacement launches) instead of putting an instance whose app never answered into service
#: (LifecycleHookSpecification, DefaultResult: CONTINUE | ABANDON).
DEFAULT_RESULT = "ABANDON"
#: Default time from launch to the app answering: a cold boot (about two minutes, most of it
#: ``dnf install`` of the CloudWatch agent) with room for a slow package mirror and the user's install.
DEFAULT_READY_TIMEOUT = cdk.Duration.minutes(10)
#: HeartbeatTimeout is 30-7200 seconds (LifecycleHookSpecification, HeartbeatTimeout).
HEARTBEAT_RANGE_SECONDS = (30, 7200)
#: The lifecycle states a launch hook waits to enter: the instance completes the hook only for these.
#: ``Warmed:Stopped`` (pool state Stopped), ``Warmed:Running`` / ``Warmed:Hibernated`` (the other
#: pool states) when entering the pool; ``InService`` when leaving it or launching straight into the group.
COMPLETED_TARGET_STATES = ("InService", "Warmed:Stopped", "Warmed:Running", "Warmed:Hibernated")

READY_SCRIPT_PATH = "/usr/local/libexec/app-ready-hook"
READY_UNIT = "app-ready-hook.service"
#: Group names the instance's script may name: what Auto Scaling accepts, minus shell metacharacters.
_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


def check_ready_timeout(timeout: cdk.Duration) -> int:
    seconds = int(timeout.to_seconds())
    low, high = HEARTBEAT_RANGE_SECONDS
    if not low <= seconds <= high:
        raise ValueError(
            f"ready_timeout ({seconds} s) must be {low}-{high} s: it is the launch lifecycle hook's "
            "heartbeat timeout, which Auto Scaling accepts in that range."
        )
    return seconds


def check_group_name(group_name: str | None, *, warm_pool_size: int) -> str:
    """The group's name as the instances will write it, else a ValueError naming the fix."""
    if group_name is None or cdk.Token.is_unresolved(group_name) or not _GROUP_NAME.fullmatch(group_name):
        raise ValueError(
            f"warm_pool_size ({warm_pool_size}) needs a literal group name the instances can address "
            f"(got {group_name!r}): pass naming or group_name (letters, digits, '._-')."
        )
    return group_name


def ready_hook_specification(
    timeout_seconds: int,
) -> autoscaling.CfnAutoScalingGroup.LifecycleHookSpecificationProperty:
    """The hook, on the group itself: it exists before the group's first launch (unlike a separate
    ``AWS::AutoScaling::LifecycleHook``, which the group's first instances would miss)."""
    return autoscaling.CfnAutoScalingGroup.LifecycleHookSpecificationProperty(
        lifecycle_hook_name=READY_HOOK_NAME,
        lifecycle_transition=LAUNCHING,
        heartbeat_timeout=timeout_seconds,
        default_result=DEFAULT_RESULT,
    )


def grant_complete_lifecycle_action(
    scope: Construct, role: iam.IRole, group_name: str
) -> iam.PolicyStatement:
    """Allow the instances to complete lifecycle actions of their own group and no other.

    ``CompleteLifecycleAction`` accepts the group's ARN as its resource (Service Authorization
    Reference, Amazon EC2 Auto Scaling, actions table); the group's id part is not known before it
    exists, hence ``*`` there.
    """
    stack = cdk.Stack.of(scope)
    resource = f"autoScalingGroup:*:autoScalingGroupName/{group_name}"
    statement = iam.PolicyStatement(
        actions=["autoscaling:CompleteLifecycleAction"],
        resources=[
            stack.format_arn(
                service="autoscaling",
                resource=resource.split(":", 1)[0],
                resource_name=resource.split(":", 1)[1],
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            )
        ],
    )
    role.add_to_principal_policy(statement)
    acknowledge(
        role,
        f"AwsSolutions-IAM5[Resource::{nag_arn(scope, 'autoscaling', resource)}]",
        "The '*' is the group's id, unknown until it exists; the name pins the statement to this group.",
    )
    return statement


def ready_hook_commands(*, app_probe: AppProbe, group_name: str, timeout_seconds: int) -> list[str]:
    """Boot-script lines: install the completing script and its unit, enable the unit, run it once now.

    The script waits (up to ``timeout_seconds`` less a minute) for ``app_probe`` to answer 200 on the
    instance, then completes the hook with ``CONTINUE``; a reboot while in service finds no pending
    action and ends quietly. If the app never answers, the hook times out and Auto Scaling abandons
    the instance.
    """
    wait_seconds = max(timeout_seconds - 60, 20)
    url = f"http://127.0.0.1:{app_probe.port}{app_probe.health_path}"
    states = "|".join(COMPLETED_TARGET_STATES)
    script = f"""#!/bin/bash
# Completes the Auto Scaling launch lifecycle hook once the app answers on this instance.
set -uo pipefail
token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 600' http://169.254.169.254/latest/api/token)
imds() {{ curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"; }}
instance_id=$(imds instance-id)
region=$(imds placement/region)
target=unknown
for _ in $(seq 30); do
  target=$(imds autoscaling/target-lifecycle-state) && break
  sleep 2
done
case "$target" in
  {states}) ;;
  *) echo "target lifecycle state $target: no launch hook to complete"; exit 0 ;;
esac
deadline=$((SECONDS + {wait_seconds}))
until curl -sf -o /dev/null --max-time 5 {shlex.quote(url)}; do
  if (( SECONDS >= deadline )); then
    echo "the app does not answer on {url}: leaving the hook to time out ({DEFAULT_RESULT})"
    exit 1
  fi
  sleep 5
done
for attempt in 1 2 3 4 5 6; do
  if out=$(aws autoscaling complete-lifecycle-action --region "$region" \\
      --auto-scaling-group-name {shlex.quote(group_name)} --lifecycle-hook-name {READY_HOOK_NAME} \\
      --instance-id "$instance_id" --lifecycle-action-result CONTINUE 2>&1); then
    echo "completed {READY_HOOK_NAME} towards $target"
    exit 0
  fi
  case "$out" in
    *"No active Lifecycle Action"*) echo "no pending launch action (target $target)"; exit 0 ;;
  esac
  echo "complete-lifecycle-action failed ($attempt): $out"
  sleep $((attempt * 10))
done
exit 1
"""
    unit = f"""[Unit]
Description=Complete the Auto Scaling launch lifecycle hook once {app_probe.service_unit} answers
Wants=network-online.target
After=network-online.target {app_probe.service_unit}.service

[Service]
Type=oneshot
ExecStart={READY_SCRIPT_PATH}

[Install]
WantedBy=multi-user.target
"""
    return [
        f"install -d {READY_SCRIPT_PATH.rsplit('/', 1)[0]}",
        f"cat > {READY_SCRIPT_PATH} <<'READY'\n{script.strip()}\nREADY",
        f"chmod 0755 {READY_SCRIPT_PATH}",
        f"cat > /etc/systemd/system/{READY_UNIT} <<'UNIT'\n{unit.strip()}\nUNIT",
        "systemctl daemon-reload",
        # Enabled for the next boots (leaving the warm pool); run directly now: starting the unit from
        # inside cloud-init's final stage would wait on boot ordering.
        f"systemctl enable {READY_UNIT}",
        READY_SCRIPT_PATH,
    ]
