"""Auto Scaling's own lifecycle, and Lambda's asynchronous invoke, as the game day needs them.

Part of :mod:`tools.gameday.moto_gaps` (which installs and removes these fills with the others and
lists them in its ``GAPS``); kept apart because they model a whole behaviour rather than a missing
field. Each follows the AWS documentation it cites, never a drill's expected outcome:

- a member marked unhealthy is replaced as the group's instance maintenance policy says (launch the
  replacement first when ``MinHealthyPercentage`` is 100), not at all while ``ReplaceUnhealthy`` is
  suspended, without a replacement while ``Launch`` is, and the terminated instance keeps its tags
  (``aws:autoscaling:groupName`` included) and stays visible;
- Auto Scaling's EC2 health check, run when a drill asks (:func:`run_health_checks`): an in-service
  member whose instance is not running, past the grace period, is unhealthy and replaced, unless
  ``HealthCheck`` or ``ReplaceUnhealthy`` is suspended; Standby members are not checked;
- scale-in returns instances to a warm pool with ``ReuseOnScaleIn`` (stopped, ``Warmed:Stopped``,
  still members) and terminates them otherwise; scale-out starts pool instances first;
- ``AWS::AutoScaling::WarmPool`` creates the pool and its ``MinSize`` stopped instances;
- ``Invoke`` with ``InvocationType=Event`` queues the event (:data:`ASYNC_INVOCATIONS`) for the game
  day to run, as Lambda's asynchronous invoke would.

This module imports nothing of the game day at import time: :func:`install` receives moto_gaps'
``patch`` and model list.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

__all__ = ["ASYNC_INVOCATIONS", "GAPS", "install", "refill_warm_pool", "replace_member", "run_health_checks"]

ASYNC_INVOCATIONS: list[tuple[str, dict[str, Any]]] = []
"""``(function name, event)`` of every asynchronous invoke while the fills are applied, oldest first."""

WARMED_STOPPED = "Warmed:Stopped"

GAPS: tuple[tuple[str, str, str, str], ...] = (
    (
        "behaviour:autoscaling:replacement",
        "A member marked unhealthy stays InService for ever; moto's own termination path drops the "
        "instance's aws:autoscaling:groupName tag.",
        "The group replaces the member: launch first, then terminate, when its instance maintenance "
        "policy keeps 100 % healthy (otherwise terminate, then launch); nothing while ReplaceUnhealthy "
        "is suspended, no launch while Launch is; the terminated instance keeps its tags and stays "
        "visible (AWS: usually under an hour).",
        "EC2 Auto Scaling User Guide, 'Replace unhealthy instances', 'Instance maintenance policies', "
        "'How suspended processes affect other processes'; EC2 API Reference, TerminateInstances "
        "('Terminated instances remain visible after termination (for approximately one hour)'). "
        "Target groups hold the group's InService members only (moto registers every member, and "
        "ELBv2 refuses the stopped ones)",
    ),
    (
        "behaviour:autoscaling:EC2 health check",
        "moto runs no health check: a stopped member stays InService/Healthy.",
        "run_health_checks(): an InService member whose instance is not running, launched longer ago "
        "than the grace period, is marked Unhealthy and replaced, unless HealthCheck or "
        "ReplaceUnhealthy is suspended; Standby and warm pool instances are not checked. The drill "
        "calls it where AWS would have run the check (no clock in the emulator).",
        "EC2 Auto Scaling User Guide, 'Health checks for instances in an Auto Scaling group' (EC2 status: "
        "an instance in any state other than running is unhealthy), 'Health check grace period'",
    ),
    (
        "behaviour:autoscaling:scale-in and warm pool",
        "Scale-in always terminates (and drops the group tag); a warm pool is configuration only, it "
        "holds no instance; scale-out always launches.",
        "With a warm pool whose InstanceReusePolicy says ReuseOnScaleIn, scale-in stops the instance and "
        "returns it to the pool (Warmed:Stopped, still listed by DescribeAutoScalingInstances); "
        "without, it terminates it (tags kept). Scale-out starts pool instances first.",
        "EC2 Auto Scaling User Guide, 'Warm pools' (instance reuse policy); API Reference, "
        "InstanceReusePolicy.ReuseOnScaleIn",
    ),
    (
        "cfn:AWS::AutoScaling::WarmPool",
        "CloudFormation cannot create the type.",
        "Creates the pool through the backend (PutWarmPool fields) and launches MinSize instances into "
        "it, stopped (Warmed:Stopped). Lifecycle hooks are left out of the local deploy, so the pool's "
        "instances skip them.",
        "AWS::AutoScaling::WarmPool (CloudFormation User Guide)",
    ),
    (
        "api:lambda:Invoke (Event)",
        "Invoke runs the function in docker (absent here).",
        "An asynchronous invoke (InvocationType Event) is queued in ASYNC_INVOCATIONS and answered 202; "
        "the game day runs the deployed code on it, as Lambda would shortly after.",
        "Invoke (AWS Lambda API Reference): InvocationType Event, 202",
    ),
)


def install(patch: Callable[[Any, str, Any], None], models: list[type], base: type) -> None:
    """Apply the fills (``patch`` records how to undo each)."""
    _register_in_service_only(patch)
    _keep_maintenance_policy(patch)
    _scale_in_and_out(patch)
    _warm_pool_model(models, base)
    _async_invoke(patch)


# ----------------------------------------------------------------------------------------------
# replacing a member
# ----------------------------------------------------------------------------------------------
def _suspended(group: Any) -> set[str]:
    return set(getattr(group, "_suspended_processes", []) or [])


def replace_member(backend: Any, instance_id: str) -> str:
    """Replace an unhealthy member as the group would; what happened, in words (for the timeline)."""
    states = (s for g in backend.autoscaling_groups.values() for s in g.instance_states)
    state = next((s for s in states if s.instance.id == instance_id), None)
    if state is None:
        return f"{instance_id} is no member"
    group = state.auto_scaling_group
    suspended = _suspended(group)
    if "ReplaceUnhealthy" in suspended:
        return f"{instance_id} stays Unhealthy: ReplaceUnhealthy is suspended"
    policy = getattr(group, "instance_maintenance_policy", None) or {}
    launch_first = int(policy.get("MinHealthyPercentage", -1)) >= 100
    can_launch = "Launch" not in suspended
    steps = []
    if launch_first and can_launch:
        group.replace_autoscaling_group_instances(1, group.get_propagated_tags())
        steps.append("launched a replacement")
    _terminate_keeping_tags(backend, group, state)
    steps.append(f"terminated {instance_id}")
    if not launch_first and can_launch:
        group.replace_autoscaling_group_instances(1, group.get_propagated_tags())
        steps.append("launched a replacement")
    backend.update_attached_target_groups(group.name)
    _deregister_warmed(backend, group)
    return ", then ".join(steps)


def _terminate_keeping_tags(backend: Any, group: Any, state: Any) -> None:
    group.instance_states = [s for s in group.instance_states if s is not state]
    backend.ec2_backend.terminate_instances([state.instance.id])  # the EC2 path keeps the tags
    backend.elbv2_backend.notify_terminate_instances([state.instance.id])


def _deregister_warmed(backend: Any, group: Any) -> None:
    """Warm pool instances leave the group's target groups (those never registered are skipped)."""
    from moto.elbv2.exceptions import InvalidTargetError

    warmed = [s.instance.id for s in group.instance_states if s.lifecycle_state.startswith("Warmed:")]
    for arn in group.target_group_arns:
        for instance_id in warmed:
            try:
                backend.elbv2_backend.deregister_targets(arn, [{"Id": instance_id}])
            except InvalidTargetError:
                continue


