"""What to change when SQL Server refuses a memory-optimized table to a read or write.

Every read runs in a transaction that is rolled back, every write in one that is
committed: user transactions, to SQL Server. Under READ COMMITTED (the default) it
accesses a memory-optimized table only in an autocommit statement ("Transaction
Isolation Levels for Memory-Optimized Tables"), so in ours it fails with error 41368
unless the statement gives the table an isolation level with a table hint, WITH
(SNAPSHOT), or the database sets MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT ON. Reads stay
in their transaction: in autocommit a statement that wrote would keep what it wrote.
Error 41359 (READ_COMMITTED_SNAPSHOT ON, memory-optimized and disk-based tables in one
query) has the same remedy.
"""

from __future__ import annotations

from azsql_mcp.api import Database, DatabaseError
from azsql_mcp.values import records

READ_COMMITTED_IN_TRANSACTION = 41368
READ_COMMITTED_SNAPSHOT_MIXED = 41359
_SHOWN = 10  # memory-optimized tables named in the advice
# The ones this user can see (metadata visibility), by name.
_TABLES = (
    f"SELECT TOP ({_SHOWN + 1}) QUOTENAME(SCHEMA_NAME(schema_id)) + '.' + QUOTENAME(name)"
    " AS name FROM sys.tables WHERE is_memory_optimized = 1"
    " ORDER BY SCHEMA_NAME(schema_id), name"
)


async def isolation_advice(db: Database, error: DatabaseError) -> str | None:
    """SQL Server's error 41368 or 41359 and the hint that lets the statement through,
    naming the database's memory-optimized tables; None for other errors."""
    if error.number not in (READ_COMMITTED_IN_TRANSACTION, READ_COMMITTED_SNAPSHOT_MIXED):
        return None
    try:
        names = [str(row["name"]) for row in records(await db.read(_TABLES))]
    except DatabaseError:
        names = []
    if names:
        shown = ", ".join(names[:_SHOWN]) + (", ..." if len(names) > _SHOWN else "")
        which = f" (memory-optimized here: {shown})"
        example = f" e.g. FROM {names[0]} WITH (SNAPSHOT)"
    else:
        which, example = "", " e.g. FROM dbo.t WITH (SNAPSHOT)"
    return (
        f"{error} azsql-mcp runs every statement inside a transaction, where SQL Server"
        " reads and writes a memory-optimized table only at an isolation level the"
        f" statement names. Write WITH (SNAPSHOT) after each memory-optimized table{which}"
        f" the statement uses,{example}; not after disk-based tables. Or a DBA can make"
        " SNAPSHOT the default for them: ALTER DATABASE CURRENT SET"
        " MEMORY_OPTIMIZED_ELEVATE_TO_SNAPSHOT = ON;"
    )
