"""A call of a function the server does not know, through both drivers: Msg 195 for an
unqualified name, Msg 4121 for a schema-qualified one (SQL Server looks it up as a
user-defined function or a column's method), never a syntax error; a method SQL
Server would run (xml's) is refused as not emulated (40517)."""

from __future__ import annotations

from contextlib import closing

import pyodbc
import pytest


@pytest.mark.parametrize(
    ("sql", "number", "names"),
    [
        ("SELECT nosuchfn(1)", 195, ()),
        ("SELECT dbo.nosuch(1)", 4121, ('column "dbo"', 'aggregate "dbo.nosuch"')),
        ("SELECT 1 WHERE dbo.f(2) = 1", 4121, ('"dbo.f"',)),
        ("SELECT x.dbo.nosuch(1)", 4121, ('column "x"', '"x.dbo.nosuch"')),
        # the xml type's methods SQL Server runs: refused as not emulated
        ("DECLARE @x xml = '<a>1</a>'; SELECT @x.value('(/a)[1]', 'int')", 40517, (".value()",)),
    ],
)
def test_unknown_function(
    cursor: closing[pyodbc.Cursor], sql: str, number: int, names: tuple[str, ...]
) -> None:
    with cursor as c, pytest.raises(pyodbc.Error) as raised:
        c.execute(sql)
    message = str(raised.value)
    assert f"({number})" in message
    assert all(name in message for name in names)
