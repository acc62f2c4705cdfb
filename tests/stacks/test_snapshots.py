"""Every stack of every environment, as a reviewed JSON snapshot (asset hashes masked).

Update after an intended change with `make snapshot-update` and review the diff.
"""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import mask_asset_hashes
from tests.stacks.stack_names import all_stack_paths


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack_path", all_stack_paths(), ids=lambda p: p.replace("/", "-"))
def test_stack_matches_snapshot(synthesized_app, snapshot_json, stack_path):
    assert mask_asset_hashes(synthesized_app.template(stack_path)) == snapshot_json


def test_every_synthesized_stack_has_a_snapshot(synthesized_app):
    assert sorted(synthesized_app.templates) == sorted(all_stack_paths())
