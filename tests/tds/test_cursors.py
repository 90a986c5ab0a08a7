"""T-SQL cursors through both ODBC drivers: DECLARE ... CURSOR, OPEN, FETCH [INTO],
@@FETCH_STATUS, CLOSE and DEALLOCATE in a batch and in a procedure; their scope (GLOBAL by
default, LOCAL to its batch or call) and their errors ("DECLARE CURSOR", "FETCH",
"@@FETCH_STATUS" and "Database engine events and errors (16000 to 16999)")."""

from __future__ import annotations

from contextlib import closing
from decimal import Decimal

import pyodbc
import pytest
from wire_results import result_sets, unique_name

from tds_test_server.engine.engine import Engine
from tds_test_server.results import Message, SessionInfo


def _table(cur: pyodbc.Cursor) -> str:
    table = unique_name("dbo.items")
    cur.execute(
        f"CREATE TABLE {table} (id int PRIMARY KEY, name nvarchar(20), price decimal(9, 2))"
    )
    cur.execute(f"INSERT {table} VALUES (1, N'bike', 10.5), (2, N'helmet', 2.25), (3, N'lock', 4)")
    return table


def test_fetch_into_variables_and_fetch_status(cursor: closing[pyodbc.Cursor]) -> None:
    """FETCH NEXT ... INTO sets the variables in the cursor's column order and
    @@FETCH_STATUS to 0; past the last row it is -1 and the variables keep their values.
    The query reads its variables as they were at DECLARE."""
    with cursor as cur:
        table = _table(cur)
        cur.execute(
            "SET NOCOUNT ON; DECLARE @min int = 1, @id int, @name nvarchar(20),"
            " @price decimal(9, 2), @total decimal(9, 2) = 0;"
            f" DECLARE c CURSOR FOR SELECT id, name, price FROM {table} WHERE id > @min"
            " ORDER BY id;"
            " SET @min = 0;"
            " OPEN c;"
            " FETCH NEXT FROM c INTO @id, @name, @price; SET @total += @price;"
            " SELECT @id, @name, @price, @@FETCH_STATUS;"
            " FETCH c INTO @id, @name, @price; SET @total += @price;"
            " FETCH NEXT FROM c INTO @id, @name, @price;"
            " SELECT @id, @name, @total, @@FETCH_STATUS;"
            " CLOSE c; DEALLOCATE c"
        )
        assert result_sets(cur) == [
            [(2, "helmet", Decimal("2.25"), 0)],
            [(3, "lock", Decimal("6.25"), -1)],
        ]


def test_fetch_without_into_returns_the_row(cursor: closing[pyodbc.Cursor]) -> None:
    """As a result set with the query's columns; past the end an empty one."""
    with cursor as cur:
        table = _table(cur)
        cur.execute(
            f"DECLARE c CURSOR LOCAL FAST_FORWARD FOR SELECT name, price FROM {table} WHERE id < 3"
            " ORDER BY id DESC; OPEN c; FETCH NEXT FROM c; FETCH NEXT FROM c; FETCH NEXT FROM c;"
            " SELECT @@FETCH_STATUS AS s"
        )
        assert [d[0] for d in cur.description] == ["name", "price"]
        assert result_sets(cur) == [
            [("helmet", Decimal("2.25"))],
            [("bike", Decimal("10.50"))],
            [],
            [(-1,)],
        ]


