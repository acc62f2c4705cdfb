"""Deploy synthesized stacks into the emulator through its CloudFormation API, as ``cdk deploy``
would: bootstrap resources first, file assets published to the bootstrap bucket, then one
``CreateStack`` per stack in dependency order (exports flow through ``Fn::ImportValue``).

Before a template goes in, :func:`prepare_template` strips the resources moto cannot create and
the drills do not use (:data:`~tools.gameday.moto_gaps.SKIPPED_TYPES`), and lists each one. A
resource that moto cannot create, that is not in that table, or that something kept still refers
to, stops the deploy with an error saying which: nothing is silently left out.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.cloud_assembly import FileAsset, StackArtifact
from tools.gameday import moto_gaps
from tools.gameday.emulator import Emulator

__all__ = [
    "BOOTSTRAP_QUALIFIER",
    "DeployError",
    "DeployedStack",
    "SkippedResource",
    "bootstrap",
    "deploy_stacks",
    "prepare_template",
    "publish_assets",
    "zip_folder",
]

BOOTSTRAP_QUALIFIER = "hnb659fds"
BOOTSTRAP_VERSION = "30"
"""Version written to ``/cdk-bootstrap/<qualifier>/version``: CDK's templates require >= 6."""


class DeployError(RuntimeError):
    """A stack could not be deployed into the emulator; the message says which and what to do."""


@dataclass(frozen=True, slots=True)
class SkippedResource:
    stack: str
    logical_id: str
    resource_type: str
    reason: str


@dataclass(frozen=True, slots=True)
class DeployedStack:
    """A stack as the emulator's CloudFormation reports it after ``CreateStack``."""

    artifact: StackArtifact
    stack_id: str
    status: str
    outputs: Mapping[str, str]
    resources: Mapping[str, tuple[str, str]]  # logical id -> (type, physical id)
    skipped: tuple[SkippedResource, ...] = ()
    seconds: float = 0.0
    template: Mapping[str, Any] = field(default_factory=dict)

    def physical_ids(self, resource_type: str) -> list[str]:
        return [pid for rtype, pid in self.resources.values() if rtype == resource_type]


# ----------------------------------------------------------------------------------------------
# templates
# ----------------------------------------------------------------------------------------------
def skip_reason(resource_type: str, supported: Iterable[str]) -> str | None:
    """Why ``resource_type`` is left out of a local deploy; ``None`` when moto creates it."""
    if resource_type.startswith("Custom::"):
        return moto_gaps.SKIPPED_TYPES["Custom::*"]
    if resource_type in moto_gaps.SKIPPED_TYPES and (
        resource_type not in supported or resource_type == "AWS::CloudFormation::CustomResource"
    ):
        return moto_gaps.SKIPPED_TYPES[resource_type]
    return None


