"""sp_set_session_context and SESSION_CONTEXT(N'key'): per session, read-only keys, NULL
frees a key, a connection reset clears them; through both ODBC drivers and the engine."""

from __future__ import annotations

from collections.abc import Iterator

import pyodbc
import pytds
import pytest
from engine_helpers import rows

from tds_test_server import ThreadedTdsServer
from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.results import SessionInfo, TdsError


def _connect(server: ThreadedTdsServer, driver: str) -> pyodbc.Connection:
    return pyodbc.connect(server.odbc_connection_string(driver=driver), autocommit=True, timeout=10)


def test_exec_and_call_forms_set_keys_per_session(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    one, two = _connect(wire_server, odbc_driver), _connect(wire_server, odbc_driver)
    try:
        a, b = one.cursor(), two.cursor()
        a.execute("EXEC sys.sp_set_session_context @key = N'tenant', @value = 42")
        b.execute("EXEC sp_set_session_context N'tenant', N'other'")
        assert a.execute("SELECT SESSION_CONTEXT(N'TENANT')").fetchone()[0] == 42
        assert b.execute("SELECT SESSION_CONTEXT(N'tenant')").fetchone()[0] == "other"
        assert a.execute("SELECT SESSION_CONTEXT(N'unset')").fetchone()[0] is None
        # {CALL} is an RPC (Driver 18: sp_prepexecrpc); a parameterised EXEC is a batch.
        a.execute("{CALL sp_set_session_context (?, ?)}", "user_oid", "0000-aaaa")
        a.execute("EXEC sp_set_session_context ?, ?", "n", 7)
        got = a.execute("SELECT SESSION_CONTEXT(N'user_oid'), SESSION_CONTEXT(N'n')").fetchone()
        assert tuple(got) == ("0000-aaaa", 7)
        filtered = a.execute(
            "SELECT 1 WHERE CAST(SESSION_CONTEXT(N'tenant') AS int) = 42"
        ).fetchall()
        assert len(filtered) == 1
    finally:
        one.close()
        two.close()


def test_read_only_key_cannot_change(wire_server: ThreadedTdsServer, odbc_driver: str) -> None:
    cnxn = _connect(wire_server, odbc_driver)
    try:
        cur = cnxn.cursor()
        cur.execute("EXEC sp_set_session_context 'locked', 'first', @read_only = 1")
        with pytest.raises(pyodbc.Error, match=r"read_only.*\(15664\)"):
            cur.execute("EXEC sp_set_session_context 'locked', 'second'")
        with pytest.raises(pyodbc.Error, match=r"\(15664\)"):
            cur.execute("EXEC sp_set_session_context 'locked', NULL")
        assert cur.execute("SELECT SESSION_CONTEXT(N'locked')").fetchone()[0] == "first"
    finally:
        cnxn.close()


@pytest.fixture
def session() -> Iterator[EngineSession]:
    with Engine() as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="master"))
        yield s
        s.close()


def test_null_frees_a_key_and_reset_clears_read_only_keys(session: EngineSession) -> None:
    rows(session, "EXEC sp_set_session_context 'a', 1")
    rows(session, "EXEC sp_set_session_context 'a', NULL")
    assert rows(session, "SELECT SESSION_CONTEXT(N'a')") == [(None,)]
    rows(session, "EXEC sp_set_session_context 'b', 2, 1")
    session.reset_connection()  # sp_reset_connection: a new logical connection
    assert rows(session, "SELECT SESSION_CONTEXT(N'b')") == [(None,)]
    rows(session, "EXEC sp_set_session_context 'b', 3")
    assert rows(session, "SELECT SESSION_CONTEXT(N'b')") == [(3,)]


def test_sizes_are_checked(session: EngineSession) -> None:
    with pytest.raises(TdsError) as key:
        rows(session, f"EXEC sp_set_session_context '{'k' * 129}', 1")
    assert (key.value.number, key.value.message) == (
        8152,
        "String or binary data would be truncated.",
    )
    with pytest.raises(TdsError) as value:
        rows(session, f"EXEC sp_set_session_context 'k', N'{'v' * 4001}'")
    assert value.value.number == 8152
    for i in range(140):  # 140 values of 8,000 bytes pass 1 MB
        try:
            rows(session, f"EXEC sp_set_session_context 'k{i}', N'{'v' * 4000}'")
        except TdsError as exc:
            assert exc.number == 15665
            break
    else:
        pytest.fail("the 1 MB limit was not enforced")


def test_pooled_connection_reset_clears_read_only_keys(wire_server: ThreadedTdsServer) -> None:
    # pytds's pool resets a reused connection with the RPC sp_reset_connection.
    kwargs = {**wire_server.pytds_kwargs(), "autocommit": True, "pooling": True}
    with pytds.connect(**kwargs) as first:
        cur = first.cursor()
        cur.execute("EXEC sp_set_session_context N'user_oid', N'alice', @read_only = 1")
        cur.execute("SELECT @@SPID")
        spid = cur.fetchone()[0]
    with pytds.connect(**kwargs) as second:
        cur = second.cursor()
        cur.execute("SELECT @@SPID, SESSION_CONTEXT(N'user_oid')")
        assert cur.fetchone() == (spid, None)  # the same session, its context cleared
        cur.execute("EXEC sp_set_session_context N'user_oid', N'bob'")
        cur.execute("SELECT SESSION_CONTEXT(N'user_oid')")
        assert cur.fetchone()[0] == "bob"
