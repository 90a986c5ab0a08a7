"""Declared procedures with `writes = true` and `[limits] max_affected_rows`, through an
MCP client on the TDS test server, with both ODBC drivers."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from test_declared_tools import make_app

from azsql_mcp.testing.pytest_plugin import DRIVERS, FREETDS, MSODBC, sample_tds_server
from tds_test_server import ThreadedTdsServer

MAX_AFFECTED = 3
RECOLOUR = """CREATE PROCEDURE [SalesLT].[{name}]
    @Color nvarchar(15),
    @FirstID int,
    @LastID int
AS
BEGIN
    {nocount}
    UPDATE [SalesLT].[Product] SET [Color] = @Color
    WHERE [ProductID] BETWEEN @FirstID AND @LastID;
    SELECT COUNT(*) AS [Products] FROM [SalesLT].[Product] WHERE [Color] = @Color;
END"""
# the same UPDATE as dynamic SQL: sp_executesql's statements are a procedure's too
RECOLOUR_DYNAMIC = """CREATE PROCEDURE [SalesLT].[uspRecolourDynamic]
    @Color nvarchar(15),
    @FirstID int,
    @LastID int
AS
BEGIN
    EXEC sp_executesql
        N'UPDATE [SalesLT].[Product] SET [Color] = @c WHERE [ProductID] BETWEEN @f AND @l',
        N'@c nvarchar(15), @f int, @l int', @Color, @FirstID, @LastID;
    SELECT COUNT(*) AS [Products] FROM [SalesLT].[Product] WHERE [Color] = @Color;
