"""What the agent receives from a schema at SQL Server's limits: a table too wide and
too constrained to describe whole is described in part, in the text and the structured
result alike, saying how many were left out and how to read them."""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pyodbc
import pytest
from fastmcp import Client

from azsql_mcp import catalog, plain_advice
from azsql_mcp.catalog import diagram as diagram_module
from azsql_mcp.catalog import schema as schema_module
from azsql_mcp.catalog.description_fit import COLUMNS_SHOWN, ITEMS_SHOWN
from azsql_mcp.db.database import SourceDatabase
from azsql_mcp.testing.pytest_plugin import READER, READER_USER, sample_tds_server
from tds_test_server import ThreadedTdsServer

WIDE = 400  # columns past COLUMNS_SHOWN
CHECKS = 60  # CHECK constraints past ITEMS_SHOWN
MANY = 150  # tables in one schema, past the database's page of 100 rows
SETUP = [
    "CREATE SCHEMA Big",
    "CREATE TABLE Big.Wide (id int NOT NULL PRIMARY KEY, "
    + ", ".join(f"c{i:04d} int NULL" for i in range(1, WIDE))
    + ", "
    + ", ".join(f"CONSTRAINT CK_{i:02d} CHECK (c0001 > {i})" for i in range(CHECKS))
    + ")",
    "CREATE SCHEMA Many",
    # mixed case: a page's last name and the next page's first compare as they sort
    *(f"CREATE TABLE Many.{'t' if i % 2 else 'T'}{i:03d} (id int NOT NULL)" for i in range(MANY)),
    # created last, so their columns come last in a read of the whole schema
    "CREATE SCHEMA Near",
    "CREATE SCHEMA Far",
    "CREATE TABLE Far.Up (id int NOT NULL PRIMARY KEY)",
    "CREATE TABLE Near.Hub (id int NOT NULL PRIMARY KEY, up int NULL REFERENCES Far.Up (id))",
    "CREATE TABLE Near.Spoke (id int NOT NULL PRIMARY KEY,"
    " hub int NOT NULL REFERENCES Near.Hub (id))",
    "CREATE TABLE Far.Other (id int NOT NULL PRIMARY KEY, hub int NULL REFERENCES Near.Hub (id))",
    "CREATE TABLE Near.Apart (id int NOT NULL PRIMARY KEY)",
    # last by schema and name: what a page's "more" line leaves out holds these kinds
    "CREATE SCHEMA Zed",
    "CREATE SYNONYM Zed.Alias FOR SalesLT.Customer",
    "CREATE FUNCTION Zed.Fn() RETURNS TABLE AS RETURN SELECT 1 AS One",
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
    assert info["left_out"] == {  # the lists that lost none are left out
        "columns": WIDE - COLUMNS_SHOWN,
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


async def test_list_tables_pages_by_cursor_after_the_last_name(
    mcp_client, tds_server, azsql_driver, monkeypatch
):
    """Every table once, in order, across the database's pages of 100 rows and across the
    tool's pages; a table created before the cursor shifts no page (as an OFFSET would)."""
    from azsql_mcp.plugins.builtin_tools import catalog as catalog_tools

    listing = {"schema": "Many", "name_pattern": "t%"}
    whole = await call(mcp_client, "list_tables", **listing)
    names = [t["name"] for t in whole.structured_content["tables"]]
    assert [n.lower() for n in names] == [f"t{i:03d}" for i in range(MANY)]
    assert whole.structured_content["next_cursor"] is None

    monkeypatch.setattr(catalog_tools, "SHOWN", 60)
    first = await call(mcp_client, "list_tables", **listing)
    cursor = first.structured_content["next_cursor"]
    assert first.content[0].text.startswith(
        "60 tables and views by schema and name; there are more: narrow with schema or"
        f' name_pattern, or call again with the same ones and cursor="{cursor}"'
    )
    odbc = tds_server.odbc_connection_string(driver=azsql_driver)
    with contextlib.closing(pyodbc.connect(odbc, autocommit=True)) as cnxn:
        cnxn.execute(f"CREATE TABLE Many.A{uuid.uuid4().hex} (id int NOT NULL)")
    seen = [t["name"] for t in first.structured_content["tables"]]
    while cursor:
        page = await call(mcp_client, "list_tables", cursor=cursor, **listing)
        seen += [t["name"] for t in page.structured_content["tables"]]
        cursor = page.structured_content["next_cursor"]
    assert seen == names


async def test_a_page_of_long_names_ends_at_its_size(mcp_client, monkeypatch):
    from azsql_mcp.plugins.builtin_tools import catalog as catalog_tools

    monkeypatch.setattr(catalog_tools, "TEXT_SHOWN", 200)
    result = await call(mcp_client, "list_tables", schema="Many")
    tables = result.structured_content["tables"]
    assert 1 < len(tables) < 20 and result.structured_content["next_cursor"]
    text = result.content[0].text
    assert text.startswith(f"{len(tables)} tables and views by schema and name; there are more")
    assert all(f"Many.{t['name']} (table, ~0 rows)" in text for t in tables)


async def test_a_cursor_list_tables_did_not_give_is_refused(mcp_client):
    result = await mcp_client.call_tool(
        "list_tables", {"cursor": "not a cursor"}, raise_on_error=False
    )
    assert result.is_error
    assert result.content[0].text == (
        "cursor takes the next_cursor of the last list_tables page; omit it to start from"
        " the first table"
    )


async def test_a_wide_tables_structured_result_leaves_out_what_is_default(
    mcp_client, azsql_principal
):
    """A column's JSON names its name, type and nullability, and only the features it
    has: 250 columns of 17 fields each (mostly null or false) were some 75 KB."""
    result = await call(mcp_client, "describe_table", table="Big.Wide")
    info = result.structured_content
    assert info["columns"][1] == {"name": "c0001", "type": "int", "nullable": True}
    assert info["columns"][0] == {"name": "id", "type": "int", "nullable": False}
    # the reader's one feature: it may not see row-level security policies
    hidden = {"row_security_hidden": True} if azsql_principal == READER else {}
    assert info.get("features", {}) == hidden and "foreign_keys" not in info["left_out"]
    assert len(json.dumps(info)) < 20_000
    # nothing lost: read back through the model, it is what the text says
    described = catalog.TableDescription.model_validate(info)
    again = plain_advice(catalog.render_description(described, user=READER_USER), bool)
    assert unfenced(again) == unfenced(result.content[0].text)


def unfenced(text: str) -> str:
    """`text` without its fence's nonce, new with each rendering."""
    return re.sub(r"untrusted-data-[0-9a-f]+", "untrusted-data", text)


async def test_a_tables_diagram_reads_the_table_and_its_neighbours_only(mcp_client, monkeypatch):
    """Not the whole schema: a database past the overview's cap of columns (here 50)
    still draws a table created last, with every table it shares a key with."""
    monkeypatch.setattr(schema_module, "SCHEMA_MAX_COLUMNS", 50)
    (diagram,) = await mcp_client.read_resource("database://schema/diagram/Near/Hub")
    text = diagram.text
    assert text.startswith("Tables and foreign keys (Near.Hub and its neighbours): 4 table(s)")
    assert "cut short" not in text.splitlines()[0]
    for table in ("Near.Hub", "Near.Spoke", "Far.Other", "Far.Up"):
        assert f'"{table}" {{' in text
    assert "Near.Apart" not in text
    assert '"Near.Spoke" }o--|| "Near.Hub" : "hub"' in text
    assert '"Far.Other" }o--o| "Near.Hub" : "hub"' in text
    assert '"Near.Hub" }o--o| "Far.Up" : "up"' in text


async def test_a_schemas_diagram_draws_its_most_connected_tables(mcp_client, monkeypatch):
    """Chosen in one statement: the tables with the most foreign keys, not the first by
    name, and only theirs are read."""
    monkeypatch.setattr(diagram_module, "DIAGRAM_MAX_TABLES", 2)
    monkeypatch.setattr(catalog, "DIAGRAM_MAX_TABLES", 2)
    (diagram,) = await mcp_client.read_resource("database://schema/diagram/Near")
    text = diagram.text
    assert text.startswith(
        "Tables and foreign keys (Near): 3 table(s), the 2 with the most foreign keys to"
        " and from them drawn"
    )
    assert '"Near.Hub" {' in text and '"Near.Spoke" {' in text
    assert "Near.Apart" not in text  # first by name, and no key
    assert "%% 2 of 3 tables" in text
    assert '"Near.Spoke" }o--|| "Near.Hub" : "hub"' in text


async def test_the_databases_diagram_reads_only_the_tables_it_draws(
    mcp_client, monkeypatch, statements_read
):
    """Not every table's columns to draw 60: a database past the overview's cap of
    columns (here 50) is drawn without being cut short, in a few statements (the whole
    schema took one for each page of max_rows columns: 2,000 tables, some 200)."""
    monkeypatch.setattr(schema_module, "SCHEMA_MAX_COLUMNS", 50)
    monkeypatch.setattr(diagram_module, "DIAGRAM_MAX_TABLES", 3)
    monkeypatch.setattr(catalog, "DIAGRAM_MAX_TABLES", 3)
    (diagram,) = await mcp_client.read_resource("database://schema/diagram")
    header = diagram.text.splitlines()[0]
    assert ", the 3 with the most foreign keys to and from them drawn" in header
    assert "cut short" not in header
    assert diagram.text.count(" {\n") == 3
    assert len(statements_read) <= 8, statements_read


async def test_the_tables_resource_ends_at_its_size_with_the_cursor_of_the_rest(
    mcp_client, monkeypatch
):
    """database://tables was every table (171 KB for 2,000): it holds those that fit,
    and the list_tables cursor it gives lists the others, each once."""
    from azsql_mcp.plugins.builtin_resources import views

    monkeypatch.setattr(views, "TABLES_CHARS", 4_000)
    (resource,) = await mcp_client.read_resource("database://tables")
    assert len(resource.text) < 5_000
    listing = json.loads(resource.text)
    first = [(t["schema_name"], t["name"]) for t in listing["tables"]]
    cursor = listing["next_cursor"]
    assert listing["truncated"] and cursor and 10 < len(first) < 60
    # the rest was read (up to TABLES_READ): it names the kinds it holds
    assert listing["more"] == (
        f"more tables, views, synonyms and table functions after these {len(first)}: the"
        f' list_tables tool with cursor "{cursor}" lists the next ones, with schema or'
        " name_pattern a part; database://schema/diagram/{schema} draws one schema"
    )
    whole = await call(mcp_client, "list_tables")
    every = [(t["schema_name"], t["name"]) for t in whole.structured_content["tables"]]
    rest = await call(mcp_client, "list_tables", cursor=cursor)
    after = [(t["schema_name"], t["name"]) for t in rest.structured_content["tables"]]
    assert first + after == every
    # a rest left unread may hold any kind list_tables lists: it says so, not "tables"
    monkeypatch.setattr(views, "TABLES_READ", len(first) + 1)
    (resource,) = await mcp_client.read_resource("database://tables")
    assert json.loads(resource.text)["more"].startswith(
        f"more tables, views, synonyms or table functions after these {len(first)}:"
    )


async def test_the_schema_resource_ends_at_its_size_saying_what_it_left_out(
    mcp_client, monkeypatch
):
    from azsql_mcp.plugins.builtin_resources import views

    monkeypatch.setattr(views, "SCHEMA_CHARS", 8_000)
    asked: list[str | None] = []  # the tables each read of columns asked for
    typed: list[Any] = []  # how each read of the page's columns and keys sent them
    read = SourceDatabase.read

    async def noted(self: SourceDatabase, sql: str, params: Any = None, **kw: Any) -> Any:
        if sql == catalog.sql.ALL_COLUMNS:
            asked.append(params["object_ids"])
        if sql in (catalog.sql.ALL_COLUMNS, catalog.sql.ALL_PRIMARY_KEYS):
            typed.append(kw.get("sql_types"))
        return await read(self, sql, params, **kw)

    monkeypatch.setattr(SourceDatabase, "read", noted)
    (schema,) = await mcp_client.read_resource("database://schema")
    text = schema.text
    assert len(text) < 9_000  # the lines that fit
    lines = text.splitlines()  # the header, the fence and its note, then a line a table
    more = next(i for i, line in enumerate(lines) if line.startswith("(... "))
    # a line is "name: columns", "name (view): ..." or "name (table function: @p int): ..."
    listed = [re.split(r" \(|:", line, maxsplit=1)[0] for line in lines[3:more]]
    total = int(text.split(" ", 1)[0])  # the header counts every object listed
    assert 1 < len(listed) < total
    # the columns of the tables it shows (and of few more, from a lower bound of their
    # lines' length), not of every table (as it was: 2,000 tables took 244 statements)
    assert asked and all(ids == asked[0] for ids in asked) and asked[0] is not None
    assert len(listed) <= asked[0].count(",") - 1 <= len(listed) + 5, asked[0]
    # as varchar(8000): a longer string than 4,000 bytes goes from pyodbc through the
    # Microsoft driver as ntext, which CHARINDEX does not take ("CHARINDEX (Transact-SQL)")
    assert typed and all(t == {"object_ids": "varchar(8000)"} for t in typed), typed
    cursor = re.search(r'list_tables with cursor "([^"]+)"', lines[more])
    # what it left out, unread, holds a synonym and a table function: it names them
    assert cursor and lines[more] == (
        f"(... {total - len(listed)} more tables, views, synonyms and table functions not"
        f' shown: list_tables with cursor "{cursor[1]}" lists them from the next one,'
        " describe_table describes one, database://schema/diagram/{schema} draws one schema)"
    )
    assert text.split(";", 1)[0].endswith("tables, views, synonyms and table functions")
    # in list_tables' order: its cursor lists the rest from the next table on
    whole = await call(mcp_client, "list_tables")
    every = [f"{t['schema_name']}.{t['name']}" for t in whole.structured_content["tables"]]
    rest = await call(mcp_client, "list_tables", cursor=cursor[1])
    after = [f"{t['schema_name']}.{t['name']}" for t in rest.structured_content["tables"]]
    assert listed + after == every and len(every) == total
