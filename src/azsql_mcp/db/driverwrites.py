"""Writes and procedure calls in the driver process: statements run in one transaction
under max_affected_rows, with what their OUTPUT clauses return, and a procedure's result
sets, row counts and messages."""

from __future__ import annotations

import sys
import time
from typing import Any

from azsql_mcp.db.driverconn import (
    Connection,
    Refused,
    cancel,
    clrtypes,
    commit,
    error_context,
    execute,
    is_freetds,
    jsonvalues,
    large_values,
    odbc_types,
    statement,
)
from azsql_mcp.db.driverrows import (
    FETCH_BATCH,
    Page,
    is_document,
    skip,
    take_document,
    take_rows,
)

# Of one statement run_writes ran: rows changed, duration in ms, the OUTPUT clause's rows.
Written = tuple[int, float, Page | None]


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
    with statement(conn, timeout_s) as cursor:
        cut_at = large_values().set_textsize(conn, cursor, max_bytes)
        started = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        execute(cursor, sql, args)
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
                    cancel(cursor)  # ATTENTION: the procedure stops; the rollback follows
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
            commit(conn, timeout_s)
    return pages, affected, messages


def _capped_set(
    cursor: Any, description: Any, caps: tuple[int, int, int], started: float, deadline: float
) -> Page:
    """One result set of a procedure; `caps`: max_rows, max_bytes and the TEXTSIZE."""
    max_rows, max_bytes, cut_at = caps
    reported = odbc_types().reported_types(cursor)  # before the rows: the set is current
    if is_document(description):  # FOR JSON / FOR XML: whole, as read_data reads it
        rows, truncated = take_document(cursor, description, max_bytes), False
    else:
        max_binary = jsonvalues().DEFAULT_MAX_BINARY_BYTES  # procedure rows leave as JSON
        clrtypes().ambiguous_seen()  # from now on
        rows = []  # what take_rows fills
        with error_context().rows_before(0, rows):
            truncated = take_rows(
                cursor, description, reported, max_rows, max_bytes, max_binary, cut_at, rows
            )
            if truncated:  # the rest of the set goes unread, by query_timeout_s at most
                skip(cursor, sys.maxsize, deadline)
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
    freetds = is_freetds(conn.cnxn)
    with statement(conn, timeout_s) as cursor:
        for number, (sql, args) in enumerate(statements, 1):
            conn.stop_if_cancelled()
            started = time.perf_counter()
            try:
                execute(cursor, *(_as_rpc(sql) if freetds and not args else (sql, args)))
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
                    # trigger for the statement's action (Msg 334): the rows are the
                    # statement's own count
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
        commit(conn, timeout_s)
    return results


# What a write without parameters is sent as through FreeTDS: with one, so that the
# driver sends an RPC (sp_executesql), not a batch. FreeTDS hands on one count of a
# statement, the last DONEINPROC's when there is one: in an RPC every count is a
# DONEINPROC and the statement's own comes last, but in a batch the statement's own is
# a DONE after its triggers' DONEINPROCs, and FreeTDS handed on a trigger's count
# instead (a one-row log insert let four rows pass a cap of three). The DECLARE sends
# no count of its own, and stays on the statement's line, so errors keep its numbers.
_RPC_PREFIX = "DECLARE @azsql_rpc bit = ?; "


def _as_rpc(sql: str) -> tuple[str, list[Any]]:
    return _RPC_PREFIX + sql, [0]


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
    them (as take_rows keeps one, except that a first row over `max_bytes` is left out
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
            cancel(cursor)  # ATTENTION: the rows changed are too many; the rollback follows
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
