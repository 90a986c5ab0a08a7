"""SET TEXTSIZE through both ODBC drivers, by Microsoft's "SET TEXTSIZE (Transact-SQL)":
a SELECT sends at most that many bytes of each varchar(max), nvarchar(max),
varbinary(max), text, ntext and image value; xml and the sized types are not cut; 0
restores the default of 4 KB, and @@TEXTSIZE tells the setting."""

from __future__ import annotations

from contextlib import closing

import pyodbc

from tds_test_server import ThreadedTdsServer

COLUMNS = "b varbinary(max), n nvarchar(max), v varchar(max), t text, nt ntext, i image"
ROW = (b"\x01" * 100, "n" * 100, "v" * 100, "t" * 100, "m" * 100, b"\x02" * 100)


def _connect(server: ThreadedTdsServer, driver: str) -> pyodbc.Connection:
    return pyodbc.connect(server.odbc_connection_string(driver=driver), autocommit=True, timeout=10)


def test_textsize_cuts_large_values_to_that_many_bytes(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    table = f"dbo.textsize_{odbc_driver}"
    with closing(_connect(wire_server, odbc_driver)) as cnxn:
        cnxn.execute(f"CREATE TABLE {table} (id int, {COLUMNS}, x xml, s varchar(50))")
        cnxn.execute(
            f"INSERT {table} VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
            *ROW,
            "<a>" + "x" * 100 + "</a>",
            "s" * 50,
        )
        assert cnxn.execute("SELECT @@TEXTSIZE").fetchval() == 2147483647  # as ODBC starts
        whole = cnxn.execute(f"SELECT * FROM {table}").fetchone()
        assert [len(v) for v in whole[1:7]] == [100] * 6
        cnxn.execute("SET TEXTSIZE 11")
        assert cnxn.execute("SELECT @@TEXTSIZE").fetchval() == 11
        for cut in (
            cnxn.execute(f"SELECT * FROM {table}").fetchone(),
            cnxn.execute(f"SELECT * FROM {table} WHERE id = ?", 1).fetchone(),  # an RPC
        ):
            # nvarchar and ntext: two bytes a character, so 5 of them in 11 bytes
            assert [len(v) for v in cut[1:7]] == [11, 5, 11, 11, 5, 11]
            assert (len(cut.x), len(cut.s)) == (107, 50)  # not cut
        cnxn.execute("SET TEXTSIZE 0")
        assert cnxn.execute("SELECT @@TEXTSIZE").fetchval() == 4096


def test_textsize_set_in_a_batch_cuts_the_results_after_it(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    with closing(_connect(wire_server, odbc_driver)) as cnxn:
        cursor = cnxn.execute(
            "SELECT REPLICATE(CAST('a' AS varchar(max)), 50);"
            " SET TEXTSIZE 20; SELECT REPLICATE(CAST('a' AS varchar(max)), 50)"
        )
        assert len(cursor.fetchval()) == 50
        while cursor.nextset() and cursor.description is None:
            pass
        assert len(cursor.fetchval()) == 20


def test_textsize_set_in_a_procedure_ends_with_it(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """As every SET option a procedure runs ("SET statements", Considerations)."""
    name = f"dbo.textsize_proc_{odbc_driver}"
    with closing(_connect(wire_server, odbc_driver)) as cnxn:
        cnxn.execute(
            f"CREATE PROCEDURE {name} AS SET TEXTSIZE 20;"
            " SELECT REPLICATE(CAST('a' AS varchar(max)), 50) AS a"
        )
        assert len(cnxn.execute(f"EXEC {name}").fetchval()) == 20
        assert cnxn.execute("SELECT @@TEXTSIZE").fetchval() == 2147483647
