"""`azsql-mcp check` on the procedures the config declares as tools, as both logins through
both drivers: db_datareader sees every procedure but may run none until EXECUTE is
granted, so a procedure tool that matches the catalog can still fail every call."""

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


async def test_a_procedure_tool_the_login_may_not_run_is_warned_of_with_the_grant(
    server: ThreadedTdsServer, tds_password: str, azsql_principal: str, azsql_driver: str
) -> None:
    tools = {
        "orders": {"procedure": NOT_GRANTED, "description": "orders"},
        "products": {"procedure": GRANTED, "description": "products"},
    }
    config: dict[str, Any] = {
        "sources": {
            TEST_SOURCE: source_config(server, tds_password, azsql_principal, azsql_driver)
        },
        "tools": tools,
    }
    out = io.StringIO()
    code = await run_check(settings_from_mapping(config), None, out)
    text = out.getvalue()
    assert code == 0, text  # a warning: the tool is right, the login is short of a grant
    assert "ok    declared tools: orders, products match the catalog" in text
    if azsql_principal == READER:
        assert (
            f"warn  declared tools: tools.orders: the database user [{READER_USER}] may not run"
            f" {NOT_GRANTED}"
        ) in text
        assert f"GRANT EXECUTE ON OBJECT::{NOT_GRANTED} TO [{READER_USER}];" in text
    else:
        assert "warn  declared tools" not in text
    assert "tools.products" not in text
