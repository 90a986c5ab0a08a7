"""The control flow of trigger and scalar function bodies (engine/body_flow.py), read one
way for both: IF/ELSE, BEGIN...END, WHILE with BREAK and CONTINUE, RETURN, and a PRINT
whose statement ends without a `;` (sqlglot reads a command's rest up to `;` as its text).
From Microsoft's IF...ELSE, BEGIN...END, WHILE, BREAK, CONTINUE, RETURN and CREATE
FUNCTION pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_helpers import rows, run

from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import Message, SessionInfo, TdsError


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[EngineSession]:
    with Engine(str(tmp_path / "db.sqlite")) as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="master"))
        yield s
        s.close()


def _error(s: EngineSession, sql: str) -> TdsError:
    with pytest.raises(TdsError) as info:
        run(s, sql)
    return info.value


def test_a_print_without_a_semicolon_ends_before_the_next_statement_in_a_trigger(
    session: EngineSession,
) -> None:
    run(session, "CREATE TABLE dbo.T (Id int)")
    run(
        session,
        "CREATE TRIGGER dbo.T_ins ON dbo.T AFTER INSERT AS BEGIN PRINT 'one'"
        " IF 1 = 1 BEGIN PRINT 'two' END ELSE PRINT 'three' END",
    )
    printed = [
        r.text for r in run(session, "INSERT INTO dbo.T VALUES (1)") if isinstance(r, Message)
    ]
    assert printed == ["one", "two"]


def test_function_bodies_loop_branch_and_return(session: EngineSession) -> None:
    run(
        session,
        "CREATE FUNCTION dbo.Sum6(@n int) RETURNS int AS BEGIN DECLARE @i int = 0, @s int = 0;"
        " WHILE @i < @n BEGIN SET @i = @i + 1; IF @i = 3 CONTINUE; IF @i > 6 BREAK;"
        " SET @s = @s + @i END; RETURN @s END",
    )
    run(
        session,
        "CREATE FUNCTION dbo.Sign(@x int) RETURNS varchar(10) AS BEGIN IF @x > 0 RETURN 'pos'"
        " ELSE IF @x < 0 RETURN 'neg'; RETURN 'zero' END",
    )
    assert rows(session, "SELECT dbo.Sum6(10), dbo.Sum6(2)") == [(18, 3)]
    assert rows(session, "SELECT dbo.Sign(1), dbo.Sign(-1), dbo.Sign(NULL)") == [
        ("pos", "neg", "zero")
    ]


def test_function_bodies_are_refused_as_sql_server_refuses_them(session: EngineSession) -> None:
    side = "CREATE FUNCTION dbo.P(@x int) RETURNS int AS BEGIN PRINT 'x' RETURN 1 END"
    assert _error(session, side).number == 443
    outside = "CREATE FUNCTION dbo.B(@x int) RETURNS int AS BEGIN BREAK; RETURN 1 END"
    assert "BREAK" in _error(session, outside).message
    after = "CREATE FUNCTION dbo.A(@x int) RETURNS int AS BEGIN RETURN 1 END SELECT 1"
    assert _error(session, after).number == 156
