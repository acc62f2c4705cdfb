"""The one reader of synthesized CDK cloud assemblies (``cdk.out``) for the tools in this repository.

>>> assembly = read_assembly("cdk.out")  # doctest: +SKIP
>>> prod = assembly.stage("prod")  # doctest: +SKIP
>>> [s.display_name for s in deployment_order(prod.stacks, select=prod.stacks[:1])]  # doctest: +SKIP
>>> next(prod.resources("AWS::AutoScaling::AutoScalingGroup")).properties["MinSize"]  # doctest: +SKIP

- :mod:`.reader`: :func:`read_assembly` reads the top-level manifest and every nested (stage) manifest
  once into a :class:`CloudAssembly` of :class:`Stage` s (one per ``cdk.Stage``: an environment).
- :mod:`.stack`: :class:`StackArtifact` (region, account, template, dependencies, file assets, the
  synth's :class:`Message` s) and
  :func:`deployment_order`.
- :mod:`.stage`: a stage's resources by type and region, and references (``Ref``, ``Fn::GetAtt``,
  ``Fn::ImportValue``) resolved as CloudFormation would.
- :mod:`.errors`: :class:`AssemblyError` and the two errors a tool may word for its own users.
"""

from .errors import AssemblyError, MissingAssemblyError, UnknownStageError
from .reader import NESTED_ASSEMBLY_TYPE, STACK_TYPE, CloudAssembly, read_assembly
from .stack import FileAsset, Message, StackArtifact, deployment_order
from .stage import Attr, Resource, ResourceId, Stage

__all__ = [
    "NESTED_ASSEMBLY_TYPE",
    "STACK_TYPE",
    "AssemblyError",
    "Attr",
    "CloudAssembly",
    "FileAsset",
    "Message",
    "MissingAssemblyError",
    "Resource",
    "ResourceId",
    "StackArtifact",
    "Stage",
    "UnknownStageError",
    "deployment_order",
    "read_assembly",
]
