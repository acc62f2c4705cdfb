"""cdk-nag findings of the pipeline stack that follow from CDK Pipelines' design, each with its reason.

Applied to the pipeline construct, the smoke runner roles and the cross-region replication buckets
only, never to the pipeline stack as a whole: the environments' stages are children of that stack,
and their findings must stay visible.
"""

from __future__ import annotations

from collections.abc import Iterable

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines
from constructs import IConstruct

from constructs_lib.nag import acknowledge, nag_arn

ARTIFACT_GRANT_REASON = (
    "CDK's read/write grants on the pipeline's own artifact bucket and its KMS key: the action families "
    "(s3:GetObject*, kms:GenerateDataKey*, ...) cover the object-version and encryption-context variants "
    "CodePipeline and CodeBuild use; every statement is limited to that one bucket and key."
)


def _artifact_grant_ids(artifact_bucket_id: str) -> list[str]:
    return [
        *(
            f"AwsSolutions-IAM5[Action::{action}]"
            for action in (
                "s3:GetBucket*",
                "s3:GetObject*",
                "s3:List*",
                "s3:Abort*",
                "s3:DeleteObject*",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            )
        ),
        f"AwsSolutions-IAM5[Resource::<{artifact_bucket_id}.Arn>/*]",
    ]


def _ack_all(scope: IConstruct, ids: Iterable[str], reason: str) -> None:
    for rule_id in ids:
        acknowledge(scope, rule_id, reason)


def _logical_id(construct: IConstruct) -> str:
    stack = cdk.Stack.of(construct)
    return stack.get_logical_id(construct.node.default_child)  # type: ignore[arg-type]


