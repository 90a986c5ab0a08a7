"""System-versioned temporal tables at work (engine/system_versioning.py, system_time.py):
the period columns fill themselves, UPDATE and DELETE keep the old rows in the history
table, FOR SYSTEM_TIME reads both, and the writes SQL Server refuses are refused with its
numbers ("Modify data in a system-versioned temporal table", "Query data in a
system-versioned temporal table"). Both ODBC drivers."""

from __future__ import annotations

import datetime as dt
from contextlib import closing

import pyodbc
import pytest

END_OF_TIME = dt.datetime(9999, 12, 31, 23, 59, 59, 999999)


def _drop(cur: pyodbc.Cursor, name: str) -> None:
    """DROP TABLE IF EXISTS dbo.<name>, SYSTEM_VERSIONING turned OFF first (else 13552)."""
    if cur.execute("SELECT temporal_type FROM sys.tables WHERE name = ?", name).fetchval() == 2:
        cur.execute(f"ALTER TABLE dbo.{name} SET (SYSTEM_VERSIONING = OFF)")
    cur.execute(f"DROP TABLE IF EXISTS dbo.{name}")


def _create(cur: pyodbc.Cursor) -> None:
    _drop(cur, "Dept")
    cur.execute("DROP TABLE IF EXISTS dbo.DeptHistory")
    cur.execute(
        "CREATE TABLE dbo.Dept (DeptID int NOT NULL PRIMARY KEY, Name nvarchar(20),"
        " ValidFrom datetime2 GENERATED ALWAYS AS ROW START NOT NULL,"
        " ValidTo datetime2 GENERATED ALWAYS AS ROW END NOT NULL,"
        " PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo))"
        " WITH (SYSTEM_VERSIONING = ON (HISTORY_TABLE = dbo.DeptHistory))"
    )


def test_changes_keep_the_old_rows_in_the_history(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        _create(cur)
        before = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=5)
        cur.execute("INSERT INTO dbo.Dept (DeptID, Name) VALUES (1, 'Sales'), (2, 'Ops')")
        cur.execute("INSERT INTO dbo.Dept VALUES (3, 'IT', DEFAULT, DEFAULT)")
        rows = cur.execute("SELECT DeptID, ValidFrom, ValidTo FROM dbo.Dept").fetchall()
        assert [r[0] for r in rows] == [1, 2, 3]
        assert all(before < r[1] < END_OF_TIME and r[2] == END_OF_TIME for r in rows)
        started = rows[0][1]
        cur.execute("WAITFOR DELAY '00:00:00.010'")
        cur.execute("UPDATE dbo.Dept SET Name = 'Sales EU' WHERE DeptID = 1")
        cur.execute("DELETE FROM dbo.Dept WHERE DeptID = 2")
        history = cur.execute(
            "SELECT DeptID, Name, ValidFrom, ValidTo FROM dbo.DeptHistory ORDER BY DeptID"
        ).fetchall()
        assert [(r[0], r[1], r[2]) for r in history] == [(1, "Sales", started), (2, "Ops", started)]
        now = cur.execute("SELECT ValidFrom FROM dbo.Dept WHERE DeptID = 1").fetchval()
        assert history[0][3] == now > started  # the old row ends when the new one starts
        everything = cur.execute(
            "SELECT DeptID, Name FROM dbo.Dept FOR SYSTEM_TIME ALL ORDER BY DeptID, ValidFrom"
        ).fetchall()
        assert [tuple(r) for r in everything] == [
            (1, "Sales"),
            (1, "Sales EU"),
            (2, "Ops"),
            (3, "IT"),
        ]
        then = cur.execute(
            "SELECT d.DeptID, d.Name FROM dbo.Dept FOR SYSTEM_TIME AS OF ? AS d ORDER BY d.DeptID",
            started,
        ).fetchall()
        assert [tuple(r) for r in then] == [(1, "Sales"), (2, "Ops")]


@pytest.mark.parametrize(
    ("statement", "number"),
    [
        ("INSERT INTO dbo.Dept (DeptID, ValidFrom) VALUES (9, '2020-01-01')", 13536),
        ("UPDATE dbo.Dept SET ValidTo = '2020-01-01'", 13537),
        ("INSERT INTO dbo.DeptHistory (DeptID) VALUES (9)", 13559),
        ("UPDATE dbo.DeptHistory SET Name = 'x'", 13561),
        ("DELETE FROM dbo.DeptHistory", 13560),
        ("SELECT * FROM dbo.DeptHistory FOR SYSTEM_TIME ALL", 13544),
    ],
)
def test_writes_sql_server_refuses(
    cursor: closing[pyodbc.Cursor], statement: str, number: int
) -> None:
    with cursor as cur:
        _create(cur)
        with pytest.raises(pyodbc.Error) as raised:
            cur.execute(statement)
        assert f"({number})" in str(raised.value)


