"""Writes whose rows max_affected_rows cannot count: SQL Server leaves the rows a
cascading foreign key changes out of the statement's row count, so such a write is refused
before it runs unless the operator sets allow_uncounted_writes (db/write_effects.py). The
sample database's SalesOrderDetail cascades deletes from SalesOrderHeader."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import ThreadedTdsServer

CAP = 5
DETAIL_LINES = "SELECT COUNT(*) FROM SalesLT.SalesOrderDetail WHERE SalesOrderID = @id"
DELETE_ORDER = "DELETE FROM SalesLT.SalesOrderHeader WHERE SalesOrderID = @id"


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """A sample database for this module only: these tests change data."""
    with sample_tds_server(
        tds_password,
        [
            "CREATE TABLE dbo.Parent (id int NOT NULL PRIMARY KEY, note nvarchar(20) NULL)",
            "CREATE TABLE dbo.Child (id int NOT NULL PRIMARY KEY,"
            " parent int NULL REFERENCES dbo.Parent (id) ON UPDATE CASCADE)",
            "INSERT INTO dbo.Parent VALUES (1, N'a'), (2, N'b')",
            "INSERT INTO dbo.Child VALUES (10, 1), (11, 1)",
            # two cascading keys, on different columns of one table
            "CREATE TABLE dbo.Coded (id int NOT NULL PRIMARY KEY,"
            " code nvarchar(10) NOT NULL UNIQUE)",
            "CREATE TABLE dbo.ById (id int NOT NULL PRIMARY KEY,"
            " coded int NULL REFERENCES dbo.Coded (id) ON UPDATE CASCADE)",
            "CREATE TABLE dbo.ByCode (id int NOT NULL PRIMARY KEY,"
            " code nvarchar(10) NULL REFERENCES dbo.Coded (code) ON UPDATE CASCADE)",
            "INSERT INTO dbo.Coded VALUES (1, N'a')",
            "INSERT INTO dbo.ByCode VALUES (10, N'a'), (11, N'a'), (12, N'a')",
        ],
    ) as server:
        yield server


async def client_of(
    make_azsql_server: Any, limits: dict[str, Any] | None = None, **security: Any
) -> Client[Any]:
    app = make_azsql_server(
        config={
            "security": {"read_only": False, **security},
            "limits": {"max_affected_rows": CAP, **(limits or {})},
        }
    )
    return Client(app)


@pytest.fixture
async def writer(make_azsql_server: Any) -> AsyncIterator[Client[Any]]:
    async with await client_of(make_azsql_server) as client:
        yield client


async def scalar(client: Client[Any], query: str, **params: Any) -> Any:
    result = await client.call_tool("read_data", {"query": query, "params": params or None})
    return result.structured_content["rows"][0][0]


async def biggest_order(client: Client[Any]) -> tuple[int, int]:
    query = (
        "SELECT TOP (1) SalesOrderID, COUNT(*) AS n FROM SalesLT.SalesOrderDetail"
        " GROUP BY SalesOrderID ORDER BY COUNT(*) DESC, SalesOrderID"
    )
    result = await client.call_tool("read_data", {"query": query})
    order, lines = result.structured_content["rows"][0]
    assert lines > CAP
    return order, lines


async def test_a_delete_that_cascades_is_refused_before_it_runs(writer: Client[Any]) -> None:
    order, lines = await biggest_order(writer)
    result = await writer.call_tool(
        "update_data", {"sql": DELETE_ORDER, "params": {"id": order}}, raise_on_error=False
    )
    assert result.is_error
    text = result.content[0].text
    assert "[SalesLT].[SalesOrderDetail] (ON DELETE CASCADE)" in text
    assert "max_affected_rows cannot count" in text and "allow_uncounted_writes = true" in text
    assert "Nothing was run" in text
    assert await scalar(writer, DETAIL_LINES, id=order) == lines
    # in a batch, it is named by its number and nothing of the batch runs
    batch = await writer.call_tool(
        "execute_batch",
        {
            "statements": [
                "UPDATE dbo.Parent SET note = N'x' WHERE id = 2",
                f"DELETE FROM SalesLT.SalesOrderHeader WHERE SalesOrderID = {order}",
            ]
        },
        raise_on_error=False,
    )
    assert batch.is_error and "Statement 2 of 2" in batch.content[0].text
    assert await scalar(writer, "SELECT note FROM dbo.Parent WHERE id = 2") == "b"


async def test_an_update_cascades_only_through_the_key_it_sets(writer: Client[Any]) -> None:
    note = await writer.call_tool(
        "update_data", {"sql": "UPDATE dbo.Parent SET note = N'c' WHERE id = 1"}
    )
    assert note.structured_content["rows_affected"] == 1
    key = await writer.call_tool(
        "update_data",
        {"sql": "UPDATE p SET p.id = 3 FROM dbo.Parent AS p WHERE p.id = 1"},
        raise_on_error=False,
    )
    assert key.is_error and "[dbo].[Child] (ON UPDATE CASCADE)" in key.content[0].text
    # SQL Server matches the SET name to the column, under the database's collation
    cased = await writer.call_tool(
        "update_data", {"sql": "UPDATE dbo.Parent SET [ID] = 3 WHERE id = 1"}, raise_on_error=False
    )
    assert cased.is_error and "[dbo].[Child] (ON UPDATE CASCADE)" in cased.content[0].text
    # `Db..Parent` is dbo's Parent (no schema: the default one), not a schema Db's
    # Parent, which the catalog knows nothing of: the cascade went unseen and ran
    omitted = await writer.call_tool(
        "update_data",
        {"sql": "UPDATE AdventureWorksLT..Parent SET id = 3 WHERE id = 1"},
        raise_on_error=False,
    )
    assert omitted.is_error and "(ON UPDATE CASCADE)" in omitted.content[0].text, omitted
    assert await scalar(writer, "SELECT COUNT(*) FROM dbo.Child WHERE parent = 1") == 2
    assert await scalar(writer, "SELECT COUNT(*) FROM dbo.Child WHERE parent = 1") == 2
    # inserts cascade nothing
    inserted = await writer.call_tool(
        "insert_data", {"sql": "INSERT INTO dbo.Parent (id, note) VALUES (4, N'd')"}
    )
    assert inserted.structured_content["rows_affected"] == 1


async def test_a_row_cap_of_one_does_not_hide_a_cascade(make_azsql_server: Any) -> None:
    """The catalog's answer is read under the operator's row cap: a cascade it cut off
    had let the write through (the key on `id`, which this UPDATE does not set, came
    first)."""
    async with await client_of(make_azsql_server, {"max_rows": 1}) as client:
        result = await client.call_tool(
            "update_data",
            {"sql": "UPDATE dbo.Coded SET code = @code WHERE id = 1", "params": {"code": "b"}},
            raise_on_error=False,
        )
        assert result.is_error
        assert "[dbo].[ByCode] (ON UPDATE CASCADE)" in result.content[0].text
        assert await scalar(client, "SELECT COUNT(*) FROM dbo.ByCode WHERE code = N'a'") == 3


async def test_the_operator_can_allow_them(make_azsql_server: Any) -> None:
    async with await client_of(make_azsql_server, allow_uncounted_writes=True) as client:
        order, _ = await biggest_order(client)
        result = await client.call_tool(
            "update_data", {"sql": DELETE_ORDER, "params": {"id": order}}
        )
        # the count SQL Server gives is the header's alone
        assert result.structured_content["rows_affected"] == 1
        assert await scalar(client, DETAIL_LINES, id=order) == 0


async def test_a_table_the_write_only_reads_is_not_asked(writer: Client[Any]) -> None:
    """The header's cascade acts when the header changes, not when a subquery reads it."""
    line = await scalar(writer, "SELECT MIN(SalesOrderDetailID) FROM SalesLT.SalesOrderDetail")
    result = await writer.call_tool(
        "update_data",
        {
            "sql": "DELETE FROM SalesLT.SalesOrderDetail WHERE SalesOrderDetailID = @line"
            " AND SalesOrderID IN (SELECT SalesOrderID FROM SalesLT.SalesOrderHeader)",
            "params": {"line": line},
        },
    )
    assert result.structured_content["rows_affected"] == 1


