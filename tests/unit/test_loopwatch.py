"""The event-loop watchdog (serving/loopwatch.py): a plugin's async tool that blocks
(time.sleep) holds every client; the server cannot stop it, but says once per stall
which tool of which plugin it was, where, and for how long, and counts it. A call that
waits without blocking, or blocks for less than a second, is never named."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import build_server, hookimpl, metrics
from azsql_mcp.serving import loopwatch


async def blocks(seconds: float) -> str:
    """Sleep on the event loop (what a plugin must not do)."""
    time.sleep(seconds)
    return "done"


async def waits(seconds: float) -> str:
    """Sleep off the event loop."""
    await asyncio.sleep(seconds)
    return "done"


@hookimpl
def register_tools(register: Any) -> None:
    register(blocks)
    register(waits)


def blocker_server() -> Any:
    plugin = types.ModuleType("blocker_tools")
    plugin.register_tools = register_tools  # type: ignore[attr-defined]
    return build_server(
        {"plugins": {"enabled": ["builtin_auth"]}}, extra_plugins={"blocker": plugin}
    )


def stalls(plugin: str) -> float:
    value = metrics.REGISTRY.get_sample_value(
        "azsql_mcp_event_loop_stalls_total", {"plugin": plugin}
    )
    return value or 0.0


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == loopwatch.__name__ and r.levelno == logging.WARNING
    ]


async def test_a_tool_that_blocks_the_loop_is_named_once_with_how_long(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, loopwatch.__name__)
    before = stalls("blocker")
    async with Client(blocker_server()) as client:
        await client.call_tool("blocks", {"seconds": 2.2})
        await asyncio.sleep(2 * loopwatch.CHECK_S)  # the watchdog sees the loop run again
    (warning,) = warnings_of(caplog)
    assert warning.startswith("the event loop ran nothing for at least ")
    held = float(warning.split("at least ")[1].split(" s")[0])
    assert 1.9 <= held <= 2.4
    assert (
        f"tool 'blocks' of plugin 'blocker' (at {__file__}:"
        f"{blocks.__code__.co_firstlineno + 2} in blocks)" in warning
    )
    assert "run it in `await asyncio.to_thread(...)`" in warning
    assert stalls("blocker") == before + 1


async def test_a_call_that_waits_or_blocks_briefly_is_no_stall(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Starting, `initialize`, a call that awaits 1.5 s and calls that block the loop
    for half a second each, one after the other: nothing ran nothing for a second."""
    caplog.set_level(logging.WARNING, loopwatch.__name__)
    async with Client(blocker_server()) as client:
        await client.call_tool("waits", {"seconds": 1.5})
        for _ in range(3):
            await client.call_tool("blocks", {"seconds": 0.5})
        await asyncio.sleep(2 * loopwatch.CHECK_S)
    assert warnings_of(caplog) == []


