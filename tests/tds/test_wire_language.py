"""SET DATEFIRST and SET LANGUAGE through both ODBC drivers.

"SET DATEFIRST (Transact-SQL)": 1 (Monday) to 7 (Sunday, us_english's default), read by
@@DATEFIRST, DATEPART(weekday) and DATEPART(week) (the table of "DATEPART
(Transact-SQL)") and DATETRUNC(week) (its example B), not by DATEDIFF. "SET LANGUAGE
(Transact-SQL)": a language of sys.syslanguages by name or alias, which sets DATEFORMAT
and DATEFIRST; the test server has us_english (mdy, 7) and British (dmy, 1). The errors
are from "Database Engine events and errors (2000 to 2999)": 2740 "SET LANGUAGE failed
because '%.*ls' is not an official language name or a language alias on this SQL
Server." and 2742 "SET DATEFIRST %d is out of range."; the message SET LANGUAGE sends,
5703 "Changed language setting to %.*ls.", from "(5000 to 5999)". The client tracks the
language by the ENVCHANGE (type 2, [MS-TDS] 2.2.7.9) each change sends, and a login
(LOGIN7, [MS-TDS] 2.2.6.4) may name the language its session starts in."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing

import pyodbc
import pytds
import pytest
from engine_helpers import rows

from tds_test_server import ThreadedTdsServer
from tds_test_server.engine.engine import Engine
from tds_test_server.results import SessionInfo

_names = itertools.count()
# "DATEPART (Transact-SQL)": (week, weekday) of 2007-04-21, a Saturday, per SET DATEFIRST
APRIL_21_2007 = {1: (16, 6), 2: (17, 5), 3: (17, 4), 4: (17, 3), 5: (17, 2), 6: (17, 1), 7: (16, 7)}
# DATETRUNC's example B: the week of 2021-11-11 starts on ... under SET DATEFIRST n
NOVEMBER_11_2021 = {7: dt.date(2021, 11, 7), 6: dt.date(2021, 11, 6), 3: dt.date(2021, 11, 10)}


def _settings(cur: pyodbc.Cursor) -> tuple[object, ...]:
    row = cur.execute(
        "SELECT @@LANGUAGE, @@DATEFIRST, s.language, s.date_format, s.date_first,"
        " r.language, r.date_first FROM sys.dm_exec_sessions s"
        " JOIN sys.dm_exec_requests r ON r.session_id = s.session_id"
        " WHERE s.session_id = @@SPID"
    ).fetchone()
    return tuple(row)


def test_datefirst_numbers_the_days_and_weeks(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        assert cur.execute("SELECT @@DATEFIRST").fetchval() == 7
        for first, expected in APRIL_21_2007.items():
            cur.execute(f"SET DATEFIRST {first}")
            row = cur.execute(
                "SELECT @@DATEFIRST, DATEPART(week, '2007-04-21'), DATEPART(dw, '2007-04-21'),"
                " DATEPART(wk, 'Jan 1, 2007'),"
                " DATEDIFF(week, '2024-03-09', '2024-03-10')"  # a Saturday and a Sunday
            ).fetchone()
            # January 1 is always week 1; DATEDIFF starts weeks on Sunday whatever is set
            assert tuple(row) == (first, *expected, 1, 1)
        for first, monday in NOVEMBER_11_2021.items():
            cur.execute("DECLARE @f int = ?; SET DATEFIRST @f", first)
            start = cur.execute(
                "SELECT DATETRUNC(week, CAST('2021-11-11 11:11:11.1234567' AS datetime2))"
            ).fetchval()
            assert start == dt.datetime.combine(monday, dt.time())
        for bad in ("8", "0", "-1"):
            with pytest.raises(pyodbc.Error, match=rf"SET DATEFIRST {bad} is out of range.*2742"):
                cur.execute(f"SET DATEFIRST {bad}")
        assert cur.execute("SELECT @@DATEFIRST").fetchval() == 3  # unchanged


def test_set_language_sets_the_date_order_and_first_day(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        assert _settings(cur) == ("us_english", 7, "us_english", "mdy", 7, "us_english", 7)
        cur.execute("SET LANGUAGE British")
        assert [m[1] for m in cur.messages][-1].endswith("Changed language setting to British.")
        assert _settings(cur) == ("British", 1, "British", "dmy", 1, "British", 1)
        row = cur.execute(
            "SELECT CAST('03/04/2024' AS date), DATEPART(dw, '2024-03-04'),"
            " DATENAME(weekday, '2024-03-04'), DATENAME(month, '2024-03-04')"
        ).fetchone()
        assert tuple(row) == (dt.date(2024, 4, 3), 1, "Monday", "March")  # English names
        cur.execute("SET DATEFIRST 7")  # set after the language, it stands
        assert _settings(cur)[:2] == ("British", 7)
        with pytest.raises(pyodbc.Error, match=r"'Klingon' is not an official language.*2740"):
            cur.execute("SET LANGUAGE Klingon")
        assert _settings(cur)[:2] == ("British", 7)  # unchanged
        # by alias, as N'', quoted or from a sysname variable
        cur.execute("SET LANGUAGE N'English'")
        assert _settings(cur)[:5] == ("us_english", 7, "us_english", "mdy", 7)
        cur.execute("DECLARE @l sysname = N'British English'; SET LANGUAGE @l")
        assert _settings(cur)[0] == "British"
        cur.execute("SET LANGUAGE 'us_english'")
        assert cur.execute("SELECT CAST('03/04/2024' AS date)").fetchval() == dt.date(2024, 3, 4)


def test_a_procedures_set_language_ends_with_it_and_other_sessions_see_it(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """ "SET Statements (Transact-SQL)": a SET in a procedure lasts until it returns."""
    connect = wire_server.odbc_connection_string(driver=odbc_driver)
    proc = f"british_{next(_names)}"
    with (
        closing(pyodbc.connect(connect, autocommit=True, timeout=10)) as a,
        closing(pyodbc.connect(connect, autocommit=True, timeout=10)) as b,
    ):
        ca, cb = a.cursor(), b.cursor()
        ca.execute(f"CREATE PROCEDURE {proc} AS SET LANGUAGE British; SELECT @@DATEFIRST")
        assert ca.execute(f"EXEC {proc}").fetchval() == 1
        assert _settings(ca)[:5] == ("us_english", 7, "us_english", "mdy", 7)
        ca.execute("SET LANGUAGE British")
        spid = ca.execute("SELECT @@SPID").fetchval()
        seen = "SELECT language, date_format, date_first FROM sys.dm_exec_sessions"
        assert tuple(cb.execute(f"{seen} WHERE session_id = ?", spid).fetchone()) == (
            "British",
            "dmy",
            1,
        )
        assert _settings(cb)[:2] == ("us_english", 7)  # b keeps its own


def test_a_pooled_connections_reset_returns_to_us_english(wire_server: ThreadedTdsServer) -> None:
    # pytds's pool resets a reused connection with the RPC sp_reset_connection.
    kwargs = {**wire_server.pytds_kwargs(), "autocommit": True, "pooling": True}
    with pytds.connect(**kwargs) as first:
        cur = first.cursor()
        cur.execute("SET LANGUAGE British")
        cur.execute("SET DATEFIRST 3")
        cur.execute("SELECT @@SPID")
        spid = cur.fetchone()[0]
    with pytds.connect(**kwargs) as second:
        cur = second.cursor()
        cur.execute("SELECT @@SPID, @@LANGUAGE, @@DATEFIRST, CAST('03/04/2024' AS date)")
        assert cur.fetchone() == (spid, "us_english", 7, dt.date(2024, 3, 4))


@pytest.mark.parametrize("asked", ["British", "british english"])
def test_the_logins_language_is_the_sessions(
    wire_server: ThreadedTdsServer, odbc_driver: str, asked: str
) -> None:
    """Both drivers send the connection string's Language in LOGIN7: the session starts
    in it (by name or alias), with its DATEFORMAT and DATEFIRST."""
    connect = wire_server.odbc_connection_string(driver=odbc_driver) + f";Language={asked}"
    with closing(pyodbc.connect(connect, autocommit=True, timeout=10)) as cnxn:
        cur = cnxn.cursor()
        assert _settings(cur) == ("British", 1, "British", "dmy", 1, "British", 1)
        assert cur.execute("SELECT CAST('03/04/2024' AS date)").fetchval() == dt.date(2024, 4, 3)
        cur.execute("SET LANGUAGE us_english")
        assert _settings(cur)[:2] == ("us_english", 7)


def test_a_login_in_a_language_the_server_lacks_fails(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    connect = wire_server.odbc_connection_string(driver=odbc_driver) + ";Language=Deutsch"
    with pytest.raises(pyodbc.Error, match=r"language 'Deutsch'.*it has us_english and British"):
        pyodbc.connect(connect, autocommit=True, timeout=10)


def test_set_language_tells_the_client_by_envchange(wire_server: ThreadedTdsServer) -> None:
    """pytds keeps the language of each ENVCHANGE type 2: after the login's, after SET
    LANGUAGE in a batch and in an RPC (sp_executesql), not after a failed one."""
    with pytds.connect(**wire_server.pytds_kwargs(), autocommit=True) as conn:
        env = conn._tds_socket.env
        cur = conn.cursor()
        assert env.language == "us_english"
        cur.execute("SET LANGUAGE British")
        assert env.language == "British"
        cur.execute("EXEC sp_executesql N'SET LANGUAGE us_english'")
        assert env.language == "us_english"
        cur.execute("SELECT 1 WHERE 1 = %s", (1,))  # an RPC that changes nothing
        assert env.language == "us_english"
        cur.execute("SET LANGUAGE N'British English'")
        with pytest.raises(pytds.Error, match="Klingon"):
            cur.execute("SET LANGUAGE Klingon")
        assert env.language == "British"


def test_a_reset_returns_to_the_logins_language() -> None:
    """sp_reset_connection restores the language the login asked for, not us_english."""
    with Engine() as engine:
        session = engine.session(
            SessionInfo(spid=51, user="sa", database="master", language="british")
        )
        assert session.info.language == "British"  # as sys.syslanguages names it
        rows(session, "SET LANGUAGE us_english")
        assert session.info.language == "us_english"
        session.reset_connection()
        assert session.info.language == "British"
        assert rows(session, "SELECT @@LANGUAGE, @@DATEFIRST") == [("British", 1)]


def test_a_logins_default_language_is_the_sessions_unless_the_login_names_one(
    odbc_driver: str,
) -> None:
    """CREATE LOGIN ... WITH DEFAULT_LANGUAGE: a session starts in it when the login
    (LOGIN7) names none, as Microsoft's driver does unless told; FreeTDS names
    us_english (freetds.conf's default language), so its sessions do not."""
    with ThreadedTdsServer(sample=False, logins=["brit:pw:DEFAULT_LANGUAGE=British"]) as server:
        connect = server.odbc_connection_string(driver=odbc_driver, user="brit", password="pw")
        sent = "us_english" if odbc_driver == "freetds" else ""
        with closing(pyodbc.connect(connect, autocommit=True, timeout=10)) as cnxn:
            assert server.record.logins[-1].language == sent
            expected = ("us_english", 7) if sent else ("British", 1)
            assert _settings(cnxn.cursor())[:2] == expected
        named = f"{connect};Language=us_english"
        with closing(pyodbc.connect(named, autocommit=True, timeout=10)) as cnxn:
            cur = cnxn.cursor()
            assert _settings(cur)[:2] == ("us_english", 7)
            query = "SELECT CAST('2024-02-01' AS datetime)"
            assert cur.execute(query).fetchval() == dt.datetime(2024, 2, 1)
            cur.execute("SET LANGUAGE British")  # yyyy-dd-mm for datetime
            assert cur.execute(query).fetchval() == dt.datetime(2024, 1, 2)
