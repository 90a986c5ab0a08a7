"""A connection of the driver process (driverhost.py), and the steps every work on one
takes: its statement's cursor and transaction, binding parameter values, cancelling,
committing; and the smallest works (SELECT 1, the server's collation, session context).

Like every module the driver process runs, this imports only the standard library,
pyodbc and modules of azsql_mcp.db that do the same (never azsql_mcp's API, which pulls
in pydantic); pyodbc and the modules that only work on rows need are imported where
first used, so the server loads no driver before it must.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

SQL_SS_UDT = -151  # CLR types (geography, geometry, hierarchyid): pyodbc refuses them raw


class Refused(Exception):
    """The work itself declined (too many rows affected...): the server raises
    api.WorkRefused with this message."""


class CommitUnknown(Exception):
    """A write's COMMIT failed once sent: the server raises api.WriteOutcomeUnknown with
    this message."""


# What a parameter refused before it reaches SQL Server may be (QueryRefused's `allowed`).
BINDABLE = "values a SQL Server parameter can hold"


class Unbindable(Exception):
    """The driver could not bind a parameter value (pyodbc raises OverflowError,
    TypeError or ValueError before the statement is sent): the server raises
    QueryRefused with this message."""


_imported: dict[str, ModuleType] = {}


def _module(name: str) -> ModuleType:
    """db/NAME.py, imported when first needed (the server loads none of these before a
    connection does), then taken from a dict: an import statement costs about 0.5 µs a
    call, and a page asks several times."""
    module = _imported.get(name)
    if module is None:  # import_module returns a module only once it is initialized
        module = _imported[name] = importlib.import_module(f"azsql_mcp.db.{name}")
    return module


def clrtypes() -> ModuleType:
    """db/clrtypes.py: the CLR type decoders."""
    return _module("clrtypes")


def jsonvalues() -> ModuleType:
    """db/jsonvalues.py: the JSON rules of azsql_mcp.values."""
    return _module("jsonvalues")


def error_context() -> ModuleType:
    """db/error_context.py: what the errors SQL Server raises need said beside them."""
    return _module("error_context")


def large_values() -> ModuleType:
    """db/large_values.py: SET TEXTSIZE, and the refusal of a row over the cap."""
    return _module("large_values")


def odbc_types() -> ModuleType:
    """db/odbc_types.py: SQL type names of result columns and parameters, row sizes."""
    return _module("odbc_types")


def odbc_temporal() -> ModuleType:
    """db/odbc_temporal.py: date and time values to the 100 ns digit."""
    return _module("odbc_temporal")


def execute(cursor: Any, sql: str, args: Sequence[Any]) -> Any:
    """cursor.execute, with a value the driver cannot bind refused as Unbindable."""
    values, sizes = odbc_types().typed_values(args)
    try:
        cursor.setinputsizes(sizes)  # None: as pyodbc binds each value (a batch's next)
        return cursor.execute(sql, *values)
    except (OverflowError, TypeError, ValueError) as exc:
        raise Unbindable(
            f"a parameter value could not be sent to SQL Server ({type(exc).__name__}: {exc})."
        ) from None


@dataclass
class Connection:
    cnxn: Any  # pyodbc.Connection
    cursor: Any = None  # the statement running now, so another thread can cancel it
    broken: bool = False  # rollback failed: the session state is unknown
    # cancelling a cursor while another thread closes it crashes the driver
    cursor_lock: threading.Lock = field(default_factory=threading.Lock)
    # From when a request to run work on it is taken (before the work starts) until the
    # work ends: a cancel in that time is for this work. SQLCancel stops only a
    # statement in flight; between statements, or before the first, the work itself
    # stops at its next step (see stop_if_cancelled), so a cancelled write never commits.
    running: bool = False
    cancelled: bool = False
    textsize: int | None = None  # what SET TEXTSIZE last set (large_values.set_textsize)
    utf16_in_python: bool = False  # nvarchar decoded by odbc_types.utf16_text (statement)

    def expect_work(self) -> None:
        with self.cursor_lock:
            self.running, self.cancelled = True, False

    def work_done(self) -> None:
        with self.cursor_lock:
            self.running = False

    def cancel_statement(self) -> None:
        """Best effort, from another thread: SQLCancel makes the driver send ATTENTION.
        A cancel that comes once the work is over (its answer crossed it) is ignored."""
        with self.cursor_lock:
            if not self.running:
                return
            self.cancelled = True
            if self.cursor is not None:
                with contextlib.suppress(Exception):
                    self.cursor.cancel()

    def stop_if_cancelled(self) -> None:
        if self.cancelled:
            raise Refused("the call was cancelled; everything it did was rolled back")


def connect(connection_string: str, before: dict[int, bytes] | None, timeout_s: int) -> Any:
    import pyodbc

    kwargs: dict[str, Any] = {"autocommit": False, "timeout": timeout_s}
    if before is not None:
        kwargs["attrs_before"] = before
    cnxn = pyodbc.connect(connection_string, **kwargs)
    temporal = odbc_temporal()  # to the 100 ns digit, which pyodbc's own conversion drops
    cnxn.add_output_converter(temporal.SQL_TYPE_TIMESTAMP, temporal.timestamp)
    cnxn.add_output_converter(temporal.SQL_SS_TIME2, temporal.time2)
    cnxn.add_output_converter(temporal.SQL_SS_TIMESTAMPOFFSET, temporal.timestampoffset)
    # Per connection, not pyodbc.native_uuid: that global would change the whole process.
    cnxn.add_output_converter(pyodbc.SQL_GUID, odbc_types().uniqueidentifier)
    cnxn.add_output_converter(SQL_SS_UDT, clrtypes().udt_text)
    if is_freetds(cnxn):
        # FreeTDS hands CLR type values over as SQL_LONGVARBINARY, not SQL_SS_UDT
        cnxn.add_output_converter(pyodbc.SQL_LONGVARBINARY, clrtypes().decoded_or_bytes)
    return cnxn


def is_freetds(cnxn: Any) -> bool:
    """Whether the pyodbc connection `cnxn` runs on the FreeTDS driver (libtdsodbc)."""
    import pyodbc

    return "tdsodbc" in str(cnxn.getinfo(pyodbc.SQL_DRIVER_NAME)).lower()


@contextlib.contextmanager
def statement(conn: Connection, timeout_s: int, *, fast_text: bool = False) -> Iterator[Any]:
    """A cursor in a transaction that is rolled back unless the work committed it.
    `fast_text`: nvarchar decoded by pyodbc, which fails on half a surrogate pair (a read
    can then run again without it: fetch_page), else by odbc_types.utf16_text, which
    costs about a microsecond a value more."""
    import pyodbc

    conn.stop_if_cancelled()  # cancelled before its thread took it up: nothing to do
    cnxn = conn.cnxn
    if conn.utf16_in_python == fast_text:
        conn.utf16_in_python = not fast_text
        odbc_types().decode_utf16_in_python(cnxn, conn.utf16_in_python)
    cnxn.timeout = timeout_s  # the driver sends ATTENTION when it expires
    cursor = cnxn.cursor()
    conn.cursor = cursor
    try:
        yield cursor
    finally:
        try:
            with conn.cursor_lock:
                conn.cursor = None
                cursor.close()
            cnxn.rollback()
        except pyodbc.Error:
            conn.broken = True


def cancel(cursor: Any) -> None:
    """SQLCancel, which makes the driver send ATTENTION, for what the statement has not
    sent yet. Best effort: it fails only when the connection broke under it (FreeTDS
    says "Unknown error" for one dropped mid-result), and the rollback that follows then
    fails too and marks the connection broken; what was read stands, and the refusal or
    timeout that follows the cancel is still what the caller hears."""
    import pyodbc

    with contextlib.suppress(pyodbc.Error):
        cursor.cancel()


def commit(conn: Connection, timeout_s: int) -> None:
    """COMMIT a write. One that fails once sent leaves the change's fate unknown: SQL
    Server may have committed before the driver gave up waiting (Driver 18 applies the
    query timeout to it) or the connection broke. The connection's transaction state is
    unknown too, so it is not reused."""
    import pyodbc

    try:
        conn.cnxn.commit()
    except pyodbc.Error as exc:
        conn.broken = True
        state = str(exc.args[0]) if exc.args else ""
        if state in ("HYT00", "HYT01"):
            failed = f"did not answer within query_timeout_s = {timeout_s} s"
        else:
            failed = f"failed ({exc.args[-1] if exc.args else exc})"
        raise CommitUnknown(
            f"the change was made, but its COMMIT {failed}: whether SQL Server committed"
            " it is not known. Read the data to see whether the change is there before"
            " making it again"
        ) from None


def select_one(conn: Connection, timeout_s: int) -> None:
    with statement(conn, timeout_s) as cursor:
        cursor.execute("SELECT 1").fetchall()


# COLLATIONPROPERTY's ComparisonStyle: bit 1 is IgnoreCase; 0 for binary collations.
_SERVER_COMPARISON_STYLE = (
    "SELECT CONVERT(int, COLLATIONPROPERTY("
    "CONVERT(nvarchar(128), SERVERPROPERTY('Collation')), 'ComparisonStyle'))"
)


def names_ignore_case(conn: Connection, timeout_s: int) -> bool:
    """Whether the server's collation, which database names take, ignores case."""
    with statement(conn, timeout_s) as cursor:
        style = cursor.execute(_SERVER_COMPARISON_STYLE).fetchone()[0]
    return style is not None and bool(style & 1)


def set_session_context(
    conn: Connection, pairs: Sequence[tuple[str, str | None]], timeout_s: int
) -> None:
    """sp_set_session_context for every (key, value) pair, in one batch; never
    read-only, so the next lease can overwrite every key (NULL deletes one)."""
    with statement(conn, timeout_s) as cursor:
        batch = "; ".join("EXEC sp_set_session_context @key = ?, @value = ?" for _ in pairs)
        cursor.execute(batch, [part for pair in pairs for part in pair])
        conn.cnxn.commit()
