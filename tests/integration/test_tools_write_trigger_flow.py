"""Writes through the MCP tools on a table whose trigger is written as real ones are: SET
NOCOUNT ON, IF UPDATE(column), IF EXISTS (SELECT ... FROM inserted) with RAISERROR and
ROLLBACK, and an INSTEAD OF DELETE that only flags rows. Refused before they run unless
allow_uncounted_writes; with it, the trigger's rows go uncounted (NOCOUNT ON) and the
statement's own count is what max_affected_rows bounds (an INSTEAD OF trigger's
statement reports the rows it would have changed), through both drivers, as a batch and
as an RPC; the trigger's refusal reaches the caller and nothing stays."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import READER, sample_tds_server
from tds_test_server import ThreadedTdsServer

CAP = 3
SETUP = [
    "CREATE TABLE dbo.Prices (ID int NOT NULL PRIMARY KEY, Price int NOT NULL,"
    " Note nvarchar(20) NULL)",
    "CREATE TABLE dbo.PriceLog (ID int, OldPrice int, NewPrice int)",
    "CREATE TRIGGER dbo.PricesChecked ON dbo.Prices AFTER UPDATE AS\n"
    "BEGIN\n"
    "  SET NOCOUNT ON;\n"
    "  IF UPDATE(Price)\n"
    "    INSERT INTO dbo.PriceLog SELECT i.ID, d.Price, i.Price\n"
    "    FROM inserted AS i JOIN deleted AS d ON d.ID = i.ID;\n"
    "  IF EXISTS (SELECT 1 FROM inserted WHERE Price < 0)\n"
    "  BEGIN\n"
    "    RAISERROR(N'A price must not be negative.', 16, 1);\n"
    "    ROLLBACK TRANSACTION;\n"
    "    RETURN;\n"
    "  END\n"
    "END",
    "INSERT INTO dbo.Prices (ID, Price) VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
    # a soft delete: the DELETE reports the rows it would have removed
    "CREATE TABLE dbo.Stock (ID int NOT NULL PRIMARY KEY, Gone bit NOT NULL DEFAULT 0)",
    "CREATE TRIGGER dbo.StockKept ON dbo.Stock INSTEAD OF DELETE AS\n"
    "BEGIN\n"
    "  SET NOCOUNT ON;\n"
    "  UPDATE s SET Gone = 1 FROM dbo.Stock AS s JOIN deleted AS d ON d.ID = s.ID;\n"
    "END",
    "INSERT INTO dbo.Stock (ID) VALUES (1), (2), (3), (4)",
    # RAISERROR alone: SQL Server sends the error and keeps the row (no ROLLBACK)
    "CREATE TABLE dbo.Notes (ID int NOT NULL PRIMARY KEY, Body nvarchar(20) NOT NULL)",
    "CREATE TABLE dbo.NoteLog (ID int)",
    "CREATE TRIGGER dbo.NotesWarned ON dbo.Notes AFTER INSERT AS\n"
    "INSERT INTO dbo.NoteLog SELECT ID FROM inserted;\n"
    "IF EXISTS (SELECT 1 FROM inserted WHERE Body = N'')\n"
    "  RAISERROR(N'An empty note was kept.', 16, 1);",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def _client(make_azsql_server: Any, principal: str, allow: bool) -> Client[Any]:
    if principal == READER:
        pytest.skip("the reader may not write")
    security = {"read_only": False, "allow_uncounted_writes": allow}
    app = make_azsql_server(config={"security": security, "limits": {"max_affected_rows": CAP}})
    return Client(app)


@pytest.fixture
async def writer(make_azsql_server: Any, azsql_principal: str) -> AsyncIterator[Client[Any]]:
    async with await _client(make_azsql_server, azsql_principal, False) as client:
        yield client


@pytest.fixture
async def allowed(make_azsql_server: Any, azsql_principal: str) -> AsyncIterator[Client[Any]]:
    async with await _client(make_azsql_server, azsql_principal, True) as client:
        yield client


async def _scalar(client: Client[Any], query: str) -> Any:
    result = await client.call_tool("read_data", {"query": query})
    return result.structured_content["rows"][0][0]


async def _error(client: Client[Any], **args: Any) -> str:
    result = await client.call_tool("update_data", args, raise_on_error=False)
    assert result.is_error, result.content
    return str(result.content[0].text)


async def _state(client: Client[Any]) -> tuple[int, int]:
    return (
        await _scalar(client, "SELECT SUM(Price) FROM dbo.Prices"),
        await _scalar(client, "SELECT COUNT(*) FROM dbo.PriceLog"),
    )


async def test_refused_before_it_runs(writer: Client[Any]) -> None:
    before = await _state(writer)
    text = await _error(writer, sql="UPDATE dbo.Prices SET Note = N'x' WHERE ID = 1")
    assert "through trigger PricesChecked (AFTER UPDATE)" in text, text
    assert "allow_uncounted_writes = true" in text, text
    assert await _state(writer) == before


@pytest.mark.parametrize("params", [None, {"top": 2}], ids=["batch", "rpc"])
async def test_the_statements_own_count_is_what_the_cap_bounds(
    allowed: Client[Any], params: dict[str, Any] | None
) -> None:
    where = "ID <= @top" if params else "ID <= 2"
    price, logged = await _state(allowed)
    two = await allowed.call_tool(
        "update_data",
        {"sql": f"UPDATE dbo.Prices SET Price = Price + 10 WHERE {where}", "params": params},
    )
    # the two log rows the trigger wrote under SET NOCOUNT ON are in no count
    assert two.structured_content["rows_affected"] == 2
    assert await _state(allowed) == (price + 20, logged + 2)
    # IF UPDATE(Price) is FALSE for an UPDATE of Note alone: no log rows
    note = await allowed.call_tool(
        "update_data", {"sql": f"UPDATE dbo.Prices SET Note = N'n' WHERE {where}", "params": params}
    )
    assert note.structured_content["rows_affected"] == 2
    assert await _state(allowed) == (price + 20, logged + 2)
    text = await _error(allowed, sql="UPDATE dbo.Prices SET Price = Price + 100 WHERE ID > 0")
    assert "would change 4 rows" in text and "max_affected_rows = 3" in text, text
    await allowed.call_tool(
        "update_data",
        {"sql": f"UPDATE dbo.Prices SET Price = Price - 10 WHERE {where}", "params": params},
    )
    assert await _state(allowed) == (price, logged + 4)


@pytest.mark.parametrize("params", [None, {"id": 1}], ids=["batch", "rpc"])
async def test_the_triggers_refusal_reaches_the_caller_and_nothing_stays(
    allowed: Client[Any], params: dict[str, Any] | None
) -> None:
    before = await _state(allowed)
    where = "ID = @id" if params else "ID = 1"
    text = await _error(
        allowed, sql=f"UPDATE dbo.Prices SET Price = -1 WHERE {where}", params=params
    )
    assert "A price must not be negative." in text, text
    assert await _state(allowed) == before
    # and the session goes on
    done = await allowed.call_tool(
        "update_data", {"sql": "UPDATE dbo.Prices SET Note = N'after' WHERE ID = 1"}
    )
    assert done.structured_content["rows_affected"] == 1


@pytest.mark.parametrize("params", [None, {"top": 2}], ids=["batch", "rpc"])
async def test_an_instead_of_delete_counts_the_rows_it_replaced(
    writer: Client[Any], allowed: Client[Any], params: dict[str, Any] | None
) -> None:
    where = "ID <= @top" if params else "ID <= 2"
    gone = "SELECT SUM(CAST(Gone AS int)) FROM dbo.Stock"
    before = await _scalar(allowed, gone)
    text = await _error(writer, sql=f"DELETE FROM dbo.Stock WHERE {where}", params=params)
    assert "through trigger StockKept (INSTEAD OF DELETE)" in text, text
    text = await _error(allowed, sql="DELETE FROM dbo.Stock WHERE ID > 0")
    assert "would change 4 rows" in text, text
    assert await _scalar(allowed, gone) == before
    done = await allowed.call_tool(
        "update_data", {"sql": f"DELETE FROM dbo.Stock WHERE {where}", "params": params}
    )
    assert done.structured_content["rows_affected"] == 2
    assert await _scalar(allowed, "SELECT COUNT(*) FROM dbo.Stock") == 4
    assert await _scalar(allowed, gone) == 2


async def test_describe_table_says_a_trigger_runs_instead_of_the_delete(
    make_azsql_server: Any, azsql_principal: str
) -> None:
    """As the writer and the reader (who sees the trigger of a table it may read)."""
    async with Client(make_azsql_server()) as client:
        result = await client.call_tool("describe_table", {"table": "dbo.Stock"})
        triggers = result.structured_content["features"]["triggers"]
        assert [(t["name"], t["instead_of"], t["events"]) for t in triggers] == [
            ("StockKept", True, ["DELETE"])
        ], (azsql_principal, triggers)
        assert "TRIGGER StockKept INSTEAD OF DELETE" in result.content[0].text


@pytest.mark.parametrize("params", [None, {"id": 7}], ids=["batch", "rpc"])
async def test_an_error_a_trigger_only_raises_still_rolls_the_write_back(
    allowed: Client[Any], params: dict[str, Any] | None
) -> None:
    """SQL Server keeps the row when a trigger's RAISERROR has no ROLLBACK; azsql-mcp
    reports the error and rolls its transaction back, so nothing stays."""
    value = "@id" if params else "7"
    result = await allowed.call_tool(
        "insert_data",
        {"sql": f"INSERT INTO dbo.Notes VALUES ({value}, N'')", "params": params},
        raise_on_error=False,
    )
    assert result.is_error, result.content
    assert "An empty note was kept." in result.content[0].text, result.content
    assert await _scalar(allowed, "SELECT COUNT(*) FROM dbo.Notes") == 0
    assert await _scalar(allowed, "SELECT COUNT(*) FROM dbo.NoteLog") == 0
