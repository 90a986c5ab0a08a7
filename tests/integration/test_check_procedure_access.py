"""`azsql-mcp check` on the procedures the config declares as tools, as both logins through
both drivers: db_datareader may run no procedure until EXECUTE is granted, and without
a permission on it or its schema (or VIEW DEFINITION) it does not even see one (its
SELECT on the database shows none, as widely observed), so such a tool fails the check
with the GRANT; with VIEW DEFINITION, or SELECT on the schema ("Metadata visibility
configuration"), it sees the procedure and the check warns instead.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.testing.pytest_plugin import (
    DRIVERS,
    PRINCIPALS,
    READER,
    READER_USER,
    TEST_SOURCE,
    TEST_USER,
    sample_tds_server,
    source_config,
)
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]
GRANTED = "SalesLT.uspProductsByCategory"
NOT_GRANTED = "SalesLT.uspCustomerOrders"


@pytest.fixture(scope="module")
def server(tds_password: str) -> Iterator[ThreadedTdsServer]:
    """A server of its own: the reader may run one of the sample's procedures."""
    grant = f"GRANT EXECUTE ON OBJECT::{GRANTED} TO {READER_USER}"
    with sample_tds_server(tds_password, setup=[grant]) as srv:
        yield srv


def _config(server: ThreadedTdsServer, password: str, principal: str, driver: str) -> Any:
    tools = {
        "orders": {"procedure": NOT_GRANTED, "description": "orders"},
        "products": {"procedure": GRANTED, "description": "products"},
    }
    source = source_config(server, password, principal, driver)
    return settings_from_mapping({"sources": {TEST_SOURCE: source}, "tools": tools})


async def test_a_procedure_tool_the_login_cannot_see_fails_with_the_grant(
    server: ThreadedTdsServer, tds_password: str, azsql_principal: str, azsql_driver: str
) -> None:
    out = io.StringIO()
    code = await run_check(_config(server, tds_password, azsql_principal, azsql_driver), None, out)
    text = out.getvalue()
    if azsql_principal == READER:
        assert code == 2, text  # the server would withdraw the tool
        assert (
            f"FAIL  declared tools: tools.orders.procedure: source '{TEST_SOURCE}' has no"
            f" procedure '{NOT_GRANTED}' (or this login cannot see it"
        ) in text
        assert f"GRANT EXECUTE ON OBJECT::{NOT_GRANTED} TO [{READER_USER}];" in text
        assert "or grant EXECUTE, then reload azsql-mcp (SIGHUP, or touch its config file)" in text
        assert "a running server takes either on a reload (SIGHUP)" in text
    else:
        assert code == 0, text
        assert "ok    declared tools: orders, products match the catalog" in text
    assert "warn  declared tools" not in text
    assert "tools.products" not in text


@pytest.fixture(scope="module", params=["VIEW DEFINITION", "SELECT on the schema"])
def sees_procedures(
    tds_password: str, request: pytest.FixtureRequest
) -> Iterator[ThreadedTdsServer]:
    """The reader sees the procedures and may run none: it holds VIEW DEFINITION, or SELECT
    on their schema ("Metadata visibility configuration", Scope of Permissions)."""
    if request.param == "VIEW DEFINITION":
        logins = [f"{READER_USER}:{tds_password}:VIEW_DEFINITION"]
        with ThreadedTdsServer(
            sample=True, user=TEST_USER, password=tds_password, logins=logins
        ) as srv:
            yield srv
    else:
        grant = f"GRANT SELECT ON SCHEMA::SalesLT TO {READER_USER}"
        with sample_tds_server(tds_password, setup=[grant]) as srv:
            yield srv


async def test_a_procedure_tool_the_login_sees_but_may_not_run_is_warned_of_with_the_grant(
    sees_procedures: ThreadedTdsServer,
    tds_password: str,
    azsql_principal: str,
    azsql_driver: str,
) -> None:
    settings = _config(sees_procedures, tds_password, azsql_principal, azsql_driver)
    out = io.StringIO()
    code = await run_check(settings, None, out)
    text = out.getvalue()
    assert code == 0, text  # a warning: the tool is right, the login is short of a grant
    assert "ok    declared tools: orders, products match the catalog" in text
    for tool, procedure in (("orders", NOT_GRANTED), ("products", GRANTED)):
        warning = (
            f"warn  declared tools: tools.{tool}: the database user [{READER_USER}] may not"
            f" run {procedure}"
        )
        grant = f"GRANT EXECUTE ON OBJECT::{procedure} TO [{READER_USER}];"
        assert (warning in text and grant in text) == (azsql_principal == READER), text
