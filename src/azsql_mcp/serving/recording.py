"""The database a tool gets while its call is audited: it passes every call through to
the source and notes the statement fingerprint and the rows in the call record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from azsql_mcp.api import Database, Limits, ProcedureResult, QueryResult, Security
from azsql_mcp.serving.callrecord import CURRENT_CALL


class RecordingDatabase(Database):
    """Passes every call through and notes the statement fingerprint and rows for audit.

    The signatures are the `Database` protocol's, not repeated: the options pass through
    as they came, and mypy checks the calls against the protocol."""

    def __init__(self, db: Database):
        self._db = db
        self.source = db.source
        self.security: Security = db.security
        self.limits: Limits = db.limits

    async def read(
        self, sql: str, params: Mapping[str, Any] | None = None, **options: Any
    ) -> QueryResult:
        counted = await _note(sql)
        result = await self._db.read(sql, params, **options)
        if counted:
            _note_rows(len(result.rows))
        return result

    async def write(
        self, sql: str, params: Mapping[str, Any] | None = None, **options: Any
    ) -> QueryResult:
        counted = await _note(sql)
        result = await self._db.write(sql, params, **options)
        if counted:
            _note_rows(result.rows_affected or 0)
        return result

    async def write_batch(
        self, statements: Sequence[str], params: Mapping[str, Any] | None = None, **options: Any
    ) -> list[QueryResult]:
        counted = await _note(";\n".join(statements))
        results = await self._db.write_batch(statements, params, **options)
        if counted:
            _note_rows(sum(r.rows_affected or 0 for r in results))
        return results

    async def explain(self, sql: str) -> str:
        await _note(sql)
        return await self._db.explain(sql)

    async def call_procedure(
        self, procedure: str, params: Mapping[str, Any] | None = None, **options: Any
    ) -> ProcedureResult:
        record = CURRENT_CALL.get()
        if record is not None:  # the audit line is about the call, not a catalog read before it
            record.fingerprint, record.rows, record.noted = None, None, False
        await _note(f"EXEC {procedure}")  # the call's statement, whatever came before
        result = await self._db.call_procedure(procedure, params, **options)
        if result.rows_affected is not None:  # a writing call: the rows it changed
            _note_rows(result.rows_affected)
        elif not options.get("writes"):  # a writing call without counts: rows stays null
            _note_rows(sum(len(r.rows) for r in result.result_sets))
        return result

    async def ping(self) -> float:
        return await self._db.ping()

    def pool_stats(self) -> dict[str, int]:
        return self._db.pool_stats()


async def _note(sql: str) -> bool:
    """Whether `sql` is the call's statement: the first it runs, whose fingerprint and rows
    the audit line records (a permission check or a catalog read for a hint after it
    is not what the caller asked for)."""
    record = CURRENT_CALL.get()
    if record is None or record.noted:
        return False
    record.noted = True  # before the await: reads run side by side (describe_table)
    from azsql_mcp.db import guardworker  # long statements: off the event loop

    record.fingerprint = await guardworker.fingerprint(sql)
    return True


def _note_rows(rows: int) -> None:
    record = CURRENT_CALL.get()
    if record is not None:
        record.rows = (record.rows or 0) + rows


def note_committed(rows: int | None) -> None:
    """A write of the call committed although the call was cancelled (notices.COMMIT_SINK)."""
    record = CURRENT_CALL.get()
    if record is not None:
        record.committed = True
    if rows is not None:
        _note_rows(rows)
