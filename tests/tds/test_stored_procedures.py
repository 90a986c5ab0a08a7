"""User stored procedures: CREATE/ALTER/DROP PROCEDURE, calls by EXEC in a batch and by RPC
(ODBC {CALL}, pytds callproc) with defaults, OUTPUT parameters, several result sets and
RETURN, and the catalog views that describe them."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any, cast

import pyodbc
import pytds
import pytest
from engine_helpers import rows, run

from tds_test_server import ThreadedTdsServer
from tds_test_server.engine.engine import Engine, EngineSession
from tds_test_server.protocol.packets import HEADER_SIZE
from tds_test_server.protocol.rpc import SessionState, run_batch
from tds_test_server.results import (
    ColumnType,
    Done,
    Param,
    ProcedureEnded,
    ProcedureStarted,
    Result,
    ResultSet,
    ReturnStatus,
    ReturnValue,
    SessionInfo,
    TdsError,
)

ADDUP = """CREATE PROCEDURE dbo.addup
    @a int,
    @b int = 10,
    @sum int OUTPUT,
    @label nvarchar(20) = N'x' OUTPUT
AS
BEGIN
    SET NOCOUNT ON;
    SELECT @a AS a, @b AS b;
    SELECT N'second' AS what;
    SET @sum = @a + @b;
    SET @label = @label + N'!';
    RETURN @sum * 2;
    SELECT N'never' AS what;
