"""Fixtures for the auto-healing handler tests (tests/lambda).

``world`` is a fresh moto account per test, built by :class:`auto_heal_world.World`; see that
module for the hook layer over moto and the sample-event helpers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from auto_heal_world import REGION, AwsHooks, CachedSession, World
from moto import mock_aws

from lambda_src.auto_heal import handler as handler_module


@pytest.fixture(scope="session")
def hooked_session() -> tuple[CachedSession, AwsHooks]:
    """One boto3 session with the hook layer for all these tests (its clients are reused)."""
    session = boto3.session.Session(region_name=REGION)
    hooks = AwsHooks()
    hooks.install(session)
    return CachedSession(session), hooks


@pytest.fixture(scope="module")
def emulator(hooked_session) -> Iterator[tuple[object, CachedSession, AwsHooks]]:
    """moto, started once per test module (stopped at its end, so other modules are unaffected).

    moto loads ~5,000 public AMIs into every EC2 backend it creates (0.6 s per reset); these tests
    launch from an image id of their own, so that catalogue is switched off while they run.
    """
    saved = os.environ.get("MOTO_EC2_LOAD_DEFAULT_AMIS")
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
    mock = mock_aws()
    mock.start()
    try:
        yield (mock, *hooked_session)
    finally:
        mock.stop()
        if saved is None:
            os.environ.pop("MOTO_EC2_LOAD_DEFAULT_AMIS", None)
        else:
            os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = saved


@pytest.fixture
def world(emulator) -> Iterator[World]:
    """A fresh emulated account (moto reset) with the resources healing touches."""
    mock, session, hooks = emulator
    mock.reset()
    hooks.reset()
    handler_module._runtime = None
    try:
        yield World(session=session, hooks=hooks).build()
    finally:
        handler_module._runtime = None
