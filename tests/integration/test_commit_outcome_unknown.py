"""A write whose COMMIT was sent and did not complete: Driver 18 applies the query
timeout to the COMMIT's round trip, so a COMMIT slower than `query_timeout_s` fails
although SQL Server may commit it. The client was told the statement "was cancelled on
the server" (and execute_batch that "nothing was written") while the row was there: an
agent would write it again. Now it is told the outcome is not known and to look first,
and the audit line says `outcome_unknown`. On the TDS test server, whose
`delay@commit` fault holds the COMMIT and then commits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from test_cancelled_while_committing import MARK, SETUP, audited, cancel_when, marks
from test_declared_tools import make_app

from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import ThreadedTdsServer

NOT_KNOWN = "whether SQL Server committed it is not known"
QUERY_TIMEOUT_S = 3


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


@pytest.fixture(autouse=True)
def no_faults(tds_server: ThreadedTdsServer) -> Iterator[None]:
    tds_server.clear_faults()
    yield
    tds_server.clear_faults()


def writer(azsql_config: dict[str, Any], audit: Path) -> Any:
    return make_app(
        azsql_config,
        tools={"mark": MARK},
        security={"read_only": False},
        # every statement of a test must finish within it, the delayed COMMIT not: on a
        # loaded machine an ordinary INSERT or read took longer than 1 s
        limits={"query_timeout_s": QUERY_TIMEOUT_S},
        audit={"path": str(audit)},
    )


@pytest.mark.parametrize(
    ("tool", "args", "rows"),
    [
        ("insert_data", {"sql": "INSERT INTO dbo.Marks (Note) VALUES (N'slow1')"}, 1),
        ("execute_batch", {"statements": ["INSERT INTO dbo.Marks (Note) VALUES (N'slow2')"]}, 1),
        ("mark", {"Note": "slow3"}, 2),
    ],
)
async def test_a_commit_that_times_out_is_reported_as_an_unknown_outcome(
    azsql_config: dict[str, Any],
    tds_server: ThreadedTdsServer,
    tmp_path: Path,
    tool: str,
    args: dict[str, Any],
    rows: int,
) -> None:
    audit = tmp_path / "audit.jsonl"
    note = str(args.get("Note") or ("slow1" if tool == "insert_data" else "slow2"))
    async with Client(writer(azsql_config, audit).mcp) as client:
        before = await marks(client, note)
        # twice the timeout: the driver's timer has long expired when the COMMIT ends
        with tds_server.faulted(f"delay:{2 * QUERY_TIMEOUT_S}@commit:1"):
            result = await client.call_tool(tool, args, raise_on_error=False)
            text = result.content[0].text  # type: ignore[union-attr]
            assert result.is_error
            said = f"did not answer within query_timeout_s = {QUERY_TIMEOUT_S} s"
            assert NOT_KNOWN in text and said in text, text
            assert "nothing was written" not in text and "cancelled on the server" not in text
            line = await audited(audit, tool)
            assert (line["outcome"], line["error_kind"]) == ("error", "outcome_unknown")
            async with asyncio.timeout(30):  # the test server commits once its delay is over
                while await marks(client, note) != before + rows:
                    await asyncio.sleep(0.05)
            # the connection whose COMMIT failed was not lent again: the next write works
            again = await client.call_tool(
                "insert_data", {"sql": f"INSERT INTO dbo.Marks (Note) VALUES (N'{note}')"}
            )
            assert again.structured_content == {
                "rows_affected": 1,
                "duration_ms": pytest.approx(0, abs=1e4),
                "output": None,
            }


@pytest.mark.parametrize("azsql_driver", ["freetds"], indirect=True)
async def test_freetds_waits_for_the_commit(
    azsql_config: dict[str, Any], tds_server: ThreadedTdsServer, tmp_path: Path
) -> None:
    """FreeTDS applies no query timeout to the COMMIT: the write succeeds, later."""
    async with Client(writer(azsql_config, tmp_path / "audit.jsonl").mcp) as client:
        before = await marks(client, "late")
        with tds_server.faulted(f"delay:{2 * QUERY_TIMEOUT_S}@commit:1"):
            statement = {"sql": "INSERT INTO dbo.Marks (Note) VALUES (N'late')"}
            result = await client.call_tool("insert_data", statement)
            assert result.structured_content["rows_affected"] == 1  # type: ignore[index]
            assert await marks(client, "late") == before + 1


async def test_a_writing_procedure_hit_by_a_transient_error_says_to_look_first(
    azsql_config: dict[str, Any], tds_server: ThreadedTdsServer, tmp_path: Path
) -> None:
    """Writes are never retried; a declared procedure that writes said nothing of
    whether its change took effect (insert_data and execute_batch did)."""
    async with Client(writer(azsql_config, tmp_path / "audit.jsonl").mcp) as client:
        await marks(client, "x")  # the source open
        # matched by the call's argument: the catalog read of the procedure's parameters
        # (by the first call, or the tool's resolution, perhaps still under way) names
        # uspMark too, and is retried past the error
        with tds_server.faulted("error:40501@query:1~transient"):
            result = await client.call_tool("mark", {"Note": "transient"}, raise_on_error=False)
            text = result.content[0].text  # type: ignore[union-attr]
            assert result.is_error
            assert "check whether the change took effect before running it again" in text


async def test_a_cancelled_write_whose_commit_fails_is_logged(
    azsql_config: dict[str, Any],
    tds_server: ThreadedTdsServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The call was cancelled (audited so); its COMMIT then timed out: it may be in."""
    app = make_app(azsql_config, security={"read_only": False}, limits={"query_timeout_s": 2})
    async with Client(app.mcp) as client:
        await marks(client, "x")  # the source open
        commits = tds_server.record.commits
        statement = {"sql": "INSERT INTO dbo.Marks (Note) VALUES (N'gone')"}
        with (
            tds_server.faulted("delay:3.5@commit:1"),
            caplog.at_level(logging.WARNING, logger="azsql_mcp"),
        ):
            call = asyncio.create_task(client.call_tool("insert_data", statement))
            await cancel_when(call, lambda: tds_server.record.commits > commits)
            for _ in range(200):
                if NOT_KNOWN in caplog.text:
                    break
                await asyncio.sleep(0.05)
        assert (
            "a write whose call was cancelled: the change was made, but its COMMIT" in caplog.text
        )
        assert NOT_KNOWN in caplog.text