def test_a_scroll_cursor_fetches_in_every_direction(cursor: closing[pyodbc.Cursor]) -> None:
    """FETCH PRIOR, FIRST, LAST, ABSOLUTE and RELATIVE (FETCH page); a forward-only cursor
    takes NEXT alone (16911)."""
    with cursor as cur:
        table = _table(cur)
        cur.execute(
            f"DECLARE @n int = -2; DECLARE c CURSOR LOCAL SCROLL FOR SELECT id FROM {table}"
            " ORDER BY id; OPEN c; FETCH LAST FROM c; FETCH PRIOR FROM c; FETCH FIRST FROM c;"
            " FETCH ABSOLUTE -1 FROM c; FETCH RELATIVE @n FROM c; FETCH RELATIVE 5 FROM c;"
            " SELECT @@FETCH_STATUS; FETCH PRIOR FROM c"
        )
        assert result_sets(cur) == [[(3,)], [(2,)], [(1,)], [(3,)], [(1,)], [], [(-1,)], [(3,)]]
        with pytest.raises(pyodbc.Error, match=r"fetch type FIRST cannot be used with forward"):
            result_sets(
                cur.execute(
                    f"DECLARE c CURSOR LOCAL FOR SELECT id FROM {table}; OPEN c; FETCH FIRST FROM c"
                )
            )
        # ISO syntax: INSENSITIVE without SCROLL is forward-only too (FETCH page, Remarks)
        with pytest.raises(pyodbc.Error, match=r"fetch type LAST .*\(16911\)"):
            result_sets(
                cur.execute(
                    f"DECLARE i INSENSITIVE CURSOR FOR SELECT id FROM {table};"
                    " OPEN i; FETCH LAST FROM i"
                )
            )
        cur.execute("DEALLOCATE i")
        cur.execute(
            f"DECLARE i INSENSITIVE SCROLL CURSOR FOR SELECT id FROM {table} ORDER BY id;"
            " OPEN i; FETCH LAST FROM i"
        )
        assert result_sets(cur) == [[(3,)]]
        cur.execute("DEALLOCATE i")


def test_a_global_cursor_lives_until_deallocate(cursor: closing[pyodbc.Cursor]) -> None:
    """GLOBAL is the default: the cursor and its position outlive the batch; DEALLOCATE
    ends it."""
    with cursor as cur:
        table = _table(cur)
        cur.execute(f"DECLARE g CURSOR FOR SELECT id FROM {table} ORDER BY id; OPEN g")
        assert result_sets(cur.execute("FETCH NEXT FROM g")) == [[(1,)]]
        assert result_sets(cur.execute("FETCH NEXT FROM GLOBAL g")) == [[(2,)]]
        cur.execute("CLOSE g; OPEN g")  # OPEN again starts from the first row
        assert result_sets(cur.execute("FETCH NEXT FROM g")) == [[(1,)]]
        cur.execute("DEALLOCATE g")
        with pytest.raises(pyodbc.Error, match=r"A cursor with the name 'g' does not exist\."):
            cur.execute("OPEN g")


def test_cursor_errors(cursor: closing[pyodbc.Cursor]) -> None:
    """The numbers and texts of "Database engine events and errors (16000 to 16999)"."""
    with cursor as cur:
        table = _table(cur)
        cases = [
            ("FETCH NEXT FROM nowhere", r"'nowhere' does not exist\. \(16916\)"),
            (
                f"DECLARE c CURSOR LOCAL FOR SELECT id FROM {table}; OPEN c; OPEN c",
                r"The cursor is already open\. \(16905\)",
            ),
            (
                f"DECLARE c CURSOR LOCAL FOR SELECT id FROM {table}; FETCH NEXT FROM c",
                r"Cursor is not open\. \(16917\)",
            ),
            (
                f"DECLARE c CURSOR LOCAL FOR SELECT id FROM {table};"
                " DECLARE c CURSOR LOCAL FOR SELECT 1",
                r"A cursor with the name 'c' already exists\. \(16915\)",
            ),
            (
                f"DECLARE @a int; DECLARE c CURSOR LOCAL FOR SELECT id, name FROM {table};"
                " OPEN c; FETCH NEXT FROM c INTO @a",
                r"number of variables declared in the INTO list must match .*\(16924\)",
            ),
            (
                f"DECLARE c CURSOR LOCAL FOR SELECT id FROM {table}; CLOSE c",
                r"\(16917\)",
            ),
            (
                f"DECLARE c CURSOR LOCAL FOR SELECT id FROM {table}; DEALLOCATE c; OPEN c",
                r"\(16916\)",
            ),
            ("DECLARE @c CURSOR", r"\(40517\)"),
            (f"DECLARE c CURSOR LOCAL FOR SELECT id FROM {table} FOR UPDATE", r"\(40517\)"),
        ]
        for sql, error in cases:
            with pytest.raises(pyodbc.Error, match=error):
                result_sets(cur.execute(sql))
        # a LOCAL cursor ended with its batch
        with pytest.raises(pyodbc.Error, match=r"\(16916\)"):
            cur.execute("OPEN c")


