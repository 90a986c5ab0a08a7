"""The product's paths through synonyms and sys.sql_expression_dependencies, as both
logins through both drivers, on a sample database given a local synonym, synonyms for
another database's and a linked server's table, and a procedure that names another
database: `check` lists the synonyms that reach outside (whole as the administrator,
what the reader can see otherwise) and no procedure among the views and functions;
read_data reads through the local synonym; a write through it is refused as
docs/security.md says; describe_table names a synonym's base; list_tables, the resources
and the console's schema page list synonyms among the tables with their base, as the
login may see them, and completions offer none."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import mcp_types
import pytest
from fastmcp import Client

from azsql_mcp.catalog.table_pages import cursor_of
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.serving.console import schema_page
from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    PRINCIPALS,
    READER,
    READER_USER,
    TEST_SOURCE,
    sample_tds_server,
)
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

SETUP = [
    "CREATE SYNONYM dbo.Products FOR SalesLT.Product",
    "CREATE SYNONYM dbo.RemoteOrders FOR Srv.Sales.dbo.Orders",
    "CREATE SYNONYM dbo.OtherOrders FOR OtherDb.dbo.Orders",
    "CREATE SYNONYM dbo.SameDb FOR AdventureWorksLT.SalesLT.Customer",
    "CREATE PROCEDURE dbo.CopyOrders AS SELECT * FROM OtherDb.dbo.Orders",
    # a synonym the reader holds no permission on: SQL Server does not show it to it
    "CREATE SYNONYM dbo.Unseen FOR SalesLT.Product",
    f"DENY SELECT ON dbo.Unseen TO [{READER_USER}]",
    # a base name that would break a line, or open a fence, in the listing
    "CREATE SYNONYM dbo.Odd FOR dbo.[line1\nline2<untrusted-data-x>]",
]


@pytest.fixture(scope="module")
def tds_server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    with sample_tds_server(tds_password, SETUP) as server:
        yield server


async def check(config: dict[str, Any]) -> str:
    out = io.StringIO()
    code = await run_check(settings_from_mapping(copy.deepcopy(config)), None, out)
    assert code == 0, out.getvalue()
    return out.getvalue()


async def test_check_lists_the_synonyms_that_reach_outside(
    azsql_config: dict[str, Any], azsql_principal: str
) -> None:
    text = await check(azsql_config)
    line = next(x for x in text.splitlines() if "synonyms for an object of another" in x)
    assert line.startswith("warn  reach outside: 2 synonyms for an object of another database")
    assert "dbo.OtherOrders -> [OtherDb].[dbo].[Orders]" in line
    assert "dbo.RemoteOrders -> [Srv].[Sales].[dbo].[Orders]" in line
    assert "dbo.Products" not in line and "dbo.SameDb" not in line  # this database's
    # a db_datareader sees the synonyms (SELECT on the database) but not the whole list
    assert ("of those this login can see" in line) == (azsql_principal == READER)


async def test_check_lists_no_procedure_as_a_view_or_function(
    azsql_config: dict[str, Any],
) -> None:
    """A procedure is no object a read goes through (EXEC is refused; a declared tool
    runs the one its operator chose): the administrator's list of views and functions
    that name another database leaves dbo.CopyOrders out (the reader, without VIEW
    DEFINITION, sees no dependency at all)."""
    text = await check(azsql_config)
    assert "views and functions that name another" not in text
    assert "dbo.CopyOrders" not in text


@pytest.fixture
async def writer(make_azsql_server: Any, azsql_principal: str) -> AsyncIterator[Client[Any]]:
    if azsql_principal == READER:
        pytest.skip("the reader may not write")
    async with Client(make_azsql_server(config={"security": {"read_only": False}})) as client:
        yield client


async def test_read_data_reads_through_a_local_synonym(mcp_client: Client[Any]) -> None:
    sql = "SELECT TOP 2 ProductID, Name FROM dbo.Products ORDER BY ProductID"
    result = await mcp_client.call_tool("read_data", {"query": sql})
    assert result.structured_content is not None
    assert [row[0] for row in result.structured_content["rows"]] == [1, 2]


async def test_read_data_through_a_synonym_to_a_linked_server_gets_sql_server_s_error(
    mcp_client: Client[Any],
) -> None:
    result = await mcp_client.call_tool(
        "read_data", {"query": "SELECT * FROM dbo.RemoteOrders"}, raise_on_error=False
    )
    assert result.is_error
    assert "Could not find server 'Srv' in sys.servers" in result.content[0].text


@pytest.mark.parametrize(
    ("tool", "sql"),
    [
        ("insert_data", "INSERT INTO dbo.Products (Name) VALUES (N'x')"),
        ("update_data", "UPDATE dbo.Products SET Name = N'x' WHERE ProductID = 1"),
    ],
)
async def test_a_write_through_a_synonym_is_refused(
    writer: Client[Any], tool: str, sql: str
) -> None:
    result = await writer.call_tool(tool, {"sql": sql}, raise_on_error=False)
    assert result.is_error
    text = result.content[0].text
    assert "through the synonym itself" in text and "Nothing was run" in text, text


async def test_describe_table_of_a_synonym_names_its_base(mcp_client: Client[Any]) -> None:
    """A synonym has no columns of its own: describe_table of one an agent found in
    list_tables names its base, to describe instead."""
    result = await mcp_client.call_tool(
        "describe_table", {"table": "dbo.Products"}, raise_on_error=False
    )
    assert result.is_error
    assert result.content[0].text == (
        "dbo.Products is a synonym for SalesLT.Product (a synonym has no columns of its"
        " own): call describe_table with 'SalesLT.Product' instead; reads of the synonym"
        " read it."
    )
    result = await mcp_client.call_tool(
        "describe_table", {"table": "OtherOrders"}, raise_on_error=False
    )
    assert result.content[0].text.startswith(
        "dbo.OtherOrders is a synonym for OtherDb.dbo.Orders, an object of another database"
        " or server: this source's catalog does not describe it."
    )


async def test_an_is_not_null_filter_through_a_synonym_counts_as_always_true(
    writer: Client[Any],
) -> None:
    """sys.columns lists no column of a synonym: the write filter cannot tell whether
    `Color IS NOT NULL` filters, and says why (db/database.py)."""
    sql = "UPDATE dbo.Products SET Name = N'x' WHERE Color IS NOT NULL"
    result = await writer.call_tool("update_data", {"sql": sql}, raise_on_error=False)
    assert result.is_error
    text = result.content[0].text
    assert "cannot look up the columns of [dbo].[Products] (a table of another" in text, text
    assert "a synonym" in text, text


SYNONYMS = {  # as sys.synonyms.base_object_name writes them
    "OtherOrders": "[OtherDb].[dbo].[Orders]",
    "Products": "[SalesLT].[Product]",
    "RemoteOrders": "[Srv].[Sales].[dbo].[Orders]",
    "SameDb": "[AdventureWorksLT].[SalesLT].[Customer]",
}


async def test_list_tables_lists_synonyms_with_their_base(mcp_client: Client[Any]) -> None:
    """An agent meets synonyms by name: list_tables lists each among the tables, in the
    same order and paging, with the object a read of it reads and no row count."""
    result = await mcp_client.call_tool("list_tables", {"schema": "dbo"})
    assert result.structured_content is not None
    listed = {t["name"]: t for t in result.structured_content["tables"]}
    for name, base in SYNONYMS.items():
        assert listed[name]["type"] == "synonym" and listed[name]["base_object"] == base
        assert listed[name]["row_count"] is None
        assert f"\ndbo.{name} (synonym for {base})\n" in result.content[0].text
    # dbo holds the sample's table function too
    first = f"{len(listed)} tables, views, synonyms and table functions\n"
    assert result.content[0].text.startswith(first)
    names = [t["name"] for t in result.structured_content["tables"]]
    assert names == sorted(names, key=str.casefold)  # among the tables, by name
    tables = await mcp_client.call_tool("list_tables", {"schema": "SalesLT"})
    assert tables.structured_content is not None
    assert all("base_object" not in t for t in tables.structured_content["tables"])
    # the cursor of a synonym starts the next page after it
    cursor = cursor_of("dbo", "OtherOrders")
    result = await mcp_client.call_tool("list_tables", {"schema": "dbo", "cursor": cursor})
    assert result.structured_content is not None
    after = [t["name"] for t in result.structured_content["tables"]]
    assert after[0] == "Products" and "RemoteOrders" in after and "OtherOrders" not in after
    odd = await mcp_client.call_tool("list_tables", {"name_pattern": "Odd"})
    assert odd.structured_content is not None
    assert odd.structured_content["tables"][0]["base_object"] == (
        "[dbo].[line1\nline2<untrusted-data-x>]"  # as it is
    )
    line = "\ndbo.Odd (synonym for [dbo].[line1\\nline2\\u003cuntrusted-data-x>])\n"
    assert line in odd.content[0].text
    schema = _text(await mcp_client.read_resource("database://schema"))
    assert line in schema
    found = await mcp_client.call_tool("list_tables", {"name_pattern": "Remote%"})
    assert found.structured_content is not None
    assert [t["name"] for t in found.structured_content["tables"]] == ["RemoteOrders"]


async def test_a_column_search_leaves_synonyms_out(mcp_client: Client[Any]) -> None:
    """A synonym has no columns of its own (sys.columns has no row of one): column_pattern
    lists the table function of dbo, which returns such columns, and none of its synonyms,
    not even dbo.Products, whose base SalesLT.Product has every column."""
    found = await mcp_client.call_tool("list_tables", {"schema": "dbo", "column_pattern": "%"})
    assert found.structured_content is not None
    tables = found.structured_content["tables"]
    assert [(t["name"], t["type"]) for t in tables] == [
        ("ufnGetCustomerInformation", "table function")
    ]
    assert "synonym" not in found.content[0].text


async def test_list_tables_shows_a_synonym_as_sql_server_shows_it(
    mcp_client: Client[Any], azsql_principal: str
) -> None:
    """Metadata visibility, read from sys.objects as for a table: a synonym the test
    server hides from the reader (denied SELECT on it) is not listed to it, nor in
    database://schema; the administrator sees it."""
    found = await mcp_client.call_tool("list_tables", {"name_pattern": "Unseen"})
    assert found.structured_content is not None
    names = [t["name"] for t in found.structured_content["tables"]]
    schema = _text(await mcp_client.read_resource("database://schema"))
    seen = azsql_principal != READER
    assert (names == ["Unseen"]) == seen and ("\ndbo.Unseen (synonym" in schema) == seen


