"""DML triggers through both ODBC drivers, as CREATE TRIGGER, "Use the inserted and deleted
tables", SET NOCOUNT, ROLLBACK TRANSACTION and the OUTPUT clause's pages describe them:
an AFTER trigger reads `inserted` and `deleted`, its statements' counts come before the
statement's own (DONEINPROC) unless SET NOCOUNT ON, an error or ROLLBACK in it undoes the
statement, OUTPUT without INTO is refused (334); sys.triggers, sys.trigger_events,
sys.objects, sys.sql_modules and OBJECT_DEFINITION show them, as far as the login may
see the table."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pyodbc
import pytest
from wire_logins import connector, rows, scalar

from tds_test_server import ThreadedTdsServer

# Tables of their own per test and driver, on the session's shared server.
_names = itertools.count()
PASSWORD = "Reader-Pass-1"
connect = connector(PASSWORD)


def _tables(cur: pyodbc.Cursor) -> tuple[str, str]:
    n = next(_names)
    cur.execute(f"CREATE TABLE dbo.trg_{n} (Id int NOT NULL PRIMARY KEY, Qty int NOT NULL)")
    cur.execute(
        f"CREATE TABLE dbo.trg_audit_{n} (Id int, What nvarchar(10), OldQty int, NewQty int)"
    )
    return f"dbo.trg_{n}", f"dbo.trg_audit_{n}"


def _counts(cur: pyodbc.Cursor, sql: str, *params: Any) -> list[int]:
    """Every row count the statement reported, in order, as the driver hands them on."""
    cur.execute(sql, *params)
    counts = [cur.rowcount]
    while cur.nextset():
        counts.append(cur.rowcount)
    return counts


def _audit_trigger(cur: pyodbc.Cursor, t: str, audit: str, name: str, nocount: str = "") -> None:
    cur.execute(
        f"CREATE TRIGGER dbo.{name} ON {t} AFTER INSERT, UPDATE, DELETE AS\nBEGIN\n"
        f"{nocount}"
        f"  INSERT INTO {audit} SELECT i.Id, 'new', NULL, i.Qty FROM inserted AS i;\n"
        f"  INSERT INTO {audit} (Id, What, OldQty) SELECT Id, 'old', Qty FROM deleted;\n"
        "END"
    )


def test_inserted_and_deleted_hold_the_rows_before_and_after(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        t, audit = _tables(cur)
        _audit_trigger(cur, t, audit, f"{t[4:]}_audit")
        _counts(cur, f"INSERT INTO {t} VALUES (1, 10), (2, 20)")
        _counts(cur, f"UPDATE {t} SET Qty = Qty + 1 WHERE Id = ?", 1)
        _counts(cur, f"DELETE FROM {t} WHERE Id = 2")
        assert rows(cur.connection, f"SELECT * FROM {audit}") == [
            (1, "new", None, 10),
            (2, "new", None, 20),
            (1, "new", None, 11),
            (1, "old", 10, None),
            (2, "old", 20, None),
        ]
        # a statement that changes no row fires it all the same, with empty tables
        assert _counts(cur, f"DELETE FROM {t} WHERE Id = 99")[-1] == 0
        assert scalar(cur.connection, f"SELECT COUNT(*) FROM {audit}") == 5


def test_a_triggers_counts_come_before_the_statements_own(
    cursor: closing[pyodbc.Cursor], odbc_driver: str
) -> None:
    """The trigger's statements end in DONEINPROC, the statement in DONE (in a batch) or
    DONEINPROC (in an RPC): Microsoft's driver hands each on as a result of its own;
    FreeTDS only the last DONEINPROC's, whichever statement sent it."""
    with cursor as cur:
        t, audit = _tables(cur)
        _audit_trigger(cur, t, audit, f"{t[4:]}_counts")
        batch = _counts(cur, f"INSERT INTO {t} VALUES (1, 1), (2, 2), (3, 3)")
        assert scalar(cur.connection, "SELECT @@ROWCOUNT") == 3  # the statement's own
        rpc = _counts(cur, f"UPDATE {t} SET Qty = ? WHERE Id < 3", 5)
        if odbc_driver == "msodbc":
            assert batch == [3, 0, 3]
            assert rpc == [2, 2, 2]
        else:
            assert batch == [0]
            assert rpc == [2]


