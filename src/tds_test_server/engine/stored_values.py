"""The values an INSERT (VALUES, or a plain SELECT) or UPDATE puts into a table's
columns, each with its column: where the server converts a value to its column's type
before SQLite stores it (date_literals.py, decimal_stores.py)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from .catalog import Column, Table


def stored_values(
    tree: exp.Expression, table: Table, insert_columns: tuple[str, ...] | None
) -> Iterator[tuple[exp.Expression, Column | None]]:
    """Each value node of `tree` (an INSERT or UPDATE of `table`) with the column it goes
    into; an INSERT ... SELECT that is a UNION, or of a procedure's rows, gives none."""
    if isinstance(tree, exp.Insert):
        names = insert_columns or [
            c.name for c in table.columns if not c.is_identity and c.computed is None
        ]
        columns = [table.column(name) for name in names]
        if isinstance(tree.expression, exp.Values):
            rows = [r.expressions for r in tree.expression.expressions if isinstance(r, exp.Tuple)]
        elif isinstance(tree.expression, exp.Select):
            rows = [[p.unalias() for p in tree.expression.selects]]
        else:
            rows = []
        for row in rows:
            yield from zip(row, columns, strict=False)
    elif isinstance(tree, exp.Update):
        for assignment in tree.expressions:
            if isinstance(assignment, exp.EQ) and isinstance(assignment.this, exp.Column):
                yield assignment.expression, table.column(assignment.this.name)


def literal_type(value: exp.Expression) -> str:
    """The type of a literal value as SQL Server reads it (5 int, 12345.6 numeric, 1e3
    float, 'x' varchar, N'x' nvarchar), '' for any other expression."""
    literal = value.this if isinstance(value, exp.Neg) and value.is_number else value
    if isinstance(literal, exp.National):
        return "nvarchar"
    if not isinstance(literal, exp.Literal):
        return ""
    if literal.is_string:
        return "varchar"
    text = literal.name.lower()
    return "float" if "e" in text else "numeric" if "." in text else "int"
