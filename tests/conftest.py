"""Fixtures every test directory shares."""

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _root_log_level_restored() -> Iterator[None]:
    """A test that runs a command (`main([...])`) sets the root logger's level as the
    command does (CRITICAL for the listing ones): the tests after it would see no record
    below that level in `caplog`."""
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)
