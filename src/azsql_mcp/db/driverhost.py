"""The driver process: where pyodbc and the ODBC driver run, apart from the server.

Why a process of its own: pyodbc releases and retakes the GIL around every ODBC call
(every SQLFetch, every SQLGetData), so driver threads inside the server kept taking
the GIL from the event loop thread, dozens of times per query. Under load that cost
the server about a third of its throughput (bench/load.py). Here the server's event
loop only writes requests to a socket and reads the answers. A crash in a native
driver also ends only this process: the server sees its connections lost and starts a
new one.

`ConnectionPool` (pool.py) starts one per source, as `python driverhost.py FD THREADS`.
This file therefore imports only the standard library and pyodbc, never azsql_mcp (whose
API pulls in pydantic), and only builtin, standard-library and pyodbc values cross the
socket (a class defined here would be `__main__.X` on this side). pyodbc is imported in
the functions that run in the driver process, so the server loads no driver before it
must.

The socket carries frames: a 4-byte big-endian length, then a pickle. Requests are
`(request_id, op, connection_id, args)`; an answer `(request_id, ok, value, broken)`
comes back for each request with an id. The socket is a private socketpair between the
two processes, so unpickling what arrives is safe.
"""

from __future__ import annotations

import contextlib
import copyreg
import importlib.util
import io
import os
import pickle
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO, TypedDict

HEADER = struct.Struct("!I")
FETCH_BATCH = 500
ENDING_S = 2.0  # how long statements get to end once the server has closed its end
SQL_SS_UDT = -151  # CLR types (geography, geometry, hierarchyid): pyodbc refuses them raw


class _Pickler(pickle.Pickler):
    # A UUID as its integer: pickle's default for UUID (its __getstate__ dict) costs
    # three times as much, and uniqueidentifier columns are common.
    dispatch_table = copyreg.dispatch_table | {
        uuid.UUID: lambda value: (uuid.UUID, (None, None, None, None, value.int))
    }


def frame(message: object) -> bytes:
    buffer = io.BytesIO()
    buffer.write(bytes(HEADER.size))
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(message)
    HEADER.pack_into(buffer.getbuffer(), 0, buffer.tell() - HEADER.size)
    return buffer.getvalue()


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


def _execute(cursor: Any, sql: str, args: Sequence[Any]) -> Any:
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
    utf16_in_python: bool = False  # nvarchar decoded by odbc_types.utf16_text (_statement)

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


# --- the work: each runs on one connection, in one of this process's threads ------------


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
    if "tdsodbc" in str(cnxn.getinfo(pyodbc.SQL_DRIVER_NAME)).lower():
        # FreeTDS hands CLR type values over as SQL_LONGVARBINARY, not SQL_SS_UDT
        cnxn.add_output_converter(pyodbc.SQL_LONGVARBINARY, clrtypes().decoded_or_bytes)
    return cnxn


_siblings: dict[str, ModuleType] = {}
_siblings_lock = threading.Lock()


def _sibling(name: str) -> ModuleType:
    """db/NAME.py, under its own name azsql_mcp.db.NAME, so that a class of it pickles
    here and unpickles on the server's side (odbc_temporal's). The driver process runs
    this file as a script and must not import the azsql_mcp package: it loads the file
    by path (those modules import only the standard library). In the server's own
    process (the thread executor) it is the module the server imports.

    Loaded once, under a lock: connections open in several threads at once, and two
    copies of clrtypes would not know each other's values (SpatialText, the thread's
    ambiguous_seen), so fetch_page would not settle them."""
    module = _siblings.get(name)
    if module is None:
        with _siblings_lock:
            module = _siblings.get(name)
            if module is None:
                module = _load(f"azsql_mcp.db.{name}", Path(__file__).with_name(f"{name}.py"))
                _siblings[name] = module
    return module


