"""What to change when SQL Server refuses a write for what the table is: a column it
fills itself, a history or append-only ledger table, a row-level security policy, or
a trigger that rules out OUTPUT.

SQL Server's texts ("Database engine events and errors (0 to 999)") say what is wrong;
the advice says what the write tools allow instead: SET IDENTITY_INSERT is a SET,
which the guard refuses, so an identity value comes from SQL Server and back through
OUTPUT; describe_table shows which columns are identity, computed or rowversion. A
temporal table's history is written by SQL Server alone."""

from __future__ import annotations

from azsql_mcp.api import DatabaseError, advice

COMPUTED_COLUMN = 271  # The column "x" cannot be modified because it is ... computed
ROWVERSION_UPDATE = 272  # Cannot update a timestamp column.
ROWVERSION_INSERT = 273  # Cannot insert an explicit value into a timestamp column ...
IDENTITY_INSERT_OFF = 544  # Cannot insert explicit value for identity column ...
OUTPUT_WITH_TRIGGERS = 334  # ... cannot have any enabled triggers if ... OUTPUT clause
# Temporal and ledger tables ("Temporal table considerations and limitations").
GENERATED_ALWAYS_INSERT = 13536  # Cannot insert an explicit value into a GENERATED ALWAYS
GENERATED_ALWAYS_UPDATE = 13537  # Cannot update GENERATED ALWAYS columns in table ...
HISTORY_INSERT = 13559  # Cannot insert rows in a temporal history table ...
HISTORY_DELETE = 13560  # Cannot delete rows from a temporal history table ...
HISTORY_UPDATE = 13561  # Cannot update rows in a temporal history table ...
APPEND_ONLY_LEDGER = 37359  # Updates are not allowed for the append only Ledger table
BLOCK_PREDICATE = 33504  # ... has a block predicate that conflicts with this operation
_HISTORY = (
    "SQL Server writes a temporal table's history itself: change the current table"
    " (the rows it replaces go to the history), and read the history through the current"
    " table with FOR SYSTEM_TIME ALL, AS OF or BETWEEN."
)
_GENERATED_ALWAYS = (
    "Leave the GENERATED ALWAYS column out: SQL Server sets it (a temporal table's period"
    " columns, a ledger table's transaction columns)."
)

_ADVICE = {
    COMPUTED_COLUMN: "Leave the computed column out: SQL Server computes it from the"
    " others; set those instead.",
    ROWVERSION_UPDATE: "Leave the rowversion column out: SQL Server changes it with every"
    " update of the row.",
    ROWVERSION_INSERT: "Leave the rowversion column out of the column list: SQL Server sets it.",
    IDENTITY_INSERT_OFF: "Leave the identity column out of the column list: SQL Server"
    " assigns it, and `OUTPUT inserted.<column>` before VALUES returns the value it gave."
    " (SET IDENTITY_INSERT is not available to these tools.)",
    OUTPUT_WITH_TRIGGERS: "Leave the OUTPUT clause out (an enabled trigger on the table"
    " rules it out; OUTPUT ... INTO is refused, as it writes a second table) and read the"
    " rows changed afterwards" + advice("read_data", " with read_data") + ".",
    GENERATED_ALWAYS_INSERT: _GENERATED_ALWAYS,
    GENERATED_ALWAYS_UPDATE: _GENERATED_ALWAYS,
    HISTORY_INSERT: _HISTORY,
    HISTORY_DELETE: _HISTORY,
    HISTORY_UPDATE: _HISTORY,
    APPEND_ONLY_LEDGER: "An append-only ledger table takes INSERT only, by design: record"
    " a correction as a new row instead of changing or removing one.",
    BLOCK_PREDICATE: "A row-level security policy on the table decides which rows this"
    " login may write, often from SESSION_CONTEXT values: sys.security_predicates"
    + advice("read_data", " (a read_data)")
    + " shows its predicate, but only to a login with VIEW DEFINITION on the"
    " policy or ALTER ANY SECURITY POLICY (to others, no row: ask the database's owner"
    " what it allows); write only rows it allows. An operator sets session context"
    " values per caller with [sources.NAME] session_context.",
}
_COLUMNS = {
    n: advice("describe_table", " describe_table shows which columns SQL Server fills itself.")
    for n in (COMPUTED_COLUMN, ROWVERSION_UPDATE, ROWVERSION_INSERT, IDENTITY_INSERT_OFF)
}


def write_advice(error: DatabaseError) -> str | None:
    """SQL Server's error, with what to write instead, for the errors above (_ADVICE);
    None for others."""
    said = _ADVICE.get(error.number or 0)
    if said is None:
        return None
    return f"{error} {said}{_COLUMNS.get(error.number or 0, '')}"
