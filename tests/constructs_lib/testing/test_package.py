"""The kit is one module per concept; ``constructs_lib.testing`` re-exports every public name."""

from __future__ import annotations

import importlib
from pathlib import Path

import constructs_lib.testing as kit

MODULES = ("masking", "side_files", "snapshots", "nag_report", "cfn_lint")


def test_every_public_name_of_the_modules_is_exported_by_the_package():
    exported = set(kit.__all__)
    for name in MODULES:
        module = importlib.import_module(f"constructs_lib.testing.{name}")
        assert set(module.__all__) <= exported, name
        for public in module.__all__:
            assert getattr(kit, public) is getattr(module, public)
    assert (
        len(exported)
        == len(kit.__all__)
        == sum(len(importlib.import_module(f"constructs_lib.testing.{n}").__all__) for n in MODULES)
    )


def test_names_consumers_import_from_before_the_split_still_import():
    from constructs_lib.testing import (  # noqa: F401
        ASSET_HASH_PLACEHOLDER,
        CONSTRUCT_ANNOTATIONS_REPORT,
        DEFAULT_CFN_LINT_IGNORES,
        SIDE_FILE_PLACEHOLDER,
        CdkTemplateSnapshotExtension,
        SideFileSnapshotExtension,
        SplitTemplate,
        assert_template_matches_snapshot,
        cfn_lint_template,
        side_file_extension,
    )


def test_each_module_stays_under_600_lines():
    folder = Path(kit.__file__).parent
    sizes = {path.name: len(path.read_text().splitlines()) for path in folder.glob("*.py")}
    assert {name for name in sizes} == {"__init__.py", *(f"{n}.py" for n in MODULES)}
    assert max(sizes.values()) < 600, sizes
