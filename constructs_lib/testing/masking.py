"""Snapshot masking: asset hashes and machine-dependent asset paths replaced by fixed placeholders.

A template's asset hashes change with the handler code and the CDK version, not with the
infrastructure: :func:`mask_template` replaces them, and :class:`CdkTemplateSnapshotExtension` is
syrupy's JSON extension with that mask applied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from syrupy.extensions.json import JSONSnapshotExtension

__all__ = [
    "ASSET_HASH_PLACEHOLDER",
    "ASSET_PATH_PLACEHOLDER",
    "CdkTemplateSnapshotExtension",
    "mask_template",
]

ASSET_HASH_PLACEHOLDER = "<asset-hash>"
ASSET_PATH_PLACEHOLDER = "<asset-path>"
# CDK asset hashes are SHA-256 hex digests: in S3 keys ("<hash>.zip"), image tags, asset parameters.
_ASSET_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
# cdk-assets destination ids in CDK Pipelines' publishing buildspecs: "<hash>:<account>-<region>-<8 hex>",
# the suffix a digest that changes with the asset as the hash does.
_DESTINATION_SUFFIX = re.compile(r"(<asset-hash>:\d{12}-[a-z0-9-]+?-)[0-9a-f]{8}(?![0-9a-f])")
# Resource metadata CDK writes when the CLI enables asset metadata: absolute, machine-dependent paths.
_ASSET_PATH_METADATA = ("aws:asset:path", "aws:asset:original-path")


def mask_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` with asset hashes and machine-dependent asset paths replaced.

    Everything else is kept as synthesized, so a snapshot diff shows every real change.
    """
    text = _ASSET_HASH.sub(ASSET_HASH_PLACEHOLDER, json.dumps(template))
    masked = json.loads(_DESTINATION_SUFFIX.sub(r"\1<destination>", text))
    for resource in masked.get("Resources", {}).values():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if isinstance(metadata, dict):
            for key in _ASSET_PATH_METADATA:
                if key in metadata:
                    metadata[key] = ASSET_PATH_PLACEHOLDER
    return masked


class CdkTemplateSnapshotExtension(JSONSnapshotExtension):
    """Use with syrupy: ``assert template == snapshot.use_extension(CdkTemplateSnapshotExtension)``.

    One ``.json`` file per snapshot (``__snapshots__/<test module>/<test name>.json``), with asset
    hashes and asset paths masked by :func:`mask_template`. Other data is serialized unchanged.
    """

    def serialize(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping) and "Resources" in data:
            data = mask_template(data)
        return super().serialize(data, **kwargs)
