"""What moto 5.2.5 lacks for the game day, filled in one place and nowhere else.

The game day deploys the synthesized templates into moto (server mode) and rehearses the healing
path against it. moto models most of what the drills touch, but not everything; each gap below
is filled the way AWS documents the behaviour, never by deciding a drill's outcome. Every fill is
listed in :data:`GAPS` (the README prints the same table) and unit-tested in
``tests/gameday/test_moto_gaps.py`` against moto itself.

:func:`applied` (or :func:`install` / :func:`uninstall`) patches moto's classes in this process,
which is where :class:`moto.server.ThreadedMotoServer` serves requests from, so the fills apply to
the emulator the game day starts, and to ``mock_aws`` in the same process while applied. Removing
them restores moto exactly, so other tests in the same process see plain moto.

Resource types that moto cannot create and the drills do not use are *skipped* at deploy time
instead (see :data:`SKIPPED_TYPES` and :func:`tools.gameday.deploy.prepare_template`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import moto

from tools.gameday import fills_cloudwatch, fills_lifecycle, fills_stepfunctions
from tools.gameday.fills_cloudwatch import _tags_list
from tools.gameday.gaps import GAPS, Gap

__all__ = [
    "GAPS",
    "MOTO_VERSION",
    "SKIPPED_TYPES",
    "Gap",
    "applied",
    "install",
    "installed",
    "provide_certificate",
    "publish_public_parameter",
    "supported_resource_types",
    "uninstall",
]

MOTO_VERSION = "5.2.5"
"""The moto version these fills were written and tested against; :func:`install` refuses others."""


def provide_certificate(account_id: str, region: str, arn: str) -> None:
    """A self-signed stand-in under ``arn`` in the emulator's ACM (moto imports none under a given ARN)."""
    from moto.acm.models import CertBundle, acm_backends

    backend = acm_backends[account_id][region]
    if arn in backend._certificates:
        return
    bundle = CertBundle.generate_cert("gameday.invalid", account_id=account_id, region=region)
    bundle.arn = arn
    backend._certificates[arn] = bundle


GAPS = (*GAPS, *(Gap(*gap) for gap in (*fills_lifecycle.GAPS, *fills_stepfunctions.GAPS)))


def publish_public_parameter(account_id: str, region: str, name: str, value: str) -> None:
    """Add a public ``/aws/service/...`` parameter to the emulator (moto refuses them through the API)."""
    from moto.ssm.models import Parameter, ssm_backends

    if not name.startswith("/aws/service/"):
        raise ValueError(f"{name!r} is not a public AWS parameter (/aws/service/...)")
    parameters = ssm_backends[account_id][region]._parameters
    parameters[name].append(
        Parameter(
            account_id=account_id,
            name=name,
            value=value,
            parameter_type="String",
            description=None,
            allowed_pattern=None,
            keyid=None,
            last_modified_date=0,
            version=len(parameters[name]) + 1,
            data_type="text",
        )
    )


SKIPPED_TYPES: Mapping[str, str] = {
    "Custom::*": "needs its provider Lambda to run (moto cannot run Lambda functions without docker): "
    "the stack would never finish",
    "AWS::CloudFormation::CustomResource": "a custom resource: needs its provider Lambda to run, the "
    "stack would never finish",
    "AWS::EC2::SecurityGroupEgress": "no moto model; the drills send no traffic",
    "AWS::SNS::Subscription": "no moto model; the drills subscribe their own SQS queue to observe topics",
    "AWS::SNS::TopicPolicy": "no moto model; moto does not enforce resource policies",
    "AWS::SQS::QueuePolicy": "no moto model; moto does not enforce resource policies",
    "AWS::S3::BucketPolicy": "no moto model; moto does not enforce resource policies",
    "AWS::Lambda::EventInvokeConfig": "no moto model; the drills invoke the handler directly, so "
    "asynchronous retries and the on-failure destination are not exercised",
    "AWS::Lambda::Alias": "no moto model; the drills use the function's configuration",
    "AWS::Scheduler::Schedule": "no moto model; the nightly-pause drill starts each schedule's target (the "
    "deployed state machine) with its deployed input itself",
    "AWS::AutoScaling::LifecycleHook": "no moto model; no drill waits on a lifecycle hook",
    "AWS::ARCZonalShift::ZonalAutoshiftConfiguration": "no moto model (moto has no ARC zonal shift); "
    "no drill shifts a zone",
    "AWS::FIS::ExperimentTemplate": "no moto model; a Fault Injection Service experiment is for a real "
    "account, the game day injects its failures itself",
    "AWS::Logs::QueryDefinition": "no moto model; saved Logs Insights queries of the dashboard, no drill "
    "reads them",
    "AWS::Config::ConfigRule": "moto's AWS Config needs a configuration recorder the account set-up "
    "provides, not this app; the audit rules (prod) are read by no drill",
}
"""Resource types :func:`tools.gameday.deploy.prepare_template` strips before a deploy, and why.

A type moto cannot create that is *not* in this table stops the deploy with an error naming it:
decide whether to fill it here or skip it (with a reason) before the game day goes on."""

