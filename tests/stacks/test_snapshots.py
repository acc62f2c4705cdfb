"""Reviewed snapshots of the synthesized app: prod in full, dev and stg by their structure.

Prod: each stack's template (asset hashes masked) is `test_prod_template[<stack>].json`, and the long
strings it embeds are readable side files next to it - dashboards and state machine definitions as
JSON, SSM documents as YAML, their scripts as `.py`/`.sh`, user data as `.sh` - for example
`test_prod_template[Prod-Osaka-DR][RegionFailover.document].yaml`. A change to any of them fails with
its own diff. Dev and stg: each stack's resource types and counts (`test_resource_counts[<stack>].json`);
tests/stacks/test_environment_structure.py says how and why they differ from prod.

After an intended change: `make snapshot-update`, then review the diff.
"""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_lib.testing import assert_template_matches_snapshot, resource_type_counts
from tests.stacks.stack_names import all_stack_paths

PROD_STACKS = all_stack_paths(environments=["prod"])
OTHER_STACKS = [path for path in all_stack_paths() if path not in PROD_STACKS]


def _stack_id(stack_path: str) -> str:
    return stack_path.replace("/", "-")


@pytest.mark.parametrize("stack_path", PROD_STACKS, ids=_stack_id)
def test_prod_template(synthesized_app, snapshot, stack_path):
    assert_template_matches_snapshot(synthesized_app.template(stack_path), snapshot)


@pytest.mark.parametrize("stack_path", OTHER_STACKS, ids=_stack_id)
def test_resource_counts(synthesized_app, snapshot, stack_path):
    counts = resource_type_counts(synthesized_app.template(stack_path))
    assert counts == snapshot.use_extension(JSONSnapshotExtension)


def test_every_synthesized_stack_is_snapshotted_in_full_or_by_structure(synthesized_app):
    assert PROD_STACKS and OTHER_STACKS
    assert sorted(synthesized_app.templates) == sorted(PROD_STACKS + OTHER_STACKS)
