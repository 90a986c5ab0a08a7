"""What the agent receives from a schema at SQL Server's limits: a table too wide and
too constrained to describe whole is described in part, in the text and the structured
result alike, saying how many were left out and how to read them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp.catalog.description_fit import COLUMNS_SHOWN, ITEMS_SHOWN
from azsql_mcp.testing.pytest_plugin import sample_tds_server
from tds_test_server import ThreadedTdsServer

WIDE = 400  # columns past COLUMNS_SHOWN
CHECKS = 60  # CHECK constraints past ITEMS_SHOWN
SETUP = [
    "CREATE SCHEMA Big",
    "CREATE TABLE Big.Wide (id int NOT NULL PRIMARY KEY, "
    + ", ".join(f"c{i:04d} int NULL" for i in range(1, WIDE))
    + ", "
    + ", ".join(f"CONSTRAINT CK_{i:02d} CHECK (c0001 > {i})" for i in range(CHECKS))
    + ")",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def call(client: Client[Any], tool: str, **args: Any) -> Any:
    result = await client.call_tool(tool, args, raise_on_error=False)
    assert not result.is_error, result.content
    return result


async def test_a_wide_table_is_described_in_part(mcp_client):
    result = await call(mcp_client, "describe_table", table="Big.Wide")
    info = result.structured_content
    assert len(info["columns"]) == COLUMNS_SHOWN
    assert len(info["check_constraints"]) == ITEMS_SHOWN
    assert info["left_out"] == {
        "columns": WIDE - COLUMNS_SHOWN,
        "unique_constraints": 0,
        "foreign_keys": 0,
        "referenced_by": 0,
        "indexes": 0,
        "check_constraints": CHECKS - ITEMS_SHOWN,
    }
    text = result.content[0].text
    assert f"table Big.Wide ({WIDE} columns, ~0 rows)" in text
    assert text.count("\n  c0") == COLUMNS_SHOWN - 1  # and id
    assert f"... {WIDE - COLUMNS_SHOWN} more columns not shown: describe_table with columns" in text
    assert len(text) < 20_000 and len(json.dumps(info)) < 100_000
    # what the closing line says to run reads the CHECK constraints left out
    rest = (
        f"... {CHECKS - ITEMS_SHOWN} more CHECK constraints not shown: read_data with"
        " SELECT * FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID(@table)"
        ' and params {"table": "[Big].[Wide]"}'
    )
    assert rest in text
    rows = await call(
        mcp_client,
        "read_data",
        query="SELECT name FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID(@table)",
        params={"table": "[Big].[Wide]"},
        max_rows=100,
    )
    assert len(rows.structured_content["rows"]) == CHECKS


async def test_the_columns_argument_picks_columns_by_name(mcp_client):
    result = await call(mcp_client, "describe_table", table="Big.Wide", columns="c039%")
    info = result.structured_content
    assert [c["name"] for c in info["columns"]] == [f"c{i:04d}" for i in range(390, WIDE)]
    text = result.content[0].text
    assert text.startswith('only the columns named LIKE "c039%"\n')
    assert "table Big.Wide (10 columns, ~0 rows)" in text and "more columns not shown" not in text
    none = await call(mcp_client, "describe_table", table="Big.Wide", columns="nosuch%")
    assert none.structured_content["columns"] == []


async def test_the_query_builder_prompt_holds_the_part_describe_table_shows(mcp_client):
    prompt = await mcp_client.get_prompt("sql_query_builder", {"table": "Big.Wide"})
    text = prompt.messages[0].content.text
    assert f"... {WIDE - COLUMNS_SHOWN} more columns not shown" in text
    assert len(text) < 20_000
