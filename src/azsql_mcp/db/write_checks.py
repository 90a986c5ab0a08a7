"""What only the catalog tells of a write, asked before it runs: whether its WHERE
filters (a column tested IS NOT NULL may be NULL), and whether max_affected_rows can
count every row it changes (db/write_effects.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from azsql_mcp.api import Database, QueryRefused
from azsql_mcp.db import guardworker, sqlguard, write_effects, write_filters
from azsql_mcp.db.sqlpolicy import ReadPolicy

# A table of this database (name as written, bracket-quoted parts): its type (SN for a
# synonym, whose columns sys.columns does not list) and whether a column of that name
# may be NULL (NULL when it has no such column). No row: not an object of this database
# that this login can see.
TABLE_COLUMN = """
SELECT o.type, c.is_nullable FROM sys.objects AS o
LEFT JOIN sys.columns AS c ON c.object_id = o.object_id AND c.name = @column
WHERE o.object_id = OBJECT_ID(@table)
"""


async def check_write(
    db: Database, policy: ReadPolicy, sql: str, kinds: Collection[str]
) -> sqlguard.CheckedStatement:
    """guardworker.check_write, with what only `db`'s catalog knows: whether the WHERE
    filters, and whether the cap can count every row the write changes."""
    checked = await _checked_filter(db, policy, sql, kinds)
    if not db.security.allow_uncounted_writes:
        await _refuse_uncounted(db, policy, checked)
    return checked


async def _refuse_uncounted(
    db: Database, policy: ReadPolicy, checked: sqlguard.CheckedStatement
) -> None:
    """QueryRefused when a cascading foreign key or a trigger acts on the table the
    write changes (db/write_effects.py): the statement's row count leaves those rows
    out. Where the guard could not tell that table (a CTE, a derived table), every
    table the statement names is asked (a false refusal says what to do; a missed
    cascade would be committed). A table of another database the operator opened has
    its keys and triggers in that database's catalog, which this source does not ask:
    refused in doubt too."""
    action = checked.kind.upper()
    for parts in (checked.target,) if checked.target else checked.tables:
        name = write_filters.object_name(parts)
        if parts[-1].startswith("#"):
            continue  # "A DML trigger cannot be created on a temporary ... table", and
            # a foreign key on one is not enforced (message 1756)
        if not _in_catalog(policy, parts):
            raise QueryRefused(
                write_effects.unchecked(action, name, parts[0]), write_effects.ALLOWED
            )
        statement, values = write_effects.uncounted_statement(name, action, checked.updated_columns)
        found = write_effects.uncounted(await db.read(statement, values), action)
        if found:
            raise QueryRefused(write_effects.refusal(action, name, found), write_effects.ALLOWED)


async def _checked_filter(
    db: Database, policy: ReadPolicy, sql: str, kinds: Collection[str]
) -> sqlguard.CheckedStatement:
    """check_write, then again knowing which columns tested IS NOT NULL cannot be NULL
    (`WHERE key IS NOT NULL` is always true and must not pass for a filter). A column
    of a table whose columns cannot be looked up counts as one that cannot be NULL."""
    allow = db.security.allow_unfiltered_writes
    checked = await guardworker.check_write(sql, kinds, allow_unfiltered=allow, policy=policy)
    if allow or checked.kind == "insert" or not checked.not_null_tests:
        return checked
    non_nullable: list[str] = []
    unseen: set[str] = set()
    for column in checked.not_null_tests:
        never_null, unknown = await _never_null(db, policy, checked.tables, column)
        if never_null or unknown:
            non_nullable.append(column)
            unseen.update(unknown)
    if not non_nullable:
        return checked
    try:
        return await guardworker.check_write(
            sql, kinds, allow_unfiltered=allow, policy=policy, non_nullable=non_nullable
        )
    except QueryRefused as exc:
        if not unseen:
            raise
        raise QueryRefused(
            f"{exc.reason} The server cannot look up the columns of"
            f" {', '.join(sorted(unseen))} (a table of another database, a synonym, a"
            " temporary table, or one this login cannot see), so it cannot tell whether"
            " an IS NOT NULL test on them filters, and counts it as always true.",
            exc.allowed,
        ) from None


def _in_catalog(policy: ReadPolicy, parts: Sequence[str]) -> bool:
    """Whether this database's catalog views can tell of a table so named: OBJECT_ID
    resolves another database's name to that database's id, which they know nothing
    of (or give to another object)."""
    return len(parts) < 3 or policy.is_own(parts[0])


async def _never_null(
    db: Database, policy: ReadPolicy, tables: Sequence[tuple[str, ...]], column: str
) -> tuple[bool, list[str]]:
    """Whether a column of that name is NOT NULL in one of the statement's tables; if
    not, the tables whose columns could not be looked up."""
    unknown: list[str] = []
    for parts in tables:
        name = write_filters.object_name(parts)
        if not _in_catalog(policy, parts):
            unknown.append(name)
            continue
        found = await db.read(TABLE_COLUMN, {"table": name, "column": column})
        if not found.rows or str(found.rows[0][0]).strip() == "SN":
            unknown.append(name)
        elif found.rows[0][1] is not None and not found.rows[0][1]:
            return True, []
    return False, unknown
