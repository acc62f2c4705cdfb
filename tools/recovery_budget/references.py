"""References the budget follows beyond one region: CDK's cross-region references.

CloudFormation exports do not cross regions ("you can't create cross-stack references across
Regions", AWS CloudFormation User Guide, Fn::ImportValue), so aws-cdk-lib carries a value from one
region to another through SSM parameters: the producing stack has a ``Custom::CrossRegionExportWriter``
whose ``WriterProps.exports`` maps a parameter name (``/cdk/exports/<consumer>/<id>``) to the value,
and the consuming stack a ``Custom::CrossRegionExportReader`` whose attribute of that parameter name
is the value (``Fn::GetAtt [ExportsReader, "/cdk/exports/..."]``). Both are in the templates, so the
value can be followed to the resource it comes from, e.g. a failover alias to a load balancer in
another region.
"""

from __future__ import annotations

from typing import Any

from tools.cloud_assembly import Attr, Stage

READER_TYPE = "Custom::CrossRegionExportReader"
WRITER_TYPE = "Custom::CrossRegionExportWriter"
_MAX_HOPS = 4


def resolve(stage: Stage, value: Any, stack: str, _hops: int = 0) -> Any:
    """Resolve ``value`` like :meth:`Stage.resolve`, then through any cross-region export reader.

    Returns what :meth:`Stage.resolve` returns for the value the writer exports (a literal, an
    :class:`Attr` of the producing resource, or ``None``); the reader's own attribute when no writer
    in the stage exports that parameter.
    """
    resolved = stage.resolve(value, stack)
    if _hops >= _MAX_HOPS or not isinstance(resolved, Attr) or not resolved.attribute:
        return resolved
    reader = stage.resource(resolved.resource)
    if reader is None or reader.type != READER_TYPE:
        return resolved
    for writer in stage.resources(WRITER_TYPE):
        exports = (writer.properties.get("WriterProps") or {}).get("exports") or {}
        if resolved.attribute in exports:
            return resolve(stage, exports[resolved.attribute], writer.id.stack, _hops + 1)
    return resolved


def is_cross_region(stage: Stage, value: Any, stack: str) -> bool:
    """The value is a cross-region export reader's attribute."""
    resolved = stage.resolve(value, stack)
    if not isinstance(resolved, Attr):
        return False
    reader = stage.resource(resolved.resource)
    return reader is not None and reader.type == READER_TYPE
