"""The OUTPUT clause of INSERT, UPDATE and DELETE through both ODBC drivers, as "OUTPUT
clause (Transact-SQL)" describes it: one row per changed row, `inserted.` as stored
(identity values, defaults, computed columns), `deleted.` as before the statement, in the
columns' types; the DONE after the rows counts them. OUTPUT ... INTO is refused."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import closing
from decimal import Decimal

import pyodbc
import pytest

from tds_test_server import ThreadedTdsServer

# Tables of their own per test and driver, on the session's shared server.
_names = itertools.count()


def _table(cur: pyodbc.Cursor) -> str:
    name = f"out_{next(_names)}"
    cur.execute(
        f"CREATE TABLE dbo.{name} (Id int IDENTITY(1,1) PRIMARY KEY, Name nvarchar(40) NOT"
        " NULL, Price decimal(9,2) NOT NULL DEFAULT 2.50, Made date NULL,"
        " Twice AS Price * 2)"
    )
    return name


def _all(cur: pyodbc.Cursor, sql: str, *params: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in cur.execute(sql, *params).fetchall()]


def test_insert_outputs_the_identity_values_and_defaults(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _table(cur)
        cur.execute(
            f"INSERT INTO dbo.{t} (Name) OUTPUT inserted.Id, inserted.Name, inserted.Price,"
            " inserted.Twice, inserted.Made VALUES (?), (?), (?)",
            "a",
            "b",
            "c",
        )
        described = [(d[0], d[1], d[4], d[5]) for d in cur.description]
        assert described == [
            ("Id", int, 10, 0),
            ("Name", str, 40, 0),
            ("Price", Decimal, 9, 2),
            ("Twice", Decimal, 11, 2),  # decimal(9,2) * numeric(1,0): 9 + 1 + 1
            ("Made", dt.date, 10, 0),
        ]
        assert cur.description[1][6] is False  # Name is NOT NULL
        assert cur.description[4][6] is True
        rows = [tuple(r) for r in cur.fetchall()]
        assert rows == [
            (1, "a", Decimal("2.50"), Decimal("5.00"), None),
            (2, "b", Decimal("2.50"), Decimal("5.00"), None),
            (3, "c", Decimal("2.50"), Decimal("5.00"), None),
        ]
        assert cur.nextset() is False
        assert _all(cur, f"SELECT Id, Name FROM dbo.{t} ORDER BY Id") == [
            (1, "a"),
            (2, "b"),
            (3, "c"),
        ]


def test_insert_outputs_star_expressions_and_aliases(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _table(cur)
        rows = _all(
            cur,
            f"INSERT INTO dbo.{t} (Name, Made) OUTPUT inserted.* VALUES (N'x', ?)",
            "2024-02-29",
        )
        assert [d[0] for d in cur.description] == ["Id", "Name", "Price", "Made", "Twice"]
        assert rows == [(1, "x", Decimal("2.50"), dt.date(2024, 2, 29), Decimal("5.00"))]
        rows = _all(
            cur,
            f"INSERT INTO dbo.{t} (Name, Price) OUTPUT inserted.Id + 100 AS next_id,"
            f" UPPER(inserted.Name) shout SELECT Name + N'!', Price + 1 FROM dbo.{t}",
        )
        assert [d[0] for d in cur.description] == ["next_id", "shout"]
        assert rows == [(102, "X!")]


def test_an_identity_that_is_not_the_key_is_output_as_assigned(
    cursor: closing[pyodbc.Cursor],
) -> None:
    """An identity column beside another key (seed 10, increment 5) gets its values from
    the test server's triggers after the row is written: OUTPUT still sees them."""
    with cursor as cur:
        t = f"out_{next(_names)}"
        cur.execute(
            f"CREATE TABLE dbo.{t} (Code varchar(5) NOT NULL DEFAULT 'z',"
            " Seq int IDENTITY(10,5) NOT NULL, Note nvarchar(20) NULL DEFAULT N'none')"
        )
        rows = _all(cur, f"INSERT INTO dbo.{t} (Code) OUTPUT inserted.* VALUES ('a'), ('b')")
        assert rows == [("a", 10, "none"), ("b", 15, "none")]
        rows = _all(
            cur, f"INSERT INTO dbo.{t} (Code) OUTPUT inserted.Seq, inserted.Code SELECT 'c'"
        )
        assert rows == [(20, "c")]
        assert _all(cur, f"INSERT INTO dbo.{t} OUTPUT inserted.* DEFAULT VALUES") == [
            ("z", 25, "none")
        ]
        assert [d[0] for d in cur.description] == ["Code", "Seq", "Note"]


