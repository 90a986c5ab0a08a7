"""Msg 3621 "The statement has been terminated.": the message (class 0, an INFO token)
SQL Server sends after an error that ends an INSERT, UPDATE, DELETE or MERGE and rolls
back what that statement did, e.g. 2627, then 3621. A client sees two diagnostic
records, the error first; which one names the failure is the client's to get right.
"""

from __future__ import annotations

from ..results import TdsError

TERMINATED = 3621
_DML = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE"})
# Errors that end the statement, not the batch (Microsoft's "Database Engine events and
# errors"): keys (2601, 2627), constraints (547), NULL into NOT NULL (515), truncation
# (8152, 2628), and values that fail (8134 divide by zero, 8115 overflow, 512 a
# subquery with more than one value).
_STATEMENT_ERRORS = frozenset({515, 547, 2601, 2627, 2628, 8152, 8134, 8115, 512})


def note_terminated(exc: TdsError, head: str) -> None:
    """Have `exc`, raised by a statement that begins with `head`, followed by 3621 where
    SQL Server would send it (once, however many batches it passes through)."""
    if head in _DML and exc.number in _STATEMENT_ERRORS and not exc.following:
        exc.following = (
            TdsError(TERMINATED, "The statement has been terminated.", state=0, severity=0),
        )