END"""


@pytest.fixture
def session() -> Iterator[EngineSession]:
    with Engine() as engine:
        s = engine.session(SessionInfo(spid=51, user="sa", database="master"))
        run(s, ADDUP)
        yield s
        s.close()


def test_exec_in_a_batch_binds_defaults_outputs_and_the_status(session: EngineSession) -> None:
    results = run(
        session,
        "DECLARE @s int, @l nvarchar(20) = N'hey', @rc int;"
        " EXEC @rc = dbo.addup 1, @sum = @s OUTPUT, @label = @l OUTPUT;"
        " SELECT @rc, @s, @l",
    )
    sets = [r[1] for r in results if isinstance(r, tuple)]
    assert sets == [[(1, 10)], [("second",)], [(22, 11, "hey!")]]


def test_positional_and_named_argument_errors(session: EngineSession) -> None:
    cases: list[tuple[str, int]] = [
        ("EXEC dbo.addup @b = 1", 201),  # @a has no default
        ("EXEC dbo.addup 1, 2, 3, N'x', 5", 8144),
        ("EXEC dbo.addup @a = 1, @nope = 2", 8145),
        ("EXEC dbo.addup @a = 1, 2", 119),
        ("EXEC dbo.nothere", 2812),
    ]
    for sql, number in cases:
        with pytest.raises(TdsError) as caught:
            run(session, sql)
        assert caught.value.number == number, sql


def test_ddl_rules_and_catalog_views(session: EngineSession) -> None:
    with pytest.raises(TdsError) as exists:
        run(session, ADDUP)
    assert exists.value.number == 2714
    with pytest.raises(TdsError) as not_first:
        run(session, "SELECT 1\nCREATE PROCEDURE dbo.p2 AS SELECT 1")
    assert not_first.value.number == 111
    params = rows(
        session,
        "SELECT name, parameter_id, TYPE_NAME(system_type_id), max_length, is_output,"
        " has_default_value FROM sys.parameters WHERE object_id = OBJECT_ID(N'dbo.addup', 'P')"
        " ORDER BY parameter_id",
    )
    # Like SQL Server, T-SQL procedures keep their defaults only in the definition.
    assert params == [
        ("@a", 1, "int", 4, False, False),
        ("@b", 2, "int", 4, False, False),
        ("@sum", 3, "int", 4, True, False),
        ("@label", 4, "nvarchar", 40, True, False),
    ]
    assert rows(session, "SELECT name, type_desc FROM sys.procedures") == [
        ("addup", "SQL_STORED_PROCEDURE")
    ]
    definition = rows(
        session, "SELECT definition FROM sys.sql_modules WHERE object_id = OBJECT_ID('addup')"
    )
    assert definition == [(ADDUP,)]
    run(session, "CREATE OR ALTER PROCEDURE dbo.addup @a int AS RETURN @a")
    assert rows(session, "SELECT COUNT(*) FROM sys.parameters") == [(1,)]
    assert rows(session, "DECLARE @r int; EXEC @r = addup 5; SELECT @r") == [(5,)]
    run(session, "DROP PROCEDURE dbo.addup")
    assert rows(session, "SELECT OBJECT_ID('dbo.addup'), COUNT(*) FROM sys.parameters") == [
        (None, 0)
    ]
    run(session, "DROP PROCEDURE IF EXISTS dbo.addup")
    with pytest.raises(TdsError) as missing:
        run(session, "DROP PROCEDURE dbo.addup")
    assert missing.value.number == 3701


def test_rpc_by_name_yields_return_values_and_status(session: EngineSession) -> None:
    int_type = ColumnType("int")
    results = list(
        session.call_procedure(
            "[dbo].[addup]",
            [Param("", int_type, 4), Param("@sum", int_type, None, output=True)],
        )
    )
    tail: list[Any] = [r for r in results if not isinstance(r, ResultSet)]
    assert ReturnValue("@sum", int_type, 14, 1) in tail
    assert tail[-1] == ReturnStatus(28)


def _sets(cur: pyodbc.Cursor) -> list[list[tuple[Any, ...]]]:
    out = []
    while True:
        out.append([tuple(r) for r in cur.fetchall()])
        if not cur.nextset():
            return out


def test_sample_procedure_through_odbc(
    wire_sample_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    cnxn = pyodbc.connect(
        wire_sample_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    try:
        cur = cnxn.cursor()
        # pyodbc has no OUTPUT parameters: the SQL batch idiom returns them as a result set.
        cur.execute(
            "DECLARE @n int, @rc int;"
            " EXEC @rc = SalesLT.uspCustomerOrders @CustomerID = ?, @OrderCount = @n OUTPUT;"
            " SELECT @rc AS rc, @n AS orders",
            17,
        )
        customer, orders, outputs = _sets(cur)
        assert customer[0][0] == 17 and len(orders) == 8
        assert outputs == [(0, 8)]
        cur.execute(
            "DECLARE @n int, @rc int;"
            " EXEC @rc = SalesLT.uspCustomerOrders ?, @n OUTPUT; SELECT @rc, @n",
            999999,
        )
        assert _sets(cur) == [[], [], [(1, 0)]]
        # {CALL} is an RPC (Driver 18 sends sp_prepexecrpc, FreeTDS the procedure's name).
        posts = cur.execute("{CALL SalesLT.uspProductsByCategory (?)}", "Seat Posts").fetchall()
        cheap = cur.execute(
            "{CALL SalesLT.uspProductsByCategory (?, ?)}", "Seat Posts", 1000
        ).fetchall()
        assert posts and 0 < len(cheap) < len(posts)
        assert all(r.ListPrice <= 1000 for r in cheap)
    finally:
        cnxn.close()


def test_rpc_output_parameters_and_return_status_through_pytds(
    wire_server: ThreadedTdsServer,
) -> None:
    with pytds.connect(**wire_server.pytds_kwargs(), autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute(
            "CREATE OR ALTER PROCEDURE dbo.outs @a int, @b int = 10, @sum int OUTPUT,"
            " @label nvarchar(20) = N'x' OUTPUT AS SET NOCOUNT ON; SET @sum = @a + @b;"
            " SET @label = @label + N'!'; RETURN @sum * 2"
        )
        got = cur.callproc(
            "dbo.outs",
            (
                1,
                2,
                pytds.output(param_type="int"),
                pytds.output(value="hi", param_type="nvarchar(20)"),
            ),
        )
        assert got == [1, 2, 3, "hi!"]
        assert cur.return_value == 6
        cur.callproc("dbo.outs", {"@a": 5, "@sum": pytds.output(param_type="int")})
        assert cur.return_value == 30


def test_information_schema_routines_lists_procedures(session: EngineSession) -> None:
    assert rows(
        session,
        "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, DATA_TYPE, SQL_DATA_ACCESS,"
        " SUBSTRING(ROUTINE_DEFINITION, 1, 26) FROM INFORMATION_SCHEMA.ROUTINES",
    ) == [("dbo", "addup", "PROCEDURE", None, "MODIFIES", "CREATE PROCEDURE dbo.addup")]


# --- row counts of a procedure's statements ([MS-TDS] DONEINPROC / DONEPROC) -------------

COUNTED = """CREATE OR ALTER PROCEDURE dbo.{name} @step int
AS
BEGIN
    {nocount}
    UPDATE dbo.counted_items SET n = n + @step;
    SELECT id FROM dbo.counted_items WHERE id = 1;
    DELETE FROM dbo.counted_items WHERE id > 99;
    RETURN 0;