def references(node: Any) -> set[str]:
    """Logical ids ``node`` refers to through ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub``."""
    found: set[str] = set()
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".", 1)[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                if isinstance(text, str):
                    for part in text.split("${")[1:]:
                        name = part.split("}", 1)[0]
                        if not name.startswith("!"):
                            found.add(name.split(".", 1)[0])
                if isinstance(value, list) and len(value) > 1:
                    found |= references(value[1])
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


#: Types that are left out with a skipped resource they refer to, instead of stopping the deploy.
FOLLOWS_SKIPPED_TYPES: frozenset[str] = frozenset({"AWS::Events::Rule"})


def prepare_template(
    template: Mapping[str, Any], *, stack: str, supported: Iterable[str] | None = None
) -> tuple[dict[str, Any], list[SkippedResource]]:
    """A copy of ``template`` without the resources moto cannot create and the drills do not use.

    ``DependsOn`` entries and outputs pointing at a stripped resource go too (outputs are listed).

    :param supported: Types moto can create. Default: :func:`moto_gaps.supported_resource_types`
        (with the fills applied: a running :class:`~tools.gameday.emulator.Emulator` applies them).
    :raises DeployError: a type moto cannot create that is neither filled nor in
        :data:`~tools.gameday.moto_gaps.SKIPPED_TYPES`, or a kept resource that refers to a
        stripped one.
    """
    supported_types = frozenset(supported if supported is not None else moto_gaps.supported_resource_types())
    prepared: dict[str, Any] = json.loads(json.dumps(template))
    resources: dict[str, Any] = prepared.get("Resources", {})
    skipped: list[SkippedResource] = []
    unknown: list[str] = []
    for logical_id, resource in list(resources.items()):
        rtype = resource["Type"]
        reason = skip_reason(rtype, supported_types)
        if reason is not None:
            skipped.append(SkippedResource(stack, logical_id, rtype, reason))
            del resources[logical_id]
        elif rtype not in supported_types:
            unknown.append(f"{logical_id} ({rtype})")
    if unknown:
        raise DeployError(
            f"{stack}: moto cannot create {', '.join(unknown)}. Fill the gap in tools/gameday/moto_gaps.py "
            "(a CloudFormation model) or, if no drill needs it, add the type to SKIPPED_TYPES with a reason."
        )
    gone = {s.logical_id for s in skipped}
    # An EventBridge rule that only exists for a skipped resource (e.g. notifications on the AWS
    # Config audit rules) goes with it, listed; anything else referring to one stops the deploy.
    changed = True
    while changed:
        changed = False
        for logical_id, resource in list(resources.items()):
            if resource["Type"] not in FOLLOWS_SKIPPED_TYPES:
                continue
            dangling = references({k: v for k, v in resource.items() if k != "DependsOn"}) & gone
            if dangling:
                reason = f"exists for skipped {', '.join(sorted(dangling))}"
                skipped.append(SkippedResource(stack, logical_id, resource["Type"], reason))
                del resources[logical_id]
                gone.add(logical_id)
                changed = True
    for logical_id, resource in resources.items():
        depends = resource.get("DependsOn")
        if depends is not None:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in gone]
            if kept:
                resource["DependsOn"] = kept
            else:
                del resource["DependsOn"]
        dangling = references({k: v for k, v in resource.items() if k != "DependsOn"}) & gone
        if dangling:
            raise DeployError(
                f"{stack}: {logical_id} ({resource['Type']}) refers to {', '.join(sorted(dangling))}, which "
                "moto cannot create and the game day skips: fill that type in tools/gameday/moto_gaps.py."
            )
    for name, output in list(prepared.get("Outputs", {}).items()):
        dangling = references(output) & gone
        if dangling:
            skipped.append(
                SkippedResource(stack, name, "Output", f"refers to skipped {', '.join(sorted(dangling))}")
            )
            del prepared["Outputs"][name]
    return prepared, skipped


# ----------------------------------------------------------------------------------------------
# bootstrap and assets
# ----------------------------------------------------------------------------------------------
def bootstrap_bucket(account: str, region: str) -> str:
    return f"cdk-{BOOTSTRAP_QUALIFIER}-assets-{account}-{region}"


def bootstrap(emulator: Emulator, *, account: str, region: str) -> None:
    """What ``cdk bootstrap`` leaves that a deploy reads: the version parameter and the asset bucket.

    The public parameters CDK templates resolve (``/aws/service/ami-amazon-linux-latest/...``)
    come preloaded with moto.
    """
    emulator.client("ssm", region).put_parameter(
        Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version",
        Value=BOOTSTRAP_VERSION,
        Type="String",
        Overwrite=True,
    )
    s3 = emulator.client("s3", region)
    bucket = bootstrap_bucket(account, region)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})


#: Public SSM parameters AWS publishes in every commercial region that moto does not preload:
#: name prefix -> function(region, parameter name) giving the value AWS documents for it.
_POWERTOOLS_PREFIX = "/aws/service/powertools/python/"


def _powertools_layer_arn(region: str, name: str) -> str:
    # /aws/service/powertools/python/<arch>/python3.13/<release> -> the Powertools layer ARN in the
    # form its documentation gives. The layer's version number is a stand-in: the emulator never
    # runs layers; the game day runs the handler with the installed Powertools of the same release.
    arch, python = name.removeprefix(_POWERTOOLS_PREFIX).split("/")[:2]
    return (
        f"arn:aws:lambda:{region}:017000801446:layer:"
        f"AWSLambdaPowertoolsPythonV3-{python.replace('.', '')}-{arch}:1"
    )


def publish_public_parameters(emulator: Emulator, stacks: Sequence[StackArtifact]) -> list[str]:
    """Create the public ``/aws/service/powertools/...`` parameters the templates resolve."""
    created: list[str] = []
    for stack in stacks:
        for parameter in stack.template.get("Parameters", {}).values():
            name = str(parameter.get("Default", ""))
            if parameter.get("Type", "").startswith("AWS::SSM::Parameter::Value") and name.startswith(
                _POWERTOOLS_PREFIX
            ):
                moto_gaps.publish_public_parameter(
                    stack.account, stack.region, name, _powertools_layer_arn(stack.region, name)
                )
                created.append(name)
    return created


