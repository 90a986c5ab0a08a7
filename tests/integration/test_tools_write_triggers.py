"""Writes on a table with an enabled DML trigger, through the MCP tools, against the test
server's real triggers: refused before they run unless allow_uncounted_writes (the rows
a trigger changes are not the statement's count); with it, a trigger's own row counts
count against max_affected_rows unless it runs SET NOCOUNT ON, and the statement's own
count bounds it through either driver (OUTPUT without INTO, 334, is in
test_tools_write_table_kinds.py); describe_table lists the triggers, to the writer and
to the reader (who sees a trigger of a table it may read). As both logins, through both
drivers."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import READER, sample_tds_server
from tds_test_server import ThreadedTdsServer

CAP = 3
SETUP = [
    "CREATE TABLE dbo.Items (ID int NOT NULL PRIMARY KEY, Qty int NOT NULL)",
    "CREATE TABLE dbo.ItemsAudit (ID int, OldQty int, NewQty int)",
    "CREATE TRIGGER dbo.ItemsAudited ON dbo.Items AFTER UPDATE, DELETE AS\n"
    "INSERT INTO dbo.ItemsAudit SELECT d.ID, d.Qty, i.Qty\n"
    "FROM deleted AS d LEFT JOIN inserted AS i ON i.ID = d.ID",
    "CREATE TABLE dbo.Quiet (ID int NOT NULL PRIMARY KEY, Qty int NOT NULL)",
    "CREATE TABLE dbo.QuietAudit (ID int, NewQty int)",
    "CREATE TRIGGER dbo.QuietAudited ON dbo.Quiet AFTER UPDATE AS\nBEGIN\n"
    "SET NOCOUNT ON;\nINSERT INTO dbo.QuietAudit SELECT ID, Qty FROM inserted;\nEND",
    # one log row a statement, however many rows it changed
    "CREATE TABLE dbo.Tally (ID int NOT NULL PRIMARY KEY, N int NOT NULL)",
    "CREATE TABLE dbo.TallyLog (At datetime2)",
    "CREATE TRIGGER dbo.Tallied ON dbo.Tally AFTER UPDATE AS\n"
    "INSERT INTO dbo.TallyLog VALUES (SYSDATETIME())",
    "INSERT INTO dbo.Tally VALUES (1, 0), (2, 0), (3, 0), (4, 0)",
    "INSERT INTO dbo.Items VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
    "INSERT INTO dbo.Quiet VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


def _writer(make_azsql_server: Any, principal: str, **security: Any) -> Client[Any]:
    if principal == READER:
        pytest.skip("the reader may not write")
    app = make_azsql_server(
        config={
            "security": {"read_only": False, **security},
            "limits": {"max_affected_rows": CAP},
        }
    )
    return Client(app)


@pytest.fixture
async def writer(make_azsql_server: Any, azsql_principal: str) -> AsyncIterator[Client[Any]]:
    async with _writer(make_azsql_server, azsql_principal) as client:
        yield client


@pytest.fixture
async def allowed(make_azsql_server: Any, azsql_principal: str) -> AsyncIterator[Client[Any]]:
    async with _writer(make_azsql_server, azsql_principal, allow_uncounted_writes=True) as client:
        yield client


async def _scalar(client: Client[Any], query: str) -> Any:
    result = await client.call_tool("read_data", {"query": query})
    return result.structured_content["rows"][0][0]


async def _error(client: Client[Any], tool: str, **args: Any) -> str:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert result.is_error, result.content
    return str(result.content[0].text)


async def test_a_write_a_trigger_acts_on_is_refused_before_it_runs(writer: Client[Any]) -> None:
    text = await _error(writer, "update_data", sql="UPDATE dbo.Items SET Qty = 9 WHERE ID = 1")
    assert "through trigger ItemsAudited (AFTER UPDATE)" in text, text
    assert "Nothing was run" in text and "allow_uncounted_writes = true" in text, text
    assert await _scalar(writer, "SELECT Qty FROM dbo.Items WHERE ID = 1") == 1
    # an INSERT fires no trigger of this table: it runs
    inserted = await writer.call_tool(
        "insert_data", {"sql": "INSERT INTO dbo.Items SELECT MAX(ID) + 1, 0 FROM dbo.Items"}
    )
    assert inserted.structured_content["rows_affected"] == 1


@pytest.mark.parametrize("params", [None, {"top": 2}], ids=["batch", "rpc"])
async def test_a_triggers_own_counts_count_against_the_cap(
    allowed: Client[Any], params: dict[str, Any] | None, azsql_driver: str
) -> None:
    """Two rows and the trigger's two audit rows: four, over the cap of three. FreeTDS
    hands on the last count alone, the statement's own: the trigger's go uncounted."""
    if azsql_driver == "freetds":
        pytest.skip("FreeTDS hands on no count but the statement's own (see below)")
    where = "ID <= @top" if params else "ID <= 2"
    before = await _scalar(allowed, "SELECT COUNT(*) FROM dbo.ItemsAudit")
    total = await _scalar(allowed, "SELECT SUM(Qty) FROM dbo.Items")
    text = await _error(
        allowed,
        "update_data",
        sql=f"UPDATE dbo.Items SET Qty = Qty + 10 WHERE {where}",
        params=params,
    )
    assert "would change 4 rows with what its triggers changed" in text, text
    assert await _scalar(allowed, "SELECT SUM(Qty) FROM dbo.Items") == total
    assert await _scalar(allowed, "SELECT COUNT(*) FROM dbo.ItemsAudit") == before
    # one row and its audit row pass, and the statement's own count is the answer
    one = await allowed.call_tool(
        "update_data", {"sql": "UPDATE dbo.Items SET Qty = 7 WHERE ID = 1"}
    )
    assert one.structured_content["rows_affected"] == 1
    assert await _scalar(allowed, "SELECT COUNT(*) FROM dbo.ItemsAudit") == before + 1


async def test_a_set_nocount_on_trigger_leaves_the_cap_its_statements_rows(
    allowed: Client[Any],
) -> None:
    """Its audit rows send no count: the cap sees the statement's three rows alone."""
    result = await allowed.call_tool(
        "update_data", {"sql": "UPDATE dbo.Quiet SET Qty = Qty + 1 WHERE ID <= 3"}
    )
    assert result.structured_content["rows_affected"] == 3
    assert await _scalar(allowed, "SELECT COUNT(*) FROM dbo.QuietAudit") >= 3


