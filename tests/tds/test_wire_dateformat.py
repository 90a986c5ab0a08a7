"""SET DATEFORMAT, through both ODBC drivers: the order of a numeric date's parts for the
session ("SET DATEFORMAT (Transact-SQL)": mdy, dmy, ymd, ydm, myd, dym; ISO 8601 and
unseparated dates are read as they are under every order), with SQL Server's split
between datetime and the newer types (date, datetime2, datetimeoffset: ydm "is not
supported" for them, and they read a four-digit year first as year, month, day)."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

_TYPES = ("date", "datetime", "datetime2", "datetimeoffset")
_names = itertools.count()
MARCH_4, APRIL_3, APRIL_5, MAY_4 = (
    dt.date(2024, 3, 4),
    dt.date(2024, 4, 3),
    dt.date(2024, 4, 5),
    dt.date(2024, 5, 4),
)
# (order, text) -> the day each of date, datetime, datetime2, datetimeoffset reads, None
# where the conversion fails (TRY_CAST's NULL).
READ = {
    ("mdy", "03/04/2024"): (MARCH_4,) * 4,
    ("dmy", "03/04/2024"): (APRIL_3,) * 4,
    ("ymd", "03/04/2024"): (MARCH_4,) * 4,
    ("ydm", "03/04/2024"): (None, APRIL_3, None, None),
    ("myd", "03/04/2024"): (None, MARCH_4, None, None),
    ("dym", "03/04/2024"): (None, APRIL_3, None, None),
    ("mdy", "04/05/2024"): (APRIL_5,) * 4,
    ("dmy", "05/04/2024"): (APRIL_5,) * 4,
    ("ymd", "2024/04/05"): (APRIL_5,) * 4,
    ("ydm", "2024/05/04"): (MAY_4, APRIL_5, MAY_4, MAY_4),
    ("myd", "04/2024/05"): (APRIL_5,) * 4,
    ("dym", "05/2024/04"): (APRIL_5,) * 4,
    ("ymd", "24/04/05"): (APRIL_5,) * 4,
    ("mdy", "24/04/05"): (None,) * 4,
    ("dmy", "2024-05-04"): (MAY_4, APRIL_5, MAY_4, MAY_4),  # datetime: year, day, month
}


def _day(value: object) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value  # type: ignore[return-value]


@pytest.mark.parametrize(("order", "text"), list(READ))
def test_each_order_reads_numeric_dates_as_sql_server_does(
    cursor: closing[pyodbc.Cursor], order: str, text: str
) -> None:
    # a datetimeoffset is read back as a date: pyodbc has no converter for its SQL type
    casts = ", ".join(f"CAST(TRY_CAST(N'{text}' AS {t}) AS date)" for t in _TYPES)
    with cursor as cur:
        cur.execute(f"SET DATEFORMAT {order}")
        row = cur.execute(f"SELECT {casts}").fetchone()
        assert tuple(_day(v) for v in row) == READ[order, text]
        if text == "2024-05-04":
            # a parameter in this form is taken for a stored date (docs/test-server-limits.md)
            return
        # a parameter is read in the same order
        row = cur.execute("SELECT TRY_CAST(? AS date), TRY_CAST(? AS datetime)", text, text)
        assert tuple(_day(v) for v in row.fetchone()) == READ[order, text][:2]


def test_ydm_dmy_iso_8601_and_a_bad_order(cursor: closing[pyodbc.Cursor]) -> None:
    """ISO 8601 and unseparated dates are read alike under every order; from the page's
    example, under dmy '12/31/2008' is no date (Msg 241)."""
    with cursor as cur:
        for order in ("dmy", "ydm"):
            cur.execute(f"SET DATEFORMAT {order}")
            row = cur.execute(
                "SELECT CAST('2024-03-04T05:06:07' AS datetime), CAST('20240304' AS datetime),"
                " CAST('2024-03-04' AS date),"
                " CAST(CAST('2024-03-04 05:06 +02:00' AS datetimeoffset) AS date),"
                " CAST('March 4, 2024' AS datetime), CAST('2024-03-04' AS datetime)"
            ).fetchone()
            assert [_day(v) for v in row] == [MARCH_4] * 5 + [APRIL_3]
        cur.execute("SET DATEFORMAT ydm")
        assert cur.execute("SELECT CAST('2024/31/12' AS datetime)").fetchone()[0] == dt.datetime(
            2024, 12, 31
        )
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):
            cur.execute("SELECT CAST('2024/31/12' AS date)").fetchall()
        cur.execute("SET DATEFORMAT 'dmy'")
        row = cur.execute("SELECT CAST('31/12/2008 09:01:01.1234567' AS datetime2)").fetchone()
        assert row[0] == dt.datetime(2008, 12, 31, 9, 1, 1, 123456)
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):
            cur.execute("SELECT CAST('12/31/2008 09:01:01.1234567' AS datetime2)").fetchall()
        with pytest.raises(pyodbc.Error, match=r"date order 'xyz' is invalid\..*\(2741\)"):
            cur.execute("SET DATEFORMAT xyz")
        assert (
            cur.execute("SELECT CAST('03/04/2024' AS date)").fetchone()[0] == APRIL_3
        )  # dmy still
        cur.execute("DECLARE @f sysname = N'mdy'; SET DATEFORMAT @f")
        assert cur.execute("SELECT CAST('03/04/2024' AS date)").fetchone()[0] == MARCH_4
        # a procedure's SET ends with it ("SET Statements (Transact-SQL)")
        proc = f"dmy_{next(_names)}"
        cur.execute(
            f"CREATE PROCEDURE {proc} AS SET DATEFORMAT dmy; SELECT CAST('03/04/2024' AS date)"
        )
        assert cur.execute(f"EXEC {proc}").fetchone()[0] == APRIL_3
        assert cur.execute("SELECT CAST('03/04/2024' AS date)").fetchone()[0] == MARCH_4


def test_the_order_belongs_to_the_session_and_to_insert_and_where(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """The same INSERT text stores another date under another order (the translation of
    its literal is not shared), and a comparison reads its string in the session's order."""
    name = f"ordered_{next(_names)}"
    connect = wire_server.odbc_connection_string(driver=odbc_driver)
    with (
        closing(pyodbc.connect(connect, autocommit=True, timeout=10)) as a,
        closing(pyodbc.connect(connect, autocommit=True, timeout=10)) as b,
    ):
        ca, cb = a.cursor(), b.cursor()
        ca.execute(f"CREATE TABLE {name} (id int, at datetime, day date)")
        ca.execute("SET DATEFORMAT dmy")
        insert = f"INSERT INTO {name} VALUES (?, '03/04/2024', '2024-05-04')"
        ca.execute(insert, 1)
        cb.execute(insert, 2)  # b still reads mdy
        rows = cb.execute(f"SELECT id, at, day FROM {name} ORDER BY id").fetchall()
        assert [(r[0], r[1].date(), r[2]) for r in rows] == [
            (1, APRIL_3, MAY_4),
            (2, MARCH_4, MAY_4),
        ]
        ids = ca.execute(f"SELECT id FROM {name} WHERE at = '03/04/2024'").fetchall()
        assert [r[0] for r in ids] == [1]
        ids = ca.execute(f"SELECT id FROM {name} WHERE at = '2024-03-04'").fetchall()
        assert [r[0] for r in ids] == [1]  # datetime: year, day, month under dmy


