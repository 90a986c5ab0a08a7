"""insert_data, update_data and execute_batch: writes, only when read_only = false.

The core hides these tools while read_only holds; `Database.write` enforces the rest
(one statement of the given kinds, a WHERE unless allowed, max_affected_rows rollback).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, TypeVar

from fastmcp.exceptions import ToolError
from fastmcp.tools import ToolResult
from pydantic import BaseModel, Field

from azsql_mcp import (
    DatabaseError,
    QueryRefused,
    QueryResult,
    ToolContext,
    WriteKind,
    WriteOutcomeUnknown,
)
from azsql_mcp.catalog import access, memory_optimized, write_errors
from azsql_mcp.plugins.builtin_tools.common import respond
from azsql_mcp.plugins.builtin_tools.query import ParamValue
from azsql_mcp.values import (
    StructuredResult,
    output_rows,
    render_output,
    render_write,
    write_to_structured,
)

Params = Annotated[dict[str, ParamValue] | None, Field(description="values for @name placeholders")]


class BatchResult(BaseModel):
    rows_affected: list[int]  # one count per statement, in order
    total_rows_affected: int
    duration_ms: float
    # per statement, its OUTPUT clause's rows (None: it has none); None when none has one
    outputs: list[StructuredResult | None] | None = None


T = TypeVar("T")


async def _permitted(ctx: ToolContext, write: Awaitable[T]) -> T:
    """The write's result; error 229 or 230 names the GRANT that allows the write, or
    the read it needs: SQL Server asks SELECT of the rows a write reads (an UPDATE's or
    DELETE's WHERE, an INSERT's SELECT), as well as the write permission; error 41368 the
    table hint a memory-optimized table needs in a transaction; others that the table's
    kind rules the statement out, what to write instead (catalog/write_errors.py)."""
    try:
        return await write
    except DatabaseError as e:
        advice = write_errors.write_advice(e)
        if advice is None:
            advice = await memory_optimized.isolation_advice(ctx.db, e)
        if advice is not None:
            raise e.reworded(advice) from e
        if e.number not in (access.OBJECT_PERMISSION_DENIED, access.COLUMN_PERMISSION_DENIED):
            raise
        called = await access.call_missing(ctx.db, e)  # a function the write calls
        if called is not None:
            raise e.reworded(called) from e
        # a DMV the write reads: 229 on Azure SQL Database, which its state permission lifts
        read = await access.select_missing(ctx.db, e) or await access.state_missing(ctx.db, e)
        if read is not None:
            raise e.reworded(f"{read} {WRITES_READ}") from e
        if e.number != access.OBJECT_PERMISSION_DENIED:
            raise
        user = await access.database_user(ctx.db)
        raise e.reworded(access.write_missing(str(e), user)) from e


WRITES_READ = (
    "(A write reads the rows its WHERE clause tests and an INSERT the rows it selects:"
    " SQL Server asks SELECT on them as well as the permission to write.)"
)


def _written(ctx: ToolContext, result: QueryResult, what: str) -> ToolResult:
    structured = write_to_structured(result, max_rows=ctx.db.limits.max_rows)
    return respond(structured, render_write(structured, what))


async def insert_data(
    ctx: ToolContext,
    sql: Annotated[str, Field(description="one INSERT statement; values as @name")],
    params: Params = None,
) -> ToolResult:
    """Insert rows with one INSERT statement, committed in a transaction.

    To get values SQL Server made (identity, defaults), add an OUTPUT clause before
    VALUES or SELECT: `INSERT INTO t (a) OUTPUT inserted.id VALUES (@a)`.
    """
    written = await _permitted(ctx, ctx.db.write(sql, params, kinds=["insert"], json_values=True))
    return _written(ctx, written, "INSERT")


async def update_data(
    ctx: ToolContext,
    sql: Annotated[str, Field(description="one UPDATE or DELETE with a WHERE; values as @name")],
    params: Params = None,
) -> ToolResult:
    """Change or remove rows with one UPDATE or DELETE statement.

    Rolled back with an error if it would touch more rows than the server allows. An
    OUTPUT clause (`OUTPUT deleted.x, inserted.x` before WHERE) returns the rows changed.
    """
    kinds: list[WriteKind] = ["update", "delete"]
    written = await _permitted(ctx, ctx.db.write(sql, params, kinds=kinds, json_values=True))
    return _written(ctx, written, "Statement")


async def execute_batch(
    ctx: ToolContext,
    statements: Annotated[
        list[str], Field(min_length=1, description="INSERT/UPDATE/DELETE statements, in order")
    ],
    params: Params = None,
) -> ToolResult:
    """Run several INSERT/UPDATE/DELETE statements in one transaction: all or nothing.

    A statement with an OUTPUT clause returns its rows in `outputs`, at its place.
    """
    try:
        results = await _permitted(ctx, ctx.db.write_batch(statements, params, json_values=True))
    except (DatabaseError, QueryRefused) as e:
        if isinstance(e, WriteOutcomeUnknown) or (isinstance(e, DatabaseError) and e.transient):
            raise  # its message says to check whether the change took effect
        # the message names the statement (db/query_errors.py, driverwrites.run_writes)
        text = f"{str(e).rstrip('. ')}. The batch was rolled back: nothing was written."
        if isinstance(e, DatabaseError):  # its kind and number stay, as other tools' do
            e.args = (text,)
            raise
        raise ToolError(text) from e
    counts = [r.rows_affected or 0 for r in results]
    outputs = [output_rows(r, max_rows=ctx.db.limits.max_rows) for r in results]
    structured = BatchResult(
        rows_affected=counts,
        total_rows_affected=sum(counts),
        duration_ms=round(sum(r.duration_ms for r in results), 1),
        outputs=outputs if any(o is not None for o in outputs) else None,
    )
    text = f"Batch committed: {len(counts)} statement(s), {sum(counts)} row(s) affected {counts}."
    for number, output in enumerate(outputs, 1):
        text += render_output(output, f"Statement {number}'s OUTPUT")
    return respond(structured, text)
