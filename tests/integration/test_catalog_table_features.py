"""describe_table and list_tables on the schema features that change what a query sees:
a system-versioned temporal table and its history table, HIDDEN and GENERATED ALWAYS
period columns, SPARSE columns with a column set, Dynamic Data Masking and row-level
security, through the tools as the privileged login and as the db_datareader without VIEW
DEFINITION, with Microsoft's ODBC Driver 18 and FreeTDS and the TDS test server (which
records these options in its catalog without enforcing them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastmcp import Client

from azsql_mcp import catalog
from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    PRINCIPALS,
    READER,
    READER_USER,
    sample_tds_server,
)
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

SETUP = [
    "CREATE TABLE dbo.Price (PriceID int NOT NULL PRIMARY KEY, Amount money NOT NULL,"
    " ValidFrom datetime2 GENERATED ALWAYS AS ROW START HIDDEN NOT NULL,"
    " ValidTo datetime2 GENERATED ALWAYS AS ROW END HIDDEN NOT NULL,"
    " PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo))"
    " WITH (SYSTEM_VERSIONING = ON (HISTORY_TABLE = dbo.PriceHistory))",
    "CREATE TABLE dbo.Attr (AttrID int NOT NULL PRIMARY KEY, Color varchar(20) SPARSE NULL,"
    " Size int SPARSE NULL, AllAttrs xml COLUMN_SET FOR ALL_SPARSE_COLUMNS)",
    "CREATE TABLE dbo.Member (MemberID int NOT NULL PRIMARY KEY,"
    " Email varchar(100) MASKED WITH (FUNCTION = 'email()') NULL, Name nvarchar(40) NULL)",
    "CREATE SCHEMA Sec",
    "CREATE TABLE Sec.Orders (OrderID int NOT NULL PRIMARY KEY, TenantID int NOT NULL)",
    """CREATE FUNCTION Sec.fn_tenant(@TenantID int)
RETURNS TABLE
WITH SCHEMABINDING
AS
    RETURN SELECT 1 AS fn_securitypredicate_result
    WHERE @TenantID = CAST(SESSION_CONTEXT(N'tenant') AS int)""",
    "CREATE SECURITY POLICY Sec.TenantFilter"
    " ADD FILTER PREDICATE Sec.fn_tenant(TenantID) ON Sec.Orders WITH (STATE = ON)",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def _describe(client: Client[Any], table: str) -> tuple[dict[str, Any], str]:
    result = await client.call_tool("describe_table", {"table": table})
    assert result.structured_content is not None
    text = result.content[0].text  # type: ignore[union-attr]
    # fields at their defaults are left out: the model reads them back, all the text says
    info = catalog.TableDescription.model_validate(result.structured_content)
    again = catalog.render_description(info, user=READER_USER)
    assert _unfenced(again) == _unfenced(text)
    return info.model_dump(mode="json"), text


def _unfenced(text: str) -> str:
    """`text` without its fence's nonce, new with each rendering."""
    return re.sub(r"untrusted-data-[0-9a-f]+", "untrusted-data", text)


def _columns(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in info["columns"]}


async def test_a_temporal_table_and_its_history_table_name_each_other(
    mcp_client: Client[Any],
) -> None:
    info, text = await _describe(mcp_client, "dbo.Price")
    assert info["features"]["temporal"] == "SYSTEM_VERSIONED_TEMPORAL_TABLE"
    assert info["features"]["history_table"] == "dbo.PriceHistory"
    assert "SYSTEM-VERSIONED TEMPORAL: past versions of rows are in dbo.PriceHistory;" in text
    info, text = await _describe(mcp_client, "dbo.PriceHistory")
    assert (info["features"]["temporal"], info["features"]["history_of"]) == (
        "HISTORY_TABLE",
        "dbo.Price",
    )
    assert "HISTORY TABLE of dbo.Price: the past versions of its rows" in text


async def test_list_tables_marks_a_history_table(mcp_client: Client[Any]) -> None:
    result = await mcp_client.call_tool("list_tables", {"schema": "dbo"})
    assert result.structured_content is not None
    listed = {t["name"]: t["history_of"] for t in result.structured_content["tables"]}
    assert (listed["PriceHistory"], listed["Price"]) == ("dbo.Price", None)
    text = result.content[0].text  # type: ignore[union-attr]
    assert "dbo.PriceHistory (table, ~0 rows, history of dbo.Price)" in text
    assert "dbo.Price (table, ~0 rows)" in text