AGENT_PING: dict[str, str] = {}
"""Instance id -> the SSM agent's PingStatus a drill sets (see the DescribeInstanceInformation fill)."""

_lock = threading.RLock()
_depth = 0
_undo: list[Callable[[], None]] = []
_MODELS: list[type] = []
"""The CloudFormation models defined here, added to moto's model list while the fills are applied.

They are not direct subclasses of ``CloudFormationModel`` (moto lists those as its models for as
long as they live), so removing the fills removes them from moto's view at once."""
_BASE: list[type] = []


def installed() -> bool:
    """Whether the fills are applied in this process right now."""
    return _depth > 0


def install() -> None:
    """Apply every fill of :data:`GAPS` to moto in this process, until :func:`uninstall`.

    Calls nest: each :func:`install` needs its :func:`uninstall`; the fills come off with the last.
    Prefer :func:`applied`.

    :raises RuntimeError: moto is not version :data:`MOTO_VERSION` (the fills patch its
        internals: re-check each one against the new version, then update the pin here).
    """
    global _depth
    with _lock:
        if _depth == 0:
            if moto.__version__ != MOTO_VERSION:
                raise RuntimeError(
                    f"tools.gameday.moto_gaps was written for moto {MOTO_VERSION}, found "
                    f"{moto.__version__}: re-run tests/gameday/test_moto_gaps.py against it and update "
                    "MOTO_VERSION."
                )
            try:
                for fill in _FILLS:
                    fill()
            except Exception:
                _remove_all()
                raise
            _refresh_model_caches()
        _depth += 1


def uninstall() -> None:
    """Undo one :func:`install`; the last one restores moto exactly as it was."""
    global _depth
    with _lock:
        if _depth == 0:
            return
        _depth -= 1
        if _depth == 0:
            _remove_all()


@contextmanager
def applied() -> Iterator[None]:
    """The fills, applied for the duration of the block (other moto users in the process, such
    as unit tests sharing a pytest worker, get plain moto back afterwards)."""
    install()
    try:
        yield
    finally:
        uninstall()


def _remove_all() -> None:
    while _undo:
        _undo.pop()()
    _MODELS.clear()
    _refresh_model_caches()


def _model_base() -> type:
    """The base of the models defined here: CloudFormationModel's defaults, one level removed."""
    if not _BASE:
        from moto.core.common_models import CloudFormationModel

        class GameDayModel(CloudFormationModel):
            @staticmethod
            def cloudformation_type() -> str:
                return "GameDay::Internal::ModelBase"  # never in a template

        _BASE.append(GameDayModel)
    return _BASE[0]


def _register_models() -> None:
    """Make moto's model list include :data:`_MODELS` (it only scans direct subclasses)."""
    from moto.cloudformation import parsing

    original = parsing.get_model_list

    @functools.lru_cache
    def get_model_list() -> list[type]:
        return [*original(), *_MODELS]

    _patch(parsing, "get_model_list", get_model_list)


def _patch(owner: Any, name: str, value: Any) -> None:
    """Set ``owner.name`` to ``value``, remembering how to undo it."""
    missing = object()
    previous = owner.__dict__.get(name, missing)

    def undo() -> None:
        if previous is missing:
            delattr(owner, name)
        else:
            setattr(owner, name, previous)

    setattr(owner, name, value)
    _undo.append(undo)


