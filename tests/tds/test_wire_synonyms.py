"""Synonyms and sys.sql_expression_dependencies through both drivers.

From Microsoft's "CREATE SYNONYM", "sys.synonyms", "PARSENAME" and
"sys.sql_expression_dependencies": a synonym names a base object of up to four parts,
which need not exist until a statement uses the synonym; base_object_name is its quoted
name; SELECT is checked on the synonym (its base is dbo's, as the synonym: an unbroken
ownership chain), and EXEC of a synonym for a procedure runs it, EXECUTE checked on
the synonym; the dependencies view lists the names a module's definition writes,
with referenced_id for an object of this database, to a user who holds VIEW DEFINITION.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyodbc
import pytest
from wire_logins import connector, rows, scalar

from tds_test_server import ThreadedTdsServer

PASSWORD = "Reader-Pass1"
connect = connector(PASSWORD)
SETUP = [
    "CREATE TABLE dbo.Items (Id int PRIMARY KEY, Name nvarchar(20))",
    "INSERT INTO dbo.Items VALUES (1, N'one'), (2, N'two')",
    "CREATE SYNONYM dbo.ItemSyn FOR dbo.Items",
    "CREATE SYNONYM Bare FOR Items",
    "CREATE SYNONYM dbo.OtherSyn FOR OtherDb.dbo.Orders",
    "CREATE SYNONYM dbo.DotsSyn FOR OtherDb..Orders",
    "CREATE SYNONYM dbo.RemoteSyn FOR Srv.Sales.dbo.Orders",
    "CREATE SYNONYM dbo.GoneSyn FOR dbo.NotThere",
    "CREATE SYNONYM dbo.Sessions FOR sys.dm_exec_sessions",
    "CREATE SYNONYM dbo.Stats FOR sys.dm_db_partition_stats",
    "CREATE VIEW dbo.ItemNames AS SELECT Name FROM dbo.Items",
    "CREATE VIEW dbo.Pairs AS SELECT a.Id, b.Name FROM dbo.Items AS a, dbo.ItemNames b"
    " WHERE a.Id IN (1, 2) ORDER BY a.Id, b.Name OFFSET 0 ROWS",
    "CREATE PROCEDURE dbo.Reach AS BEGIN SELECT * FROM OtherDb.dbo.Orders;"
    " EXEC Srv.Sales.dbo.Refresh; SELECT * FROM Items END",
    "CREATE FUNCTION dbo.ItemsFrom (@id int) RETURNS TABLE AS RETURN"
    " WITH Picked AS (SELECT Id FROM dbo.Items WHERE Id >= @id) SELECT * FROM Picked",
    # narrow: no db_datareader, SELECT on the synonym alone
    "ALTER ROLE db_datareader DROP MEMBER narrow",
    "GRANT SELECT ON dbo.ItemSyn TO narrow",
    "DENY SELECT ON dbo.Bare TO reader",
    "CREATE PROCEDURE dbo.Double @x int AS SELECT @x * 2 AS Twice",
    "CREATE SYNONYM dbo.DoubleSyn FOR dbo.Double",
    "GRANT EXECUTE ON dbo.DoubleSyn TO narrow",
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedTdsServer]:
    with ThreadedTdsServer(
        sample=False,
        logins=[
            f"reader:{PASSWORD}",
            f"narrow:{PASSWORD}",
            f"definer:{PASSWORD}:VIEW_DEFINITION",
        ],
    ) as server:
        with connect(server, "freetds") as admin:
            for sql in SETUP:
                admin.cursor().execute(sql)
        yield server


def error(cnxn: pyodbc.Connection, sql: str) -> str:
    with pytest.raises(pyodbc.Error) as info:
        cnxn.cursor().execute(sql).fetchall()
    return str(info.value)


def test_sys_synonyms_shows_each_base_quoted(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as admin:
        found = rows(
            admin,
            "SELECT SCHEMA_NAME(schema_id), name, type, type_desc, base_object_name"
            " FROM sys.synonyms ORDER BY name",
        )
        assert found == [
            ("dbo", "Bare", "SN", "SYNONYM", "[Items]"),
            ("dbo", "DotsSyn", "SN", "SYNONYM", "[OtherDb]..[Orders]"),
            ("dbo", "DoubleSyn", "SN", "SYNONYM", "[dbo].[Double]"),
            ("dbo", "GoneSyn", "SN", "SYNONYM", "[dbo].[NotThere]"),
            ("dbo", "ItemSyn", "SN", "SYNONYM", "[dbo].[Items]"),
            ("dbo", "OtherSyn", "SN", "SYNONYM", "[OtherDb].[dbo].[Orders]"),
            ("dbo", "RemoteSyn", "SN", "SYNONYM", "[Srv].[Sales].[dbo].[Orders]"),
            ("dbo", "Sessions", "SN", "SYNONYM", "[sys].[dm_exec_sessions]"),
            ("dbo", "Stats", "SN", "SYNONYM", "[sys].[dm_db_partition_stats]"),
        ]
        oid = scalar(admin, "SELECT OBJECT_ID('dbo.ItemSyn')")
        assert scalar(admin, f"SELECT type FROM sys.objects WHERE object_id = {oid}") == "SN"
        parts = "SELECT PARSENAME(base_object_name, {0}) FROM sys.synonyms WHERE name = '{1}'"
        assert [scalar(admin, parts.format(i, "RemoteSyn")) for i in (4, 3, 2, 1)] == [
            "Srv", "Sales", "dbo", "Orders"
        ]  # fmt: skip
        assert [scalar(admin, parts.format(i, "DotsSyn")) for i in (3, 2, 1)] == [
            "OtherDb", None, "Orders"
        ]  # fmt: skip


def test_parsename_is_null_past_the_parts_written(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as admin:
        got = rows(
            admin,
            "SELECT PARSENAME('a.b', 1), PARSENAME('a.b', 3), PARSENAME('a.b.', 1),"
            " PARSENAME('a.b.c.d.e', 1), PARSENAME(NULL, 1), PARSENAME('[x.y].z', 2)",
        )
        assert got == [("b", None, None, None, None, "x.y")]


def test_a_synonym_reads_its_base(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as admin:
        cur = admin.cursor().execute("SELECT Id, Name FROM dbo.ItemSyn ORDER BY Id")
        assert [tuple(r) for r in cur.fetchall()] == [(1, "one"), (2, "two")]
        assert [(d[0], d[1]) for d in cur.description] == [("Id", int), ("Name", str)]
        assert rows(admin, "SELECT ItemSyn.Name FROM ItemSyn WHERE ItemSyn.Id = 2") == [("two",)]
        assert rows(admin, "SELECT s.Id FROM Bare AS s JOIN dbo.Items i ON i.Id = s.Id") == [
            (1,), (2,)
        ]  # fmt: skip


def test_a_write_through_a_synonym_writes_its_base(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as admin:
        admin.cursor().execute("INSERT INTO dbo.ItemSyn VALUES (3, N'three')")
        assert scalar(admin, "SELECT Name FROM dbo.Items WHERE Id = 3") == "three"
        admin.cursor().execute("DELETE FROM dbo.ItemSyn WHERE Id = 3")
        assert scalar(admin, "SELECT count(*) FROM dbo.Items") == 2


def test_a_synonym_without_a_base_here_fails_when_used(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as admin:
        assert "(7202)" in error(admin, "SELECT * FROM dbo.RemoteSyn")
        assert "Could not find server 'Srv' in sys.servers" in error(
            admin, "SELECT * FROM dbo.RemoteSyn"
        )
        for name in ("OtherSyn", "DotsSyn", "GoneSyn"):
            text = error(admin, f"SELECT * FROM dbo.{name}")
            assert f"Synonym 'dbo.{name}' refers to an invalid object. (5313)" in text


def test_create_and_drop_synonym(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as admin:
        cur = admin.cursor()
        cur.execute("CREATE SYNONYM dbo.Tmp FOR dbo.Items")
        assert "(2714)" in error(admin, "CREATE SYNONYM dbo.Tmp FOR dbo.Other")
        assert "(2714)" in error(admin, "CREATE SYNONYM dbo.Items FOR dbo.Other")
        cur.execute("DROP SYNONYM dbo.Tmp")
        assert scalar(admin, "SELECT count(*) FROM sys.synonyms WHERE name = 'Tmp'") == 0
        assert "Cannot drop the synonym 'Tmp'" in error(admin, "DROP SYNONYM dbo.Tmp")
        cur.execute("DROP SYNONYM IF EXISTS dbo.Tmp")
        assert "(2760)" in error(admin, "CREATE SYNONYM nope.Tmp FOR dbo.Items")
    with connect(server, odbc_driver, "reader") as cnxn:
        text = error(cnxn, "CREATE SYNONYM dbo.Mine FOR dbo.Items")
        assert "CREATE SYNONYM permission denied" in text


def test_select_is_checked_on_the_synonym(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver, "narrow") as cnxn:
        assert scalar(cnxn, "SELECT count(*) FROM dbo.ItemSyn") == 2
        assert "The SELECT permission was denied on the object 'Items'" in error(
            cnxn, "SELECT * FROM dbo.Items"
        )
        assert "The SELECT permission was denied on the object 'Bare'" in error(
            cnxn, "SELECT * FROM dbo.Bare"
        )
        # metadata visibility: the synonyms it holds a permission on, not the others
        found = rows(cnxn, "SELECT name FROM sys.synonyms ORDER BY name")
        assert found == [("DoubleSyn",), ("ItemSyn",)]
    with connect(server, odbc_driver, "reader") as cnxn:
        assert scalar(cnxn, "SELECT count(*) FROM dbo.Items") == 2
        text = error(cnxn, "SELECT * FROM dbo.Bare")
        assert "The SELECT permission was denied on the object 'Bare', database" in text
        assert "(229)" in text


def test_exec_of_a_synonym_runs_its_procedure(server: ThreadedTdsServer, odbc_driver: str) -> None:
    with connect(server, odbc_driver) as admin:
        assert scalar(admin, "EXEC dbo.DoubleSyn 21") == 42
        assert admin.cursor().execute("{CALL dbo.DoubleSyn (?)}", 4).fetchone()[0] == 8
        assert "(5313)" in error(admin, "EXEC dbo.GoneSyn")
    with connect(server, odbc_driver, "narrow") as cnxn:
        assert scalar(cnxn, "EXEC DoubleSyn @x = 2") == 4
        text = error(cnxn, "EXEC dbo.Double 2")
        assert "The EXECUTE permission was denied on the object 'Double'" in text
    with connect(server, odbc_driver, "reader") as cnxn:
        text = error(cnxn, "EXEC dbo.DoubleSyn 2")
        assert "The EXECUTE permission was denied on the object 'DoubleSyn'" in text


def test_a_synonym_for_a_server_state_view_asks_its_permission(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """A DMV's server or database permission is no object's: the synonym does not lend
    it (docs/security.md, "a synonym over a server-state view")."""
    with connect(server, odbc_driver) as admin:
        assert scalar(admin, "SELECT count(*) FROM dbo.Stats") > 0
    with connect(server, odbc_driver, "reader") as cnxn:
        text = error(cnxn, "SELECT * FROM dbo.Stats")  # 300 then 297: drivers show either
        assert "(300)" in text or "(297)" in text
        own = "SELECT count(*) FROM dbo.Sessions WHERE session_id <> @@SPID"
        assert scalar(cnxn, own) == 0  # its own session only


DEPENDENCIES = (
    "SELECT OBJECT_NAME(referencing_id), referenced_server_name, referenced_database_name,"
    " referenced_schema_name, referenced_entity_name, referenced_id, is_caller_dependent"
    " FROM sys.sql_expression_dependencies WHERE OBJECT_NAME(referencing_id) = '{0}'"
)


def test_expression_dependencies_name_what_a_module_writes(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with connect(server, odbc_driver) as admin:
        items = scalar(admin, "SELECT OBJECT_ID('dbo.Items')")
        assert rows(admin, DEPENDENCIES.format("ItemNames")) == [
            ("ItemNames", None, None, "dbo", "Items", items, False)
        ]
        assert rows(admin, DEPENDENCIES.format("Reach")) == [
            ("Reach", None, "OtherDb", "dbo", "Orders", None, False),
            ("Reach", "Srv", "Sales", "dbo", "Refresh", None, False),
            ("Reach", None, None, None, "Items", None, True),  # the caller's schema
        ]
        # the second table of a comma join too, not a column after a comma
        names = scalar(admin, "SELECT OBJECT_ID('dbo.ItemNames')")
        assert rows(admin, DEPENDENCIES.format("Pairs")) == [
            ("Pairs", None, None, "dbo", "Items", items, False),
            ("Pairs", None, None, "dbo", "ItemNames", names, False),
        ]
        # a common table expression is no object
        assert rows(admin, DEPENDENCIES.format("ItemsFrom")) == [
            ("ItemsFrom", None, None, "dbo", "Items", items, False)
        ]


def test_expression_dependencies_need_view_definition(
    server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """Without VIEW DEFINITION the definitions are NULL, and so is what they name."""
    with connect(server, odbc_driver, "reader") as cnxn:
        assert scalar(cnxn, "SELECT count(*) FROM sys.sql_expression_dependencies") == 0
    with connect(server, odbc_driver, "definer") as cnxn:
        assert scalar(cnxn, "SELECT count(*) FROM sys.sql_expression_dependencies") == 7