END"""


def test_exec_in_a_batch_marks_where_the_procedure_runs(session: EngineSession) -> None:
    run(session, "CREATE TABLE dbo.counted_items (id int, n int)")
    run(session, "INSERT INTO dbo.counted_items VALUES (1, 0), (2, 0), (3, 0)")
    run(session, COUNTED.format(name="counted", nocount=""))
    out = run(session, "EXEC dbo.counted 1")
    assert out[0] == ProcedureStarted() and out[-1] == ProcedureEnded()
    assert out[1] == Done(3) and out[3] == Done(0)
    # an RPC ends with its own DONEPROC: no markers
    called = list(session.call_procedure("dbo.counted", [Param("", ColumnType("int"), 1)]))
    assert not [r for r in called if isinstance(r, ProcedureStarted | ProcedureEnded)]


class _Scripted:
    """An engine session whose batch yields the given results, for the token stream."""

    def __init__(self, results: list[Result]):
        self.results = results
        self.info = SessionInfo(spid=51, user="sa", database="master")
        self.trancount = 0

    def execute(self, sql: str, params: list[Param] | None = None) -> Iterator[Result]:
        yield from self.results


def _done_tokens(results: list[Result]) -> list[tuple[int, int, int]]:
    """(token, status, row count) of each token a batch sends: all DONE kinds here."""
    engine = cast(EngineSession, _Scripted(results))
    state = SessionState(engine=engine, packet_size=4096, statements=[], rpcs=[])
    reply = b"".join(run_batch(state, "EXEC dbo.whatever"))[HEADER_SIZE:]
    done = struct.Struct("<BHHQ")
    assert len(reply) % done.size == 0
    return [
        (token, status, count)
        for token, status, _, count in (
            done.unpack_from(reply, i) for i in range(0, len(reply), done.size)
        )
    ]


def test_a_procedure_run_by_exec_ends_its_statements_with_doneinproc() -> None:
    tokens = _done_tokens([Done(1), ProcedureStarted(), Done(3), Done(None), ProcedureEnded()])
    more, count = 0x01, 0x10  # DONE_MORE, DONE_COUNT
    assert tokens == [
        (0xFD, more | count, 1),  # the statement before the EXEC: DONE
        (0xFF, more | count, 3),  # inside: DONEINPROC with its count
        # no token for the statement without a count (as under SET NOCOUNT ON)
        (0xFE, more, 0),  # the procedure ends: DONEPROC
        (0xFD, 0, 0),  # the end of the batch
    ]


def _results(cur: pyodbc.Cursor) -> list[tuple[str, int]]:
    """("count", rows affected) for a row count result, ("set", rows) for a result set."""
    out = []
    while True:
        if cur.description is None:
            out.append(("count", cur.rowcount))
        else:
            out.append(("set", len(cur.fetchall())))
        if not cur.nextset():
            return out


def test_drivers_see_the_counts_of_a_procedures_statements(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    try:
        cur = cnxn.cursor()
        cur.execute("DROP TABLE IF EXISTS dbo.counted_items")
        cur.execute("CREATE TABLE dbo.counted_items (id int, n int)")
        cur.execute("INSERT INTO dbo.counted_items VALUES (1, 0), (2, 0), (3, 0)")
        cur.execute(COUNTED.format(name="counted", nocount=""))
        cur.execute(COUNTED.format(name="quiet", nocount="SET NOCOUNT ON;"))
        seen = {}
        for name in ("counted", "quiet"):
            # a batch without parameters; with them the drivers send sp_executesql (an RPC)
            cur.execute(f"DECLARE @rc int; EXEC @rc = dbo.{name} 1; SELECT @rc")
            seen[name, "batch"] = _results(cur)
            cur.execute(f"DECLARE @rc int; EXEC @rc = dbo.{name} ?; SELECT @rc", 1)
            seen[name, "rpc"] = _results(cur)
        sets_only = [("set", 1), ("set", 1)]
        for how in ("batch", "rpc"):
            assert seen["quiet", how] == sets_only  # SET NOCOUNT ON: no counts
            if odbc_driver == "msodbc":  # Driver 18: each DONEINPROC count is a result
                assert seen["counted", how] == [("count", 3), ("set", 1), ("count", 0), ("set", 1)]
            else:  # FreeTDS hands no DONEINPROC count to the application, as with SQL Server
                assert seen["counted", how] == sets_only
    finally:
        cnxn.close()


def test_sp_executesql_in_a_batch_counts_as_a_procedure(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """EXEC sp_executesql in a batch runs its statements as a procedure's: each count a
    DONEINPROC, then DONEPROC; as they come in an RPC (sp_executesql from the driver)."""
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    try:
        cur = cnxn.cursor()
        cur.execute("DROP TABLE IF EXISTS dbo.dynamic_items")
        cur.execute("CREATE TABLE dbo.dynamic_items (id int, n int)")
        cur.execute("INSERT INTO dbo.dynamic_items VALUES (1, 0), (2, 0), (3, 0)")
        inner = (
            "UPDATE dbo.dynamic_items SET n = n + @step;"
            " SELECT id FROM dbo.dynamic_items WHERE id = 1;"
            " DELETE FROM dbo.dynamic_items WHERE id > 99"
        )
        cur.execute(f"EXEC sp_executesql N'{inner}', N'@step int', @step = 1; SELECT 1")
        seen = _results(cur)
        if odbc_driver == "msodbc":
            assert seen == [("count", 3), ("set", 1), ("count", 0), ("set", 1)]
        else:  # FreeTDS hands no DONEINPROC count on: in a batch it had each DONE's
            assert seen == [("set", 1), ("set", 1)]
    finally:
        cnxn.close()


def test_sp_executesql_nested_in_an_rpc_ends_in_its_own_doneproc(
    wire_server: ThreadedTdsServer, odbc_driver: str
) -> None:
    """With a parameter the drivers send the batch as an RPC (sp_executesql), inside which
    EXEC sp_executesql runs as a procedure of its own: its UPDATE's count comes in a
    DONEINPROC and the call ends in a DONEPROC of its own ([MS-TDS] 2.2.7.8: "There is a
    separate DONEPROC token sent for each stored procedure called"), and @@ROWCOUNT after
    the EXEC is that UPDATE's ("@@ROWCOUNT": "EXECUTE statements preserve the previous
    @@ROWCOUNT")."""
    cnxn = pyodbc.connect(
        wire_server.odbc_connection_string(driver=odbc_driver), autocommit=True, timeout=10
    )
    try:
        cur = cnxn.cursor()
        cur.execute("DROP TABLE IF EXISTS dbo.nested_items")
        cur.execute("CREATE TABLE dbo.nested_items (id int, n int)")
        cur.execute("INSERT INTO dbo.nested_items VALUES (1, 0), (2, 0), (3, 0)")
        cur.execute(
            "EXEC sp_executesql N'UPDATE dbo.nested_items SET n = n + @s', N'@s int', @s = ?;"
            " SELECT @@ROWCOUNT",
            1,
        )
        seen = _results(cur)
        cur.execute(
            "EXEC sp_executesql N'UPDATE dbo.nested_items SET n = n + @s', N'@s int', @s = ?;"
            " SELECT @@ROWCOUNT",
            1,
        )
        if odbc_driver == "msodbc":
            cur.nextset()  # past the UPDATE's count
        assert [tuple(r) for r in cur.fetchall()] == [(3,)]  # the nested UPDATE's rows
        if odbc_driver == "msodbc":  # Driver 18 hands the DONEINPROC count on
            assert seen == [("count", 3), ("set", 1)]
        else:  # FreeTDS hands no DONEINPROC count on
            assert seen == [("set", 1)]
    finally:
        cnxn.close()


def test_a_transaction_count_changed_by_a_procedure_is_error_266(session: EngineSession) -> None:
    """A ROLLBACK inside rolls back the caller's transaction (to the outermost BEGIN); a
    BEGIN TRAN left open raises the count: either way the call ends with error 266."""
    run(session, "CREATE TABLE dbo.t266 (n int)")
    run(session, "CREATE PROCEDURE dbo.undo AS INSERT INTO dbo.t266 VALUES (1); ROLLBACK")
    run(session, "CREATE PROCEDURE dbo.opens AS BEGIN TRAN; INSERT INTO dbo.t266 VALUES (2)")
    run(session, "CREATE PROCEDURE dbo.balanced AS BEGIN TRAN; ROLLBACK; BEGIN TRAN")
    run(session, "BEGIN TRAN")
    with pytest.raises(TdsError) as caught:
        run(session, "EXEC dbo.undo")
    assert (caught.value.number, caught.value.severity, caught.value.message) == (
        266,
        16,
        "Transaction count after EXECUTE indicates a mismatching number of BEGIN and COMMIT"
        " statements. Previous count = 1, current count = 0.",
    )
    assert rows(session, "SELECT @@TRANCOUNT, count(*) FROM dbo.t266") == [(0, 0)]
    with pytest.raises(TdsError, match=r"Previous count = 0, current count = 1\."):
        list(session.call_procedure("dbo.opens", []))
    run(session, "ROLLBACK")
    run(session, "BEGIN TRAN")
    run(session, "EXEC dbo.balanced")  # the same count at the end: no error
    assert rows(session, "SELECT @@TRANCOUNT") == [(1,)]
    run(session, "ROLLBACK")