def provide_certificates(stacks: Sequence[StackArtifact]) -> list[str]:
    """Stand-in certificates for the HTTPS listeners (see the ``acm:listener certificates`` fill)."""
    provided: list[str] = []
    for stack in stacks:
        for resource in stack.template.get("Resources", {}).values():
            if resource.get("Type") != "AWS::ElasticLoadBalancingV2::Listener":
                continue
            for certificate in resource.get("Properties", {}).get("Certificates", []):
                arn = certificate.get("CertificateArn")
                if isinstance(arn, str):
                    moto_gaps.provide_certificate(stack.account, stack.region, arn)
                    provided.append(arn)
    return provided


def zip_folder(folder: Path) -> bytes:
    """``folder`` as a zip with stable entry order and timestamps (what ``cdk deploy`` uploads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def publish_assets(emulator: Emulator, assets: Sequence[FileAsset]) -> list[str]:
    """Upload file assets to their bootstrap buckets; returns ``s3://bucket/key`` of each."""
    published: list[str] = []
    for asset in assets:
        if not asset.source.exists():
            raise DeployError(
                f"asset {asset.asset_hash[:12]} is missing at {asset.source}: synthesize again."
            )
        body = (
            zip_folder(asset.source)
            if asset.packaging == "zip" and asset.source.is_dir()
            else asset.source.read_bytes()
        )
        emulator.client("s3", asset.region).put_object(
            Bucket=asset.bucket_name, Key=asset.object_key, Body=body
        )
        published.append(f"s3://{asset.bucket_name}/{asset.object_key}")
    return published


# ----------------------------------------------------------------------------------------------
# stacks
# ----------------------------------------------------------------------------------------------
def deploy_stacks(emulator: Emulator, stacks: Sequence[StackArtifact]) -> list[DeployedStack]:
    """Bootstrap each region used, publish assets, create each stack (in the given order).

    :raises DeployError: a stack does not reach ``CREATE_COMPLETE``.
    """
    if not moto_gaps.installed():
        raise DeployError("the moto gap fills are not applied: deploy through a running Emulator.")
    for account, region in sorted({(s.account, s.region) for s in stacks}):
        bootstrap(emulator, account=account, region=region)
    publish_public_parameters(emulator, stacks)
    provide_certificates(stacks)
    deployed: list[DeployedStack] = []
    for stack in stacks:
        deployed.append(deploy_stack(emulator, stack))
    return deployed


def deploy_stack(emulator: Emulator, stack: StackArtifact) -> DeployedStack:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    started = time.perf_counter()
    publish_assets(emulator, stack.file_assets())
    template, skipped = prepare_template(stack.template, stack=stack.display_name)
    cloudformation = emulator.client("cloudformation", stack.region)
    try:
        response = cloudformation.create_stack(
            StackName=stack.stack_name,
            TemplateBody=json.dumps(template),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            Tags=[{"Key": k, "Value": v} for k, v in stack.tags.items()],
        )
        description = cloudformation.describe_stacks(StackName=response["StackId"])["Stacks"][0]
    except (ClientError, BotoCoreError, ResponseParserError) as error:
        raise DeployError(
            f"the emulator could not create {stack.display_name}: {error}. moto's traceback, if any, is "
            "in the output above: fill the missing behaviour in tools/gameday/moto_gaps.py."
        ) from error
    status = description["StackStatus"]
    if status != "CREATE_COMPLETE":
        raise DeployError(
            f"{stack.display_name} ended {status}: "
            f"{description.get('StackStatusReason') or 'no reason given'}."
        )
    resources: dict[str, tuple[str, str]] = {}
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack.stack_name):
        for summary in page["StackResourceSummaries"]:
            resources[summary["LogicalResourceId"]] = (
                summary["ResourceType"],
                summary.get("PhysicalResourceId", ""),
            )
    return DeployedStack(
        artifact=stack,
        stack_id=response["StackId"],
        status=status,
        outputs={o["OutputKey"]: o.get("OutputValue", "") for o in description.get("Outputs", [])},
        resources=resources,
        skipped=tuple(skipped),
        seconds=time.perf_counter() - started,
        template=template,
    )