def supported_resource_types() -> frozenset[str]:
    """CloudFormation types moto can create (with the fills, while they are applied)."""
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    return frozenset(get_model_map()) | frozenset(NULL_MODELS)


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def _refresh_model_caches() -> None:
    """moto finds CloudFormation models through cached scans of ``__subclasses__``: rescan."""
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


# ----------------------------------------------------------------------------------------------
# Auto Scaling
# ----------------------------------------------------------------------------------------------
def _scaling_policy_model() -> None:
    from moto.autoscaling.models import autoscaling_backends

    class ScalingPolicyModel(_model_base()):  # type: ignore[misc]
        def __init__(self, arn: str, name: str, group_name: str) -> None:
            self.arn = arn
            self.name = name
            self.group_name = group_name

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @staticmethod
        def cloudformation_name_type() -> str:
            return "PolicyName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::AutoScaling::ScalingPolicy"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("Arn", "PolicyName")

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Arn":
                return self.arn
            if attribute_name == "PolicyName":
                return self.name
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[misc]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> ScalingPolicyModel:
            p = cloudformation_json["Properties"]
            name = p.get("PolicyName") or resource_name
            policy = autoscaling_backends[account_id][region_name].put_scaling_policy(
                name=name,
                policy_type=p.get("PolicyType", "SimpleScaling"),
                metric_aggregation_type=p.get("MetricAggregationType"),
                adjustment_type=p.get("AdjustmentType"),
                as_name=p["AutoScalingGroupName"],
                min_adjustment_magnitude=p.get("MinAdjustmentMagnitude"),
                scaling_adjustment=_int_or_none(p.get("ScalingAdjustment")),
                cooldown=_int_or_none(p.get("Cooldown")),
                target_tracking_config=p.get("TargetTrackingConfiguration", {}),
                step_adjustments=p.get("StepAdjustments", []),
                estimated_instance_warmup=p.get("EstimatedInstanceWarmup"),
                predictive_scaling_configuration=p.get("PredictiveScalingConfiguration", {}),
            )
            return cls(policy.arn, name, p["AutoScalingGroupName"])

        @classmethod
        def delete_from_cloudformation_json(  # type: ignore[misc]
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
        ) -> None:
            autoscaling_backends[account_id][region_name].policies.pop(resource_name, None)

    _MODELS.append(ScalingPolicyModel)


# ----------------------------------------------------------------------------------------------
# EventBridge Scheduler
# ----------------------------------------------------------------------------------------------
def _schedule_group_model() -> None:
    from moto.scheduler.models import scheduler_backends

    class ScheduleGroupModel(_model_base()):  # type: ignore[misc]
        def __init__(self, name: str, arn: str) -> None:
            self.name = name
            self.arn = arn

        @property
        def physical_resource_id(self) -> str:
            return self.name  # Ref of AWS::Scheduler::ScheduleGroup is its name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Scheduler::ScheduleGroup"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Arn":
                return self.arn
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[misc]
            cls,
            resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
            **kwargs: Any,
        ) -> ScheduleGroupModel:
            name = cloudformation_json["Properties"].get("Name") or resource_name
            group = scheduler_backends[account_id][region_name].create_schedule_group(name=name, tags=[])
            return cls(group.name, group.arn)

        @classmethod
        def delete_from_cloudformation_json(  # type: ignore[misc]
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
        ) -> None:
            scheduler_backends[account_id][region_name].schedule_groups.pop(resource_name, None)

    _MODELS.append(ScheduleGroupModel)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _replace_unhealthy_instances() -> None:
    from moto.autoscaling.models import AutoScalingBackend

    original: Callable[..., None] = AutoScalingBackend.set_instance_health

    def set_instance_health(self: AutoScalingBackend, instance_id: str, health_status: str) -> None:
        original(self, instance_id, health_status)
        if health_status != "Unhealthy":
            return
        # AWS: "Amazon EC2 Auto Scaling ... terminates the unhealthy instance and launches a
        # replacement" - the desired capacity stays, so the group launches one to make up for it
        # (first, when its instance maintenance policy keeps 100 % healthy).
        fills_lifecycle.replace_member(self, instance_id)

    _patch(AutoScalingBackend, "set_instance_health", set_instance_health)