def _register_in_service_only(patch: Callable[[Any, str, Any], None]) -> None:
    """moto registers every member in the group's target groups on each change, stopped, Standby and
    warm pool instances included (and ELBv2 then refuses the stopped ones). A group registers its
    InService members (EC2 Auto Scaling User Guide, 'Use Elastic Load Balancing...': instances in
    Standby or a warm pool are not registered)."""
    from moto.autoscaling.models import AutoScalingBackend

    def update_attached_target_groups(self: Any, group_name: str) -> None:
        group = self.autoscaling_groups[group_name]
        ids = [
            s.instance.id
            for s in group.instance_states
            if s.lifecycle_state == "InService" and s.instance.state in ("pending", "running")
        ]
        for arn in group.target_group_arns:
            target_group = self.elbv2_backend.describe_target_groups(
                target_group_arns=[arn], load_balancer_arn=None, names=None
            )[0]
            if ids:
                self.elbv2_backend.register_targets(arn, [{"Id": i, "Port": target_group.port} for i in ids])

    patch(AutoScalingBackend, "update_attached_target_groups", update_attached_target_groups)


def _keep_maintenance_policy(patch: Callable[[Any, str, Any], None]) -> None:
    """moto drops InstanceMaintenancePolicy: keep it on the group the template creates."""
    from moto.autoscaling.models import FakeAutoScalingGroup

    original = FakeAutoScalingGroup.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(
        cls: type,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        group = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        group.instance_maintenance_policy = cloudformation_json.get("Properties", {}).get(
            "InstanceMaintenancePolicy"
        )
        return group

    patch(FakeAutoScalingGroup, "create_from_cloudformation_json", classmethod(create))


# ----------------------------------------------------------------------------------------------
# the EC2 health check
# ----------------------------------------------------------------------------------------------
def run_health_checks(account_id: str, region: str, *, now: datetime | None = None) -> list[str]:
    """One round of Auto Scaling's EC2 health check over every group; what it did, per member."""
    from moto.autoscaling.models import autoscaling_backends

    backend = autoscaling_backends[account_id][region]
    now = now or datetime.now(UTC)
    done: list[str] = []
    for group in list(backend.autoscaling_groups.values()):
        if _suspended(group) & {"HealthCheck", "ReplaceUnhealthy"}:
            continue
        grace = int(group.health_check_grace_period or 0)
        for state in list(group.instance_states):
            if state.lifecycle_state != "InService":  # Standby, warm pool, Pending...: not checked
                continue
            instance = state.instance
            launched = instance.launch_time if isinstance(instance.launch_time, datetime) else None
            if launched is not None and launched.tzinfo is None:
                launched = launched.replace(tzinfo=UTC)
            in_grace = launched is not None and (now - launched).total_seconds() < grace
            if instance.state == "running" or in_grace:
                continue
            state.health_status = "Unhealthy"
            done.append(
                f"{instance.id} ({instance.state}): Unhealthy; {replace_member(backend, instance.id)}"
            )
    return done


# ----------------------------------------------------------------------------------------------
# scale-in, scale-out, warm pool
# ----------------------------------------------------------------------------------------------
def _reuse_on_scale_in(group: Any) -> bool:
    pool = getattr(group, "warm_pool", None)
    return bool(pool is not None and (pool.instance_reuse_policy or {}).get("ReuseOnScaleIn"))


def _scale_in_and_out(patch: Callable[[Any, str, Any], None]) -> None:
    from moto.autoscaling.models import FakeAutoScalingGroup

    original = FakeAutoScalingGroup.set_desired_capacity

    def set_desired_capacity(self: Any, new_capacity: int | None) -> None:
        target = self.min_size if new_capacity is None else new_capacity
        active = [s for s in self.instance_states if s.lifecycle_state == "InService"]
        backend = self.autoscaling_backend
        if target < len(active):
            self.desired_capacity = target
            for state in [s for s in active if not s.protected_from_scale_in][: len(active) - target]:
                if _reuse_on_scale_in(self):  # back to the pool, stopped: still a member
                    backend.ec2_backend.stop_instances([state.instance.id])
                    state.lifecycle_state = WARMED_STOPPED
                else:
                    _terminate_keeping_tags(backend, self, state)
            backend.update_attached_target_groups(self.name)
            _deregister_warmed(backend, self)
            return
        if target > len(active):  # warm instances first
            for state in [s for s in self.instance_states if s.lifecycle_state == WARMED_STOPPED][
                : target - len(active)
            ]:
                backend.ec2_backend.start_instances([state.instance.id])
                state.lifecycle_state = "InService"
        original(self, new_capacity)
        _deregister_warmed(backend, self)

    patch(FakeAutoScalingGroup, "set_desired_capacity", set_desired_capacity)


def refill_warm_pool(account_id: str, region: str, group_name: str) -> list[str]:
    """Launch instances into the group's warm pool up to its MinSize, stopped (``Warmed:Stopped``)."""
    from moto.autoscaling.models import autoscaling_backends

    backend = autoscaling_backends[account_id][region]
    group = backend.autoscaling_groups[group_name]
    pool = getattr(group, "warm_pool", None)
    if pool is None:
        return []
    warmed = [s for s in group.instance_states if s.lifecycle_state.startswith("Warmed:")]
    launched: list[str] = []
    for _ in range(max(0, int(pool.min_size or 0) - len(warmed))):
        before = {s.instance.id for s in group.instance_states}
        group.replace_autoscaling_group_instances(1, group.get_propagated_tags())
        new = next(s for s in group.instance_states if s.instance.id not in before)
        backend.ec2_backend.stop_instances([new.instance.id])
        new.lifecycle_state = WARMED_STOPPED
        launched.append(new.instance.id)
    _deregister_warmed(backend, group)
    return launched


def _warm_pool_model(models: list[type], base: type) -> None:
    from moto.autoscaling.models import autoscaling_backends

    class WarmPoolModel(base):  # type: ignore[misc, valid-type]
        def __init__(self, group_name: str) -> None:
            self.group_name = group_name

        @property
        def physical_resource_id(self) -> str:
            return self.group_name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::AutoScaling::WarmPool"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[misc]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> Any:
            p = cloudformation_json["Properties"]
            name = p["AutoScalingGroupName"]
            autoscaling_backends[account_id][region_name].put_warm_pool(
                group_name=name,
                max_group_prepared_capacity=p.get("MaxGroupPreparedCapacity"),
                min_size=p.get("MinSize"),
                pool_state=p.get("PoolState"),
                instance_reuse_policy=p.get("InstanceReusePolicy"),
            )
            refill_warm_pool(account_id, region_name, name)
            return cls(name)

    models.append(WarmPoolModel)


# ----------------------------------------------------------------------------------------------
# Lambda's asynchronous invoke
# ----------------------------------------------------------------------------------------------
def _async_invoke(patch: Callable[[Any, str, Any], None]) -> None:
    from urllib.parse import unquote

    from moto.awslambda.responses import LambdaResponse

    original = LambdaResponse.invoke

    def invoke(self: Any) -> Any:
        if self.headers.get("X-Amz-Invocation-Type") != "Event":
            return original(self)
        name = unquote(self.path.rsplit("/", 2)[-2]).rsplit(":function:", 1)[-1].split(":")[0]
        body = self.body.decode() if isinstance(self.body, bytes) else self.body
        ASYNC_INVOCATIONS.append((name, json.loads(body or "{}")))
        return 202, {"status": "202"}, ""

    patch(LambdaResponse, "invoke", invoke)
    ASYNC_INVOCATIONS.clear()
