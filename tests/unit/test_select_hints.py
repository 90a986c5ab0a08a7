"""read_data's hint on SQL Server's errors 229 and 230 (catalog/access.py select_missing):
none for another database's object, whose user, catalog and GRANT are not this one's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from azsql_mcp.api import Column, DatabaseError, QueryResult
from azsql_mcp.catalog import access

DENIED = (
    "[SQL Server]The SELECT permission was denied on the object 'Orders', database '{db}',"
    " schema 'dbo'. (229)"
)


class Here:
    """The database the hint asks who and where the user is."""

    async def read(self, sql: str, params: Mapping[str, Any] | None = None, **_: Any):
        return QueryResult([Column("user_name", "x"), Column("db", "x")], [("ann", "Sales")])


async def test_a_denied_object_of_this_database_gets_the_grant() -> None:
    error = DatabaseError(DENIED.format(db="Sales"), 229)
    hint = await access.select_missing(Here(), error)  # type: ignore[arg-type]
    assert hint is not None and "GRANT SELECT ON OBJECT::[dbo].[Orders] TO [ann];" in hint


async def test_another_databases_object_gets_no_hint() -> None:
    error = DatabaseError(DENIED.format(db="Archive"), 229)
    assert await access.select_missing(Here(), error) is None  # type: ignore[arg-type]


# Azure SQL Database answering a server-scoped DMV (sys.dm_exec_query_stats) with a 229,
# as one third-party page shows; `database` is that page's, or this one.
DMV_DENIED = (
    "[Microsoft][ODBC Driver 18 for SQL Server][SQL Server]The SELECT permission was denied"
    " on the object 'dm_exec_query_stats', database '{db}', schema 'sys'. (229)"
)


class StateRow:
    """What access.STATE_ACCESS (and select_missing's query) answer: user `ann` of
    `Sales`, login `app`, holding no state permission."""

    def __init__(self, edition: int, major: int) -> None:
        self.row = {
            "login_name": "app",
            "user_name": "ann",
            "database_name": "Sales",
            "db": "Sales",
            "engine_edition": edition,
            "major_version": major,
            "view_server_state": 0,
            "view_server_performance_state": None if major < 16 else 0,
            "view_database_state": 0,
        }

    async def read(self, sql: str, params: Mapping[str, Any] | None = None, **_: Any):
        return QueryResult([Column(name, "x") for name in self.row], [tuple(self.row.values())])


@pytest.mark.parametrize("database", ["mssqlsystemresource", "Sales"])
@pytest.mark.parametrize(
    ("edition", "major", "grant"),
    [
        (5, 12, "GRANT VIEW DATABASE STATE TO [ann];"),
        (3, 15, "GRANT VIEW SERVER STATE TO [app];  -- in master"),
        (3, 16, "GRANT VIEW SERVER PERFORMANCE STATE TO [app];  -- in master"),
    ],
)
async def test_a_229_on_a_dmv_gets_the_state_permission_not_a_grant_select(
    database: str, edition: int, major: int, grant: str
) -> None:
    """As the read tools ask: select_missing, then state_missing."""
    error = DatabaseError(DMV_DENIED.format(db=database), 229)
    db: Any = StateRow(edition, major)
    hint = await access.select_missing(db, error) or await access.state_missing(db, error)
    assert hint is not None and hint.startswith(str(error)) and grant in hint
    assert "GRANT SELECT" not in hint


async def test_a_229_on_another_sys_object_is_not_a_state_permission() -> None:
    denied = DENIED.format(db="Sales").replace("'Orders'", "'objects'")
    error = DatabaseError(denied.replace("'dbo'", "'sys'"), 229)
    assert await access.state_missing(StateRow(5, 12), error) is None  # type: ignore[arg-type]


EXECUTE_DENIED = (
    "[SQL Server]The EXECUTE permission was denied on the object 'FullName', database"
    " '{db}', schema 'dbo'. (229)"
)


async def test_a_function_the_read_calls_gets_the_grant_execute() -> None:
    error = DatabaseError(EXECUTE_DENIED.format(db="Sales"), 229)
    hint = await access.call_missing(Here(), error)  # type: ignore[arg-type]
    assert hint is not None and "GRANT EXECUTE ON OBJECT::[dbo].[FullName] TO [ann];" in hint
    assert await access.select_missing(Here(), error) is None  # type: ignore[arg-type]


async def test_another_databases_function_or_a_select_gets_no_grant_execute() -> None:
    other = DatabaseError(EXECUTE_DENIED.format(db="Archive"), 229)
    assert await access.call_missing(Here(), other) is None  # type: ignore[arg-type]
    select = DatabaseError(DENIED.format(db="Sales"), 229)
    assert await access.call_missing(Here(), select) is None  # type: ignore[arg-type]