def _describe_instance_refreshes_api() -> None:
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult

    def describe_instance_refreshes(self: AutoScalingResponse) -> ActionResult:
        return ActionResult({"InstanceRefreshes": []})

    _patch(AutoScalingResponse, "describe_instance_refreshes", describe_instance_refreshes)


_STATUS_FILTERS = ("instance-status.status", "system-status.status")


def _instance_status_filters() -> None:
    from moto.ec2.models.instances import InstanceBackend

    original = InstanceBackend.describe_instance_status

    def describe_instance_status(
        self: Any, instance_ids: Any, include_all_instances: bool, filters: Any
    ) -> Any:
        rows = [dict(f) for f in filters or []]  # [{"name": ..., "values": [...]}]
        wanted = {f["name"]: f["values"] for f in rows if f.get("name") in _STATUS_FILTERS}
        rest = [f for f in rows if f.get("name") not in _STATUS_FILTERS]
        instances = original(self, instance_ids, include_all_instances, rest)
        # moto reports both checks "ok" for every instance
        return [i for i in instances if all("ok" in values for values in wanted.values())]

    _patch(InstanceBackend, "describe_instance_status", describe_instance_status)


def _describe_instance_information_api() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.models import ec2_backends
    from moto.ssm.responses import SimpleSystemManagerResponse

    def describe_instance_information(self: SimpleSystemManagerResponse) -> ActionResult:
        filters = self._get_param("Filters") or []
        wanted = next((f.get("Values", []) for f in filters if f.get("Key") == "InstanceIds"), None)
        rows = []
        for instance in ec2_backends[self.current_account][self.region].all_instances():
            if wanted is not None and instance.id not in wanted:
                continue
            ping = AGENT_PING.get(instance.id, "Online" if instance.state == "running" else "ConnectionLost")
            if ping != "NotRegistered":
                rows.append({"InstanceId": instance.id, "PingStatus": ping, "PlatformType": "Linux"})
        return ActionResult({"InstanceInformationList": rows})

    _patch(SimpleSystemManagerResponse, "describe_instance_information", describe_instance_information)
    _undo.append(AGENT_PING.clear)


def _send_command_targets() -> None:
    from moto.ssm.models import Command, SimpleSystemManagerBackend

    original = Command._get_instance_ids_from_targets

    def instance_ids_from_targets(self: Command) -> list[str]:
        # No Targets means no target-selected instances (moto's empty filter matches all of them).
        return original(self) if self.targets else []

    _patch(Command, "_get_instance_ids_from_targets", instance_ids_from_targets)
    send_command = SimpleSystemManagerBackend.send_command

    def checked_send_command(self: SimpleSystemManagerBackend, **kwargs: Any) -> Any:
        name = kwargs.get("document_name") or ""
        if not name.startswith("AWS-"):
            content = self._get_documents(name).get_default_version().content_json  # InvalidDocument
            problem = invalid_command_parameters(content, kwargs.get("parameters") or {})
            if problem is not None:
                from moto.ssm.exceptions import SSMException

                raise SSMException("InvalidParameters", problem)
        return send_command(self, **kwargs)

    _patch(SimpleSystemManagerBackend, "send_command", checked_send_command)


def invalid_command_parameters(document: Mapping[str, Any], given: Mapping[str, list[str]]) -> str | None:
    """Why Systems Manager would refuse ``given`` for ``document`` (a Command document's content), or
    ``None``: an undeclared parameter, a value outside ``allowedValues`` or ``allowedPattern`` (RE2;
    the patterns of this app use nothing Python's ``re`` reads otherwise), a required one missing."""
    import re

    declared = document.get("parameters") or {}
    for name, values in given.items():
        spec = declared.get(name)
        if spec is None:
            return f"{name} is not a parameter of the document"
        for value in values:
            if "allowedValues" in spec and value not in spec["allowedValues"]:
                return f"{name}={value!r} is not one of {spec['allowedValues']}"
            if "allowedPattern" in spec and not re.search(spec["allowedPattern"], value):
                return f"{name}={value!r} does not match {spec['allowedPattern']}"
    missing = sorted(n for n, spec in declared.items() if "default" not in spec and n not in given)
    return f"required parameters missing: {missing}" if missing else None