def _load(qualified: str, path: Path) -> ModuleType:
    if __package__:  # imported as azsql_mcp.db.driverhost: the server's own process
        return importlib.import_module(qualified)
    spec = importlib.util.spec_from_file_location(qualified, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module  # where pickle finds its classes by name
    spec.loader.exec_module(module)
    return module


def clrtypes() -> ModuleType:
    """db/clrtypes.py: the CLR type decoders."""
    return _sibling("clrtypes")


def jsonvalues() -> ModuleType:
    """db/jsonvalues.py: the JSON rules of azsql_mcp.values."""
    return _sibling("jsonvalues")


def error_context() -> ModuleType:
    """db/error_context.py: what the errors SQL Server raises need said beside them."""
    return _sibling("error_context")


def large_values() -> ModuleType:
    """db/large_values.py: SET TEXTSIZE, and the refusal of a row over the cap."""
    return _sibling("large_values")


def odbc_types() -> ModuleType:
    """db/odbc_types.py: SQL type names of result columns and parameters, row sizes."""
    return _sibling("odbc_types")


def odbc_temporal() -> ModuleType:
    """db/odbc_temporal.py: date and time values to the 100 ns digit."""
    return _sibling("odbc_temporal")


@contextlib.contextmanager
def _statement(conn: Connection, timeout_s: int, *, fast_text: bool = False) -> Iterator[Any]:
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


def _cancel(cursor: Any) -> None:
    """SQLCancel, which makes the driver send ATTENTION, for what the statement has not
    sent yet. Best effort: it fails only when the connection broke under it (FreeTDS
    says "Unknown error" for one dropped mid-result), and the rollback that follows then
    fails too and marks the connection broken; what was read stands, and the refusal or
    timeout that follows the cancel is still what the caller hears."""
    import pyodbc

    with contextlib.suppress(pyodbc.Error):
        cursor.cancel()


def _commit(conn: Connection, timeout_s: int) -> None:
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
    with _statement(conn, timeout_s) as cursor:
        cursor.execute("SELECT 1").fetchall()


# COLLATIONPROPERTY's ComparisonStyle: bit 1 is IgnoreCase; 0 for binary collations.
_SERVER_COMPARISON_STYLE = (
    "SELECT CONVERT(int, COLLATIONPROPERTY("
    "CONVERT(nvarchar(128), SERVERPROPERTY('Collation')), 'ComparisonStyle'))"
)


def names_ignore_case(conn: Connection, timeout_s: int) -> bool:
    """Whether the server's collation, which database names take, ignores case."""
    with _statement(conn, timeout_s) as cursor:
        style = cursor.execute(_SERVER_COMPARISON_STYLE).fetchone()[0]
    return style is not None and bool(style & 1)


def set_session_context(
    conn: Connection, pairs: Sequence[tuple[str, str | None]], timeout_s: int
) -> None:
    """sp_set_session_context for every (key, value) pair, in one batch; never
    read-only, so the next lease can overwrite every key (NULL deletes one)."""
    with _statement(conn, timeout_s) as cursor:
        batch = "; ".join("EXEC sp_set_session_context @key = ?, @value = ?" for _ in pairs)
        cursor.execute(batch, [part for pair in pairs for part in pair])
        conn.cnxn.commit()


def run_procedure(
    conn: Connection,
    sql: str,
    args: list[Any],
    max_rows: int,
    max_bytes: int,
    timeout_s: int,
    max_affected_rows: int | None,
) -> tuple[list[Page], int | None, list[str]]:
    """One procedure call batch: every result set (each capped at max_rows / about
    max_bytes; the rest of it is read and dropped, as later result sets follow it), the
    rows its statements affected as the driver reports them (None: no count came), and
    its informational messages (PRINT, RAISERROR of severity 10 or less) as the driver
    words them, which pyodbc keeps for the last execute or nextset only.

    Without `max_affected_rows` the transaction is rolled back. With it, the call commits
    unless more rows than that were affected; a statement's count is a result of its own
    (SQL Server's DONEINPROC token), one that SET NOCOUNT ON suppresses."""
    pages: list[Page] = []
    affected: int | None = None
    messages: list[str] = []
    with _statement(conn, timeout_s) as cursor:
        cut_at = large_values().set_textsize(conn, cursor, max_bytes)
        started = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        _execute(cursor, sql, args)
        while True:
            messages += [str(text) for _, text in cursor.messages or ()]
            description = cursor.description
            if description is not None:
                pages.append(
                    _capped_set(
                        cursor, description, (max_rows, max_bytes, cut_at), started, deadline
                    )
                )
            elif cursor.rowcount >= 0:
                affected = (affected or 0) + cursor.rowcount
                if max_affected_rows is not None and affected > max_affected_rows:
                    _cancel(cursor)  # ATTENTION: the procedure stops; the rollback follows
                    raise Refused(
                        f"the procedure changed {affected} rows, more than max_affected_rows = "
                        f"{max_affected_rows}; everything was rolled back. Call it with "
                        "arguments that touch fewer rows, or an operator can raise [limits] "
                        "max_affected_rows"
                    )
            if not cursor.nextset():
                break
        if max_affected_rows is not None:
            conn.stop_if_cancelled()
            _commit(conn, timeout_s)
    return pages, affected, messages


def _capped_set(
    cursor: Any, description: Any, caps: tuple[int, int, int], started: float, deadline: float
) -> Page:
    """One result set of a procedure; `caps`: max_rows, max_bytes and the TEXTSIZE."""
    max_rows, max_bytes, cut_at = caps
    reported = odbc_types().reported_types(cursor)  # before the rows: the set is current
    if _is_document(description):  # FOR JSON / FOR XML: whole, as read_data reads it
        rows, truncated = _take_document(cursor, description, max_bytes), False
    else:
        max_binary = jsonvalues().DEFAULT_MAX_BINARY_BYTES  # procedure rows leave as JSON
        clrtypes().ambiguous_seen()  # from now on
        rows = []  # what _take_rows fills
        with error_context().rows_before(0, rows):
            truncated = _take_rows(
                cursor, description, max_rows, max_bytes, max_binary, cut_at, rows
            )
            if truncated:  # the rest of the set goes unread, by query_timeout_s at most
                _skip(cursor, sys.maxsize, deadline)
        if clrtypes().ambiguous_seen():
            rows = clrtypes().settle_rows(rows, reported)
    return Page(
        columns=odbc_types().describe(description, rows, reported),
        rows=jsonvalues().rows_to_json(rows, cut_at=cut_at),
        truncated=truncated,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


def run_writes(
    conn: Connection,
    statements: list[tuple[str, list[Any]]],
    max_affected_rows: int,
    timeout_s: int,
    max_rows: int,
    max_bytes: int,
    json_values: bool,
) -> list[Written]:
    """All statements in one transaction: of each, the rows it changed, its duration in
    ms and the rows its OUTPUT clause returned (None without one; at most `max_rows` /
    about `max_bytes` of them, as JSON values with `json_values`)."""
    import pyodbc

    results: list[Written] = []
    total = 0
    with _statement(conn, timeout_s) as cursor:
        for number, (sql, args) in enumerate(statements, 1):
            conn.stop_if_cancelled()
            started = time.perf_counter()
            try:
                _execute(cursor, sql, args)
            except pyodbc.Error as exc:
                conn.stop_if_cancelled()  # the cancel's doing, whatever the driver says
                if len(statements) > 1:
                    error_context().name_statement(exc, number, len(statements))
                raise
            conn.stop_if_cancelled()  # a statement the cancel cut short may report no count
            returned: Page | None = None
            try:
                if cursor.description is None:
                    counts = _row_counts(cursor)
                else:
                    left = max_affected_rows - total
                    returned, own = _returned(
                        cursor, (max_rows, max_bytes, conn.textsize), json_values, left
                    )
                    # SQL Server refuses OUTPUT without INTO on a table with an enabled
                    # trigger (Msg 334): the rows are the statement's own count
                    counts = [own] if own > left else [*_later_counts(cursor), own]
            except pyodbc.Error:
                conn.stop_if_cancelled()
                raise
            if not counts:
                conn.stop_if_cancelled()  # a cancel that came meanwhile may discard the count
                raise Refused(
                    "the server did not report how many rows the statement changed "
                    "(SET NOCOUNT ON?), so it was rolled back"
                )
            # The statement's own count comes last; a trigger's statements (without SET
            # NOCOUNT ON) report theirs before it, and they count against the cap too.
            affected = counts[-1]
            total += sum(counts)
            if total > max_affected_rows:
                triggers = " with what its triggers changed" if len(counts) > 1 else ""
                # an OUTPUT clause's rows are counted up to the cap only
                least = "" if returned is None else "at least "
                raise Refused(
                    f"the statement would change {least}{total} rows{triggers}, more than"
                    f" max_affected_rows = {max_affected_rows};"
                    " everything was rolled back. Narrow the WHERE clause, or an operator"
                    " can raise [limits] max_affected_rows"
                )
            results.append((affected, (time.perf_counter() - started) * 1000, returned))
        conn.stop_if_cancelled()
        _commit(conn, timeout_s)
    return results


def _row_counts(cursor: Any) -> list[int]:
    """Every row count the statement reported, in order (SQL Server's DONEINPROC and
    DONE tokens; the ODBC driver gives each as a result of its own)."""
    return ([cursor.rowcount] if cursor.rowcount >= 0 else []) + _later_counts(cursor)


def _later_counts(cursor: Any) -> list[int]:
    counts = []
    while cursor.nextset():
        if cursor.rowcount >= 0:
            counts.append(cursor.rowcount)
    return counts


def _returned(
    cursor: Any, caps: tuple[int, int, int | None], json_values: bool, cap: int
) -> tuple[Page, int]:
    """The rows an OUTPUT clause returned, one per row the statement changed: a page of
    them (as _take_rows keeps one, except that a first row over `max_bytes` is left out
    rather than refused: the write happened), and how many there were. Past `cap` rows
    the statement is cancelled and the count stops at cap + 1 (the write is refused).
    `caps`: max_rows, max_bytes and the TEXTSIZE a read set, if one did (writes do not)."""
    max_rows, max_bytes, cut_at = caps
    started = time.perf_counter()
    description = cursor.description
    reported = odbc_types().reported_types(cursor)
    max_binary = jsonvalues().DEFAULT_MAX_BINARY_BYTES if json_values else None
    row_size = odbc_types().row_sizer(description, max_binary)
    kept: list[tuple[Any, ...]] = []
    size = count = 0
    full = False
    clrtypes().ambiguous_seen()  # from now on
    while batch := cursor.fetchmany(FETCH_BATCH):
        for row in batch:
            count += 1
            if not full:
                this_size = row_size(row)
                full = len(kept) == max_rows or size + this_size > max_bytes
                if not full:
                    size += this_size
                    kept.append(tuple(row))
        if count > cap:
            _cancel(cursor)  # ATTENTION: the rows changed are too many; the rollback follows
            count = cap + 1
            break
    if clrtypes().ambiguous_seen():
        kept = clrtypes().settle_rows(kept, reported)
    page = Page(
        columns=odbc_types().describe(description, kept, reported),
        rows=jsonvalues().rows_to_json(kept, cut_at=cut_at) if json_values else kept,
        truncated=full,
        duration_ms=(time.perf_counter() - started) * 1000,
    )
    return page, count


def showplan(conn: Connection, sql: str, names: list[str], timeout_s: int) -> str:
    """The estimated plan of `sql` (parameters written `@name`), as ShowPlanXML.

    Under SHOWPLAN_XML nothing runs, but a parameterized statement sent as an RPC
    (sp_executesql with every parameter bound as NULL) would have those NULLs sniffed
    when the plan is compiled, so `WHERE x > @p` would be estimated for `x > NULL`.
    The estimate SQL Server documents for an unknown value is that of a local variable,
    so the statement goes as a plain batch that declares its parameters, typed as
    sp_describe_undeclared_parameters suggests (it needs no permission beyond the
    statement's own, and runs before SHOWPLAN is switched on). Where it suggests none
    (a CLR type, or `@a = @b`, which fails the whole call) the parameter is declared
    nvarchar(4000)."""
    with _statement(conn, timeout_s) as cursor:
        types: dict[str, str] = {}
        if names:
            import pyodbc

            try:
                described = cursor.execute(
                    "EXEC sp_describe_undeclared_parameters @tsql = ?", sql
                ).fetchall()
            except pyodbc.Error:  # a type SQL Server cannot deduce (`@a = @b`) fails them all
                described = []
            types = suggested_types(described)
        large_values().set_textsize(conn, cursor, None)  # the plan is an nvarchar(max)
        cursor.execute("SET SHOWPLAN_XML ON")  # must be alone in its batch
        try:
            cursor.execute(_declared_batch(sql, names, types))
            documents = []  # one per batch on SQL Server; the plan of the query comes last
            while True:
                if cursor.description is not None:
                    text = "".join(str(r[0]) for r in cursor.fetchall() if r[0] is not None)
                    if text:
                        documents.append(text)
                if not cursor.nextset():
                    break
        finally:
            cursor.execute("SET SHOWPLAN_XML OFF")
    return documents[-1] if documents else ""


UNSUGGESTED_TYPE = "nvarchar(4000)"


def suggested_types(described: list[Any]) -> dict[str, str]:
    """Parameter name -> type from sp_describe_undeclared_parameters' rows (columns 1 and
    3); a NULL suggestion (a CLR type, or one it cannot deduce) is left out."""
    return {str(row[1]).lstrip("@").lower(): str(row[3]) for row in described if row[3] is not None}


def _declared_batch(sql: str, names: list[str], types: dict[str, str]) -> str:
    """`DECLARE @a type, ...;` then the statement (see showplan for why)."""
    unique = list(dict.fromkeys(names))
    if not unique:
        return sql
    # Where SQL Server suggests no type: nvarchar(4000), which LIKE, string functions and
    # arithmetic accept and which converts implicitly to the other side of a comparison
    # (sql_variant would fail LIKE with 8116 and arithmetic with 8117).
    declared = ", ".join(f"@{n} {types.get(n.lower(), UNSUGGESTED_TYPE)}" for n in unique)
    return f"DECLARE {declared};\n{sql}"


def _take_rows(
    cursor: Any,
    description: Any,
    max_rows: int,
    max_bytes: int,
    max_binary: int | None,
    cut_at: int,
    rows: list[tuple[Any, ...]],
) -> bool:
    """Into `rows`, the current result set's rows up to `max_rows` rows and about `max_bytes`
    (rendered size, binary counted as cut to `max_binary` bytes), and whether there were
    more. Batches are sized by the bytes left, so a few huge rows are not all fetched
    (into memory) only to be dropped; a first row alone over the cap is refused.

    Binary values shown cut are read whole (to `cut_at` bytes, the TEXTSIZE): past the
    first row, a page also stops before its binary bytes read pass `cut_at`."""
    row_size = odbc_types().row_sizer(description, max_binary)
    binary = [i for i, entry in enumerate(description) if entry[1] in (bytes, bytearray)]
    size = read = 0
    while True:
        wanted = 1  # the first row alone: its size tells how many more the bytes hold
        if rows:  # at the rows' average size, what the bytes left still hold (and one)
            used = max(size / max_bytes, read / cut_at, 1e-9)  # of the page's bytes
            room = int((1 - used) * len(rows) / used) + 1
            wanted = max(1, min(FETCH_BATCH, max_rows + 1 - len(rows), room))
        batch = cursor.fetchmany(wanted)
        if not batch:
            return False
        for row in batch:
            this_size = row_size(row)
            this_read = sum(len(row[i] or b"") for i in binary) if binary else 0
            if not rows and this_size > max_bytes:
                _cancel(cursor)  # ATTENTION: the server stops sending the rest
                raise Refused(large_values().row_over_cap(description, row, max_bytes, cut_at))
            if len(rows) == max_rows or (
                rows and (size + this_size > max_bytes or read + this_read > cut_at)
            ):
                return True
            size += this_size
            read += this_read
            rows.append(tuple(row))


def _is_document(description: Sequence[Sequence[Any]]) -> bool:
    """A FOR JSON or FOR XML result: SQL Server sends its document cut into rows of 2,033
    characters, which clients join (as SSMS does); a row each is no use."""
    return len(description) == 1 and description[0][0] in jsonvalues().DOCUMENT_COLUMNS


def _take_document(
    cursor: Any, description: Sequence[Sequence[Any]], max_bytes: int
) -> list[tuple[Any, ...]]:
    """The document of a FOR JSON or FOR XML result as one row (none for no rows). Cut,
    it would not parse, and no page could hold its rest, so one over `max_bytes` is
    refused as a row over the cap is (_take_rows)."""
    row_size = odbc_types().row_sizer(description)
    parts: list[str] = []
    size = 0
    while batch := cursor.fetchmany(FETCH_BATCH):
        for (part,) in batch:
            size += row_size((part,))
            if size > max_bytes:
                _cancel(cursor)  # ATTENTION: the server stops sending the rest
                raise Refused(
                    f"the FOR JSON or FOR XML document is more than max_result_bytes ="
                    f" {max_bytes} bytes. Select fewer rows (TOP) or columns, or an operator"
                    " can raise [limits] max_result_bytes"
                )
            parts.append(part or "")
    return [("".join(parts),)] if parts else []


SKIP_CHUNK = 10_000  # rows skipped between two looks at the clock
TIMEOUT_STATE = "HYT00"  # ODBC's "timeout expired", as the driver's own timeouts say it


def _skip(cursor: Any, count: int, deadline: float) -> None:
    """Skip `count` rows of the result set (up to its end) by `deadline` at most, else
    cancel the statement and time out. The driver's own timeout only bounds the wait
    for the server's first answer, so a skip over millions of rows (a page's offset,
    or the rest of a capped result set) would run as long as the server sends them."""
    while count > 0:
        if time.monotonic() > deadline:
            import pyodbc

            _cancel(cursor)  # ATTENTION: the server stops sending the rest
            raise pyodbc.OperationalError(
                TIMEOUT_STATE,
                f"[{TIMEOUT_STATE}] Query timeout expired while skipping rows (query_timeout_s);"
                " page through with smaller steps, or return fewer rows",
            )
        step = min(count, SKIP_CHUNK)
        cursor.skip(step - 1)
        if cursor.fetchone() is None:  # the end of the set
            return
        count -= step


# A statement as the guard checked it, with its parameters written @name, and the name
# of each `?` placeholder of the form sent (CheckedStatement.named, .param_names).
Named = tuple[str, tuple[str, ...]]


class Page(TypedDict):
    """What fetch_page returns (a plain dict on the wire)."""

    columns: list[tuple[str, str]] | None  # (name, SQL type) each; None: no result set
    rows: Sequence[Sequence[Any]]  # tuples of driver values, or lists of JSON values
    truncated: bool
    duration_ms: float


# Of one statement run_writes ran: rows changed, duration in ms, the OUTPUT clause's rows.
Written = tuple[int, float, Page | None]


def fetch_page(conn: Connection, *args: Any) -> Page:
    """_page (a read: it can run again) with pyodbc decoding nvarchar, else, where that
    meets half a surrogate pair, with odbc_types.utf16_text."""
    try:
        return _page(conn, *args, fast_text=True)
    except UnicodeDecodeError:
        return _page(conn, *args, fast_text=False)


def _page(
    conn: Connection,
    sql: str,
    args: list[Any],
    max_rows: int,
    offset: int,
    max_bytes: int,
    timeout_s: int,
    json_values: bool,
    named: Named,
    *,
    fast_text: bool,
) -> Page:
    """Skip `offset` rows, keep at most `max_rows` rows / about `max_bytes`, then cancel
    the rest on the server so a huge result costs only the rows returned. `named` is the
    statement as the guard checked it, for SQL Server to describe (_settled_spatial).

    With `json_values`, the rows leave as JSON values (rows_to_json): strings and
    numbers pickle and unpickle several times faster than Decimals, UUIDs and datetimes,
    and the server need not convert them again."""
    started = time.perf_counter()
    rows: list[tuple[Any, ...]] = []
    truncated = False
    clrtypes().ambiguous_seen()  # from now on
    with _statement(conn, timeout_s, fast_text=fast_text) as cursor:
        cut_at = large_values().set_textsize(conn, cursor, max_bytes)
        _execute(cursor, sql, args)
        description = cursor.description
        reported = odbc_types().reported_types(cursor)
        if description is not None and _is_document(description):
            rows = _take_document(cursor, description, max_bytes) if not offset else []
        elif description is not None:
            max_binary = jsonvalues().DEFAULT_MAX_BINARY_BYTES if json_values else None
            with error_context().rows_before(offset, rows):
                _skip(cursor, offset, time.monotonic() + timeout_s)
                truncated = _take_rows(
                    cursor, description, max_rows, max_bytes, max_binary, cut_at, rows
                )
            if truncated:
                _cancel(cursor)  # ATTENTION: the server stops sending the rest
            if clrtypes().ambiguous_seen():
                rows = _settled_spatial(conn, cursor, named, args, reported, rows)
    columns = None if description is None else odbc_types().describe(description, rows, reported)
    return Page(
        columns=columns,
        rows=jsonvalues().rows_to_json(rows, cut_at=cut_at) if json_values else rows,
        truncated=truncated,
        duration_ms=(time.perf_counter() - started) * 1000,
    )


# --- geography or geometry ---------------------------------------------------------------


def _settled_spatial(
    conn: Connection,
    cursor: Any,
    named: Named,
    args: Sequence[Any],
    reported: Sequence[str | None],
    rows: list[Any],
) -> list[tuple[Any, ...]]:
    """clrtypes.settle_rows, asking SQL Server for the types of the columns the driver did not name
    (FreeTDS names no CLR type): one round trip (sp_describe_first_result_set, on the
    statement's own connection and in its transaction, after its rows)."""
    return clrtypes().settle_rows(
        rows, reported, lambda: _first_result_types(conn, cursor, named, args, len(reported))
    )


def _first_result_types(
    conn: Connection, cursor: Any, named: Named, args: Sequence[Any], width: int
) -> dict[int, str]:
    """Column index -> SQL Server's type name (system_type_name) of the statement's result,
    from sys.sp_describe_first_result_set; {} where it fails (a temporary table, dynamic
    SQL...) or does not describe `width` columns."""
    import pyodbc

    conn.stop_if_cancelled()
    tsql, names = named
    call = "EXEC sys.sp_describe_first_result_set @tsql = ?"
    values: list[Any] = [tsql]
    if names:
        # each name once (args repeat a name's value at each of its placeholders)
        declared = dict(zip(names, args, strict=True))
        call += ", @params = ?"
        typed = odbc_types().parameter_type
        values.append(", ".join(f"@{n} {typed(v)}" for n, v in declared.items()))
    try:
        cursor.execute(call, *values)
        columns = [str(entry[0]).lower() for entry in cursor.description or ()]
        ordinal, type_name = columns.index("column_ordinal"), columns.index("system_type_name")
        hidden = columns.index("is_hidden") if "is_hidden" in columns else None
        found: dict[int, str] = {}
        for row in cursor.fetchall():
            if hidden is None or not row[hidden]:
                found[int(row[ordinal]) - 1] = str(row[type_name] or "").lower()
    except (pyodbc.Error, ValueError, TypeError):
        conn.stop_if_cancelled()  # a cancel's doing: the call stops here
        return {}
    return found if sorted(found) == list(range(width)) else {}


# What the server may ask for by name.
WORK: dict[str, Callable[..., Any]] = {
    fn.__name__: fn
    for fn in (
        select_one,
        names_ignore_case,
        run_writes,
        showplan,
        fetch_page,
        set_session_context,
        run_procedure,
    )
}


# --- serving the server ------------------------------------------------------------------


def error_value(exc: BaseException) -> tuple[str, str, tuple[Any, ...]]:
    """An exception as (kind, class name, args), rebuilt on the server's side: pyodbc
    errors as themselves, Refused as WorkRefused, CommitUnknown as WriteOutcomeUnknown,
    builtin exceptions as themselves, anything else as RuntimeError."""
    import pyodbc

    if isinstance(exc, pyodbc.Error):
        return ("pyodbc", type(exc).__name__, tuple(str(arg) for arg in exc.args))
    if isinstance(exc, Refused):
        return ("refused", "Refused", (str(exc),))
    if isinstance(exc, Unbindable):
        return ("unbindable", "Unbindable", (str(exc),))
    if isinstance(exc, CommitUnknown):
        return ("commit_unknown", "CommitUnknown", (str(exc),))
    return ("other", type(exc).__name__, (str(exc),))


class Connections:
    """The open connections by id, and the operations on them: the one dispatcher of
    both executors (this process's Host, and the server's in-process thread executor)."""

    def __init__(self) -> None:
        self._open: dict[int, Connection] = {}

    def perform(self, op: str, connection_id: int, args: Any) -> Any:
        """Run `op` ("connect", "close", "cancel" or "run") on the connection; its value."""
        conn = self._open.get(connection_id)
        if op == "connect":
            self._open[connection_id] = Connection(connect(*args))
            return None
        if op == "close":
            if conn is not None:
                del self._open[connection_id]
                conn.cnxn.close()
            return None
        if op == "cancel":  # from another thread than the one running the statement
            if conn is not None:
                conn.cancel_statement()
            return None
        if conn is None:
            import pyodbc

            raise pyodbc.OperationalError("08003", f"no connection {connection_id}")
        name, work_args = args
        try:
            return WORK[name](conn, *work_args)
        finally:
            conn.work_done()

    def expect_work(self, connection_id: int) -> None:
        """A request to run work on the connection was taken: a cancel from now on is for
        it (called before the work is handed to the thread that runs it)."""
        conn = self._open.get(connection_id)
        if conn is not None:
            conn.expect_work()

    def broken(self, connection_id: int) -> bool:
        conn = self._open.get(connection_id)
        return conn is not None and conn.broken

    def cancel_all(self) -> None:
        for conn in list(self._open.values()):
            conn.cancel_statement()

    def close_all(self) -> None:
        for conn in list(self._open.values()):
            with contextlib.suppress(Exception):
                conn.cnxn.close()
        self._open.clear()


class Host:
    """Threads that take turns reading the socket: the one that reads a request runs it,
    so a request wakes one thread, not a reader and then a worker. Each source that uses
    the process brings two more of them than its pool has connections (the first at
    start, the others with a "threads" request), so one is always free to read a cancel
    while the connections are busy."""

    def __init__(self, sock: socket.socket, incoming: BinaryIO):
        self._sock = sock
        self._incoming = incoming
        self._read_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._connections = Connections()
        self._workers: list[threading.Thread] = []
        self._workers_lock = threading.Lock()

    def serve(self, threads: int) -> None:
        """Answer requests until the server closes its end, then close every connection."""
        self._start_workers(threads)
        while True:
            with self._workers_lock:
                if not self._workers:
                    break
                worker = self._workers.pop()
            worker.join()
        self._connections.close_all()

    def _start_workers(self, count: int) -> None:
        """More threads: each source sharing this process brings its own."""
        with self._workers_lock:
            for _ in range(count):
                worker = threading.Thread(target=self._take_turns)
                worker.start()
                self._workers.append(worker)

    def _take_turns(self) -> None:
        while True:
            with self._read_lock:
                request = self._next_request()
                if request is not None and request[1] == "run":
                    # before the next request is read: a cancel read after it is for it
                    self._connections.expect_work(request[2])
            if request is None:  # the server closed its end: stop what still runs, and
                # exit even when a statement's server never answers the cancel (SIGKILL)
                threading.Timer(ENDING_S, os._exit, (0,)).start()
                self._connections.cancel_all()
                return
            request_id, op, connection_id, args = request
            if op == "cancel":  # the connection's own thread is busy running it: no answer
                self._connections.perform(op, connection_id, args)
            elif op == "threads":  # another source joined this process
                self._start_workers(int(args))
            else:
                self._handle(request_id, op, connection_id, args)

    def _next_request(self) -> tuple[int | None, str, int, Any] | None:
        header = self._incoming.read(HEADER.size)
        if len(header) < HEADER.size:
            return None
        (length,) = HEADER.unpack(header)
        body = self._incoming.read(length)
        if len(body) < length:
            return None
        request: tuple[int | None, str, int, Any] = pickle.loads(body)
        return request

    def _handle(self, request_id: int | None, op: str, connection_id: int, args: Any) -> None:
        try:
            ok, value = True, self._connections.perform(op, connection_id, args)
        except Exception as exc:
            ok, value = False, error_value(exc)
        broken = self._connections.broken(connection_id)
        if request_id is not None:
            try:
                data = frame((request_id, ok, value, broken))
            except Exception as exc:  # a value pickle cannot carry
                data = frame((request_id, False, error_value(exc), broken))
            with self._send_lock, contextlib.suppress(OSError):  # OSError: server gone
                self._sock.sendall(data)


def main() -> None:
    # The server decides when this process ends (by closing the socket), after it has
    # finished its calls: signals meant for the server's process group do not end it.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    with socket.socket(fileno=int(sys.argv[1])) as sock, sock.makefile("rb") as incoming:
        Host(sock, incoming).serve(int(sys.argv[2]))
    os._exit(0)  # without waiting on the driver's own threads


if __name__ == "__main__":
    main()
