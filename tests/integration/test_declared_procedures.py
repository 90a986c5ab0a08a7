"""Declared procedure tools resolved from sys.parameters once their source is reached:
undeclared parameters in the input schema, every parameter in the description, and a
missing procedure or parameter withdrawn (serve) or reported (check, exit 2). Through
an MCP client on the TDS test server, as both logins."""

from __future__ import annotations

import asyncio
import copy
import io
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, closing
from typing import Any

import mcp.types as mt
import pyodbc
import pytest
from fastmcp import Client
from fastmcp.client.messages import MessageHandler

from azsql_mcp.core import resolution
from azsql_mcp.core.app import App
from azsql_mcp.core.assembly import build_app
from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.serving.reload import apply
from azsql_mcp.testing.pytest_plugin import PRINCIPALS, READER, READER_USER
from tds_test_server import ThreadedTdsServer

pytestmark = pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True)

# What a deployment grants the reader (db_datareader holds no EXECUTE): EXECUTE on just
# the procedures it declares as tools.
EXECUTABLE = ("SalesLT.uspProductsByCategory", "SalesLT.uspCustomerOrders")


def admin_sql(server: ThreadedTdsServer, *statements: str) -> None:
    with closing(pyodbc.connect(server.odbc_connection_string(), autocommit=True)) as cnxn:
        for sql in statements:
            cnxn.cursor().execute(sql)


@pytest.fixture(scope="module", autouse=True)
def reader_may_execute(tds_server: ThreadedTdsServer) -> Iterator[None]:
    admin_sql(tds_server, *(f"GRANT EXECUTE ON OBJECT::{p} TO {READER_USER}" for p in EXECUTABLE))
    yield
    admin_sql(
        tds_server, *(f"REVOKE EXECUTE ON OBJECT::{p} FROM {READER_USER}" for p in EXECUTABLE)
    )


PRODUCTS = {
    "procedure": "SalesLT.uspProductsByCategory",
    "description": "Products of one category",
}
CUSTOMER_ORDERS = {"procedure": "SalesLT.uspCustomerOrders", "description": "Orders"}
NOTHING = {"procedure": "SalesLT.uspNothing", "description": "no such procedure"}
TYPO = {
    "procedure": "SalesLT.uspCustomerOrders",
    "description": "a parameter the procedure lacks",
    "parameters": {"CustomerId": {"type": "integer"}, "Customer": {"type": "integer"}},
}
TIMEOUT_S = 30


class ListChanges(MessageHandler):
    def __init__(self) -> None:
        self.seen = asyncio.Event()

    async def on_tool_list_changed(self, message: mt.ToolListChangedNotification) -> None:
        self.seen.set()


def make_app(azsql_config: dict[str, Any], tools: dict[str, Any]) -> App:
    app = build_app(settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": tools}))
    # the sources open at the first database use, and the lists do not wait for them, as
    # for a source down at start: the client is connected (and told about list changes)
    # before the source is reached
    app.open_sources_at_start = False
    for middleware in app.mcp.middleware:
        if isinstance(middleware, resolution.ListWhenResolved):
            middleware.done = True
    return app


async def reach_source(client: Client[Any]) -> None:
    await client.call_tool("read_data", {"query": "SELECT 1 AS one"})


async def listed_until(
    client: Client[Any], done: Callable[[dict[str, mt.Tool]], bool]
) -> dict[str, mt.Tool]:
    async def poll() -> dict[str, mt.Tool]:
        while True:
            tools = {t.name: t for t in await client.list_tools()}
            if done(tools):
                return tools
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), TIMEOUT_S)


@asynccontextmanager
async def resolved_client(
    azsql_config: dict[str, Any],
    tools: dict[str, Any],
    done: Callable[[dict[str, mt.Tool]], bool],
) -> AsyncIterator[Client[Any]]:
    """A client of an app declaring `tools`, once it reached the source and the tool
    list shows what `done` waits for (the procedures resolved)."""
    async with Client(make_app(azsql_config, tools).mcp) as connected:
        await reach_source(connected)
        await listed_until(connected, done)
        yield connected