async def test_a_stall_that_goes_on_is_reported_while_it_lasts(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loop held for good is never given back: the warning comes while it is held
    (before a liveness probe ends the process), still one, and its end is a line."""
    monkeypatch.setattr(loopwatch, "STILL_BLOCKED_S", 1.5)
    caplog.set_level(logging.INFO, loopwatch.__name__)
    async with Client(blocker_server()) as client:
        started = time.time()  # the clock of a log record's `created`
        await client.call_tool("blocks", {"seconds": 3.0})
        await asyncio.sleep(2 * loopwatch.CHECK_S)
    records = [r for r in caplog.records if r.name == loopwatch.__name__]
    warning, ended = records
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith("the event loop has run nothing for at least 1.")
    assert "tool 'blocks' of plugin 'blocker'" in warning.getMessage()
    assert warning.created - started < 2.9  # logged while the tool still blocked
    assert ended.levelno == logging.INFO
    assert ended.getMessage().startswith("the event loop runs again, after ")


async def test_a_stall_outside_any_tool_says_where_it_was(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, loopwatch.__name__)
    plugins = types.SimpleNamespace(tools={}, resources={}, prompts={})
    with loopwatch.watching(plugins):  # type: ignore[arg-type]
        await asyncio.sleep(0)
        line = sys._getframe().f_lineno + 1
        time.sleep(1.6)
        await asyncio.sleep(2 * loopwatch.CHECK_S)
    (warning,) = warnings_of(caplog)
    assert (
        "(0 call(s) in flight): no plugin tool, resource or prompt on the stack (at"
        f" {__file__}:{line} in test_a_stall_outside_any_tool_says_where_it_was)" in warning
    )


def logged(fn: Any) -> Any:
    """A plugin's decorator: one wrapper's code runs around each tool it decorates."""

    @functools.wraps(fn)
    async def wrapper(**kwargs: Any) -> Any:
        return await fn(**kwargs)

    return wrapper


@logged
async def first(seconds: float) -> str:
    time.sleep(seconds)
    return "first"


@logged
async def second() -> str:
    return "second"


async def test_a_decorated_tool_is_named_by_its_own_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The decorator's wrapper is on the stack of every tool it decorates: the tool is
    found by the function the wrapper wraps."""
    caplog.set_level(logging.WARNING, loopwatch.__name__)
    spec = types.SimpleNamespace
    tools = {
        n: spec(name=n, plugin="deco", fn=f) for n, f in [("first", first), ("second", second)]
    }
    plugins = spec(tools=tools, resources={}, prompts={})
    with loopwatch.watching(plugins):  # type: ignore[arg-type]
        await asyncio.sleep(0)
        await first(seconds=1.6)
        await asyncio.sleep(2 * loopwatch.CHECK_S)
    (warning,) = warnings_of(caplog)
    inner = first.__wrapped__.__code__  # type: ignore[attr-defined]
    assert (
        f"tool 'first' of plugin 'deco' (at {__file__}:{inner.co_firstlineno + 2} in first)"
        in warning
    )


async def test_a_first_import_is_no_stall(caplog: pytest.LogCaptureFixture, site: Path) -> None:
    """What a module does on import runs once per process, at first use, where plugins
    are told to import their heavy libraries: said at INFO, neither warned of nor
    counted."""
    (site / "fake_slow_import.py").write_text("import time\ntime.sleep(1.6)\n")
    caplog.set_level(logging.INFO, loopwatch.__name__)
    plugins = types.SimpleNamespace(tools={}, resources={}, prompts={})
    with loopwatch.watching(plugins):  # type: ignore[arg-type]
        await asyncio.sleep(0)
        line = sys._getframe().f_lineno + 1
        import fake_slow_import  # noqa: F401

        await asyncio.sleep(2 * loopwatch.CHECK_S)
    (record,) = [r for r in caplog.records if r.name == loopwatch.__name__]
    assert record.levelno == logging.INFO
    assert record.getMessage().endswith(
        f"while a module was imported (by {__file__}:{line} in"
        " test_a_first_import_is_no_stall): a first use, not counted as a stall"
    )


HELD = """
    import asyncio, logging, sys, types
    from azsql_mcp.serving.loopwatch import watching

    logging.basicConfig(level=logging.INFO)

    async def main():
        plugins = types.SimpleNamespace(tools={}, resources={}, prompts={})
        with watching(plugins):
            print("watching", flush=True)
            await asyncio.sleep(5.5)
        print("done", flush=True)

    asyncio.run(main())
"""


def test_a_process_held_as_a_whole_is_no_stall() -> None:
    """SIGSTOP (a frozen container, a suspended machine) holds the watchdog as well as
    the loop: the loop did nothing wrong, and nothing is said."""
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HELD)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "watching\n"
        for _ in range(3):  # whichever thread runs first once let go
            time.sleep(0.3)
            proc.send_signal(signal.SIGSTOP)
            time.sleep(1.4)
            proc.send_signal(signal.SIGCONT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert out == "done\n"
    assert "event loop" not in err
