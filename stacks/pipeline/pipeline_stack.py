"""The delivery pipeline: CDK Pipelines on CodePipeline V2 in a tooling account, one wave per environment.

    Source (CodeConnections) -> Build (make setup; make test; make budget; make synth-pipeline)
      -> UpdatePipeline (self-mutation) -> Assets -> Dev (+ smoke) -> Stg (+ smoke)
      -> Prod: manual approval -> permissions-broadening check -> deploy (+ smoke)

Each environment is the same :class:`~stacks.stage.EnvironmentStage` that ``cdk deploy 'Prod/*'``
deploys (same stack names, same templates), plus one ``<Label>-Smoke`` stack per region. Inside a
stage CDK Pipelines orders the deployments by stack dependencies, so the order the cross-region
references need (network, compute and data per region, the active region's data before the standby
replica, both regions' compute before Global, Global before the DR runbooks) is kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines
from constructs import Construct

from stacks.config import ConfigError, EnvironmentConfig
from stacks.pipeline.acknowledgements import acknowledge_pipeline_findings
from stacks.pipeline.config import DeliveryConfig, placeholder_values
from stacks.pipeline.smoke import (
    SmokeTestStack,
    alert_topic_arn,
    smoke_alarm_name,
    smoke_role_arn,
    smoke_runner_role_arn,
    smoke_runner_role_name,
)
from stacks.stage import EnvironmentStage

ROOT = Path(__file__).resolve().parent.parent.parent

#: The Synth step's install phase: the pinned toolchain from requirements*.txt and package-lock.json.
SYNTH_INSTALL_COMMANDS: tuple[str, ...] = ("make setup",)
#: The Synth step's build phase: the README's test command, the recovery budget (a missed recovery
#: target exits non-zero and fails the pipeline), then the pipeline's own assembly into cdk.out.
SYNTH_COMMANDS: tuple[str, ...] = ("make test", "make budget", "make synth-pipeline")
#: CodeBuild's Ubuntu standard image 7.0 provides Python 3.9-3.12 through ``runtime-versions``
#: (CodeBuild User Guide, "Available runtimes"); 3.11 is what the suite is measured on.
PYTHON_RUNTIME = "3.11"
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0


def pinned_cli_version(root: Path = ROOT) -> str:
    """The CDK CLI version of package-lock.json: self-mutation runs the same CLI as ``make synth``."""
    lock = json.loads((root / "package-lock.json").read_text())
    return lock["packages"]["node_modules/aws-cdk"]["version"]


def _python_runtime_spec() -> codebuild.BuildSpec:
    return codebuild.BuildSpec.from_object(
        {"phases": {"install": {"runtime-versions": {"python": PYTHON_RUNTIME}}}}
    )


class DeliveryPipelineStack(cdk.Stack):
    """The self-mutating pipeline of ``stages`` (in that order) in the tooling account.

    :param app_name: names the stack and the pipeline (``<app_name>-delivery``).
    :param delivery: where the pipeline runs and what it watches (cdk.json ``delivery``).
    :param stages: the environments' stages, in deployment order. Create them in the app, next to
        this stack (``EnvironmentStage(app, config)``), not inside it: construct paths are part of
        logical ids and ``Name`` tags, so only then does the pipeline deploy the very templates that
        ``cdk deploy 'Prod/*'`` deploys (and can take over stacks deployed that way).
    :param cli_version: CDK CLI for the self-mutation step and the permissions-broadening check.
        Default: package-lock.json's version, the one ``make synth`` runs.
    """

    source_action_name = "Source"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        app_name: str,
        delivery: DeliveryConfig,
        stages: Sequence[EnvironmentStage],
        cli_version: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            env=cdk.Environment(account=delivery.account, region=delivery.region),
            stack_name=f"{app_name}-delivery",
            description=f"{app_name}: delivery pipeline ({' -> '.join(s.config.name for s in stages)})",
        )
        for key in placeholder_values(delivery):
            cdk.Annotations.of(self).add_warning_v2(
                "delivery:placeholder",
                f"{key} still holds the placeholder committed in cdk.json: replace it before deploying.",
            )
        self.delivery = delivery
        self.source = pipelines.CodePipelineSource.connection(
            delivery.repository,
            delivery.branch,
            connection_arn=delivery.connection_arn,
            action_name=self.source_action_name,
            trigger_on_push=True,
        )
        self.synth_step = pipelines.CodeBuildStep(
            "Synth",
            input=self.source,
            install_commands=list(SYNTH_INSTALL_COMMANDS),
            commands=list(SYNTH_COMMANDS),
            primary_output_directory="cdk.out",
            partial_build_spec=_python_runtime_spec(),
            timeout=cdk.Duration.minutes(45),
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=f"{app_name}-delivery",
            # Set explicitly: V2 is CodePipeline's current pipeline type (triggers, variables; CodePipeline
            # User Guide, "Pipeline types"), and CDK's default depends on the feature flag
            # @aws-cdk/aws-codepipeline:defaultPipelineTypeToV2, which cdk.json does not set.
            pipeline_type=codepipeline.PipelineType.V2,
            # Deploying into other accounts needs KMS-encrypted artifact buckets whose keys those
            # accounts may use.
            cross_account_keys=True,
            enable_key_rotation=True,
            synth=self.synth_step,
            cli_version=cli_version or pinned_cli_version(),
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=BUILD_IMAGE, compute_type=codebuild.ComputeType.MEDIUM
                )
            ),
        )

        self.stages: dict[str, EnvironmentStage] = {}
        self.approvals: dict[str, pipelines.ManualApprovalStep] = {}
        self.broadening_checks: dict[str, pipelines.ConfirmPermissionsBroadening] = {}
        self.smoke_steps: dict[str, list[pipelines.CodeBuildStep]] = {}
        self.smoke_runner_roles: dict[str, iam.Role] = {}
        for stage in stages:
            env = stage.config
            self.stages[env.name] = stage
            pre: list[pipelines.Step] = []
            if env.name in delivery.manual_approval:
                approval = pipelines.ManualApprovalStep(
                    f"PromoteTo{env.stage_name}",
                    comment=f"Promote to {env.name}: the earlier environments are deployed and smoke-tested.",
                )
                # Chained, not parallel: the security diff is taken right before the deploy, after
                # the promotion; if IAM or security-group rules broaden, it asks for a second approval.
                broadening = pipelines.ConfirmPermissionsBroadening(
                    f"CheckBroadening{env.stage_name}", stage=stage
                )
                broadening.add_step_dependency(approval)
                self.approvals[env.name] = approval
                self.broadening_checks[env.name] = broadening
                pre = [approval, broadening]
            self.smoke_steps[env.name] = self._add_smoke(stage, env, app_name, delivery.account)
            self.pipeline.add_stage(stage, pre=pre, post=self.smoke_steps[env.name])

        self.pipeline.build_pipeline()
        self._grant_codeconnections()
        self._pin_security_check_cli(cli_version or pinned_cli_version())
        acknowledge_pipeline_findings(self.pipeline, runner_roles=self.smoke_runner_roles.values())

    # -- smoke ----------------------------------------------------------------------------------

    def _add_smoke(
        self, stage: EnvironmentStage, env: EnvironmentConfig, app_name: str, tooling_account: str
    ) -> list[pipelines.CodeBuildStep]:
        """One smoke stack per region in the stage, one smoke step per region after it."""
        runner = iam.Role(
            self,
            f"SmokeRunner{env.stage_name}",
            role_name=smoke_runner_role_name(app_name, env.name),
            description=f"Runs the smoke steps of {env.name} and assumes only its smoke roles",
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
        )
        self.smoke_runner_roles[env.name] = runner
        steps = []
        for rc in env.regions:
            smoke_stack = SmokeTestStack(
                stage,
                f"{rc.label}-Smoke",
                config=env,
                region=rc.region,
                label=rc.label,
                runner_role_arn=smoke_runner_role_arn(app_name, env.name, tooling_account),
                tooling_account=tooling_account,
            )
            compute = stage.compute[rc.region]
            smoke_stack.add_stack_dependency(compute)
            smoke_stack.add_stack_dependency(stage.monitoring[rc.region])
            runner.add_to_principal_policy(
                iam.PolicyStatement(
                    sid=f"AssumeSmokeRole{rc.label}",
                    actions=["sts:AssumeRole"],
                    resources=[smoke_role_arn(env, rc.label)],
                )
            )
            steps.append(
                pipelines.CodeBuildStep(
                    f"Smoke{rc.label}",
                    input=self.source,
                    install_commands=[
                        # boto3 at the pin of requirements-dev.txt; nothing else is needed.
                        "pip install --quiet \"$(grep -E '^boto3==' requirements-dev.txt)\""
                    ],
                    commands=[" ".join(smoke_command(env, rc.region, rc.label))],
                    env_from_cfn_outputs={
                        "LOAD_BALANCER_DNS": compute.node.find_child("LoadBalancerDnsName")
                    },
                    role=runner,
                    build_environment=codebuild.BuildEnvironment(
                        build_image=BUILD_IMAGE, compute_type=codebuild.ComputeType.SMALL
                    ),
                    partial_build_spec=_python_runtime_spec(),
                    timeout=cdk.Duration.minutes(10),
                )
            )
        return steps

    # -- the broadening check's CLI ---------------------------------------------------------------

    def _pin_security_check_cli(self, version: str) -> None:
        """CDK Pipelines' security check installs the latest CLI (``npm install -g aws-cdk``). The 3.x
        CLI rejects this aws-cdk-lib's assemblies, and the check treats a failing ``cdk diff`` as a
        broadening, so every Prod deploy would ask for a second approval: pin it like self-mutation."""
        check = self.pipeline.node.try_find_child("PipelinesSecurityCheck")
        if check is None:
            return
        project = check.node.find_child("CDKSecurityCheck").node.default_child
        assert isinstance(project, codebuild.CfnProject)
        # The build spec is an Fn::Join (it names the auto-approve function): patch its text parts.
        build_spec = self.resolve(project.source)["buildSpec"]
        parts = build_spec["Fn::Join"][1] if isinstance(build_spec, dict) else [build_spec]
        unpinned, pinned = '"npm install -g aws-cdk"', f'"npm install -g aws-cdk@{version}"'
        if sum(p.count(unpinned) for p in parts if isinstance(p, str)) != 1:
            raise RuntimeError(
                "CDK Pipelines' security check no longer installs the CLI with `npm install -g aws-cdk`: "
                "review DeliveryPipelineStack._pin_security_check_cli for this aws-cdk-lib version."
            )
        patched = [p.replace(unpinned, pinned) if isinstance(p, str) else p for p in parts]
        joined = {"Fn::Join": [build_spec["Fn::Join"][0], patched]} if isinstance(build_spec, dict) else None
        project.add_property_override("Source.BuildSpec", joined or patched[0])

    # -- source permissions ------------------------------------------------------------------------

    def _grant_codeconnections(self) -> None:
        """CDK grants the source action ``codestar-connections:UseConnection`` only; connections are
        now authorised under the ``codeconnections`` prefix (AWS CodeConnections user guide,
        "Permissions and examples"), so the action's role gets both."""
        # The source action's role, which CodePipeline creates when the action has none of its own.
        action = self.pipeline.pipeline.node.find_child("Source").node.find_child(self.source_action_name)
        role = action.node.find_child("CodePipelineActionRole")
        assert isinstance(role, iam.Role)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="UseTheConnection",
                actions=["codeconnections:UseConnection"],
                resources=[
                    self.delivery.connection_arn.replace(":codestar-connections:", ":codeconnections:")
                ],
            )
        )


def smoke_command(env: EnvironmentConfig, region: str, label: str) -> list[str]:
    """The arguments of ``python3 -m scripts.smoke`` for one region of one environment."""
    args = [
        "python3 -m scripts.smoke",
        f"--role-arn {smoke_role_arn(env, label)}",
        f"--region {region}",
        '--load-balancer-dns "$LOAD_BALANCER_DNS"',
        f"--health-path {env.health_check.path}",
        f"--pause-parameter {env.pause_parameter_name}",
        f"--alarm-name {smoke_alarm_name(env)}",
        f"--topic-arn {alert_topic_arn(env, region)}",
    ]
    if env.region_config(region).certificate_arn:
        # The ALB redirects HTTP to HTTPS and presents the certificate of the public name.
        server_name = env.dns.record_name if env.dns else None
        if server_name is None:
            raise ConfigError(
                f"environments.{env.name}: a certificate_arn without dns gives the smoke step no name to "
                "verify the load balancer's certificate against; add dns (record_name) to the environment."
            )
        args.append(f"--tls-server-name {server_name}")
    if env.capacity_for(region).min == 0:
        args.append("--skip-health 'standby region at zero instances: nothing answers until a failover'")
    return args