def test_the_session_dmvs_show_each_sessions_date_format(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """sys.dm_exec_sessions and sys.dm_exec_requests give a session's SET DATEFORMAT
    (another session sees it too); SET DATEFORMAT leaves its language and first day of
    the week us_english's, as @@LANGUAGE and @@DATEFIRST say."""
    connect = wire_server.odbc_connection_string(driver=odbc_driver)
    with (
        closing(pyodbc.connect(connect, autocommit=True, timeout=10)) as a,
        closing(pyodbc.connect(connect, autocommit=True, timeout=10)) as b,
    ):
        ca, cb = a.cursor(), b.cursor()
        ca.execute("SET DATEFORMAT dmy")
        spid = ca.execute("SELECT @@SPID").fetchone()[0]
        own = ca.execute(
            "SELECT s.date_format, r.date_format, s.language, s.date_first, @@LANGUAGE,"
            " @@DATEFIRST FROM sys.dm_exec_sessions s"
            " JOIN sys.dm_exec_requests r ON r.session_id = s.session_id"
            " WHERE s.session_id = @@SPID"
        ).fetchone()
        assert tuple(own) == ("dmy", "dmy", "us_english", 7, "us_english", 7)
        seen = "SELECT date_format FROM sys.dm_exec_sessions WHERE session_id = ?"
        assert cb.execute(seen, spid).fetchone()[0] == "dmy"
        assert cb.execute(seen.replace("= ?", "= @@SPID")).fetchone()[0] == "mdy"
        ca.execute("SET DATEFORMAT ymd")
        assert cb.execute(seen, spid).fetchone()[0] == "ymd"
