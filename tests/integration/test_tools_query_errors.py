"""read_data when SQL Server raises an error part way through a result: rows came, then
the error ([MS-TDS] rows, ERROR, DONE with its error bit)."""

from typing import Any

import pytest
from fastmcp import Client

# 847 customers each paired with all 847: the rows of customer 1 and 2 come before the
# value that fails at customer 3 (past the test server's first 1,000 rows)
PAIRS = (
    "SELECT a.CustomerID * 10000 + b.CustomerID AS id, {value} AS x"
    " FROM SalesLT.Customer a CROSS JOIN SalesLT.Customer b ORDER BY a.CustomerID, b.CustomerID"
)
PART_WAY = "The result failed part way: SQL Server sent at least "


@pytest.fixture
async def client(make_azsql_server) -> Any:
    async with Client(make_azsql_server(config={"limits": {"max_rows": 2000}})) as client:
        yield client


async def failed(client: Client[Any], query: str, **args: Any) -> str:
    result = await client.call_tool("read_data", {"query": query, **args}, raise_on_error=False)
    assert result.is_error, result.content
    return str(result.content[0].text)


@pytest.mark.parametrize(
    ("value", "number", "words"),
    [
        ("1 / (a.CustomerID - 3)", 8134, "Divide by zero error encountered."),
        (  # FreeTDS gives this one the ODBC state HY019, Driver 18 22003
            "CAST(a.CustomerID * 100 AS tinyint)",
            8115,
            "Arithmetic overflow error converting expression to data type tinyint.",
        ),
        (
            "CAST(CASE WHEN a.CustomerID >= 3 THEN 'abc' ELSE '1' END AS int)",
            245,
            "Conversion failed when converting the varchar value 'abc' to data type int.",
        ),
    ],
)
async def test_an_error_after_rows_says_they_came(client, azsql_principal, value, number, words):
    text = await failed(client, PAIRS.format(value=value), max_rows=2000)
    assert text.startswith(PART_WAY), text
    assert "no rows are returned" in text and "NULLIF(divisor, 0)" in text
    assert text.endswith(f"{words} (SQL Server error {number})"), text


async def test_a_page_cut_before_the_failing_row_is_whole_and_the_next_one_fails(
    client, azsql_principal
):
    query = PAIRS.format(value="1 / (a.CustomerID - 3)")
    result = await client.call_tool("read_data", {"query": query, "max_rows": 5})
    data = result.structured_content
    assert [row[0] for row in data["rows"]] == [10001, 10002, 10003, 10004, 10005]
    assert data["truncated_by"] == "rows" and data["next_cursor"]
    text = await failed(client, query, max_rows=2000, cursor=data["next_cursor"])
    assert text.startswith(PART_WAY) and text.endswith("(SQL Server error 8134)"), text
    assert " after the 5 row(s) of earlier pages (the cursor's offset) " in text


async def test_an_error_before_any_row_is_sql_servers_alone(client, azsql_principal):
    text = await failed(client, "SELECT CustomerID FROM SalesLT.Customer WHERE 1 / 0 = 1")
    assert text == "Divide by zero error encountered. (SQL Server error 8134)"


async def test_sql_servers_own_semicolon_stays_in_the_message(client, azsql_principal):
    """Only "; [SQLSTATE] " joins two diagnostic records: the "; " of one message stays."""
    text = await failed(client, "SELECT TOP 1 PERCENT * FROM SalesLT.Product ORDER BY ListPrice")
    assert text.endswith(
        "(a SQLite-backed test double, not SQL Server); list the columns instead."
        " (SQL Server error 40517)"
    ), text