def test_set_nocount_on_in_the_body_sends_no_counts_of_its_own(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        t, audit = _tables(cur)
        _audit_trigger(cur, t, audit, f"{t[4:]}_quiet", "  SET NOCOUNT ON;\n")
        assert _counts(cur, f"INSERT INTO {t} VALUES (1, 1), (2, 2)") == [2]
        # and SET NOCOUNT ends with the trigger
        assert _counts(cur, f"INSERT INTO {audit} (Id) VALUES (9)") == [1]


def test_an_error_or_rollback_in_a_trigger_undoes_the_statement(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        t, audit = _tables(cur)
        name = t[4:]
        cur.execute(
            f"CREATE TRIGGER {name}_no ON {t} AFTER INSERT AS"
            " THROW 50001, N'Quantities are set by the warehouse.', 1"
        )
        with pytest.raises(pyodbc.Error, match=r"Quantities are set by the warehouse.*50001"):
            _counts(cur, f"INSERT INTO {t} VALUES (1, 1)")
        assert scalar(cur.connection, f"SELECT COUNT(*) FROM {t}") == 0
        cur.execute(f"DROP TRIGGER dbo.{name}_no")
        # ROLLBACK: the whole transaction, the trigger's later statements still run
        # (and stay), and the batch ends with 3609
        cur.execute(
            f"CREATE TRIGGER {name}_rb ON {t} AFTER UPDATE AS ROLLBACK;"
            f" INSERT INTO {audit} (Id, What) VALUES (0, 'after')"
        )
        _counts(cur, f"INSERT INTO {t} VALUES (1, 1)")
        with pytest.raises(pyodbc.Error, match=r"The transaction ended in the trigger.*3609"):
            _counts(
                cur,
                f"BEGIN TRANSACTION; INSERT INTO {t} VALUES (2, 2); UPDATE {t} SET Qty = 5;"
                f" DELETE FROM {t}",
            )
        assert rows(cur.connection, f"SELECT Id, Qty FROM {t}") == [(1, 1)]
        assert rows(cur.connection, f"SELECT What FROM {audit}") == [("after",)]
        assert scalar(cur.connection, "SELECT @@TRANCOUNT") == 0


def test_output_without_into_is_refused_while_a_trigger_is_enabled(
    cursor: closing[pyodbc.Cursor],
) -> None:
    with cursor as cur:
        t, audit = _tables(cur)
        name = t[4:]
        _audit_trigger(cur, t, audit, f"{name}_out")
        _counts(cur, f"INSERT INTO {t} VALUES (1, 1)")
        with pytest.raises(pyodbc.Error, match=r"'dbo\.trg_\d+' of the DML .* \(334\)"):
            _counts(cur, f"UPDATE {t} SET Qty = 2 OUTPUT inserted.Qty")
        assert scalar(cur.connection, f"SELECT Qty FROM {t}") == 1
        cur.execute(f"DISABLE TRIGGER {name}_out ON {t}")
        assert [tuple(r) for r in cur.execute(f"UPDATE {t} SET Qty = 2 OUTPUT inserted.Qty")] == [
            (2,)
        ]
        # only a trigger for the statement's own action rules OUTPUT out
        cur.execute(f"CREATE TRIGGER {name}_del ON {t} AFTER DELETE AS RETURN")
        _counts(cur, f"ALTER TABLE {t} DISABLE TRIGGER {name}_out")
        inserted = cur.execute(f"INSERT INTO {t} OUTPUT inserted.Id VALUES (2, 2)").fetchall()
        assert [tuple(r) for r in inserted] == [(2,)]
        cur.execute(f"ALTER TABLE {t} ENABLE TRIGGER ALL")
        with pytest.raises(pyodbc.Error, match=r"\(334\)"):
            _counts(cur, f"DELETE FROM {t} OUTPUT deleted.Id")


def test_the_catalog_shows_triggers_and_their_events(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t, _ = _tables(cur)
        name = t[4:]
        cur.execute(f"CREATE TRIGGER dbo.{name}_ins ON {t} FOR INSERT AS SELECT 1 FROM inserted")
        cur.execute(f"CREATE TRIGGER dbo.{name}_ud ON {t} AFTER UPDATE, DELETE AS RETURN")
        cur.execute(f"DISABLE TRIGGER {name}_ud ON {t}")
        cnxn = cur.connection
        assert rows(
            cnxn,
            "SELECT tr.name, tr.parent_class_desc, tr.type, tr.type_desc, tr.is_disabled,"
            " tr.is_instead_of_trigger, te.type, te.type_desc FROM sys.triggers AS tr JOIN"
            " sys.trigger_events AS te ON te.object_id = tr.object_id"
            f" WHERE tr.parent_id = OBJECT_ID('{t}') ORDER BY tr.name, te.type",
        ) == [
            (f"{name}_ins", "OBJECT_OR_COLUMN", "TR", "SQL_TRIGGER", False, False, 1, "INSERT"),
            (f"{name}_ud", "OBJECT_OR_COLUMN", "TR", "SQL_TRIGGER", True, False, 2, "UPDATE"),
            (f"{name}_ud", "OBJECT_OR_COLUMN", "TR", "SQL_TRIGGER", True, False, 3, "DELETE"),
        ]
        assert rows(
            cnxn,
            "SELECT type_desc, OBJECT_NAME(parent_object_id) FROM sys.objects"
            f" WHERE name = '{name}_ins'",
        ) == [("SQL_TRIGGER", name)]
        definition = f"SELECT OBJECT_DEFINITION(OBJECT_ID('dbo.{name}_ud'))"
        assert scalar(cnxn, definition).startswith(f"CREATE TRIGGER dbo.{name}_ud ON {t}")
        assert (
            scalar(
                cnxn,
                f"SELECT COUNT(*) FROM sys.sql_modules WHERE object_id = OBJECT_ID('{name}_ins')",
            )
            == 1
        )
        cur.execute(f"CREATE OR ALTER TRIGGER dbo.{name}_ud ON {t} AFTER DELETE AS RETURN")
        assert (
            scalar(
                cnxn,
                f"SELECT COUNT(*) FROM sys.trigger_events WHERE object_id = OBJECT_ID('{name}_ud')",
            )
            == 1
        )
        cur.execute(f"DROP TRIGGER dbo.{name}_ins, dbo.{name}_ud")
        assert (
            scalar(cnxn, f"SELECT COUNT(*) FROM sys.triggers WHERE parent_id = OBJECT_ID('{t}')")
            == 0
        )


def test_a_triggers_write_fires_the_next_table_s_but_not_its_own_again(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """Nested triggers fire (each with its own inserted); a write to the trigger's own
    table in its body does not fire it again (RECURSIVE_TRIGGERS OFF)."""
    with cursor as cur:
        t, audit = _tables(cur)
        name = t[4:]
        cur.execute(
            f"CREATE TRIGGER {name}_a ON {t} AFTER INSERT AS"
            f" INSERT INTO {audit} (Id, What) SELECT Id, 'first' FROM inserted;"
            f" INSERT INTO {t} SELECT Id + 100, Qty FROM inserted"
        )
        cur.execute(
            f"CREATE TRIGGER {name}_b ON {audit} AFTER INSERT AS"
            f" INSERT INTO {audit} (Id, What) SELECT Id + 10, 'second' FROM inserted"
        )
        assert _counts(cur, f"INSERT INTO {t} VALUES (1, 1)")[-1] == 1
        assert rows(cur.connection, f"SELECT Id FROM {t} ORDER BY Id") == [(1,), (101,)]
        assert rows(cur.connection, f"SELECT Id, What FROM {audit} ORDER BY Id") == [
            (1, "first"),
            (11, "second"),
        ]


@pytest.mark.parametrize(
    ("sql", "number"),
    [
        ("CREATE TRIGGER dbo.nope ON dbo.missing AFTER INSERT AS RETURN", 8197),
        ("CREATE TRIGGER guest.nope ON {t} AFTER INSERT AS RETURN", 2103),
        ("CREATE TRIGGER {name}_tr ON {t} AFTER INSERT AS RETURN", 2714),
        ("DROP TRIGGER dbo.nope", 3701),
        ("ENABLE TRIGGER nope ON {t}", 1088),
        ("SELECT 1; CREATE TRIGGER dbo.nope ON {t} AFTER INSERT AS RETURN", 111),
        ("CREATE TRIGGER nope ON DATABASE FOR CREATE_TABLE AS RETURN", 40517),
    ],
)
def test_trigger_ddl_errors(cursor: closing[pyodbc.Cursor], sql: str, number: int) -> None:
    with cursor as cur:
        t, _ = _tables(cur)
        name = t[4:]
        cur.execute(f"CREATE TRIGGER {name}_tr ON {t} AFTER INSERT AS RETURN")
        with pytest.raises(pyodbc.Error, match=rf"\({number}\)"):
            _counts(cur, sql.format(t=t, name=name))
        cur.execute("DROP TRIGGER IF EXISTS dbo.nope")


@pytest.fixture(scope="module")
def login_server() -> Iterator[ThreadedTdsServer]:
    """A clerk (db_datareader) denied Hidden, a writer (db_datawriter) denied Prices."""
    logins = [f"clerk:{PASSWORD}", f"writer:{PASSWORD}:db_datawriter"]
    with ThreadedTdsServer(sample=False, logins=logins) as server:
        with connect(server, "freetds") as admin:
            cur = admin.cursor()
            cur.execute("CREATE TABLE dbo.Stock (Id int NOT NULL PRIMARY KEY, Qty int)")
            cur.execute("CREATE TABLE dbo.Prices (Id int, Price int)")
            cur.execute("INSERT INTO dbo.Prices VALUES (1, 7)")
            cur.execute("CREATE TABLE dbo.StockAudit (Id int, Price int)")
            cur.execute("CREATE TABLE dbo.Hidden (Id int)")
            cur.execute(
                "CREATE TRIGGER dbo.StockAudited ON dbo.Stock AFTER INSERT AS"
                " INSERT INTO dbo.StockAudit SELECT Id, (SELECT MAX(Price) FROM dbo.Prices)"
                " FROM inserted"
            )
            cur.execute("CREATE TRIGGER dbo.HiddenTrigger ON dbo.Hidden AFTER DELETE AS RETURN")
            cur.execute("DENY SELECT ON dbo.Prices TO writer")
            cur.execute("DENY SELECT ON dbo.Hidden TO clerk")
        yield server


@pytest.mark.parametrize("driver", ["msodbc", "freetds"])
def test_a_trigger_reads_what_its_caller_may_not(
    login_server: ThreadedTdsServer, driver: str
) -> None:
    """The body's reads and writes are the trigger's owner's (ownership chaining): a
    writer denied SELECT on Prices still fills StockAudit from it."""
    with connect(login_server, driver, "writer") as writer:
        n = next(_names)
        writer.cursor().execute(f"INSERT INTO dbo.Stock VALUES ({n}, 1)")
        with pytest.raises(pyodbc.Error, match=r"\(229\)"):
            writer.cursor().execute("SELECT Price FROM dbo.Prices")
    with connect(login_server, driver) as admin:
        assert rows(admin, f"SELECT Price FROM dbo.StockAudit WHERE Id = {n}") == [(7,)]


@pytest.mark.parametrize("driver", ["msodbc", "freetds"])
def test_a_reader_sees_the_triggers_of_the_tables_it_sees_without_their_text(
    login_server: ThreadedTdsServer, driver: str
) -> None:
    """A trigger is a subcomponent of its table ("Metadata visibility configuration");
    its definition needs VIEW DEFINITION."""
    with connect(login_server, driver, "clerk") as clerk:
        assert rows(clerk, "SELECT name FROM sys.triggers ORDER BY name") == [("StockAudited",)]
        assert rows(clerk, "SELECT type_desc FROM sys.trigger_events") == [("INSERT",)]
        assert scalar(clerk, "SELECT OBJECT_DEFINITION(OBJECT_ID('dbo.StockAudited'))") is None
        assert rows(
            clerk,
            "SELECT definition FROM sys.sql_modules"
            " WHERE object_id = OBJECT_ID('dbo.StockAudited')",
        ) == [(None,)]
