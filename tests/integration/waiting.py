"""Waiting in an integration test for a state the server reaches on its own (a pool
gauge, a readiness, a statement the test server saw): polled on the event loop, bounded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(check: Callable[[], bool], timeout_s: float = 10, what: str = "") -> None:
    """Returns once `check()` is true; fails the test after `timeout_s`, naming `what`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:g} s: {what or 'the condition'}")
        await asyncio.sleep(0.02)
