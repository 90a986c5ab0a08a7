"""The level FastMCP logs a failed call at: a caller's mistake is not a server error (the
audit line records every failure); a source that cannot serve is a warning."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.ports import reserved_port
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_principal", ["privileged"], indirect=True)


def failed_calls(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [
        (r.levelno, r.getMessage())
        for r in caplog.records
        if r.name.startswith("fastmcp") and r.getMessage().startswith("Error ")
    ]


async def test_a_callers_mistake_is_logged_at_info(
    mcp_client: Client[Any], caplog: pytest.LogCaptureFixture, azsql_principal: str
) -> None:
    with caplog.at_level(logging.INFO):
        for query in ("DELETE FROM SalesLT.Product", "SELECT * FROM nowhere", "SELECT 1/0 AS x"):
            result = await mcp_client.call_tool("read_data", {"query": query}, raise_on_error=False)
            assert result.is_error
        result = await mcp_client.call_tool(
            "describe_table", {"table": "no.such"}, raise_on_error=False
        )
        assert result.is_error
        with pytest.raises(Exception, match=r"no table, view, table function or synonym no\.such"):
            await mcp_client.read_resource("database://tables/no/such")
        with pytest.raises(Exception, match="No table, view, table function or synonym"):
            await mcp_client.get_prompt("sql_query_builder", {"table": "no.such"})
    logged = failed_calls(caplog)
    assert len(logged) == 6
    assert {level for level, _ in logged} == {logging.INFO}, logged
    # one line each, without a traceback, whichever handler writes it (here caplog's)
    assert "Traceback" not in caplog.text
    for record in caplog.records:
        if record.name.startswith("fastmcp"):
            assert not record.exc_info, record.getMessage()
    assert any(
        "no table, view, table function or synonym no.such" in message
        for _, message in failed_calls(caplog)
    )


async def test_a_missing_table_resource_is_one_log_line(
    mcp_client: Client[Any], caplog: pytest.LogCaptureFixture, azsql_principal: str
) -> None:
    """An expected "not found": the client's message is the log's one line, no traceback."""
    with (
        caplog.at_level(logging.DEBUG),
        pytest.raises(Exception, match=r"no table, view, table function or synonym S\.Nope"),
    ):
        await mcp_client.read_resource("database://tables/S/Nope")
    said = [r for r in caplog.records if "S.Nope" in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in said] == [(logging.INFO, None)]
    assert said[0].getMessage() == (
        "Error reading resource 'database://tables/S/Nope': no table, view, table function or"
        " synonym S.Nope in this database; list_tables (or the resource database://tables)"
        " lists the tables, views, synonyms and table functions"
    )
    assert "Traceback" not in caplog.text


async def test_a_source_that_cannot_serve_is_a_warning(
    mcp_client: Client[Any],
    tds_server: ThreadedTdsServer,
    caplog: pytest.LogCaptureFixture,
    azsql_principal: str,
) -> None:
    with (
        tds_server.faulted("error:40613@query"),  # transient, every time
        caplog.at_level(logging.INFO),
    ):
        result = await mcp_client.call_tool(
            "read_data", {"query": "SELECT 1 AS one"}, raise_on_error=False
        )
    assert result.is_error and "40613" in str(result.content)
    assert failed_calls(caplog) == [(logging.WARNING, "Error calling tool 'read_data'")]


async def test_calls_during_an_outage_are_info_the_outage_a_warning_once(
    make_azsql_server: Any, caplog: pytest.LogCaptureFixture, azsql_principal: str
) -> None:
    """The source says once that it went down; a warning per failed call would flood the
    log of a server under load for as long as the outage lasts."""
    with reserved_port() as port, caplog.at_level(logging.INFO):
        app = make_azsql_server(config={"sources": {"main": {"server": f"127.0.0.1,{port}"}}})
        async with Client(app) as client:
            for _ in range(3):
                result = await client.call_tool(
                    "read_data", {"query": "SELECT 1 AS one"}, raise_on_error=False
                )
                assert result.is_error and "database unavailable" in str(result.content)
    assert failed_calls(caplog) == [(logging.INFO, "Error calling tool 'read_data'")] * 3
    down = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert [r.levelno for r in down if r.name == "azsql_mcp.db.availability"] == [logging.WARNING]