async def test_undeclared_parameters_come_from_the_catalog(azsql_config: dict[str, Any]) -> None:
    app = make_app(azsql_config, {"products": PRODUCTS, "orders": CUSTOMER_ORDERS})
    changes = ListChanges()
    async with Client(app.mcp, message_handler=changes, mode="legacy") as client:
        before = {t.name: t for t in await client.list_tools()}
        assert before["products"].input_schema["properties"] == {}
        await reach_source(client)
        await asyncio.wait_for(changes.seen.wait(), TIMEOUT_S)
        tools = await listed_until(client, lambda t: "Category" in _props(t["products"]))
        products = tools["products"].input_schema
        assert products["properties"]["Category"] == {
            "type": "string",
            "description": "nvarchar(50); omit it for the procedure's default",
            "maxLength": 50,
        }
        money = products["properties"]["MaxListPrice"]["anyOf"]  # money: exact
        assert [arm["type"] for arm in money] == ["number", "string"]
        assert "default" not in products["properties"]["MaxListPrice"]
        assert not products.get("required")  # omitted: the procedure's default applies
        text = tools["products"].description
        assert "Parameters: @Category nvarchar(50), @MaxListPrice money." in text
        orders = tools["orders"]
        assert _props(orders)["CustomerID"]["type"] == "integer"
        assert "OrderCount" not in _props(orders)  # OUTPUT: part of the result
        assert "@CustomerID int, @OrderCount int OUTPUT" in orders.description

        cheap = await client.call_tool("products", {"Category": "Saddles", "MaxListPrice": 30})
        every = await client.call_tool("products", {"Category": "Saddles"})
        prices = [float(r[3]) for r in every.structured_content["result_sets"][0]["rows"]]
        cheap_rows = cheap.structured_content["result_sets"][0]["rows"]
        assert prices and all(float(r[3]) <= 30 for r in cheap_rows)
        assert len(cheap_rows) == len([p for p in prices if p <= 30]) < len(prices)
        none = await client.call_tool("products", {}, raise_on_error=False)
        assert none.is_error and "Category" in none.content[0].text  # error 201
        done = await client.call_tool("orders", {"CustomerID": 17})
        assert done.structured_content["outputs"] == {"OrderCount": 8}


def _props(tool: mt.Tool) -> dict[str, Any]:
    props: dict[str, Any] = tool.input_schema.get("properties", {})
    return props


