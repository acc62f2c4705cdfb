"""One environment in the emulator for a simulated drill: what CloudFormation deploys, what is
created through the service APIs from the templates, and how template values resolve.

- The Network, Compute and Monitoring stacks of a region go in through the emulator's
  CloudFormation, exactly as the game day deploys them (:func:`tools.gameday.deploy.deploy_stacks`).
- moto's CloudFormation cannot create the Data, DR and Global stacks (Secrets Manager rotation,
  AWS Backup, cross-region export readers are custom resources). The few resources a drill needs
  from them are created through the service APIs from their template properties
  (:meth:`World.materialize`): the DB subnet group, security group and DB instance (or read
  replica), Route 53 health checks, the us-east-1 topics and alarms. Every such creation is a
  timeline line naming the template resource and what was left out.
- :meth:`World.resolve` evaluates template values (``Ref``, ``Fn::GetAtt``, ``Fn::ImportValue``,
  ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::Sub``) against the physical ids of both, and
  follows CDK's cross-region exports (``Custom::CrossRegionExportReader`` -> the writer's value).
  The runbooks are read from the templates (``AWS::SSM::Document`` ``Content``) through it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tools.gameday.assembly import StackArtifact, deployment_order, load_environment
from tools.gameday.deploy import DeployedStack, deploy_stacks
from tools.gameday.drills import Stage
from tools.gameday.emulator import Emulator
from tools.simulation.timeline import SimTimeline

__all__ = ["EMULATOR_DB_PASSWORD", "ResolveError", "World"]

EMULATOR_DB_PASSWORD = "emulator-only-password"
"""The master password given to DB instances created in the emulator (the template's is a Secrets
Manager dynamic reference moto cannot resolve; no drill logs in)."""

CFN_LAYERS = ("Network", "Compute", "Monitoring")
"""Layers moto's CloudFormation can create (with the game day's fills)."""


class ResolveError(ValueError):
    """A template value cannot be resolved in the emulator; the message names it."""


class World:
    """The environment's stacks (from the synthesized assembly) and their state in the emulator."""

    def __init__(
        self,
        emulator: Emulator,
        assembly: Path,
        environment: str,
        timeline: SimTimeline,
        workdir: Path,
        templates: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.emulator = emulator
        self.environment = environment
        self.timeline = timeline
        self.workdir = workdir
        self.artifacts = load_environment(assembly, environment)
        self.templates = templates if templates is not None else {}
        for artifact in self.artifacts:  # read once, shared by the drills of a run (never modified)
            if artifact.display_name not in self.templates:
                self.templates[artifact.display_name] = artifact.template
        self.physical: dict[tuple[str, str], str] = {}
        self.deployed: dict[str, DeployedStack] = {}
        self.stages: dict[str, Stage] = {}

    # --- stacks ---------------------------------------------------------------------------------
    def artifact(self, location: str, layer: str) -> StackArtifact:
        for artifact in self.artifacts:
            if artifact.location == location and artifact.layer == layer:
                return artifact
        names = sorted(a.display_name for a in self.artifacts)
        raise LookupError(f"no {location}-{layer} stack in {self.environment} (stacks: {', '.join(names)})")

    def has(self, location: str, layer: str) -> bool:
        return any(a.location == location and a.layer == layer for a in self.artifacts)

    def by_name(self, display_name: str) -> StackArtifact:
        return next(a for a in self.artifacts if a.display_name == display_name)

    @property
    def account(self) -> str:
        return self.artifacts[0].account

    def deploy(self, *locations: str) -> list[DeployedStack]:
        """Reset the emulator, then CreateStack the Network/Compute/Monitoring stacks of ``locations``."""
        chosen = [a for a in self.artifacts if a.location in locations and a.layer in CFN_LAYERS]
        ordered = deployment_order(self.artifacts, select=chosen)
        extra = [a.display_name for a in ordered if a.layer not in CFN_LAYERS]
        if extra:
            raise ResolveError(
                f"deploying {locations} would need {extra}, which moto's CloudFormation cannot create"
            )
        self.emulator.reset()
        self.physical.clear()
        self.deployed.clear()
        deployed = deploy_stacks(self.emulator, ordered)
        for stack in deployed:
            self.deployed[stack.artifact.display_name] = stack
            for logical_id, (_, physical_id) in stack.resources.items():
                self.physical[(stack.artifact.display_name, logical_id)] = physical_id
        self.stages = {}
        for region in sorted({s.artifact.region for s in deployed}):
            stage = Stage(
                emulator=self.emulator,
                region=region,
                account=self.account,
                stacks=[s for s in deployed if s.artifact.region == region],
                workdir=self.workdir,
            )
            stage.observe()
            self.stages[region] = stage
        self.timeline.emulator(
            "deployed through the emulator's CloudFormation: "
            f"{', '.join(s.artifact.display_name for s in deployed)}"
        )
        return deployed

    def stage(self, region: str) -> Stage:
        """The deployment's view of ``region`` (an empty one, observing nothing yet, if nothing was
        deployed there: resources created through the APIs are added to it)."""
        if region not in self.stages:
            stage = Stage(
                emulator=self.emulator, region=region, account=self.account, stacks=[], workdir=self.workdir
            )
            stage.observe()
            self.stages[region] = stage
        return self.stages[region]

    def close(self) -> None:
        for stage in self.stages.values():
            stage.close()

    def client(self, service: str, region: str) -> Any:
        return self.emulator.client(service, region)

    # --- templates -------------------------------------------------------------------------------
    def resource(self, stack: str, logical_id: str) -> Mapping[str, Any]:
        return self.templates[stack]["Resources"][logical_id]

    def resources(self, stack: str, resource_type: str) -> list[tuple[str, Mapping[str, Any]]]:
        return [
            (logical_id, body)
            for logical_id, body in (self.templates[stack].get("Resources") or {}).items()
            if body.get("Type") == resource_type
        ]

    def physical_id(self, stack: str, logical_id: str) -> str:
        """The resource's physical id; a resource of a stack that is not deployed is created through its
        API on first use, when that is modelled."""
        if (stack, logical_id) in self.physical:
            return self.physical[(stack, logical_id)]
        from tools.simulation.materialize import MATERIALIZERS

        if stack not in self.deployed and self.resource(stack, logical_id).get("Type") in MATERIALIZERS:
            return self.materialize(stack, logical_id)
        raise ResolveError(
            f"{stack}/{logical_id} is not in the emulator: deploy its stack or create it first"
        )

    # --- resolution --------------------------------------------------------------------------------
    def resolve(self, value: Any, stack: str) -> Any:
        """``value`` from ``stack``'s template with every intrinsic function evaluated."""
        if isinstance(value, list):
            return [self.resolve(item, stack) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(str(arg), stack)
            if key == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else list(arg)
                return self._get_att(str(parts[0]), str(parts[1]), stack)
            if key == "Fn::ImportValue":
                return self._import(str(self.resolve(arg, stack)), stack)
            if key == "Fn::Join":
                separator, parts = arg
                return str(separator).join(str(self.resolve(part, stack)) for part in parts)
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items, stack)[int(self.resolve(index, stack))]
            if key == "Fn::Split":
                separator, text = arg
                return str(self.resolve(text, stack)).split(separator)
            if key == "Fn::Sub":
                return self._sub(arg, stack)
            if key.startswith("Fn::") or key == "Condition":
                raise ResolveError(f"{stack}: {key} is not modelled by the simulation's resolver")
        return {k: self.resolve(v, stack) for k, v in value.items()}

    def _pseudo(self, name: str, stack: str) -> str | None:
        artifact = self.by_name(stack)
        return {
            "AWS::Region": artifact.region,
            "AWS::AccountId": artifact.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": artifact.stack_name,
        }.get(name)

    def _ref(self, name: str, stack: str) -> Any:
        pseudo = self._pseudo(name, stack)
        if pseudo is not None:
            return pseudo
        parameters = self.templates[stack].get("Parameters") or {}
        if name in parameters:
            return parameters[name].get("Default")
        return self.physical_id(stack, name)

    def _get_att(self, logical_id: str, attribute: str, stack: str) -> Any:
        body = self.resource(stack, logical_id)
        rtype = body["Type"]
        artifact = self.by_name(stack)
        if rtype == "Custom::CrossRegionExportReader":
            return self._cross_region_export(attribute)
        physical = self.physical_id(stack, logical_id)
        region, account = artifact.region, artifact.account
        simple: dict[tuple[str, str], Callable[[], str]] = {
            ("AWS::IAM::Role", "Arn"): lambda: f"arn:aws:iam::{account}:role/{physical}",
            ("AWS::SNS::Topic", "TopicArn"): lambda: physical,
            ("AWS::SNS::Topic", "TopicName"): lambda: physical.rsplit(":", 1)[-1],
            ("AWS::EC2::SecurityGroup", "GroupId"): lambda: physical,
            ("AWS::Route53::HealthCheck", "HealthCheckId"): lambda: physical,
            ("AWS::CloudWatch::Alarm", "Arn"): lambda: (
                f"arn:aws:cloudwatch:{region}:{account}:alarm:{physical}"
            ),
            ("AWS::CloudWatch::CompositeAlarm", "Arn"): lambda: (
                f"arn:aws:cloudwatch:{region}:{account}:alarm:{physical}"
            ),
            ("AWS::Lambda::Function", "Arn"): lambda: (
                f"arn:aws:lambda:{region}:{account}:function:{physical}"
            ),
            ("AWS::KMS::Key", "Arn"): lambda: f"arn:aws:kms:{region}:{account}:key/{physical}",
            ("AWS::ElasticLoadBalancingV2::TargetGroup", "TargetGroupFullName"): lambda: physical.split(
                ":", 5
            )[5],
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerFullName"): lambda: physical.split(
                ":loadbalancer/", 1
            )[-1],
        }
        if (rtype, attribute) in simple:
            return simple[(rtype, attribute)]()
        if rtype == "AWS::ElasticLoadBalancingV2::LoadBalancer" and attribute in (
            "DNSName",
            "CanonicalHostedZoneID",
        ):
            lb = self.client("elbv2", region).describe_load_balancers(LoadBalancerArns=[physical])[
                "LoadBalancers"
            ][0]
            return lb["DNSName"] if attribute == "DNSName" else lb["CanonicalHostedZoneId"]
        raise ResolveError(
            f"{stack}/{logical_id}: Fn::GetAtt {rtype}.{attribute} is not modelled by the resolver"
        )

    def _cross_region_export(self, name: str) -> Any:
        """CDK's cross-region reference: the writer stack holding export ``name`` and its value."""
        for stack, template in self.templates.items():
            for body in (template.get("Resources") or {}).values():
                if body.get("Type") != "Custom::CrossRegionExportWriter":
                    continue
                exports = ((body.get("Properties") or {}).get("WriterProps") or {}).get("exports") or {}
                if name in exports:
                    return self.resolve(exports[name], stack)
        raise ResolveError(f"no Custom::CrossRegionExportWriter of {self.environment} writes {name}")

    def _import(self, name: str, stack: str) -> Any:
        region = self.by_name(stack).region
        for artifact in self.artifacts:
            if artifact.region != region:
                continue
            for output in (self.templates[artifact.display_name].get("Outputs") or {}).values():
                if (output.get("Export") or {}).get("Name") == name:
                    return self.resolve(output["Value"], artifact.display_name)
        raise ResolveError(f"{stack}: no stack of {self.environment} in {region} exports {name}")

    def _sub(self, arg: Any, stack: str) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name], stack))
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return str(self._get_att(logical_id, attribute, stack))
            return str(self._ref(name, stack))

        return re.sub(r"\$\{([^!}][^}]*)\}", replace, text)

    # --- runbooks ----------------------------------------------------------------------------------
    def runbook(self, location: str, logical_prefix: str) -> tuple[str, str, dict[str, Any]]:
        """(stack, logical id, resolved Content) of the Automation document whose logical id starts
        with ``logical_prefix`` in ``location``'s DR or Monitoring stack."""
        for layer in ("DR", "Monitoring"):
            if not self.has(location, layer):
                continue
            stack = self.artifact(location, layer).display_name
            for logical_id, body in self.resources(stack, "AWS::SSM::Document"):
                if logical_id.startswith(logical_prefix):
                    content = body["Properties"]["Content"]
                    if isinstance(content, str):
                        content = json.loads(content)
                    return stack, logical_id, self.resolve_document(content, stack)
        raise LookupError(f"no runbook {logical_prefix}* in {location} of {self.environment}")

    def resolve_document(self, content: Mapping[str, Any], stack: str) -> dict[str, Any]:
        """The document with its template values resolved; parameter defaults that cannot be
        resolved (the automation role of a stack moto cannot deploy) are dropped: the interpreter
        does not assume roles."""
        document = dict(content)
        parameters = {}
        for name, spec in (content.get("parameters") or {}).items():
            spec = dict(spec)
            if "default" in spec:
                try:
                    spec["default"] = self.resolve(spec["default"], stack)
                except ResolveError:
                    spec = {k: v for k, v in spec.items() if k != "default"}
                    if name == "AutomationAssumeRole":
                        spec["default"] = ""
            parameters[name] = spec
        document["parameters"] = parameters
        document["mainSteps"] = self.resolve(content.get("mainSteps") or [], stack)
        return document

    # --- resources created through the APIs -----------------------------------------------------
    def materialize(self, stack: str, logical_id: str) -> str:
        """Create one resource of a stack moto's CloudFormation cannot deploy, through its API."""
        key = (stack, logical_id)
        if key in self.physical:
            return self.physical[key]
        from tools.simulation.materialize import MATERIALIZERS

        body = self.resource(stack, logical_id)
        create = MATERIALIZERS.get(body["Type"])
        if create is None:
            raise ResolveError(
                f"{stack}/{logical_id}: creating {body['Type']} through its API is not modelled"
            )
        physical, note = create(self, stack, logical_id, body.get("Properties") or {})
        self.physical[key] = physical
        self.timeline.emulator(
            f"created {stack}/{logical_id} ({body['Type']}) through its API: {physical}", [note]
        )
        return physical

    def materialize_all(self, stack: str, types: Sequence[str]) -> list[str]:
        found = []
        for resource_type in types:
            for logical_id, _ in self.resources(stack, resource_type):
                found.append(self.materialize(stack, logical_id))
        return found