def test_hidden_period_columns_need_no_values(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        _drop(cur, "Loc")
        cur.execute(
            "CREATE TABLE dbo.Loc (LocID int IDENTITY PRIMARY KEY, City varchar(20),"
            " ValidFrom datetime2(0) GENERATED ALWAYS AS ROW START HIDDEN NOT NULL,"
            " ValidTo datetime2(0) GENERATED ALWAYS AS ROW END HIDDEN NOT NULL,"
            " PERIOD FOR SYSTEM_TIME (ValidFrom, ValidTo)) WITH (SYSTEM_VERSIONING = ON)"
        )
        cur.execute("INSERT INTO dbo.Loc VALUES ('Oslo')")
        cur.execute("UPDATE dbo.Loc SET City = 'Bergen'")
        assert [tuple(r) for r in cur.execute("SELECT * FROM dbo.Loc")] == [(1, "Bergen")]
        assert cur.execute("SELECT ValidTo FROM dbo.Loc").fetchval() == dt.datetime(
            9999, 12, 31, 23, 59, 59
        )
        rows = cur.execute("SELECT City FROM dbo.Loc FOR SYSTEM_TIME ALL ORDER BY ValidTo")
        assert [r[0] for r in rows] == ["Oslo", "Bergen"]


def test_versioning_off_before_drop_or_truncate(cursor: closing[pyodbc.Cursor]) -> None:
    """ "Stop system-versioning on a system-versioned temporal table": DROP TABLE of either
    table is 13552 and TRUNCATE TABLE of the versioned one 13545 until SYSTEM_VERSIONING
    is OFF; then they are two plain tables, the period columns still filled."""
    with cursor as cur:
        _create(cur)
        cur.execute("INSERT INTO dbo.Dept (DeptID, Name) VALUES (1, 'Sales')")
        for statement, number, text in [
            ("DROP TABLE dbo.Dept", 13552, "Drop table operation failed on table"
             " 'master.dbo.Dept' because it is not a supported operation on system-versioned"
             " temporal tables."),
            ("DROP TABLE dbo.DeptHistory", 13552, "table 'master.dbo.DeptHistory' because"),
            ("TRUNCATE TABLE dbo.Dept", 13545, "Truncate failed on table 'master.dbo.Dept'"
             " because it is not a supported operation on system-versioned tables."),
            ("ALTER TABLE dbo.DeptHistory SET (SYSTEM_VERSIONING = OFF)", 13591,
             "SYSTEM_VERSIONING is not turned ON for table 'master.dbo.DeptHistory'."),
        ]:  # fmt: skip
            with pytest.raises(pyodbc.Error) as raised:
                cur.execute(statement)
            assert f"({number})" in str(raised.value) and text in str(raised.value)
        cur.execute("ALTER TABLE dbo.Dept SET (SYSTEM_VERSIONING = OFF)")
        kinds = cur.execute(
            "SELECT name, temporal_type, history_table_id FROM sys.tables"
            " WHERE name LIKE 'Dept%' ORDER BY name"
        ).fetchall()
        assert [tuple(r) for r in kinds] == [("Dept", 0, None), ("DeptHistory", 0, None)]
        started = cur.execute("SELECT ValidFrom FROM dbo.Dept").fetchval()
        cur.execute("WAITFOR DELAY '00:00:00.010'")
        cur.execute("UPDATE dbo.Dept SET Name = 'Ops'")
        assert cur.execute("SELECT ValidFrom FROM dbo.Dept").fetchval() > started
        cur.execute("DELETE FROM dbo.Dept")
        cur.execute("INSERT INTO dbo.DeptHistory VALUES (9, 'Old', '2020-01-01', '2021-01-01')")
        assert cur.execute("SELECT DeptID FROM dbo.DeptHistory").fetchval() == 9
        cur.execute("TRUNCATE TABLE dbo.Dept")
        cur.execute("DROP TABLE dbo.Dept, dbo.DeptHistory")