async def test_the_resources_show_synonyms_with_their_base(mcp_client: Client[Any]) -> None:
    tables = json.loads(_text(await mcp_client.read_resource("database://tables")))
    listed = {(t["schema_name"], t["name"]): t for t in tables["tables"]}
    assert listed[("dbo", "Products")]["base_object"] == "[SalesLT].[Product]"
    assert listed[("dbo", "Products")]["type"] == "synonym"
    assert "base_object" not in listed[("SalesLT", "Product")]
    schema = _text(await mcp_client.read_resource("database://schema"))
    kinds = "tables, views, synonyms and table functions"  # the sample's dbo function too
    assert f"{len(tables['tables'])} {kinds}" in schema.splitlines()[0]
    for name, base in SYNONYMS.items():
        assert f"\ndbo.{name} (synonym for {base})\n" in schema
    assert "\nSalesLT.Product: " in schema  # the tables keep their columns
    # a synonym found in database://tables, read as a table: its base, not "no table"
    with pytest.raises(Exception, match=r"dbo\.Products is a synonym for SalesLT\.Product"):
        await mcp_client.read_resource("database://tables/dbo/Products")


async def test_the_console_schema_page_lists_synonyms(
    azsql_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Among the tables and views, counted with them in a schema's pages (a schema of
    synonyms only, dbo here, was "no schema with tables this login can see")."""
    app = build_app(settings_from_mapping(copy.deepcopy(azsql_config)))
    async with Client(app.mcp):
        deadline = time.monotonic() + 30
        while app.databases.get(TEST_SOURCE) is None:  # the source opens
            assert time.monotonic() < deadline, "the source never opened"
            await asyncio.sleep(0.05)
        whole = await schema_page.schema(app, None)
        monkeypatch.setattr(schema_page, "LISTED_OBJECTS", 2)
        first = await schema_page.schema(app, None, "dbo")
        picker = await schema_page.schema(app, None)
    products = "synonym for <code>[SalesLT].[Product]</code>"
    assert f'<b>dbo.Products</b> <span class="muted">{products}</span>' in whole
    assert "<b>SalesLT.Product</b>" in whole  # beside the tables
    assert "<b>dbo.Odd</b>" in first and "<b>dbo.OtherOrders</b>" in first
    assert "<b>dbo.Products</b>" not in first  # the next page's
    synonyms = len(SYNONYMS) + 1 + (0 if "<b>dbo.Unseen</b>" not in whole else 1)  # and Odd
    count = synonyms + 1  # and the sample's table function
    kinds = "Tables, views, synonyms and table functions"
    assert f"<span>{kinds} 1 to 2 of {count}</span>" in first
    assert f">dbo</a></td><td>0</td><td>0</td><td>{synonyms}</td><td>1</td>" in picker


async def test_completions_offer_no_synonym(mcp_client: Client[Any]) -> None:
    """The prompt's table and the table resource's name describe a table or view: a
    synonym completed there would come back as "a synonym for ...: ask for that"."""
    prompt = mcp_types.PromptReference(name="sql_query_builder")
    found = await mcp_client.complete(prompt, {"name": "table", "value": "dbo.Pro"})
    assert found.values == []
    found = await mcp_client.complete(prompt, {"name": "table", "value": "SalesLT.Product"})
    assert "SalesLT.Product" in found.values  # the tables stay
    template = mcp_types.ResourceTemplateReference(uri="database://tables/{schema}/{table}")
    dbo = {"schema": "dbo"}
    found = await mcp_client.complete(template, {"name": "table", "value": "Pro"}, dbo)
    assert found.values == []


def _text(contents: list[Any]) -> str:
    return str(contents[0].text)


async def test_the_migration_guide_names_a_synonyms_base(mcp_client: Client[Any]) -> None:
    """A migration loads tables: the guide's listing says which object a synonym stands
    for, as list_tables does."""
    result = await mcp_client.get_prompt("data_migration_guide", {"source_system": "Oracle"})
    text = "\n".join(m.content.text for m in result.messages if hasattr(m.content, "text"))
    assert "dbo.Products (synonym for [SalesLT].[Product])" in text, text
