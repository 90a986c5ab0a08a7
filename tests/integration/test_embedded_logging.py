"""An application that embeds the server (`build_server`) keeps its own logging: its
handlers get what `serve`'s gets, no credential and no advice marker, once it adds
`azsql_mcp.LogRedaction` to them; without it, a plugin's error that quotes a connection
string reaches its log as it is, markers and all."""

from __future__ import annotations

import io
import logging
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastmcp import Client, FastMCP

from azsql_mcp import LogRedaction, ToolContext, advice, hookimpl

SECRET = "S3cret-Pw-9"
CONNECTION = f"DRIVER={{ODBC Driver 18 for SQL Server}};SERVER=db;UID=app;PWD={SECRET};"
TOLD = "list_tables lists the tables"
FAILURE = f"cannot open {CONNECTION}" + advice("list_tables", f"; {TOLD}")
MARKERS = ("\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3")

pytestmark = pytest.mark.parametrize("azsql_principal", ["reader"], indirect=True)


def leaky_plugin() -> types.ModuleType:
    """A plugin tool whose error quotes a connection string, with advice: FastMCP logs it
    with its traceback at ERROR."""
    module = types.ModuleType("leaky_tools")

    @hookimpl
    def register_tools(register: Any, config: Any) -> None:
        async def open_report(ctx: ToolContext) -> str:
            """Opens the report."""
            raise RuntimeError(FAILURE)

        register(open_report)

    module.register_tools = register_tools  # type: ignore[attr-defined]
    return module


@pytest.fixture
def embedded(make_azsql_server: Callable[..., FastMCP]) -> FastMCP:
    return make_azsql_server(
        plugins={"leaky": leaky_plugin()}, config={"plugins": {"enabled": ["builtin_tools"]}}
    )


@pytest.fixture
def app_log() -> Iterator[Callable[[bool], io.StringIO]]:
    """The application's own handler on the root logger, writing to a StringIO. FastMCP
    gives its logger handlers of its own, and stops it propagating, when imported: the
    application routes its records to the root, as docs/plugins.md says (and `serve`
    does). The root's other handlers are set aside meanwhile: one an earlier test's
    `serve` left there (with its own LogRedaction) would mask the shared record before
    the application's handler sees it."""
    fastmcp, root = logging.getLogger("fastmcp"), logging.getLogger()
    saved = fastmcp.handlers[:], fastmcp.propagate
    saved_root = root.handlers[:]
    fastmcp.handlers.clear()
    fastmcp.propagate = True
    root.handlers.clear()

    def install(redacted: bool) -> io.StringIO:
        written = io.StringIO()
        handler = logging.StreamHandler(written)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        if redacted:
            handler.addFilter(LogRedaction())
        root.addHandler(handler)
        return written

    yield install
    root.handlers[:] = saved_root
    fastmcp.handlers[:], fastmcp.propagate = saved


async def fail_and_log(server: FastMCP) -> None:
    async with Client(server) as client:
        result = await client.call_tool("open_report", {}, raise_on_error=False)
        assert result.is_error
        # the application's own record of the same text, as an argument
        logging.getLogger("acme.jobs").error("nightly load failed: %s", FAILURE)
        result = await client.call_tool(
            "read_data", {"query": "SELECT a FROM SalesLT.Nope"}, raise_on_error=False
        )
        assert result.is_error


def clean(text: str) -> bool:
    return SECRET not in text and not any(marker in text for marker in MARKERS)


async def test_an_apps_handler_with_the_filter(
    embedded: FastMCP, app_log: Callable[[bool], io.StringIO], azsql_principal: str
) -> None:
    written = app_log(True)
    await fail_and_log(embedded)
    text = written.getvalue()
    assert clean(text), text
    assert "ERROR fastmcp.server.server Error calling tool 'open_report'" in text
    assert "Traceback (most recent call last)" in text  # the traceback stays, masked
    assert f"RuntimeError: cannot open {CONNECTION.replace(SECRET, '***')}; {TOLD}" in text
    assert "ERROR acme.jobs nightly load failed: cannot open DRIVER=" in text
    assert text.count("PWD=***;") == 2 and text.count(TOLD) == 2


async def test_without_the_filter_an_apps_handler_gets_secrets_and_markers(
    embedded: FastMCP, app_log: Callable[[bool], io.StringIO], azsql_principal: str
) -> None:
    """Why the filter is needed: `build_server` leaves the application's logging alone."""
    written = app_log(False)
    await fail_and_log(embedded)
    text = written.getvalue()
    assert f"PWD={SECRET}" in text and all(marker in text for marker in MARKERS)


async def test_pytest_caplog_with_the_filter(
    embedded: FastMCP, caplog: pytest.LogCaptureFixture, azsql_principal: str
) -> None:
    caplog.handler.addFilter(LogRedaction())
    with caplog.at_level(logging.INFO):
        await fail_and_log(embedded)
    assert clean(caplog.text), caplog.text
    assert all(clean(message) for message in caplog.messages)
    assert "nightly load failed: cannot open DRIVER=" in caplog.text
    assert "PWD=***;" in caplog.text and TOLD in caplog.text
