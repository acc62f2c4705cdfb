"""The library's public surface: every exported name imports, and the list is reviewed on change."""

from __future__ import annotations

import constructs_lib


def test_public_names_are_importable_from_the_package():
    for name in constructs_lib.__all__:
        assert getattr(constructs_lib, name) is not None, name


def test_public_names_are_unique_and_sorted_by_kind():
    assert len(set(constructs_lib.__all__)) == len(constructs_lib.__all__)
    assert {
        "AutoHealingWebService",
        "AutoHealing",
        "PauseSwitch",
        "Naming",
        "SeverityAlarm",
        "AppProbe",
    } <= set(constructs_lib.__all__)
