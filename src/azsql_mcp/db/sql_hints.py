"""Table, join and query hints a statement may carry: an allow-list.

From Microsoft's "Hints (Transact-SQL) - Table", "- Join" and "- Query". Allowed are
hints that shape the plan or take fewer or finer locks than the default; refused are
hints that hold or widen locks (blocking other users' writes for as long as the
query runs) or change the resource governance the operator set (parallelism, memory
grants, trace flags). Anything not listed is refused.
"""

from __future__ import annotations

# Table hints: WITH (...) after a table name.
ALLOWED_TABLE_HINTS: frozenset[str] = frozenset(
    {
        "NOLOCK",  # reads without shared locks
        "READUNCOMMITTED",  # same as NOLOCK
        "READCOMMITTED",  # the default isolation level
        "READPAST",  # skips locked rows instead of waiting
        "NOWAIT",  # fails at once instead of waiting for a lock
        "ROWLOCK",  # row locks where page or table locks would be taken: finer, not longer
        "SNAPSHOT",  # memory-optimized tables: row versions, no locks
        "NOEXPAND",  # plan: use the indexed view's index
        "INDEX",  # plan: use the given index
        "FORCESEEK",  # plan
        "FORCESCAN",  # plan
    }
)
REFUSED_TABLE_HINTS: dict[str, str] = {
    "HOLDLOCK": "holds shared locks until the transaction ends, blocking writers",
    "SERIALIZABLE": "holds shared and range locks until the transaction ends",
    "REPEATABLEREAD": "holds shared locks until the transaction ends",
    "READCOMMITTEDLOCK": "takes shared locks even where the database reads row versions",
    "TABLOCK": "locks the whole table",
    "TABLOCKX": "takes an exclusive lock on the whole table",
    "PAGLOCK": "takes page locks where row locks would do",
    "UPDLOCK": "takes update locks held until the transaction ends",
    "XLOCK": "takes exclusive locks held until the transaction ends",
}

# Join hints: INNER HASH JOIN ...
# MERGE JOIN and MERGE UNION would be harmless, but MERGE is refused as a word in reads
# (it starts a MERGE statement), so they are not listed.
ALLOWED_JOIN_HINTS: frozenset[str] = frozenset({"HASH", "LOOP"})
REFUSED_JOIN_HINTS: dict[str, str] = {"REMOTE": "runs the join at a linked server"}

# Query hints: OPTION (...), by name with single spaces.
MAX_RECURSION = 1000  # MAXRECURSION may lower or raise the default 100 up to this
ALLOWED_QUERY_HINTS: frozenset[str] = frozenset(
    {
        "HASH GROUP",
        "ORDER GROUP",
        "CONCAT UNION",
        "HASH UNION",
        "LOOP JOIN",
        "HASH JOIN",
        "EXPAND VIEWS",
        "FAST",
        "FORCE ORDER",
        "KEEP PLAN",
        "KEEPFIXED PLAN",
        "IGNORE_NONCLUSTERED_COLUMNSTORE_INDEX",
        "MAXRECURSION",  # from 1 to MAX_RECURSION
        "OPTIMIZE FOR UNKNOWN",
        "RECOMPILE",
        "ROBUST PLAN",
        "NO_PERFORMANCE_SPOOL",
        "DISABLE_OPTIMIZED_PLAN_FORCING",
    }
)
REFUSED_QUERY_HINTS: dict[str, str] = {
    "MAXDOP": "overrides the degree of parallelism the operator set (MAXDOP 1 is allowed)",
    "MIN_GRANT_PERCENT": "overrides the memory grant set by Resource Governor",
    "MAX_GRANT_PERCENT": "overrides the memory grant set by Resource Governor",
    "QUERYTRACEON": "turns on trace flags",
    "USE HINT": "changes optimizer behaviour, including parallelism and memory",
    "USE PLAN": "forces a plan given as XML",
    "TABLE HINT": "applies table hints, locks included, from outside the FROM clause",
    "PARAMETERIZATION": "belongs in plan guides",
    "FORCE EXTERNALPUSHDOWN": "sends work to an external cluster",
    "FORCE SCALEOUTEXECUTION": "sends work to an external cluster",
}


def table_hint_refusal(name: str) -> str | None:
    """Why the table hint `name` is refused, or None when it is allowed."""
    upper = name.upper()
    if upper in ALLOWED_TABLE_HINTS:
        return None
    return REFUSED_TABLE_HINTS.get(upper, "is not on the allow-list")


def is_table_hint(name: str) -> bool:
    """Whether `name` is a table hint of either list."""
    upper = name.upper()
    return upper in ALLOWED_TABLE_HINTS or upper in REFUSED_TABLE_HINTS


def query_hint_refusal(name: str) -> str | None:
    """Why the query hint `name` (its words, single-spaced) is refused, or None."""
    upper = " ".join(name.upper().split())
    if upper in ALLOWED_QUERY_HINTS:
        return None
    for refused, reason in REFUSED_QUERY_HINTS.items():
        if upper == refused or upper.startswith(refused + " "):
            return reason
    return "is not on the allow-list"
