"""TRY...CATCH in batches and procedure bodies, what a CATCH block reads of its error
(ERROR_NUMBER, ERROR_MESSAGE, ERROR_SEVERITY, ERROR_STATE, ERROR_LINE, ERROR_PROCEDURE),
`THROW;` and XACT_STATE.

Written from Microsoft's pages "TRY...CATCH (Transact-SQL)", "THROW (Transact-SQL)", the
six ERROR_* function pages, "XACT_STATE (Transact-SQL)" and "SET XACT_ABORT":

- A TRY block's error of severity 11 to 19 runs its CATCH block and reaches no client;
  severity 10 or less is a message (never raised here), 20 and up end the session.
- Compile errors of the TRY block's own statements (syntax, a name that does not bind:
  _COMPILE_ERRORS) are not caught at the same level, but are when they come from a lower
  one (a called procedure, EXEC (...), sp_executesql: TdsError.nested). The test server
  reads each statement as it runs, so what SQL Server refuses before the batch runs at
  all is seen here only when that statement is reached.
- 40517 (what this server does not run) is never caught: it is no error of the code;
  nor is 3617, a cancel (attentions are not caught, the TRY...CATCH page says).
- The ERROR_* functions give the error of the innermost CATCH block running (a
  procedure called from it included) and NULL elsewhere; `THROW;` raises it again,
  as it was (number, text, severity, state, line, procedure).
- Under SET XACT_ABORT ON an error inside a TRY block leaves the transaction open and
  uncommittable (XACT_STATE() -1): it can only be rolled back (a write or COMMIT is
  3930), and a batch that ends with it rolls it back with error 3998.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Protocol

from ..editions import Edition
from ..results import Result, ResultSet, TdsError
from .body_flow import TryCatch, Walk
from .errors import UNSUPPORTED

_COMPILE_ERRORS = frozenset({102, 137, 156, 195, 207, 208, 4104})
_NEVER_CAUGHT = frozenset({UNSUPPORTED, 3617})


class Catching(Protocol):
    caught: list[TdsError]  # the errors of the CATCH blocks running, innermost last
    trying: int  # TRY blocks running: an error under XACT_ABORT dooms, not rolls back
    doomed: bool

    @property
    def trancount(self) -> int: ...


def attempt(session: Catching, node: TryCatch, walk: Walk) -> Iterator[Result]:
    """Run the TRY block; on an error it catches, the CATCH block with that error."""
    session.trying += 1
    try:
        yield from walk(node.body)
        return
    except TdsError as exc:
        if not catches(exc):
            raise
        error = exc
    finally:
        session.trying -= 1
    session.caught.append(error)
    try:
        yield from walk(node.handler)
    finally:
        session.caught.pop()


def read_through(session: Catching, results: Iterator[Result]) -> Iterator[Result]:
    """`results`, each result set's rows read before it is handed on inside a TRY block,
    so that an error met reading them (a row's 1 / 0) runs the CATCH block: outside one
    the protocol layer reads them as it sends them."""
    for result in results:
        if session.trying and isinstance(result, ResultSet):
            result = replace(result, rows=iter(list(result.rows)))
        yield result


def catches(exc: TdsError) -> bool:
    if exc.number in _NEVER_CAUGHT or not 11 <= exc.severity <= 19:
        return False
    return exc.nested or exc.number not in _COMPILE_ERRORS


def rethrown(session: Catching) -> TdsError:
    """The error `THROW;` raises: the caught one again, or 10704 outside a CATCH block."""
    if not session.caught:
        return TdsError(
            10704,
            "To rethrow an error, a THROW statement must be used inside a CATCH block."
            " Insert the THROW statement inside a CATCH block, or add error parameters to"
            " the THROW statement.",
            severity=15,
        )
    was = session.caught[-1]
    again = TdsError(
        was.number,
        was.message,
        state=was.state,
        severity=was.severity,
        line=was.line,
        preceding=was.preceding,
    )
    # caught once, so past its compile: an outer TRY catches it whatever its number
    again.placed, again.procedure, again.nested = True, was.procedure, True
    return again


def uncommittable() -> TdsError:
    return TdsError(
        3930,
        "The current transaction cannot be committed and cannot support operations that"
        " write to the log file. Roll back the transaction.",
    )


def rolled_back_at_end() -> TdsError:
    return TdsError(
        3998,
        "Uncommittable transaction is detected at the end of the batch. The transaction is"
        " rolled back.",
    )


def procedure_name(edition: Edition, schema: str, name: str) -> str:
    """ERROR_PROCEDURE's name: schema.name from SQL Server 2017, the bare name in 2016
    and Azure SQL Database (the ERROR_PROCEDURE page)."""
    if edition.is_azure_sql_database or edition.product_version.startswith("13."):
        return name
    return f"{schema}.{name}"


def register(conn: sqlite3.Connection, session: Catching) -> None:
    """The ERROR_* functions and XACT_STATE on the session's connection."""

    def field(get: Callable[[TdsError], str | int | None]) -> Callable[[], str | int | None]:
        return lambda: get(session.caught[-1]) if session.caught else None

    getters: tuple[tuple[str, Callable[[TdsError], str | int | None]], ...] = (
        ("ERROR_NUMBER", lambda e: e.number),
        ("ERROR_MESSAGE", lambda e: e.message),
        ("ERROR_SEVERITY", lambda e: e.severity),
        ("ERROR_STATE", lambda e: e.state),
        ("ERROR_LINE", lambda e: e.line),
        ("ERROR_PROCEDURE", lambda e: e.procedure),
    )
    for name, get in getters:
        conn.create_function(name, 0, field(get), deterministic=False)

    def xact_state() -> int:
        return 0 if not session.trancount else -1 if session.doomed else 1

    conn.create_function("XACT_STATE", 0, xact_state, deterministic=False)
