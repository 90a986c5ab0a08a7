"""The values an INSERT (VALUES, or a plain SELECT) or UPDATE puts into a table's
columns, each with its column: where the server converts a value to its column's type
before SQLite stores it (date_literals.py, number_stores.py); the columns an INSERT
without a column list fills (listed_columns); and an INSERT's list counted against its
values (check_insert_width)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from . import errors
from .catalog import Column, Table


def _filled(table: Table) -> list[str]:
    """The columns an INSERT without a column list fills, in order: SQL Server skips the
    identity column, computed columns and HIDDEN (period) columns ("Modify data in a
    system-versioned temporal table")."""
    return [
        c.name for c in table.columns if not c.is_identity and c.computed is None and not c.hidden
    ]


def listed_columns(tree: exp.Insert, table: Table, written: str) -> tuple[str, ...] | None:
    """An INSERT without a column list into a table with an identity or computed column,
    rewritten with the list SQL Server fills (SQLite would count every column): the
    names, or None where there is nothing to write. A value for every column but the
    computed ones is Msg 8101 (naming the table as `written`; "Database Engine events
    and errors (8000 to 8999)"); a count that matches neither is left to SQLite's error
    (213)."""
    names = _filled(table)
    if len(names) == len(table.columns) or not isinstance(tree.this, exp.Table):
        return None
    source = tree.expression
    if isinstance(source, exp.Values):
        widths = {len(r.expressions) for r in source.expressions if isinstance(r, exp.Tuple)}
    elif isinstance(source, exp.Select) and not any(s.is_star for s in source.selects):
        widths = {len(source.selects)}
    else:
        return None
    if table.identity is not None and widths == {len(names) + 1}:
        raise errors.identity_needs_column_list(written)
    if widths != {len(names)}:
        return None
    listed = [exp.to_identifier(name, quoted=True) for name in names]
    tree.set("this", exp.Schema(this=tree.this, expressions=listed))
    return tuple(names)


def check_insert_width(tree: exp.Insert, listed: int) -> None:
    """An INSERT's column list of `listed` names against each VALUES row (109, 110) or
    its SELECT's select list (120, 121); a SELECT of `*` or a procedure's rows are left
    to SQLite's count."""
    source = tree.expression
    if isinstance(source, exp.Values):
        for row in source.expressions:
            width = len(row.expressions) if isinstance(row, exp.Tuple) else 1
            if width != listed:
                raise errors.column_count(listed > width)
        return
    while isinstance(source, exp.SetOperation):
        source = source.this  # its first query's select list names its columns
    if (
        isinstance(source, exp.Select)
        and not any(s.is_star for s in source.selects)
        and len(source.selects) != listed
    ):
        raise errors.column_count(listed > len(source.selects), select=True)


def stored_values(
    tree: exp.Expression, table: Table, insert_columns: tuple[str, ...] | None
) -> Iterator[tuple[exp.Expression, Column | None]]:
    """Each value node of `tree` (an INSERT or UPDATE of `table`) with the column it goes
    into; an INSERT ... SELECT that is a UNION, or of a procedure's rows, gives none."""
    if isinstance(tree, exp.Insert):
        names = insert_columns or _filled(table)
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
