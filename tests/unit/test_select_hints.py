"""read_data's hint on SQL Server's errors 229 and 230 (catalog/access.py select_missing):
none for another database's object, whose user, catalog and GRANT are not this one's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