async def test_a_table_of_another_opened_database_is_refused_in_doubt(
    make_azsql_server: Any,
) -> None:
    """OtherDb's keys and triggers are in OtherDb's catalog, which this source's check
    does not ask: OBJECT_ID finds the table there while sys.foreign_keys here knows
    nothing of it, so a cascade there would have been committed uncounted."""
    opened = ["OtherDb", "tempdb"]
    async with await client_of(make_azsql_server, allowed_databases=opened) as client:
        for sql in (
            "UPDATE OtherDb.dbo.Parent SET id = 3 WHERE id = 1",
            "DELETE FROM OtherDb.dbo.Parent WHERE id = 1",
            # through a CTE that reads it whole, the write changes it
            "WITH c AS (SELECT * FROM OtherDb.dbo.Parent) UPDATE c SET note = N'x' WHERE id = 1",
        ):
            result = await client.call_tool("update_data", {"sql": sql}, raise_on_error=False)
            text = result.content[0].text
            assert result.is_error and "[OtherDb].[dbo].[Parent]" in text, text
            assert "a table of the database OtherDb" in text and "allow_uncounted_writes" in text
        # a table of OtherDb that the write only reads is not what it changes
        result = await client.call_tool(
            "update_data",
            {"sql": "DELETE FROM dbo.Child WHERE parent IN (SELECT id FROM OtherDb.dbo.Parent)"},
            raise_on_error=False,
        )
        assert "a table of the database" not in result.content[0].text
        assert await scalar(client, "SELECT COUNT(*) FROM dbo.Child") == 2
        # a (global) temporary table has no trigger and no enforced foreign key
        result = await client.call_tool(
            "update_data",
            {"sql": "UPDATE tempdb..##g SET id = 2 WHERE id = 1"},
            raise_on_error=False,
        )
        assert "a table of the database" not in result.content[0].text