def test_update_outputs_the_old_and_the_new_values(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _table(cur)
        cur.execute(f"INSERT INTO dbo.{t} (Name, Price) VALUES (N'a', 1), (N'b', 2), (N'c', 3)")
        rows = _all(
            cur,
            f"UPDATE dbo.{t} SET Price = Price * 10, Name = Name + N'2' OUTPUT deleted.Id,"
            " deleted.Name, inserted.Name AS NewName, deleted.Price, inserted.Price,"
            " inserted.Twice WHERE Id >= ?",
            2,
        )
        assert [d[0] for d in cur.description] == [
            "Id",
            "Name",
            "NewName",
            "Price",
            "Price",
            "Twice",
        ]
        assert rows == [
            (2, "b", "b2", Decimal("2.00"), Decimal("20.00"), Decimal("40.00")),
            (3, "c", "c2", Decimal("3.00"), Decimal("30.00"), Decimal("60.00")),
        ]
        assert _all(cur, f"SELECT Name, Price FROM dbo.{t} WHERE Id = 1") == [
            ("a", Decimal("1.00"))
        ]


def test_a_column_named_output_is_a_column(cursor: closing[pyodbc.Cursor]) -> None:
    """OUTPUT is not reserved: beside an operator it names a column, not the clause."""
    with cursor as cur:
        t = f"out_{next(_names)}"
        cur.execute(f"CREATE TABLE dbo.{t} (id int PRIMARY KEY, output int NULL)")
        rows = _all(cur, f"INSERT INTO dbo.{t} (id, output) OUTPUT inserted.output VALUES (1, 5)")
        assert rows == [(5,)]
        rows = _all(
            cur,
            f"UPDATE dbo.{t} SET output = output + 1 OUTPUT deleted.output, inserted.output"
            " WHERE output = 5 AND output IS NOT NULL",
        )
        assert rows == [(5, 6)]
        assert _all(cur, f"DELETE FROM dbo.{t} OUTPUT deleted.id WHERE 6 = output") == [(1,)]


def test_delete_outputs_the_deleted_rows(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _table(cur)
        cur.execute(f"INSERT INTO dbo.{t} (Name) VALUES (N'a'), (N'b'), (N'c'), (N'd')")
        rows = _all(cur, f"DELETE FROM dbo.{t} OUTPUT deleted.* WHERE Id = 1")
        assert [d[0] for d in cur.description] == ["Id", "Name", "Price", "Made", "Twice"]
        assert rows == [(1, "a", Decimal("2.50"), None, Decimal("5.00"))]
        assert _all(cur, f"DELETE dbo.{t} OUTPUT deleted.Name WHERE Id = 2") == [("b",)]
        rows = _all(
            cur,
            f"DELETE x OUTPUT deleted.Id FROM dbo.{t} AS x JOIN (SELECT N'd' AS n) AS k"
            " ON k.n = x.Name",
        )
        assert rows == [(4,)]
        assert _all(cur, f"SELECT Id FROM dbo.{t}") == [(3,)]


def test_the_done_after_the_rows_counts_them(cursor: closing[pyodbc.Cursor]) -> None:
    with cursor as cur:
        t = _table(cur)
        cur.execute(f"INSERT INTO dbo.{t} (Name) OUTPUT inserted.Id VALUES (N'a'), (N'b')")
        assert len(cur.fetchall()) == 2
        assert cur.nextset() is False
        cur.execute(
            f"UPDATE dbo.{t} SET Name = N'z' OUTPUT inserted.Id WHERE Id > 0; SELECT @@ROWCOUNT"
        )
        assert len(cur.fetchall()) == 2
        assert cur.nextset() is True
        assert cur.fetchall()[0][0] == 2


def test_output_rows_are_rolled_back_with_the_transaction(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    with closing(cnxn):
        cur = cnxn.cursor()
        t = _table(cur)
        cur.execute(f"INSERT INTO dbo.{t} (Name) VALUES (N'kept')")
        cnxn.autocommit = False
        assert _all(cur, f"INSERT INTO dbo.{t} (Name) OUTPUT inserted.Id VALUES (N'new')") == [(2,)]
        assert _all(
            cur, f"UPDATE dbo.{t} SET Name = N'changed' OUTPUT deleted.Name WHERE Id = 1"
        ) == [("kept",)]
        assert _all(cur, f"DELETE FROM dbo.{t} OUTPUT deleted.Id WHERE Id = 1") == [(1,)]
        cnxn.rollback()
        cnxn.autocommit = True
        assert _all(cur, f"SELECT Id, Name FROM dbo.{t}") == [(1, "kept")]


@pytest.mark.parametrize(
    ("clause", "number", "message"),
    [
        (
            "INSERT INTO dbo.{t} (Name) OUTPUT inserted.nope VALUES (N'x')",
            207,
            "Invalid column name 'nope'.",
        ),
        (
            "INSERT INTO dbo.{t} (Name) OUTPUT deleted.Id VALUES (N'x')",
            4104,
            'The multi-part identifier "deleted.Id" could not be bound.',
        ),
        (
            "DELETE FROM dbo.{t} OUTPUT inserted.Id WHERE Id = 1",
            4104,
            'The multi-part identifier "inserted.Id" could not be bound.',
        ),
        ("UPDATE dbo.{t} SET Name = N'x' OUTPUT Name", 207, "Invalid column name 'Name'."),
        (
            "INSERT INTO dbo.{t} (Name) OUTPUT inserted.Id INTO dbo.{t} (Price) VALUES (N'x')",
            40517,
            "OUTPUT ... INTO",
        ),
        (
            "UPDATE x SET Name = N'x' OUTPUT k.n FROM dbo.{t} AS x JOIN (SELECT N'a' AS n) AS k"
            " ON k.n = x.Name",
            40517,
            "A column of the FROM clause's tables in an OUTPUT clause",
        ),
    ],
)
def test_a_bad_output_clause_fails_before_anything_changes(
    cursor: closing[pyodbc.Cursor], clause: str, number: int, message: str
) -> None:
    with cursor as cur:
        t = _table(cur)
        cur.execute(f"INSERT INTO dbo.{t} (Name) VALUES (N'a')")
        with pytest.raises(pyodbc.Error, match=rf"\({number}\)") as info:
            cur.execute(clause.format(t=t))
        assert message in str(info.value)
        assert _all(cur, f"SELECT Id, Name FROM dbo.{t}") == [(1, "a")]
