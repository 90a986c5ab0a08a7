"""database://schema, database://tables, database://status and database://tables/{schema}/{table}."""

import json

import pytest
from fastmcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from azsql_mcp import catalog
from azsql_mcp.testing.pytest_plugin import READER


def text_of(contents) -> str:
    (content,) = contents
    return content.text


async def test_resources_are_listed(mcp_client):
    uris = {str(r.uri) for r in await mcp_client.list_resources()}
    assert {"database://schema", "database://tables", "database://status"} <= uris
    templates = {t.uri_template for t in await mcp_client.list_resource_templates()}
    assert "database://tables/{schema}/{table}" in templates
    # with one source, database://{source}/... would only repeat the plain resources
    assert not any("{source}" in t for t in templates)


async def test_schema_is_compact_and_fenced(mcp_client):
    text = text_of(await mcp_client.read_resource("database://schema"))
    assert "not instructions" in text
    line = next(x for x in text.splitlines() if x.startswith("SalesLT.Customer:"))
    assert "CustomerID int! PK" in line and "FirstName nvarchar(50)!" in line
    detail = next(x for x in text.splitlines() if x.startswith("SalesLT.SalesOrderDetail:"))
    assert "SalesOrderID -> SalesLT.SalesOrderHeader(SalesOrderID)" in detail


async def test_schema_asks_nothing_per_column_of_a_reader_of_the_database(
    mcp_client, tds_server, azsql_principal
):
    # Both logins hold SELECT on the database (the reader through db_datareader): one
    # HAS_PERMS_BY_NAME, for the database, per read, one more for each header, the
    # schema's and the diagram's (whether it counts every table), and no column marked.
    tds_server.record.clear()
    text = text_of(await mcp_client.read_resource("database://schema"))
    diagram = text_of(await mcp_client.read_resource("database://schema/diagram/SalesLT"))
    asked = [s for s in tds_server.record.statements if "HAS_PERMS_BY_NAME" in s.upper()]
    assert len(asked) == 4 and all("'DATABASE', 'SELECT'" in s for s in asked), asked
    assert catalog.NO_SELECT_MARK not in text + diagram
    assert catalog.NO_SELECT_STAR not in text + diagram


async def test_tables(mcp_client):
    data = json.loads(text_of(await mcp_client.read_resource("database://tables")))
    names = {f"{t['schema_name']}.{t['name']}" for t in data["tables"]}
    assert "SalesLT.Product" in names


async def test_one_table(mcp_client):
    uri = "database://tables/SalesLT/Address"
    data = json.loads(text_of(await mcp_client.read_resource(uri)))
    assert data["primary_key"]["columns"] == ["AddressID"]
    assert any(ix["name"] == "IX_Address_StateProvince" for ix in data["indexes"])
    # as describe_table's structured result: the fields at their defaults left out
    city = next(c for c in data["columns"] if c["name"] == "City")
    assert set(city) == {"name", "type", "nullable", "description"}  # the sample's own


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        (
            "database://tables/SalesLT/Nope",
            "no table, view, table function or synonym SalesLT.Nope",
        ),
        ("database://schema/diagram/SalesLT/Nope", "no table SalesLT.Nope"),
        ("database://schema/diagram/Nope", "no tables in schema 'Nope'"),
    ],
)
async def test_a_table_that_is_not_there_is_resource_not_found(
    mcp_client, azsql_principal, uri, said
):
    # as FastMCP answers a URI no resource matches (MCP's SEP-2164), not -32603 (internal)
    with pytest.raises(MCPError) as caught:
        await mcp_client.read_resource(uri)
    error = caught.value.error
    assert error.code == INVALID_PARAMS and error.data == {"uri": uri}
    # Without VIEW DEFINITION a DENY hides a table that exists: "not there" would be false.
    where = (
        "that this login can see (SQL Server's catalog hides the tables the database user"
        " [azsql_reader] holds no permission on)"
        if azsql_principal == READER
        else "in this database"
    )
    assert error.message == (
        f"Resource not found: {uri!r}: {said} {where}; list_tables (or the resource"
        " database://tables) lists the tables, views, synonyms and table functions"
    )


@pytest.mark.parametrize(
    ("uri", "detail"),
    [
        (
            "database://tables/SalesLT/Nope",
            ": no table, view, table function or synonym SalesLT.Nope",
        ),
        ("database://nothing/here/at/all", ""),  # no resource or template matches
    ],
)
async def test_a_client_before_2026_is_told_resource_not_found_as_its_revision_says(
    azsql_app, uri, detail
):
    # 2025-11-25's "Resources" (error handling) gives -32002; SEP-2164 moved 2026-07-28
    # to invalid params. A made-up prompt stays invalid params in both.
    async with Client(azsql_app, mode="legacy") as client:
        assert client.session.protocol_version == "2025-11-25"
        with pytest.raises(MCPError) as caught:
            await client.read_resource(uri)
        with pytest.raises(MCPError) as prompt:
            await client.get_prompt("no_such_prompt")
    error = caught.value.error
    assert error.code == -32002 and error.data == {"uri": uri}
    assert error.message.startswith(f"Resource not found: {uri!r}{detail}")
    assert prompt.value.error.code == INVALID_PARAMS
    async with Client(azsql_app) as client:  # 2026-07-28
        with pytest.raises(MCPError) as caught:
            await client.read_resource(uri)
    assert caught.value.error.code == INVALID_PARAMS and caught.value.error.data == {"uri": uri}


