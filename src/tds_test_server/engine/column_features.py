"""Column options the catalog reports but this server does not enforce: SPARSE, a
COLUMN_SET, MASKED WITH (FUNCTION = '...'), HIDDEN and GENERATED ALWAYS AS ROW START/END
(with the table's PERIOD FOR SYSTEM_TIME), written from CREATE TABLE's column_definition
and the sys.columns / sys.masked_columns pages.

They are kept in __azsql_column_features and shown by sys.columns (is_sparse,
is_column_set, generated_always_type, is_hidden, is_masked) and sys.masked_columns.
HIDDEN leaves a column out of SELECT * (hidden_columns.py) and of an INSERT without a
column list, and the period columns fill themselves (system_versioning.py); a masked
column's values are stored in full and masked as a SELECT returns them (masking.py).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlglot.tokens import TokenType

from .token_stream import Tokens

FEATURES_DDL = """
CREATE TABLE IF NOT EXISTS __azsql_column_features (
    object_id INTEGER, column_id INTEGER, is_sparse INTEGER DEFAULT 0,
    is_column_set INTEGER DEFAULT 0, generated_always_type INTEGER DEFAULT 0,
    is_hidden INTEGER DEFAULT 0, masking_function TEXT,
    PRIMARY KEY (object_id, column_id));
"""

# sys.columns.generated_always_type: 1 AS_ROW_START, 2 AS_ROW_END.
_GENERATED = {"START": 1, "END": 2}
_GENERATED_DESC = (
    "CASE {0} WHEN 1 THEN 'AS_ROW_START' WHEN 2 THEN 'AS_ROW_END' ELSE 'NOT_APPLICABLE' END"
)


@dataclass
class ColumnFeatures:
    sparse: bool = False
    column_set: bool = False
    generated_always: int = 0
    hidden: bool = False
    masking_function: str | None = None

    def __bool__(self) -> bool:
        return self != ColumnFeatures()


def accept(ts: Tokens, features: ColumnFeatures) -> bool:
    """Consume one column option of this module's at the cursor, if it is one."""
    w = ts.peek_word()
    if w == "SPARSE":
        ts.next()
        features.sparse = True
    elif w == "COLUMN_SET":  # COLUMN_SET FOR ALL_SPARSE_COLUMNS
        ts.next()
        ts.expect("FOR")
        ts.expect("ALL_SPARSE_COLUMNS")
        features.column_set = True
    elif w == "HIDDEN":
        ts.next()
        features.hidden = True
    elif w == "GENERATED":  # GENERATED ALWAYS AS ROW START|END
        ts.next()
        ts.expect("ALWAYS")
        ts.expect("AS")
        ts.expect("ROW")
        features.generated_always = _GENERATED[ts.expect("START", "END")]
    elif w == "MASKED":  # MASKED WITH (FUNCTION = 'email()')
        ts.next()
        ts.expect("WITH")
        ts.expect_type(TokenType.L_PAREN)
        ts.expect("FUNCTION")
        ts.expect_type(TokenType.EQ)
        features.masking_function = ts.next().text
        ts.expect_type(TokenType.R_PAREN)
    else:
        return False
    return True


def accept_period(ts: Tokens) -> bool:
    """Consume a table's PERIOD FOR SYSTEM_TIME (start, end), if at the cursor: the
    columns say which they are (GENERATED ALWAYS AS ROW START/END)."""
    if ts.peek_word() != "PERIOD" or ts.peek_word(1) != "FOR":
        return False
    ts.next()
    ts.expect("FOR")
    ts.expect("SYSTEM_TIME")
    ts.parenthesized()
    return True


def record(conn: sqlite3.Connection, object_id: int, column_id: int, f: ColumnFeatures) -> None:
    if f:
        conn.execute(
            "INSERT INTO __azsql_column_features VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                object_id,
                column_id,
                int(f.sparse),
                int(f.column_set),
                f.generated_always,
                int(f.hidden),
                f.masking_function,
            ),
        )


def _feature(name: str) -> str:
    return (
        f"coalesce((SELECT f.{name} FROM __azsql_column_features f"
        " WHERE f.object_id = c.object_id AND f.column_id = c.column_id), 0)"
    )


_MASK = (
    "(SELECT f.masking_function FROM __azsql_column_features f"
    " WHERE f.object_id = c.object_id AND f.column_id = c.column_id)"
)

# sys.columns from is_sparse to is_masked, in order; no column is Always Encrypted here
# (the five encryption columns are NULL).
SPARSE_TO_MASKED = (
    f"{_feature('is_sparse')}, {_feature('is_column_set')},"
    f" {_feature('generated_always_type')},"
    f" {_GENERATED_DESC.format(_feature('generated_always_type'))},"
    f" NULL, NULL, NULL, NULL, NULL, {_feature('is_hidden')}, {_MASK} IS NOT NULL"
)


def masked_columns(columns: str, select: str, source: str) -> tuple[str, str]:
    """sys.masked_columns' columns and SELECT: sys.columns' (`columns`, `select` over
    `source` c) and masking_function, of the masked columns only."""
    return (
        columns + ", masking_function nvarchar(4000)",
        f"SELECT {select}, {_MASK} FROM {source} c WHERE {_MASK} IS NOT NULL",
    )
