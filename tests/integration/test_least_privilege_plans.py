"""explain_query and analyze_performance as a db_datareader user granted SHOWPLAN but
denied SELECT on a table and on a column, on SQL Server and on Azure SQL Database,
through both ODBC drivers.

"Showplan Security": a plan needs SHOWPLAN and "the appropriate permission to execute
the Transact-SQL statement itself", so the plan of a read the user may not run is error
229 (the table) or 230 (a column), which the answer turns into what to grant, as
read_data's does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pyodbc
import pytest
from fastmcp import Client

from azsql_mcp.testing.pytest_plugin import DRIVERS, READER, READER_USER, TEST_USER
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", [READER], indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

DENIED_TABLE = "SalesLT.Address"
CUSTOMER = "SalesLT.Customer"
DENIED_COLUMN = "EmailAddress"


@pytest.fixture(scope="module", params=["sql-server-2022", "azure-sql-database"])
def tds_server(request: pytest.FixtureRequest, tds_password: str) -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        sample=True,
        user=TEST_USER,
        password=tds_password,
        logins=[f"{READER_USER}:{tds_password}:SHOWPLAN"],
        edition=request.param,
    ) as server:
        odbc = server.odbc_connection_string(driver="freetds")
        with contextlib.closing(pyodbc.connect(odbc, autocommit=True)) as cnxn:
            cnxn.execute(f"DENY SELECT ON {DENIED_TABLE} TO [{READER_USER}]")
            cnxn.execute(f"DENY SELECT ON {CUSTOMER} ({DENIED_COLUMN}) TO [{READER_USER}]")
        yield server


@pytest.fixture(autouse=True)
def each_edition(tds_server: ThreadedTdsServer) -> None:
    """Every test on both editions: azsql_config asks for tds_server by name, which
    pytest parametrizes only when a test's own fixtures name it."""


async def explain(client: Client[Any], query: str) -> tuple[bool, str]:
    result = await client.call_tool("explain_query", {"query": query}, raise_on_error=False)
    return result.is_error, result.content[0].text  # type: ignore[union-attr]


async def test_a_readable_query_is_planned(mcp_client: Client[Any]) -> None:
    failed, text = await explain(mcp_client, f"SELECT CustomerID, LastName FROM {CUSTOMER}")
    assert not failed, text
    assert "Estimated cost" in text


async def test_the_plan_of_a_denied_table_says_what_to_grant(mcp_client: Client[Any]) -> None:
    failed, text = await explain(mcp_client, f"SELECT AddressID FROM {DENIED_TABLE}")
    assert failed
    assert "The SELECT permission was denied on the object 'Address'" in text
    assert f"GRANT SELECT ON OBJECT::[SalesLT].[Address] TO [{READER_USER}];" in text


async def test_the_plan_of_a_denied_column_names_the_readable_ones(
    mcp_client: Client[Any],
) -> None:
    failed, text = await explain(mcp_client, f"SELECT * FROM {CUSTOMER}")
    assert failed
    assert f"may not read the column {DENIED_COLUMN} of {CUSTOMER}" in text
    assert "Name only the columns it may read: CustomerID, NameStyle," in text
    assert f", {DENIED_COLUMN}," not in text
    assert f"GRANT SELECT ON OBJECT::[SalesLT].[Customer] ([{DENIED_COLUMN}])" in text


async def test_analyze_performance_says_what_to_grant_and_needs_no_plan(
    mcp_client: Client[Any],
) -> None:
    prompt = await mcp_client.get_prompt(
        "analyze_performance", {"query": f"SELECT AddressID FROM {DENIED_TABLE}"}
    )
    text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert f"GRANT SELECT ON OBJECT::[SalesLT].[Address] TO [{READER_USER}];" in text
    # explain_query would be refused the same plan: the prompt does not send the model there
    assert "Without the plan, work from the query and the tables" in text
    assert "explain_query checks a rewrite" not in text


async def test_the_plan_of_a_refused_dmv_says_what_to_grant(
    mcp_client: Client[Any], tds_server: ThreadedTdsServer
) -> None:
    """A DMV read without its state permission is refused (errors 300, 297), its plan
    too: explain_query and analyze_performance give the GRANT, as read_data does."""
    query = "SELECT count(*) AS n FROM sys.dm_db_partition_stats"
    if tds_server.edition.is_azure_sql_database:
        grant = f"GRANT VIEW DATABASE STATE TO [{READER_USER}];"
    else:
        grant = f"GRANT VIEW DATABASE PERFORMANCE STATE TO [{READER_USER}];"
    failed, text = await explain(mcp_client, query)
    assert failed and grant in text, text
    prompt = await mcp_client.get_prompt("analyze_performance", {"query": query})
    text = prompt.messages[0].content.text  # type: ignore[union-attr]
    assert grant in text and "explain_query checks a rewrite" not in text, text