# ----------------------------------------------------------------------------------------------
# property shapes moto's own models misread (SSM parameter, KMS key)
# ----------------------------------------------------------------------------------------------
def _wrap_create(model: type, transform: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Make ``model.create_from_cloudformation_json`` see ``transform(Properties)``."""
    original = model.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_from_cloudformation_json(
        cls: type,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        properties = dict(cloudformation_json.get("Properties", {}))
        fixed = {**cloudformation_json, "Properties": transform(properties)}
        return original(cls, resource_name, fixed, account_id, region_name, **kwargs)

    _patch(model, "create_from_cloudformation_json", classmethod(create_from_cloudformation_json))


def _ssm_parameter_tags() -> None:
    from moto.ssm.models import Parameter

    def transform(properties: dict[str, Any]) -> dict[str, Any]:
        if isinstance(properties.get("Tags"), Mapping):
            properties["Tags"] = _tags_list(properties["Tags"])
        return properties

    _wrap_create(Parameter, transform)


def _kms_key_properties() -> None:
    import json

    from moto.kms.models import Key

    def transform(properties: dict[str, Any]) -> dict[str, Any]:
        properties["Tags"] = [
            {"TagKey": t["Key"], "TagValue": t["Value"]} for t in _tags_list(properties.get("Tags"))
        ]
        if isinstance(properties.get("KeyPolicy"), Mapping):
            properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
        return properties

    _wrap_create(Key, transform)


# ----------------------------------------------------------------------------------------------
# Elastic Load Balancing v2
# ----------------------------------------------------------------------------------------------
ALB_CANONICAL_HOSTED_ZONES: Mapping[str, str] = {
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-3": "Z5LXEXXYW11ES",
    "us-east-1": "Z35SXDOTRQ7X7K",
}
"""Route 53 hosted zone ids of Application Load Balancers per region (Elastic Load Balancing
endpoints and quotas, AWS General Reference)."""


def _elbv2_attributes() -> None:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.elbv2.models import FakeLoadBalancer, FakeTargetGroup

    def target_group_attribute(self: FakeTargetGroup, attribute_name: str) -> Any:
        if attribute_name == "TargetGroupFullName":
            return self.arn.split(":", 5)[5]  # targetgroup/<name>/<id>
        if attribute_name == "TargetGroupName":
            return self.name
        if attribute_name == "TargetGroupArn":
            return self.arn
        if attribute_name == "LoadBalancerArns":
            return list(self.load_balancer_arns)
        raise UnformattedGetAttTemplateException()

    _patch(FakeTargetGroup, "get_cfn_attribute", target_group_attribute)
    original = FakeLoadBalancer.get_cfn_attribute

    def load_balancer_attribute(self: FakeLoadBalancer, attribute_name: str) -> Any:
        if attribute_name == "LoadBalancerFullName":
            return self.arn.split(":loadbalancer/", 1)[1]  # app/<name>/<id>
        if attribute_name == "CanonicalHostedZoneID":
            region = self.arn.split(":")[3]
            zone = ALB_CANONICAL_HOSTED_ZONES.get(region)
            if zone is None:
                raise NotImplementedError(f"no ALB hosted zone id known for {region}: add it")
            return zone
        if attribute_name == "SecurityGroups":
            return list(self.security_groups)
        return original(self, attribute_name)

    _patch(FakeLoadBalancer, "get_cfn_attribute", load_balancer_attribute)


def _cloudwatch_fills() -> None:
    fills_cloudwatch.install(_patch, _MODELS, _model_base())


def _lifecycle_fills() -> None:
    fills_lifecycle.install(_patch, _MODELS, _model_base())
    _undo.append(fills_lifecycle.ASYNC_INVOCATIONS.clear)


def _stepfunctions_fills() -> None:
    fills_stepfunctions.install(_patch, _MODELS, _model_base())


_FILLS: tuple[Callable[[], None], ...] = (
    _register_models,
    _cloudwatch_fills,
    _scaling_policy_model,
    _schedule_group_model,
    _ssm_parameter_tags,
    _kms_key_properties,
    _elbv2_attributes,
    _replace_unhealthy_instances,
    _describe_instance_refreshes_api,
    _instance_status_filters,
    _describe_instance_information_api,
    _send_command_targets,
    _lifecycle_fills,
    _stepfunctions_fills,
)
