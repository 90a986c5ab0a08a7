"""`azsql-mcp check` on declared statements: a string parameter that meets a char or
varchar column without `sql_type` is a warning with the line to add; a statement SQL
Server will not describe is a warning that says why; neither fails the check. As both
logins, through both drivers."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from typing import Any

import pytest

from azsql_mcp.core.config import settings_from_mapping
from azsql_mcp.diagnostics.check import run_check
from azsql_mcp.testing.pytest_plugin import DRIVERS, PRINCIPALS
from tds_test_server import ThreadedTdsServer

pytestmark = [
    pytest.mark.parametrize("azsql_principal", PRINCIPALS, indirect=True),
    pytest.mark.parametrize("azsql_driver", DRIVERS, indirect=True),
]

# PasswordSalt is varchar(10), EmailAddress nvarchar(50) (AdventureWorksLT)
BY_SALT = (
    "SELECT CustomerID FROM SalesLT.Customer WHERE PasswordSalt = @salt AND EmailAddress = @email"
)


def tool(**parameters: Any) -> dict[str, Any]:
    return {"description": "Customers by salt", "statement": BY_SALT, "parameters": parameters}


@pytest.fixture(autouse=True)
def no_faults(tds_server: ThreadedTdsServer) -> Iterator[None]:
    tds_server.clear_faults()
    yield
    tds_server.clear_faults()


async def check(config: dict[str, Any], tools: dict[str, Any]) -> tuple[int, str]:
    out = io.StringIO()
    settings = settings_from_mapping(copy.deepcopy(config) | {"tools": tools})
    code = await run_check(settings, None, out)
    return code, out.getvalue()


async def test_a_string_meeting_a_varchar_column_is_told_its_sql_type(
    azsql_config: dict[str, Any],
) -> None:
    strings = {"salt": {"type": "string"}, "email": {"type": "string"}}
    code, text = await check(azsql_config, {"by_salt": tool(**strings)})
    assert code == 0, text
    assert "warn  declared statements: tools.by_salt.parameters.salt: SQL Server deduces" in text
    assert 'add sql_type = "varchar(10)" to [tools.by_salt.parameters.salt]' in text
    assert "parameters.email" not in text  # an nvarchar column: nvarchar is its type

    declared = {"salt": {"sql_type": "varchar(10)"}, "email": {"type": "string"}}
    code, text = await check(azsql_config, {"by_salt": tool(**declared)})
    assert code == 0, text
    assert (
        "ok    declared statements: by_salt: no string parameter meets a char or varchar"
        " column without sql_type"
    ) in text


async def test_a_statement_sql_server_will_not_describe_is_a_note(
    azsql_config: dict[str, Any], tds_server: ThreadedTdsServer
) -> None:
    """SQL Server refuses to describe a statement the login may not run (its
    permissions) or whose parameter types it cannot deduce: a warning, not a failure."""
    with tds_server.faulted("error:229@query~sp_describe_undeclared_parameters"):
        code, text = await check(azsql_config, {"by_salt": tool(salt={"type": "string"})})
    assert code == 0, text
    assert "warn  declared statements: tools.by_salt: SQL Server did not describe" in text
    assert "its string parameters were not compared with the columns they meet" in text
    assert "all checks passed" in text
