"""UPDATE(column) and COLUMNS_UPDATED() in a trigger's IF or WHILE condition.

Written from Microsoft's UPDATE() and COLUMNS_UPDATED() pages:
- UPDATE(column) is TRUE when the statement tried to write the column: every column of
  an INSERT (explicit values or implicit NULLs), the SET list of an UPDATE, none of a
  DELETE; TRUE even when the value did not change. A computed column cannot be tested.
- COLUMNS_UPDATED() is a varbinary with one bit per column, by column_id: the first
  byte's rightmost bit for column 1, its next bit for column 2, ... the second byte for
  columns 9 to 16; as many bytes as the table's columns need. `COLUMNS_UPDATED() & 14`
  reads it as a number, `SUBSTRING(COLUMNS_UPDATED(), 2, 1) & 1` tests column 9.
"""

from __future__ import annotations

from sqlglot.tokens import TokenType

from ..results import TdsError
from .batches import tokenize, word
from .catalog import Table


def with_update_tests(condition: str, table: Table, written: frozenset[str]) -> str:
    """`condition` with each UPDATE(column) a TRUE or FALSE comparison and each
    COLUMNS_UPDATED() its bit pattern; `written`: the statement's columns, casefolded."""
    toks = tokenize(condition)
    pieces: list[str] = []
    at = i = 0
    while i < len(toks):
        w = word(toks[i])
        opens = i + 1 < len(toks) and toks[i + 1].token_type == TokenType.L_PAREN
        if w == "UPDATE" and opens and i + 3 < len(toks):
            name = toks[i + 2].text
            column = table.column(name)
            if column is None or toks[i + 3].token_type != TokenType.R_PAREN:
                raise TdsError(207, f"Invalid column name '{name}'.")
            if column.computed is not None:
                raise TdsError(
                    2114,
                    f"Column '{column.name}' cannot be used in an IF UPDATE clause"
                    " because it is a computed column.",
                )
            tested = "(1=1)" if column.name.casefold() in written else "(1=0)"
            pieces += [condition[at : toks[i].start], tested]
            at, i = toks[i + 3].end + 1, i + 4
            continue
        if toks[i].text.upper() == "COLUMNS_UPDATED" and opens and i + 2 < len(toks):
            pieces += [condition[at : toks[i].start], _bits(table, written)]
            at, i = toks[i + 2].end + 1, i + 3
            continue
        i += 1
    return "".join([*pieces, condition[at:]])


def _bits(table: Table, written: frozenset[str]) -> str:
    """COLUMNS_UPDATED()'s varbinary as a 0x literal: bit 0 of the first byte for
    column_id 1; & | ^ read it as a number (bitwise.py), SUBSTRING takes its bytes."""
    ids = [c.column_id for c in table.columns if c.name.casefold() in written]
    size = (max((c.column_id for c in table.columns), default=1) + 7) // 8
    return "0x" + sum(1 << (i - 1) for i in ids).to_bytes(size, "little").hex().upper()
