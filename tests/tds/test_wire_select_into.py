"""SELECT ... INTO through both ODBC drivers ("SELECT - INTO clause (Transact-SQL)"): the new
table, temporary or permanent, has the name, type and nullability of each select-list
expression and the rows the query chose; the DONE token counts them; an identity column
keeps its IDENTITY property unless the docs' conditions take it away, and is NOT NULL then.
"""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing
from decimal import Decimal

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

_names = itertools.count()

_NO_IDENTITY = r"does not have the identity property.*\(8106\)"


def _source(cur: pyodbc.Cursor) -> str:
    """A permanent table of three rows with an identity column IDENTITY(10, 5)."""
    name = f"into_src_{next(_names)}"
    cur.execute(
        f"CREATE TABLE {name} (id int IDENTITY(10, 5) PRIMARY KEY, d date NOT NULL,"
        " n decimal(10, 2), s nvarchar(20), grp varchar(5))"
    )
    cur.execute(
        f"INSERT INTO {name} (d, n, s, grp) VALUES ('2024-01-02', 1.5, N'x', 'a'),"
        " ('2024-01-03', NULL, N'y', 'a'), ('2024-01-04', 3, NULL, 'b')"
    )
    return name


def test_select_into_makes_a_temporary_table_from_the_select_list(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """The columns in select-list order, named and typed as the SELECT's result is, the
    rows WHERE chose, counted in the DONE token; the identity column keeps IDENTITY(10, 5)
    and goes on from the largest value copied; the table is then a temporary table like
    any other: INSERT, SELECT, DROP, and SELECT ... INTO the name again."""
    with cursor as cur:
        src = _source(cur)
        selected = cur.execute(f"SELECT id, d, n AS amount, s FROM {src}").description
        made = cur.execute(f"SELECT id, d, n AS amount, s INTO #copy FROM {src} WHERE id > 10")
        assert made.rowcount == 2
        assert cur.execute("SELECT @@IDENTITY").fetchval() == 20  # the last one it made
        cur.execute("SELECT * FROM #copy ORDER BY id")
        assert cur.description == selected  # names, types, sizes and nullability
        described = [(d[0], d[1], d[4], d[5]) for d in cur.description]
        assert described == [
            ("id", int, 10, 0),
            ("d", dt.date, 10, 0),
            ("amount", Decimal, 10, 2),
            ("s", str, 20, 0),
        ]
        assert [d[6] for d in cur.description[1:]] == [False, True, True]
        assert [tuple(r) for r in cur.fetchall()] == [
            (15, dt.date(2024, 1, 3), None, "y"),
            (20, dt.date(2024, 1, 4), Decimal("3.00"), None),
        ]
        cur.execute("INSERT INTO #copy (d, amount, s) VALUES ('2024-02-01', 4.25, N'z')")
        assert cur.execute("SELECT SCOPE_IDENTITY()").fetchval() == 25
        assert cur.execute("SELECT count(*) FROM #copy").fetchval() == 3
        cur.execute("DROP TABLE #copy")
        assert cur.execute(f"SELECT * INTO #copy FROM {src}").rowcount == 3
        assert [d[0] for d in cur.execute("SELECT * FROM #copy").description] == [
            "id",
            "d",
            "n",
            "s",
            "grp",
        ]
        # GROUP BY, an aggregate and ORDER BY: the columns as the SELECT types them
        grouped = f"SELECT grp, count(*) AS c, sum(n) AS total INTO #g FROM {src} GROUP BY grp"
        assert cur.execute(grouped + " ORDER BY grp").rowcount == 2
        rows = cur.execute("SELECT grp, c, total FROM #g ORDER BY grp").fetchall()
        assert [tuple(r) for r in rows] == [("a", 2, Decimal("1.50")), ("b", 1, Decimal("3.00"))]
        assert [(d[1], d[5]) for d in cur.description] == [(str, 0), (int, 0), (Decimal, 2)]
        # no rows: the table with its columns, empty
        assert cur.execute(f"SELECT id, s INTO #none FROM {src} WHERE 1 = 0").rowcount == 0
        assert cur.execute("SELECT count(*) FROM #none").fetchval() == 0


def test_an_identity_column_loses_its_property_where_the_docs_say(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """ "Data Types" of the INTO clause: the identity property is not inherited through a
    join, a UNION, an identity column listed twice or one in an expression; the column is
    NOT NULL instead. SET IDENTITY_INSERT shows which kept it (8106 on a table without)."""
    with cursor as cur:
        src = _source(cur)
        cur.execute(f"SELECT id, s INTO #kept FROM {src}")
        cur.execute("SET IDENTITY_INSERT #kept ON")
        cur.execute("SET IDENTITY_INSERT #kept OFF")
        for name, sql in (
            (
                "#joined",
                f"SELECT a.id, b.s INTO #joined FROM {src} AS a JOIN {src} AS b ON b.id = a.id",
            ),
            ("#twice", f"SELECT id, id AS again INTO #twice FROM {src}"),
            ("#summed", f"SELECT id + 0 AS id, s INTO #summed FROM {src}"),
            (
                "#unioned",
                f"SELECT id, s INTO #unioned FROM {src} UNION ALL SELECT id, s FROM {src}",
            ),
        ):
            cur.execute(sql)
            with pytest.raises(pyodbc.Error, match=_NO_IDENTITY):
                cur.execute(f"SET IDENTITY_INSERT {name} ON")
            with pytest.raises(
                pyodbc.IntegrityError, match=r"Cannot insert the value NULL.*\(515\)"
            ):
                cur.execute(f"INSERT INTO {name} (id) VALUES (NULL)")
        assert cur.execute("SELECT count(*) FROM #unioned").fetchval() == 6


def test_the_identity_function_makes_the_new_tables_identity_column(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """IDENTITY(data_type [, seed, increment]) AS name in the select list ("IDENTITY
    (Function) (Transact-SQL)") numbers the rows from the seed, through a join too (the
    docs' example C), and the column goes on counting; seed and increment default to 1.
    A second one is 8109, one beside an inherited identity column 8108 ("Database Engine
    events and errors (8000 to 8999)")."""
    with cursor as cur:
        src = _source(cur)
        joined = (
            f"SELECT IDENTITY(int, 100, 5) AS num, a.s INTO #numbered FROM {src} AS a"
            f" JOIN {src} AS b ON b.id = a.id WHERE a.s IS NOT NULL"
        )
        assert cur.execute(joined).rowcount == 2
        cur.execute("INSERT INTO #numbered (s) VALUES (N'z')")
        rows = cur.execute("SELECT num, s FROM #numbered ORDER BY num").fetchall()
        assert [r[0] for r in rows] == [100, 105, 110]
        assert sorted(r[1] for r in rows) == ["x", "y", "z"]
        assert cur.description[0][1] is int
        cur.execute(f"SELECT n = IDENTITY(bigint), grp INTO #plain FROM {src}")
        assert [r[0] for r in cur.execute("SELECT n FROM #plain ORDER BY n")] == [1, 2, 3]
        twice = (
            r"Attempting to add multiple identity columns to table '#two' using the SELECT"
            r" INTO statement\..*\(8109\)"
        )
        with pytest.raises(pyodbc.Error, match=twice):
            cur.execute(f"SELECT IDENTITY(int) AS a, IDENTITY(int) AS b INTO #two FROM {src}")
        inherited = (
            r"Cannot add identity column, using the SELECT INTO statement, to table '#two',"
            r" which already has column 'id' that inherits the identity property\..*\(8108\)"
        )
        with pytest.raises(pyodbc.Error, match=inherited):
            cur.execute(f"SELECT IDENTITY(int) AS a, id INTO #two FROM {src}")


def test_select_into_a_permanent_table(cursor: closing[pyodbc.Cursor]) -> None:
    """INTO dbo.name makes a permanent table: in sys.columns with the identity property,
    seed and increment, and each column's nullability; a name in use is 2714."""
    with cursor as cur:
        src = _source(cur)
        name = f"into_copy_{next(_names)}"
        assert cur.execute(f"SELECT id, d, n INTO dbo.{name} FROM {src}").rowcount == 3
        assert cur.execute("SELECT @@IDENTITY").fetchval() == 20
        columns = cur.execute(
            "SELECT c.name, c.is_identity, c.is_nullable, ic.seed_value, ic.increment_value"
            " FROM sys.columns AS c LEFT JOIN sys.identity_columns AS ic"
            " ON ic.object_id = c.object_id AND ic.column_id = c.column_id"
            " WHERE c.object_id = OBJECT_ID(?) ORDER BY c.column_id",
            f"dbo.{name}",
        ).fetchall()
        assert [(r[0], bool(r[1]), bool(r[2])) for r in columns] == [
            ("id", True, False),
            ("d", False, False),
            ("n", False, True),
        ]
        assert (int(columns[0][3]), int(columns[0][4])) == (10, 5)
        cur.execute(f"INSERT INTO {name} (d) VALUES ('2024-03-01')")
        assert cur.execute(f"SELECT max(id) FROM {name}").fetchval() == 25
        exists = rf"There is already an object named '{name}' in the database\..*\(2714\)"
        with pytest.raises(pyodbc.Error, match=exists):
            cur.execute(f"SELECT id INTO {name} FROM {src}")
        assert cur.execute(f"SELECT count(*) FROM {name}").fetchval() == 4


def test_select_into_errors_leave_nothing_behind(cursor: closing[pyodbc.Cursor]) -> None:
    """An expression without a name is 1038 and a name given twice 2705 ("Database Engine
    events and errors"); a #table the session has already is 2714. A refused statement
    makes no table, nor does one under SET FMTONLY ON (metadata only)."""
    unnamed = (
        r"An object or column name is missing or empty\. For SELECT INTO statements, verify"
        r" each column has a name\..*\(1038\)"
    )
    with cursor as cur:
        src = _source(cur)
        with pytest.raises(pyodbc.Error, match=unnamed):
            cur.execute(f"SELECT id, upper(s) INTO #bad FROM {src}")
        twice = (
            r"Column names in each table must be unique\. Column name 'S' in table '#bad' is"
            r" specified more than once\..*\(2705\)"
        )
        with pytest.raises(pyodbc.Error, match=twice):
            cur.execute(f"SELECT s, d AS S INTO #bad FROM {src}")
        with pytest.raises(pyodbc.Error, match=r"Invalid object name '#bad'.*\(208\)"):
            cur.execute("SELECT * FROM #bad")
        cur.execute(f"SELECT s INTO #bad FROM {src}")
        exists = r"There is already an object named '#bad' in the database\..*\(2714\)"
        with pytest.raises(pyodbc.Error, match=exists):
            cur.execute(f"SELECT d INTO #bad FROM {src}")
        assert [d[0] for d in cur.execute("SELECT * FROM #bad").description] == ["s"]
        # under SET FMTONLY ON nothing runs: no table is made
        cur.execute(f"SET FMTONLY ON; SELECT s INTO #format FROM {src}; SET FMTONLY OFF")
        with pytest.raises(pyodbc.Error, match=r"Invalid object name '#format'.*\(208\)"):
            cur.execute("SELECT * FROM #format")


def test_a_rolled_back_select_into_takes_its_table_away(cursor: closing[pyodbc.Cursor]) -> None:
    """Inside a transaction that rolls back, SELECT ... INTO #t goes as CREATE TABLE #t
    does: the name is free again (208 on a SELECT), and a #table dropped in it is back."""
    with cursor as cur:
        src = _source(cur)
        cur.execute(f"SELECT id, s INTO #kept FROM {src}")
        cur.execute("BEGIN TRANSACTION")
        cur.execute(f"SELECT id, s INTO #gone FROM {src}")
        cur.execute("CREATE TABLE #made (a int)")
        cur.execute("DROP TABLE #kept")
        assert cur.execute("SELECT count(*) FROM #gone").fetchval() == 3
        cur.execute("ROLLBACK TRANSACTION")
        for name in ("#gone", "#made"):
            with pytest.raises(pyodbc.Error, match=rf"Invalid object name '{name}'.*\(208\)"):
                cur.execute(f"SELECT * FROM {name}")
        cur.execute("SET IDENTITY_INSERT #kept ON")  # back with its identity column
        cur.execute(f"SELECT d INTO #gone FROM {src}")
        assert [d[0] for d in cur.execute("SELECT * FROM #gone").description] == ["d"]


def test_a_reader_makes_its_own_temporary_table_but_no_permanent_one(odbc_driver: str) -> None:
    """A db_datareader user may SELECT ... INTO #t (tempdb: no permission needed) but not
    INTO a permanent table, which needs CREATE TABLE in the database: 262 "CREATE TABLE
    permission denied in database '%.*ls'." ("SELECT - INTO clause", Permissions)."""
    password = "Reader-Pass1"
    with ThreadedTdsServer(sample=False, logins=[f"reader:{password}"]) as server:
        with closing(pyodbc.connect(server.odbc_connection_string(), autocommit=True)) as admin:
            src = _source(admin.cursor())
        odbc = server.odbc_connection_string(driver=odbc_driver, user="reader", password=password)
        with closing(pyodbc.connect(odbc, autocommit=True, timeout=10)) as cnxn:
            cur = cnxn.cursor()
            assert cur.execute(f"SELECT id, s INTO #mine FROM {src}").rowcount == 3
            cur.execute("INSERT INTO #mine (s) VALUES (N'w')")
            assert cur.execute("SELECT max(id) FROM #mine").fetchval() == 25
            denied = r"CREATE TABLE permission denied in database '\w+'\..*\(262\)"
            with pytest.raises(pyodbc.Error, match=denied):
                cur.execute(f"SELECT id, s INTO dbo.copied FROM {src}")
            with pytest.raises(pyodbc.Error, match=r"Invalid object name 'dbo.copied'.*\(208\)"):
                cur.execute("SELECT * FROM dbo.copied")


def test_a_procedures_temporary_table_goes_when_it_ends(cursor: closing[pyodbc.Cursor]) -> None:
    """A #table a procedure makes, by SELECT ... INTO or CREATE TABLE, is dropped when the
    procedure ends ("CREATE TABLE (Transact-SQL)", temporary tables): a second call makes
    it again, and the caller does not see it (208)."""
    name = f"staging_{next(_names)}"
    with cursor as cur:
        src = _source(cur)
        cur.execute(
            f"CREATE PROCEDURE dbo.{name} AS BEGIN SET NOCOUNT ON;"
            f" SELECT id, s INTO #staged FROM {src};"
            " CREATE TABLE #made (a int); SELECT count(*) AS c FROM #staged; END"
        )
        for _ in range(2):
            assert cur.execute(f"EXEC dbo.{name}").fetchval() == 3
        for table in ("#staged", "#made"):
            with pytest.raises(pyodbc.Error, match=rf"Invalid object name '{table}'.*\(208\)"):
                cur.execute(f"SELECT * FROM {table}")