END"""
COUNT_PRODUCTS = """CREATE PROCEDURE [SalesLT].[uspCountProducts]
AS
SELECT COUNT(*) AS [Products] FROM [SalesLT].[Product]"""
PARAMETERS = {
    "Color": {"type": "string", "max_length": 15},
    "FirstID": {"type": "integer"},
    "LastID": {"type": "integer"},
}
TOOLS = {
    "recolour": {
        "procedure": "SalesLT.uspRecolour",
        "description": "Recolour a range of products",
        "writes": True,
        "parameters": PARAMETERS,
    },
    "recolour_dynamic": {
        "procedure": "SalesLT.uspRecolourDynamic",
        "description": "Recolour a range of products through sp_executesql",
        "writes": True,
        "parameters": PARAMETERS,
    },
    "recolour_quietly": {
        "procedure": "SalesLT.uspRecolourQuietly",
        "description": "Recolour a range of products, under SET NOCOUNT ON",
        "writes": True,
        "parameters": PARAMETERS,
    },
}
SETUP = [
    RECOLOUR.format(name="uspRecolour", nocount=""),
    RECOLOUR.format(name="uspRecolourQuietly", nocount="SET NOCOUNT ON;"),
    RECOLOUR_DYNAMIC,
    COUNT_PRODUCTS,
]
pytestmark = pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True)


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """A sample database for this module only, with the two writing procedures."""
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


@pytest.fixture
async def client(azsql_config: dict[str, Any]) -> AsyncIterator[Client[Any]]:
    app = make_app(
        azsql_config,
        tools=TOOLS,
        security={"read_only": False},
        limits={"max_affected_rows": MAX_AFFECTED},
    )
    async with Client(app.mcp) as connected:
        yield connected


async def colours(client: Client[Any], ids: list[int]) -> list[str | None]:
    query = (
        "SELECT Color FROM SalesLT.Product"
        f" WHERE ProductID BETWEEN {ids[0]} AND {ids[-1]} ORDER BY ProductID"
    )
    result = await client.call_tool("read_data", {"query": query})
    return [row[0] for row in result.structured_content["rows"]]


async def product_ids(client: Client[Any]) -> list[int]:
    query = "SELECT TOP (12) ProductID FROM SalesLT.Product ORDER BY ProductID"
    listed = await client.call_tool("read_data", {"query": query})
    return [row[0] for row in listed.structured_content["rows"]]


async def test_a_writing_procedure_commits_within_max_affected_rows(
    client: Client[Any], azsql_driver: str
) -> None:
    ids = await product_ids(client)
    colour = f"Ok{azsql_driver}"
    args = {"Color": colour, "FirstID": ids[0], "LastID": ids[1]}
    done = await client.call_tool("recolour", args)
    counted = 2 if azsql_driver == MSODBC else None  # FreeTDS passes no counts on
    assert done.structured_content["rows_affected"] == counted
    if counted is None:
        assert "Committed. How many rows changed is not known" in done.content[0].text
    else:
        assert "Committed: 2 row(s) changed." in done.content[0].text
    assert done.structured_content["result_sets"][0]["rows"] == [[2]]
    assert await colours(client, ids[:2]) == [colour, colour]


async def test_a_writing_procedure_over_max_affected_rows_is_rolled_back(
    client: Client[Any], azsql_driver: str, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await product_ids(client)
    before = await colours(client, ids)
    many = {"Color": f"Many{azsql_driver}", "FirstID": ids[0], "LastID": ids[-1]}
    with caplog.at_level(logging.WARNING, logger="azsql_mcp"):
        result = await client.call_tool("recolour", many, raise_on_error=False)
    if azsql_driver == MSODBC:
        assert result.is_error
        text = result.content[0].text
        assert f"the procedure changed {len(ids)} rows" in text
        assert f"more than max_affected_rows = {MAX_AFFECTED}" in text
        assert "rolled back" in text
        assert await colours(client, ids) == before  # nothing committed
        assert "reported no row counts" not in caplog.text
    else:
        # FreeTDS passes no counts of a procedure's statements on: the cap cannot see
        # them (docs/security.md), the call commits and the server log says why.
        assert not result.is_error
        assert await colours(client, ids) == [many["Color"]] * len(ids)
        assert "procedure SalesLT.uspRecolour (writes = true) reported no row counts" in (
            caplog.text
        )
        assert "FreeTDS" in caplog.text


async def test_the_cap_counts_what_a_procedures_sp_executesql_changed(
    client: Client[Any], azsql_driver: str
) -> None:
    ids = await product_ids(client)
    before = await colours(client, ids)
    many = {"Color": f"Dyn{azsql_driver}", "FirstID": ids[0], "LastID": ids[-1]}
    result = await client.call_tool("recolour_dynamic", many, raise_on_error=False)
    if azsql_driver == FREETDS:  # no counts of a procedure's statements (as above)
        assert not result.is_error, result.content
        assert await colours(client, ids) == [many["Color"]] * len(ids)
        return
    assert result.is_error, result.content
    assert f"the procedure changed {len(ids)} rows" in result.content[0].text
    assert await colours(client, ids) == before
    two = {"Color": f"Dyn2{azsql_driver}", "FirstID": ids[0], "LastID": ids[1]}
    done = await client.call_tool("recolour_dynamic", two)
    assert done.structured_content["rows_affected"] == 2
    assert done.structured_content["result_sets"][0]["rows"] == [[2]]


async def test_a_procedure_under_nocount_on_escapes_the_cap_with_one_warning(
    client: Client[Any], azsql_driver: str, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await product_ids(client)
    many = {"Color": f"Quiet{azsql_driver}", "FirstID": ids[0], "LastID": ids[-1]}
    with caplog.at_level(logging.WARNING, logger="azsql_mcp"):
        for _ in range(2):
            assert not (await client.call_tool("recolour_quietly", many)).is_error
    assert await colours(client, ids) == [many["Color"]] * len(ids)
    warnings = [r.getMessage() for r in caplog.records if "reported no row counts" in r.message]
    assert len(warnings) == 1, warnings  # once per procedure
    assert "SalesLT.uspRecolourQuietly" in warnings[0]
    assert f"max_affected_rows = {MAX_AFFECTED}" in warnings[0]
    assert ("FreeTDS" if azsql_driver == FREETDS else "SET NOCOUNT ON") in warnings[0]


async def test_a_procedure_call_leaves_its_pooled_session_reporting_row_counts(
    azsql_config: dict[str, Any],
) -> None:
    """A call without arguments is a plain batch, whose SET options outlive it on the
    session: the next write on the same connection must still see its row count."""
    config = copy.deepcopy(azsql_config)
    config["sources"]["main"]["pool_size"] = 1
    count = {"procedure": "SalesLT.uspCountProducts", "description": "How many products"}
    app = make_app(config, tools={"count_products": count}, security={"read_only": False})
    async with Client(app.mcp) as client:
        ids = await product_ids(client)
        counted = await client.call_tool("count_products", {})
        assert counted.structured_content["result_sets"][0]["rows"][0][0] > 0
        update = f"UPDATE SalesLT.Product SET Color = N'Counted' WHERE ProductID = {ids[0]}"
        done = await client.call_tool("update_data", {"sql": update})
        assert done.structured_content["rows_affected"] == 1


async def test_the_audit_line_has_the_rows_a_writing_procedure_changed(
    azsql_config: dict[str, Any], azsql_driver: str, tmp_path: Path
) -> None:
    """Its `rows` had been the rows of its result sets (0 here): what it changed is
    what a write's audit line counts; null when no count came. Over the cap, the call is
    `refused`, as a write the guard refuses is."""
    audit = tmp_path / "audit.jsonl"
    app = make_app(
        azsql_config,
        tools=TOOLS,
        security={"read_only": False},
        limits={"max_affected_rows": MAX_AFFECTED},
        audit={"path": str(audit)},
    )
    async with Client(app.mcp) as client:
        ids = await product_ids(client)
        few = {"Color": f"Audit{azsql_driver}", "FirstID": ids[0], "LastID": ids[1]}
        quiet = await client.call_tool("recolour_quietly", few)
        assert "How many rows changed is not known" in quiet.content[0].text
        await client.call_tool("recolour", few)
        many = few | {"LastID": ids[-1]}
        await client.call_tool("recolour", many, raise_on_error=False)
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    calls = [(x["tool"], x["rows"], x["outcome"]) for x in lines if x.get("tool") != "read_data"]
    if azsql_driver == MSODBC:
        expected = [("recolour_quietly", None, "ok"), ("recolour", 2, "ok")]
        assert calls == [*expected, ("recolour", None, "refused")]
    else:  # no counts: committed, and nothing to count
        assert calls == [("recolour_quietly", None, "ok"), *[("recolour", None, "ok")] * 2]
