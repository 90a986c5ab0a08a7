"""Reading result rows in the driver process: a page of a read (fetch_page), and the
steps procedures and writes share (rows up to a page's caps, a FOR JSON or FOR XML
document whole, skipping rows by a deadline)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypedDict

from azsql_mcp.db.driverconn import (
    Connection,
    Refused,
    cancel,
    clrtypes,
    error_context,
    execute,
    jsonvalues,
    large_values,
    odbc_types,
    statement,
)

FETCH_BATCH = 500


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
    with statement(conn, timeout_s, fast_text=fast_text) as cursor:
        cut_at = large_values().set_textsize(conn, cursor, max_bytes)
        execute(cursor, sql, args)
        description = cursor.description
        reported = odbc_types().reported_types(cursor)
        if description is not None and is_document(description):
            rows = take_document(cursor, description, max_bytes) if not offset else []
        elif description is not None:
            max_binary = jsonvalues().DEFAULT_MAX_BINARY_BYTES if json_values else None
            with error_context().rows_before(offset, rows):
                skip(cursor, offset, time.monotonic() + timeout_s)
                truncated = take_rows(
                    cursor, description, reported, max_rows, max_bytes, max_binary, cut_at, rows
                )
            if truncated:
                cancel(cursor)  # ATTENTION: the server stops sending the rest
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


def take_rows(
    cursor: Any,
    description: Any,
    reported: Sequence[str | None],
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
    first row, a page also stops before its binary bytes read pass `cut_at`.

    Rows whose declared sizes (`reported`: the driver's type names) bound them so that
    `max_rows` and one more fit in `max_bytes` are not measured: no cap can be met, and
    the batches are the same (the bytes left never bind them)."""
    bound = odbc_types().row_bound(description, reported)
    if bound is not None and bound * (max_rows + 1) <= max_bytes:
        row_size: Callable[[Sequence[Any]], int] = _unmeasured
    else:
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
                cancel(cursor)  # ATTENTION: the server stops sending the rest
                raise Refused(large_values().row_over_cap(description, row, max_bytes, cut_at))
            if len(rows) == max_rows or (
                rows and (size + this_size > max_bytes or read + this_read > cut_at)
            ):
                return True
            size += this_size
            read += this_read
            rows.append(tuple(row))
        if len(batch) < wanted:  # the driver said SQL_NO_DATA: the set ended, no fetch more
            return False


def _unmeasured(row: Sequence[Any]) -> int:
    return 0


def is_document(description: Sequence[Sequence[Any]]) -> bool:
    """A FOR JSON or FOR XML result: SQL Server sends its document cut into rows of 2,033
    characters, which clients join (as SSMS does); a row each is no use."""
    return len(description) == 1 and description[0][0] in jsonvalues().DOCUMENT_COLUMNS


def take_document(
    cursor: Any, description: Sequence[Sequence[Any]], max_bytes: int
) -> list[tuple[Any, ...]]:
    """The document of a FOR JSON or FOR XML result as one row (none for no rows). Cut,
    it would not parse, and no page could hold its rest, so one over `max_bytes` is
    refused as a row over the cap is (take_rows)."""
    row_size = odbc_types().row_sizer(description)
    parts: list[str] = []
    size = 0
    while batch := cursor.fetchmany(FETCH_BATCH):
        for (part,) in batch:
            size += row_size((part,))
            if size > max_bytes:
                cancel(cursor)  # ATTENTION: the server stops sending the rest
                raise Refused(
                    f"the FOR JSON or FOR XML document is more than max_result_bytes ="
                    f" {max_bytes} bytes. Select fewer rows (TOP) or columns, or an operator"
                    " can raise [limits] max_result_bytes"
                )
            parts.append(part or "")
    return [("".join(parts),)] if parts else []


SKIP_CHUNK = 10_000  # rows skipped between two looks at the clock
TIMEOUT_STATE = "HYT00"  # ODBC's "timeout expired", as the driver's own timeouts say it


def skip(cursor: Any, count: int, deadline: float) -> None:
    """Skip `count` rows of the result set (up to its end) by `deadline` at most, else
    cancel the statement and time out. The driver's own timeout only bounds the wait
    for the server's first answer, so a skip over millions of rows (a page's offset,
    or the rest of a capped result set) would run as long as the server sends them."""
    while count > 0:
        if time.monotonic() > deadline:
            import pyodbc

            cancel(cursor)  # ATTENTION: the server stops sending the rest
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
