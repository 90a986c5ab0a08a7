"""A computed column in an INSERT's column list or an UPDATE's SET: error 271, as SQL
Server words it ("Database engine events and errors (0 to 999)"), where SQLite would
fail on its generated column with its own words (and an UPDATE not at all).
(rowversion columns are stored as binary(8) here, so 272 and 273 are not raised.)"""

from __future__ import annotations

from sqlglot import exp

from ..results import TdsError
from .catalog import Table
from .translate import Query


def check(table: Table | None, q: Query) -> None:
    if table is None:
        return
    if q.kind == "insert":
        names = list(q.insert_columns or ())
    elif q.kind == "update":
        names = [
            eq.this.name
            for update in q.tsql.find_all(exp.Update)
            for eq in update.expressions
            if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column)
        ]
    else:
        return
    for name in names:
        column = table.column(name)
        if column is None:
            continue
        if column.computed is not None:
            raise TdsError(
                271,
                f'The column "{column.name}" cannot be modified because it is either a'
                " computed column or is the result of a UNION operator.",
            )