def test_a_procedure_with_a_local_cursor_called_twice(cursor: closing[pyodbc.Cursor]) -> None:
    """Each call declares its own LOCAL cursor, which ends with the call."""
    name = unique_name("dbo.first_two")
    with cursor as cur:
        table = _table(cur)
        cur.execute(
            f"CREATE PROCEDURE {name} AS"
            " SET NOCOUNT ON; DECLARE @id int, @name nvarchar(20), @names nvarchar(100) = N'';"
            f" DECLARE c CURSOR LOCAL READ_ONLY FOR SELECT id, name FROM {table} ORDER BY id;"
            " OPEN c; FETCH NEXT FROM c INTO @id, @name; SET @names += @name;"
            " FETCH NEXT FROM c INTO @id, @name; SET @names += N',' + @name;"
            " CLOSE c; DEALLOCATE c; SELECT @names AS names, @@FETCH_STATUS AS status"
        )
        for _ in range(2):
            assert result_sets(cur.execute(f"EXEC {name}")) == [[("bike,helmet", 0)]]
        assert cur.execute(f"{{CALL {name}}}").fetchall()[0][0] == "bike,helmet"


def test_a_while_loop_sums_the_rows(cursor: closing[pyodbc.Cursor]) -> None:
    """The loop of the FETCH page's examples: FETCH, then WHILE @@FETCH_STATUS = 0."""
    with cursor as cur:
        table = _table(cur)
        cur.execute(
            "SET NOCOUNT ON; DECLARE @price decimal(9, 2), @total decimal(9, 2) = 0,"
            " @count int = 0;"
            f" DECLARE c CURSOR LOCAL FOR SELECT price FROM {table};"
            " OPEN c;\nFETCH NEXT FROM c INTO @price;\nWHILE @@FETCH_STATUS = 0\nBEGIN\n"
            "  SET @total = @total + @price;\n  SET @count += 1;\n"
            "  FETCH NEXT FROM c INTO @price;\nEND\n"
            "CLOSE c; DEALLOCATE c; SELECT @total, @count, @@FETCH_STATUS"
        )
        assert result_sets(cur) == [[(Decimal("16.75"), 3, -1)]]
        # without INTO each FETCH is a result set, the last one empty
        cur.execute(
            f"DECLARE c CURSOR LOCAL FOR SELECT id FROM {table} ORDER BY id DESC;"
            " OPEN c; FETCH NEXT FROM c; WHILE @@FETCH_STATUS = 0 FETCH NEXT FROM c"
        )
        assert result_sets(cur) == [[(3,)], [(2,)], [(1,)], []]


def test_a_procedure_loops_over_a_cursor(cursor: closing[pyodbc.Cursor]) -> None:
    """An older procedure's shape: BEGIN ... END around its body, a LOCAL cursor, a WHILE
    loop with IF and BREAK, RETURN with a status; by EXEC and by {CALL}, twice."""
    name = unique_name("dbo.names_below")
    with cursor as cur:
        table = _table(cur)
        cur.execute(
            f"CREATE PROCEDURE {name} @limit decimal(9, 2), @names nvarchar(100) OUTPUT AS\n"
            "BEGIN\n  SET NOCOUNT ON;\n  DECLARE @name nvarchar(20), @price decimal(9, 2);\n"
            "  SET @names = N'';\n"
            f"  DECLARE c CURSOR LOCAL FAST_FORWARD FOR SELECT name, price FROM {table}"
            " ORDER BY id;\n"
            "  OPEN c;\n  FETCH NEXT FROM c INTO @name, @price;\n"
            "  WHILE @@FETCH_STATUS = 0\n  BEGIN\n"
            "    IF @price < @limit\n      SET @names = @names + @name + N';';\n"
            "    IF LEN(@names) > 20 BREAK;\n"
            "    FETCH NEXT FROM c INTO @name, @price;\n  END\n"
            "  CLOSE c;\n  DEALLOCATE c;\n  IF @names = N'' RETURN 1;\n  RETURN 0;\nEND"
        )
        for _ in range(2):
            cur.execute(
                f"DECLARE @n nvarchar(100), @r int; EXEC @r = {name} 5, @n OUTPUT; SELECT @n, @r"
            )
            assert result_sets(cur) == [[("helmet;lock;", 0)]]
        cur.execute(f"DECLARE @n nvarchar(100), @r int; EXEC @r = {name} 1, @n OUTPUT; SELECT @r")
        assert result_sets(cur) == [[(1,)]]


