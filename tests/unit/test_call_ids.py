"""One call's server log records and its audit line share its `call_id`; a record written
later by a task the call started does not carry it."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import hookimpl
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.core.settingtables import LoggingSettings
from azsql_mcp.serving.logsetup import setup_logging

log = logging.getLogger("inline_tools")
later = asyncio.Event()


async def noisy() -> str:
    """Log while running, and once more after the call."""
    log.warning("working on it")

    async def after() -> None:
        await later.wait()
        log.warning("long after the call")

    asyncio.get_running_loop().create_task(after())
    return "done"


async def broken() -> str:
    """Fail with a bug."""
    raise RuntimeError("a bug")


def plugin() -> types.ModuleType:
    module = types.ModuleType("inline_tools")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        register(noisy)
        register(broken)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """What the server writes on stderr, JSON records."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging(LoggingSettings(format="json"))
    written = io.StringIO()
    (handler,) = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)
    yield written
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


async def test_log_records_name_the_call_of_their_audit_line(
    json_logs: io.StringIO, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    config = {"plugins": {"enabled": []}, "audit": {"path": str(audit)}}
    app = build_app(settings_from_mapping(config), extra_plugins={"inline": plugin()})
    async with Client(app.mcp) as client:
        await client.call_tool("noisy", {})
        await client.call_tool("broken", {}, raise_on_error=False)
        later.set()
        await asyncio.sleep(0.05)
    records = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    noisy_call, broken_call = (
        json.loads(line)["call_id"] for line in audit.read_text().splitlines()
    )
    assert noisy_call != broken_call
    by_message = {r["message"]: r for r in records}
    assert by_message["working on it"]["call_id"] == noisy_call
    assert "call_id" not in by_message["long after the call"]
    failed = [r for r in records if r.get("call_id") == broken_call]
    assert failed and any("a bug" in r.get("exception", "") for r in failed)
