"""IF ... ELSE, WHILE with BREAK and CONTINUE and BEGIN ... END in a batch, sp_executesql's
batch and a procedure's body (engine/batch_flow.py; Microsoft's IF...ELSE, BEGIN...END,
WHILE, BREAK, CONTINUE and RETURN pages)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_helpers import rows, run

from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import SessionInfo, TdsError


@pytest.fixture()
def session() -> Iterator[EngineSession]:
    with Engine() as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="db"))
        yield s
        s.close()


def _error(s: EngineSession, sql: str) -> TdsError:
    with pytest.raises(TdsError) as info:
        run(s, sql)
    return info.value


def test_if_else_and_while_in_a_batch(session: EngineSession) -> None:
    assert rows(session, "IF 1 = 2 SELECT 1 ELSE SELECT 2") == [(2,)]
    assert rows(session, "DECLARE @x int; IF @x = 1 SELECT 1 ELSE BEGIN SELECT 3; END") == [(3,)]
    assert rows(
        session,
        "DECLARE @i int = 0\nWHILE @i < 6\nBEGIN\n  SET @i += 1\n  IF @i = 2 CONTINUE\n"
        "  IF @i = 5 BREAK\n  SELECT @i\nEND\nSELECT -@i",
    ) == [(1,), (3,), (4,), (-5,)]
    # a condition reads tables and table variables
    assert rows(
        session,
        "DECLARE @t TABLE (a int); INSERT @t VALUES (1), (2);"
        " WHILE EXISTS (SELECT 1 FROM @t) DELETE FROM @t WHERE a = (SELECT min(a) FROM @t);"
        " SELECT count(*) FROM @t",
    ) == [(0,)]
    assert rows(
        session,
        "EXEC sp_executesql N'DECLARE @i int = 0; WHILE @i < @n SET @i += 1; SELECT @i',"
        " N'@n int', @n = 3",
    ) == [(3,)]
    # BEGIN TRAN is no block
    assert rows(session, "BEGIN TRAN; IF @@TRANCOUNT = 1 SELECT 1; COMMIT") == [(1,)]


def test_an_error_in_a_block_names_its_line(session: EngineSession) -> None:
    err = _error(session, "SELECT 1\nIF 1 = 1\nBEGIN\n  SELECT 2\n  SELECT 1 / 0\nEND")
    assert (err.number, err.line) == (8134, 5)


def test_what_a_batch_refuses(session: EngineSession) -> None:
    """RETURN outside a procedure, GOTO and TRY...CATCH in a trigger are not modelled
    (40517); BREAK outside a WHILE is a syntax error."""
    assert _error(session, "SELECT 1; RETURN").number == 40517
    assert _error(session, "GOTO done").number == 40517
    run(session, "CREATE TABLE dbo.tried (a int)")
    run(
        session,
        "CREATE TRIGGER dbo.tried_insert ON dbo.tried AFTER INSERT AS"
        " BEGIN TRY SELECT 1 END TRY BEGIN CATCH END CATCH",
    )
    refused = _error(session, "INSERT dbo.tried VALUES (1)")
    assert refused.number == 40517 and "TRY...CATCH in a trigger" in refused.message
    assert _error(session, "IF 1 = 1 BREAK").number == 156


def test_a_procedure_body_with_if_while_and_return(session: EngineSession) -> None:
    run(
        session,
        "CREATE PROCEDURE dbo.countdown @n int AS\nBEGIN\n  IF @n < 0 RETURN 9\n"
        "  WHILE @n > 0\n  BEGIN\n    SELECT @n\n    SET @n -= 1\n  END\n  RETURN 0\nEND",
    )
    assert rows(session, "DECLARE @r int; EXEC @r = dbo.countdown 2; SELECT @r") == [
        (2,),
        (1,),
        (0,),
    ]
    assert rows(session, "DECLARE @r int; EXEC @r = dbo.countdown -1; SELECT @r") == [(9,)]


def test_an_error_in_a_procedure_or_dynamic_batch_names_its_own_line(
    session: EngineSession,
) -> None:
    """SQL Server reports the line in the procedure's definition (and names it), and
    the line in the EXEC string's batch, not the caller's EXEC line."""
    run(session, "CREATE PROCEDURE dbo.fails AS\nBEGIN\n  SELECT 1\n  SELECT 1 / 0\nEND")
    err = _error(session, "SELECT 1\nEXEC dbo.fails")
    assert (err.number, err.line, err.procedure) == (8134, 4, "dbo.fails")
    err = _error(session, "SELECT 1\nEXEC ('SELECT 1\nSELECT 2\nSELECT 1 / 0')")
    assert (err.number, err.line, err.procedure) == (8134, 3, None)