async def test_describe_table_lists_the_triggers(
    make_azsql_server: Any, azsql_principal: str
) -> None:
    """The reader (db_datareader) sees the trigger of a table it may read, as the writer
    does."""
    async with Client(make_azsql_server()) as client:
        result = await client.call_tool("describe_table", {"table": "dbo.Items"})
        features = result.structured_content["features"]
        assert [(t["name"], t["events"]) for t in features["triggers"]] == [
            ("ItemsAudited", ["UPDATE", "DELETE"])
        ], (azsql_principal, features)
        assert "TRIGGER ItemsAudited AFTER UPDATE, DELETE" in result.content[0].text


@pytest.mark.parametrize("params", [None, {"first": 1}], ids=["batch", "rpc"])
async def test_the_cap_bounds_the_statements_own_rows_through_either_driver(
    allowed: Client[Any], params: dict[str, Any] | None
) -> None:
    """Four rows, and a trigger that logs one row a statement. In a batch SQL Server
    sends the trigger's count (DONEINPROC) before the statement's (DONE), and FreeTDS
    hands on the DONEINPROC's alone: the count was 1, and four rows were committed under
    a cap of three."""
    where = "ID >= @first" if params else "ID >= 1"
    sql = f"UPDATE dbo.Tally SET N = N + 1 WHERE {where}"
    text = await _error(allowed, "update_data", sql=sql, params=params)
    assert "more than max_affected_rows = 3" in text, text
    assert await _scalar(allowed, "SELECT SUM(N) FROM dbo.Tally") == 0
    one = await allowed.call_tool(
        "update_data", {"sql": "UPDATE dbo.Tally SET N = 0 WHERE ID <= 2"}
    )
    assert one.structured_content["rows_affected"] == 2