async def test_a_source_that_is_not_there_is_resource_not_found(make_azsql_server, azsql_config):
    second = {"sources": {"other": azsql_config["sources"]["main"]}}
    uri = "database://nosuch/status"
    async with Client(make_azsql_server(config=second)) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource(uri)
    error = caught.value.error
    assert error.code == INVALID_PARAMS and error.data == {"uri": uri}
    assert "unknown source 'nosuch'; configured sources: main, other" in error.message


async def test_status(mcp_client):
    data = json.loads(text_of(await mcp_client.read_resource("database://status")))
    assert data["connected"] is True and data["source"] == "main"
    assert data["status"] == "connected"
    assert data["database"]["database_name"]


async def test_status_names_the_error_number_its_text_does_not(mcp_client, tds_server):
    """SQL Server's deadlock text does not say 1205: `error` does, as a tool error would."""
    await mcp_client.read_resource("database://status")  # the pool is open
    with tds_server.faulted("error:1205@query:20~sys.database_files"):
        data = json.loads(text_of(await mcp_client.read_resource("database://status")))
    assert data["error"].endswith("Rerun the transaction. (SQL Server error 1205)"), data


async def test_status_says_a_probe_that_timed_out_is_busy_not_down(
    make_azsql_server, tds_server, first_probe
):
    app = make_azsql_server(config={"limits": {"query_timeout_s": 1}})
    async with Client(app) as client:
        await client.read_resource("database://status")  # the pool is open: the server answers
        await first_probe()  # its SELECT 1 is not the one the fault is for
        # the next probe is too slow (its SELECT 1: no other statement the server sends
        # in the meantime, such as the first probe's question about the collation)
        with tds_server.faulted("delay:3@query:1~SELECT 1"):
            data = json.loads(text_of(await client.read_resource("database://status")))
    assert data["status"] == "busy" and data["connected"] is True
    assert "busy or slow, not down" in data["error"]


async def test_source_in_the_uri(make_azsql_server, azsql_config):
    second = {"sources": {"other": azsql_config["sources"]["main"]}}
    async with Client(make_azsql_server(config=second)) as client:
        templates = {t.uri_template for t in await client.list_resource_templates()}
        data = json.loads(text_of(await client.read_resource("database://other/status")))
        table = json.loads(
            text_of(await client.read_resource("database://main/tables/SalesLT/Customer"))
        )
        with pytest.raises(Exception, match="unknown source"):
            await client.read_resource("database://nosuch/status")
    assert "database://{source}/schema" in templates
    assert data["source"] == "other"
    assert table["name"] == "Customer"


async def test_schema_diagram_is_mermaid(mcp_client):
    text = text_of(await mcp_client.read_resource("database://schema/diagram"))
    assert "not instructions" in text and "```mermaid\nerDiagram\n" in text
    assert '"SalesLT.SalesOrderDetail" }o--|| "SalesLT.SalesOrderHeader" : "SalesOrderID"' in text
    one = text_of(await mcp_client.read_resource("database://schema/diagram/SalesLT/Customer"))
    assert '"SalesLT.CustomerAddress"' in one and '"SalesLT.ProductModel"' not in one
    schema = text_of(await mcp_client.read_resource("database://schema/diagram/SalesLT"))
    assert '"SalesLT.Product" {' in schema
    with pytest.raises(Exception, match=r"no table SalesLT\.Nope (in|that) .*; list_tables"):
        await mcp_client.read_resource("database://schema/diagram/SalesLT/Nope")


async def test_resource_reads_and_prompts_are_audited(make_azsql_server, tmp_path):
    audit = tmp_path / "audit.jsonl"
    config = {"audit": {"enabled": True, "path": str(audit)}}
    async with Client(make_azsql_server(config=config)) as client:
        await client.read_resource("database://tables/SalesLT/Customer")
        with pytest.raises(Exception, match="list_tables"):
            await client.read_resource("database://tables/SalesLT/Nope")
        await client.get_prompt("sql_query_builder", {"table": "SalesLT.Customer"})
        with pytest.raises(Exception, match="nothing://here"):
            await client.read_resource("nothing://here")
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    table, missing, prompt, unknown = lines
    # named by the template: the URI's arguments are the call's, which audit lines never hold
    assert table["resource"] == "database://tables/{schema}/{table}"
    assert (table["plugin"], table["source"]) == ("builtin_resources", "main")
    assert table["outcome"] == "ok"
    assert table["fingerprint"] and table["rows"] > 0 and "tool" not in table
    assert "Customer" not in audit.read_text()
    assert (missing["resource"], missing["outcome"]) == (table["resource"], "error")
    assert (prompt["prompt"], prompt["plugin"], prompt["source"]) == (
        "sql_query_builder",
        "builtin_prompts",
        "main",
    )
    assert prompt["outcome"] == "ok" and prompt["fingerprint"]
    assert (unknown["resource"], unknown["plugin"]) == ("(unknown)", "")
    assert unknown["outcome"] == "error"
