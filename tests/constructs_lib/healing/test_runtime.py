"""What the healing functions run: the handler folder in either layout, and the tested Powertools release.

The installed-wheel layout is exercised end to end in ``tests/unit/test_packaging.py``.
"""

from __future__ import annotations

import shutil
from importlib.metadata import version

import aws_cdk as cdk
import pytest

import constructs_lib._handlers as handlers
from constructs_lib.healing import POWERTOOLS_VERSION
from constructs_lib.healing.runtime import ASSET_EXCLUDE, handler_code_folder
from tests.conftest import ROOT


def test_powertools_layer_release_is_the_one_the_handler_is_tested_with():
    assert version("aws-lambda-powertools") == POWERTOOLS_VERSION


def test_a_source_checkout_deploys_the_repositorys_lambda_src_folder():
    assert handler_code_folder() == ROOT / "lambda_src" / "auto_heal"
    assert handlers.SEARCH_PATH == (ROOT / "constructs_lib" / "_handlers", ROOT / "lambda_src")


def test_fails_when_no_layout_has_the_handler_folder(tmp_path, monkeypatch):
    packaged, checkout = tmp_path / "site-packages" / "constructs_lib" / "_handlers", tmp_path / "lambda_src"
    monkeypatch.setattr(handlers, "SEARCH_PATH", (packaged, checkout))
    with pytest.raises(FileNotFoundError) as raised:
        handler_code_folder()
    message = str(raised.value)
    assert str(packaged / "auto_heal") in message
    assert str(checkout / "auto_heal") in message
    assert 'pip install --force-reinstall "self-healing-web"' in message


def test_the_asset_hash_ignores_compiled_files(tmp_path):
    folder = shutil.copytree(
        handler_code_folder(), tmp_path / "auto_heal", ignore=shutil.ignore_patterns(*ASSET_EXCLUDE)
    )
    before = cdk.FileSystem.fingerprint(str(folder), exclude=list(ASSET_EXCLUDE))
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\x00compiled")
    (folder / "stray.pyc").write_bytes(b"\x00compiled")
    assert cdk.FileSystem.fingerprint(str(folder), exclude=list(ASSET_EXCLUDE)) == before
    assert cdk.FileSystem.fingerprint(str(folder)) != before  # the exclusion is what keeps it stable
