"""TdsError: an error as SQL Server reports it (number, state, class).

Its own module so that `principals` (which raises it) and `results` (whose
`SessionInfo` names a principal) do not import each other.
"""

from __future__ import annotations


class TdsError(Exception):
    """An error SQL Server would report: number, state, class (severity)."""

    def __init__(
        self, number: int, message: str, *, state: int = 1, severity: int = 16, line: int = 1
    ):
        super().__init__(message)
        self.number = number
        self.message = message
        self.state = state
        self.severity = severity
        self.line = line
