"""Temporary tables (`#t`) through both ODBC drivers: a SELECT from one is typed by its
columns as one from a permanent table is (the result metadata each driver reads, and the
values it converts by them), and an INSERT without a column list fills every column but
the identity column and computed columns, as SQL Server does ("INSERT (Transact-SQL)":
the column list may be left out when values are given for every column but those)."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing
from decimal import Decimal

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

_names = itertools.count()


def test_a_temporary_tables_columns_keep_their_types(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        cur.execute(
            "CREATE TABLE #typed (id int IDENTITY(1, 1), d date, n decimal(10, 2),"
            " s nvarchar(20), at datetime, t2 datetime2(3), m money, f float, b bit)"
        )
        cur.execute(
            "INSERT INTO #typed (d, n, s, at, t2, m, f, b) VALUES ('2024-01-02', 1.5, N'x',"
            " '2024-01-02 10:00', '2024-01-02 10:00:00.125', 2.5, 0.25, 1)"
        )
        cur.execute("SELECT * FROM #typed")
        described = [(d[0], d[1], d[4], d[5]) for d in cur.description]
        assert described == [
            ("id", int, 10, 0),
            ("d", dt.date, 10, 0),
            ("n", Decimal, 10, 2),
            ("s", str, 20, 0),
            ("at", dt.datetime, 23, 3),
            ("t2", dt.datetime, 23, 3),
            ("m", Decimal, 19, 4),
            ("f", float, 53, 0),
            ("b", bool, 1, 0),
        ]
        assert tuple(cur.fetchone()) == (
            1,
            dt.date(2024, 1, 2),
            Decimal("1.50"),
            "x",
            dt.datetime(2024, 1, 2, 10),
            dt.datetime(2024, 1, 2, 10, 0, 0, 125000),
            Decimal("2.5000"),
            0.25,
            True,
        )
        # named, aliased, through a derived table and a join: the column's type each time
        for sql in (
            "SELECT d, n AS amount FROM #typed",
            "SELECT x.d, x.n FROM #typed AS x",
            "SELECT d, n FROM (SELECT d, n FROM #typed) AS q",
            "SELECT a.d, b.n FROM #typed AS a JOIN #typed AS b ON b.id = a.id",
        ):
            cur.execute(sql)
            assert [(d[1], d[5]) for d in cur.description] == [(dt.date, 0), (Decimal, 2)]
            assert tuple(cur.fetchone()) == (dt.date(2024, 1, 2), Decimal("1.50"))
        # a comparison with a string and a CAST read the column's type too
        assert cur.execute("SELECT id FROM #typed WHERE d = '01/02/2024'").fetchval() == 1
        with pytest.raises(pyodbc.Error, match=r"\(241\)"):
            cur.execute("SELECT id FROM #typed WHERE d = 'no date'").fetchall()
        row = cur.execute("SELECT CAST(n AS varchar(10)), CAST(at AS float) FROM #typed")
        assert tuple(row.fetchone()) == ("1.50", 45291 + 10 / 24)


def test_insert_without_a_column_list_skips_identity_and_computed_columns(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """VALUES (one or more rows) and a SELECT fill the other columns in order; a value
    for the identity column too is Msg 8101 and any other count Msg 213 ("Database Engine
    events and errors (8000 to 8999)" and "(0 to 999)")."""
    name = f"filled_{next(_names)}"
    with cursor as cur:
        cur.execute("CREATE TABLE #filled (id int IDENTITY, d date, n decimal(5, 1))")
        cur.execute("INSERT INTO #filled VALUES ('2024-01-02', 1.25), ('2024-01-03', 2)")
        cur.execute("INSERT INTO #filled SELECT '2024-01-04', 3")
        assert cur.execute("SELECT SCOPE_IDENTITY()").fetchone()[0] == 3
        rows = cur.execute("SELECT id, d, n FROM #filled ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [
            (1, dt.date(2024, 1, 2), Decimal("1.3")),
            (2, dt.date(2024, 1, 3), Decimal("2.0")),
            (3, dt.date(2024, 1, 4), Decimal("3.0")),
        ]
        explicit = (
            r"An explicit value for the identity column in table '#filled' can only be"
            r" specified when a column list is used and IDENTITY_INSERT is ON\..*\(8101\)"
        )
        with pytest.raises(pyodbc.Error, match=explicit):
            cur.execute("INSERT INTO #filled VALUES (1, '2024-01-02', 1)")
        with pytest.raises(pyodbc.Error, match=r"does not match table definition.*\(213\)"):
            cur.execute("INSERT INTO #filled VALUES ('2024-01-02')")
        # a permanent table the same, with a computed column
        cur.execute(f"CREATE TABLE {name} (id int IDENTITY PRIMARY KEY, n int, twice AS n * 2)")
        cur.execute(f"INSERT INTO {name} VALUES (4)")
        assert tuple(cur.execute(f"SELECT id, n, twice FROM {name}").fetchone()) == (1, 4, 8)
        with pytest.raises(pyodbc.Error, match=rf"table 'dbo.{name}' can only.*\(8101\)"):
            cur.execute(f"INSERT INTO dbo.{name} VALUES (2, 5)")


def test_a_temporary_tables_identity_has_its_seed_and_increment(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """IDENTITY(seed, increment) on a temporary table as on a permanent one ("CREATE TABLE
    (Transact-SQL) IDENTITY (Property)": the first row takes the seed, each later one the
    last value plus the increment, which may be negative); SCOPE_IDENTITY() and @@IDENTITY
    are the last value given, and a second identity column is Msg 2744."""
    with cursor as cur:
        cur.execute("CREATE TABLE #counted (id int IDENTITY(100, 5) NOT NULL, v varchar(10))")
        cur.execute("INSERT INTO #counted (v) VALUES ('a'), ('b')")
        cur.execute("INSERT INTO #counted VALUES ('c')")
        rows = cur.execute("SELECT id, v FROM #counted ORDER BY id").fetchall()
        assert [tuple(r) for r in rows] == [(100, "a"), (105, "b"), (110, "c")]
        assert tuple(cur.execute("SELECT SCOPE_IDENTITY(), @@IDENTITY").fetchone()) == (110, 110)
        cur.execute("DELETE FROM #counted")  # the count goes on where it was
        cur.execute("INSERT INTO #counted (v) VALUES ('d')")
        assert cur.execute("SELECT id FROM #counted").fetchval() == 115
        cur.execute("CREATE TABLE #down (id bigint IDENTITY(-1, -10), v int)")
        cur.execute("INSERT INTO #down (v) VALUES (1), (2), (3)")
        assert [r[0] for r in cur.execute("SELECT id FROM #down ORDER BY v")] == [-1, -11, -21]
        assert cur.execute("SELECT SCOPE_IDENTITY()").fetchval() == -21
        with pytest.raises(pyodbc.Error, match=r"Multiple identity columns.*\(2744\)"):
            cur.execute("CREATE TABLE #twice (a int IDENTITY, b int IDENTITY(5, 5))")
        cur.execute("CREATE TABLE #twice (a int)")  # the refused one left nothing behind


def test_a_temporary_tables_key_and_check_constraints_are_enforced(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """PRIMARY KEY, UNIQUE and CHECK on a temporary table, column and table level, fail as
    on a permanent table: 2627 and 547 ("Database Engine events and errors (2000 to 2999)"
    and "(0 to 999)"). The names are as messages captured from SQL Server show them: a
    system name starts with the table's name in tempdb, padded with '_' to 116 characters
    and numbered ('PK__#u________3213E83F16EB35A8'), which 547 and 515 name the table by
    ('tempdb', 'dbo.#t___..._000000000167'); 2627 names it 'dbo.#u'."""
    padded = r"dbo\.#keyed_{110}[0-9A-F]{12}"
    with cursor as cur:
        cur.execute(
            "CREATE TABLE #keyed (id int PRIMARY KEY, code varchar(10) UNIQUE,"
            " qty int CHECK (qty > 0), lo int, hi int, CONSTRAINT ck_range CHECK (lo <= hi))"
        )
        cur.execute("INSERT INTO #keyed VALUES (1, 'a', 1, 1, 2)")
        primary = (
            r"Violation of PRIMARY KEY constraint 'PK__#keyed____[0-9A-F]{16}'\. Cannot insert"
            r" duplicate key in object 'dbo\.#keyed'\. The duplicate key value is \(1\)\..*\(2627\)"
        )
        with pytest.raises(pyodbc.IntegrityError, match=primary):
            cur.execute("INSERT INTO #keyed VALUES (1, 'b', 1, 1, 2)")
        unique = r"UNIQUE KEY constraint 'UQ__#keyed____[0-9A-F]{16}'.*value is \(a\)\..*\(2627\)"
        with pytest.raises(pyodbc.IntegrityError, match=unique):
            cur.execute("INSERT INTO #keyed (id, code, qty) VALUES (2, 'a', 1)")
        column_check = (
            r'The INSERT statement conflicted with the CHECK constraint "CK__#keyed_____qty__'
            rf'[0-9A-F]{{8}}"\. The conflict occurred in database "tempdb", table "{padded}",'
            r" column .+qty.+\(547\)"
        )
        with pytest.raises(pyodbc.IntegrityError, match=column_check):
            cur.execute("INSERT INTO #keyed (id, qty) VALUES (3, 0)")
        table_check = (
            rf'UPDATE statement conflicted with the CHECK constraint "ck_range".*"{padded}"\.'
        )
        with pytest.raises(pyodbc.IntegrityError, match=table_check + r".*\(547\)"):
            cur.execute("UPDATE #keyed SET lo = 5 WHERE id = 1")
        null_key = rf"NULL into column 'id', table 'tempdb\.{padded}'.*INSERT fails.*\(515\)"
        with pytest.raises(pyodbc.IntegrityError, match=null_key):
            cur.execute("INSERT INTO #keyed (code) VALUES ('n')")
        assert [tuple(r) for r in cur.execute("SELECT * FROM #keyed")] == [(1, "a", 1, 1, 2)]
        # a key over two columns, named
        cur.execute("CREATE TABLE #pair (a int, b int, CONSTRAINT pk_pair PRIMARY KEY (a, b))")
        cur.execute("INSERT INTO #pair VALUES (1, 1), (1, 2)")
        with pytest.raises(pyodbc.IntegrityError, match=r"'pk_pair'.*value is \(1, 2\)\."):
            cur.execute("INSERT INTO #pair VALUES (1, 2)")


def test_identity_insert_takes_a_temporary_table(cursor: closing[pyodbc.Cursor]) -> None:
    """SET IDENTITY_INSERT on a temporary table as on a permanent one ("SET IDENTITY_INSERT
    (Transact-SQL)": an explicit identity value needs it ON, 544 otherwise; one table of a
    session at a time, 8107 "IDENTITY_INSERT is already ON for table
    '%.*ls.%.*ls.%.*ls'. Cannot perform SET operation for table '%.*ls'.")."""
    name = f"ident_{next(_names)}"
    with cursor as cur:
        cur.execute("CREATE TABLE #ids (id int IDENTITY(1, 1) PRIMARY KEY, v varchar(5))")
        off = (
            r"Cannot insert explicit value for identity column in table '#ids' when"
            r" IDENTITY_INSERT is set to OFF\..*\(544\)"
        )
        with pytest.raises(pyodbc.Error, match=off):
            cur.execute("INSERT INTO #ids (id, v) VALUES (10, 'x')")
        cur.execute("SET IDENTITY_INSERT #ids ON")
        cur.execute("INSERT INTO #ids (id, v) VALUES (10, 'x')")
        with pytest.raises(pyodbc.IntegrityError, match=r"PRIMARY KEY.*\(10\)\..*\(2627\)"):
            cur.execute("INSERT INTO #ids (id, v) VALUES (10, 'y')")
        cur.execute(f"CREATE TABLE {name} (id int IDENTITY, v int)")
        held = (
            r"IDENTITY_INSERT is already ON for table 'tempdb\.dbo\.#ids_{112}[0-9A-F]{12}'\."
            rf" Cannot perform SET operation for table '{name}'\..*\(8107\)"
        )
        with pytest.raises(pyodbc.Error, match=held):
            cur.execute(f"SET IDENTITY_INSERT {name} ON")
        cur.execute("SET IDENTITY_INSERT #ids OFF")
        cur.execute("INSERT INTO #ids (v) VALUES ('z')")  # the count goes on past 10
        assert cur.execute("SELECT id FROM #ids WHERE v = 'z'").fetchval() == 11
        cur.execute(f"SET IDENTITY_INSERT {name} ON")
        with pytest.raises(pyodbc.Error, match=rf"already ON for table '\w+\.dbo\.{name}'.*'#ids'"):
            cur.execute("SET IDENTITY_INSERT #ids ON")
        cur.execute(f"DROP TABLE {name}")  # a dropped table holds it no longer
        cur.execute("SET IDENTITY_INSERT #ids ON")


def test_a_temporary_tables_defaults_and_constraint_names(cursor: closing[pyodbc.Cursor]) -> None:
    """A DEFAULT fills a column an INSERT leaves out; a second PRIMARY KEY is 8110 "Cannot
    add multiple PRIMARY KEY constraints to table '%.*ls'." and a constraint name another
    temporary table of the session has is 2714 ("Database Engine events and errors")."""
    with cursor as cur:
        cur.execute("CREATE TABLE #defaulted (a int, b int DEFAULT 5, d date DEFAULT '2024-1-2')")
        cur.execute("INSERT INTO #defaulted (a) VALUES (1)")
        row = cur.execute("SELECT a, b, d FROM #defaulted").fetchone()
        assert tuple(row) == (1, 5, dt.date(2024, 1, 2))
        with pytest.raises(pyodbc.Error, match=r"multiple PRIMARY KEY.*'#two'\..*\(8110\)"):
            cur.execute("CREATE TABLE #two (a int PRIMARY KEY, b int PRIMARY KEY)")
        cur.execute("CREATE TABLE #named (a int CONSTRAINT ck_named CHECK (a > 0))")
        with pytest.raises(pyodbc.Error, match=r"already an object named 'ck_named'.*\(2714\)"):
            cur.execute("CREATE TABLE #again (a int CONSTRAINT ck_named CHECK (a > 0))")
        cur.execute("CREATE TABLE #again (a int)")  # the refused one left nothing behind


def test_indexes_on_a_temporary_table(cursor: closing[pyodbc.Cursor]) -> None:
    """CREATE [UNIQUE] [CLUSTERED | NONCLUSTERED] INDEX on a temporary table, or INDEX in
    its CREATE TABLE, as on a permanent one: a unique index refuses a duplicate key with
    2601 "Cannot insert duplicate key row in object '%.*ls' with unique index '%.*ls'. The
    duplicate key value is %ls." (named 'dbo.#t' as 2627 names it), a name the table has is
    1913, a second clustered index 1902, and DROP INDEX ... ON #t drops it ("Database
    Engine events and errors (1000 to 1999)" and "(2000 to 2999)"). Each table has its own
    names."""
    with cursor as cur:
        cur.execute("CREATE TABLE #ix (a int, b int, c varchar(5))")
        cur.execute("CREATE UNIQUE NONCLUSTERED INDEX ux_ab ON #ix (a, b DESC)")
        cur.execute("CREATE INDEX ix_c ON #ix (c) INCLUDE (a)")
        cur.execute("INSERT INTO #ix VALUES (1, 1, 'x'), (1, 2, 'x')")
        duplicate = (
            r"Cannot insert duplicate key row in object 'dbo\.#ix' with unique index 'ux_ab'\."
            r" The duplicate key value is \(1, 2\)\..*\(2601\)"
        )
        with pytest.raises(pyodbc.IntegrityError, match=duplicate):
            cur.execute("INSERT INTO #ix VALUES (1, 2, 'y')")
        with pytest.raises(pyodbc.IntegrityError, match=r"'ux_ab'.*\(2601\)"):
            cur.execute("UPDATE #ix SET b = 1 WHERE b = 2")
        exists = (
            r"an index or statistics with name 'ix_c' already exists on table 'dbo\.#ix'\."
            r".*\(1913\)"
        )
        with pytest.raises(pyodbc.Error, match=exists):
            cur.execute("CREATE INDEX ix_c ON #ix (a)")
        cur.execute("CREATE TABLE #other (a int)")
        cur.execute("CREATE UNIQUE INDEX ix_c ON #other (a)")  # another table's own name
        cur.execute("INSERT INTO #other VALUES (1)")
        with pytest.raises(pyodbc.IntegrityError, match=r"'dbo\.#other'.*'ix_c'.*\(1\)"):
            cur.execute("INSERT INTO #other VALUES (1)")
        cur.execute("CREATE CLUSTERED INDEX cx ON #ix (a)")
        second = r"more than one clustered index on table 'dbo\.#ix'.*index 'cx'.*\(1902\)"
        with pytest.raises(pyodbc.Error, match=second):
            cur.execute("CREATE CLUSTERED INDEX cx2 ON #ix (b)")
        cur.execute("DROP INDEX ux_ab ON #ix")
        cur.execute("INSERT INTO #ix VALUES (1, 2, 'y')")  # the unique index is gone
        with pytest.raises(pyodbc.Error, match=r"Cannot drop the index '#ix\.ux_ab'.*\(3701\)"):
            cur.execute("DROP INDEX ux_ab ON #ix")
        cur.execute("DROP INDEX IF EXISTS ux_ab ON #ix")
        cur.execute("DROP INDEX #ix.ix_c")
        cur.execute("CREATE INDEX ix_c ON #ix (b)")  # its name is free again
        with pytest.raises(pyodbc.Error, match=r"Invalid object name '#none'.*\(208\)"):
            cur.execute("CREATE INDEX ix ON #none (a)")
        # inline in CREATE TABLE, beside a clustered PRIMARY KEY
        cur.execute(
            "CREATE TABLE #inline (id int CONSTRAINT pk_inline PRIMARY KEY, code varchar(5),"
            " INDEX ux_code UNIQUE NONCLUSTERED (code))"
        )
        cur.execute("INSERT INTO #inline VALUES (1, 'a')")
        with pytest.raises(pyodbc.IntegrityError, match=r"unique index 'ux_code'.*\(a\)"):
            cur.execute("INSERT INTO #inline VALUES (2, 'a')")
        with pytest.raises(pyodbc.Error, match=r"clustered index 'pk_inline'.*\(1902\)"):
            cur.execute("CREATE CLUSTERED INDEX cx ON #inline (code)")
        key = r"not allowed on index 'dbo\.#inline\.pk_inline'.*PRIMARY KEY.*\(3723\)"
        with pytest.raises(pyodbc.Error, match=key):
            cur.execute("DROP INDEX pk_inline ON #inline")
        with pytest.raises(pyodbc.Error, match=r"'pk_inline' already exists.*\(1913\)"):
            cur.execute("CREATE INDEX pk_inline ON #inline (code)")


def test_a_unique_index_over_duplicate_rows_is_1505(cursor: closing[pyodbc.Cursor]) -> None:
    """CREATE UNIQUE INDEX over rows that share a key is 1505 "The CREATE UNIQUE INDEX
    statement terminated because a duplicate key was found for the object name '%.*ls'
    and the index name '%.*ls'. The duplicate key value is %ls." ("Database Engine events
    and errors (1000 to 1999)"), on a temporary table as on a permanent one; rows that a
    filter leaves out do not count (NULLs do: test_wire_unique_nulls.py)."""
    name = f"dups_{next(_names)}"
    with cursor as cur:
        for table, shown in (("#dups", r"dbo\.#dups"), (name, rf"dbo\.{name}")):
            cur.execute(f"CREATE TABLE {table} (a int, b varchar(5))")
            cur.execute(f"INSERT INTO {table} VALUES (1, NULL), (2, NULL), (2, 'x'), (2, 'x')")
            found = (
                r"The CREATE UNIQUE INDEX statement terminated because a duplicate key was"
                rf" found for the object name '{shown}' and the index name 'ux'\. The duplicate"
                r" key value is \(2, x\)\..*\(1505\)"
            )
            with pytest.raises(pyodbc.Error, match=found):
                cur.execute(f"CREATE UNIQUE INDEX ux ON {table} (a, b)")
            cur.execute(f"CREATE UNIQUE INDEX ux ON {table} (a, b) WHERE a < 2")  # name free
            with pytest.raises(pyodbc.IntegrityError, match=r"unique index 'ux'.*\(2601\)"):
                cur.execute(f"INSERT INTO {table} VALUES (0, 'y'), (0, 'y')")


def test_a_foreign_key_on_a_temporary_table_is_skipped_with_message_1756(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """SQL Server creates a temporary table without its FOREIGN KEY constraints and sends
    1756 (severity 10) "Skipping FOREIGN KEY constraint '%.*ls' definition for temporary
    table. FOREIGN KEY constraints are not enforced on local or global temporary tables."
    ("Database Engine events and errors (1000 to 1999)"), one for each; a system-named
    one is named by the table."""
    name = f"parent_{next(_names)}"
    skipped = (
        "Skipping FOREIGN KEY constraint '{}' definition for temporary table. FOREIGN KEY"
        " constraints are not enforced on local or global temporary tables."
    )
    with cursor as cur:
        cur.execute(f"CREATE TABLE {name} (id int PRIMARY KEY)")
        cur.execute(
            f"CREATE TABLE #child (id int, parent int REFERENCES {name} (id),"
            f" other int, CONSTRAINT fk_other FOREIGN KEY (other) REFERENCES {name} (id))"
        )
        infos = [(m[0], m[1]) for m in cur.messages]
        assert len(infos) == 2
        assert all("(1756)" in code for code, _ in infos)
        assert infos[0][1].endswith(skipped.format("#child"))
        assert infos[1][1].endswith(skipped.format("fk_other"))
        cur.execute("INSERT INTO #child VALUES (1, 99, 98)")  # not enforced
        assert cur.execute("SELECT count(*) FROM #child").fetchval() == 1


def test_a_user_without_ddl_permission_indexes_its_temporary_table(odbc_driver: str) -> None:
    """Anyone may create a temporary table, and so index it ("CREATE TABLE
    (Transact-SQL)": no permission is needed for a temporary table); a db_datareader
    user's CREATE INDEX and DROP INDEX on one are not refused (1088, 3701) as on a
    permanent table."""
    password = "Reader-Pass1"
    with ThreadedTdsServer(sample=False, logins=[f"reader:{password}"]) as server:
        odbc = server.odbc_connection_string(driver=odbc_driver, user="reader", password=password)
        with closing(pyodbc.connect(odbc, autocommit=True, timeout=10)) as cnxn:
            cur = cnxn.cursor()
            cur.execute("CREATE TABLE #mine (a int)")
            cur.execute("CREATE UNIQUE INDEX ux ON #mine (a)")
            cur.execute("INSERT INTO #mine VALUES (1)")
            with pytest.raises(pyodbc.IntegrityError, match=r"unique index 'ux'.*\(2601\)"):
                cur.execute("INSERT INTO #mine VALUES (1)")
            cur.execute("DROP INDEX ux ON #mine")
            cur.execute("INSERT INTO #mine VALUES (1)")


def test_a_temporary_tables_nullability_is_its_columns(cursor: closing[pyodbc.Cursor]) -> None:
    """NOT NULL, a PRIMARY KEY's columns and an identity column take no NULL, in the
    result metadata as in a permanent table with the same columns (each driver reads the
    metadata its own way: the permanent table is the reference; through pyodbc, Driver
    18 reports every column here as nullable, FreeTDS the NOT NULL ones as not)."""
    columns = (
        "(id int IDENTITY(1, 1), k int PRIMARY KEY, a int NOT NULL, b int NULL, c int,"
        " u int UNIQUE)"
    )
    name = f"dbo.nulls_{next(_names)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE #nulls {columns}")
        cur.execute(f"CREATE TABLE {name} {columns}")
        cur.execute("SELECT * FROM #nulls")
        temporary = [(d[0], d[6]) for d in cur.description]
        cur.execute(f"SELECT * FROM {name}")
        permanent = [(d[0], d[6]) for d in cur.description]
        cur.execute(f"DROP TABLE {name}")
        assert temporary == permanent


def test_a_temporary_table_beside_a_permanent_one_of_its_name(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """`#t` names the session's temporary table, never the permanent `t`: each of the
    server's lookups of a statement's tables tries the temporary tables first."""
    name = f"twin_{next(_names)}"
    with cursor as cur:
        cur.execute(f"CREATE TABLE {name} (id int, n varchar(10), d varchar(20))")
        cur.execute(f"INSERT INTO {name} VALUES (1, 'x', 'y')")
        cur.execute(f"CREATE TABLE #{name} (id int, n decimal(10, 2), d date)")
        cur.execute(f"INSERT INTO #{name} VALUES (1, 2.5, '2024-01-02')")
        for sql in (
            f"SELECT n, d FROM #{name}",
            f"SELECT q.n, q.d FROM (SELECT n, d FROM #{name} AS x) AS q",
        ):
            cur.execute(sql)
            assert [d[1] for d in cur.description] == [Decimal, dt.date]
            assert tuple(cur.fetchone()) == (Decimal("2.50"), dt.date(2024, 1, 2))
        row = cur.execute(
            f"SELECT CAST(t.n AS varchar(10)), CAST(x.n AS varchar(10)) FROM {name} AS t"
            f" JOIN #{name} AS x ON x.id = t.id WHERE x.d = '01/02/2024'"
        ).fetchone()
        assert tuple(row) == ("x", "2.50")
        cur.execute(f"SELECT * FROM #{name} PIVOT (MAX(d) FOR n IN ([2.50])) AS p")
        assert tuple(cur.fetchone()) == (1, dt.date(2024, 1, 2))