async def test_a_missing_procedure_or_parameter_withdraws_the_tool(
    azsql_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(azsql_config, {"nothing": NOTHING, "typo": TYPO, "orders": CUSTOMER_ORDERS})
    changes = ListChanges()
    caplog.set_level(logging.ERROR, logger="azsql_mcp")
    async with Client(app.mcp, message_handler=changes, mode="legacy") as client:
        assert {"nothing", "typo", "orders"} <= {t.name for t in await client.list_tools()}
        await reach_source(client)
        await asyncio.wait_for(changes.seen.wait(), TIMEOUT_S)
        tools = await listed_until(client, lambda t: "nothing" not in t and "typo" not in t)
        assert "orders" in tools
        refused = await client.call_tool("nothing", {}, raise_on_error=False)
        assert refused.is_error
    errors = "\n".join(r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    assert "tools.nothing.procedure: source 'main' has no procedure 'SalesLT.uspNothing'" in errors
    assert "GRANT EXECUTE ON OBJECT::SalesLT.uspNothing TO [" in errors
    assert "tools.typo.parameters.Customer: procedure 'SalesLT.uspCustomerOrders' has no" in errors
    assert "tools.typo.parameters.CustomerId" not in errors  # names match case-insensitively


async def test_the_first_list_waits_for_the_catalog_parameters(
    azsql_config: dict[str, Any],
) -> None:
    """A client that lists tools as soon as it is connected (and may never list again:
    stateless HTTP gets no list_changed) sees the procedure's catalog parameters."""
    app = build_app(settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": {"p": PRODUCTS}}))
    async with Client(app.mcp) as client:
        first = {t.name: t for t in await client.list_tools()}
        assert "Category" in _props(first["p"])


async def test_a_source_down_at_start_is_resolved_once_it_answers(
    azsql_config: dict[str, Any],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server: ThreadedTdsServer = request.getfixturevalue("tds_server")
    monkeypatch.setattr(resolution, "LIST_WAIT_S", 0.5)
    config = copy.deepcopy(azsql_config)
    config["sources"]["main"]["retry_budget_s"] = 0  # fail at once while it is down
    app = build_app(settings_from_mapping(config | {"tools": {"p": PRODUCTS}}))
    with server.faulted("refuse@connect"):
        async with Client(app.mcp) as client:
            down = await client.call_tool("read_data", {"query": "SELECT 1"}, raise_on_error=False)
            assert down.is_error and "unavailable" in down.content[0].text
            # the first list waits LIST_WAIT_S, then lists the tool as declared, and says so
            assert "Category" not in _props({t.name: t for t in await client.list_tools()}["p"])
            assert "declare in the config every parameter" in caplog.text
            server.clear_faults()
            await listed_until(client, lambda t: "Category" in _props(t["p"]))


async def test_a_call_before_the_resolution_names_the_key(azsql_config: dict[str, Any]) -> None:
    app = make_app(azsql_config, {"nothing": NOTHING})
    async with Client(app.mcp) as client:
        # the first database use: the call checks the catalog itself
        result = await client.call_tool("nothing", {}, raise_on_error=False)
        assert result.is_error and "tools.nothing.procedure:" in result.content[0].text


async def test_a_reload_resolves_procedure_tools_on_a_source_that_is_up(
    azsql_config: dict[str, Any],
) -> None:
    app = make_app(azsql_config, {})
    async with Client(app.mcp) as client:
        await reach_source(client)
        added = settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": {"p": PRODUCTS}})
        assert apply(app, added) == "applied"
        await listed_until(client, lambda t: "p" in t and "Category" in _props(t["p"]))
        broken = copy.deepcopy(azsql_config) | {"tools": {"p": PRODUCTS, "n": NOTHING}}
        assert apply(app, settings_from_mapping(broken)) == "applied"
        tools = await listed_until(client, lambda t: "n" not in t and "Category" in _props(t["p"]))
        assert "p" in tools


async def test_a_reload_keeps_an_unchanged_procedure_tool_resolved(
    azsql_config: dict[str, Any],
) -> None:
    """Changing another tool's table must not send this one back to unresolved (no
    parameters) until its source answers again."""
    first = {"p": PRODUCTS, "s": {"statement": "SELECT 1 AS one", "description": "one"}}
    app = make_app(azsql_config, first)
    async with Client(app.mcp) as client:
        await reach_source(client)
        await listed_until(client, lambda t: "Category" in _props(t["p"]))
        changed = first | {"s": {"statement": "SELECT 2 AS two", "description": "two"}}
        assert apply(app, settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": changed}))
        tools = {t.name: t for t in await client.list_tools()}  # at once, not eventually
        assert "Category" in _props(tools["p"])
        result = await client.call_tool("p", {"Category": "Saddles"})
        assert result.structured_content["result_sets"][0]["rows"]


async def test_check_reports_what_does_not_match_and_exits_2(
    azsql_config: dict[str, Any],
) -> None:
    out = io.StringIO()
    tools = {"nothing": NOTHING, "typo": TYPO, "orders": CUSTOMER_ORDERS}
    settings = settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": tools})
    code = await run_check(settings, None, out)
    text = out.getvalue()
    assert code == 2, text
    assert "FAIL  declared tools: tools.nothing.procedure: source 'main' has no procedure" in text
    assert "FAIL  declared tools: tools.typo.parameters.Customer:" in text
    assert "fix [tools.NAME] in the config" in text

    fine = settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": {"o": CUSTOMER_ORDERS}})
    out = io.StringIO()
    assert await run_check(fine, None, out) == 0, out.getvalue()
    assert "ok    declared tools: o match the catalog" in out.getvalue()


async def test_a_reader_without_execute_is_told_the_grant_and_then_runs_it(
    azsql_config: dict[str, Any], azsql_principal: str, tds_server: ThreadedTdsServer
) -> None:
    """Without EXECUTE the procedure is hidden from db_datareader (its SELECT on the
    database shows none), so the tool is withdrawn and says it cannot see it, naming the
    GRANT that shows it; after that GRANT a new server runs it."""
    if azsql_principal != READER:
        pytest.skip("dbo holds EXECUTE on every procedure")
    proc = "SalesLT.uspProductsByCategory"
    admin_sql(tds_server, f"REVOKE EXECUTE ON OBJECT::{proc} FROM {READER_USER}")
    try:
        declared = PRODUCTS | {"parameters": {"Category": {"type": "string"}}}
        async with Client(make_app(azsql_config, {"products": declared}).mcp) as client:
            args = {"Category": "Seat Posts"}
            denied = await client.call_tool("products", args, raise_on_error=False)
            assert denied.is_error
            text = denied.content[0].text  # type: ignore[union-attr]
            assert f"has no procedure '{proc}' (or this login cannot see it" in text
            assert "without a permission on it, its schema or the database," in text
            grant = f"GRANT EXECUTE ON OBJECT::{proc} TO [{READER_USER}];"
            assert grant in text
        admin_sql(tds_server, grant)
        async with Client(make_app(azsql_config, {"products": declared}).mcp) as client:
            allowed = await client.call_tool("products", args)
            assert allowed.structured_content["result_sets"][0]["rows"]  # type: ignore[index]
    finally:
        admin_sql(tds_server, f"GRANT EXECUTE ON OBJECT::{proc} TO {READER_USER}")


async def test_a_reload_after_the_grant_brings_a_withdrawn_tool_back(
    azsql_config: dict[str, Any],
    azsql_principal: str,
    tds_server: ThreadedTdsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The tool withdrawn for a missing EXECUTE stays withdrawn, with the same message,
    through a reload of the same config; after the GRANT a reload lists it again (within
    the minute the catalog read is kept), connected clients are told, and it runs: no
    restart, no session dropped."""
    if azsql_principal != READER:
        pytest.skip("dbo holds EXECUTE on every procedure")
    proc = "SalesLT.uspProductsByCategory"
    admin_sql(tds_server, f"REVOKE EXECUTE ON OBJECT::{proc} FROM {READER_USER}")
    caplog.set_level(logging.INFO, logger="azsql_mcp")
    tools = {"products": PRODUCTS}
    app = make_app(azsql_config, tools)
    changes = ListChanges()

    def same() -> Any:
        return settings_from_mapping(copy.deepcopy(azsql_config) | {"tools": tools})

    async def withdrawn_times(count: int) -> None:
        missing = f"has no procedure '{proc}' (or this login cannot see it"
        while caplog.text.count(missing) < count:
            await asyncio.sleep(0.05)

    try:
        async with Client(app.mcp, message_handler=changes, mode="legacy") as client:
            await reach_source(client)
            await listed_until(client, lambda t: "products" not in t)
            assert apply(app, same()) == "unchanged"  # the file did not change
            await asyncio.wait_for(withdrawn_times(2), TIMEOUT_S)
            assert "products" not in {t.name for t in await client.list_tools()}
            admin_sql(tds_server, f"GRANT EXECUTE ON OBJECT::{proc} TO {READER_USER}")
            changes.seen.clear()
            # two reloads at once: the second's resolution replaces the first's
            assert apply(app, same()) == "unchanged"
            assert apply(app, same()) == "unchanged"
            await asyncio.wait_for(changes.seen.wait(), TIMEOUT_S)
            listed = await listed_until(client, lambda t: "products" in t)
            assert "Category" in _props(listed["products"])
            result = await client.call_tool("products", {"Category": "Saddles"})
            assert result.structured_content["result_sets"][0]["rows"]  # type: ignore[index]
        assert "checking the withdrawn tools products against their sources'" in caplog.text
        assert "tool 'products' matches its source's catalog now" in caplog.text
    finally:
        admin_sql(tds_server, f"GRANT EXECUTE ON OBJECT::{proc} TO {READER_USER}")


STAGED = """CREATE PROCEDURE [SalesLT].[uspStagedCategory]
    @Category nvarchar(50)
AS
BEGIN
    SET NOCOUNT ON;
    SELECT p.[ProductID], p.[ListPrice] INTO #staged
    FROM [SalesLT].[Product] AS p
    JOIN [SalesLT].[ProductCategory] AS c ON c.[ProductCategoryID] = p.[ProductCategoryID]
    WHERE c.[Name] = @Category;
    SELECT COUNT(*) AS [Products], MAX([ListPrice]) AS [Top] FROM #staged;
END"""


async def test_a_procedure_that_stages_rows_in_a_temporary_table(
    azsql_config: dict[str, Any], tds_server: ThreadedTdsServer
) -> None:
    """A procedure that stages its rows with SELECT ... INTO #t and reads them back runs
    for either login: a temporary table needs no permission (tempdb), so a reader with
    EXECUTE makes one as dbo does."""
    proc = "SalesLT.uspStagedCategory"
    admin_sql(tds_server, STAGED, f"GRANT EXECUTE ON OBJECT::{proc} TO {READER_USER}")
    try:
        declared = {"procedure": proc, "description": "Products of a category, counted"}
        async with Client(make_app(azsql_config, {"staged": declared}).mcp) as client:
            await reach_source(client)
            await listed_until(client, lambda t: "Category" in _props(t["staged"]))
            staged = await client.call_tool("staged", {"Category": "Saddles"})
            rows = staged.structured_content["result_sets"][0]["rows"]  # type: ignore[index]
            query = (
                "SELECT COUNT(*), MAX(p.ListPrice) FROM SalesLT.Product AS p"
                " JOIN SalesLT.ProductCategory AS c ON c.ProductCategoryID = p.ProductCategoryID"
                " WHERE c.Name = N'Saddles'"
            )
            direct = await client.call_tool("read_data", {"query": query})
            expected = direct.structured_content["rows"]  # type: ignore[index]
            assert rows == expected and rows[0][0] > 0
    finally:
        admin_sql(tds_server, f"DROP PROCEDURE {proc}")
