"""TdsError: an error as SQL Server reports it (number, state, class).

Its own module so that `principals` (which raises it) and `results` (whose
`SessionInfo` names a principal) do not import each other.
"""

from __future__ import annotations


class TdsError(Exception):
    """An error SQL Server would report: number, state, class (severity). `preceding`:
    the errors SQL Server reports before it for the same failure (error 300 before 297
    on a DMV, dmv_permissions.py), sent first; `following`: the messages after it (3621
    "The statement has been terminated.", engine/terminated.py). `placed`: its line is
    set, by the innermost statement it came from (a procedure's, a dynamic batch's: the
    statements around it keep it); `procedure`: the procedure whose body raised it, and
    `nested`: it came from a lower level than the batch or body that sees it (a called
    procedure, EXEC (...), sp_executesql: engine/try_catch.py)."""

    def __init__(
        self,
        number: int,
        message: str,
        *,
        state: int = 1,
        severity: int = 16,
        line: int = 1,
        preceding: tuple[TdsError, ...] = (),
        following: tuple[TdsError, ...] = (),
    ):
        super().__init__(message)
        self.number = number
        self.message = message
        self.state = state
        self.severity = severity
        self.line = line
        self.preceding = preceding
        self.following = following
        self.placed = False
        self.procedure: str | None = None
        self.nested = False
