"""What to change when a write names a column SQL Server fills itself.

SQL Server's texts ("Database engine events and errors (0 to 999)") say what is wrong;
the advice says what the write tools allow instead: SET IDENTITY_INSERT is a SET,
which the guard refuses, so an identity value comes from SQL Server and back through
OUTPUT; describe_table shows which columns are identity, computed or rowversion."""

from __future__ import annotations

from azsql_mcp.api import DatabaseError

COMPUTED_COLUMN = 271  # The column "x" cannot be modified because it is ... computed
ROWVERSION_UPDATE = 272  # Cannot update a timestamp column.
ROWVERSION_INSERT = 273  # Cannot insert an explicit value into a timestamp column ...
IDENTITY_INSERT_OFF = 544  # Cannot insert explicit value for identity column ...

_ADVICE = {
    COMPUTED_COLUMN: "Leave the computed column out: SQL Server computes it from the"
    " others; set those instead.",
    ROWVERSION_UPDATE: "Leave the rowversion column out: SQL Server changes it with every"
    " update of the row.",
    ROWVERSION_INSERT: "Leave the rowversion column out of the column list: SQL Server sets it.",
    IDENTITY_INSERT_OFF: "Leave the identity column out of the column list: SQL Server"
    " assigns it, and `OUTPUT inserted.<column>` before VALUES returns the value it gave."
    " (SET IDENTITY_INSERT is not available to these tools.)",
}
_COLUMNS = " describe_table shows which columns SQL Server fills itself."


def generated_value_advice(error: DatabaseError) -> str | None:
    """SQL Server's error 271, 272, 273 or 544 and what to write instead; None for
    others."""
    advice = _ADVICE.get(error.number or 0)
    return None if advice is None else f"{error} {advice}{_COLUMNS}"