async def test_hidden_period_columns_are_marked_and_said_to_be_out_of_select_star(
    mcp_client: Client[Any],
) -> None:
    info, text = await _describe(mcp_client, "dbo.Price")
    columns = _columns(info)
    assert (columns["ValidFrom"]["hidden"], columns["ValidFrom"]["generated_always"]) == (
        True,
        "AS_ROW_START",
    )
    assert columns["ValidTo"]["generated_always"] == "AS_ROW_END"
    assert not columns["Amount"]["hidden"] and columns["Amount"]["generated_always"] is None
    assert "  ValidFrom datetime2(7) NOT NULL GENERATED ALWAYS AS ROW START HIDDEN" in text
    assert "HIDDEN columns are not in SELECT *: name them." in text


async def test_sparse_columns_and_their_column_set(mcp_client: Client[Any]) -> None:
    info, text = await _describe(mcp_client, "dbo.Attr")
    columns = _columns(info)
    assert [n for n, c in columns.items() if c["sparse"]] == ["Color", "Size"]
    assert columns["AllAttrs"]["column_set"]
    assert "  Color varchar(20) NULL SPARSE" in text
    assert "  AllAttrs xml NULL COLUMN_SET FOR ALL_SPARSE_COLUMNS" in text
    assert "SELECT * returns the column set (xml) in place of the SPARSE columns." in text


async def test_a_masked_column_shows_its_function_to_every_login(
    mcp_client: Client[Any],
) -> None:
    # sys.masked_columns shows the function to whoever sees the table
    info, text = await _describe(mcp_client, "dbo.Member")
    assert [(c["name"], c["masked"]) for c in info["columns"] if c["masked"]] == [
        ("Email", "email()")
    ]
    assert "  Email varchar(100) NULL MASKED WITH (FUNCTION = 'email()')" in text
    assert "MASKED columns read masked unless the login has UNMASK" in text


async def test_a_row_level_security_filter_is_said_to_hide_rows(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    info, text = await _describe(mcp_client, "Sec.Orders")
    if azsql_principal == READER:  # a policy shows only with VIEW DEFINITION on it
        assert info["features"]["row_security"] == [] and "ROW-LEVEL" not in text
        assert info["features"]["row_security_hidden"] is True
        assert "row-level security policies are not shown to this login" in text
        return
    assert info["features"]["row_security"] == [
        {"policy": "Sec.TenantFilter", "type": "FILTER", "operation": None, "enabled": True}
    ]
    assert "ROW-LEVEL SECURITY FILTER predicate of Sec.TenantFilter" in text
    assert "Reads see only the rows the policy allows" in text


async def test_a_plain_table_says_none_of_it(mcp_client: Client[Any], azsql_principal: str) -> None:
    info, text = await _describe(mcp_client, "SalesLT.Customer")
    # none but that the reader may not see a row-level security policy
    hidden = {"row_security_hidden": azsql_principal == READER}
    assert info["features"] == catalog.TableFeatures(**hidden).model_dump(mode="json")
    for word in ("HIDDEN", "SPARSE", "MASKED", "ROW-LEVEL", "ENCRYPTED", "TEMPORAL"):
        assert word not in text


async def test_the_schema_resource_marks_hidden_columns(mcp_client: Client[Any]) -> None:
    contents = await mcp_client.read_resource("database://schema")
    text = contents[0].text  # type: ignore[union-attr]
    assert (
        "dbo.Price: PriceID int! PK, Amount money!, ValidFrom datetime2(7)! hidden,"
        " ValidTo datetime2(7)! hidden" in text
    )
    assert "hidden: a column SELECT * leaves out; name it to read it" in text


async def test_the_diagram_resource_marks_hidden_columns(mcp_client: Client[Any]) -> None:
    contents = await mcp_client.read_resource("database://schema/diagram/dbo/Price")
    text = contents[0].text  # type: ignore[union-attr]
    assert '        datetime2(7) ValidFrom "hidden"' in text
    assert catalog.HIDDEN_LEGEND in text
