"""read_data and declared tools give datetime2(7), time(7) and datetimeoffset(7) values
to the last (100 ns) digit, in the text and in structured content, page after page, and
a value copied from a result into `WHERE col = '...'` finds its row. Other dates and
times come as before. Run as both logins, through both ODBC drivers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import ThreadedTdsServer

SETUP = [
    "CREATE TABLE dbo.Moments (ID int NOT NULL PRIMARY KEY, At datetime2(7) NULL,"
    " Clock time(7) NULL, Stamp datetimeoffset(7) NULL, Ms datetime2(3) NULL,"
    " Legacy datetime NULL, Small smalldatetime NULL)",
    "INSERT INTO dbo.Moments VALUES"
    " (1, '2024-01-02 03:04:05.1234567', '23:59:59.9999999',"
    " '2024-01-02 03:04:05.0000001 -08:00', '2024-01-02 03:04:05.123',"
    " '2024-01-02 03:04:05.997', '2024-01-02 03:04:29'),"
    " (2, '2024-01-02 03:04:05.1234560', '00:00:00', '2024-01-02 03:04:05 +05:30', NULL,"
    " NULL, NULL),"
    " (3, NULL, NULL, NULL, NULL, NULL, NULL)",
]
QUERY = "SELECT ID, At, Clock, Stamp, Ms, Legacy, Small FROM dbo.Moments ORDER BY ID"
ROWS = [
    [
        1,
        "2024-01-02T03:04:05.1234567",
        "23:59:59.9999999",
        "2024-01-02T03:04:05.0000001-08:00",
        "2024-01-02T03:04:05.123000",
        "2024-01-02T03:04:05.997000",
        "2024-01-02T03:04:00",
    ],
    # a seventh digit of 0: written as before, as Python's isoformat writes it
    [2, "2024-01-02T03:04:05.123456", "00:00:00", "2024-01-02T03:04:05+05:30"] + [None] * 3,
    [3] + [None] * 6,
]
TYPES = [
    "int",
    "datetime2(7)",
    "time(7)",
    "datetimeoffset(7)",
    "datetime2(3)",
    "datetime",
    "smalldatetime",
]  # fmt: skip  (the driver names datetime2(3), which ODBC describes as datetime)


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """A sample database of this module's own, with its table."""
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def call(client: Client[Any], tool: str, **args: Any) -> Any:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert not result.is_error, result.content
    return result


async def test_read_data_gives_every_digit(mcp_client: Client[Any], azsql_principal: str) -> None:
    result = await call(mcp_client, "read_data", query=QUERY)
    data = result.structured_content
    assert [c["sql_type"] for c in data["columns"]] == TYPES
    assert data["rows"] == ROWS
    text = result.content[0].text
    assert (
        "1 | 2024-01-02T03:04:05.1234567 | 23:59:59.9999999 | 2024-01-02T03:04:05.0000001-08:00"
        " | 2024-01-02T03:04:05.123000 | 2024-01-02T03:04:05.997000 | 2024-01-02T03:04:00"
    ) in text
    assert "3 | NULL | NULL | NULL | NULL | NULL | NULL" in text


async def test_pages_keep_every_digit(mcp_client: Client[Any], azsql_principal: str) -> None:
    rows: list[Any] = []
    cursor = None
    while True:
        args = {"query": QUERY, "max_rows": 1} | ({"cursor": cursor} if cursor else {})
        data = (await call(mcp_client, "read_data", **args)).structured_content
        rows += data["rows"]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert rows == ROWS


@pytest.mark.parametrize("column", ["At", "Clock", "Stamp"])
async def test_a_copied_value_finds_its_row(
    mcp_client: Client[Any], azsql_principal: str, column: str
) -> None:
    first = f"SELECT {column} FROM dbo.Moments WHERE ID = 1"
    ((copied,),) = (await call(mcp_client, "read_data", query=first)).structured_content["rows"]
    where = f"SELECT ID FROM dbo.Moments WHERE {column} = '{copied}'"
    data = (await call(mcp_client, "read_data", query=where)).structured_content
    assert data["rows"] == [[1]]
    bound = f"SELECT ID FROM dbo.Moments WHERE {column} = @value"
    data = await call(mcp_client, "read_data", query=bound, params={"value": copied})
    assert data.structured_content["rows"] == [[1]]


async def test_a_declared_tool_gives_every_digit(
    make_azsql_server: Any, azsql_principal: str
) -> None:
    tools = {"moments": {"description": "Moments", "statement": QUERY}}
    async with Client(make_azsql_server(config={"tools": tools})) as client:
        result = await call(client, "moments")
    assert result.structured_content["rows"] == ROWS
    assert "2024-01-02T03:04:05.0000001-08:00" in result.content[0].text
