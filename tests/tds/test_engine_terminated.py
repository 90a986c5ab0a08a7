"""Msg 3621 after an error that ends a DML statement (engine/terminated.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engine_helpers import run

from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import SessionInfo, TdsError


@pytest.fixture
def session() -> Iterator[EngineSession]:
    with Engine() as eng:
        s = eng.session(SessionInfo(spid=51, user="sa", database="tdb"))
        run(s, "CREATE TABLE dbo.k (id int PRIMARY KEY, n int NULL)")
        run(s, "INSERT INTO dbo.k (id, n) VALUES (1, 1)")
        yield s
        s.close()


def error(s: EngineSession, sql: str) -> TdsError:
    with pytest.raises(TdsError) as info:
        run(s, sql)
    return info.value


@pytest.mark.parametrize(
    ("sql", "number"),
    [
        ("INSERT INTO dbo.k (id) VALUES (1)", 2627),
        ("UPDATE dbo.k SET n = 1 / (n - 1) WHERE id = 1", 8134),
    ],
)
def test_a_terminated_dml_statement_is_followed_by_3621(session, sql, number):
    exc = error(session, sql)
    assert exc.number == number
    assert [(m.number, m.severity, m.message) for m in exc.following] == [
        (3621, 0, "The statement has been terminated.")
    ]


def test_a_select_that_fails_is_not_followed_by_it(session):
    assert error(session, "SELECT 1 / (n - 1) FROM dbo.k").following == ()