def acknowledge_pipeline_findings(
    pipeline: pipelines.CodePipeline, *, runner_roles: Iterable[iam.IRole] = ()
) -> None:
    """Acknowledge the findings CDK Pipelines' generated roles and buckets always raise.

    Call after ``pipeline.build_pipeline()`` (the roles, projects and support stacks exist then).
    """
    stack = cdk.Stack.of(pipeline)
    inner = pipeline.pipeline
    artifact_bucket_id = _logical_id(inner.artifact_bucket)
    grant_ids = _artifact_grant_ids(artifact_bucket_id)
    _ack_all(pipeline, grant_ids, ARTIFACT_GRANT_REASON)
    for role in runner_roles:
        _ack_all(role, grant_ids, ARTIFACT_GRANT_REASON)

    # Each CodeBuild project writes to its own log group and report groups, whose stream and group
    # names are generated per build: CodeBuild's default grant is scoped to the project's name.
    for construct in pipeline.node.find_all():
        if isinstance(construct, codebuild.Project) and construct.role is not None:
            project = _logical_id(construct)
            log_group = nag_arn(stack, "logs", f"log-group:/aws/codebuild/<{project}>:*")
            acknowledge(
                construct.role,
                f"AwsSolutions-IAM5[Resource::{log_group}]",
                "CodeBuild writes this project's logs to streams named per build inside the project's own "
                "log group (/aws/codebuild/<project>); the grant names that group.",
            )
            acknowledge(
                construct.role,
                f"AwsSolutions-IAM5[Resource::{nag_arn(stack, 'codebuild', f'report-group/<{project}>-*')}]",
                "CodeBuild creates test report groups named <project>-<report>; the grant is limited to this "
                "project's prefix.",
            )

    # One role publishes every file asset, from one CodeBuild project per asset.
    assets = pipeline.node.try_find_child("Assets")
    if assets is not None:
        acknowledge(
            assets,
            f"AwsSolutions-IAM5[Resource::{nag_arn(stack, 'logs', 'log-group:/aws/codebuild/*')}]",
            "CDK Pipelines shares one asset-publishing role between the CodeBuild projects it creates per "
            "asset; their log groups are /aws/codebuild/<generated project name>.",
        )
        acknowledge(
            assets,
            f"AwsSolutions-IAM5[Resource::{nag_arn(stack, 'codebuild', 'report-group/*')}]",
            "Shared asset-publishing role of the per-asset CodeBuild projects (generated names); it writes "
            "no test reports, CDK grants the report permissions by default.",
        )
        acknowledge(
            assets,
            "AwsSolutions-IAM5[Resource::*]",
            "CDK Pipelines' asset role starts and follows its own publishing builds "
            "(codebuild:StartBuild/BatchGetBuilds/StopBuild), whose generated project names are not known "
            "to the role.",
        )

    update = pipeline.node.try_find_child("UpdatePipeline")
    if update is not None:
        acknowledge(
            update,
            f"AwsSolutions-IAM5[Resource::arn:*:iam::{stack.account}:role/*]",
            "Self-mutation assumes the tooling account's CDK bootstrap roles; the statement is conditioned "
            "on the iam:ResourceTag/aws-cdk:bootstrap-role tag (deploy, file- and image-publishing).",
        )
        acknowledge(
            update,
            "AwsSolutions-IAM5[Resource::*]",
            "Self-mutation runs `cdk deploy` of the pipeline stack, which reads stack status "
            "(cloudformation:DescribeStacks) and lists the bootstrap bucket before it assumes the deploy "
            "role.",
        )

    check = pipeline.node.try_find_child("PipelinesSecurityCheck")
    if check is not None:
        acknowledge(
            check,
            "AwsSolutions-IAM5[Resource::*]",
            "The permissions-broadening check assumes the CDK deploy role of each workload account to diff "
            "(conditioned on iam:ResourceTag/aws-cdk:bootstrap-role=deploy) and auto-approves only pipelines "
            "tagged SECURITY_CHECK=ALLOW_APPROVE (aws:ResourceTag condition).",
        )
        acknowledge(
            check,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "The auto-approve function of CDK Pipelines' security check only writes its own logs; the AWS "
            "managed basic execution policy is what CDK attaches to it.",
        )
        auto_approve = check.node.try_find_child("CDKPipelinesAutoApprove")
        if auto_approve is not None:
            acknowledge(
                check,
                f"AwsSolutions-IAM5[Resource::<{_logical_id(auto_approve)}.Arn>:*]",
                "The check invokes its own auto-approve function, any version or alias of it (lambda grant "
                "shape <function arn>:*).",
            )

    # The pipeline role reaches the replication buckets of the cross-region support stacks, and the
    # keys of those buckets, which the support stacks know by alias only.
    replication_bucket_ids = []
    for support in inner.cross_region_support.values():
        bucket_name = stack.resolve(support.replication_bucket.bucket_name)
        replication_bucket_ids.append(
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{bucket_name}/*]"
        )
        acknowledge(
            support.replication_bucket,
            "AwsSolutions-S1",
            "A CodePipeline replication bucket holds only copies of this pipeline's artifacts "
            "(KMS-encrypted, reached only by the pipeline's and the deploy roles, whose calls CloudTrail "
            "records); server "
            "access logs would add a log bucket per region for the same information.",
        )
    _ack_all(
        inner.role,
        replication_bucket_ids,
        "The pipeline copies artifacts into the replication bucket of each region it deploys to; the grant "
        "is limited to those buckets' objects.",
    )
    acknowledge(
        inner.role,
        "AwsSolutions-IAM5[Resource::*]",
        "The replication buckets in the other regions are encrypted with keys their support stacks create; "
        "the pipeline stack knows them by alias only, so CDK grants kms:Encrypt/Decrypt on '*'.",
    )
    acknowledge(
        inner.artifact_bucket,
        "AwsSolutions-S1",
        "The artifact bucket holds only this pipeline's build artifacts (KMS-encrypted, TLS only, reached by "
        "the pipeline's roles, whose calls CloudTrail records); server access logs would repeat that.",
    )
