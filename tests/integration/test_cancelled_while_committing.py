"""A write whose caller cancels while its COMMIT is on the wire: the call had been
reported "cancelled" (the work was not waited for) although the row was committed.
Now the server waits for the work's own end and the audit line says `committed` with
the rows; a write the cancel stopped before its COMMIT stays `cancelled`. Through an
MCP client (FastMCP cancels the call's anyio scope) on the TDS test server, whose
`delay@commit` fault stretches the COMMIT's round trip."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from test_declared_tools import make_app

from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import ThreadedTdsServer

SETUP = [
    "CREATE TABLE dbo.Marks (ID int IDENTITY(1,1) PRIMARY KEY, Note nvarchar(20))",
    """CREATE PROCEDURE dbo.uspMark @Note nvarchar(20)
AS
BEGIN
    INSERT INTO dbo.Marks (Note) VALUES (@Note);
    INSERT INTO dbo.Marks (Note) VALUES (@Note);
END""",
]
MARK = {
    "procedure": "dbo.uspMark",
    "description": "Two marks",
    "writes": True,
    "parameters": {"Note": {"type": "string", "max_length": 20}},
}


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


@pytest.fixture
def audit(tmp_path: Path) -> Path:
    return tmp_path / "audit.jsonl"


@pytest.fixture
async def client(
    azsql_config: dict[str, Any], audit: Path, tds_server: ThreadedTdsServer
) -> AsyncIterator[Client[Any]]:
    tds_server.clear_faults()
    app = make_app(
        azsql_config,
        tools={"mark": MARK},
        security={"read_only": False},
        audit={"path": str(audit)},
    )
    async with Client(app.mcp) as connected:
        await connected.call_tool("read_data", {"query": "SELECT 1 AS one"})  # source open
        yield connected
    tds_server.clear_faults()


async def marks(client: Client[Any], note: str) -> int:
    query = f"SELECT COUNT(*) FROM dbo.Marks WHERE Note = N'{note}'"
    return int(
        (await client.call_tool("read_data", {"query": query})).structured_content["rows"][0][0]
    )


async def audited(audit: Path, tool: str) -> dict[str, Any]:
    """The call's audit line: written once the server is done with the call."""
    for _ in range(300):
        lines = [json.loads(line) for line in audit.read_text().splitlines()]
        found = [line for line in lines if line.get("tool") == tool]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no audit line for {tool}")


async def cancel_when(call: asyncio.Task[Any], ready: Callable[[], bool]) -> None:
    for _ in range(600):
        if ready():
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the write never got that far")
    call.cancel()  # the client sends notifications/cancelled
    with pytest.raises(asyncio.CancelledError):
        await call


@pytest.mark.parametrize(
    ("tool", "args", "rows"),
    [
        ("insert_data", {"sql": "INSERT INTO dbo.Marks (Note) VALUES (N'one')"}, 1),
        (
            "execute_batch",
            {
                "statements": [
                    "INSERT INTO dbo.Marks (Note) VALUES (N'batch')",
                    "INSERT INTO dbo.Marks (Note) VALUES (N'batch')",
                ]
            },
            2,
        ),
        ("mark", {"Note": "proc"}, 2),
    ],
)
async def test_a_call_cancelled_while_its_write_commits_is_audited_as_committed(
    client: Client[Any],
    audit: Path,
    tds_server: ThreadedTdsServer,
    caplog: pytest.LogCaptureFixture,
    tool: str,
    args: dict[str, Any],
    rows: int,
) -> None:
    note = {"insert_data": "one", "execute_batch": "batch", "mark": "proc"}[tool]
    before = await marks(client, note)
    commits = tds_server.record.commits
    with (
        tds_server.faulted("delay:1.5@commit:1"),
        caplog.at_level(logging.WARNING, logger="azsql_mcp"),
    ):
        call = asyncio.create_task(client.call_tool(tool, args))
        await cancel_when(call, lambda: tds_server.record.commits > commits)
        line = await audited(audit, tool)
    assert line["outcome"] == "committed"
    assert line["rows"] == rows
    assert f"had committed: {rows} row(s) changed" in caplog.text
    assert await marks(client, note) == before + rows


async def test_a_write_cancelled_before_its_commit_is_rolled_back_and_audited_cancelled(
    client: Client[Any], audit: Path, tds_server: ThreadedTdsServer
) -> None:
    before = await marks(client, "stopped")
    # two, as test_progress_cancel.py does: a health probe may take the first
    with tds_server.faulted("delay:30@query:2"):
        statement = {"sql": "INSERT INTO dbo.Marks (Note) VALUES (N'stopped')"}
        call = asyncio.create_task(client.call_tool("insert_data", statement))
        await cancel_when(call, lambda: [f.count for f in tds_server.faults.faults] != [2])
        line = await audited(audit, "insert_data")
    assert line["outcome"] == "cancelled"
    assert line["rows"] is None
    assert await marks(client, "stopped") == before


async def test_the_wait_for_a_cancelled_write_is_bounded_and_a_late_commit_logged(
    azsql_config: dict[str, Any],
    audit: Path,
    tds_server: ThreadedTdsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Waited for at most 5 s (query_timeout_s if less; past that the driver gives up
    on the COMMIT itself): a COMMIT that takes longer leaves the call `cancelled`, with
    a warning, and a second one once it has committed."""
    app = make_app(
        azsql_config,
        security={"read_only": False},
        limits={"query_timeout_s": 10},
        audit={"path": str(audit)},
    )
    async with Client(app.mcp) as client:
        before = await marks(client, "late")
        commits = tds_server.record.commits
        statement = {"sql": "INSERT INTO dbo.Marks (Note) VALUES (N'late')"}
        with (
            tds_server.faulted("delay:6.5@commit:1"),
            caplog.at_level(logging.WARNING, logger="azsql_mcp"),
        ):
            call = asyncio.create_task(client.call_tool("insert_data", statement))
            await cancel_when(call, lambda: tds_server.record.commits > commits)
            line = await audited(audit, "insert_data")
            assert line["outcome"] == "cancelled"
            assert "a cancelled write did not end within 5 s" in caplog.text
            for _ in range(200):
                if "had committed: 1 row(s) changed" in caplog.text:
                    break
                await asyncio.sleep(0.05)
        assert "had committed: 1 row(s) changed" in caplog.text
        assert await marks(client, "late") == before + 1