def test_rowcount_after_cursor_statements(cursor: closing[pyodbc.Cursor]) -> None:
    """ "@@ROWCOUNT": DECLARE CURSOR and FETCH set it to 1 (the page makes no exception for
    a FETCH past the end), CLOSE and DEALLOCATE reset it to 0."""
    with cursor as cur:
        cur.execute(
            "SET NOCOUNT ON; DECLARE @a int; DECLARE c CURSOR LOCAL FOR SELECT 1;"
            " SELECT @@ROWCOUNT; OPEN c; FETCH c INTO @a; FETCH c INTO @a;"
            " SELECT @@ROWCOUNT, @@FETCH_STATUS; CLOSE c; SELECT @@ROWCOUNT;"
            " DECLARE @b int = 5; DEALLOCATE c; SELECT @@ROWCOUNT"
        )
        assert result_sets(cur) == [[(1,)], [(1, -1)], [(0,)], [(0,)]]


NESTED = """SET NOCOUNT ON;
DECLARE @vendor_id int, @vendor_name nvarchar(50), @message varchar(80), @product nvarchar(50);
DECLARE vendor_cursor CURSOR FOR
SELECT VendorID, Name FROM dbo.Vendor WHERE PreferredVendorStatus = 1 ORDER BY VendorID;
OPEN vendor_cursor
FETCH NEXT FROM vendor_cursor INTO @vendor_id, @vendor_name
WHILE @@FETCH_STATUS = 0
BEGIN
    SELECT @message = '----- Products From Vendor: ' + @vendor_name
    PRINT @message
    DECLARE product_cursor CURSOR FOR
    SELECT v.Name FROM dbo.ProductVendor pv, dbo.Product v
    WHERE pv.ProductID = v.ProductID AND pv.VendorID = @vendor_id
    OPEN product_cursor
    FETCH NEXT FROM product_cursor INTO @product
    IF @@FETCH_STATUS <> 0
        PRINT '         <<None>>'
    WHILE @@FETCH_STATUS = 0
    BEGIN
        SELECT @message = '         ' + @product
        PRINT @message
        FETCH NEXT FROM product_cursor INTO @product
        END
    CLOSE product_cursor
    DEALLOCATE product_cursor
    FETCH NEXT FROM vendor_cursor INTO @vendor_id, @vendor_name
END
CLOSE vendor_cursor;
DEALLOCATE vendor_cursor;"""


def test_the_declare_cursor_pages_nested_cursors() -> None:
    """Example B of the DECLARE CURSOR page: an inner cursor declared, read and
    deallocated for each row of the outer one, its query reading the outer's variable."""
    with Engine() as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="db"))
        for sql in (
            "CREATE TABLE dbo.Vendor (VendorID int, Name nvarchar(50), PreferredVendorStatus bit)",
            "INSERT dbo.Vendor VALUES (1, N'Acme', 1), (2, N'Bolt', 1), (3, N'Gone', 0)",
            "CREATE TABLE dbo.Product (ProductID int, Name nvarchar(50))",
            "INSERT dbo.Product VALUES (10, N'Anvil'), (11, N'Rocket')",
            "CREATE TABLE dbo.ProductVendor (ProductID int, VendorID int)",
            "INSERT dbo.ProductVendor VALUES (10, 1), (11, 1), (11, 3)",
        ):
            list(s.execute(sql))
        printed = [r.text for r in s.execute(NESTED) if isinstance(r, Message)]
        assert printed == [
            "----- Products From Vendor: Acme",
            "         Anvil",
            "         Rocket",
            "----- Products From Vendor: Bolt",
            "         <<None>>",
        ]
        s.close()
