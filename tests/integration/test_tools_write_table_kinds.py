"""Writes that name a column SQL Server fills itself (identity 544, computed 271,
rowversion 272/273, GENERATED ALWAYS 13536), a temporal history table (13561), an
append-only ledger table (37359), rows a BLOCK predicate refuses (33504) or OUTPUT on a
table with triggers (334) get SQL Server's error and what to write instead; as both
logins, through both drivers."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import READER, sample_tds_server
from tds_test_server import ThreadedTdsServer

SETUP = [
    "CREATE TABLE dbo.Lines (ID int IDENTITY(1,1) PRIMARY KEY, Qty int, Price money,"
    " Total AS Qty * Price, Version rowversion)",
    "INSERT INTO dbo.Lines (Qty, Price) VALUES (2, 5)",
    "CREATE TABLE dbo.Events (ID int, Note nvarchar(20)) WITH (LEDGER = ON (APPEND_ONLY = ON))",
    "INSERT INTO dbo.Events VALUES (1, 'opened')",
    "CREATE TABLE dbo.Prices (ID int NOT NULL PRIMARY KEY, Amount money,"
    " ValidFrom datetime2 GENERATED ALWAYS AS ROW START NOT NULL,"
    " ValidTo datetime2 GENERATED ALWAYS AS ROW END NOT NULL,"
    " PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo))"
    " WITH (SYSTEM_VERSIONING = ON (HISTORY_TABLE = dbo.PricesHistory))",
    "INSERT INTO dbo.Prices (ID, Amount) VALUES (1, 5)",
    "UPDATE dbo.Prices SET Amount = 6 WHERE ID = 1",
    "CREATE TABLE dbo.Stamped (ID int NOT NULL PRIMARY KEY, Qty int NOT NULL)",
    "CREATE TABLE dbo.Stamps (ID int)",
    "CREATE TRIGGER dbo.StampedStamps ON dbo.Stamped AFTER UPDATE AS\n"
    "INSERT INTO dbo.Stamps SELECT ID FROM inserted",
    "INSERT INTO dbo.Stamped VALUES (1, 1)",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


@pytest.fixture
async def writer(make_azsql_server, azsql_principal: str) -> AsyncIterator[Client[Any]]:
    if azsql_principal == READER:
        pytest.skip("the reader may not write")
    app = make_azsql_server(config={"security": {"read_only": False}})
    async with Client(app) as client:
        yield client


async def _error(client: Client[Any], tool: str, **args: Any) -> str:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert result.is_error, result.content
    return str(result.content[0].text)


async def test_an_identity_value_is_left_to_sql_server(writer: Client[Any]) -> None:
    sql = "INSERT INTO dbo.Lines (ID, Qty, Price) VALUES (7, 1, 1)"
    text = await _error(writer, "insert_data", sql=sql)
    assert "IDENTITY_INSERT is set to OFF" in text, text
    assert "Leave the identity column out of the column list" in text, text
    assert "OUTPUT inserted." in text, text


async def test_a_rowversion_column_is_left_to_sql_server(writer: Client[Any]) -> None:
    sql = "INSERT INTO dbo.Lines (Qty, Price, Version) VALUES (1, 1, 0x01)"
    text = await _error(writer, "insert_data", sql=sql)
    assert "Cannot insert an explicit value into a timestamp column" in text, text
    assert "Leave the rowversion column out of the column list" in text, text
    update = "UPDATE dbo.Lines SET Version = 0x01 WHERE ID = 1"
    text = await _error(writer, "update_data", sql=update)
    assert "Cannot update a timestamp column." in text, text
    assert "SQL Server changes it with every update of the row" in text, text


@pytest.mark.parametrize(
    ("tool", "sql"),
    [
        ("insert_data", "INSERT INTO dbo.Lines (Qty, Price, Total) VALUES (1, 1, 1)"),
        ("update_data", "UPDATE dbo.Lines SET Total = 3 WHERE ID = 1"),
    ],
)
async def test_a_computed_column_is_left_to_sql_server(
    writer: Client[Any], tool: str, sql: str
) -> None:
    text = await _error(writer, tool, sql=sql)
    assert 'The column "Total" cannot be modified because it is either a computed' in text
    assert "Leave the computed column out" in text, text
    assert "describe_table shows which columns" in text, text


@pytest.mark.parametrize(
    ("tool", "sql", "error", "advice"),
    [
        (
            "insert_data",
            "INSERT INTO dbo.Prices (ID, Amount, ValidFrom) VALUES (2, 1, '2020-01-01')",
            "Cannot insert an explicit value into a GENERATED ALWAYS column",  # 13536
            "Leave the GENERATED ALWAYS column out",
        ),
        (
            "update_data",
            "UPDATE dbo.PricesHistory SET Amount = 1 WHERE ID = 1",
            "Cannot update rows in a temporal history table",  # 13561
            "read the history through the current table with FOR SYSTEM_TIME ALL",
        ),
    ],
)
async def test_a_temporal_table_says_what_may_be_written(
    writer: Client[Any], tool: str, sql: str, error: str, advice: str
) -> None:
    """A system-versioned table fills its period columns and keeps its history table to
    itself; the test server refuses both writes as SQL Server does."""
    text = await _error(writer, tool, sql=sql)
    assert text.startswith(error), text
    assert advice in text, text


async def test_a_blocked_row_says_who_may_see_the_predicate(
    writer: Client[Any], tds_server: ThreadedTdsServer
) -> None:
    """The test server has no BLOCK predicates: SQL Server's error stands in (a fault).
    A db_datareader cannot see the predicate ("sys.security_predicates", Permissions)."""
    sql = "UPDATE dbo.LinesHistory SET Qty = 1 WHERE ID = 1"
    with tds_server.faulted("error:33504@query:1~LinesHistory"):
        text = await _error(writer, "update_data", sql=sql)
    assert "33504" in text, text
    assert (
        "sys.security_predicates (a read_data) shows its predicate, but only to a login"
        " with VIEW DEFINITION on the policy or ALTER ANY SECURITY POLICY"
    ) in text, text


async def test_output_on_a_table_with_a_trigger_is_told_to_leave_the_clause_out(
    make_azsql_server: Any, azsql_principal: str
) -> None:
    """SQL Server refuses OUTPUT without INTO on a table with an enabled trigger (334),
    which the write reaches with allow_uncounted_writes only."""
    if azsql_principal == READER:
        pytest.skip("the reader may not write")
    security = {"read_only": False, "allow_uncounted_writes": True}
    async with Client(make_azsql_server(config={"security": security})) as client:
        sql = "UPDATE dbo.Stamped SET Qty = 2 OUTPUT inserted.Qty WHERE ID = 1"
        text = await _error(client, "update_data", sql=sql)
        assert "cannot have any enabled triggers if the statement contains an OUTPUT" in text
        assert "Leave the OUTPUT clause out" in text, text
        done = await client.call_tool(
            "update_data", {"sql": "UPDATE dbo.Stamped SET Qty = 2 WHERE ID = 1"}
        )
        assert done.structured_content["rows_affected"] == 1


async def test_an_append_only_ledger_table_is_told_to_take_a_new_row(
    writer: Client[Any],
) -> None:
    sql = "UPDATE dbo.Events SET Note = 'closed' WHERE ID = 1"
    text = await _error(writer, "update_data", sql=sql)
    assert "Updates are not allowed for the append only Ledger table 'dbo.Events'." in text
    assert "record a correction as a new row" in text, text
    inserted = await writer.call_tool(
        "insert_data", {"sql": "INSERT INTO dbo.Events VALUES (1, 'closed')"}
    )
    assert not inserted.is_error
