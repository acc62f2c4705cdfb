"""Template snapshots: one readable file for the template and one per side file, compared with a diff."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from constructs_lib.testing.masking import mask_template
from constructs_lib.testing.side_files import _json_text, split_template

__all__ = [
    "SideFileSnapshotExtension",
    "assert_template_matches_snapshot",
    "resource_type_counts",
    "side_file_extension",
]


def resource_type_counts(template: Mapping[str, Any]) -> dict[str, int]:
    """``{resource type: how many}`` of a template, sorted by type: its structure in a few lines."""
    types = [resource.get("Type", "?") for resource in template.get("Resources", {}).values()]
    return {kind: types.count(kind) for kind in sorted(set(types))}


class SideFileSnapshotExtension(SingleFileSnapshotExtension):
    """A text snapshot in a file of its own, ``<test>[<name>].<file_extension>`` for ``snapshot(name=...)``.

    Subclasses set ``file_extension``; :func:`side_file_extension` makes (and caches) one per extension.
    """

    _write_mode = WriteMode.TEXT
    file_extension = "txt"


_SIDE_FILE_EXTENSIONS: dict[str, type[SideFileSnapshotExtension]] = {}


def side_file_extension(file_extension: str) -> type[SideFileSnapshotExtension]:
    """The syrupy extension for text snapshots ending in ``.<file_extension>`` (one class each)."""
    if file_extension not in _SIDE_FILE_EXTENSIONS:
        _SIDE_FILE_EXTENSIONS[file_extension] = type(
            f"SideFileSnapshotExtension_{file_extension}",
            (SideFileSnapshotExtension,),
            {"file_extension": file_extension},
        )
    return _SIDE_FILE_EXTENSIONS[file_extension]


def assert_template_matches_snapshot(template: Mapping[str, Any], snapshot: SnapshotAssertion) -> None:
    """Compare a template with its snapshot files: the template and each of its side files.

    ``snapshot`` is syrupy's fixture. The template, masked (:func:`mask_template`) and split
    (:func:`split_template`), is stored as ``<test>.json`` in its synthesized key order (``Type`` first;
    a value that fits on a line stays on it), each side file as ``<test>[<side file stem>].<extension>``
    (``test_x[RegionFailover.document].yaml``: syrupy's own naming, ``snapshot(name=...)``). Every file
    is compared, every difference reported with its diff; ``pytest --snapshot-update`` rewrites them.
    Side files include ``.py`` scripts: keep pytest (``norecursedirs = ["__snapshots__", ...]``) and
    linters out of the snapshot folder.
    """
    split = split_template(mask_template(template))
    files = {"template.json": _json_text(split.template) + "\n", **split.side_files}
    differences = []
    for name, text in files.items():
        stem, _, file_extension = name.rpartition(".")
        assertion = snapshot.use_extension(side_file_extension(file_extension))
        if (assertion if name == "template.json" else assertion(name=stem)) == text:
            continue
        snapshot_text = assertion.executions[assertion.num_executions - 1].recalled_data
        old_lines = [] if snapshot_text is None else str(snapshot_text).splitlines()
        diff = difflib.unified_diff(old_lines, text.splitlines(), f"{name} (snapshot)", "synthesized")
        differences.append("\n".join(line.rstrip("\n") for line in diff))
    if differences:
        raise AssertionError(
            f"{len(differences)} of {len(files)} snapshot files differ (after an intended change: "
            "pytest --snapshot-update, then review the diff):\n" + "\n".join(differences)
        )
